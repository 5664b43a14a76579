/* html_util.c: the small writers the parts of the HTML report share (see html.h): escaped text,
 * locations, shares, key-value rows, bars. */
#include "html.h"

#include "xml_escape.h"

void html_text(FILE *f, const char *s)
{
	if (s)
		xml_write(f, s, 0);
}

void html_location(FILE *f, const char *file, int has_line, long long line, const char *module)
{
	if (file) {
		html_text(f, file);
		if (has_line)
			fprintf(f, ":%lld", line);
	} else {
		html_text(f, module);
	}
}

void html_site(FILE *f, const struct an_site *s)
{
	fputs("<code>", f);
	html_text(f, s->function);
	fputs("</code> <span class=\"loc\">", f);
	html_location(f, s->file, s->has_line, s->line, s->module);
	fputs("</span>", f);
}

void html_pct(FILE *f, double share)
{
	fprintf(f, "%.1f%%", 100.0 * share);
}

void html_row(FILE *f, const char *key, double value, const char *label)
{
	if (key)
		fprintf(f, "<tr data-key=\"%s\" data-value=\"%.17g\">", key, value);
	else
		fputs("<tr>", f);
	fprintf(f, "<th>%s</th><td>", label);
}

void html_row_end(FILE *f)
{
	fputs("</td></tr>\n", f);
}

void html_bar(FILE *f, double share, const char *cls)
{
	if (share < 0)
		share = 0;
	if (share > 1)
		share = 1;
	fprintf(f, "<div class=\"bar %s\" style=\"width:%.2f%%\"></div>", cls, 100.0 * share);
}
