/* api_docs: the description of every /api/v1 route (the api member of its
 * entry in routes.c), the shared schemas, tags and token scopes; the
 * OpenAPI document built from the route table (web/openapi.c) at
 * /api/v1/openapi.json, and the reference page rendered from that same
 * document at /:lang/developers/api.
 *
 * Schemas are JSON written with ' for " (web/openapi.h). */
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/handlers.h"
#include "app/page.h"
#include "core/log.h"
#include "web/openapi.h"

/* ---- Scopes, tags, shared schemas ------------------------------------------------- */

const struct openapi_scope api_scopes[] = {
        {"read_profile", "read the token owner’s own account (GET /api/v1/me)."},
        {"read_needs",
         "read needs: for a member of an institution, its needs in every state, drafts "
         "included (GET /api/v1/institution/needs). Published needs are open to all, with or "
         "without a token."},
        {"write_needs",
         "write draft needs for the token owner’s institution (POST /api/v1/needs); only for "
         "members of an institution."},
        {"read_statistics", "read the programme’s headline figures (GET /api/v1/statistics)."},
        {"import_rosters",
         "import rosters of experts (POST /api/v1/rosters); for network coordinators and the "
         "programme team."},
        {NULL, NULL},
};

static const struct openapi_tag api_tags[] = {
        {"needs", "Needs posted by institutions: the published board, and drafts written by "
                  "an institution’s systems."},
        {"experts", "The directory of experts, as the caller may see it."},
        {"taxonomy", "Reference data: skills named in any of the three languages."},
        {"statistics", "The programme’s headline figures, with small cells suppressed."},
        {"rosters", "Experts brought in from a network’s roster."},
        {"account", "The person an API token belongs to."},
        {"system", "Health, version, and this description."},
        {"benchmarks", "For the benchmarks only: off in production."},
        {NULL, NULL},
};

