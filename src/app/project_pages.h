/* project_pages: what the pages of project dossiers share.
 *
 * project_pages.c: the holder's pages (their dossiers, the form, a
 * dossier with its stage, the advisor's messages, orientation and the MDM
 * Invest pre-check, documents); project_advisor.c: the advisors' queue
 * and dossier with the step form, assignment by admins; project_mentors.c:
 * the experts matched to a dossier and the mentorships; project_figures.c:
 * the figures; project_jobs.c: service-deadline reminders and demo data.
 *
 * Who sees a dossier: its holder, its assigned advisor, the programme team
 * (admins). Anyone else gets 404, as for a dossier that does not exist.
 * All strings and JSON are made for one request (c's arena).
 */
#ifndef KAFAAT_APP_PROJECT_PAGES_H
#define KAFAAT_APP_PROJECT_PAGES_H

#include <jansson.h>
#include <stdint.h>

#include "app/projects.h"

struct db;
struct pp;

/* Who looks at a dossier. */
enum project_viewer { PV_HOLDER, PV_ADVISOR, PV_ADMIN };

/* The viewer of this request: PV_ADMIN on /LANG/admin/… routes,
 * PV_ADVISOR on /LANG/advisor/… routes, else PV_HOLDER. */
enum project_viewer project_viewer_of(struct pp *c);
/* The actor bit of a viewer (enum project_actor). */
unsigned project_actor_of(enum project_viewer v);
/* "/LANG/projects", "/LANG/advisor/projects" or "/LANG/admin/projects". */
const char *project_base(struct pp *c, enum project_viewer v);

/* May viewer v see p? */
int project_may_see(struct pp *c, enum project_viewer v, const struct project *p);
/* Loads the dossier whose id is the path's :id for v: 1, or 0 / -1 with
 * the 404 / 503 answer sent. */
int project_page_load(struct pp *c, enum project_viewer v, struct project *p);

/* The dossier as its pages show it: labels, keys, amounts in the page's
 * language, its needs, orientation (CRI, pre-check, support programmes of
 * the holder's residence country), documents, history and mentors. NULL
 * on a database error. */
json_t *project_view(struct pp *c, struct db *db, const struct project *p, enum project_viewer v);
/* The projects funnel (project_figures.c, docs/PROJECTS.md): [{state_key,
 * reached, now}] in the order of the pipeline, every dossier counted (the
 * figures page and the programme dashboard). NULL on a database error. */
json_t *project_funnel(struct pp *c, struct db *db);
/* "PREFIX.WORD" (arena), or NULL for an empty word. */
const char *project_key(struct pp *c, const char *prefix, const char *word);
/* Today "YYYY-MM-DD" and now as ISO text, from the application clock. */
const char *project_today(struct pp *c);
const char *project_now(struct pp *c);

/* A notification to the holder of p (kind project.KIND), linking to the
 * holder's page of the dossier; vars as notify(). 0 or -1. */
int project_tell_holder(struct pp *c, struct db *db, const struct project *p, const char *kind,
                        const char *const *vars);
/* To the assigned advisor, or the programme team when none. 0 or -1. */
int project_tell_advisor(struct pp *c, struct db *db, const struct project *p, const char *kind,
                         const char *const *vars);

/* What is wrong with the posted step (action, reason, note, realised
 * figures) from viewer v: a catalogue key with its field and the status
 * (409: the table does not allow it from this stage; 422: a value), or
 * NULL (p's realised figures then set from the form). */
const char *project_step_problem(struct pp *c, struct project *p, enum project_viewer v, int act,
                                 const char **field, int *status);
/* Takes the checked step in one transaction (the move, its event, audit
 * and the notification of the other side): 1 moved, 0 refused with
 * *problem (the stage changed meanwhile, or no mentor engaged), -1 error. */
int project_step_run(struct pp *c, struct project *p, enum project_viewer v, int act,
                     const char **problem);

/* The advisor's dossier page (project_advisor.c), status 200 or 422 with
 * an error key on field. */
void project_show_staff(struct pp *c, int status, const struct project *p, enum project_viewer v,
                        const char *field, const char *error);
/* The mentorships of a dossier for its pages (project_mentors.c):
 * [{id, expert_id, name, state, state_key, message, actions [...]}];
 * names only for staff, or for the holder once the mentor confirmed. */
json_t *project_mentorships_json(struct pp *c, struct db *db, const struct project *p,
                                 enum project_viewer v);

#endif
