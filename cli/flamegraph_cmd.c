/* flamegraph_cmd.c: `arenaprof flamegraph`: options, the lines of `arenaprof folded` for the
 * metric (folded_load_metric), the tree, and the SVG written whole to a temporary file next to
 * the output, renamed over it at the end (no partial file after an error). */
#define _GNU_SOURCE
#include "analyzer.h"

#include <getopt.h>
#include <string.h>

#include "an_cli.h"
#include "an_db.h"
#include "flamegraph.h"

static const char fg_usage[] = "usage: arenaprof flamegraph [--metric count|bytes|cpu|alloc-cpu] "
			       "[--title T] -o FILE DB   (FILE '-': stdout)";

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
	struct fg_options o = { NULL, NULL, NULL };
	struct folded lines;
	struct fg_tree tree;
	sqlite3 *db;
	int c, rc, i;

	an_getopt_reset();
	while ((c = getopt_long(argc, argv, ":m:t:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			for (i = 0; i < 4 && strcmp(optarg, metrics[i]) != 0; i++)
				;
			if (i == 4)
				return an_usage_error(fg_usage,
						      "--metric is count, bytes, cpu or alloc-cpu, "
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
		default:
			return an_bad_option(fg_usage, argv, c);
		}
	}
	if ((rc = an_get_db(fg_usage, argc, argv, &path)) != 0)
		return rc;
	if (!out_path || !*out_path)
		return an_usage_error(fg_usage, "%s",
				      "no output file given (-o FILE, '-' for stdout)");
	if (!o.title)
		o.title = fg_metric_title(metric);
	o.unit = fg_metric_unit(metric);

	if (an_db_open(path, &db))
		return 1;
	rc = folded_load_metric(db, path, metric, &lines);
	an_db_close(db);
	if (rc)
		return 1;
	rc = 1;
	if (fg_build(&lines, path, &tree) == 0) {
		struct svg_args a = { &lines, &tree, &o };

		rc = an_write_output(out_path, write_svg, &a) ? 1 : 0;
		fg_free(&tree);
	}
	folded_free(&lines);
	return rc;
}