static const char api_schemas[] =
        "{"
        "'Error': {'type': 'object', 'required': ['error'], 'additionalProperties': false,"
        " 'description': 'The one error envelope of every operation.',"
        " 'properties': {'error': {'type': 'object', 'required': ['code', 'message', 'field'],"
        "  'additionalProperties': false, 'properties': {"
        "   'code': {'type': 'string', 'description': 'A stable machine code: bad_parameter,"
        " unknown_parameter, repeated_parameter, not_an_integer, out_of_range, too_long,"
        " bad_cursor, malformed_json, invalid, unauthenticated, insufficient_scope, forbidden,"
        " not_found, idempotency_conflict, rate_limited, unavailable…'},"
        "   'message': {'type': 'string',"
        "    'description': 'For people, in the language asked by Accept-Language.'},"
        "   'field': {'type': ['string', 'null'],"
        "    'description': 'The parameter or body field at fault, or null.'}}}}},"
        "'Names': {'type': 'object', 'required': ['ar', 'fr', 'en'],"
        " 'description': 'A name in the three languages (null where missing).',"
        " 'properties': {'ar': {'type': ['string', 'null']}, 'fr': {'type': ['string', 'null']},"
        "  'en': {'type': ['string', 'null']}}},"
        "'TaxonomyRef': {'type': ['object', 'null'], 'required': ['id', 'name'],"
        " 'description': 'An entry of the reference data, or null.',"
        " 'properties': {'id': {'type': 'string'}, 'name': {'$ref': "
        "'#/components/schemas/Names'}}},"
        "'Timestamp': {'type': ['string', 'null'], 'format': 'date-time',"
        " 'description': 'ISO 8601 in UTC (2026-11-29T08:00:00Z), or null.'},"
        "'Need': {'type': 'object',"
        " 'required': ['id', 'url', 'title', 'description', 'state', 'institution', 'sector',"
        "  'region', 'city', 'mode', 'presence', 'start_date', 'end_date', 'flexible',"
        "  'effort_days', 'hours_per_month', 'experts_wanted', 'pay', 'covers', 'skills',"
        "  'languages', 'published_at', 'updated_at'],"
        " 'properties': {"
        "  'id': {'type': 'integer', 'format': 'int64'},"
        "  'url': {'type': 'object', 'required': ['ar', 'fr', 'en'],"
        "   'description': 'The need’s public page in each language.',"
        "   'properties': {'ar': {'type': 'string', 'format': 'uri'},"
        "    'fr': {'type': 'string', 'format': 'uri'}, 'en': {'type': 'string', 'format': "
        "'uri'}}},"
        "  'title': {'type': 'string', 'maxLength': 200},"
        "  'description': {'type': 'string', 'maxLength': 5000},"
        "  'state': {'type': 'string', 'enum': ['draft', 'submitted', 'published', 'staffed',"
        "   'in_progress', 'completed', 'cancelled']},"
        "  'institution': {'type': 'object', 'required': ['id', 'name', 'url'], 'properties': {"
        "   'id': {'type': 'integer', 'format': 'int64'},"
        "   'name': {'$ref': '#/components/schemas/Names'},"
        "   'url': {'type': 'string', 'format': 'uri'}}},"
        "  'sector': {'$ref': '#/components/schemas/TaxonomyRef'},"
        "  'region': {'$ref': '#/components/schemas/TaxonomyRef'},"
        "  'city': {'type': 'string'},"
        "  'mode': {'type': 'string', 'enum': ['ponctuelle', 'continue'],"
        "   'description': 'ponctuelle: a one-off mission; continue: an ongoing contribution.'},"
        "  'presence': {'type': 'string', 'enum': ['remote', 'onsite', 'hybrid']},"
        "  'start_date': {'type': ['string', 'null'], 'format': 'date'},"
        "  'end_date': {'type': ['string', 'null'], 'format': 'date'},"
        "  'flexible': {'type': 'boolean',"
        "   'description': 'The mission happens some time between the two dates.'},"
        "  'effort_days': {'type': ['integer', 'null'], 'minimum': 1},"
        "  'hours_per_month': {'type': ['integer', 'null'], 'minimum': 1},"
        "  'experts_wanted': {'type': 'integer', 'minimum': 1},"
        "  'pay': {'type': 'string', 'enum': ['paid', 'pro_bono']},"
        "  'covers': {'type': 'object', 'required': ['travel', 'stay'], 'properties': {"
        "   'travel': {'type': 'boolean'}, 'stay': {'type': 'boolean'}}},"
        "  'skills': {'type': 'array', 'items': {'type': 'object',"
        "   'required': ['id', 'name', 'required', 'min_level'], 'properties': {"
        "    'id': {'type': 'string'}, 'name': {'$ref': '#/components/schemas/Names'},"
        "    'required': {'type': 'boolean'},"
        "    'min_level': {'type': 'integer', 'minimum': 1, 'maximum': 5}}}},"
        "  'languages': {'type': 'array', 'items': {'type': 'object',"
        "   'required': ['code', 'name', 'level'], 'properties': {"
        "    'code': {'type': 'string'}, 'name': {'$ref': '#/components/schemas/Names'},"
        "    'level': {'type': 'string', 'enum': ['A1', 'A2', 'B1', 'B2', 'C1', 'C2']}}}},"
        "  'published_at': {'$ref': '#/components/schemas/Timestamp'},"
        "  'updated_at': {'$ref': '#/components/schemas/Timestamp'}}},"
        "'Cursor': {'type': ['string', 'null'],"
        " 'description': 'The cursor of the next page (send it as cursor), or null on the last.'},"
        "'Count': {'type': ['integer', 'null'], 'minimum': 10,"
        " 'description': 'A count, or null when below 10 (small cells are not published).'},"
        "'NextUrl': {'type': ['string', 'null'],"
        " 'description': 'The next page: path and query (the same filters, limit and cursor),"
        " or null on the last.'}"
        "}";

