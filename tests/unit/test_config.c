/* Unit tests for app/config: defaults, the INI file, errors with FILE:LINE,
 * the environment, config_set, config_describe and release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/config.h"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char path[128];
	(void)state;

	snprintf(path, sizeof(path), "%s/kafaat.ini", tmpdir);
	unlink(path);
	return rmdir(tmpdir);
}

/* Writes text to <tmpdir>/kafaat.ini and returns that path (static). */
static const char *write_file(const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kafaat.ini", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Loads text as a file named "t.ini" over the defaults. */
static int load_str(struct config *cfg, const char *text, struct config_errors *errs)
{
	config_defaults(cfg);
	memset(errs, 0, sizeof(*errs));
	return config_load_string(cfg, "t.ini", text, strlen(text), errs);
}

static void assert_error(const struct config_errors *errs, int i, const char *where,
                         const char *reason)
{
	assert_true(i < errs->count);
	assert_string_equal(errs->items[i].where, where);
	assert_string_equal(errs->items[i].reason, reason);
}

static void test_defaults(void **state)
{
	struct config cfg;
	(void)state;

	config_defaults(&cfg);
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8080);
	assert_int_equal(cfg.threads, 2);
	assert_int_equal(cfg.max_header_bytes, 16384);
	assert_int_equal(cfg.max_body_bytes, 1048576);
	assert_int_equal(cfg.request_timeout, 30);
	assert_int_equal(cfg.max_connections, 1024);
	assert_string_equal(cfg.public_url, "http://127.0.0.1:8080");
	assert_string_equal(cfg.db, "var/kafaat.db");
	assert_int_equal(cfg.db_pool_size, 4);
	assert_string_equal(cfg.static_dir, "static");
	assert_string_equal(cfg.templates_dir, "templates");
	assert_string_equal(cfg.locale_dir, "locale");
	assert_string_equal(cfg.data_dir, "data");
	assert_int_equal(cfg.log_level, LOG_INFO);
	config_release(&cfg);
}

static const char valid_ini[] = "\xEF\xBB\xBF; Kafaat test configuration\r\n"
                                "[server]\r\n"
                                "listen = 0.0.0.0:9090\r\n"
                                "  threads=8 ; indented, with a comment\n"
                                "max_header_bytes = 2048\n"
                                "max_body_bytes = 67108864\n"
                                "request_timeout = 5\n"
                                "max_connections = 16\n"
                                "public_url = https://kafaat.ma\n"
                                "\n"
                                "# another comment\n"
                                "[database]\n"
                                "url = postgres://kafaat@db/kafaat\n"
                                "pool_size = 256\n"
                                "[paths]\n"
                                "static = /srv/kafaat/static\n"
                                "templates = /srv/kafaat/templates\n"
                                "locale = /srv/kafaat/locale\n"
                                "data = /srv/kafaat/data\n"
                                "[log]\n"
                                "level = debug\n"
                                "[server]\n"; /* a section may be reopened */

static void test_valid_file(void **state)
{
	struct config cfg;
	struct config_errors errs = {0};
	const char *path = write_file(valid_ini);
	(void)state;

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, NULL, &errs), 0);
	assert_int_equal(errs.count, 0);
	assert_string_equal(cfg.listen_host, "0.0.0.0");
	assert_int_equal(cfg.listen_port, 9090);
	assert_int_equal(cfg.threads, 8);
	assert_int_equal(cfg.max_header_bytes, 2048);
	assert_int_equal(cfg.max_body_bytes, 67108864);
	assert_int_equal(cfg.request_timeout, 5);
	assert_int_equal(cfg.max_connections, 16);
	assert_string_equal(cfg.public_url, "https://kafaat.ma");
	assert_string_equal(cfg.db, "postgres://kafaat@db/kafaat");
	assert_int_equal(cfg.db_pool_size, 256);
	assert_string_equal(cfg.static_dir, "/srv/kafaat/static");
	assert_string_equal(cfg.templates_dir, "/srv/kafaat/templates");
	assert_string_equal(cfg.locale_dir, "/srv/kafaat/locale");
	assert_string_equal(cfg.data_dir, "/srv/kafaat/data");
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	config_release(&cfg);
}

