/* format.h: human-readable numbers for the text report. */
#ifndef ARENAPROF_FORMAT_H
#define ARENAPROF_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#define FMT_BUF 48

/* 1234567 -> "1,234,567" */
const char *fmt_count(char buf[FMT_BUF], long long v);
/* 512 -> "512 B", 1536 -> "1.5 KiB", then MiB, GiB, TiB */
const char *fmt_bytes(char buf[FMT_BUF], double v);
/* 1500 -> "1.5 us", 2.5e6 -> "2.5 ms" */
const char *fmt_ns(char buf[FMT_BUF], long long ns);
/* CPU seconds: 1.5 -> "1.50 s", from a minute on as fmt_duration */
const char *fmt_cpu_seconds(char buf[FMT_BUF], double seconds);
/* 12.5 -> "12.5 s", 75 -> "1 min 15 s", 3700 -> "1 h 1 min" */
const char *fmt_duration(char buf[FMT_BUF], double seconds);

/* Writes s with control characters (C0, DEL, C1) replaced by '?', so a profile cannot send
 * terminal escapes, and invalid UTF-8 bytes by U+FFFD. */
void fput_clean(const char *s, FILE *f);
/* Display width of s as fput_clean writes it (one column per character). */
size_t clean_width(const char *s);

#endif
