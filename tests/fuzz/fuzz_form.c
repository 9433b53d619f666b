/* libFuzzer target: application/x-www-form-urlencoded bodies through the
 * router's form checks (router_parse_form in web/router.c, over
 * url_parse_pairs in web/urlenc.c), against each route that takes a form.
 * The first input byte picks the route, the rest is the body.
 *
 * What must hold: a refusal is a 400 with a code (and the field, unless the
 * body itself is malformed); an accepted form holds only fields the route
 * declares, each once, as valid UTF-8 without NUL, no text over its
 * maximum; and the pairs, encoded again with url_encode, decode to the very
 * same pairs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "web/router.h"
#include "web/urlenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The routes that declare form fields, in table order. */
static const struct route *form_route(unsigned pick)
{
	size_t n = 0;
	for (size_t i = 0; i < app_routes_count; i++)
		n += app_routes[i].form != NULL;
	if (!n)
		abort();
	pick %= (unsigned)n;
	for (size_t i = 0; i < app_routes_count; i++)
		if (app_routes[i].form && pick-- == 0)
			return &app_routes[i];
	abort();
}

static const struct field *declared(const struct route *r, const char *name)
{
	for (const struct field *f = r->form; f->type != FIELD_END; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static void check_refusal(const struct route_error *e)
{
	if (e->status != 400 || !e->code)
		abort();
	if (!e->field && strcmp(e->code, "malformed_form") != 0)
		abort();
}

static void check_form(const struct route *r, const struct kvlist *form)
{
	for (size_t i = 0; i < form->count; i++) {
		const struct kv *p = &form->items[i];
		const struct field *f = declared(r, p->key);
		if (!f || !utf8_valid(p->value, strlen(p->value)))
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(form->items[j].key, p->key))
				abort();
		const char *code = field_check(f, p->value);
		if (code && !strcmp(code, "too_long"))
			abort();
	}
}

/* Encodes the accepted pairs again and decodes them: the same pairs. */
static void check_round_trip(const struct kvlist *form)
{
	struct buf enc;
	struct arena a = {0};
	struct kvlist again = {0};

	buf_init(&enc, 0);
	for (size_t i = 0; i < form->count; i++) {
		if (i)
			buf_addc(&enc, '&');
		url_encode(&enc, form->items[i].key, strlen(form->items[i].key));
		buf_addc(&enc, '=');
		url_encode(&enc, form->items[i].value, strlen(form->items[i].value));
	}
	if (url_parse_pairs(&a, buf_str(&enc), enc.len, form->count + 1, &again) < 0)
		abort();
	if (again.count != form->count)
		abort();
	for (size_t i = 0; i < form->count; i++)
		if (strcmp(again.items[i].key, form->items[i].key) ||
		    strcmp(again.items[i].value, form->items[i].value))
			abort();
	buf_release(&enc);
	arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req;
	struct route_error e;

	if (!size)
		return 0;
	const struct route *r = form_route(data[0]);
	memset(&req, 0, sizeof(req));
	buf_init(&req.body, 0);
	buf_add(&req.body, data + 1, size - 1);
	if (router_parse_form(r, &req, &e) < 0) {
		check_refusal(&e);
	} else {
		check_form(r, &req.form);
		check_round_trip(&req.form);
	}
	buf_release(&req.body);
	arena_free(&req.arena);
	return 0;
}