const struct openapi_info *api_openapi_info(const struct app *app, struct openapi_info *info)
{
	*info = (struct openapi_info){
	        "Kafaat API",
	        KAFAAT_VERSION,
	        "The partner API of Kafaat, the platform that mobilises the skills of Moroccans "
	        "living abroad. Conventions, the same on every operation: JSON in UTF-8; errors "
	        "in one envelope with their message in the language of Accept-Language (ar, fr "
	        "or en); lists paginated by an opaque cursor and a limit; filters as query "
	        "parameters, and an unknown parameter refused; ETag and If-None-Match on reads; "
	        "rate-limit headers; Idempotency-Key on creating requests; dates in ISO 8601 "
	        "(UTC). Worked examples: docs/API.md.",
	        app->cfg->public_url,
	        app->cfg->public_url,
	        "Kafaat terms of use",
	        app->cfg->public_url,
	        api_tags,
	        api_scopes,
	        api_schemas,
	};
	return info;
}

/* ---- The operations ------------------------------------------------------------------ */

#define LIST_PARAMS                                                                                \
	{"cursor", "The cursor of the page to read, from the previous page’s cursor (opaque; "   \
	           "refused when it comes from another list or other filters)."},                  \
	{                                                                                          \
		"limit", "Items per page (default 20)."                                            \
	}

static const struct api_param needs_params[] = {
        {"sector", "A sector id (GET /api/v1/meta lists none: see the board’s filters)."},
        {"region", "A region code (01 to 12), or 'remote' for remote missions."},
        {"presence", "remote, onsite or hybrid."},
        {"mode", "ponctuelle (a one-off mission) or continue (an ongoing contribution)."},
        {"pay", "paid or pro_bono."},
        {"q", "Words searched in the title and description."},
        LIST_PARAMS,
        {"page", "Deprecated: the page number of earlier versions; use cursor."},
        {NULL, NULL},
};

const struct api_doc api_doc_needs_list = {
        "listNeeds",
        "needs",
        NULL,
        API_PAGINATED,
        "The published needs, newest first, with the board’s filters. A consulate or a "
        "regional centre republishes them from here; follow next until it is null.",
        needs_params,
        "{'type': 'object', 'required': ['needs', 'total', 'limit', 'cursor', 'next'],"
        " 'properties': {"
        "  'needs': {'type': 'array', 'items': {'$ref': '#/components/schemas/Need'}},"
        "  'total': {'type': 'integer', 'minimum': 0, 'description': 'Needs matching the "
        "filters.'},"
        "  'limit': {'type': 'integer', 'minimum': 1, 'maximum': 100},"
        "  'cursor': {'$ref': '#/components/schemas/Cursor'},"
        "  'next': {'$ref': '#/components/schemas/NextUrl'}}}",
        0,
        NULL,
        NULL,
        NULL,
};

const struct api_doc api_doc_need = {
        "getNeed",
        "needs",
        NULL,
        0,
        "A published need (404 before publication).",
        NULL,
        "{'$ref': '#/components/schemas/Need'}",
        0,
        NULL,
        NULL,
        NULL,
};

static const struct api_param search_params[] = {
        {"q", "Words: skills, occupations, names, in any of the three languages."},
        {"country", "Countries of residence (ISO 3166 codes, comma-separated)."},
        {"sector", "Sector ids, comma-separated."},
        {"skill", "Skill ids, comma-separated."},
        {"lang", "Languages with a minimum level: code:level, comma-separated (ar:B2)."},
        {"presence", "remote, onsite or hybrid."},
        {"mode", "ponctuelle or continue."},
        {"pay", "paid or pro_bono."},
        {"state", "Profile state (programme team only)."},
        {"network",
         "A network's slug, several separated by commas: its members as its roster shows them. "
         "Members of that network, institutions and the programme team only (400 for others)."},
        {"city", "A city of residence."},
        {"from", "Available from this date (YYYY-MM-DD)."},
        {"to", "Available until this date (YYYY-MM-DD)."},
        {"page", "Deprecated: the page number of earlier versions; use cursor."},
        LIST_PARAMS,
        {NULL, NULL},
};

