/* log: one-line messages to stderr, "2026-11-29T02:00:00Z level: message".
 * The level is set once at start-up (log_set_level) before threads start. */
#ifndef KAFAAT_CORE_LOG_H
#define KAFAAT_CORE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* Returns 0 and sets *out for "debug", "info", "warn" or "error"; else -1. */
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
