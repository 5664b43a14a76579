/* commands.c: `arenaprof report` and `arenaprof folded`: options, then open the profile, read
 * everything, and only then write the output (see analyzer.h). */
#define _GNU_SOURCE
#include "analyzer.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "an_cli.h"
#include "an_db.h"
#include "an_util.h"
#include "candidates.h"
#include "folded.h"
#include "report.h"

static const char report_usage[] =
	"usage: arenaprof report [--json] [-n N|--top N] " AN_WRAP_USAGE " [-o FILE] DB";
static const char folded_usage[] =
	"usage: arenaprof folded [--metric count|bytes|cpu|alloc-cpu] [-o FILE] DB";

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "top", required_argument, NULL, 'n' },
					      { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      AN_WRAP_OPTIONS,
					      { NULL, 0, NULL, 0 } };
	const char *out_path = NULL, *path;
	struct an_wrap_opts wrap = { 0 };
	struct an_report r;
	int json = 0, c, rc;
	long top = -1;
	sqlite3 *db;
	FILE *f;

	an_getopt_reset();
	while ((c = getopt_long(argc, argv, ":jn:o:h", opts, NULL)) != -1) {
		if ((rc = an_wrap_option(report_usage, c, optarg, &wrap)) != 0) {
			if (rc > 0)
				continue;
			an_wrap_opts_free(&wrap);
			return 2;
		}
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'n':
			if ((rc = an_parse_top(report_usage, optarg, &top)) != 0)
				goto usage;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			printf("%s\n", report_usage);
			an_wrap_opts_free(&wrap);
			return 0;
		default:
			rc = an_bad_option(report_usage, argv, c);
			goto usage;
		}
	}
	if ((rc = an_get_db(report_usage, argc, argv, &path)) != 0)
		goto usage;
	if (top < 0)
		top = json ? 0 : 20; /* JSON lists every site unless --top is given */

	if (an_db_open(path, &db)) {
		an_wrap_opts_free(&wrap);
		return 1;
	}
	rc = an_report_load(db, path, &wrap, &r);
	an_wrap_opts_free(&wrap);
	an_db_close(db);
	if (rc)
		return 1;

	rc = 1;
	f = an_out_open(out_path);
	if (f) {
		if (json) {
			if (report_json(f, &r.info, &r.sites, &r.cands, &r.go, (size_t)top))
				an_err("internal error: malformed JSON");
			else
				rc = 0;
		} else {
			report_text(f, path, &r.info, &r.sites, &r.cands, &r.go, (size_t)top);
			rc = 0;
		}
		if (an_out_close(f, out_path))
			rc = 1;
	}
	an_report_free(&r);
	return rc;
usage:
	an_wrap_opts_free(&wrap);
	return rc;
}

int cmd_folded(int argc, char **argv)
{
	static const struct option opts[] = { { "metric", required_argument, NULL, 'm' },
					      { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	enum folded_metric metric = FOLDED_COUNT;
	const char *out_path = NULL, *path;
	struct folded lines;
	sqlite3 *db;
	int c, rc;
	FILE *f;

	an_getopt_reset();
	while ((c = getopt_long(argc, argv, ":m:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "count") == 0)
				metric = FOLDED_COUNT;
			else if (strcmp(optarg, "bytes") == 0)
				metric = FOLDED_BYTES;
			else if (strcmp(optarg, "cpu") == 0)
				metric = FOLDED_CPU;
			else if (strcmp(optarg, "alloc-cpu") == 0)
				metric = FOLDED_ALLOC_CPU;
			else
				return an_usage_error(folded_usage,
						      "--metric is count, bytes, cpu or alloc-cpu, "
						      "not '%s'",
						      optarg);
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			printf("%s\n", folded_usage);
			return 0;
		default:
			return an_bad_option(folded_usage, argv, c);
		}
	}
	if ((rc = an_get_db(folded_usage, argc, argv, &path)) != 0)
		return rc;

	if (an_db_open(path, &db))
		return 1;
	rc = folded_load_metric(db, path, metric, &lines);
	an_db_close(db);
	if (rc)
		return 1;
	rc = 1;
	f = an_out_open(out_path);
	if (f) {
		folded_write(f, &lines);
		rc = an_out_close(f, out_path) ? 1 : 0;
	}
	folded_free(&lines);
	return rc;
}
