/* libFuzzer target for app/config: arbitrary bytes loaded as a config file.
 * Loading must never crash or leak, must report errors exactly when it
 * returns -1, and must leave every setting within its documented bounds. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_bounds(const struct config *cfg)
{
	assert(cfg->listen_port >= 1);
	assert(memchr(cfg->listen_host, '\0', sizeof(cfg->listen_host)) != NULL);
	assert(cfg->threads >= 1 && cfg->threads <= 64);
	assert(cfg->max_header_bytes >= 1024 && cfg->max_header_bytes <= 1048576);
	assert(cfg->max_body_bytes >= 1024 && cfg->max_body_bytes <= 67108864);
	assert(cfg->request_timeout >= 1 && cfg->request_timeout <= 3600);
	assert(cfg->max_connections >= 16 && cfg->max_connections <= 65536);
	assert(cfg->db_pool_size >= 1 && cfg->db_pool_size <= 256);
	assert(strncmp(cfg->public_url, "http", 4) == 0);
	assert(cfg->db[0] && cfg->static_dir[0] && cfg->templates_dir[0]);
	assert(cfg->locale_dir[0] && cfg->data_dir[0]);
	assert(cfg->log_level >= LOG_DEBUG && cfg->log_level <= LOG_ERROR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct config_errors errs = {0};
	int rc;

	config_defaults(&cfg);
	rc = config_load_string(&cfg, "fuzz.ini", (const char *)data, size, &errs);
	assert((rc == 0) == (errs.count == 0));
	for (int i = 0; i < errs.count && i < 32; i++)
		assert(strncmp(errs.items[i].where, "fuzz.ini:", 9) == 0);
	check_bounds(&cfg);
	config_release(&cfg);
	return 0;
}
