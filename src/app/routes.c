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

/* ---- Search and matching (search_pages.c) */
/* The search's words and filters: the page's and the API's (with a cursor).
 * Plain initialisers: cppcheck cannot expand TEXT() inside a macro. */
#define SEARCH_FIELDS                                                                              \
	{FIELD_TEXT, "q", 0, 200}, {FIELD_TEXT, "country", 0, 200},                                \
	        {FIELD_TEXT, "sector", 0, 400}, {FIELD_TEXT, "skill", 0, 400},                     \
	        {FIELD_TEXT, "lang", 0, 100}, {FIELD_TEXT, "presence", 0, 40},                     \
	        {FIELD_TEXT, "mode", 0, 40}, {FIELD_TEXT, "pay", 0, 20},                           \
	        {FIELD_TEXT, "state", 0, 20}, {FIELD_TEXT, "network", 0, 200},                     \
	        {FIELD_TEXT, "city", 0, 100}, {FIELD_TEXT, "from", 0, 10},                         \
	        {FIELD_TEXT, "to", 0, 10},                                                         \
	{                                                                                          \
		FIELD_INT, "page", 1, 50                                                           \
	}
static const struct field search_query[] = {SEARCH_FIELDS, END};

static const struct field matches_query[] = {TEXT("network", 64), END};

/* ---- Engagements, evaluations, certificates, the inbox (engagement_pages.c,
 * evaluations.c, notify.c) */
static const struct field done_query[] = {TEXT("done", 20), END};
static const struct field apply_form[] = {TEXT("csrf", 64), TEXT("motivation", 2000), END};
static const struct field eng_step_form[] = {TEXT("csrf", 64), TEXT("action", 20),
                                             TEXT("reason", 40), TEXT("message", 2000), END};
static const struct field eng_invite_form[] = {TEXT("csrf", 64), TEXT("expert", 300),
                                               TEXT("mode", 10), TEXT("message", 2000), END};
static const struct field evaluate_query[] = {TEXT("round", 10), END};
static const struct field evaluate_form[] = {
        TEXT("csrf", 64),    TEXT("rating", 2),     TEXT("objectives", 10), TEXT("again", 10),
        TEXT("lasting", 10), TEXT("continued", 10), TEXT("comment", 2000),  END};
static const struct field verify_query[] = {TEXT("code", 40), END};
static const struct field notify_form[] = {TEXT("csrf", 64), TEXT("notify", 20), END};

/* ---- Institutions and needs (institutions.c, needs.c, need_pages.c). The need
 * editor's rows are numbered like the profile editor's (skill_0_name, …): at most
 * NEED_SKILLS (12) skills and NEED_LANGUAGES (6) languages (needs.h). */
#define INST_SECTOR(row)                                                                           \
	{                                                                                          \
		FIELD_TEXT, "sec_" row, 0, 64                                                      \
	}
#define NEED_SKILL_ROW(row)                                                                        \
	{FIELD_TEXT, "skill_" row "_name", 0, 120},                                                \
	{                                                                                          \
		FIELD_TEXT, "skill_" row "_level", 0, 10                                           \
	}
#define NEED_LANG_ROW(row)                                                                         \
	{FIELD_TEXT, "lang_" row "_code", 0, 100},                                                 \
	{                                                                                          \
		FIELD_TEXT, "lang_" row "_level", 0, 10                                            \
	}
static const struct field institution_form[] = {
        TEXT("csrf", 64),     TEXT("name_ar", 200),      TEXT("name_fr", 200),
        TEXT("name_en", 200), TEXT("kind", 30),          TEXT("region", 100),
        TEXT("website", 300), TEXT("description", 5000), INST_SECTOR("0"),
        INST_SECTOR("1"),     INST_SECTOR("2"),          INST_SECTOR("3"),
        INST_SECTOR("4"),     INST_SECTOR("5"),          INST_SECTOR("6"),
        INST_SECTOR("7"),     INST_SECTOR("8"),          INST_SECTOR("9"),
        INST_SECTOR("10"),    INST_SECTOR("11"),         INST_SECTOR("12"),
        INST_SECTOR("13"),    INST_SECTOR("14"),         INST_SECTOR("15"),
        INST_SECTOR("16"),    INST_SECTOR("17"),         INST_SECTOR("18"),
        INST_SECTOR("19"),    INST_SECTOR("20"),         INST_SECTOR("21"),
        INST_SECTOR("22"),    INST_SECTOR("23"),         INST_SECTOR("24"),
        INST_SECTOR("25"),    INST_SECTOR("26"),         INST_SECTOR("27"),
        INST_SECTOR("28"),    INST_SECTOR("29"),         END};
static const struct field saved_query[] = {TEXT("saved", 1), END};
static const struct field verify_form[] = {TEXT("csrf", 64), TEXT("set", 1), END};
static const struct field need_form[] = {TEXT("csrf", 64),
                                         TEXT("title", 200),
                                         TEXT("description", 5000),
                                         TEXT("sector", 64),
                                         TEXT("mode", 20),
                                         TEXT("presence", 20),
                                         TEXT("region", 100),
                                         TEXT("city", 200),
                                         TEXT("dates", 10),
                                         TEXT("start", 20),
                                         TEXT("end", 20),
                                         TEXT("effort_days", 10),
                                         TEXT("hours", 10),
                                         TEXT("experts", 10),
                                         TEXT("pay", 10),
                                         TEXT("travel", 3),
                                         TEXT("stay", 3),
                                         TEXT("cp_name", 200),
                                         TEXT("cp_role", 200),
                                         TEXT("cp_email", 254),
                                         TEXT("ready_counterpart", 3),
                                         TEXT("ready_resources", 3),
                                         TEXT("ready_approval", 3),
                                         TEXT("then", 10),
                                         NEED_SKILL_ROW("0"),
                                         NEED_SKILL_ROW("1"),
                                         NEED_SKILL_ROW("2"),
                                         NEED_SKILL_ROW("3"),
                                         NEED_SKILL_ROW("4"),
                                         NEED_SKILL_ROW("5"),
                                         NEED_SKILL_ROW("6"),
                                         NEED_SKILL_ROW("7"),
                                         NEED_SKILL_ROW("8"),
                                         NEED_SKILL_ROW("9"),
                                         NEED_SKILL_ROW("10"),
                                         NEED_SKILL_ROW("11"),
                                         NEED_LANG_ROW("0"),
                                         NEED_LANG_ROW("1"),
                                         NEED_LANG_ROW("2"),
                                         NEED_LANG_ROW("3"),
                                         NEED_LANG_ROW("4"),
                                         NEED_LANG_ROW("5"),
                                         END};
_Static_assert(sizeof(need_form) / sizeof(need_form[0]) - 1 == 24 + 2 * 12 + 2 * 6 &&
                       sizeof(need_form) / sizeof(need_form[0]) - 1 <= PROFILE_FORM_LIMIT,
               "the need form: its rows and needs.h disagree, or more fields than a form takes");
