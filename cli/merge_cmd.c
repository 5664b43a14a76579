/* merge_cmd.c: `arenaprof merge [-f] -o OUT.db IN.db...`: options, open and check every input,
 * create the output, merge every input in one transaction, and remove the partial output on any
 * error. The tables are merged in merge_tables.c / merge_stacks.c, the meta in merge_meta.c. */
#define _GNU_SOURCE
#include "analyzer.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "an_cli.h"
#include "an_db.h"
#include "an_util.h"
#include "merge.h"
#include "profile_db.h"

static const char merge_usage[] = "usage: arenaprof merge [-f] -o OUT.db IN.db [IN.db...]";

static int usage_error(const char *fmt, const char *arg)
{
	return an_usage_error(merge_usage, fmt, arg);
}

/* Refuses an output that is one of the inputs (-f would truncate it before it is read). */
static int output_is_input(const char *out, char **paths, int n)
{
	struct stat so, si;
	int i;

	if (stat(out, &so) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (stat(paths[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
			an_err("%s is also an input; merge into a new file", out);
			return 1;
		}
	}
	return 0;
}

static int merge_all(const char *out_path, int force, sqlite3 **in, char **paths, int n)
{
	char err[512];
	sqlite3 *out = NULL;
	int k;

	if (ap_db_create(out_path, force, &out, err, sizeof(err))) {
		an_err("%s", err);
		return -1;
	}
	sqlite3_busy_timeout(out, 2000);
	if (merge_exec(out, out_path, "BEGIN IMMEDIATE") || merge_setup(out, out_path))
		goto fail;
	for (k = 0; k < n; k++)
		if (merge_input(out, out_path, in[k], paths[k], k))
			goto fail;
	if (merge_meta_write(out, out_path, in, paths, n) || merge_exec(out, out_path, "COMMIT"))
		goto fail;
	if (sqlite3_close(out) != SQLITE_OK) {
		an_err("cannot close %s: %s", out_path, sqlite3_errmsg(out));
		out = NULL;
		goto fail;
	}
	return 0;
fail:
	if (out) {
		sqlite3_exec(out, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close_v2(out);
	}
	ap_db_remove(out_path);
	return -1;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "force", no_argument, NULL, 'f' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *out_path = NULL;
	sqlite3 **in;
	char **paths;
	int force = 0, c, n, i, rc = 1;

	optind = 0; /* glibc: reinitialize */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			printf("%s\n", merge_usage);
			return 0;
		case ':':
			return usage_error("option %s needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (!out_path)
		return usage_error("%s", "no output given (-o OUT.db)");
	if (optind >= argc)
		return usage_error("%s", "no input profile given");
	n = argc - optind;
	paths = argv + optind;
	if (output_is_input(out_path, paths, n))
		return 1;
	in = calloc((size_t)n, sizeof(*in));
	if (!in) {
		an_err("out of memory");
		return 1;
	}
	for (i = 0; i < n; i++)
		if (an_db_open(paths[i], &in[i]))
			goto done;
	if (merge_meta_check(in, paths, n))
		goto done;
	if (merge_all(out_path, force, in, paths, n) == 0)
		rc = 0;
done:
	for (i = 0; i < n; i++)
		an_db_close(in[i]);
	free(in);
	return rc;
}
