/* routes: the map of the server. Every route declares its methods, pattern,
 * handler, accepted query parameters and form fields, and access policy
 * (deny by default: router_check refuses a route without one at start-up,
 * and the access-control tests are generated from this table through
 * `kafaat routes`). Order matters only between overlapping patterns. */
#include "app/app.h"
#include "app/files.h"
#include "app/handlers.h"
#include "app/profile_pages.h"

#define END                                                                                        \
	{                                                                                          \
		FIELD_END, NULL, 0, 0                                                              \
	}
#define TEXT(name, max)                                                                            \
	{                                                                                          \
		FIELD_TEXT, name, 0, max                                                           \
	}

/* Cache-busting version parameter on static files. */
static const struct field static_query[] = {TEXT("v", 32), END};
static const struct field token_query[] = {TEXT("token", 64), END};
static const struct field csrf_only[] = {TEXT("csrf", 64), END};
static const struct field signup_form[] = {
        TEXT("csrf", 64), TEXT("email", 254), TEXT("password", 512), TEXT("password2", 512),
        TEXT("lang", 2),  TEXT("adult", 3),   TEXT("notice", 3),     END,
};
static const struct field signin_form[] = {TEXT("csrf", 64), TEXT("email", 254),
                                           TEXT("password", 512), END};
static const struct field code_form[] = {TEXT("csrf", 64), TEXT("code", 32), END};
static const struct field email_form[] = {TEXT("csrf", 64), TEXT("email", 254), END};
static const struct field reset_form[] = {TEXT("csrf", 64), TEXT("token", 64),
                                          TEXT("password", 512), TEXT("password2", 512), END};
static const struct field password_form[] = {TEXT("csrf", 64), TEXT("current", 512),
                                             TEXT("password", 512), TEXT("password2", 512), END};
static const struct field change_email_form[] = {TEXT("csrf", 64), TEXT("current", 512),
                                                 TEXT("email", 254), END};
static const struct field totp_form[] = {TEXT("csrf", 64), TEXT("code", 32), END};
static const struct field token_form[] = {TEXT("csrf", 64), TEXT("name", 100), TEXT("scope", 32),
                                          END};
static const struct field invite_form[] = {TEXT("csrf", 64),        TEXT("email", 254),
                                           TEXT("institution", 20), TEXT("role", 20),
                                           TEXT("lang", 2),         END};
static const struct field institution_form[] = {TEXT("csrf", 64), TEXT("name_ar", 200),
                                                TEXT("name_fr", 200), TEXT("name_en", 200), END};
static const struct field audit_query[] = {
        TEXT("action", 64), TEXT("actor", 254), {FIELD_INT, "before", 1, INT64_MAX}, END};

/* ---- Expert profiles: each step of the editor is one form whose repeated rows
 * are numbered (lang_0_code, …) up to the bounds of profile_pages.h; row is the
 * number as a string ("0"). (Plain initialisers: cppcheck, as scripts/lint.sh
 * runs it, cannot expand a macro that passes its argument to another.) */
#define NAT_FIELD(row)                                                                             \
	{                                                                                          \
		FIELD_TEXT, "nat_" row, 0, 10                                                      \
	}
#define LANG_ROW(row)                                                                              \
	{FIELD_TEXT, "lang_" row "_code", 0, 100},                                                 \
	{                                                                                          \
		FIELD_TEXT, "lang_" row "_level", 0, 10                                            \
	}
#define EDU_ROW(row)                                                                               \
	{FIELD_TEXT, "edu_" row "_degree", 0, 200}, {FIELD_TEXT, "edu_" row "_field", 0, 200},     \
	        {FIELD_TEXT, "edu_" row "_institution", 0, 200},                                   \
	        {FIELD_TEXT, "edu_" row "_country", 0, 100},                                       \
	{                                                                                          \
		FIELD_TEXT, "edu_" row "_year", 0, 10                                              \
	}