/* The example in deploy/ is valid and shows the defaults. The tests run
 * from the top of the tree; elsewhere this test is skipped. */
static void test_example_file(void **state)
{
	static const char path[] = "deploy/kafaat.example.ini";
	struct config cfg, def;
	struct config_errors errs = {0};
	(void)state;

	if (access(path, R_OK) != 0)
		skip();
	config_defaults(&cfg);
	config_defaults(&def);
	assert_int_equal(config_load(&cfg, path, NULL, &errs), 0);
	assert_string_equal(cfg.listen_host, def.listen_host);
	assert_int_equal(cfg.listen_port, def.listen_port);
	assert_int_equal(cfg.threads, def.threads);
	assert_int_equal(cfg.max_header_bytes, def.max_header_bytes);
	assert_int_equal(cfg.max_body_bytes, def.max_body_bytes);
	assert_int_equal(cfg.request_timeout, def.request_timeout);
	assert_int_equal(cfg.max_connections, def.max_connections);
	assert_string_equal(cfg.public_url, def.public_url);
	assert_string_equal(cfg.db, def.db);
	assert_int_equal(cfg.db_pool_size, def.db_pool_size);
	assert_string_equal(cfg.static_dir, def.static_dir);
	assert_string_equal(cfg.templates_dir, def.templates_dir);
	assert_string_equal(cfg.locale_dir, def.locale_dir);
	assert_string_equal(cfg.data_dir, def.data_dir);
	assert_int_equal(cfg.log_level, def.log_level);
	config_release(&cfg);
	config_release(&def);
}

static void test_no_file(void **state)
{
	struct config cfg;
	struct config_errors errs = {0};
	(void)state;

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, NULL, NULL, &errs), 0);
	assert_int_equal(cfg.threads, 2);
	config_release(&cfg);
}

static void test_unknown_section(void **state)
{
	struct config cfg;
	struct config_errors errs;
	(void)state;

	assert_int_equal(
	        load_str(&cfg, "[server]\nthreads = 4\n[srever]\nthreads = 5\n[]\n", &errs), -1);
	assert_int_equal(errs.count, 2);
	assert_error(&errs, 0, "t.ini:3",
	             "unknown section [srever] (expected [server], [database], [paths], [log], "
	             "[mail], [auth], [needs], [proposals], [statistics], [search], [plans], "
	             "[api], [testing])");
	assert_error(
	        &errs, 1, "t.ini:5",
	        "unknown section [] (expected [server], [database], [paths], [log], [mail], "
	        "[auth], [needs], [proposals], [statistics], [search], [plans], [api], [testing])");
	assert_int_equal(cfg.threads, 4); /* keys of an unknown section are not applied */
	config_release(&cfg);
}