static const struct field need_action_form[] = {TEXT("csrf", 64), TEXT("action", 20),
                                                TEXT("reason", 40), TEXT("note", 2000), END};
static const struct field board_query[] = {
        TEXT("sector", 64), TEXT("region", 10), TEXT("presence", 10),           TEXT("mode", 12),
        TEXT("pay", 10),    TEXT("q", 100),     {FIELD_INT, "page", 1, 100000}, END};
static const struct field review_query[] = {TEXT("state", 20), END};

/* ---- Networks: membership, roster, announcements, introductions (network_pages.c) */
/* The router's maxima are above the pages' own (network_pages.h), so that a
 * text too long is answered with the form and its message (422). The texts
 * of a network are written out in both forms (cppcheck, as lint runs it,
 * does not expand a macro of macros). */
static const struct field net_done_query[] = {TEXT("done", 20), END};
static const struct field net_roster_query[] = {{FIELD_INT, "page", 1, 100000}, END};
static const struct field net_join_form[] = {TEXT("csrf", 64), TEXT("message", 2000), END};
static const struct field net_manage_form[] = {
        TEXT("csrf", 64),          TEXT("name_ar", 400),      TEXT("name_fr", 400),
        TEXT("name_en", 400),      TEXT("summary_ar", 2000),  TEXT("summary_fr", 2000),
        TEXT("summary_en", 2000),  TEXT("charter_ar", 16000), TEXT("charter_fr", 16000),
        TEXT("charter_en", 16000), TEXT("membership", 20),    END};
static const struct field net_admin_form[] = {TEXT("csrf", 64),          TEXT("slug", 200),
                                              TEXT("kind", 20),          TEXT("name_ar", 400),
                                              TEXT("name_fr", 400),      TEXT("name_en", 400),
                                              TEXT("summary_ar", 2000),  TEXT("summary_fr", 2000),
                                              TEXT("summary_en", 2000),  TEXT("charter_ar", 16000),
                                              TEXT("charter_fr", 16000), TEXT("charter_en", 16000),
                                              TEXT("membership", 20),    END};
static const struct field net_decision_form[] = {TEXT("csrf", 64), TEXT("decision", 20), END};
static const struct field net_announce_form[] = {TEXT("csrf", 64), TEXT("title", 400),
                                                 TEXT("body", 10000), END};
static const struct field net_intro_form[] = {TEXT("csrf", 64), TEXT("target", 20),
                                              TEXT("message", 2000), END};
static const struct field net_step_form[] = {TEXT("csrf", 64), TEXT("action", 20),
                                             TEXT("note", 2000), END};
static const struct field net_coordinator_form[] = {TEXT("csrf", 64), TEXT("email", 254),
                                                    TEXT("action", 20), END};
/* -- network fields end -- */

/* ---- Events: registration, waiting list, attendance, calendars (event_pages.c) */
static const struct field event_done_query[] = {TEXT("done", 20), END};
static const struct field event_form[] = {
        TEXT("csrf", 64),       TEXT("title", 200),      TEXT("description", 5000),
        TEXT("mode", 20),       TEXT("open_to", 20),     TEXT("online_url", 500),
        TEXT("city", 300),      TEXT("address", 300),    TEXT("tz", 64),
        TEXT("start_date", 10), TEXT("start_time", 5),   TEXT("end_date", 10),
        TEXT("end_time", 5),    TEXT("closes_date", 10), TEXT("closes_time", 5),
        TEXT("capacity", 10),   TEXT("sequence", 20),    END};
static const struct field event_cancel_form[] = {TEXT("csrf", 64), TEXT("reason", 1000), END};
static const struct field event_attendance_form[] = {TEXT("csrf", 64), TEXT("user", 20),
                                                     TEXT("attended", 1), END};
/* -- event fields end -- */

/* ---- Partner API (api_*.c; each API route's description: api_docs.c). Lists
 * take an opaque cursor and a limit; the board's and the search's filters. */
static const struct field api_needs_query[] = {TEXT("sector", 64),
                                               TEXT("region", 10),
                                               TEXT("presence", 10),
                                               TEXT("mode", 12),
                                               TEXT("pay", 10),
                                               TEXT("q", 100),
                                               {FIELD_TEXT, "cursor", 0, 64},
                                               {FIELD_INT, "limit", 1, 100},
                                               {FIELD_INT, "page", 1, 100000},
                                               END};
static const struct field api_search_query[] = {
        SEARCH_FIELDS, {FIELD_TEXT, "cursor", 0, 64}, {FIELD_INT, "limit", 1, 100}, END};
static const struct field api_institution_needs_query[] = {
        TEXT("state", 20), {FIELD_TEXT, "cursor", 0, 64}, {FIELD_INT, "limit", 1, 100}, END};
static const struct field api_rosters_query[] = {{FIELD_INT, "dry_run", 0, 1}, END};
static const struct field admin_tokens_query[] = {TEXT("done", 20), END};
/* -- api fields end -- */
/* ---- Projects: dossiers, the advisors' pipeline, mentors (project_pages.c,
 * project_advisor.c, project_mentors.c, project_figures.c) */
static const struct field project_form[] = {TEXT("csrf", 64),
                                            TEXT("title", 200),
                                            TEXT("summary", 5000),
                                            TEXT("sector", 100),
                                            TEXT("region", 100),
                                            TEXT("city", 100),
                                            TEXT("stage", 20),
                                            TEXT("investment", 40),
                                            TEXT("equity", 20),
                                            TEXT("jobs", 20),
                                            TEXT("need_financing", 3),
                                            TEXT("need_land", 3),
                                            TEXT("need_procedures", 3),
                                            TEXT("need_mentoring", 3),
                                            TEXT("need_partners", 3),
                                            TEXT("need_market", 3),
                                            END};
static const struct field project_query[] = {TEXT("done", 20), END};
static const struct field project_step_form[] = {TEXT("csrf", 64),
                                                 TEXT("action", 20),
                                                 TEXT("reason", 40),
                                                 TEXT("note", 2000),
                                                 TEXT("investment_realised", 40),
                                                 TEXT("jobs_realised", 20),
                                                 END};
static const struct field project_document_form[] = {
        TEXT("csrf", 64), {FIELD_FILE, "document", 0, CV_READ_MAX}, END};
static const struct field project_queue_query[] = {TEXT("state", 20), END};
static const struct field project_assign_form[] = {TEXT("csrf", 64), TEXT("advisor", 20), END};
static const struct field project_mentor_form[] = {TEXT("csrf", 64), TEXT("expert", 20),
                                                   TEXT("message", 2000), END};
static const struct field mentorship_step_form[] = {TEXT("csrf", 64), TEXT("action", 20),
                                                    TEXT("reason", 40), TEXT("message", 2000), END};
/* -- project fields end -- */

/* ---- Dashboard (dashboard.c) and public statistics (statistics.c): the
 * dashboard's period, two dates YYYY-MM-DD (either may be empty) */
