/* api_rosters: POST /api/v1/rosters — a network imports its roster (token
 * scope import_rosters: network coordinators). The
 * body is JSON Lines in the import format of docs/IMPORT.md and goes
 * through import_experts, the same rules as `kafaat import experts`
 * (deduplication by address, invitations for new addresses, nothing
 * rewritten when unchanged: importing twice changes nothing). Consent and
 * confirmation dates in the file are never taken from the API: imported
 * experts give their consent themselves. ?dry_run=1 checks without
 * writing. The answer counts the rows and reports each one skipped or
 * imported with warnings. */
#include <stdio.h>
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "app/auth.h"
#include "app/handlers.h"
#include "app/import.h"
#include "app/page.h"

struct roster {
	json_t *rows; /* the rows skipped or with warnings */
};

static json_t *issues_json(const struct profile_issues *is)
{
	int max = (int)(sizeof(is->items) / sizeof(is->items[0]));
	json_t *list = json_array();

	for (int i = 0; i < is->count && i < max; i++) {
		const struct profile_issue *it = &is->items[i];
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:s, s:b}", "field", it->field, "code",
		                                it->code, "message", import_issue_text(it->code),
		                                "warning", it->warning));
	}
	return list;
}

static void report_row(void *ud, const struct import_result *r)
{
	struct roster *ro = ud;

	if (!r->issues.count && r->status != IMPORT_SKIPPED)
		return;
	json_array_append_new(ro->rows, json_pack("{s:i, s:s, s:s, s:o}", "line", r->line, "status",
	                                          import_status_name(r->status), "email", r->email,
	                                          "issues", issues_json(&r->issues)));
}

/* Is the body's type JSON Lines? */
static int jsonl_type(const char *type)
{
	static const char *const names[] = {"application/jsonl", "application/x-ndjson"};

	for (size_t i = 0; type && i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);
		if (strncmp(type, names[i], n) == 0 && (type[n] == '\0' || type[n] == ';'))
			return 1;
	}
	return 0;
}

void h_api_rosters(void *ctx, struct request *req, struct response *resp)
{
	struct app *app = ctx;
	const struct identity *id = auth_identity(req);
	const char *dry = kvlist_get(&req->query, "dry_run");
	struct roster ro = {NULL};
	struct import_counts n = {0};
	char err[256] = "";
	const char *data = buf_str(&req->body);
	int rc;

	if (!jsonl_type(req_header(req, "Content-Type"))) {
		json_error(app, req, resp, 415, "unsupported_media_type", "Content-Type");
		return;
	}
	if (req->body.len == 0 || import_detect(data, req->body.len) != IMPORT_JSONL) {
		json_error(app, req, resp, 400, "malformed_jsonl", NULL);
		return;
	}
	struct import_opts o = {
	        arena_printf(&req->arena, "api token %lld", (long long)id->token_id),
	        dry && strcmp(dry, "1") == 0, 0, report_row, &ro};
	ro.rows = json_array();
	rc = import_experts(app, data, req->body.len, &o, &n, err, sizeof(err));
	if (rc < 0) {
		json_decref(ro.rows);
		/* -1: the body as a whole is unreadable; -2: the database failed, and
		 * the rows of the batches committed before are in (importing the
		 * same body again changes nothing more) */
		if (rc == -1)
			json_error(app, req, resp, 400, "malformed_jsonl", NULL);
		else
			json_error(app, req, resp, 503, "unavailable", NULL);
		return;
	}
	json_respond(req, resp, 200,
	             json_pack("{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o}", "dry_run", o.dry_run,
	                       "counts", "rows", (json_int_t)n.rows, "created",
	                       (json_int_t)n.created, "updated", (json_int_t)n.updated, "unchanged",
	                       (json_int_t)n.unchanged, "skipped", (json_int_t)n.skipped, "warned",
	                       (json_int_t)n.warned, "rows", ro.rows));
}
