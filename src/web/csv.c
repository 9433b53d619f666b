/* csv: RFC 4180 fields with formulas neutralised (csv.h). */
#include "web/csv.h"

#include <string.h>

int csv_formula(const char *s)
{
	return s && s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

int csv_field(struct buf *b, const char *s)
{
	int formula, rc = 0;

	if (!s)
		return 0;
	formula = csv_formula(s);
	if (!formula && !strpbrk(s, ",\"\r\n"))
		return buf_adds(b, s);
	rc |= buf_addc(b, '"');
	if (formula)
		rc |= buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			rc |= buf_addc(b, '"');
		rc |= buf_addc(b, *s);
	}
	rc |= buf_addc(b, '"');
	return rc ? -1 : 0;
}

int csv_sep(struct buf *b)
{
	return buf_addc(b, ',');
}

int csv_end(struct buf *b)
{
	return buf_adds(b, "\r\n");
}

int csv_record(struct buf *b, const char *const *fields, int n)
{
	for (int i = 0; i < n; i++)
		if ((i && csv_sep(b) < 0) || csv_field(b, fields[i]) < 0)
			return -1;
	return csv_end(b);
}
