/* changelog: the public changelog of the platform — what changed and when,
 * in the page's language (docs/DISCUSSIONS.md, "The changelog"). The rows
 * come from data/changelog.tsv, loaded into the changelog table by `kafaat
 * migrate` (data.c); the page groups them by version and date, newest
 * first, and the Atom feed (RFC 4287) has one entry per version. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/clock.h"
#include "app/handlers.h"
#include "app/page.h"
#include "app/profile_pages.h"
#include "app/sql.h"
#include "core/buf.h"
#include "web/xml.h"

#define CHANGELOG_MAX 2000 /* rows read for the page and the feed */

/* The rows, newest first; a group is the run of rows of one version and
 * date. Calls fn once per row: 0 to go on. */
struct change {
	const char *id, *date, *version, *area, *text;
};
typedef int (*change_fn)(struct pp *c, const struct change *ch, void *ud);

static int changes(struct pp *c, change_fn fn, void *ud)
{
	struct db *db = db_pool_get(c->app->pool);
	static const char *const sql[LANG_COUNT] = {
	        "SELECT id, date, version, area, text_ar FROM changelog ORDER BY date DESC, id "
	        "DESC "
	        "LIMIT $1",
	        "SELECT id, date, version, area, text_fr FROM changelog ORDER BY date DESC, id "
	        "DESC "
	        "LIMIT $1",
	        "SELECT id, date, version, area, text_en FROM changelog ORDER BY date DESC, id "
	        "DESC "
	        "LIMIT $1",
	};
	struct db_stmt *st = db_prepare(db, sql[c->l]);
	enum db_rc rc = DB_ERROR;
	int stop = 0;

	if (st && db_bind_int(st, 1, CHANGELOG_MAX) == DB_OK)
		while (!stop && (rc = db_step(st)) == DB_ROW) {
			struct arena *a = &c->req->arena;
			struct change ch = {sql_col_text(st, a, 0), sql_col_text(st, a, 1),
			                    sql_col_text(st, a, 2), sql_col_text(st, a, 3),
			                    sql_col_text(st, a, 4)};
			stop = fn(c, &ch, ud);
		}
	db_finalize(st);
	db_pool_put(c->app->pool, db);
	return rc == DB_OK || (stop && rc == DB_ROW) ? 0 : -1;
}

static const char *area_label(struct pp *c, const char *area)
{
	return tr(c->app, c->l, arena_printf(&c->req->arena, "changelog.area.%s", area));
}

/* ---- The page --------------------------------------------------------------------------- */

static int page_row(struct pp *c, const struct change *ch, void *ud)
{
	json_t *groups = ud, *last = json_array_get(groups, json_array_size(groups) - 1);

	if (!last || strcmp(json_string_value(json_object_get(last, "version")), ch->version) ||
	    strcmp(json_string_value(json_object_get(last, "day")), ch->date)) {
		last = json_pack("{s:s, s:s, s:s?, s:[]}", "version", ch->version, "day", ch->date,
		                 "date", pp_date(c, ch->date), "items");
		json_array_append_new(groups, last);
	}
	json_array_append_new(
	        json_object_get(last, "items"),
	        json_pack("{s:s, s:s}", "area", area_label(c, ch->area), "text", ch->text));
	return 0;
}

void h_changelog(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	json_t *groups = json_array();

	pp_init(&c, ctx, req, resp);
	if (changes(&c, page_row, groups) < 0) {
		json_decref(groups);
		page_unavailable(c.app, req, resp);
		return;
	}
	page_render(c.app, req, resp, 200, "changelog", "changelog.title",
	            json_pack("{s:o}", "versions", groups));
}

/* ---- The Atom feed ----------------------------------------------------------------------- */

static void element(struct buf *b, const char *name, const char *text)
{
	buf_addf(b, "<%s>", name);
	xml_text(b, text);
	buf_addf(b, "</%s>", name);
}

struct feed {
	struct buf entries;
	char version[64], date[16]; /* the open entry's, "" when none */
	char updated[16];           /* the newest date */
	const char *authority;
};

static void close_entry(struct feed *f)
{
	if (f->version[0])
		buf_adds(&f->entries, "</content></entry>\n");
	f->version[0] = '\0';
}

