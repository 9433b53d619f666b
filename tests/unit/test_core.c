/* Unit tests for core/: buffers, arena, strict parsing, UTF-8, TSV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/parse.h"
#include "core/tsv.h"
#include "core/utf8.h"

static void buf_grows_and_stays_terminated(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_addf(&b, "%d,", i % 10), 0);
	assert_int_equal(b.len, 2000);
	assert_int_equal(b.data[b.len], '\0');
	buf_reset(&b);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

static void buf_refuses_past_its_maximum(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345678"), 0);
	assert_int_equal(buf_addc(&b, 'x'), -1);
	assert_int_equal(buf_addf(&b, "%s", "y"), -1);
	assert_string_equal(buf_str(&b), "12345678");
	buf_release(&b);
}

static void buf_detach_hands_over(void **state)
{
	struct buf b = BUF_INIT;
	size_t n;

	(void)state;
	buf_adds(&b, "abc");
	char *s = buf_detach(&b, &n);
	assert_string_equal(s, "abc");
	assert_int_equal(n, 3);
	assert_int_equal(b.len, 0);
	free(s);
}

static int cleanups;
static void count_cleanup(void *p)
{
	(void)p;
	cleanups++;
}

static void arena_allocates_aligned_and_frees_all(void **state)
{
	struct arena a = ARENA_INIT;

	(void)state;
	for (int i = 1; i < 200; i++) {
		void *p = arena_alloc(&a, (size_t)i * 7);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 0xAB, (size_t)i * 7);
	}
	char *big = arena_zalloc(&a, 100000);
	assert_int_equal(big[99999], 0);
	assert_string_equal(arena_printf(&a, "%s-%d", "x", 42), "x-42");
	assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
	cleanups = 0;
	arena_defer(&a, count_cleanup, NULL);
	arena_defer(&a, count_cleanup, NULL);
	arena_free(&a);
	assert_int_equal(cleanups, 2);
	assert_null(a.head);
}

static void parse_int64_is_strict(void **state)
{
	int64_t v = 7;

	(void)state;
	assert_int_equal(parse_int64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int64("-9223372036854775808", INT64_MIN, 0, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(parse_int64("9223372036854775807", 0, INT64_MAX, &v), 0);
	const char *bad[] = {"",
	                     "-",
	                     "+1",
	                     " 1",
	                     "1 ",
	                     "1x",
	                     "0x10",
	                     "9223372036854775808",
	                     "-9223372036854775809",
	                     "101",
	                     "-1"};
	v = 7;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_int64(bad[i], 0, 100, &v), -1);
	assert_int_equal(v, 7);
}

static void parse_listen_accepts_host_port(void **state)
{
	char host[64];
	uint16_t port;

	(void)state;
	assert_int_equal(parse_listen("127.0.0.1:8080", host, &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(parse_listen("localhost:1", host, &port), 0);
	const char *bad[] = {"",
	                     ":80",
	                     "127.0.0.1",
	                     "127.0.0.1:",
	                     "127.0.0.1:0",
	                     "127.0.0.1:65536",
	                     "256.0.0.1:80",
	                     "1.2.3:80",
	                     "1.2.3.4.:80",
	                     "example.com:80",
	                     "1.2.3.4:80x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_listen(bad[i], host, &port), -1);
}

static void utf8_validation(void **state)
{
	(void)state;
	assert_true(utf8_valid("Santé الصحة 😀", strlen("Santé الصحة 😀")));
	assert_false(utf8_valid("\xC0\xAF", 2));         /* overlong '/' */
	assert_false(utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
	assert_false(utf8_valid("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
	assert_false(utf8_valid("\xE2\x82", 2));         /* truncated */
	assert_false(utf8_valid("\xFF", 1));
	assert_int_equal(utf8_length("Santé", 6), 5);
}

static int rows_seen;
static int count_row(void *ud, char **fields, int line, char *err, size_t errlen)
{
	(void)ud;
	(void)line;
	(void)err;
	(void)errlen;
	if (rows_seen == 0)
		assert_string_equal(fields[1], "الصحة");
	rows_seen++;
	return 0;
}

static const char *const cols[] = {"id", "name"};

static void tsv_reads_rows_and_reports_lines(void **state)
{
	char err[256];
	const char *ok = "\xEF\xBB\xBF# source: test\nid\tname\r\nhealth\tالصحة\nlaw\tالقانون\n";
	const char *bad_count = "id\tname\nhealth\tالصحة\nlaw\n";
	const char *bad_header = "id\tlabel\n";

	(void)state;
	rows_seen = 0;
	assert_int_equal(
	        tsv_parse("t.tsv", ok, strlen(ok), cols, 2, count_row, NULL, err, sizeof(err)), 2);
	assert_int_equal(rows_seen, 2);
	assert_int_equal(tsv_parse("t.tsv", bad_count, strlen(bad_count), cols, 2, count_row, NULL,
	                           err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t.tsv:3: 1 fields, expected 2");
	assert_int_equal(tsv_parse("t.tsv", bad_header, strlen(bad_header), cols, 2, count_row,
	                           NULL, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t.tsv:1: header must name the columns");
	assert_int_equal(
	        tsv_parse("t.tsv", "id\t\xFF\n", 5, cols, 2, count_row, NULL, err, sizeof(err)),
	        -1);
	assert_string_equal(err, "t.tsv: not UTF-8 text");
}

static void file_read_whole_and_bounded(void **state)
{
	char path[] = "/tmp/kafaat_file_XXXXXX", err[256];
	int fd = mkstemp(path);
	struct buf b;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	buf_init(&b, 10);
	assert_int_equal(file_read(path, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_str(&b), "0123456789");
	buf_release(&b);
	buf_init(&b, 9);
	assert_int_equal(file_read(path, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than 9 bytes"));
	buf_release(&b);
	unlink(path);
	assert_int_equal(file_read(path, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open: No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(buf_grows_and_stays_terminated),
	        cmocka_unit_test(buf_refuses_past_its_maximum),
	        cmocka_unit_test(buf_detach_hands_over),
	        cmocka_unit_test(arena_allocates_aligned_and_frees_all),
	        cmocka_unit_test(parse_int64_is_strict),
	        cmocka_unit_test(parse_listen_accepts_host_port),
	        cmocka_unit_test(utf8_validation),
	        cmocka_unit_test(tsv_reads_rows_and_reports_lines),
	        cmocka_unit_test(file_read_whole_and_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