const struct api_doc api_doc_experts = {
        "searchExperts",
        "experts",
        NULL,
        API_PAGINATED,
        "Experts matching the words and filters, best first, each as the caller may see them "
        "(the directory card), with the count of every facet value.",
        search_params,
        "{'type': 'object', 'required': ['total', 'limit', 'cursor', 'next', 'results', 'facets'],"
        " 'properties': {"
        "  'total': {'type': 'integer', 'minimum': 0},"
        "  'limit': {'type': 'integer', 'minimum': 1, 'maximum': 100},"
        "  'cursor': {'$ref': '#/components/schemas/Cursor'},"
        "  'next': {'$ref': '#/components/schemas/NextUrl'},"
        "  'results': {'type': 'array', 'items': {'type': 'object',"
        "   'required': ['id', 'name', 'name_ar', 'headline', 'country', 'score'], 'properties': {"
        "    'id': {'type': 'integer', 'format': 'int64'}, 'name': {'type': 'string'},"
        "    'name_ar': {'type': 'string'}, 'headline': {'type': 'string'},"
        "    'country': {'type': ['string', 'null'],"
        "     'description': 'Country of residence, named in the language of Accept-Language.'},"
        "    'score': {'type': 'number'}}}},"
        "  'facets': {'type': 'object', 'description': 'For each filter, its values with counts.',"
        "   'additionalProperties': {'type': 'array', 'items': {'type': 'object',"
        "    'required': ['value', 'count'], 'properties': {'value': {'type': 'string'},"
        "     'count': {'type': 'integer', 'minimum': 0}}}}}}}",
        0,
        NULL,
        NULL,
        NULL,
};

static const struct api_param skills_params[] = {
        {"q", "The beginning of a skill’s name, in any of the three languages."},
        {"lang", "The language of the labels (default: the visitor’s)."},
        {NULL, NULL},
};

const struct api_doc api_doc_skills = {
        "suggestSkills",
        "taxonomy",
        NULL,
        0,
        "Skills whose name in any language starts with the words typed (the profile editor’s "
        "autocomplete).",
        skills_params,
        "{'type': 'object', 'required': ['query', 'lang', 'skills'], 'properties': {"
        " 'query': {'type': 'string'}, 'lang': {'type': 'string', 'enum': ['ar', 'fr', 'en']},"
        " 'skills': {'type': 'array', 'items': {'type': 'object', 'required': ['id', 'label'],"
        "  'properties': {'id': {'type': 'string'}, 'label': {'type': 'string'}}}}}}",
        0,
        NULL,
        NULL,
        NULL,
};

const struct api_doc api_doc_meta = {
        "getMeta",
        "system",
        NULL,
        0,
        NULL,
        NULL,
        "{'type': 'object', 'required': ['name', 'version', 'api', 'languages'], 'properties': {"
        " 'name': {'type': 'string'}, 'version': {'type': 'string'},"
        " 'api': {'type': 'string', 'const': 'v1'},"
        " 'languages': {'type': 'array', 'items': {'type': 'object',"
        "  'required': ['code', 'name', 'dir'], 'properties': {"
        "   'code': {'type': 'string', 'enum': ['ar', 'fr', 'en']}, 'name': {'type': 'string'},"
        "   'dir': {'type': 'string', 'enum': ['rtl', 'ltr']}}}}}}",
        0,
        NULL,
        NULL,
        NULL,
};

const struct api_doc api_doc_me = {
        "getMe",
        "account",
        NULL,
        0,
        "The person the API token belongs to, and its scopes.",
        NULL,
        "{'type': 'object', 'required': ['id', 'email', 'lang', 'scopes'], 'properties': {"
        " 'id': {'type': 'integer', 'format': 'int64'},"
        " 'email': {'type': 'string', 'format': 'email'},"
        " 'lang': {'type': 'string', 'enum': ['ar', 'fr', 'en']},"
        " 'scopes': {'type': 'array', 'items': {'type': 'string'},"
        "  'description': 'The token’s scopes (empty for a signed-in session).'}}}",
        0,
        NULL,
        NULL,
        NULL,
};

