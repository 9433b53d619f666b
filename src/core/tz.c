/* tz: TZif files (RFC 8536) and POSIX TZ strings; see tz.h. */
#include "core/tz.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/xalloc.h"

#define HEADER_LEN 44
#define DAY 86400

/* ---- Names --------------------------------------------------------------------------- */

static int name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '+' || c == '-';
}

int tz_name_ok(const char *name)
{
	size_t n, seg = 0;

	if (!name || !*name)
		return 0;
	n = strlen(name);
	if (n > TZ_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '/') {
			if (seg == 0)
				return 0; /* leading '/' or "//" */
			seg = 0;
		} else if (name_char(name[i])) {
			seg++;
		} else {
			return 0;
		}
	}
	return seg > 0; /* no trailing '/' */
}

/* ---- Calendar ----------------------------------------------------------------------- */

/* Days since 1970-01-01 (Howard Hinnant's days_from_civil). */
int64_t tz_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void tz_civil(int64_t t, int32_t offset, struct tz_civil *out)
{
	int64_t s = t + offset;
	int64_t days = s >= 0 ? s / DAY : -((-s + DAY - 1) / DAY);
	int64_t secs = s - days * DAY;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	out->year = (int)(yoe + era * 400 + (m <= 2));
	out->month = (int)m;
	out->day = (int)d;
	out->hour = (int)(secs / 3600);
	out->minute = (int)(secs / 60 % 60);
	out->second = (int)(secs % 60);
	out->weekday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* ---- POSIX TZ strings (the footer) ---------------------------------------------------- */

struct cursor {
	const char *p, *end;
};

static int at(struct cursor *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* An abbreviation: 3+ letters, or <...> of letters, digits, '+' and '-'. */
static int posix_abbr(struct cursor *c, char out[TZ_ABBR_MAX])
{
	size_t n = 0;

	if (at(c, '<')) {
		c->p++;
		while (c->p < c->end &&
		       (is_alpha(*c->p) || is_digit(*c->p) || *c->p == '+' || *c->p == '-')) {
			if (n + 1 >= TZ_ABBR_MAX)
				return -1;
			out[n++] = *c->p++;
		}
		if (!at(c, '>'))
			return -1;
		c->p++;
	} else {
		while (c->p < c->end && is_alpha(*c->p)) {
			if (n + 1 >= TZ_ABBR_MAX)
				return -1;
			out[n++] = *c->p++;
		}
	}
	out[n] = '\0';
	return n >= 3 ? 0 : -1;
}

static int posix_number(struct cursor *c, int max, int *out)
{
	int v = 0, digits = 0;

	while (c->p < c->end && is_digit(*c->p) && digits < 4) {
		v = v * 10 + (*c->p++ - '0');
		digits++;
	}
	if (!digits || v > max)
		return -1;
	*out = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] with hours up to max_h: seconds, with its sign. */
static int posix_time(struct cursor *c, int max_h, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;

	if (at(c, '+') || at(c, '-'))
		sign = *c->p++ == '-' ? -1 : 1;
	if (posix_number(c, max_h, &h) < 0)
		return -1;
	if (at(c, ':')) {
		c->p++;
		if (posix_number(c, 59, &m) < 0)
			return -1;
		if (at(c, ':')) {
			c->p++;
			if (posix_number(c, 59, &s) < 0)
				return -1;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return 0;
}

static int posix_date(struct cursor *c, struct tz_date *d)
{
	*d = (struct tz_date){.secs = 7200}; /* 02:00 unless said */
	if (at(c, 'J')) {
		c->p++;
		d->kind = 'J';
		if (posix_number(c, 365, &d->day) < 0 || d->day < 1)
			return -1;
	} else if (at(c, 'M')) {
		c->p++;
		d->kind = 'M';
		if (posix_number(c, 12, &d->month) < 0 || d->month < 1 || !at(c, '.'))
			return -1;
		c->p++;
		if (posix_number(c, 5, &d->week) < 0 || d->week < 1 || !at(c, '.'))
			return -1;
		c->p++;
		if (posix_number(c, 6, &d->day) < 0)
			return -1;
	} else {
		d->kind = 'D';
		if (posix_number(c, 365, &d->day) < 0)
			return -1;
	}
	if (at(c, '/')) {
		c->p++;
		return posix_time(c, 167, &d->secs);
	}
	return 0;
}

/* Parses a TZ string such as "EST5EDT,M3.2.0,M11.1.0" or "<+08>-8". */
static int posix_parse(const char *s, size_t n, struct tz_posix *out)
{
	struct cursor c = {s, s + n};
	int32_t off;

	*out = (struct tz_posix){0};
	if (posix_abbr(&c, out->std.abbr) < 0 || posix_time(&c, 24, &off) < 0)
		return -1;
	out->std.offset = -off; /* POSIX counts west of UTC */
	out->present = 1;
	if (c.p == c.end)
		return 0;
	if (posix_abbr(&c, out->dst.abbr) < 0)
		return -1;
	out->has_dst = 1;
	out->dst.isdst = 1;
	out->dst.offset = out->std.offset + 3600;
	if (!at(&c, ',') && c.p < c.end) {
		if (posix_time(&c, 24, &off) < 0)
			return -1;
		out->dst.offset = -off;
	}
	if (!at(&c, ','))
		return -1; /* we need the rules (no default "posixrules" file) */
	c.p++;
	if (posix_date(&c, &out->start) < 0 || !at(&c, ','))
		return -1;
	c.p++;
	if (posix_date(&c, &out->end) < 0)
		return -1;
	return c.p == c.end ? 0 : -1;
}

/* Local seconds since the epoch of rule date d in year y (at its time). */
static int64_t rule_local(int y, const struct tz_date *d)
{
	int64_t day;

	if (d->kind == 'J') {
		day = tz_days_from_civil(y, 1, 1) + d->day - 1;
		if (is_leap(y) && d->day >= 60)
			day++;
	} else if (d->kind == 'D') {
		day = tz_days_from_civil(y, 1, 1) + d->day;
	} else {
		int64_t first = tz_days_from_civil(y, d->month, 1);
		int wd1 = (int)(((first % 7) + 11) % 7); /* weekday of the 1st */
		int dom = 1 + (d->day - wd1 + 7) % 7 + (d->week - 1) * 7;
		while (dom > month_days(y, d->month))
			dom -= 7;
		day = first + dom - 1;
	}
	return day * DAY + d->secs;
}

static const struct tz_type *posix_type_at(const struct tz_posix *p, int64_t t)
{
	struct tz_civil cv;
	int64_t start, end;
	int dst;

	if (!p->has_dst)
		return &p->std;
	tz_civil(t, p->std.offset, &cv);
	start = rule_local(cv.year, &p->start) - p->std.offset;
	end = rule_local(cv.year, &p->end) - p->dst.offset;
	if (start < end)
		dst = t >= start && t < end;
	else /* southern hemisphere: summer spans the new year */
		dst = !(t >= end && t < start);
	return dst ? &p->dst : &p->std;
}

/* ---- TZif ------------------------------------------------------------------------------ */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct header {
	char version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int read_header(const uint8_t *p, size_t len, struct header *h)
{
	if (len < HEADER_LEN || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = (char)p[4];
	if (h->version != 0 && h->version != '2' && h->version != '3' && h->version != '4')
		return -1;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->typecnt == 0 || h->typecnt > TZ_MAX_TYPES || h->charcnt == 0 ||
	    h->charcnt > TZ_MAX_CHARS || h->timecnt > TZ_MAX_TIMES || h->leapcnt > 1000 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return -1;
	return 0;
}

/* Bytes of the data block after a header, with times of tsize bytes. */
static size_t block_len(const struct header *h, size_t tsize)
{
	return h->timecnt * tsize + h->timecnt + h->typecnt * 6 + h->charcnt +
	       h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static int read_block(const uint8_t *p, const struct header *h, size_t tsize, struct tz *z)
{
	const uint8_t *idx = p + h->timecnt * tsize, *types = idx + h->timecnt;
	const uint8_t *chars = types + h->typecnt * 6;

	if (h->leapcnt)
		return -1; /* leap seconds: not UTC */
	z->ntimes = (int)h->timecnt;
	z->ntypes = (int)h->typecnt;
	z->times = xcalloc(h->timecnt + 1, sizeof(*z->times));
	z->idx = xcalloc(h->timecnt + 1, 1);
	z->types = xcalloc(h->typecnt, sizeof(*z->types));
	for (uint32_t i = 0; i < h->timecnt; i++) {
		z->times[i] = tsize == 8 ? be64(p + i * 8) : (int32_t)be32(p + i * 4);
		z->idx[i] = idx[i];
		if (idx[i] >= h->typecnt || (i > 0 && z->times[i] <= z->times[i - 1]))
			return -1;
	}
	for (uint32_t i = 0; i < h->typecnt; i++) {
		const uint8_t *t = types + i * 6;
		int32_t off = (int32_t)be32(t);
		const char *abbr;
		size_t n;
		if (off == INT32_MIN || off < -25 * 3600 || off > 26 * 3600 || t[4] > 1 ||
		    t[5] >= h->charcnt)
			return -1;
		abbr = (const char *)chars + t[5];
		n = strnlen(abbr, h->charcnt - t[5]);
		if (n == h->charcnt - t[5] || n >= TZ_ABBR_MAX)
			return -1; /* not terminated within the block, or too long */
		z->types[i].offset = off;
		z->types[i].isdst = t[4];
		memcpy(z->types[i].abbr, abbr, n);
		z->types[i].abbr[n] = '\0';
	}
	return 0;
}

static int read_footer(const uint8_t *p, size_t len, struct tz *z)
{
	const uint8_t *nl;

	if (len < 2 || p[0] != '\n')
		return -1;
	nl = memchr(p + 1, '\n', len - 1);
	if (!nl || (size_t)(nl - p) > TZ_FOOTER_MAX)
		return -1;
	if (nl == p + 1)
		return 0; /* empty: nothing after the last transition */
	return posix_parse((const char *)p + 1, (size_t)(nl - p - 1), &z->footer);
}

int tz_parse(const uint8_t *data, size_t len, struct tz *out)
{
	struct header h;
	size_t off = 0, n;

	memset(out, 0, sizeof(*out));
	if (len > TZ_FILE_MAX || read_header(data, len, &h) < 0)
		return TZ_CORRUPT;
	n = block_len(&h, 4);
	if (len - HEADER_LEN < n)
		return TZ_CORRUPT;
	if (h.version == 0) {
		if (read_block(data + HEADER_LEN, &h, 4, out) < 0)
			goto corrupt;
		return TZ_OK;
	}
	off = HEADER_LEN + n;
	if (read_header(data + off, len - off, &h) < 0)
		return TZ_CORRUPT;
	off += HEADER_LEN;
	n = block_len(&h, 8);
	if (len - off < n || read_block(data + off, &h, 8, out) < 0 ||
	    read_footer(data + off + n, len - off - n, out) < 0)
		goto corrupt;
	return TZ_OK;
corrupt:
	tz_free(out);
	return TZ_CORRUPT;
}

void tz_free(struct tz *z)
{
	free(z->times);
	free(z->idx);
	free(z->types);
	z->times = NULL;
	z->idx = NULL;
	z->types = NULL;
	z->ntimes = z->ntypes = 0;
}

int tz_load_dir(const char *dir, const char *name, struct tz *out)
{
	struct buf path = BUF_INIT, data;
	char err[256];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!tz_name_ok(name))
		return TZ_BAD_NAME;
	buf_addf(&path, "%s/%s", dir, name);
	buf_init(&data, TZ_FILE_MAX);
	if (file_read(buf_str(&path), &data, err, sizeof(err)) < 0)
		rc = data.len ? TZ_CORRUPT : TZ_NOT_FOUND;
	else
		rc = tz_parse((const uint8_t *)buf_str(&data), data.len, out);
	if (rc == TZ_OK) {
		memcpy(out->name, name, strlen(name) + 1);
	}
	buf_release(&path);
	buf_release(&data);
	return rc;
}

int tz_load(const char *name, struct tz *out)
{
	return tz_load_dir(TZ_DIR, name, out);
}

/* ---- Offsets ------------------------------------------------------------------------- */

static const struct tz_type *type_at(const struct tz *z, int64_t t)
{
	int lo = 0, hi = z->ntimes - 1;

	if (z->ntimes == 0 || t < z->times[0]) {
		if (z->ntimes == 0 && z->footer.present)
			return posix_type_at(&z->footer, t);
		return &z->types[0];
	}
	if (t >= z->times[z->ntimes - 1] && z->footer.present)
		return posix_type_at(&z->footer, t);
	while (lo < hi) { /* the last transition at or before t */
		int mid = lo + (hi - lo + 1) / 2;
		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return &z->types[z->idx[lo]];
}

int tz_offset_at(const struct tz *z, int64_t t, int32_t *offset, char *abbr)
{
	const struct tz_type *ty = type_at(z, t);

	*offset = ty->offset;
	if (abbr)
		memcpy(abbr, ty->abbr, TZ_ABBR_MAX);
	return TZ_OK;
}

int tz_local_to_utc(const struct tz *z, int y, int mo, int d, int h, int mi, int64_t *utc)
{
	int64_t local, best = 0;
	int32_t cand[3];
	int found = 0;

	if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h < 0 ||
	    h > 23 || mi < 0 || mi > 59)
		return TZ_BAD_TIME;
	local = tz_days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60;
	/* The offsets in effect around that moment: the instant is local - one of them. */
	tz_offset_at(z, local - 2 * DAY, &cand[0], NULL);
	tz_offset_at(z, local, &cand[1], NULL);
	tz_offset_at(z, local + 2 * DAY, &cand[2], NULL);
	for (int i = 0; i < 3; i++) {
		int32_t got;
		int64_t t = local - cand[i];
		tz_offset_at(z, t, &got, NULL);
		if (got == cand[i] && (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	if (!found)
		return TZ_GAP;
	*utc = best;
	return TZ_OK;
}
