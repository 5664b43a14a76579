/* html_page.c: the HTML report's page: head (inline CSS and a Content-Security-Policy that lets
 * the page load nothing at all), a header with the target and links to the sections, the
 * sections, and the inline script at the end. */
#define _POSIX_C_SOURCE 200809L
#include "html.h"

static void write_head(FILE *f, const struct html_doc *d)
{
	const char *cmd = d->r.info.command;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>arenaprof report: ",
	      f);
	html_text(f, cmd && *cmd ? cmd : d->path);
	fprintf(f, "</title>\n<style>\n%s%s\n</style>\n</head>\n", html_style, fg_style);
}

static void write_header(FILE *f, const struct html_doc *d)
{
	const struct an_info *info = &d->r.info;

	fputs("<header><h1>arenaprof report</h1><p>", f);
	html_text(f, info->command && *info->command ? info->command : "unknown command");
	if (info->has_pid)
		fprintf(f, " (pid %lld)", info->pid);
	fputs(" &middot; ", f);
	html_text(f, d->path);
	fputs("</p><nav><a href=\"#summary\">Summary</a><a href=\"#candidates\">Arena "
	      "candidates</a><a href=\"#flamegraphs\">Flame graphs</a><a href=\"#sites\">Call "
	      "sites</a></nav></header>\n",
	      f);
}

int html_write_page(FILE *f, void *doc)
{
	const struct html_doc *d = doc;

	write_head(f, d);
	fputs("<body>\n", f);
	write_header(f, d);
	fputs("<main>\n", f);
	html_write_summary(f, d);
	html_write_candidates(f, d);
	html_write_graphs(f, d);
	html_write_sites(f, d);
	fputs("</main>\n<footer>written by <code>arenaprof html</code>: one self-contained file, "
	      "nothing loaded from elsewhere</footer>\n<script>\n",
	      f);
	fputs(fg_script, f);
	fputs(html_script, f);
	fputs("</script>\n</body>\n</html>\n", f);
	return ferror(f) ? -1 : 0;
}
