/* Unit tests for web/tmpl: syntax, lookup, escaping, helpers, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "web/tmpl.h"

/* ---- Helpers ---- */

static json_t *parse_json(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text ? text : "{}", JSON_DECODE_ANY, &jerr);

	if (!j)
		fail_msg("bad test JSON: %s", jerr.text);
	return j;
}

/* Renders template name of set with data (JSON text); checks the output. */
static void check_render(struct tmpl_set *set, const char *name, const char *data,
                         const struct tmpl_render_opts *opts, const char *want)
{
	struct buf out = BUF_INIT;
	char err[256] = "";
	json_t *ctx = parse_json(data);
	int rc = tmpl_render(set, name, ctx, opts, &out, err, sizeof(err));

	if (rc != 0)
		fail_msg("render failed: %s", err);
	assert_string_equal(buf_str(&out), want);
	json_decref(ctx);
	buf_release(&out);
}

/* Compiles src as template "t" and checks its output with data. */
static void check_opts(const char *src, const char *data, const struct tmpl_render_opts *opts,
                       const char *want)
{
	struct tmpl_set *set = tmpl_set_new();
	char err[256] = "";

	if (tmpl_set_add(set, "t", src, strlen(src), err, sizeof(err)) != 0)
		fail_msg("compile failed: %s", err);
	check_render(set, "t", data, opts, want);
	tmpl_set_free(set);
}

static void check(const char *src, const char *data, const char *want)
{
	check_opts(src, data, NULL, want);
}

