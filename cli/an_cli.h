/* an_cli.h: the command-line handling the analyzer's commands share: getopt's reset, usage errors
 * (a line "arenaprof: <reason>", then the usage; exit code 2), the one DB operand, and writing the
 * output file whole ('-': stdout). */
#ifndef ARENAPROF_AN_CLI_H
#define ARENAPROF_AN_CLI_H

#include <stdio.h>

/* Before getopt_long: resets its state (it may have run in this process) and silences it. */
void an_getopt_reset(void);

/* Prints "arenaprof: " fmt (with arg) and the usage on stderr; returns 2. */
int an_usage_error(const char *usage, const char *fmt, const char *arg);
/* getopt_long's failure c ('?' or ':'): the option that was unknown or missed its argument. */
int an_bad_option(const char *usage, char **argv, int c);
/* -n/--top N: 0 and *top (>= 0), or a usage error (2). */
int an_parse_top(const char *usage, const char *arg, long *top);
/* Exactly one DB operand after the options: 0 and *db, or a usage error (2). */
int an_get_db(const char *usage, int argc, char **argv, const char **db);

/* --wrapper REGEX and --no-wrappers, the options of every command that shows call sites (report,
 * html, diff; site_fold.h), as getopt_long codes, their option rows and their usage text. */
#define AN_OPT_WRAPPER 0x100
#define AN_OPT_NO_WRAPPERS 0x101
#define AN_WRAP_OPTIONS                                              \
	{ "wrapper", required_argument, NULL, AN_OPT_WRAPPER },      \
	{                                                            \
		"no-wrappers", no_argument, NULL, AN_OPT_NO_WRAPPERS \
	}
#define AN_WRAP_USAGE "[--wrapper REGEX]... [--no-wrappers]"
struct an_wrap_opts;
/* Handles getopt_long's code c when it is one of the two: 1 (handled), 0 (not one of them), or
 * -1 after a usage error (the command returns 2). */
int an_wrap_option(const char *usage, int c, const char *arg, struct an_wrap_opts *o);

/* write(f, arg) to stdout when path is "-", else through an_write_replace (a temporary file
 * renamed over path). 0, or -1 after an error message. */
int an_write_output(const char *path, int (*write)(FILE *f, void *arg), void *arg);

#endif