static void test_unknown_key(void **state)
{
	struct config cfg;
	struct config_errors errs;
	(void)state;

	assert_int_equal(load_str(&cfg, "[server]\n\nthread = 4\n[log]\nlevel=warn\n", &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_error(&errs, 0, "t.ini:3", "unknown key thread in [server]");
	assert_int_equal(cfg.log_level, LOG_WARN);
	config_release(&cfg);
}

static void test_key_outside_section(void **state)
{
	struct config cfg;
	struct config_errors errs;
	(void)state;

	assert_int_equal(load_str(&cfg, "threads = 4\ncolour = blue\n[server]\n", &errs), -1);
	assert_int_equal(errs.count, 2);
	assert_error(&errs, 0, "t.ini:1", "threads is outside any section: put it under [server]");
	assert_error(&errs, 1, "t.ini:2", "colour is outside any section");
	config_release(&cfg);
}

/* Loads "[section]\nline\n" and expects one error on line 2 with reason. */
static void check_bad_value(const char *section, const char *line, const char *reason)
{
	struct config cfg;
	struct config_errors errs;
	char text[512];

	snprintf(text, sizeof(text), "[%s]\n%s\n", section, line);
	assert_int_equal(load_str(&cfg, text, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_error(&errs, 0, "t.ini:2", reason);
	config_release(&cfg);
}

static void test_bad_values(void **state)
{
	(void)state;
	check_bad_value("server", "threads = 0",
	                "threads must be an integer from 1 to 64, not \"0\"");
	check_bad_value("server", "threads = 4x",
	                "threads must be an integer from 1 to 64, not \"4x\"");
	check_bad_value("server", "threads = +4",
	                "threads must be an integer from 1 to 64, not \"+4\"");
	check_bad_value("server", "threads =", "threads must be an integer from 1 to 64, not \"\"");
	check_bad_value(
	        "server", "max_body_bytes = 67108865",
	        "max_body_bytes must be an integer from 1024 to 67108864, not \"67108865\"");
	check_bad_value("server", "request_timeout = 99999999999999999999",
	                "request_timeout must be an integer from 1 to 3600, not "
	                "\"99999999999999999999\"");
	check_bad_value("server", "listen = 8080",
	                "listen must be HOST:PORT, e.g. 127.0.0.1:8080, not \"8080\"");
	check_bad_value("server", "listen = 127.0.0.1:70000",
	                "listen must be HOST:PORT, e.g. 127.0.0.1:8080, not \"127.0.0.1:70000\"");
	check_bad_value("server", "public_url = https://kafaat.ma/",
	                "public_url must be an http:// or https:// URL without a trailing slash, "
	                "e.g. https://kafaat.ma, not \"https://kafaat.ma/\"");
	check_bad_value("server", "public_url = ftp://kafaat.ma",
	                "public_url must be an http:// or https:// URL without a trailing slash, "
	                "e.g. https://kafaat.ma, not \"ftp://kafaat.ma\"");
	check_bad_value("database", "url =", "url must be a SQLite file path or a postgres:// URL");
	check_bad_value("database", "url = mysql://secret@db/x",
	                "url must be a SQLite file path or a postgres:// URL");
	check_bad_value("database", "pool_size = -1",
	                "pool_size must be an integer from 1 to 256, not \"-1\"");
	check_bad_value("paths", "templates =", "templates must not be empty");
	check_bad_value("log", "level = verbose",
	                "level must be debug, info, warn or error, not \"verbose\"");
}

static void test_long_value_is_shortened(void **state)
{
	(void)state;
	check_bad_value("server",
	                "threads = 1234567890123456789012345678901234567890123456789012345",
	                "threads must be an integer from 1 to 64, not "
	                "\"1234567890123456789012345678901234567890...\"");
	check_bad_value("log", "level = \x01\x7f",
	                "level must be debug, info, warn or error, not \"??\"");
}

static void test_url_forms(void **state)
{
	struct config_errors errs = {0};
	struct config cfg;
	(void)state;

	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "database.url", "postgresql://u@h/d", &errs), 0);
	assert_int_equal(config_set(&cfg, "database.url", "/var/lib/kafaat/k.db", &errs), 0);
	assert_int_equal(config_set(&cfg, "server.public_url", "http://localhost:8080", &errs), 0);
	assert_int_equal(config_set(&cfg, "server.public_url", "https://", &errs), -1);
	assert_int_equal(config_set(&cfg, "server.public_url", "https:///x", &errs), -1);
	assert_int_equal(config_set(&cfg, "server.public_url", "https://a b", &errs), -1);
	assert_int_equal(errs.count, 3);
	assert_string_equal(cfg.public_url, "http://localhost:8080");
	config_release(&cfg);
}

static void test_duplicate_key(void **state)
{
	struct config cfg;
	struct config_errors errs;
	(void)state;

	assert_int_equal(
	        load_str(&cfg, "[server]\nthreads = 4\n[log]\n[server]\nthreads = 6\n", &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_error(&errs, 0, "t.ini:5", "duplicate key threads (already set on line 2)");
	assert_int_equal(cfg.threads, 4);
	config_release(&cfg);
}

static void test_syntax_errors(void **state)
{
	struct config cfg;
	struct config_errors errs;
	(void)state;

	assert_int_equal(
	        load_str(&cfg, "[server\nthreads = 3\njust words\n[log]\nlevel = error", &errs),
	        -1);
	assert_int_equal(errs.count, 3);
	assert_error(&errs, 0, "t.ini:1", "syntax error: section header without a closing ]");
	/* The broken header opened no section. */
	assert_error(&errs, 1, "t.ini:2", "threads is outside any section: put it under [server]");
	assert_error(&errs, 2, "t.ini:3",
	             "syntax error: expected [section], key = value, or a comment");
	assert_int_equal(cfg.log_level, LOG_ERROR); /* last line, without a newline */
	config_release(&cfg);
}

static void test_bad_lines(void **state)
{
	static const char nul[] = "[log]\nlevel = d\0ebug\n";
	struct config cfg;
	struct config_errors errs;
	char text[300];
	(void)state;

	memset(text, 'x', sizeof(text));
	memcpy(text, "[log]\nlevel = ", 14);
	text[250] = '\n';
	memcpy(text + 251, "[server\n", 9);
	assert_int_equal(load_str(&cfg, text, &errs), -1);
	assert_int_equal(errs.count, 2);
	assert_error(&errs, 0, "t.ini:2", "line is longer than 198 bytes");
	assert_error(&errs, 1, "t.ini:3", "syntax error: section header without a closing ]");
	config_release(&cfg);

	config_defaults(&cfg);
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(config_load_string(&cfg, "t.ini", nul, sizeof(nul) - 1, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_error(&errs, 0, "t.ini:2", "line contains a NUL byte");
	config_release(&cfg);
}

static void test_unreadable_file(void **state)
{
	struct config cfg;
	struct config_errors errs = {0};
	char missing[128];
	(void)state;

	snprintf(missing, sizeof(missing), "%s/missing.ini", tmpdir);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, missing, NULL, &errs), -1);
	assert_int_equal(config_load(&cfg, tmpdir, NULL, &errs), -1);
	assert_int_equal(errs.count, 2);
	assert_error(&errs, 0, missing, "cannot open: No such file or directory");
	assert_error(&errs, 1, tmpdir, "cannot read: Is a directory");
	config_release(&cfg);
}

static void test_many_errors_together(void **state)
{
	static const char text[] = "[server]\n"
	                           "threads = many\n"
	                           "listen = 0.0.0.0:8000\n"
	                           "timeout = 5\n"
	                           "[cache]\n"
	                           "size = 1\n"
	                           "[log]\n"
	                           "level = loud\n"
	                           "oops\n"
	                           "[server]\n"
	                           "listen = 0.0.0.0:8001\n";
	struct config cfg;
	struct config_errors errs = {0};
	const char *path = write_file(text);
	char where[160];
	(void)state;

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, NULL, &errs), -1);
	assert_int_equal(errs.count, 6);
	snprintf(where, sizeof(where), "%s:2", path);
	assert_error(&errs, 0, where, "threads must be an integer from 1 to 64, not \"many\"");
	snprintf(where, sizeof(where), "%s:4", path);
	assert_error(&errs, 1, where, "unknown key timeout in [server]");
	snprintf(where, sizeof(where), "%s:5", path);
	assert_error(&errs, 2, where,
	             "unknown section [cache] (expected [server], [database], [paths], [log], "
	             "[mail], [auth], [needs], [proposals], [statistics], [search], [plans], "
	             "[api], [testing])");
	snprintf(where, sizeof(where), "%s:8", path);
	assert_error(&errs, 3, where, "level must be debug, info, warn or error, not \"loud\"");
	snprintf(where, sizeof(where), "%s:9", path);
	assert_error(&errs, 4, where,
	             "syntax error: expected [section], key = value, or a comment");
	snprintf(where, sizeof(where), "%s:11", path);
	assert_error(&errs, 5, where, "duplicate key listen (already set on line 3)");
	/* Good lines still apply. */
	assert_int_equal(cfg.listen_port, 8000);
	config_release(&cfg);
}

static void test_error_overflow(void **state)
{
	char text[2048] = "[server]\n";
	size_t len = strlen(text);
	struct config cfg;
	struct config_errors errs;
	(void)state;

	for (int i = 0; i < 40; i++, len += 9)
		memcpy(text + len, "bad line\n", 10);
	assert_int_equal(load_str(&cfg, text, &errs), -1);
	assert_int_equal(errs.count, 40);
	assert_string_equal(errs.items[31].where, "t.ini:33");
	config_release(&cfg);
}

static void test_env_overrides_file(void **state)
{
	char *env[] = {"PATH=/usr/bin",
	               "KAFAAT_SERVER_THREADS=16",
	               "KAFAAT_SERVER_LISTEN=localhost:9999",
	               "KAFAAT_DATABASE_URL=/tmp/env.db",
	               "KAFAAT_LOG_LEVEL=warn",
	               "KAFAAT_PATHS_DATA=/srv/data",
	               "KAFAATNOTOURS=1",
	               "KAFAAT_NO_EQUALS_SIGN",
	               NULL};
	struct config cfg;
	struct config_errors errs = {0};
	const char *path = write_file("[server]\nthreads = 4\nlisten = 0.0.0.0:8000\n"
	                              "max_connections = 32\n[log]\nlevel = error\n");
	(void)state;

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, env, &errs), 0);
	assert_int_equal(cfg.threads, 16);
	assert_string_equal(cfg.listen_host, "localhost");
	assert_int_equal(cfg.listen_port, 9999);
	assert_int_equal(cfg.max_connections, 32); /* from the file */
	assert_string_equal(cfg.db, "/tmp/env.db");
	assert_int_equal(cfg.log_level, LOG_WARN);
	assert_string_equal(cfg.data_dir, "/srv/data");
	config_release(&cfg);
}

