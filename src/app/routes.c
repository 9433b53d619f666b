/* routes: the map of the server. Every route declares its methods, pattern,
 * handler, accepted query parameters and access policy (deny by default:
 * router_check refuses a route without one at start-up, and the tests read
 * this table). Order matters only between overlapping patterns. */
#include "app/app.h"
#include "app/handlers.h"

/* Cache-busting version parameter on static files. */
static const struct field static_query[] = {
        {FIELD_TEXT, "v", 0, 32},
        {FIELD_END, NULL, 0, 0},
};

const struct route app_routes[] = {
        {HTTP_GET, "/", h_root, POLICY_PUBLIC, NULL, 0,
         "Redirect to the home page in the visitor's language"},
        {HTTP_GET, "/healthz", h_healthz, POLICY_PUBLIC, NULL, ROUTE_API,
         "Health check: the server and its database answer"},
        {HTTP_GET, "/api/v1/meta", h_api_meta, POLICY_PUBLIC, NULL, ROUTE_API,
         "Version and languages of this Kafaat"},
        {HTTP_GET, "/static/*file", h_static, POLICY_PUBLIC, static_query, 0,
         "Stylesheets, images and scripts"},
        {HTTP_GET, "/favicon.ico", h_favicon, POLICY_PUBLIC, NULL, 0, "Site icon"},
        {HTTP_GET, "/:lang", h_lang_root, POLICY_PUBLIC, NULL, 0, "Redirect /fr to /fr/"},
        {HTTP_GET, "/:lang/", h_home, POLICY_PUBLIC, NULL, 0,
         "Home page: the programme, who it is for, how to take part"},
        {HTTP_GET, "/:lang/privacy", h_privacy, POLICY_PUBLIC, NULL, 0,
         "Privacy notice (Law 09-08 and GDPR)"},
};

const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