const struct api_doc api_doc_health = {
        "getHealth",
        "system",
        NULL,
        0,
        "The server and its database answer (for load balancers: never rate-limited).",
        NULL,
        "{'type': 'object', 'required': ['status', 'database', 'version'], 'properties': {"
        " 'status': {'type': 'string', 'enum': ['ok', 'unavailable']},"
        " 'database': {'type': 'string', 'enum': ['ok', 'unavailable']},"
        " 'version': {'type': 'string'}}}",
        0,
        NULL,
        NULL,
        NULL,
};

const struct api_doc api_doc_openapi = {
        "getOpenApi",
        "system",
        NULL,
        0,
        "This description (OpenAPI 3.1), generated from the server’s route table.",
        NULL,
        "{'type': 'object', 'required': ['openapi', 'info', 'paths'],"
        " 'properties': {'openapi': {'type': 'string'}, 'info': {'type': 'object'},"
        " 'paths': {'type': 'object'}}}",
        0,
        NULL,
        NULL,
        NULL,
};

static const struct api_param bench_params[] = {
        {"q", "Words, as /api/v1/experts takes them."},
        {"page", "The page (20 per page)."},
        {NULL, NULL},
};

const struct api_doc api_doc_bench_fts5 = {
        "benchFts5",
        "benchmarks",
        NULL,
        0,
        "404 unless the server runs with testing.bench_fts5 = 1.",
        bench_params,
        "{'type': 'object', 'description': 'The same shape as searchExperts of earlier versions.'}",
        0,
        NULL,
        NULL,
        (const int[]){404, 0},
};

static const char need_body[] =
        "{'type': 'object', 'additionalProperties': false,"
        " 'required': ['title', 'mode', 'presence', 'dates', 'pay', 'experts_wanted'],"
        " 'description': 'The need editor’s fields. A draft may be incomplete; what is given"
        " is checked as the editor checks it (names of sectors, regions, skills and languages"
        " in any of the three languages).',"
        " 'properties': {"
        "  'title': {'type': 'string', 'maxLength': 200},"
        "  'description': {'type': 'string', 'maxLength': 5000},"
        "  'sector': {'type': 'string', 'description': 'A sector id or name.'},"
        "  'mode': {'type': 'string', 'enum': ['ponctuelle', 'continue']},"
        "  'presence': {'type': 'string', 'enum': ['remote', 'onsite', 'hybrid']},"
        "  'region': {'type': 'string', 'description': 'A region code or name.'},"
        "  'city': {'type': 'string', 'maxLength': 200},"
        "  'dates': {'type': 'string', 'enum': ['fixed', 'window', 'open'],"
        "   'description': 'fixed: from start_date to end_date; window: some time between"
        " them; open: to agree.'},"
        "  'start_date': {'type': 'string', 'format': 'date'},"
        "  'end_date': {'type': 'string', 'format': 'date'},"
        "  'effort_days': {'type': 'integer', 'minimum': 1, 'maximum': 365},"
        "  'hours_per_month': {'type': 'integer', 'minimum': 1, 'maximum': 200},"
        "  'experts_wanted': {'type': 'integer', 'minimum': 1, 'maximum': 50},"
        "  'pay': {'type': 'string', 'enum': ['paid', 'pro_bono']},"
        "  'covers_travel': {'type': 'boolean'}, 'covers_stay': {'type': 'boolean'},"
        "  'counterpart_name': {'type': 'string', 'maxLength': 200},"
        "  'counterpart_role': {'type': 'string', 'maxLength': 200},"
        "  'counterpart_email': {'type': 'string', 'format': 'email', 'maxLength': 254},"
        "  'ready_counterpart': {'type': 'boolean'}, 'ready_resources': {'type': 'boolean'},"
        "  'ready_approval': {'type': 'boolean'},"
        "  'skills': {'type': 'array', 'maxItems': 12, 'items': {'type': 'object',"
        "   'additionalProperties': false, 'required': ['name', 'required', 'min_level'],"
        "   'properties': {'name': {'type': 'string', 'maxLength': 120},"
        "    'required': {'type': 'boolean'},"
        "    'min_level': {'type': 'integer', 'minimum': 1, 'maximum': 5}}}},"
        "  'languages': {'type': 'array', 'maxItems': 6, 'items': {'type': 'object',"
        "   'additionalProperties': false, 'required': ['code', 'level'],"
        "   'properties': {'code': {'type': 'string', 'maxLength': 100},"
        "    'level': {'type': 'string', 'enum': ['A1', 'A2', 'B1', 'B2', 'C1', 'C2']}}}}}}";