static void test_env_errors(void **state)
{
	char *env[] = {"KAFAAT_SERVER_THREADS=lots",
	               "KAFAAT_DATABASE_URL=", "KAFAAT_SERVER_THREAD=4",
	               "KAFAAT_SERVER_MAX_BODY_BYTES=2048", NULL};
	struct config cfg;
	struct config_errors errs = {0};
	(void)state;

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, NULL, env, &errs), -1);
	assert_int_equal(errs.count, 3);
	assert_error(&errs, 0, "KAFAAT_SERVER_THREADS",
	             "threads must be an integer from 1 to 64, not \"lots\"");
	assert_error(&errs, 1, "KAFAAT_DATABASE_URL",
	             "url must be a SQLite file path or a postgres:// URL");
	assert_error(&errs, 2, "KAFAAT_SERVER_THREAD",
	             "unknown variable: no such setting (see docs/CONFIG.md)");
	assert_int_equal(cfg.threads, 2);
	assert_string_equal(cfg.db, "var/kafaat.db");
	assert_int_equal(cfg.max_body_bytes, 2048);
	config_release(&cfg);
}

static void test_config_set(void **state)
{
	struct config cfg;
	struct config_errors errs = {0};
	(void)state;

	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "server.listen", "0.0.0.0:80", &errs), 0);
	assert_int_equal(config_set(&cfg, "database.url", "k.db", &errs), 0);
	assert_int_equal(config_set(&cfg, "database.url", "k2.db", &errs), 0); /* frees k.db */
	assert_int_equal(config_set(&cfg, "server.nope", "1", &errs), -1);
	assert_int_equal(config_set(&cfg, "threads", "1", &errs), -1);
	assert_int_equal(config_set(&cfg, "server.threads", "65", &errs), -1);
	assert_int_equal(config_set(&cfg, "server.threads", "1", NULL), 0);
	assert_int_equal(config_set(&cfg, "server.threads", "0", NULL), -1);
	assert_string_equal(cfg.listen_host, "0.0.0.0");
	assert_int_equal(cfg.listen_port, 80);
	assert_string_equal(cfg.db, "k2.db");
	assert_int_equal(cfg.threads, 1);
	assert_int_equal(errs.count, 3);
	assert_error(&errs, 0, "server.nope", "unknown setting (see docs/CONFIG.md)");
	assert_error(&errs, 1, "threads", "unknown setting (see docs/CONFIG.md)");
	assert_error(&errs, 2, "server.threads",
	             "threads must be an integer from 1 to 64, not \"65\"");
	config_release(&cfg);
}