#define EXP_ROW(row)                                                                               \
	{FIELD_TEXT, "exp_" row "_role", 0, 200},                                                  \
	        {FIELD_TEXT, "exp_" row "_organisation", 0, 200},                                  \
	        {FIELD_TEXT, "exp_" row "_sector", 0, 64},                                         \
	        {FIELD_TEXT, "exp_" row "_country", 0, 100},                                       \
	        {FIELD_TEXT, "exp_" row "_from", 0, 20},                                           \
	{                                                                                          \
		FIELD_TEXT, "exp_" row "_to", 0, 20                                                \
	}
#define SKILL_ROW(row)                                                                             \
	{FIELD_TEXT, "skill_" row "_name", 0, 120}, {FIELD_TEXT, "skill_" row "_level", 0, 10},    \
	{                                                                                          \
		FIELD_TEXT, "skill_" row "_years", 0, 10                                           \
	}
#define SECTOR_FIELDS(row)                                                                         \
	{FIELD_TEXT, "sec_" row, 0, 64},                                                           \
	{                                                                                          \
		FIELD_TEXT, "pref_" row, 0, 64                                                     \
	}
#define AVAIL_ROW(row)                                                                             \
	{FIELD_TEXT, "avail_" row "_from", 0, 20},                                                 \
	{                                                                                          \
		FIELD_TEXT, "avail_" row "_to", 0, 20                                              \
	}
#define STAY_ROW(row)                                                                              \
	{FIELD_TEXT, "stay_" row "_from", 0, 20}, {FIELD_TEXT, "stay_" row "_to", 0, 20},          \
	{                                                                                          \
		FIELD_TEXT, "stay_" row "_city", 0, 100                                            \
	}
#define REGION_FIELD(row)                                                                          \
	{                                                                                          \
		FIELD_TEXT, "region_" row, 0, 10                                                   \
	}
/* Every form fits the router's limit, and declares the rows the pages show. */
#define FORM_CHECK(form, n)                                                                        \
	_Static_assert(sizeof(form) / sizeof(form[0]) - 1 == (n) &&                                \
	                       sizeof(form) / sizeof(form[0]) - 1 <= PROFILE_FORM_LIMIT,           \
	               "a profile form: its fields and profile_pages.h disagree, or too many")

static const struct field profile_step_query[] = {TEXT("saved", 1), END};
static const struct field profile_query[] = {TEXT("done", 20), END};
static const struct field consent_query[] = {TEXT("done", 20), TEXT("saved", 1), END};
static const struct field skills_query[] = {TEXT("q", 100), {FIELD_LANG, "lang", 0, 0}, END};
static const struct field profile_identity_form[] = {
        TEXT("csrf", 64),      TEXT("name", 200),      TEXT("name_ar", 200),
        TEXT("gender", 10),    TEXT("birth_year", 10), TEXT("country", 100),
        TEXT("city", 100),     NAT_FIELD("0"),         NAT_FIELD("1"),
        NAT_FIELD("2"),        NAT_FIELD("3"),         NAT_FIELD("4"),
        NAT_FIELD("5"),        NAT_FIELD("6"),         NAT_FIELD("7"),
        NAT_FIELD("8"),        NAT_FIELD("9"),         NAT_FIELD("10"),
        NAT_FIELD("11"),       NAT_FIELD("12"),        NAT_FIELD("13"),
        NAT_FIELD("14"),       NAT_FIELD("15"),        TEXT("nat_add", 100),
        TEXT("headline", 200), TEXT("bio", 5000),      END};
FORM_CHECK(profile_identity_form, 10 + PROFILE_NATIONALITIES);
static const struct field profile_languages_form[] = {
        TEXT("csrf", 64), LANG_ROW("0"), LANG_ROW("1"), LANG_ROW("2"), LANG_ROW("3"), LANG_ROW("4"),
        LANG_ROW("5"),    LANG_ROW("6"), LANG_ROW("7"), LANG_ROW("8"), LANG_ROW("9"), END};
FORM_CHECK(profile_languages_form, 1 + 2 * PROFILE_LANGUAGES);
static const struct field profile_education_form[] = {
        TEXT("csrf", 64), EDU_ROW("0"), EDU_ROW("1"), EDU_ROW("2"), EDU_ROW("3"),
        EDU_ROW("4"),     EDU_ROW("5"), EDU_ROW("6"), EDU_ROW("7"), END};