/* Checks that src does not compile and that the error is exactly want. */
static void check_error(const char *src, const char *want)
{
	struct tmpl_set *set = tmpl_set_new();
	char err[256] = "";

	assert_int_equal(tmpl_set_add(set, "t", src, strlen(src), err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_false(tmpl_set_has(set, "t"));
	tmpl_set_free(set);
}

static void add_ok(struct tmpl_set *set, const char *name, const char *src)
{
	char err[256] = "";

	if (tmpl_set_add(set, name, src, strlen(src), err, sizeof(err)) != 0)
		fail_msg("compile of %s failed: %s", name, err);
}

/* A tiny catalogue for {{t}}. */
static const char *translate(void *ud, const char *key)
{
	static const char *const cat[][2] = {
	        {"greet", "Hello {name}, you have {n} messages"},
	        {"html", "Use <b> & \"quotes\" for {x}"},
	        {"braces", "{unknown} and {{name}} and {name"},
	        {"ar.welcome", "مرحبا {name}"},
	};

	(void)ud;
	for (size_t i = 0; i < sizeof(cat) / sizeof(cat[0]); i++)
		if (strcmp(cat[i][0], key) == 0)
			return cat[i][1];
	return NULL;
}

static const struct tmpl_render_opts topts = {.translate = translate};

/* ---- Escaping ---- */

static void test_escape_five(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(tmpl_escape(&b, "a&b<c>d\"e'f", 11), 0);
	assert_string_equal(buf_str(&b), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	buf_reset(&b);
	assert_int_equal(tmpl_escape(&b, "", 0), 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(tmpl_escape(&b, "x\0<", 3), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "x\0&lt;", 6);
	buf_release(&b);
	check("{{v}}", "{\"v\": \"&<>\\\"'\"}", "&amp;&lt;&gt;&quot;&#39;");
}

static void test_escape_full_buffer(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 3);
	assert_int_equal(tmpl_escape(&b, "<", 1), -1);
	assert_int_equal(b.len, 0);
	assert_int_equal(tmpl_escape(&b, "abc", 3), 0);
	assert_int_equal(tmpl_escape(&b, "e", 1), -1);
	buf_release(&b);
}

static void test_xss_inert(void **state)
{
	const char *data = "{\"a\": \"<script>alert(1)</script>\","
	                   " \"b\": \"\\\" onmouseover=\\\"alert(1)\","
	                   " \"c\": \"'><img src=x onerror=alert(1)>\","
	                   " \"d\": \"javascript:alert(1)\","
	                   " \"e\": \"{{a}}\"}";

	(void)state;
	check("<p>{{a}}</p>", data, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
	check("<a title=\"{{b}}\">", data, "<a title=\"&quot; onmouseover=&quot;alert(1)\">");
	check("<a title='{{c}}'>", data, "<a title='&#39;&gt;&lt;img src=x onerror=alert(1)&gt;'>");
	check("<a href=\"/go?u={{url d}}\">", data, "<a href=\"/go?u=javascript%3Aalert%281%29\">");
	/* Data that looks like a tag is not expanded again. */
	check("{{e}}", data, "{{a}}");
	/* Nor does data reach the output raw through {{t}} arguments. */
	check_opts("{{t \"greet\" name=a n=c}}", data, &topts,
	           "Hello &lt;script&gt;alert(1)&lt;/script&gt;, you have &#39;&gt;&lt;img "
	           "src=x onerror=alert(1)&gt; messages");
}

/* ---- Values and lookup ---- */

static void test_value_types(void **state)
{
	const char *data =
	        "{\"s\": \"x\", \"i\": -42, \"big\": 9007199254740993, \"r\": 1.5,"
	        " \"e\": 1e20, \"t\": true, \"f\": false, \"n\": null, \"o\": {\"k\": 1},"
	        " \"a\": [1, 2], \"z\": 0}";

	(void)state;
	check("[{{s}}|{{i}}|{{big}}|{{r}}|{{e}}|{{t}}|{{z}}]", data,
	      "[x|-42|9007199254740993|1.5|1e+20|true|0]");
	check("[{{f}}|{{n}}|{{o}}|{{a}}|{{missing}}]", data, "[||||]");
	check("{{.}}", "\"top\"", "top");
	check("{{.}}", "7", "7");
}

static void test_dotted_lookup(void **state)
{
	const char *data = "{\"a\": {\"b\": {\"c\": \"deep\"}, \"list\": [\"x\", {\"y\": \"z\"}]},"
	                   " \"user\": {\"name\": \"Amina\"}}";

	(void)state;
	check("{{a.b.c}}/{{user.name}}", data, "deep/Amina");
	check("[{{a.b.missing}}|{{a.missing.c}}|{{user.name.x}}|{{nope.x}}]", data, "[|||]");
	check("{{a.list.0}}-{{a.list.1.y}}-{{a.list.2}}", data, "x-z-");
	check("{{ a.b.c }}", data, "deep");
}

static void test_not_nul_terminated(void **state)
{
	struct tmpl_set *set = tmpl_set_new();
	char src[] = {'a', 'b', '{', '{', 'x', '}', '}'};
	char err[128];

	(void)state;
	/* Only "ab{" is the template: the rest of the array is not read. */
	assert_int_equal(tmpl_set_add(set, "t", src, 3, err, sizeof(err)), 0);
	check_render(set, "t", "{\"x\": 1}", NULL, "ab{");
	assert_int_equal(tmpl_set_add(set, "u", src, 5, err, sizeof(err)), -1);
	assert_string_equal(err, "u:1: unterminated tag");
	assert_int_equal(tmpl_set_add(set, "e", src, 0, err, sizeof(err)), 0);
	check_render(set, "e", "{}", NULL, "");
	tmpl_set_free(set);
}

/* ---- Blocks ---- */

static void test_each(void **state)
{
	const char *data =
	        "{\"items\": [\"a\", \"<b>\", \"c\"], \"empty\": [], \"obj\": {\"k\": 1}}";

	(void)state;
	check("{{#each items}}{{@index}}={{.}}{{#if @first}}(first){{/if}}"
	      "{{#if @last}}(last){{/if}};{{/each}}",
	      data, "0=a(first);1=&lt;b&gt;;2=c(last);");
	check("{{#each items}}{{#unless @first}}, {{/unless}}{{.}}{{/each}}", data,
	      "a, &lt;b&gt;, c");
	check("{{#each empty}}x{{else}}none{{/each}}", data, "none");
	check("{{#each missing}}x{{else}}none{{/each}}", data, "none");
	check("{{#each obj}}x{{else}}not a list{{/each}}", data, "not a list");
	check("{{#each items}}{{@first}}{{@last}} {{/each}}", data, "true  true ");
	/* Outside #each the @ variables render as nothing and are falsy. */
	check("[{{@index}}{{@first}}{{@last}}{{#if @first}}x{{/if}}]", data, "[]");
}

static void test_each_nested(void **state)
{
	const char *data = "{\"rows\": [{\"cells\": [1, 2]}, {\"cells\": [3]}]}";

	(void)state;
	check("{{#each rows}}<tr>{{#each cells}}<td>{{@index}}:{{.}}</td>{{/each}}</tr>{{/each}}",
	      data, "<tr><td>0:1</td><td>1:2</td></tr><tr><td>0:3</td></tr>");
	check("{{#each rows}}{{#each cells}}{{/each}}{{@index}}{{/each}}", data, "01");
}

static void test_scope_fallback(void **state)
{
	const char *data = "{\"site\": \"Kafaat\", \"name\": \"outer\", \"people\": ["
	                   "{\"name\": \"Amina\"}, {\"age\": 3}, {\"name\": null}],"
	                   " \"cfg\": {\"site\": \"inner\"}}";

	(void)state;
	/* The item first, then outwards; an explicit null still shadows. */
	check("{{#each people}}{{name}}@{{site}};{{/each}}", data,
	      "Amina@Kafaat;outer@Kafaat;@Kafaat;");
	/* Only the first segment falls back; the rest are inside that value. */
	check("{{#each people}}[{{cfg.site}}]{{/each}}", data, "[inner][inner][inner]");
	check("{{#each people}}{{#each people}}{{name}}{{/each}}|{{/each}}", data,
	      "AminaAmina|Aminaouter|Amina|");
}

static void test_truthiness(void **state)
{
	static const struct {
		const char *json;
		int truthy;
	} table[] = {
	        {"null", 0}, {"false", 0}, {"true", 1},      {"0", 0},
	        {"1", 1},    {"-1", 1},    {"0.0", 0},       {"0.5", 1},
	        {"\"\"", 0}, {"\"0\"", 1}, {"\" \"", 1},     {"[]", 0},
	        {"[0]", 1},  {"{}", 0},    {"{\"a\":0}", 1}, {"\"false\"", 1},
	};
	char data[64];

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		snprintf(data, sizeof(data), "{\"v\": %s}", table[i].json);
		check("{{#if v}}T{{else}}F{{/if}}", data, table[i].truthy ? "T" : "F");
		check("{{#unless v}}U{{else}}E{{/unless}}", data, table[i].truthy ? "E" : "U");
		check("{{#if v}}T{{/if}}", data, table[i].truthy ? "T" : "");
	}
	check("{{#if missing}}T{{else}}F{{/if}}", "{}", "F");
	check("{{#if a.b}}T{{else}}F{{/if}}", "{\"a\": {\"b\": 2}}", "T");
}

static void test_comments_and_text(void **state)
{
	(void)state;
	check("a{{! a comment }}b", "{}", "ab");
	check("a{{!-- {{#if x}} with }} inside --}}b", "{}", "ab");
	check("line1\n{{! multi\nline }}\nline3", "{}", "line1\n\nline3");
	check("{ a } }} {x}", "{}", "{ a } }} {x}");
	check("", "{}", "");
}

/* ---- Partials ---- */

static void test_partials(void **state)
{
	struct tmpl_set *set = tmpl_set_new();

	(void)state;
	add_ok(set, "item", "<li>{{name}}#{{@index}}</li>");
	add_ok(set, "list", "<ul>{{#each people}}{{> item}}{{/each}}</ul>");
	add_ok(set, "page", "<h1>{{title}}</h1>{{>list}}");
	check_render(set, "page",
	             "{\"title\": \"T<\", \"people\": [{\"name\": \"A\"}, {\"name\": \"B\"}]}",
	             NULL, "<h1>T&lt;</h1><ul><li>A#0</li><li>B#1</li></ul>");
	assert_true(tmpl_set_has(set, "item"));
	assert_false(tmpl_set_has(set, "nope"));
	/* Replacing a template takes effect for the partials that use it. */
	add_ok(set, "item", "[{{name}}]");
	check_render(set, "page", "{\"title\": \"x\", \"people\": [{\"name\": \"A\"}]}", NULL,
	             "<h1>x</h1><ul>[A]</ul>");
	tmpl_set_free(set);
}

static void test_partial_unknown_at_render(void **state)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char err[256];

	(void)state;
	add_ok(set, "t", "ok\n{{> ghost}}");
	assert_int_equal(tmpl_render(set, "t", NULL, NULL, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "t:2: unknown partial 'ghost'");
	assert_int_equal(tmpl_render(set, "nope", NULL, NULL, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown template 'nope'");
	buf_release(&out);
	tmpl_set_free(set);
}

static void test_partial_depth(void **state)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char name[16], src[32], err[256];

	(void)state;
	/* p0 includes p1 ... p15 includes p16: 16 nested partials are fine. */
	for (int i = 0; i <= 17; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		snprintf(src, sizeof(src), "%d{{> p%d}}", i, i + 1);
		add_ok(set, name, i == 16 ? "end" : src);
	}
	check_render(set, "p0", "{}", NULL, "0123456789101112131415end");
	/* A 17th level fails. */
	add_ok(set, "p16", "16{{> p17}}");
	add_ok(set, "p17", "end");
	assert_int_equal(tmpl_render(set, "p0", NULL, NULL, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "p16:1: partials nested deeper than 16");
	/* Self-recursion stops at the limit as well. */
	add_ok(set, "self", "x{{>self}}{{>self}}");
	assert_int_equal(tmpl_render(set, "self", NULL, NULL, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "self:1: partials nested deeper than 16");
	buf_release(&out);
	tmpl_set_free(set);
}

/* ---- Helpers: t, url, @content ---- */

static void test_t(void **state)
{
	const char *data =
	        "{\"user\": {\"name\": \"Amina & Co\"}, \"count\": 3, \"key\": \"greet\","
	        " \"list\": [\"a\", \"b\"]}";

	(void)state;
	check_opts("{{t \"greet\" name=user.name n=count}}", data, &topts,
	           "Hello Amina &amp; Co, you have 3 messages");
	/* Missing placeholder values render as nothing. */
	check_opts("{{t \"greet\" name=user.name}}", data, &topts,
	           "Hello Amina &amp; Co, you have {n} messages");
	check_opts("{{t \"greet\" n=nothing name=user.name}}", data, &topts,
	           "Hello Amina &amp; Co, you have  messages");
	/* The translation itself is text: escaped. */
	check_opts("{{t \"html\" x=count}}", data, &topts,
	           "Use &lt;b&gt; &amp; &quot;quotes&quot; for 3");
	/* Unknown placeholders stay as they are. */
	check_opts("{{t \"braces\" name=count}}", data, &topts, "{unknown} and {3} and {name");
	/* Key held in the data. */
	check_opts("{{t key name=user.name n=count}}", data, &topts,
	           "Hello Amina &amp; Co, you have 3 messages");
	check_opts("[{{t missing}}]", data, &topts, "[]");
	/* Arguments may use @ variables. */
	check_opts("{{#each list}}{{t \"ar.welcome\" name=@index}};{{/each}}", data, &topts,
	           "مرحبا 0;مرحبا 1;");
	check_opts("{{t \"ar.welcome\" name=.}}", "\"<x>\"", &topts, "مرحبا &lt;x&gt;");
}

static void test_t_missing_translation(void **state)
{
	const char *data = "{\"n\": 5}";

	(void)state;
	check_opts("{{t \"no.such.key\"}}", data, &topts, "no.such.key");
	check_opts("{{t \"<b>{n}</b>\" n=n}}", data, &topts, "&lt;b&gt;5&lt;/b&gt;");
	/* No translate function: keys are output as is. */
	check("{{t \"greet\"}}", data, "greet");
	check("{{t \"a {n} b\" n=n}}", data, "a 5 b");
	/* A bare {{t}} or {{url}} is a variable of that name. */
	check("{{t}}/{{url}}", "{\"t\": 1, \"url\": \"/x\"}", "1//x");
}

static void test_t_many_args(void **state)
{
	struct buf src = BUF_INIT;
	struct tmpl_set *set = tmpl_set_new();
	char err[256];

	(void)state;
	buf_adds(&src, "{{t \"{a0}{a31}\"");
	for (int i = 0; i < 32; i++)
		buf_addf(&src, " a%d=n", i);
	buf_adds(&src, "}}");
	assert_int_equal(tmpl_set_add(set, "ok", src.data, src.len, err, sizeof(err)), 0);
	check_render(set, "ok", "{\"n\": 7}", NULL, "77");
	buf_reset(&src);
	buf_adds(&src, "\n{{t \"k\"");
	for (int i = 0; i < 33; i++)
		buf_addf(&src, " a%d=n", i);
	buf_adds(&src, "}}");
	assert_int_equal(tmpl_set_add(set, "many", src.data, src.len, err, sizeof(err)), -1);
	assert_string_equal(err, "many:2: more than 32 arguments");
	buf_release(&src);
	tmpl_set_free(set);
}

static void test_url(void **state)
{
	const char *data = "{\"q\": \"مرحبا بكم\", \"mixed\": \"a b&c/d?e=é~._-\", \"n\": 12,"
	                   " \"o\": {}, \"xss\": \"\\\"><script>\"}";

	(void)state;
	check("{{url q}}", data, "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7%20%D8%A8%D9%83%D9%85");
	check("{{url mixed}}", data, "a%20b%26c%2Fd%3Fe%3D%C3%A9~._-");
	check("{{url n}}|{{url o}}|{{url none}}", data, "12||");
	check("<a href=\"/s?q={{url xss}}\">", data, "<a href=\"/s?q=%22%3E%3Cscript%3E\">");
	check("{{#each o}}{{else}}{{ url  q }}{{/each}}", data,
	      "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7%20%D8%A8%D9%83%D9%85");
}

static void test_content(void **state)
{
	struct tmpl_render_opts opts = {.content = "<main>hi</main>", .content_len = 15};
	struct tmpl_render_opts cut = {.content = "<p>xyz", .content_len = 3};

	(void)state;
	check_opts("<body>{{@content}}</body>", "{}", &opts, "<body><main>hi</main></body>");
	check_opts("<body>{{ @content }}</body>", "{}", &cut, "<body><p></body>");
	check("<body>{{@content}}</body>", "{}", "<body></body>");
}

static void test_output_limit(void **state)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out;
	char err[256];
	json_t *ctx = parse_json("{\"v\": \"<<<<\"}");

	(void)state;
	add_ok(set, "t", "abc\n{{v}}");
	buf_init(&out, 8);
	assert_int_equal(tmpl_render(set, "t", ctx, NULL, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "t:2: output larger than its maximum");
	assert_true(out.len <= 8);
	buf_release(&out);
	json_decref(ctx);
	tmpl_set_free(set);
}

/* ---- Parse errors ---- */

static void test_parse_errors(void **state)
{
	(void)state;
	check_error("a\n\n{{#if x}}\nb", "t:3: unclosed {{#if}}");
	check_error("{{#if a}}\n{{#each b}}\n{{/each}}", "t:1: unclosed {{#if}}");
	check_error("{{#if x}}\n{{/each}}",
	            "t:2: mismatched close tag {{/each}}: {{#if}} of line 1 is open");
	check_error("a\n{{/if}}", "t:2: mismatched close tag {{/if}}: no block is open");
	check_error("\n{{#with x}}{{/with}}", "t:2: unknown helper '#with'");
	check_error("{{#if x}}\n\n{{/with}}", "t:3: unknown helper '/with'");
	check_error("x\ny\n{{upper name}}", "t:3: unknown helper 'upper'");
	check_error("a\n{{}}", "t:2: empty tag");
	check_error("a\n{{ \n }}", "t:2: empty tag");
	check_error("a\nb {{name\n", "t:2: unterminated tag");
	check_error("{{!-- never closed }}", "t:1: unterminated tag");
	check_error("{{", "t:1: unterminated tag");
	check_error("\n{{a..b}}", "t:2: bad argument syntax 'a..b'");
	check_error("{{a.}}", "t:1: bad argument syntax 'a.'");
	check_error("{{.a}}", "t:1: bad argument syntax '.a'");
	check_error("{{a<b}}", "t:1: bad argument syntax 'a<b'");
	check_error("{{\"lit\"}}", "t:1: bad argument syntax '\"lit\"'");
	check_error("{{#if}}{{/if}}", "t:1: {{#if}} takes one argument");
	check_error("{{#each a b}}{{/each}}", "t:1: {{#each}} takes one argument");
	check_error("{{url a b}}", "t:1: {{url}} takes one argument");
	check_error("{{t \"k\" n}}", "t:1: bad argument syntax 'n'");
	check_error("{{t \"k\" =a}}", "t:1: bad argument syntax '=a'");
	check_error("{{t \"k\" n=}}", "t:1: bad argument syntax 'n='");
	check_error("{{t \"k\" n=a..b}}", "t:1: bad argument syntax 'a..b'");
	check_error("{{t \"k\" n=a n=b}}", "t:1: duplicate argument 'n'");
	check_error("{{t \"k}}", "t:1: bad argument syntax: unterminated string");
	check_error("{{t \"\"}}", "t:1: bad argument syntax '\"\"'");
	check_error("{{> }}", "t:1: {{>}} takes one template name");
	check_error("{{> a b}}", "t:1: {{>}} takes one template name");
	check_error("{{> a<b}}", "t:1: bad argument syntax 'a<b'");
	check_error("{{/if x}}", "t:1: bad close tag");
	check_error("{{@foo}}", "t:1: unknown variable '@foo'");
	check_error("{{{raw}}}", "t:1: unescaped output is not supported");
	check_error("{{& raw}}", "t:1: unescaped output is not supported");
	check_error("\n{{else}}", "t:2: {{else}} outside a block");
	check_error("{{#if a}}{{else}}\n{{else}}{{/if}}",
	            "t:2: second {{else}} in {{#if}} of line 1");
}

static void test_parse_error_long_token(void **state)
{
	char src[256];
	char want[128];

	(void)state;
	/* Quoted tokens are cut to 40 bytes. */
	snprintf(src, sizeof(src), "{{#%0100d}}", 0);
	snprintf(want, sizeof(want), "t:1: unknown helper '#%040d'", 0);
	check_error(src, want);
}

static void test_nesting_limit(void **state)
{
	struct buf src = BUF_INIT;
	struct tmpl_set *set = tmpl_set_new();
	char err[256];

	(void)state;
	for (int i = 0; i < 64; i++)
		buf_adds(&src, "{{#if a}}");
	buf_adds(&src, "deep");
	for (int i = 0; i < 64; i++)
		buf_adds(&src, "{{/if}}");
	assert_int_equal(tmpl_set_add(set, "ok", src.data, src.len, err, sizeof(err)), 0);
	check_render(set, "ok", "{\"a\": 1}", NULL, "deep");
	buf_reset(&src);
	for (int i = 0; i < 65; i++)
		buf_adds(&src, i == 64 ? "\n{{#each a}}" : "{{#if a}}");
	assert_int_equal(tmpl_set_add(set, "deep", src.data, src.len, err, sizeof(err)), -1);
	assert_string_equal(err, "deep:2: blocks nested deeper than 64");
	/* A huge number of openings fails at the same place, without recursion. */
	buf_reset(&src);
	for (int i = 0; i < 100000; i++)
		buf_adds(&src, "{{#each a}}");
	assert_int_equal(tmpl_set_add(set, "huge", src.data, src.len, err, sizeof(err)), -1);
	assert_string_equal(err, "huge:1: blocks nested deeper than 64");
	buf_release(&src);
	tmpl_set_free(set);
}

static void test_error_keeps_set(void **state)
{
	struct tmpl_set *set = tmpl_set_new();
	char err[16];

	(void)state;
	add_ok(set, "t", "old");
	/* A small err buffer is truncated, not overrun. */
	assert_int_equal(tmpl_set_add(set, "t", "{{#if x}}", 9, err, sizeof(err)), -1);
	assert_string_equal(err, "t:1: unclosed {");
	assert_int_equal(tmpl_set_add(set, "t", "{{", 2, NULL, 0), -1);
	check_render(set, "t", "{}", NULL, "old");
	tmpl_set_free(set);
}

/* ---- Loading a directory ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_dir(const char *dir, const char *const *names)
{
	char path[512];

	for (; *names; names++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *names);
		unlink(path);
	}
	rmdir(dir);
}

static void test_load_dir(void **state)
{
	static const char *const files[] = {"layout.html", "home.html", "nav.html", "notes.txt",
	                                    NULL};
	char dir[] = "/tmp/tmpl_test_XXXXXX";
	struct tmpl_set *set = tmpl_set_new();
	struct tmpl_render_opts opts = {.content = "<p>body</p>", .content_len = 11};
	char err[512];

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "layout.html", "<html>{{> nav}}{{@content}}</html>");
	write_file(dir, "nav.html", "<nav>{{title}}</nav>");
	write_file(dir, "home.html", "{{#if x}}\n{{> nav}}{{/if}}");
	write_file(dir, "notes.txt", "{{ not a template");
	assert_int_equal(tmpl_set_load_dir(set, dir, err, sizeof(err)), 0);
	assert_true(tmpl_set_has(set, "layout"));
	assert_true(tmpl_set_has(set, "home"));
	assert_false(tmpl_set_has(set, "notes"));
	check_render(set, "layout", "{\"title\": \"<T>\"}", &opts,
	             "<html><nav>&lt;T&gt;</nav><p>body</p></html>");
	remove_dir(dir, files);
	tmpl_set_free(set);
}

static void test_load_dir_missing_partial(void **state)
{
	static const char *const files[] = {"a.html", "b.html", NULL};
	char dir[] = "/tmp/tmpl_test_XXXXXX";
	struct tmpl_set *set = tmpl_set_new();
	char err[512], want[600];

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "a.html", "ok");
	write_file(dir, "b.html", "one\n{{#each x}}\n{{> a}}{{else}}{{> sidebar}}{{/each}}");
	assert_int_equal(tmpl_set_load_dir(set, dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/b.html:3: unknown partial 'sidebar'", dir);
	assert_string_equal(err, want);
	/* The set is left as it was. */
	assert_false(tmpl_set_has(set, "a"));
	/* A partial already in the set counts. */
	add_ok(set, "sidebar", "side");
	assert_int_equal(tmpl_set_load_dir(set, dir, err, sizeof(err)), 0);
	assert_true(tmpl_set_has(set, "b"));
	remove_dir(dir, files);
	tmpl_set_free(set);
}

static void test_load_dir_errors(void **state)
{
	static const char *const files[] = {"bad.html", NULL};
	char dir[] = "/tmp/tmpl_test_XXXXXX";
	struct tmpl_set *set = tmpl_set_new();
	char err[512], want[600];

	(void)state;
	assert_int_equal(tmpl_set_load_dir(set, "/nonexistent/tmpl", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/tmpl: No such file or directory");
	assert_non_null(mkdtemp(dir));
	write_file(dir, "bad.html", "<p>\n{{#each items}}\n</p>");
	assert_int_equal(tmpl_set_load_dir(set, dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/bad.html:2: unclosed {{#each}}", dir);
	assert_string_equal(err, want);
	assert_false(tmpl_set_has(set, "bad"));
	remove_dir(dir, files);
	tmpl_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_escape_five),
	        cmocka_unit_test(test_escape_full_buffer),
	        cmocka_unit_test(test_xss_inert),
	        cmocka_unit_test(test_value_types),
	        cmocka_unit_test(test_dotted_lookup),
	        cmocka_unit_test(test_not_nul_terminated),
	        cmocka_unit_test(test_each),
	        cmocka_unit_test(test_each_nested),
	        cmocka_unit_test(test_scope_fallback),
	        cmocka_unit_test(test_truthiness),
	        cmocka_unit_test(test_comments_and_text),
	        cmocka_unit_test(test_partials),
	        cmocka_unit_test(test_partial_unknown_at_render),
	        cmocka_unit_test(test_partial_depth),
	        cmocka_unit_test(test_t),
	        cmocka_unit_test(test_t_missing_translation),
	        cmocka_unit_test(test_t_many_args),
	        cmocka_unit_test(test_url),
	        cmocka_unit_test(test_content),
	        cmocka_unit_test(test_output_limit),
	        cmocka_unit_test(test_parse_errors),
	        cmocka_unit_test(test_parse_error_long_token),
	        cmocka_unit_test(test_nesting_limit),
	        cmocka_unit_test(test_error_keeps_set),
	        cmocka_unit_test(test_load_dir),
	        cmocka_unit_test(test_load_dir_missing_partial),
	        cmocka_unit_test(test_load_dir_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
