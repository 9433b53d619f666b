/* handlers: every route handler, grouped by domain file. Each has the
 * route_handler signature; ctx is the struct app. The route table
 * (routes.c) says which policy guards each. */
#ifndef KAFAAT_APP_HANDLERS_H
#define KAFAAT_APP_HANDLERS_H

#include "web/http.h"

#define HANDLER(name) void name(void *ctx, struct request *req, struct response *resp)

/* home.c: the public pages */
HANDLER(h_home);
HANDLER(h_privacy);
/* signup.c: experts sign up and verify their address */
HANDLER(h_signup);
HANDLER(h_verify);
HANDLER(h_verify_resend);
/* signin.c: sign in (with throttling and the second factor), sign out */
HANDLER(h_signin);
HANDLER(h_signin_code);
HANDLER(h_signout);
/* password.c: reset by mail, invitations (choose a password) */
HANDLER(h_forgot);
HANDLER(h_reset);
HANDLER(h_invitation);
/* account.c: the signed-in person's own account */
HANDLER(h_account);
HANDLER(h_account_password);
HANDLER(h_account_email);
HANDLER(h_account_email_confirm);
HANDLER(h_signout_everywhere);
HANDLER(h_account_totp);
HANDLER(h_account_token_new);
HANDLER(h_account_token_revoke);
HANDLER(h_api_me);
/* admin.c: programme team and institution owners */
HANDLER(h_institution_members);
HANDLER(h_admin_invitations);
HANDLER(h_admin_audit);
/* profile_steps.c: the profile editor, one form per step */
HANDLER(h_profile_step);
/* profile_pages.c: the expert's own profile, freshness, attestation,
 * consent per audience, the profile as others may see it, skill suggestions */
HANDLER(h_profile);
HANDLER(h_profile_confirm);
HANDLER(h_profile_pause);
HANDLER(h_profile_resume);
HANDLER(h_profile_coi);
HANDLER(h_profile_consent);
HANDLER(h_expert);
HANDLER(h_api_skills);
/* rights.c: download all my data, delete my account */
HANDLER(h_rights);
HANDLER(h_export);
HANDLER(h_delete_account);
/* files.c: CVs */
HANDLER(h_cv_upload);
HANDLER(h_cv_download);
HANDLER(h_cv_remove);
HANDLER(h_expert_cv);
/* freshness.c: the reminders' reconfirmation link */
HANDLER(h_reconfirm);
/* system.c: redirects, health, metadata, static files */
HANDLER(h_root);
HANDLER(h_lang_root);
HANDLER(h_healthz);
HANDLER(h_api_meta);
HANDLER(h_static);
HANDLER(h_favicon);

/* search_pages.c: searching experts, a need's matches, recommendations */
HANDLER(h_search);
HANDLER(h_api_search);
HANDLER(h_need_matches);
HANDLER(h_recommendations);
/* institutions.c, needs.c, need_pages.c, need_board.c: institutions and needs */
HANDLER(h_institutions);
HANDLER(h_institution_public);
HANDLER(h_institution_profile);
HANDLER(h_admin_institutions);
HANDLER(h_admin_institution);
HANDLER(h_admin_institution_verify);
HANDLER(h_inst_needs);
HANDLER(h_need_new);
HANDLER(h_inst_need);
HANDLER(h_need_edit);
HANDLER(h_inst_need_action);
HANDLER(h_need_repeat);
HANDLER(h_admin_needs);
HANDLER(h_admin_need);
HANDLER(h_admin_need_action);
HANDLER(h_needs_board);
HANDLER(h_needs_feed);
HANDLER(h_need_public);
HANDLER(h_api_needs);
HANDLER(h_api_need);
/* -- needs handlers end -- */
/* engagements.c, engagement_pages.c, evaluations.c, notify.c: engagements */
HANDLER(h_apply);
HANDLER(h_engagements);
HANDLER(h_engagement_step);
HANDLER(h_need_engagements);
HANDLER(h_institution_engagement_step);
HANDLER(h_certificate);
HANDLER(h_certificate_verify);
HANDLER(h_certificate_show);
HANDLER(h_evaluate);
HANDLER(h_inbox);
HANDLER(h_inbox_open);
HANDLER(h_inbox_read);
HANDLER(h_inbox_preference);
/* -- engagements handlers end -- */
/* project_pages.c, project_advisor.c, project_mentors.c, project_figures.c:
 * project dossiers */
HANDLER(h_projects);
HANDLER(h_project_new);
HANDLER(h_project);
HANDLER(h_project_action);
HANDLER(h_project_documents);
HANDLER(h_project_document);
HANDLER(h_mentorships);
HANDLER(h_mentorship_step);
HANDLER(h_staff_projects);
HANDLER(h_staff_project);
HANDLER(h_staff_project_action);
HANDLER(h_admin_project_assign);
HANDLER(h_project_mentors);
HANDLER(h_staff_mentorship_step);
HANDLER(h_project_figures);
/* -- project handlers end -- */
/* dashboard.c: the programme team's dashboard; statistics.c: the public
 * statistics and open data (docs/INDICATORS.md) */