const struct api_doc api_doc_need_create = {
        "createNeed",
        "needs",
        "write_needs",
        API_CREATES,
        "A draft need of the token owner’s institution, checked as the need editor checks it; "
        "the institution then reviews and submits it on Kafaat. With an Idempotency-Key, the "
        "same request sent again gives the same answer without a second draft.",
        NULL,
        "{'type': 'object', 'required': ['id', 'state', 'institution', 'created_at', 'url'],"
        " 'properties': {'id': {'type': 'integer', 'format': 'int64'},"
        "  'state': {'type': 'string', 'const': 'draft'},"
        "  'institution': {'type': 'integer', 'format': 'int64'},"
        "  'created_at': {'type': 'string', 'format': 'date-time'},"
        "  'url': {'type': 'string', 'format': 'uri',"
        "   'description': 'The draft in the institution’s pages.'}}}",
        0,
        "application/json",
        need_body,
        (const int[]){403, 409, 422, 0},
};

const struct api_doc api_doc_statistics = {
        "getStatistics",
        "statistics",
        "read_statistics",
        0,
        "Registered, identified, active and mobilised experts, and needs in each state, under "
        "the public statistics' suppression (docs/INDICATORS.md): a count below "
        "suppressed_below (statistics.min_cell, 10 by default) is null, and so are the "
        "smallest other needs counts until no hidden count can be recovered from the "
        "others.",
        NULL,
        "{'type': 'object', 'required': ['generated_at', 'suppressed_below', 'experts', 'needs'],"
        " 'properties': {"
        "  'generated_at': {'type': 'string', 'format': 'date-time'},"
        "  'suppressed_below': {'type': 'integer', 'minimum': 3},"
        "  'experts': {'type': 'object', 'required': ['registered', 'identified', 'active',"
        "   'mobilised'], 'properties': {"
        "   'registered': {'$ref': '#/components/schemas/Count'},"
        "   'identified': {'$ref': '#/components/schemas/Count'},"
        "   'active': {'$ref': '#/components/schemas/Count'},"
        "   'mobilised': {'$ref': '#/components/schemas/Count'}}},"
        "  'needs': {'type': 'object', 'description': 'Needs in each state.',"
        "   'required': ['draft', 'submitted', 'published', 'staffed', 'in_progress', 'completed',"
        "    'cancelled'], 'properties': {"
        "    'draft': {'$ref': '#/components/schemas/Count'},"
        "    'submitted': {'$ref': '#/components/schemas/Count'},"
        "    'published': {'$ref': '#/components/schemas/Count'},"
        "    'staffed': {'$ref': '#/components/schemas/Count'},"
        "    'in_progress': {'$ref': '#/components/schemas/Count'},"
        "    'completed': {'$ref': '#/components/schemas/Count'},"
        "    'cancelled': {'$ref': '#/components/schemas/Count'}}}}}",
        0,
        NULL,
        NULL,
        NULL,
};

static const struct api_param institution_needs_params[] = {
        {"state", "One state: draft, submitted, published, staffed, in_progress, completed or "
                  "cancelled."},
        LIST_PARAMS,
        {NULL, NULL},
};

