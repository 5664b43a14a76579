/* pprof_cmd.c: `arenaprof pprof [--metric allocs|bytes|cpu|alloc-cpu] -o FILE DB`: options, then
 * open the profile, read it whole into a pprof profile, and only then write the file (pprof.h). */
#define _GNU_SOURCE
#include "analyzer.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "an_cli.h"
#include "an_db.h"
#include "an_util.h"
#include "pprof.h"

static const char pprof_usage[] =
	"usage: arenaprof pprof [--metric allocs|bytes|cpu|alloc-cpu] -o FILE DB\n"
	"  writes a gzipped pprof profile (FILE '-': stdout); without --metric both\n"
	"  alloc_objects and alloc_space, as Go's heap profiles";

static int usage_error(const char *fmt, const char *arg)
{
	return an_usage_error(pprof_usage, fmt, arg);
}

static int parse_metric(const char *s, enum pprof_metric *m)
{
	static const struct {
		const char *name;
		enum pprof_metric metric;
	} names[] = { { "allocs", PPROF_ALLOCS },
		      { "bytes", PPROF_BYTES },
		      { "cpu", PPROF_CPU },
		      { "alloc-cpu", PPROF_ALLOC_CPU } };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*m = names[i].metric;
			return 0;
		}
	}
	return -1;
}

int cmd_pprof(int argc, char **argv)
{
	static const struct option opts[] = { { "metric", required_argument, NULL, 'm' },
					      { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	enum pprof_metric metric = PPROF_ALLOCS_AND_BYTES;
	const char *out_path = NULL, *path;
	struct pprof_profile prof;
	char opt[3] = { '-', 0, 0 };
	sqlite3 *db;
	int c, rc;

	optind = 0; /* glibc: 0 reinitializes, in case getopt already ran in this process */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_metric(optarg, &metric))
				return usage_error("--metric is allocs, bytes, cpu or alloc-cpu, "
						   "not '%s'",
						   optarg);
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			printf("%s\n", pprof_usage);
			return 0;
		default:
			opt[1] = (char)optopt;
			return usage_error(c == ':' ? "option %s needs an argument" :
						      "unknown option %s",
					   optopt ? opt : argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no profile database given");
	if (optind + 1 < argc)
		return usage_error("unexpected argument %s", argv[optind + 1]);
	if (!out_path || !*out_path)
		return usage_error("%s", "no output file given (-o FILE, '-' for stdout)");
	path = argv[optind];

	if (an_db_open(path, &db))
		return 1;
	rc = pprof_load(db, path, metric, &prof);
	an_db_close(db);
	if (rc)
		return 1;
	rc = pprof_write(&prof, out_path) ? 1 : 0;
	pprof_free(&prof);
	return rc;
}