HANDLER(h_admin_dashboard);
HANDLER(h_statistics);
HANDLER(h_statistics_csv);
HANDLER(h_statistics_json);
HANDLER(h_statistics_dictionary);
/* -- dashboard handlers end -- */
/* plans.c, plan_pages.c: sectoral mobilisation plans */
HANDLER(h_inst_plans);
HANDLER(h_plan_new);
HANDLER(h_plan_edit);
HANDLER(h_admin_plans);
/* -- plans handlers end -- */
/* consultations.c, consultation_pages.c: consultations */
HANDLER(h_consultations);
HANDLER(h_consultation);
HANDLER(h_consultation_answer);
HANDLER(h_consultation_csv);
HANDLER(h_consultations_manage);
HANDLER(h_consultation_new);
HANDLER(h_consultation_edit);
HANDLER(h_consultation_questions);
HANDLER(h_consultation_step);
/* -- consultation handlers end -- */
/* proposals.c, proposal_pages.c: proposals */
HANDLER(h_proposals);
HANDLER(h_proposal_new);
HANDLER(h_proposal);
HANDLER(h_proposal_support);
HANDLER(h_proposal_withdraw);
HANDLER(h_proposal_comment);
HANDLER(h_admin_proposals);
HANDLER(h_admin_proposal);
HANDLER(h_admin_proposal_comment);
/* -- proposal handlers end -- */
/* discussions.c, discussion_pages.c: network discussions; changelog.c */
HANDLER(h_discussions);
HANDLER(h_discussion_new);
HANDLER(h_discussion_watch);
HANDLER(h_discussion);
HANDLER(h_discussion_reply);
HANDLER(h_discussion_follow);
HANDLER(h_discussion_lock);
HANDLER(h_discussion_post_moderate);
HANDLER(h_discussion_report);
HANDLER(h_discussion_reports);
HANDLER(h_discussion_report_resolve);
HANDLER(h_changelog);
HANDLER(h_changelog_atom);
/* -- discussion handlers end -- */
/* exports.c: the programme team's exports */
HANDLER(h_admin_exports);
HANDLER(h_admin_export);
/* -- export handlers end -- */
/* bench_fts5.c: the search API answered by SQLite FTS5, benchmarks only */
HANDLER(h_bench_fts5);
/* -- bench handlers end -- */

/* api_docs.c, api_reference.c, api_*.c: the partner API. The description of
 * each API route (the api member of its entry in routes.c), this
 * description as OpenAPI and as a reference page, the partner routes
 * (h_api_institution_needs beside the other needs' JSON, in need_board.c)
 * and the programme team's page of tokens (api_admin.c). */
struct api_doc;
extern const struct api_doc api_doc_needs_list, api_doc_need, api_doc_experts, api_doc_skills,
        api_doc_meta, api_doc_me, api_doc_health, api_doc_openapi, api_doc_bench_fts5,
        api_doc_need_create, api_doc_statistics, api_doc_rosters, api_doc_institution_needs;
HANDLER(h_api_openapi);
HANDLER(h_api_reference);
HANDLER(h_api_need_create);
HANDLER(h_api_statistics);
HANDLER(h_api_rosters);
HANDLER(h_api_institution_needs);
HANDLER(h_admin_tokens);
HANDLER(h_admin_token_revoke);
/* -- api handlers end -- */

/* network_pages.c: networks, membership, roster, announcements, introductions */
HANDLER(h_networks);
HANDLER(h_network);
HANDLER(h_network_join);
HANDLER(h_network_leave);
HANDLER(h_network_roster);
/* network_manage.c: coordinators' texts, join requests, announcements */
HANDLER(h_network_manage);
HANDLER(h_network_request);
HANDLER(h_network_announcements);
/* network_intros.c: introductions between members */
HANDLER(h_network_intro_ask);
HANDLER(h_introductions);
HANDLER(h_introduction_step);
/* network_admin.c: the programme team's networks and coordinators */
HANDLER(h_admin_networks);
HANDLER(h_admin_network);
HANDLER(h_admin_network_coordinators);
/* -- network handlers end -- */
/* event_pages.c: events, registration, attendance, calendars */
HANDLER(h_events);
HANDLER(h_event);
HANDLER(h_event_ics);
HANDLER(h_network_events);
HANDLER(h_network_ics);
HANDLER(h_event_new);
HANDLER(h_event_edit);
HANDLER(h_event_cancel);
HANDLER(h_event_register);
HANDLER(h_event_unregister);
HANDLER(h_event_attendance);
/* -- event handlers end -- */

#endif
