/* flamegraph_cmd.c: `arenaprof flamegraph`: options, the lines of `arenaprof folded` for the
 * metric (folded_load / folded_load_cpu), the tree, and the SVG written whole to a temporary file
 * next to the output, renamed over it at the end (no partial file after an error). */
#define _GNU_SOURCE
#include "analyzer.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "an_db.h"
#include "an_util.h"
#include "flamegraph.h"

static const char fg_usage[] = "usage: arenaprof flamegraph [--metric count|bytes|cpu|alloc-cpu] "
			       "[--title T] -o FILE DB   (FILE '-': stdout)";

static int usage_error(const char *fmt, const char *arg)
{
	fflush(stdout);
	fputs("arenaprof: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s\n", fg_usage);
	return 2;
}

static int write_stdout(const struct folded *lines, const struct fg_tree *t,
			const struct fg_options *o)
{
	if (fg_write_svg(stdout, lines, t, o) || fflush(stdout)) {
		an_err("cannot write the output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct svg_args {
	const struct folded *lines;
	const struct fg_tree *t;
	const struct fg_options *o;
};

static int write_svg(FILE *f, void *arg)
{
	const struct svg_args *a = arg;

	return fg_write_svg(f, a->lines, a->t, a->o);
}

static int write_file(const char *path, const struct folded *lines, const struct fg_tree *t,
		      const struct fg_options *o)
{
	struct svg_args a = { lines, t, o };

	return an_write_replace(path, write_svg, &a);
}

static const char *const default_titles[] = { "Allocations (count)", "Allocated bytes",
					      "CPU samples", "Allocator CPU samples" };
static const char *const units[] = { "allocations", "bytes", "samples", "samples" };

int cmd_flamegraph(int argc, char **argv)
{
	static const struct option opts[] = { { "metric", required_argument, NULL, 'm' },
					      { "title", required_argument, NULL, 't' },
					      { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	static const char *const metrics[] = { "count", "bytes", "cpu", "alloc-cpu" };
	enum folded_metric metric = FOLDED_COUNT;
	const char *out_path = NULL, *path;
	struct fg_options o = { NULL, NULL };
	struct folded lines;
	struct fg_tree tree;
	sqlite3 *db;
	int c, rc, i;

	optind = 0; /* glibc: 0 reinitializes, in case getopt already ran in this process */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:t:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			for (i = 0; i < 4 && strcmp(optarg, metrics[i]) != 0; i++)
				;
			if (i == 4)
				return usage_error("--metric is count, bytes, cpu or alloc-cpu, "
						   "not '%s'",
						   optarg);
			metric = (enum folded_metric)i;
			break;
		case 't':
			o.title = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			printf("%s\n", fg_usage);
			return 0;
		default: {
			char opt[3] = { '-', (char)optopt, '\0' };

			return usage_error(c == ':' ? "option %s needs an argument" :
						      "unknown option %s",
					   optopt ? opt : argv[optind - 1]);
		}
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no profile database given");
	if (optind + 1 < argc)
		return usage_error("unexpected argument %s", argv[optind + 1]);
	if (!out_path || !*out_path)
		return usage_error("%s", "no output file given (-o FILE, '-' for stdout)");
	path = argv[optind];
	if (!o.title)
		o.title = default_titles[metric];
	o.unit = units[metric];

	if (an_db_open(path, &db))
		return 1;
	rc = folded_load_metric(db, path, metric, &lines);
	an_db_close(db);
	if (rc)
		return 1;
	rc = 1;
	if (fg_build(&lines, path, &tree) == 0) {
		if (strcmp(out_path, "-") == 0)
			rc = write_stdout(&lines, &tree, &o) ? 1 : 0;
		else
			rc = write_file(out_path, &lines, &tree, &o) ? 1 : 0;
		fg_free(&tree);
	}
	folded_free(&lines);
	return rc;
}
