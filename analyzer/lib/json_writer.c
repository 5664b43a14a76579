/* json_writer.c: a small streaming JSON writer (RFC 8259), see json_writer.h. Strings: '"', '\'
 * and control characters are escaped, U+2028/U+2029 too (safe to embed in JavaScript), and every
 * byte that is not part of a well-formed UTF-8 sequence becomes U+FFFD, so the output is always
 * valid UTF-8 whatever the profile holds. */
#include "json_writer.h"
#include "utf8.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void jw_init(struct json_writer *w, FILE *f, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
}

static void newline_indent(struct json_writer *w)
{
	int i;

	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Before any value: the comma and indentation an array element needs, or nothing after a key. */
static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0) {
		if (w->count[0]++ > 0)
			w->err = 1; /* a second top-level value */
		return;
	}
	if (w->kind[w->depth] != '[') {
		w->err = 1; /* a value in an object without a key */
		return;
	}
	if (w->count[w->depth]++ > 0)
		fputc(',', w->f);
	newline_indent(w);
}

static void begin(struct json_writer *w, char kind)
{
	before_value(w);
	fputc(kind, w->f);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->err = 1;
		return;
	}
	w->depth++;
	w->kind[w->depth] = kind;
	w->count[w->depth] = 0;
}

static void end(struct json_writer *w, char kind)
{
	int had_values;

	if (w->depth == 0 || w->kind[w->depth] != kind || w->after_key) {
		w->err = 1;
		return;
	}
	had_values = w->count[w->depth] > 0;
	w->depth--;
	if (had_values)
		newline_indent(w);
	fputc(kind == '{' ? '}' : ']', w->f);
}

void jw_begin_object(struct json_writer *w)
{
	begin(w, '{');
}

void jw_end_object(struct json_writer *w)
{
	end(w, '{');
}

void jw_begin_array(struct json_writer *w)
{
	begin(w, '[');
}

void jw_end_array(struct json_writer *w)
{
	end(w, '[');
}

void jw_key(struct json_writer *w, const char *key)
{
	if (w->depth == 0 || w->kind[w->depth] != '{' || w->after_key) {
		w->err = 1;
		return;
	}
	if (w->count[w->depth]++ > 0)
		fputc(',', w->f);
	newline_indent(w);
	jw_write_escaped(w->f, key, strlen(key));
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_key = 1;
}

void jw_write_escaped(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;
	unsigned cp;

	fputc('"', f);
	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20) {
				fprintf(f, "\\u%04x", c);
				break;
			}
			n = utf8_seq(s + i, len - i, &cp);
			if (n == 0) {
				fputs("\\ufffd", f); /* one replacement per invalid byte */
				break;
			}
			if (cp == 0x2028 || cp == 0x2029)
				fprintf(f, "\\u%04x", cp);
			else
				fwrite(s + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

void jw_string_len(struct json_writer *w, const char *s, size_t len)
{
	before_value(w);
	if (!s)
		fputs("null", w->f);
	else
		jw_write_escaped(w->f, s, len);
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_string_len(w, s, s ? strlen(s) : 0);
}

void jw_int(struct json_writer *w, long long v)
{
	before_value(w);
	fprintf(w->f, "%lld", v);
}

void jw_double(struct json_writer *w, double v)
{
	char buf[40];
	const char *dp;

	before_value(w);
	if (!isfinite(v)) {
		fputs("null", w->f);
		return;
	}
	/* The shortest of %.15g / %.17g that reads back as the same double. */
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	/* JSON wants '.', whatever LC_NUMERIC the program runs with. */
	dp = localeconv()->decimal_point;
	if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
		char *p = strchr(buf, dp[0]);

		if (p)
			*p = '.';
	}
	fputs(buf, w->f);
}

void jw_bool(struct json_writer *w, int v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct json_writer *w)
{
	before_value(w);
	fputs("null", w->f);
}

void jw_key_double(struct json_writer *w, const char *key, int has, double v)
{
	jw_key(w, key);
	if (has)
		jw_double(w, v);
	else
		jw_null(w);
}

void jw_key_interval(struct json_writer *w, const char *key, int has, double lo, double hi)
{
	jw_key(w, key);
	if (!has) {
		jw_null(w);
		return;
	}
	jw_begin_array(w);
	jw_double(w, lo);
	jw_double(w, hi);
	jw_end_array(w);
}

int jw_finish(struct json_writer *w)
{
	if (w->depth != 0 || w->after_key || w->count[0] != 1)
		w->err = 1;
	fputc('\n', w->f);
	return w->err ? -1 : 0;
}