/* One entry per version and date: its items as lines of its text. */
static int feed_row(struct pp *c, const struct change *ch, void *ud)
{
	struct feed *f = ud;
	struct buf *b = &f->entries;

	if (strlen(ch->date) != 10 || strlen(ch->version) >= sizeof(f->version))
		return 0; /* not a row the loader would let in; never shown broken */
	if (!f->updated[0])
		snprintf(f->updated, sizeof(f->updated), "%s", ch->date);
	if (strcmp(f->version, ch->version) != 0 || strcmp(f->date, ch->date) != 0) {
		close_entry(f);
		snprintf(f->version, sizeof(f->version), "%s", ch->version);
		snprintf(f->date, sizeof(f->date), "%s", ch->date);
		buf_addf(b, "<entry><id>tag:%s,%s:changelog/", f->authority, ch->date);
		xml_text(b, ch->version);
		buf_adds(b, "</id><title>");
		xml_text(b, arena_printf(&c->req->arena, "%s %s — %s",
		                         tr(c->app, c->l, "changelog.version"), ch->version,
		                         pp_date(c, ch->date)));
		buf_addf(b, "</title><updated>%sT00:00:00Z</updated>", ch->date);
		buf_adds(b, "<link rel=\"alternate\" type=\"text/html\" href=\"");
		xml_text(b, arena_printf(&c->req->arena, "%s/%s/changelog#v-%s-%s",
		                         c->app->cfg->public_url, lang_code(c->l), ch->version,
		                         ch->date));
		buf_adds(b, "\"/><content type=\"text\">");
	} else
		buf_adds(b, "\n");
	xml_text(b, arena_printf(&c->req->arena, "%s: %s", area_label(c, ch->area), ch->text));
	return 0;
}

static const char *authority(struct pp *c)
{
	const char *u = c->app->cfg->public_url, *host = strstr(u, "://");
	size_t n;

	host = host ? host + 3 : u;
	n = strcspn(host, ":/");
	return n ? arena_strndup(&c->req->arena, host, n) : "kafaat";
}

void h_changelog_atom(void *ctx, struct request *req, struct response *resp)
{
	struct pp c;
	struct feed f = {BUF_INIT, "", "", "", NULL};
	const char *l, *base;

	pp_init(&c, ctx, req, resp);
	f.authority = authority(&c);
	if (changes(&c, feed_row, &f) < 0) {
		buf_release(&f.entries);
		page_unavailable(c.app, req, resp);
		return;
	}
	close_entry(&f);
	l = lang_code(c.l);
	base = c.app->cfg->public_url;
	buf_reset(&resp->body);
	buf_addf(&resp->body,
	         "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
	         "xmlns=\"http://www.w3.org/2005/Atom\" "
	         "xml:lang=\"%s\">\n<id>tag:%s,2026:changelog/%s</id>\n",
	         l, f.authority, l);
	element(&resp->body, "title", tr(c.app, c.l, "changelog.feed.title"));
	buf_adds(&resp->body, "\n");
	element(&resp->body, "subtitle", tr(c.app, c.l, "changelog.intro"));
	if (f.updated[0])
		buf_addf(&resp->body, "\n<updated>%sT00:00:00Z</updated>", f.updated);
	else {
		char now[ISO_TIME_LEN + 1];
		iso_time(c.now, now);
		buf_addf(&resp->body, "\n<updated>%s</updated>", now);
	}
	buf_adds(&resp->body, "\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
	xml_text(&resp->body, arena_printf(&req->arena, "%s/%s/changelog.atom", base, l));
	buf_adds(&resp->body, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
	xml_text(&resp->body, arena_printf(&req->arena, "%s/%s/changelog", base, l));
	buf_adds(&resp->body, "\"/>\n<author><name>Kafaat</name></author>\n");
	buf_add(&resp->body, f.entries.data ? f.entries.data : "", f.entries.len);
	buf_adds(&resp->body, "</feed>\n");
	buf_release(&f.entries);
	resp->status = 200;
	resp->content_type = "application/atom+xml; charset=utf-8";
	resp_header(req, resp, "Content-Language", l);
	resp_header(req, resp, "Cache-Control", "public, max-age=300");
}