FORM_CHECK(profile_education_form, 1 + 5 * PROFILE_EDUCATION);
static const struct field profile_experience_form[] = {TEXT("csrf", 64),
                                                       TEXT("years_experience", 10),
                                                       EXP_ROW("0"),
                                                       EXP_ROW("1"),
                                                       EXP_ROW("2"),
                                                       EXP_ROW("3"),
                                                       EXP_ROW("4"),
                                                       EXP_ROW("5"),
                                                       EXP_ROW("6"),
                                                       EXP_ROW("7"),
                                                       END};
FORM_CHECK(profile_experience_form, 2 + 6 * PROFILE_EXPERIENCE);
static const struct field profile_skills_form[] = {TEXT("csrf", 64), SKILL_ROW("0"),
                                                   SKILL_ROW("1"),   SKILL_ROW("2"),
                                                   SKILL_ROW("3"),   SKILL_ROW("4"),
                                                   SKILL_ROW("5"),   SKILL_ROW("6"),
                                                   SKILL_ROW("7"),   SKILL_ROW("8"),
                                                   SKILL_ROW("9"),   SKILL_ROW("10"),
                                                   SKILL_ROW("11"),  SKILL_ROW("12"),
                                                   SKILL_ROW("13"),  SKILL_ROW("14"),
                                                   SKILL_ROW("15"),  SKILL_ROW("16"),
                                                   SKILL_ROW("17"),  SKILL_ROW("18"),
                                                   SKILL_ROW("19"),  END};
FORM_CHECK(profile_skills_form, 1 + 3 * PROFILE_SKILLS);
static const struct field profile_sectors_form[] = {
        TEXT("csrf", 64),    TEXT("isco", 200),   SECTOR_FIELDS("0"),
        SECTOR_FIELDS("1"),  SECTOR_FIELDS("2"),  SECTOR_FIELDS("3"),
        SECTOR_FIELDS("4"),  SECTOR_FIELDS("5"),  SECTOR_FIELDS("6"),
        SECTOR_FIELDS("7"),  SECTOR_FIELDS("8"),  SECTOR_FIELDS("9"),
        SECTOR_FIELDS("10"), SECTOR_FIELDS("11"), SECTOR_FIELDS("12"),
        SECTOR_FIELDS("13"), SECTOR_FIELDS("14"), SECTOR_FIELDS("15"),
        SECTOR_FIELDS("16"), SECTOR_FIELDS("17"), SECTOR_FIELDS("18"),
        SECTOR_FIELDS("19"), SECTOR_FIELDS("20"), SECTOR_FIELDS("21"),
        SECTOR_FIELDS("22"), SECTOR_FIELDS("23"), SECTOR_FIELDS("24"),
        SECTOR_FIELDS("25"), SECTOR_FIELDS("26"), SECTOR_FIELDS("27"),
        SECTOR_FIELDS("28"), SECTOR_FIELDS("29"), END};
FORM_CHECK(profile_sectors_form, 2 + 2 * PROFILE_SECTORS);
static const struct field profile_offer_form[] = {TEXT("csrf", 64),
                                                  TEXT("hours", 10),
                                                  TEXT("pay", 10),
                                                  TEXT("mode_0", 20),
                                                  TEXT("mode_1", 20),
                                                  TEXT("presence_0", 20),
                                                  TEXT("presence_1", 20),
                                                  TEXT("presence_2", 20),
                                                  AVAIL_ROW("0"),
                                                  AVAIL_ROW("1"),
                                                  AVAIL_ROW("2"),
                                                  AVAIL_ROW("3"),
                                                  AVAIL_ROW("4"),
                                                  STAY_ROW("0"),
                                                  STAY_ROW("1"),
                                                  STAY_ROW("2"),
                                                  STAY_ROW("3"),
                                                  STAY_ROW("4"),
                                                  REGION_FIELD("0"),
                                                  REGION_FIELD("1"),
                                                  REGION_FIELD("2"),
                                                  REGION_FIELD("3"),
                                                  REGION_FIELD("4"),
                                                  REGION_FIELD("5"),
                                                  REGION_FIELD("6"),
                                                  REGION_FIELD("7"),
                                                  REGION_FIELD("8"),
                                                  REGION_FIELD("9"),
                                                  REGION_FIELD("10"),
                                                  REGION_FIELD("11"),
                                                  END};