const struct api_doc api_doc_institution_needs = {
        "listInstitutionNeeds",
        "needs",
        "read_needs",
        API_PAGINATED,
        "The needs of the token owner’s institution, newest first, in every state (drafts "
        "included): what its own systems wrote through createNeed, and where each stands.",
        institution_needs_params,
        "{'type': 'object', 'required': ['needs', 'total', 'limit', 'cursor', 'next'],"
        " 'properties': {"
        "  'needs': {'type': 'array', 'items': {'$ref': '#/components/schemas/Need'}},"
        "  'total': {'type': 'integer', 'minimum': 0},"
        "  'limit': {'type': 'integer', 'minimum': 1, 'maximum': 100},"
        "  'cursor': {'$ref': '#/components/schemas/Cursor'},"
        "  'next': {'$ref': '#/components/schemas/NextUrl'}}}",
        0,
        NULL,
        NULL,
        NULL,
};

static const struct api_param rosters_params[] = {
        {"dry_run", "1: check every row and report, write nothing."},
        {NULL, NULL},
};

const struct api_doc api_doc_rosters = {
        "importRoster",
        "rosters",
        "import_rosters",
        0,
        "Experts of a network’s roster, one JSON object per line in the import format "
        "(docs/IMPORT.md), by the same rules as `kafaat import experts`: rows deduplicated "
        "by address, new addresses invited to claim their profile, unchanged profiles left "
        "alone (importing twice changes nothing). Consent is never imported: experts give it "
        "themselves. Every row skipped or imported with warnings is reported.",
        rosters_params,
        "{'type': 'object', 'required': ['dry_run', 'counts', 'rows'], 'properties': {"
        " 'dry_run': {'type': 'boolean'},"
        " 'counts': {'type': 'object', 'required': ['rows', 'created', 'updated', 'unchanged',"
        "  'skipped', 'warned'], 'properties': {"
        "   'rows': {'type': 'integer', 'minimum': 0, 'description': 'Rows read.'},"
        "   'created': {'type': 'integer', 'minimum': 0, 'description': 'New experts (invited).'},"
        "   'updated': {'type': 'integer', 'minimum': 0, 'description': 'Profiles rewritten.'},"
        "   'unchanged': {'type': 'integer', 'minimum': 0},"
        "   'skipped': {'type': 'integer', 'minimum': 0, 'description': 'Rows with errors.'},"
        "   'warned': {'type': 'integer', 'minimum': 0,"
        "    'description': 'Rows imported with warnings.'}}},"
        " 'rows': {'type': 'array', 'items': {'type': 'object',"
        "  'required': ['line', 'status', 'email', 'issues'], 'properties': {"
        "   'line': {'type': 'integer', 'minimum': 1},"
        "   'status': {'type': 'string', 'enum': ['created', 'updated', 'unchanged', 'skipped']},"
        "   'email': {'type': 'string'},"
        "   'issues': {'type': 'array', 'items': {'type': 'object',"
        "    'required': ['field', 'code', 'message', 'warning'], 'properties': {"
        "     'field': {'type': 'string'}, 'code': {'type': 'string'},"
        "     'message': {'type': 'string'}, 'warning': {'type': 'boolean'}}}}}}}}}",
        0,
        "application/jsonl",
        "{'type': 'string', 'description': 'JSON Lines: one expert per line, in the import "
        "format.'}",
        (const int[]){403, 0},
};

/* ---- The handlers -------------------------------------------------------------------- */

void h_api_openapi(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	struct openapi_info info;
	char err[256];
	json_t *doc = openapi_build(app->routes, app->nroutes, api_openapi_info(app, &info), err,
	                            sizeof(err));

	if (!doc) { /* router_check and tests/unit/test_openapi.c make this unreachable */
		log_error("openapi: %s", err);
		json_error(app, req, resp, 503, "unavailable", NULL);
		return;
	}
	json_respond(req, resp, 200, doc);
	resp_header(req, resp, "Cache-Control", "public, max-age=300");
}
