/* routes: the map of the server. Every route declares its methods, pattern,
 * handler, accepted query parameters and form fields, and access policy
 * (deny by default: router_check refuses a route without one at start-up,
 * and the access-control tests are generated from this table through
 * `kafaat routes`). Order matters only between overlapping patterns. */
#include "app/app.h"
#include "app/handlers.h"

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