static const struct field dashboard_query[] = {TEXT("from", 10), TEXT("to", 10), END};
/* -- dashboard fields end -- */

/* ---- Sectoral plans (plans.c, plan_pages.c): the plan's form, its rows numbered
 * up to PLAN_SECTORS (30) sectors and PLAN_SKILLS (10) skills (plans.h) */
#define PLAN_SKILL(row)                                                                            \
	{                                                                                          \
		FIELD_TEXT, "skill_" row, 0, 120                                                   \
	}
static const struct field plan_form[] = {TEXT("csrf", 64),
                                         TEXT("year", 10),
                                         TEXT("needs_target", 10),
                                         TEXT("experts_target", 10),
                                         TEXT("focal_name", 200),
                                         TEXT("focal_title", 200),
                                         TEXT("focal_email", 254),
                                         TEXT("version", 10),
                                         INST_SECTOR("0"),
                                         INST_SECTOR("1"),
                                         INST_SECTOR("2"),
                                         INST_SECTOR("3"),
                                         INST_SECTOR("4"),
                                         INST_SECTOR("5"),
                                         INST_SECTOR("6"),
                                         INST_SECTOR("7"),
                                         INST_SECTOR("8"),
                                         INST_SECTOR("9"),
                                         INST_SECTOR("10"),
                                         INST_SECTOR("11"),
                                         INST_SECTOR("12"),
                                         INST_SECTOR("13"),
                                         INST_SECTOR("14"),
                                         INST_SECTOR("15"),
                                         INST_SECTOR("16"),
                                         INST_SECTOR("17"),
                                         INST_SECTOR("18"),
                                         INST_SECTOR("19"),
                                         INST_SECTOR("20"),
                                         INST_SECTOR("21"),
                                         INST_SECTOR("22"),
                                         INST_SECTOR("23"),
                                         INST_SECTOR("24"),
                                         INST_SECTOR("25"),
                                         INST_SECTOR("26"),
                                         INST_SECTOR("27"),
                                         INST_SECTOR("28"),
                                         INST_SECTOR("29"),
                                         PLAN_SKILL("0"),
                                         PLAN_SKILL("1"),
                                         PLAN_SKILL("2"),
                                         PLAN_SKILL("3"),
                                         PLAN_SKILL("4"),
                                         PLAN_SKILL("5"),
                                         PLAN_SKILL("6"),
                                         PLAN_SKILL("7"),
                                         PLAN_SKILL("8"),
                                         PLAN_SKILL("9"),
                                         END};
_Static_assert(sizeof(plan_form) / sizeof(plan_form[0]) - 1 == 8 + 30 + 10 &&
                       sizeof(plan_form) / sizeof(plan_form[0]) - 1 <= PROFILE_FORM_LIMIT,
               "plan_form: the rows of plans.h, within the router's limit");
static const struct field plan_admin_query[] = {{FIELD_INT, "year", 2000, 2200}, END};
/* -- plans fields end -- */

/* ---- Consultations (consultations.c, consultation_pages.c) */
#define CONS_TEXT_FIELD(n)                                                                         \
	{                                                                                          \
		FIELD_TEXT, "q" n, 0, 110000                                                       \
	}
/* A free-text answer may be posted longer than it may be (2000 characters)
 * so that the page, not the router, says what is wrong (422 by the field). */
static const struct field cons_answer_form[] = {TEXT("csrf", 64),
                                                TEXT("anonymous", 1),
                                                CONS_TEXT_FIELD("1"),
                                                CONS_TEXT_FIELD("2"),
                                                CONS_TEXT_FIELD("3"),
                                                CONS_TEXT_FIELD("4"),
                                                CONS_TEXT_FIELD("5"),
                                                CONS_TEXT_FIELD("6"),
                                                CONS_TEXT_FIELD("7"),
                                                CONS_TEXT_FIELD("8"),
                                                CONS_TEXT_FIELD("9"),
                                                CONS_TEXT_FIELD("10"),
                                                END};
static const struct field cons_form[] = {TEXT("csrf", 64),          TEXT("sequence", 20),
                                         TEXT("title_ar", 400),     TEXT("title_fr", 400),
                                         TEXT("title_en", 400),     TEXT("intro_ar", 10000),
                                         TEXT("intro_fr", 10000),   TEXT("intro_en", 10000),
                                         TEXT("audience", 20),      TEXT("sector", 64),
                                         TEXT("network", 64),       TEXT("country", 64),
                                         TEXT("opens_on", 10),      TEXT("closes_on", 10),
                                         TEXT("public_results", 1), END};
static const struct field cons_question_form[] = {TEXT("csrf", 64),        TEXT("sequence", 20),
                                                  TEXT("remove", 2),       TEXT("kind", 20),
                                                  TEXT("prompt", 1000),    TEXT("required", 1),
                                                  TEXT("options", 5000),   TEXT("scale_low", 200),
                                                  TEXT("scale_high", 200), END};
static const struct field cons_step_form[] = {TEXT("csrf", 64), TEXT("sequence", 20),
                                              TEXT("action", 20), END};
static const struct field cons_query[] = {TEXT("done", 20), END};
static const struct field cons_new_query[] = {TEXT("network", 64), END};
/* -- consultation fields end -- */

/* ---- Proposals (proposals.c, proposal_pages.c) */
/* Texts are bounded here far above the model's limits (proposals.h) so that
 * a text too long is a 422 named by its field, not a 400. */
static const struct field proposal_list_query[] = {TEXT("sector", 64),
                                                   TEXT("status", 20),
                                                   TEXT("sort", 10),
                                                   {FIELD_INT, "page", 1, 100000},
                                                   END};
static const struct field proposal_query[] = {TEXT("done", 20), END};
static const struct field proposal_form[] = {TEXT("csrf", 64),     TEXT("title", 2000),
                                             TEXT("body", 200000), TEXT("kind", 20),
                                             TEXT("sector", 64),   END};
static const struct field proposal_comment_form[] = {TEXT("csrf", 64), TEXT("body", 200000), END};
static const struct field proposal_answer_form[] = {TEXT("csrf", 64), TEXT("status", 20),
                                                    TEXT("answer", 200000), END};
static const struct field proposal_hide_form[] = {TEXT("csrf", 64), TEXT("action", 10), END};
/* -- proposal fields end -- */

/* ---- Network discussions and the changelog (discussions.c, discussion_pages.c, changelog.c) */
static const struct field disc_page_query[] = {
        {FIELD_INT, "page", 1, 100000}, TEXT("done", 20), END};
static const struct field disc_done_query[] = {TEXT("done", 20), END};
/* The router's maxima are far above the pages' own (discussions.h), so that
 * a text too long (a 100 kB post) is answered with its message (422). */
static const struct field disc_thread_form[] = {TEXT("csrf", 64), TEXT("title", 200000),
                                                TEXT("body", 200000), END};
