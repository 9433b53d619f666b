/* tz: IANA time zones from the system's TZif files (RFC 8536), no library.
 *
 * tz_load reads /usr/share/zoneinfo/NAME (tzdata) and keeps the 64-bit data
 * block of version 2+ files (the 32-bit block of version 1 files) and the
 * footer's POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0"), which decides every
 * instant after the last transition. Every count is bounded and checked
 * against the file's length before a byte is read; a truncated or
 * inconsistent file is refused. Files with leap-second records ("right/"
 * zones) are refused: their clocks are not UTC.
 *
 * A struct tz owns its memory (tz_free) and is read-only once loaded, so
 * several threads may share it. Instants are Unix seconds (UTC); offsets
 * are seconds east of UTC (Paris in winter: 3600).
 */
#ifndef KAFAAT_CORE_TZ_H
#define KAFAAT_CORE_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 64     /* characters of a zone name */
#define TZ_ABBR_MAX 16     /* bytes of an abbreviation, with its NUL */
#define TZ_FILE_MAX 262144 /* bytes of a TZif file */
#define TZ_MAX_TIMES 4096  /* transitions kept */
#define TZ_MAX_TYPES 256   /* local time types (RFC 8536's bound) */
#define TZ_MAX_CHARS 512   /* bytes of abbreviations */
#define TZ_FOOTER_MAX 128  /* bytes of the footer's TZ string */

enum tz_rc {
	TZ_OK = 0,
	TZ_BAD_NAME = -1,  /* not a well-formed zone name */
	TZ_NOT_FOUND = -2, /* no such zone file */
	TZ_CORRUPT = -3,   /* not a TZif file we accept (truncated, inconsistent) */
	TZ_GAP = -4,       /* a local time that does not exist (clocks jumped forward) */
	TZ_BAD_TIME = -5,  /* a date or time out of range (31 February, 25:00) */
};

struct tz_type {
	int32_t offset; /* seconds east of UTC */
	int isdst;
	char abbr[TZ_ABBR_MAX];
};

/* One date of a POSIX TZ rule: Jn (1..365, no 29 February), n (0..365),
 * or Mm.w.d (month, week 1..5 with 5 the last, weekday 0 = Sunday); secs
 * is the local time of day of the change (v3 allows -167h..167h). */
struct tz_date {
	char kind; /* 'J', 'D' (zero-based day) or 'M' */
	int day, week, month;
	int32_t secs;
};

/* The footer: standard time, and summer time with its two rules. */
struct tz_posix {
	int present;
	struct tz_type std, dst;
	int has_dst;
	struct tz_date start, end;
};

struct tz {
	char name[TZ_NAME_MAX + 1];
	int ntimes, ntypes;
	int64_t *times; /* ntimes ascending transition instants */
	uint8_t *idx;   /* the type of each transition */
	struct tz_type *types;
	struct tz_posix footer;
};

/* Is name a well-formed zone name: segments of [A-Za-z0-9_+-] separated by
 * single '/', no leading or trailing '/', at most TZ_NAME_MAX characters?
 * ("..", "." and every other character are refused.) 1 or 0. */
int tz_name_ok(const char *name);

/* Loads zone name from TZ_DIR (tz_load) or dir (tz_load_dir) into *out.
 * TZ_OK, or a negative enum tz_rc (out then holds nothing to free). */
int tz_load(const char *name, struct tz *out);
int tz_load_dir(const char *dir, const char *name, struct tz *out);
/* Parses the bytes of a TZif file (the fuzzer's entry). TZ_OK or TZ_CORRUPT. */
int tz_parse(const uint8_t *data, size_t len, struct tz *out);
void tz_free(struct tz *z);

/* The offset and abbreviation (may be NULL; TZ_ABBR_MAX bytes) in effect at
 * instant t. TZ_OK (always, for a loaded zone). */
int tz_offset_at(const struct tz *z, int64_t t, int32_t *offset, char *abbr);

/* The instant of a local date and time (year 1..9999) in zone z: TZ_OK and
 * *utc; TZ_BAD_TIME for a date or time that is not one; TZ_GAP when the
 * clocks skip it; in an overlap (clocks turned back), the earlier of the
 * two instants. Transitions closer than two days apart are not expected. */
int tz_local_to_utc(const struct tz *z, int y, int mo, int d, int h, int mi, int64_t *utc);

/* The civil date and time of t + offset (proleptic Gregorian). */
struct tz_civil {
	int year, month, day, hour, minute, second, weekday; /* weekday 0 = Sunday */
};
void tz_civil(int64_t t, int32_t offset, struct tz_civil *out);
/* Days since 1970-01-01 of a civil date (no range check). */
int64_t tz_days_from_civil(int y, int m, int d);

#endif
