/* an_cli.c: the analyzer commands' shared command-line handling (see an_cli.h). */
#define _GNU_SOURCE
#include "an_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "site_fold.h"

void an_getopt_reset(void)
{
	optind = 0; /* glibc: 0 reinitializes, in case getopt already ran in this process */
	opterr = 0;
}

int an_usage_error(const char *usage, const char *fmt, const char *arg)
{
	fflush(stdout);
	fputs("arenaprof: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s\n", usage);
	return 2;
}

int an_bad_option(const char *usage, char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	char opt[3] = { '-', (char)optopt, '\0' };

	if (c == ':')
		return an_usage_error(usage, "option %s needs an argument", optopt ? opt : arg);
	return an_usage_error(usage, "unknown option %s", optopt ? opt : arg);
}

int an_parse_top(const char *usage, const char *arg, long *top)
{
	char *end;

	errno = 0;
	*top = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *top < 0)
		return an_usage_error(usage, "--top needs a number >= 0 (0: all), not '%s'", arg);
	return 0;
}

int an_get_db(const char *usage, int argc, char **argv, const char **db)
{
	if (optind >= argc)
		return an_usage_error(usage, "%s", "no profile database given");
	if (optind + 1 < argc)
		return an_usage_error(usage, "unexpected argument %s", argv[optind + 1]);
	*db = argv[optind];
	return 0;
}

int an_write_output(const char *path, int (*write)(FILE *f, void *arg), void *arg)
{
	if (strcmp(path, "-") != 0)
		return an_write_replace(path, write, arg);
	errno = EIO;
	if (write(stdout, arg) || fflush(stdout)) {
		an_err("cannot write the output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int an_wrap_option(const char *usage, int c, const char *arg, struct an_wrap_opts *o)
{
	if (c == AN_OPT_NO_WRAPPERS) {
		o->raw = 1;
		return 1;
	}
	if (c != AN_OPT_WRAPPER)
		return 0;
	if (an_wrap_opts_add(o, arg)) {
		an_usage_error(usage, "--wrapper needs a regular expression, not '%s'", arg);
		return -1;
	}
	return 1;
}
