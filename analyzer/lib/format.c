/* format.c: human-readable numbers for the text report (see format.h). */
#define _POSIX_C_SOURCE 200809L
#include "format.h"
#include "utf8.h"

#include <math.h>
#include <string.h>

const char *fmt_count(char buf[FMT_BUF], long long v)
{
	char digits[32], *out = buf;
	unsigned long long u;
	size_t n, i;

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	n = (size_t)snprintf(digits, sizeof(digits), "%llu", u);
	if (v < 0)
		*out++ = '-';
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			*out++ = ',';
		*out++ = digits[i];
	}
	*out = '\0';
	return buf;
}

const char *fmt_bytes(char buf[FMT_BUF], double v)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double a = fabs(v);
	int u = -1;

	if (a < 1024) {
		if (v == floor(v))
			snprintf(buf, FMT_BUF, "%.0f B", v);
		else
			snprintf(buf, FMT_BUF, "%.1f B", v);
		return buf;
	}
	while (a >= 1024 && u < 5) {
		a /= 1024;
		v /= 1024;
		u++;
	}
	/* Three significant digits: 1.23 KiB, 12.3 MiB, 123 GiB. */
	if (a < 9.995)
		snprintf(buf, FMT_BUF, "%.2f %s", v, units[u]);
	else if (a < 99.95)
		snprintf(buf, FMT_BUF, "%.1f %s", v, units[u]);
	else
		snprintf(buf, FMT_BUF, "%.0f %s", v, units[u]);
	return buf;
}

const char *fmt_ns(char buf[FMT_BUF], long long ns)
{
	if (ns < 1000)
		snprintf(buf, FMT_BUF, "%lld ns", ns);
	else if (ns < 1000000)
		snprintf(buf, FMT_BUF, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, FMT_BUF, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, FMT_BUF, "%.2f s", (double)ns / 1e9);
	return buf;
}

const char *fmt_cpu_seconds(char buf[FMT_BUF], double seconds)
{
	if (seconds < 60)
		snprintf(buf, FMT_BUF, "%.2f s", seconds);
	else
		fmt_duration(buf, seconds);
	return buf;
}

const char *fmt_duration(char buf[FMT_BUF], double s)
{
	if (s < 60) {
		snprintf(buf, FMT_BUF, "%.1f s", s);
	} else if (s < 3600) {
		long long t = llround(s);

		snprintf(buf, FMT_BUF, "%lld min %lld s", t / 60, t % 60);
	} else {
		long long t = llround(s / 60);

		snprintf(buf, FMT_BUF, "%lld h %lld min", t / 60, t % 60);
	}
	return buf;
}

void fput_clean(const char *str, FILE *f)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, len;
	unsigned cp;

	while (i < n) {
		len = utf8_seq(s + i, n - i, &cp);
		if (len == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			len = 1;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			fputc('?', f);
		} else {
			fwrite(s + i, 1, len, f);
		}
		i += len;
	}
}

size_t clean_width(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, len, w = 0;
	unsigned cp;

	while (i < n) {
		len = utf8_seq(s + i, n - i, &cp);
		i += len ? len : 1;
		w++;
	}
	return w;
}
