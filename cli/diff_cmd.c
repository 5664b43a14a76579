/* diff_cmd.c: `arenaprof diff [--json] [-n N|--top N] [-o FILE] BEFORE AFTER`: options, then both
 * profiles read the way `report` reads one (an_db_open: checks, one read transaction, quick_check;
 * then the info, the sites and the CPU samples), and only then the output (see diff.h). */
#define _GNU_SOURCE
#include "analyzer.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "an_cli.h"
#include "an_db.h"
#include "an_util.h"
#include "diff.h"
#include "site_fold.h"

static const char diff_usage[] = "usage: arenaprof diff [--json] [-n N|--top N] " AN_WRAP_USAGE
				 " [-o FILE] BEFORE.db AFTER.db";

/* Reads one profile completely, then closes it; 0, or -1 after an error message. */
static int load_profile(const char *path, const struct an_wrap_opts *wrap, int is_before,
			struct diff_profile *p)
{
	sqlite3 *db;

	memset(p, 0, sizeof(*p));
	p->path = path;
	if (an_db_open(path, &db))
		return -1;
	if (an_info_load(db, path, &p->info)) {
		an_db_close(db);
		return -1;
	}
	if (site_fold_load(db, path, wrap, &p->fold) ||
	    an_sites_load(db, path, &p->fold, &p->sites)) {
		site_fold_free(&p->fold);
		an_info_free(&p->info);
		an_db_close(db);
		return -1;
	}
	p->info.wrappers = p->fold.wrappers;
	p->info.nwrappers = p->fold.nwrappers;
	p->info.raw_sites = p->fold.raw;
	if (an_cpu_load(db, path, &p->fold, &p->info, &p->sites) ||
	    an_estimates_load(db, path, &p->info, &p->sites) ||
	    an_use_estimates(path, &p->info, &p->sites) ||
	    (is_before && diff_predict_before(db, path, &p->info, &p->sites, &p->pred))) {
		an_sites_free(&p->sites);
		site_fold_free(&p->fold);
		an_info_free(&p->info);
		an_db_close(db);
		return -1;
	}
	p->has_peak_rss = diff_peak_rss(db, &p->peak_rss_kib);
	an_db_close(db);
	return 0;
}

static void free_profile(struct diff_profile *p)
{
	diff_prediction_free(&p->pred);
	an_sites_free(&p->sites);
	site_fold_free(&p->fold);
	an_info_free(&p->info);
}

static int write_output(const char *out_path, const struct diff *d, int json, size_t top)
{
	int rc = 1;
	FILE *f = an_out_open(out_path);

	if (!f)
		return 1;
	if (json) {
		if (diff_json(f, d, top))
			an_err("internal error: malformed JSON");
		else
			rc = 0;
	} else {
		diff_text(f, d, top);
		rc = 0;
	}
	if (an_out_close(f, out_path))
		rc = 1;
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "top", required_argument, NULL, 'n' },
					      { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      AN_WRAP_OPTIONS,
					      { NULL, 0, NULL, 0 } };
	struct an_wrap_opts wrap = { 0 };
	struct diff_profile before, after;
	const char *out_path = NULL;
	int json = 0, c, rc;
	struct diff d;
	long top = -1;

	an_getopt_reset();
	while ((c = getopt_long(argc, argv, ":jn:o:h", opts, NULL)) != -1) {
		if ((rc = an_wrap_option(diff_usage, c, optarg, &wrap)) != 0) {
			if (rc > 0)
				continue;
			rc = 2;
			goto usage;
		}
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'n':
			if ((rc = an_parse_top(diff_usage, optarg, &top)) != 0)
				goto usage;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			printf("%s\n", diff_usage);
			an_wrap_opts_free(&wrap);
			return 0;
		default:
			rc = an_bad_option(diff_usage, argv, c);
			goto usage;
		}
	}
	if (argc - optind < 2) {
		rc = an_usage_error(diff_usage, "%s",
				    "diff needs two profile databases: BEFORE.db AFTER.db");
		goto usage;
	}
	if (argc - optind > 2) {
		rc = an_usage_error(diff_usage, "unexpected argument %s", argv[optind + 2]);
		goto usage;
	}
	if (top < 0)
		top = json ? 0 : 20; /* as report: JSON lists every site unless --top is given */

	rc = load_profile(argv[optind], &wrap, 1, &before);
	if (rc == 0 && (rc = load_profile(argv[optind + 1], &wrap, 0, &after)) != 0)
		free_profile(&before);
	an_wrap_opts_free(&wrap);
	if (rc)
		return 1;
	diff_predict_finish(&before.pred, &before, &after, after.has_peak_rss, after.peak_rss_kib);
	rc = 1;
	if (diff_build(&before, &after, &d) == 0) {
		rc = write_output(out_path, &d, json, (size_t)top);
		diff_free(&d);
	}
	free_profile(&after);
	free_profile(&before);
	return rc;
usage:
	an_wrap_opts_free(&wrap);
	return rc;
}