static const struct field disc_reply_form[] = {TEXT("csrf", 64), TEXT("body", 200000), END};
static const struct field disc_action_form[] = {TEXT("csrf", 64), TEXT("action", 20), END};
static const struct field disc_moderate_form[] = {TEXT("csrf", 64), TEXT("action", 20),
                                                  TEXT("reason", 20000), END};
static const struct field disc_report_form[] = {TEXT("csrf", 64), TEXT("reason", 20),
                                                TEXT("note", 20000), END};
static const struct field disc_resolve_form[] = {TEXT("csrf", 64), TEXT("decision", 20),
                                                 TEXT("reason", 20000), END};
/* -- discussion fields end -- */

/* ---- Admin exports (exports.c) */
/* -- export fields end -- */

/* ---- Benchmarks (bench_fts5.c): the same query and page as the search API */
static const struct field bench_fts5_query[] = {TEXT("q", 200), {FIELD_INT, "page", 1, 50}, END};

/* Page routes leave out the last member of struct route (api, for ROUTE_API
 * routes only): it is NULL, as C says (the Makefile's -Wno-missing-field-
 * initializers: trailing optional members of tables are left out). */
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
         "Skill suggestions in any language (the editor's autocomplete)", NULL, &api_doc_skills},

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

        /* Search and matching: experts with facets, a need's ranked matches with
         * their explanations, needs recommended to an expert (search_pages.c;
         * the engine: match/, fed by search.c) */
        {HTTP_GET, "/:lang/experts", h_search, POLICY_PUBLIC, search_query, 0,
         "Search experts: text and filters, facet counts, as the viewer may see them", NULL},
        {HTTP_GET, "/api/v1/experts", h_api_search, POLICY_PUBLIC, api_search_query, ROUTE_API,
         "Search experts (JSON): results, total and facet counts", NULL, &api_doc_experts},
        {HTTP_GET, "/:lang/institution/needs/:id/matches", h_need_matches, POLICY_INSTITUTION,
         matches_query, 0,
         "A need's best-matching experts, each with the factors of its score (network: only "
         "members of that network)",
         NULL},
        {HTTP_GET, "/:lang/profile/recommendations", h_recommendations, POLICY_EXPERT, NULL, 0,
         "Published needs recommended to the expert, with the reasons", NULL},

        /* Needs: institutions' profiles and verification, the need editor with its
         * readiness checklist, the programme team's review, the public board and its
         * feeds (institutions.c, needs.c, need_pages.c, need_board.c) */
        {HTTP_GET, "/:lang/institutions", h_institutions, POLICY_PUBLIC, NULL, 0,
         "Verified institutions, with their published needs", NULL},
        {HTTP_GET, "/:lang/institutions/:id", h_institution_public, POLICY_PUBLIC, NULL, 0,
         "An institution's public page: description, published needs, answer rate and median "
         "response time (404 until verified, but for its members and the programme team)",
         NULL},
        {HTTP_GET | HTTP_POST, "/:lang/institution/profile", h_institution_profile,
         POLICY_INSTITUTION_OWNER, saved_query, 0,
         "Owners edit their institution's profile (not its verification)", institution_form},
        {HTTP_GET, "/:lang/institution/needs", h_inst_needs, POLICY_INSTITUTION, NULL, 0,
         "The institution's needs, every state", NULL},
        {HTTP_GET | HTTP_POST, "/:lang/institution/needs/new", h_need_new, POLICY_INSTITUTION, NULL,
         0, "Write a new need: a draft, or submitted at once when ready", need_form},
        {HTTP_GET, "/:lang/institution/needs/:id", h_inst_need, POLICY_INSTITUTION, NULL, 0,
         "One of the institution's needs: details, history, the actions its state allows (404 "
         "for another institution's)",
         NULL},
        {HTTP_GET | HTTP_POST, "/:lang/institution/needs/:id/edit", h_need_edit, POLICY_INSTITUTION,
         NULL, 0, "Edit a draft need (then save, or submit for review)", need_form},
        {HTTP_POST, "/:lang/institution/needs/:id/action", h_inst_need_action, POLICY_INSTITUTION,
         NULL, 0, "Move a need: submit, staff, start, complete, cancel with a reason",
         need_action_form},
        {HTTP_POST, "/:lang/institution/needs/:id/repeat", h_need_repeat, POLICY_INSTITUTION, NULL,
         0, "A completed or cancelled need again: a new child draft", csrf_only},
        {HTTP_GET | HTTP_POST, "/:lang/admin/institutions", h_admin_institutions, POLICY_ADMIN,
         NULL, 0, "Institutions: list and create", institution_form},
        {HTTP_GET | HTTP_POST, "/:lang/admin/institutions/:id", h_admin_institution, POLICY_ADMIN,
         saved_query, 0, "Edit an institution; its verification", institution_form},
        {HTTP_POST, "/:lang/admin/institutions/:id/verify", h_admin_institution_verify,
         POLICY_ADMIN, NULL, 0, "Verify an institution (set=1) or withdraw it (set=0); audited",
         verify_form},
        {HTTP_GET, "/:lang/admin/needs", h_admin_needs, POLICY_ADMIN, review_query, 0,
         "The review queue: submitted needs, oldest first (and the needs of each state)", NULL},
        {HTTP_GET, "/:lang/admin/needs/:id", h_admin_need, POLICY_ADMIN, NULL, 0,
         "A need for the programme team: publish, return with a note, cancel", NULL},
        {HTTP_POST, "/:lang/admin/needs/:id/action", h_admin_need_action, POLICY_ADMIN, NULL, 0,
         "The programme team moves a need: publish, return (with a note), cancel (with a reason)",
         need_action_form},
        {HTTP_GET, "/:lang/needs", h_needs_board, POLICY_PUBLIC, board_query, 0,
         "The public board of published needs: filters, pages", NULL},
        {HTTP_GET, "/:lang/needs.atom", h_needs_feed, POLICY_PUBLIC, board_query, 0,
         "The published needs as an Atom feed (same filters)", NULL},
        {HTTP_GET, "/:lang/needs/:id", h_need_public, POLICY_PUBLIC, NULL, 0,
         "A published need's public page (404 before publication)", NULL},
        {HTTP_GET, "/api/v1/needs", h_api_needs, POLICY_PUBLIC, api_needs_query, ROUTE_API,
         "The published needs (JSON): the board's filters, by cursor", NULL, &api_doc_needs_list},
        {HTTP_GET, "/api/v1/needs/:id", h_api_need, POLICY_PUBLIC, NULL, ROUTE_API,
         "A published need (JSON)", NULL, &api_doc_need},
        /* -- needs routes end -- */

        /* Engagements: applications, invitations and every step to evaluation,
         * contact details, response deadlines, evaluations, certificates, the inbox
         * (engagements.c, engagement_pages.c, evaluations.c, notify.c) */
        {HTTP_GET | HTTP_POST, "/:lang/needs/:id/apply", h_apply, POLICY_EXPERT, NULL, 0,
         "Apply to a published need, with a short motivation", apply_form},
        {HTTP_GET, "/:lang/engagements", h_engagements, POLICY_EXPERT, done_query, 0,
         "My engagements: state, the institution's messages, what to do next", NULL},
        {HTTP_POST, "/:lang/engagements/:id", h_engagement_step, POLICY_EXPERT, NULL, 0,
         "The expert takes a step: confirm, decline, withdraw, yes to an invitation",
         eng_step_form},
        {HTTP_GET | HTTP_POST, "/:lang/engagements/:id/evaluate", h_evaluate, POLICY_SIGNED_IN,
         evaluate_query, 0, "Evaluate a delivered engagement, or answer a follow-up (either side)",
         evaluate_form},
        {HTTP_GET, "/:lang/engagements/:id/certificate", h_certificate, POLICY_EXPERT, NULL, 0,
         "The expert's printable certificate of contribution", NULL},
        {HTTP_GET | HTTP_POST, "/:lang/institution/needs/:id/engagements", h_need_engagements,
         POLICY_INSTITUTION, done_query, 0,
         "A need's applicants and invitees; invite or privately suggest an expert",
         eng_invite_form},
        {HTTP_POST, "/:lang/institution/engagements/:id", h_institution_engagement_step,
         POLICY_INSTITUTION, NULL, 0,
         "The institution takes a step: shortlist, accept, refuse, start, deliver, close",
         eng_step_form},
        {HTTP_GET, "/:lang/certificates/verify", h_certificate_verify, POLICY_PUBLIC, verify_query,
         0, "Verify a certificate of contribution by its code", NULL},
        {HTTP_GET, "/:lang/certificates/:slug", h_certificate_show, POLICY_PUBLIC, NULL, 0,
         "A certificate's public verification page (lowercase code)", NULL},
        {HTTP_GET, "/:lang/inbox", h_inbox, POLICY_SIGNED_IN, done_query, 0,
         "My notifications, newest first, and how I hear of them", NULL},
        {HTTP_GET, "/:lang/inbox/:id", h_inbox_open, POLICY_SIGNED_IN, NULL, 0,
         "Open a notification: marked read, then its page", NULL},
        {HTTP_POST, "/:lang/inbox/read", h_inbox_read, POLICY_SIGNED_IN, NULL, 0,
         "Mark all my notifications read", csrf_only},
        {HTTP_POST, "/:lang/inbox/preference", h_inbox_preference, POLICY_SIGNED_IN, NULL, 0,
         "Mails at once, or one daily digest", notify_form},
        /* -- engagements routes end -- */

        /* Networks: the list and each network's page with its figures, joining and
         * leaving, the roster, coordinators' management and announcements,
         * introductions between members (networks.c, network_pages.c,
         * network_manage.c, network_intros.c, network_admin.c). Signed-in routes: network_may
         * decides, and who may not gets 404. */
        {HTTP_GET, "/:lang/networks", h_networks, POLICY_PUBLIC, NULL, 0,
         "Networks, geographic and thematic, with their members; my networks", NULL},
        {HTTP_GET, "/:lang/networks/:slug", h_network, POLICY_PUBLIC, net_done_query, 0,
         "A network's page: charter, figures, coordinators; join, leave, request pending", NULL},
        {HTTP_POST, "/:lang/networks/:slug/join", h_network_join, POLICY_SIGNED_IN, NULL, 0,
         "Join a network (open: at once; on approval: a request with a message)", net_join_form},
        {HTTP_POST, "/:lang/networks/:slug/leave", h_network_leave, POLICY_SIGNED_IN, NULL, 0,
         "Leave a network (or withdraw a pending request)", csrf_only},
        {HTTP_GET, "/:lang/networks/:slug/members", h_network_roster, POLICY_SIGNED_IN,
         net_roster_query, 0,
         "The roster: members who consented to network peers (members, coordinators, admins; "
         "404 for others)",
         NULL},
        {HTTP_GET | HTTP_POST, "/:lang/networks/:slug/manage", h_network_manage, POLICY_SIGNED_IN,
         net_done_query, 0,
         "Coordinators (and admins): texts, membership policy, pending requests (404 for "
         "others)",
         net_manage_form},
        {HTTP_POST, "/:lang/networks/:slug/requests/:id", h_network_request, POLICY_SIGNED_IN, NULL,
         0, "A coordinator accepts or refuses a join request (id: the person)", net_decision_form},
        {HTTP_GET | HTTP_POST, "/:lang/networks/:slug/announcements", h_network_announcements,
         POLICY_SIGNED_IN, net_done_query, 0,
         "Announcements: members read them, coordinators post (every member notified)",
         net_announce_form},
        {HTTP_POST, "/:lang/networks/:slug/introductions", h_network_intro_ask, POLICY_SIGNED_IN,
         NULL, 0, "A member asks a coordinator for an introduction to another member",
         net_intro_form},
        {HTTP_GET, "/:lang/introductions", h_introductions, POLICY_SIGNED_IN, net_done_query, 0,
         "My introductions (asked, received) and those waiting for me as a coordinator", NULL},
        {HTTP_POST, "/:lang/introductions/:id", h_introduction_step, POLICY_SIGNED_IN, NULL, 0,
         "A step of an introduction: forward or refuse (coordinator), accept or decline",
         net_step_form},
        {HTTP_GET | HTTP_POST, "/:lang/admin/networks", h_admin_networks, POLICY_ADMIN, NULL, 0,
         "The programme team: networks and their coordinators; create a network", net_admin_form},
        {HTTP_GET | HTTP_POST, "/:lang/admin/networks/:slug", h_admin_network, POLICY_ADMIN,
         net_done_query, 0, "The programme team edits a network (kind, membership, texts)",
         net_admin_form},
        {HTTP_POST, "/:lang/admin/networks/:slug/coordinators", h_admin_network_coordinators,
         POLICY_ADMIN, NULL, 0, "Appoint (add) or remove a coordinator by email; audited",
         net_coordinator_form},
        /* -- network routes end -- */

        /* Events of networks: pages, registration with a waiting list, attendance,
         * iCalendar files and feeds (events.c, event_pages.c) */
        {HTTP_GET, "/:lang/events", h_events, POLICY_PUBLIC, NULL, 0,
         "Upcoming events of every network", NULL},
        {HTTP_GET, "/:lang/events/:id", h_event, POLICY_PUBLIC, event_done_query, 0,
         "An event: times in its zone and in UTC, place, seats, register or give up a place "
         "(the online link for people holding a seat)",
         NULL},
        {HTTP_GET, "/:lang/events/:id/calendar.ics", h_event_ics, POLICY_PUBLIC, NULL, 0,
         "An event as an iCalendar file (RFC 5545)", NULL},
        {HTTP_GET, "/:lang/networks/:slug/events", h_network_events, POLICY_PUBLIC, NULL, 0,
         "A network's events, upcoming and past", NULL},
        {HTTP_GET, "/:lang/networks/:slug/calendar.ics", h_network_ics, POLICY_PUBLIC, NULL, 0,
         "A network's calendar feed (iCalendar; cancelled events marked CANCELLED)", NULL},
        {HTTP_GET | HTTP_POST, "/:lang/networks/:slug/events/new", h_event_new, POLICY_COORDINATOR,
         NULL, 0, "A coordinator of the network creates an event (times in a chosen zone)",
         event_form},
        {HTTP_GET | HTTP_POST, "/:lang/events/:id/edit", h_event_edit, POLICY_COORDINATOR, NULL, 0,
         "A coordinator of the network edits an event (the registered are told of a new time "
         "or place)",
         event_form},
        {HTTP_POST, "/:lang/events/:id/cancel", h_event_cancel, POLICY_COORDINATOR, NULL, 0,
         "A coordinator of the network cancels an event with a reason (everyone told)",
         event_cancel_form},
        {HTTP_POST, "/:lang/events/:id/register", h_event_register, POLICY_SIGNED_IN, NULL, 0,
         "Register for an event: a seat, or the waiting list when full", csrf_only},
        {HTTP_POST, "/:lang/events/:id/unregister", h_event_unregister, POLICY_SIGNED_IN, NULL, 0,
         "Give up a seat (the first waiting is promoted) or a place on the waiting list",
         csrf_only},
        {HTTP_GET | HTTP_POST, "/:lang/events/:id/attendance", h_event_attendance,
         POLICY_COORDINATOR, NULL, 0,
         "A coordinator of the network marks who came (from the start of the event)",
         event_attendance_form},
        /* -- event routes end -- */

        /* Projects: holders' dossiers from idea to investment, the advisors' pipeline,
         * orientation and the MDM Invest pre-check, mentors from the expert pool, figures
         * (project_pages.c, project_advisor.c, project_mentors.c, project_figures.c;
         * advisors and the programme team have twin routes) */
        {HTTP_GET, "/:lang/projects", h_projects, POLICY_SIGNED_IN, NULL, 0, "My project dossiers",
         NULL},
        {HTTP_GET | HTTP_POST, "/:lang/projects/new", h_project_new, POLICY_SIGNED_IN, NULL, 0,
         "Submit a project dossier", project_form},
        {HTTP_GET, "/:lang/projects/:id", h_project, POLICY_SIGNED_IN, project_query, 0,
         "My dossier: its stage, the advisor's messages, orientation (CRI, MDM Invest "
         "pre-check, residence-country programmes), documents, mentors (404 for another's)",
         NULL},
        {HTTP_POST, "/:lang/projects/:id/action", h_project_action, POLICY_SIGNED_IN, NULL, 0,
         "The holder abandons the dossier, with a reason", project_step_form},
        {HTTP_GET | HTTP_POST, "/:lang/projects/:id/documents", h_project_documents,
         POLICY_SIGNED_IN, NULL, ROUTE_UPLOAD,
         "Add a document to my dossier (PDF, at most 5 MB; a multipart form)",
         project_document_form},
        {HTTP_GET, "/:lang/project-documents/:id", h_project_document, POLICY_SIGNED_IN, NULL, 0,
         "A dossier's document, as an attachment, for its holder, advisor and the programme "
         "team (404 otherwise)",
         NULL},
        {HTTP_GET, "/:lang/mentorships", h_mentorships, POLICY_EXPERT, NULL, 0,
         "The dossiers I am asked to mentor, and my answers", NULL},
        {HTTP_POST, "/:lang/mentorships/:id", h_mentorship_step, POLICY_EXPERT, NULL, 0,
         "The mentor takes a step: yes to the proposal, confirm, decline, withdraw, evaluate",
         mentorship_step_form},
        {HTTP_GET, "/:lang/advisor/projects", h_staff_projects, POLICY_ADVISOR, project_queue_query,
         0, "The dossiers assigned to me, the next deadline first", NULL},
        {HTTP_GET, "/:lang/advisor/projects/figures", h_project_figures, POLICY_ADVISOR, NULL, 0,
         "Figures: funnel by stage, by region and sector, investment and jobs", NULL},
        {HTTP_GET, "/:lang/advisor/projects/:id", h_staff_project, POLICY_ADVISOR, project_query, 0,
         "A dossier assigned to me, with the steps its stage allows (404 for others)", NULL},
        {HTTP_POST, "/:lang/advisor/projects/:id/action", h_staff_project_action, POLICY_ADVISOR,
         NULL, 0,
         "Take a step: qualify, orient, accompany, realise, hold, resume, abandon, a message",
         project_step_form},
        {HTTP_GET | HTTP_POST, "/:lang/advisor/projects/:id/mentors", h_project_mentors,
         POLICY_ADVISOR, NULL, 0, "Experts matched to the dossier, explained; propose a mentor",
         project_mentor_form},
        {HTTP_POST, "/:lang/advisor/mentorships/:id", h_staff_mentorship_step, POLICY_ADVISOR, NULL,
         0, "A step of a mentorship: accept, start, deliver, evaluate, close",
         mentorship_step_form},
        {HTTP_GET, "/:lang/admin/projects", h_staff_projects, POLICY_ADMIN, project_queue_query, 0,
         "Every dossier, unassigned first", NULL},
        {HTTP_GET, "/:lang/admin/projects/figures", h_project_figures, POLICY_ADMIN, NULL, 0,
         "Figures: funnel by stage, by region and sector, investment and jobs", NULL},
        {HTTP_GET, "/:lang/admin/projects/:id", h_staff_project, POLICY_ADMIN, project_query, 0,
         "A dossier: steps, mentors, the assignment of an advisor", NULL},
        {HTTP_POST, "/:lang/admin/projects/:id/action", h_staff_project_action, POLICY_ADMIN, NULL,
         0, "The programme team takes a step of a dossier", project_step_form},
        {HTTP_POST, "/:lang/admin/projects/:id/assign", h_admin_project_assign, POLICY_ADMIN, NULL,
         0, "Assign a dossier to an advisor; audited", project_assign_form},
        {HTTP_GET | HTTP_POST, "/:lang/admin/projects/:id/mentors", h_project_mentors, POLICY_ADMIN,
         NULL, 0, "Experts matched to the dossier, explained; propose a mentor",
         project_mentor_form},
        {HTTP_POST, "/:lang/admin/mentorships/:id", h_staff_mentorship_step, POLICY_ADMIN, NULL, 0,
         "A step of a mentorship, by the programme team", mentorship_step_form},
        /* -- project routes end -- */
        /* Dashboard: the programme team's indicators (dashboard.c); the public
         * statistics and open data with small-cell suppression (statistics.c) */
        {HTTP_GET, "/:lang/admin/dashboard", h_admin_dashboard, POLICY_ADMIN, dashboard_query, 0,
         "The programme dashboard: indicators, progress to 10,000 by 2030, supply and demand "
         "per sector, institutions' answers, networks",
         NULL},
        {HTTP_GET, "/:lang/statistics", h_statistics, POLICY_PUBLIC, NULL, 0,
         "Public statistics of the programme (no published cell of people below "
         "statistics.min_cell)",
         NULL},
        {HTTP_GET, "/:lang/statistics/data.csv", h_statistics_csv, POLICY_PUBLIC, NULL, 0,
         "The public statistics as CSV (UTF-8 with BOM, formulas neutralised)", NULL},
        {HTTP_GET, "/:lang/statistics/data.json", h_statistics_json, POLICY_PUBLIC, NULL, 0,
         "The public statistics as JSON", NULL},
        {HTTP_GET, "/:lang/statistics/dictionary.json", h_statistics_dictionary, POLICY_PUBLIC,
         NULL, 0, "The data dictionary of the open data, in the page's language", NULL},
        /* -- dashboard routes end -- */
        /* Sectoral plans: the institution's plans and their progress, the
         * programme team's list with those behind their pace (plans.c,
         * plan_pages.c); the public page and the dashboard show them too */
        {HTTP_GET, "/:lang/institution/plans", h_inst_plans, POLICY_INSTITUTION, saved_query, 0,
         "The institution's sectoral plans, each year's progress against its pace and its "
         "focal point",
         NULL},
        {HTTP_GET | HTTP_POST, "/:lang/institution/plans/new", h_plan_new, POLICY_INSTITUTION_OWNER,
         NULL, 0,
         "Owners of a ministry department or public establishment declare a year's plan "
         "(one per year, this year or later); audited",
         plan_form},
        {HTTP_GET | HTTP_POST, "/:lang/institution/plans/:id/edit", h_plan_edit,
         POLICY_INSTITUTION_OWNER, NULL, 0,
         "Owners edit a plan of this year or later (a stale form: 409; another institution's: "
         "404); audited",
         plan_form},
        {HTTP_GET, "/:lang/admin/plans", h_admin_plans, POLICY_ADMIN, plan_admin_query, 0,
         "Every plan of a year with its progress and focal point, those behind their pace "
         "first",
         NULL},
        /* -- plans routes end -- */
        /* Consultations: the audience's pages, answers, the published summary and its
         * CSV; the authors' pages (the programme team, or a coordinator for a network
         * they coordinate: checked by the handler, network_may NET_CONSULT)
         * (consultations.c, consultation_pages.c) */
        {HTTP_GET, "/:lang/consultations", h_consultations, POLICY_SIGNED_IN, NULL, 0,
         "The consultations open to me, and the published results I may see", NULL},
        {HTTP_GET, "/:lang/consultations/:id", h_consultation, POLICY_PUBLIC, cons_query, 0,
         "A consultation: the answer form for its audience while open, then its published "
         "summary (404 outside the audience, unless the results are public)",
         NULL},
        {HTTP_POST, "/:lang/consultations/:id/answer", h_consultation_answer, POLICY_SIGNED_IN,
         NULL, 0, "Answer a consultation once, named or anonymously (409 closed or twice)",
         cons_answer_form},
        {HTTP_GET, "/:lang/consultations/:id/results.csv", h_consultation_csv, POLICY_PUBLIC, NULL,
         0,
         "A consultation's results as CSV (UTF-8 with BOM, formulas neutralised; anonymous "
         "answers without a name)",
         NULL},
        {HTTP_GET, "/:lang/manage/consultations", h_consultations_manage, POLICY_COORDINATOR, NULL,
         0, "The consultations I may manage (the programme team: all)", NULL},
        {HTTP_GET | HTTP_POST, "/:lang/manage/consultations/new", h_consultation_new,
         POLICY_COORDINATOR, cons_new_query, 0,
         "Write a consultation (a draft): texts, audience, dates (a coordinator: for their "
         "network only, else 403)",
         cons_form},
        {HTTP_GET | HTTP_POST, "/:lang/manage/consultations/:id", h_consultation_edit,
         POLICY_COORDINATOR, cons_query, 0,
         "A consultation's editor: texts and dates of a draft (409 once open), questions, "
         "steps",
         cons_form},
        {HTTP_POST, "/:lang/manage/consultations/:id/questions", h_consultation_questions,
         POLICY_COORDINATOR, NULL, 0,
         "Add or remove a question of a draft consultation (409 once open)", cons_question_form},
        {HTTP_POST, "/:lang/manage/consultations/:id/step", h_consultation_step, POLICY_COORDINATOR,
         NULL, 0,
         "Open (the audience is notified), close, or publish the summary of a consultation",
         cons_step_form},
        /* -- consultation routes end -- */
        /* Proposals */
        {HTTP_GET, "/:lang/proposals", h_proposals, POLICY_PUBLIC, proposal_list_query, 0,
         "Experts' proposals to the programme: filters by sector and status, sorted by "
         "supports or date, pages",
         NULL},
        {HTTP_GET | HTTP_POST, "/:lang/proposals/new", h_proposal_new, POLICY_EXPERT, NULL, 0,
         "An expert submits a proposal (idea or initiative, for a sector or the programme)",
         proposal_form},
        {HTTP_GET, "/:lang/proposals/:id", h_proposal, POLICY_PUBLIC, proposal_query, 0,
         "A proposal: its text, author (as their consent allows), supports, the programme "
         "team's dated answers, comments",
         NULL},
        {HTTP_POST, "/:lang/proposals/:id/support", h_proposal_support, POLICY_SIGNED_IN, NULL, 0,
         "Support a proposal (once; not one's own)", csrf_only},
        {HTTP_POST, "/:lang/proposals/:id/withdraw", h_proposal_withdraw, POLICY_SIGNED_IN, NULL, 0,
         "Withdraw one's support of a proposal", csrf_only},
        {HTTP_POST, "/:lang/proposals/:id/comments", h_proposal_comment, POLICY_SIGNED_IN, NULL, 0,
         "Comment on a proposal (1 to 5000 characters; the author is told)", proposal_comment_form},
        {HTTP_GET, "/:lang/admin/proposals", h_admin_proposals, POLICY_ADMIN, NULL, 0,
         "The programme team's queue of proposals to answer, those flagged as waiting too long "
         "first",
         NULL},
        {HTTP_GET | HTTP_POST, "/:lang/admin/proposals/:id", h_admin_proposal, POLICY_ADMIN,
         proposal_query, 0,
         "The programme team answers a proposal publicly (a status from the table, with the "
         "reason of a decision); the author is told",
         proposal_answer_form},
        {HTTP_POST, "/:lang/admin/proposal-comments/:id", h_admin_proposal_comment, POLICY_ADMIN,
         NULL, 0, "The programme team hides a comment on a proposal, or shows it again; audited",
         proposal_hide_form},
        /* -- proposal routes end -- */
        /* Network discussions; the changelog */
        {HTTP_GET, "/:lang/networks/:slug/discussions", h_discussions, POLICY_SIGNED_IN,
         disc_page_query, 0,
         "A network's discussions by last activity; be told of new threads (members, its "
         "coordinators, admins; 404 for others)",
         NULL},
        {HTTP_GET | HTTP_POST, "/:lang/networks/:slug/discussions/new", h_discussion_new,
         POLICY_SIGNED_IN, NULL, 0,
         "Start a thread in a network (members; 403 for others, nothing saved)", disc_thread_form},
        {HTTP_POST, "/:lang/networks/:slug/discussions/watch", h_discussion_watch, POLICY_SIGNED_IN,
         NULL, 0, "Be told (or not) of every new thread of a network", disc_action_form},
        {HTTP_GET, "/:lang/networks/:slug/discussions/reports", h_discussion_reports,
         POLICY_SIGNED_IN, disc_done_query, 0,
         "The network's coordinators (and admins): open reports of abuse", NULL},
        {HTTP_POST, "/:lang/networks/:slug/discussions/reports/:id", h_discussion_report_resolve,
         POLICY_SIGNED_IN, NULL, 0,
         "A coordinator resolves a report: the post hidden, or the report dismissed; audited",
         disc_resolve_form},
        {HTTP_GET, "/:lang/networks/:slug/discussions/:id", h_discussion, POLICY_SIGNED_IN,
         disc_page_query, 0, "A thread with its posts in pages; reply, follow, report", NULL},
        {HTTP_POST, "/:lang/networks/:slug/discussions/:id/reply", h_discussion_reply,
         POLICY_SIGNED_IN, NULL, 0,
         "Reply in a thread (members; 409 when locked; followers notified)", disc_reply_form},
        {HTTP_POST, "/:lang/networks/:slug/discussions/:id/follow", h_discussion_follow,
         POLICY_SIGNED_IN, NULL, 0, "Follow or unfollow a thread", disc_action_form},
        {HTTP_POST, "/:lang/networks/:slug/discussions/:id/lock", h_discussion_lock,
         POLICY_SIGNED_IN, NULL, 0,
         "A coordinator of the network locks or unlocks a thread; audited", disc_action_form},
        {HTTP_POST, "/:lang/networks/:slug/discussions/posts/:id/moderate",
         h_discussion_post_moderate, POLICY_SIGNED_IN, NULL, 0,
         "A coordinator of the network hides a post with a reason (the author told) or shows "
         "it again; audited",
         disc_moderate_form},
        {HTTP_POST, "/:lang/networks/:slug/discussions/posts/:id/report", h_discussion_report,
         POLICY_SIGNED_IN, NULL, 0, "A member reports a post (once; the coordinators told)",
         disc_report_form},
        {HTTP_GET, "/:lang/changelog", h_changelog, POLICY_PUBLIC, NULL, 0,
         "What changed in the platform and when, newest first", NULL},
        {HTTP_GET, "/:lang/changelog.atom", h_changelog_atom, POLICY_PUBLIC, NULL, 0,
         "The changelog as an Atom feed", NULL},
        /* -- discussion routes end -- */
        /* Admin exports */
        {HTTP_GET, "/:lang/admin/exports", h_admin_exports, POLICY_ADMIN, NULL, 0,
         "The programme team's exports: experts (with the programme consent), needs, "
         "engagements and projects",
         NULL},
        {HTTP_GET, "/:lang/admin/exports/*file", h_admin_export, POLICY_ADMIN, NULL, 0,
         "One export as CSV (UTF-8 with BOM, formulas neutralised) or XLSX: experts.csv, "
         "needs.xlsx, … (audited; at most 50,000 rows)",
         NULL},
        /* -- export routes end -- */

        /* Benchmarks only: the search API's answer from SQLite FTS5, the peer of
         * bench/search.sh (bench_fts5.c); 404 unless testing.bench_fts5 = 1 */
        {HTTP_GET, "/api/v1/bench/fts5", h_bench_fts5, POLICY_PUBLIC, bench_fts5_query, ROUTE_API,
         "Benchmarks only (404 unless testing.bench_fts5 = 1): /api/v1/experts answered by "
         "SQLite FTS5 from a table the benchmark made",
         NULL, &api_doc_bench_fts5},
        /* -- bench routes end -- */

        /* Partner API: its description as OpenAPI and as a reference page, the
         * partners' routes (api_docs.c, api_reference.c, api_*.c) */
        {HTTP_GET, "/api/v1/openapi.json", h_api_openapi, POLICY_PUBLIC, NULL, ROUTE_API,
         "This API's description (OpenAPI 3.1), generated from the route table", NULL,
         &api_doc_openapi},
        {HTTP_GET, "/:lang/developers/api", h_api_reference, POLICY_PUBLIC, NULL, 0,
         "The API's reference, rendered from its OpenAPI description", NULL},
        {HTTP_POST, "/api/v1/needs", h_api_need_create, POLICY_INSTITUTION, NULL, ROUTE_API,
         "Write a draft need of the token's institution (Idempotency-Key)", NULL,
         &api_doc_need_create},
        {HTTP_GET, "/api/v1/institution/needs", h_api_institution_needs, POLICY_INSTITUTION,
         api_institution_needs_query, ROUTE_API,
         "The token's institution's needs in every state, drafts included", NULL,
         &api_doc_institution_needs},
        {HTTP_GET, "/api/v1/statistics", h_api_statistics, POLICY_SIGNED_IN, NULL, ROUTE_API,
         "The programme's headline figures, small cells suppressed", NULL, &api_doc_statistics},
        {HTTP_POST, "/api/v1/rosters", h_api_rosters, POLICY_COORDINATOR, api_rosters_query,
         ROUTE_API, "Import a network's roster of experts (JSON Lines)", NULL, &api_doc_rosters},
        {HTTP_GET, "/:lang/admin/tokens", h_admin_tokens, POLICY_ADMIN, admin_tokens_query, 0,
         "The API tokens in use, each with its owner and scope", NULL},
        {HTTP_POST, "/:lang/admin/tokens/:id/revoke", h_admin_token_revoke, POLICY_ADMIN, NULL, 0,
         "Revoke anyone's API token (audited; the owner is told)", csrf_only},
        /* -- api routes end -- */

        /* System and API */
        {HTTP_GET, "/healthz", h_healthz, POLICY_PUBLIC, NULL, ROUTE_API | ROUTE_ANONYMOUS,
         "Health check: the server and its database answer", NULL, &api_doc_health},
        {HTTP_GET, "/api/v1/meta", h_api_meta, POLICY_PUBLIC, NULL, ROUTE_API,
         "Version and languages of this Kafaat", NULL, &api_doc_meta},
        {HTTP_GET, "/api/v1/me", h_api_me, POLICY_SIGNED_IN, NULL, ROUTE_API,
         "The person the API token belongs to, with its scopes", NULL, &api_doc_me},
        {HTTP_GET, "/static/*file", h_static, POLICY_PUBLIC, static_query, ROUTE_ANONYMOUS,
         "Stylesheets, images and scripts", NULL},
        {HTTP_GET, "/favicon.ico", h_favicon, POLICY_PUBLIC, NULL, ROUTE_ANONYMOUS, "Site icon",
         NULL},
};

const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