static void test_errors_append(void **state)
{
	struct config cfg;
	struct config_errors errs = {0};
	(void)state;

	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "server.x", "1", &errs), -1);
	/* A clean load returns 0 even when errs already holds errors. */
	assert_int_equal(config_load_string(&cfg, "a.ini", "[log]\nlevel=warn\n", 17, &errs), 0);
	assert_int_equal(config_load_string(&cfg, "b.ini", "[log]\nlevel=x\n", 14, &errs), -1);
	assert_int_equal(errs.count, 2);
	assert_string_equal(errs.items[1].where, "b.ini:2");
	config_release(&cfg);
}

static void test_release(void **state)
{
	struct config cfg;
	struct config_errors errs;
	(void)state;

	assert_int_equal(load_str(&cfg, valid_ini, &errs), 0);
	config_release(&cfg);
	assert_null(cfg.public_url);
	assert_null(cfg.db);
	assert_null(cfg.static_dir);
	assert_null(cfg.templates_dir);
	assert_null(cfg.locale_dir);
	assert_null(cfg.data_dir);
	config_release(&cfg); /* twice is harmless */
}

static void test_describe(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int rows = 0;
	(void)state;

	assert_non_null(out);
	config_describe(out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(strstr(text, "| Key | Environment variable | Default | Description |\n"));
	assert_non_null(
	        strstr(text, "| `server.listen` | `KAFAAT_SERVER_LISTEN` | `127.0.0.1:8080` |"));
	assert_non_null(strstr(text, "`KAFAAT_SERVER_MAX_HEADER_BYTES` | `16384` |"));
	assert_non_null(strstr(text, "From 1 to 64. |"));
	assert_non_null(strstr(text, "| `log.level` | `KAFAAT_LOG_LEVEL` | `info` |"));
	for (const char *p = text; (p = strstr(p, "\n| `")) != NULL; p++)
		rows++;
	assert_int_equal(rows, 43);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_valid_file),
	        cmocka_unit_test(test_example_file),
	        cmocka_unit_test(test_no_file),
	        cmocka_unit_test(test_unknown_section),
	        cmocka_unit_test(test_unknown_key),
	        cmocka_unit_test(test_key_outside_section),
	        cmocka_unit_test(test_bad_values),
	        cmocka_unit_test(test_long_value_is_shortened),
	        cmocka_unit_test(test_url_forms),
	        cmocka_unit_test(test_duplicate_key),
	        cmocka_unit_test(test_syntax_errors),
	        cmocka_unit_test(test_bad_lines),
	        cmocka_unit_test(test_unreadable_file),
	        cmocka_unit_test(test_many_errors_together),
	        cmocka_unit_test(test_error_overflow),
	        cmocka_unit_test(test_env_overrides_file),
	        cmocka_unit_test(test_env_errors),
	        cmocka_unit_test(test_config_set),
	        cmocka_unit_test(test_errors_append),
	        cmocka_unit_test(test_release),
	        cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