FORM_CHECK(profile_offer_form, 3 + PROFILE_MODES + PROFILE_PRESENCE + 2 * PROFILE_AVAILABILITY +
                                       3 * PROFILE_STAYS + PROFILE_REGIONS);
static const struct field profile_links_form[] = {TEXT("csrf", 64), TEXT("linkedin", 300),
                                                  TEXT("orcid", 300), TEXT("website", 300), END};
static const struct field pause_form[] = {TEXT("csrf", 64), TEXT("until", 20), END};
static const struct field coi_form[] = {TEXT("csrf", 64), TEXT("attest", 3),
                                        TEXT("statement", 1000), END};
static const struct field consent_form[] = {TEXT("csrf", 64), TEXT("set", 40), END};
#define PROFILE_STEP(slug, summary, form)                                                          \
	{                                                                                          \
		HTTP_GET | HTTP_POST, "/:lang/profile/edit/" slug, h_profile_step, POLICY_EXPERT,  \
		        profile_step_query, 0, summary, form                                       \
	}

/* ---- Data rights and CVs (rights.c, files.c, freshness.c) */
static const struct field delete_form[] = {TEXT("csrf", 64), TEXT("password", 512), END};
static const struct field cv_query[] = {TEXT("done", 20), END};
static const struct field cv_form[] = {TEXT("csrf", 64), {FIELD_FILE, "cv", 0, CV_READ_MAX}, END};

