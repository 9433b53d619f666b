/* profile_pages: what the profile pages share (profile_pages.c: the
 * expert's own view, freshness, attestation, consent, the view each
 * audience may see, skill suggestions; profile_steps.c: the editor in
 * steps) and the bounds of the editor's forms, which routes.c declares.
 *
 * The router refuses a form with more than 64 fields, an undeclared field
 * or a field given twice, so repeated rows are numbered (lang_0_code,
 * lang_1_code, …) and bounded here; routes.c checks at compile time that
 * every step's declared fields fit. */
#ifndef KAFAAT_APP_PROFILE_PAGES_H
#define KAFAAT_APP_PROFILE_PAGES_H

#include <jansson.h>
#include <stdint.h>

#include "web/http.h"
#include "web/i18n.h"

struct app;
struct identity;

/* Rows and choices each step's form may carry. */
#define PROFILE_NATIONALITIES 16 /* nat_0 … nat_15 checkboxes, plus nat_add */
#define PROFILE_LANGUAGES 10     /* lang_N_code, lang_N_level */
#define PROFILE_EDUCATION 8      /* edu_N_degree, _field, _institution, _country, _year */
#define PROFILE_EXPERIENCE 8     /* exp_N_role, _organisation, _sector, _country, _from, _to */
#define PROFILE_SKILLS 20        /* skill_N_name, _level, _years */
#define PROFILE_SECTORS 30       /* sec_N (my sectors) and pref_N (preferred) */
#define PROFILE_AVAILABILITY 5   /* avail_N_from, avail_N_to */
#define PROFILE_STAYS 5          /* stay_N_from, stay_N_to, stay_N_city */
#define PROFILE_REGIONS 12       /* region_N */
#define PROFILE_MODES 2          /* mode_N: ponctuelle, continue */
#define PROFILE_PRESENCE 3       /* presence_N: remote, onsite, hybrid */
/* The router's limit on the fields of one form (web/router.c). */
#define PROFILE_FORM_LIMIT 64

/* One request to a profile page. */
struct pp {
	struct app *app;
	struct request *req;
	struct response *resp;
	struct identity *id; /* NULL for anonymous visitors */
	enum lang l;
	int64_t now;
};

void pp_init(struct pp *c, void *ctx, struct request *req, struct response *resp);
/* "29 novembre 2026" from 'YYYY-MM-DD…' (arena), or NULL. */
const char *pp_date(struct pp *c, const char *iso);
/* v written in the page's language (digit grouping), in the arena. */
const char *pp_number(struct pp *c, int64_t v);
/* The posted form's values as typed, every field but csrf (for a form
 * shown again with its errors): a new JSON object. */
json_t *pp_posted_values(struct request *req);
/* Redirects (303) to /LANG/path. */
void pp_redirect(struct pp *c, const char *path);
/* The page of a path that does not exist (404), as the router answers it. */
void pp_not_found(struct pp *c);
/* The versioned URL of a static file ("js/autocomplete.js"). */
const char *pp_asset(struct pp *c, const char *name);
/* The editor's steps for navigation: [{slug, title, href, current}]. */
json_t *profile_steps_nav(struct pp *c, const char *current);
/* The slug of the first step (where an empty profile starts). */
#define PROFILE_FIRST_STEP "identity"

#endif
