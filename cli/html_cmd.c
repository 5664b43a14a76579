/* html_cmd.c: `arenaprof html [-n N] -o FILE DB`: options, then everything read from the profile
 * in one snapshot (what `report` reads, and the lines of the four flame graphs), and only then
 * the page written whole to a temporary file renamed over FILE (html.h). */
#define _GNU_SOURCE
#include "analyzer.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "an_cli.h"
#include "an_db.h"
#include "html.h"
#include "site_fold.h"

static const char html_usage[] =
	"usage: arenaprof html [-n N|--top N] " AN_WRAP_USAGE " -o FILE DB   (FILE '-': stdout)";
static const char html_help[] =
	"  writes one self-contained HTML page (no network): the summary (allocator CPU share,\n"
	"  its split, the theoretical maximum saving, warnings), the ranked arena candidates with\n"
	"  their details, flame graphs of allocations, bytes, CPU and allocator CPU (click to zoom,\n"
	"  search), and the top N call sites (default 50, 0: all)\n"
	"example:\n"
	"  arenaprof html app.db -o report.html";

static int load(const char *path, const struct an_wrap_opts *wrap, struct html_doc *d)
{
	sqlite3 *db;
	int rc = -1;

	if (an_db_open(path, &db))
		return -1;
	if (an_report_load(db, path, wrap, &d->r) == 0) {
		rc = html_graphs_load(db, path, d);
		if (rc)
			an_report_free(&d->r);
	}
	an_db_close(db);
	return rc;
}

int cmd_html(int argc, char **argv)
{
	static const struct option opts[] = { { "top", required_argument, NULL, 'n' },
					      { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      AN_WRAP_OPTIONS,
					      { NULL, 0, NULL, 0 } };
	const char *out_path = NULL;
	struct an_wrap_opts wrap = { 0 };
	struct html_doc d;
	long top = 50;
	int c, rc;

	memset(&d, 0, sizeof(d));
	an_getopt_reset();
	while ((c = getopt_long(argc, argv, ":n:o:h", opts, NULL)) != -1) {
		if ((rc = an_wrap_option(html_usage, c, optarg, &wrap)) != 0) {
			if (rc > 0)
				continue;
			rc = 2;
			goto usage;
		}
		switch (c) {
		case 'n':
			if ((rc = an_parse_top(html_usage, optarg, &top)) != 0)
				goto usage;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			printf("%s\n%s\n", html_usage, html_help);
			an_wrap_opts_free(&wrap);
			return 0;
		default:
			rc = an_bad_option(html_usage, argv, c);
			goto usage;
		}
	}
	if ((rc = an_get_db(html_usage, argc, argv, &d.path)) != 0)
		goto usage;
	if (!out_path || !*out_path) {
		rc = an_usage_error(html_usage, "%s",
				    "no output file given (-o FILE, '-' for stdout)");
		goto usage;
	}
	d.top = (size_t)top;

	rc = load(d.path, &wrap, &d);
	an_wrap_opts_free(&wrap);
	if (rc)
		return 1;
	rc = an_write_output(out_path, html_write_page, &d) ? 1 : 0;
	html_graphs_free(&d);
	an_report_free(&d.r);
	return rc;
usage:
	an_wrap_opts_free(&wrap);
	return rc;
}