const struct route app_routes[] = {
        /* Pages for everyone */
        {HTTP_GET, "/", h_root, POLICY_PUBLIC, NULL, 0,
         "Redirect to the home page in the visitor's language", NULL},
        {HTTP_GET, "/:lang", h_lang_root, POLICY_PUBLIC, NULL, 0, "Redirect /fr to /fr/", NULL},
        {HTTP_GET, "/:lang/", h_home, POLICY_PUBLIC, NULL, 0,
         "Home page: the programme, who it is for, how to take part", NULL},
        {HTTP_GET, "/:lang/privacy", h_privacy, POLICY_PUBLIC, NULL, 0,
         "Privacy notice (Law 09-08 and GDPR)", NULL},

        /* Accounts: sign-up, verification, sign-in, password reset */
        {HTTP_GET | HTTP_POST, "/:lang/signup", h_signup, POLICY_PUBLIC, NULL, 0,
         "Experts create their account", signup_form},
        {HTTP_GET, "/:lang/verify", h_verify, POLICY_PUBLIC, token_query, 0,
         "Email verification link", NULL},
        {HTTP_GET | HTTP_POST, "/:lang/verify/resend", h_verify_resend, POLICY_PUBLIC, NULL, 0,
         "Send the verification link again", email_form},
        {HTTP_GET | HTTP_POST, "/:lang/signin", h_signin, POLICY_PUBLIC, NULL, 0, "Sign in",
         signin_form},
        {HTTP_GET | HTTP_POST, "/:lang/signin/code", h_signin_code, POLICY_SECOND_STEP, NULL, 0,
         "Second sign-in step: authenticator or recovery code", code_form},
        {HTTP_POST, "/:lang/signout", h_signout, POLICY_PUBLIC, NULL, 0, "Sign out", csrf_only},
        {HTTP_GET | HTTP_POST, "/:lang/password/forgot", h_forgot, POLICY_PUBLIC, NULL, 0,
         "Ask for a password reset link", email_form},
        {HTTP_GET | HTTP_POST, "/:lang/password/reset", h_reset, POLICY_PUBLIC, token_query, 0,
         "Choose a new password from a reset link", reset_form},
        {HTTP_GET | HTTP_POST, "/:lang/invitation", h_invitation, POLICY_PUBLIC, token_query, 0,
         "Accept an invitation: choose a password", reset_form},

        /* The signed-in person's account */
        {HTTP_GET, "/:lang/account", h_account, POLICY_SIGNED_IN, NULL, ROUTE_SETUP_2FA,
         "Account: email, sessions, password, second factor, API tokens", NULL},
        {HTTP_POST, "/:lang/account/password", h_account_password, POLICY_SIGNED_IN, NULL, 0,
         "Change the password", password_form},
        {HTTP_POST, "/:lang/account/email", h_account_email, POLICY_SIGNED_IN, NULL, 0,
         "Change the email address (confirmed by a link)", change_email_form},
        {HTTP_GET, "/:lang/account/email/confirm", h_account_email_confirm, POLICY_PUBLIC,
         token_query, 0, "Confirm a new email address", NULL},
        {HTTP_POST, "/:lang/account/signout-everywhere", h_signout_everywhere, POLICY_SIGNED_IN,
         NULL, ROUTE_SETUP_2FA, "Sign out of every session", csrf_only},
        {HTTP_GET | HTTP_POST, "/:lang/account/totp", h_account_totp, POLICY_SIGNED_IN, NULL,
         ROUTE_SETUP_2FA, "Set up the authenticator app (second factor)", totp_form},
        {HTTP_POST, "/:lang/account/tokens", h_account_token_new, POLICY_SIGNED_IN, NULL, 0,
         "Create an API token", token_form},
        {HTTP_POST, "/:lang/account/tokens/:id/revoke", h_account_token_revoke, POLICY_SIGNED_IN,
         NULL, 0, "Revoke an API token", csrf_only},

        /* Institutions: owners invite their team */
        {HTTP_GET | HTTP_POST, "/:lang/institution/members", h_institution_members,
         POLICY_INSTITUTION_OWNER, NULL, 0, "An institution's team; owners invite members",
         invite_form},

        /* Programme team */
        {HTTP_GET | HTTP_POST, "/:lang/admin/institutions", h_admin_institutions, POLICY_ADMIN,
         NULL, 0, "Institutions: list and create", institution_form},
        {HTTP_GET | HTTP_POST, "/:lang/admin/invitations", h_admin_invitations, POLICY_ADMIN, NULL,
         0, "Invite an institution's owner or member", invite_form},
        {HTTP_GET, "/:lang/admin/audit", h_admin_audit, POLICY_ADMIN, audit_query, 0,
         "Search the audit log", NULL},

        /* Expert profiles: the editor in steps, the expert's own view, consent per
         * audience, the profile as each audience may see it (profile_steps.c,
         * profile_pages.c; visibility.c decides who sees what) */
        {HTTP_GET, "/:lang/profile", h_profile, POLICY_EXPERT, profile_query, 0,
         "The expert's own profile: everything, completeness, freshness, attestation", NULL},
        PROFILE_STEP("identity", "Profile editor: names, residence, nationalities, headline, bio",
                     profile_identity_form),
        PROFILE_STEP("languages", "Profile editor: languages and CEFR levels",
                     profile_languages_form),
        PROFILE_STEP("education", "Profile editor: education", profile_education_form),
        PROFILE_STEP("experience", "Profile editor: experience", profile_experience_form),
        PROFILE_STEP("skills", "Profile editor: skills with level and years", profile_skills_form),
        PROFILE_STEP("sectors", "Profile editor: sectors, preferred sectors, ISCO-08 occupation",
                     profile_sectors_form),
        PROFILE_STEP("offer",
                     "Profile editor: contribution offer, availability, planned stays, regions",
                     profile_offer_form),
        PROFILE_STEP("links", "Profile editor: LinkedIn, ORCID, website", profile_links_form),
        {HTTP_POST, "/:lang/profile/confirm", h_profile_confirm, POLICY_EXPERT, NULL, 0,
         "One click: my profile is still accurate", csrf_only},
        {HTTP_POST, "/:lang/profile/pause", h_profile_pause, POLICY_EXPERT, NULL, 0,
         "Pause the profile until a date", pause_form},
        {HTTP_POST, "/:lang/profile/resume", h_profile_resume, POLICY_EXPERT, NULL, 0,
         "Resume a paused profile", csrf_only},
        {HTTP_POST, "/:lang/profile/coi", h_profile_coi, POLICY_EXPERT, NULL, 0,
         "Yearly conflict-of-interest attestation", coi_form},
        {HTTP_GET | HTTP_POST, "/:lang/profile/consent", h_profile_consent, POLICY_EXPERT,
         consent_query, 0, "Consent per audience: give or withdraw, effective at once",
         consent_form},
        {HTTP_GET, "/:lang/experts/:id", h_expert, POLICY_PUBLIC, NULL, 0,
         "An expert's profile as the viewer may see it (404 when hidden)", NULL},
        {HTTP_GET, "/api/v1/taxonomy/skills", h_api_skills, POLICY_PUBLIC, skills_query, ROUTE_API,
         "Skill suggestions in any language (the editor's autocomplete)", NULL},

        /* Data rights: download all my data, delete my account; CVs; the
         * freshness reminders' one-click link (rights.c, files.c, freshness.c) */
        {HTTP_GET, "/:lang/profile/rights", h_rights, POLICY_SIGNED_IN, NULL, 0,
         "My data: download all of it, or delete my account", NULL},
        {HTTP_GET, "/:lang/profile/export", h_export, POLICY_SIGNED_IN, NULL, 0,
         "Download all my data: one ZIP (data.json and my files)", NULL},
        {HTTP_GET | HTTP_POST, "/:lang/profile/delete", h_delete_account, POLICY_SIGNED_IN, NULL, 0,
         "Delete my account: erasure, confirmed with the password", delete_form},
        {HTTP_GET | HTTP_POST, "/:lang/profile/cv/upload", h_cv_upload, POLICY_EXPERT, cv_query,
         ROUTE_UPLOAD, "Upload my CV (PDF, at most 5 MB; a multipart form)", cv_form},
        {HTTP_GET, "/:lang/profile/cv", h_cv_download, POLICY_EXPERT, NULL, 0,
         "Download my CV (as an attachment)", NULL},
        {HTTP_POST, "/:lang/profile/cv/delete", h_cv_remove, POLICY_EXPERT, NULL, 0, "Remove my CV",
         csrf_only},
        {HTTP_GET, "/:lang/experts/:id/cv", h_expert_cv, POLICY_SIGNED_IN, NULL, 0,
         "An expert's CV, for whom visibility allows (404 otherwise); every view audited", NULL},
        {HTTP_GET, "/:lang/profile/reconfirm", h_reconfirm, POLICY_PUBLIC, token_query, 0,
         "One-click reconfirmation link of the freshness reminders", NULL},

        /* Needs: institutions' profiles and verification, the need editor with its
         * readiness checklist, the programme team's review, the public board and its
         * feeds (institutions.c, needs.c, need_pages.c) */
        /* -- needs routes end -- */

        /* Engagements: applications, invitations and every step to evaluation,
         * contact details, response deadlines, evaluations, certificates, the inbox
         * (engagements.c, engagement_pages.c, evaluations.c, notify.c) */
        /* -- engagements routes end -- */

        /* System and API */
        {HTTP_GET, "/healthz", h_healthz, POLICY_PUBLIC, NULL, ROUTE_API | ROUTE_ANONYMOUS,
         "Health check: the server and its database answer", NULL},
        {HTTP_GET, "/api/v1/meta", h_api_meta, POLICY_PUBLIC, NULL, ROUTE_API,
         "Version and languages of this Kafaat", NULL},
        {HTTP_GET, "/api/v1/me", h_api_me, POLICY_SIGNED_IN, NULL, ROUTE_API,
         "The person the API token belongs to, with its scopes", NULL},
        {HTTP_GET, "/static/*file", h_static, POLICY_PUBLIC, static_query, ROUTE_ANONYMOUS,
         "Stylesheets, images and scripts", NULL},
        {HTTP_GET, "/favicon.ico", h_favicon, POLICY_PUBLIC, NULL, ROUTE_ANONYMOUS, "Site icon",
         NULL},
};

const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
