/* flamegraph_svg.c: the SVG of a frame tree, in the manner of Brendan Gregg's flamegraph.pl:
 * the root at the bottom, one rectangle per frame with its width proportional to its value, a
 * label when it fits, a <title> tooltip (name, value, share of the total), colors from a hash of
 * the name (allocator code in blue, the rest in warm colors), and the script of flamegraph.js.
 * Each frame's group carries its exact offset and value (fg:x, fg:w) for the script and tests.
 * Frames narrower than 0.1 px are left out, with their subtrees. */
#include "flamegraph.h"

#include <string.h>

#include "allocator_table.h"
#include "fnv1a.h"
#include "xml_escape.h"

#define FG_WIDTH 1200.0 /* of the frames; the image adds FG_XPAD on each side */
#define FG_XPAD 10.0
#define FG_FRAME_H 16
#define FG_TOP 60
#define FG_BOTTOM 34
#define FG_CHAR_W 7.0 /* average glyph width of the 12px font, for labels */
#define FG_MIN_W 0.1

const char *fg_metric_title(enum folded_metric metric)
{
	static const char *const titles[] = { "Allocations (count)", "Allocated bytes",
					      "CPU samples", "Allocator CPU samples" };

	return titles[metric];
}

const char *fg_metric_unit(enum folded_metric metric)
{
	static const char *const units[] = { "allocations", "bytes", "samples", "samples" };

	return units[metric];
}

static size_t code_points(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* FNV-1a: the same name always gets the same color. */
static uint32_t name_hash(const char *s)
{
	return fnv1a32(s, strlen(s));
}

static void color(const char *name, int root, unsigned rgb[3])
{
	uint32_t h = name_hash(name);
	double v1 = (h & 0xff) / 255.0, v2 = ((h >> 8) & 0xff) / 255.0,
	       v3 = ((h >> 16) & 0xff) / 255.0;
	struct at_match m;

	if (root) {
		rgb[0] = rgb[1] = rgb[2] = 200;
	} else if (at_lookup(name, &m) != AT_NONE || at_kernel_mm(name)) { /* allocator: blue */
		rgb[0] = (unsigned)(40 + 60 * v1);
		rgb[1] = (unsigned)(130 + 60 * v2);
		rgb[2] = (unsigned)(200 + 55 * v3);
	} else { /* flamegraph.pl's "hot" */
		rgb[0] = (unsigned)(205 + 50 * v3);
		rgb[1] = (unsigned)(230 * v1);
		rgb[2] = (unsigned)(55 * v2);
	}
}

static void write_frame(FILE *f, const char *name, int root, const struct fg_node *nd,
			long long total, const struct fg_options *o, uint32_t max_depth)
{
	double x = FG_XPAD + (double)nd->x / (double)total * FG_WIDTH;
	double w = (double)nd->value / (double)total * FG_WIDTH;
	int y = FG_TOP + (int)(max_depth - nd->depth) * FG_FRAME_H;
	double chars = (w - 6) / FG_CHAR_W;
	unsigned rgb[3];

	color(name, root, rgb);
	fprintf(f, "<g class=\"f\" fg:x=\"%lld\" fg:w=\"%lld\"><title>", nd->x, nd->value);
	xml_write(f, name, 0);
	fprintf(f, " (%lld %s, %.2f%%)</title>", nd->value, o->unit,
		100.0 * (double)nd->value / (double)total);
	fprintf(f,
		"<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"rgb(%u,%u,%u)\" "
		"rx=\"2\" ry=\"2\"/>",
		x, y, w, FG_FRAME_H - 1, rgb[0], rgb[1], rgb[2]);
	fprintf(f, "<text x=\"%.2f\" y=\"%d\">", x + 3, y + FG_FRAME_H - 4);
	if (chars >= 3)
		xml_write(f, name, code_points(name) <= (size_t)chars ? 0 : (size_t)chars);
	fputs("</text></g>\n", f);
}

const char fg_style[] = ".fg text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
			".fg .fg_frames text{pointer-events:none}.fg .fg_frames g{cursor:pointer}"
			".fg .fg_frames g:hover rect{stroke:#000;stroke-width:0.5}"
			".fg .ui{cursor:pointer}.fg .hidden{display:none}";

/* Everything inside the <svg> element but the script: background, title, buttons, the details
 * and matched lines, the frames. */
static void write_parts(FILE *f, const struct folded *lines, const struct fg_tree *t,
			const struct fg_options *o, int height, int search_button)
{
	const char *p = o->id_prefix ? o->id_prefix : "";
	long long total = t->v[0].value;
	double img_w = FG_WIDTH + 2 * FG_XPAD;
	size_t i;

	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%d\" fill=\"#f8f8f8\"/>\n", img_w,
		height);
	fprintf(f,
		"<text id=\"%stitle\" x=\"%.0f\" y=\"24\" text-anchor=\"middle\" "
		"style=\"font-size:17px\">",
		p, img_w / 2);
	xml_write(f, o->title, 0);
	fputs("</text>\n", f);
	fprintf(f,
		"<text id=\"%sreset\" class=\"ui hidden\" x=\"%.0f\" y=\"24\">Reset zoom</text>\n",
		p, FG_XPAD);
	if (search_button)
		fprintf(f,
			"<text id=\"%ssearch\" class=\"ui\" x=\"%.0f\" y=\"24\" "
			"text-anchor=\"end\">Search</text>\n",
			p, img_w - FG_XPAD);
	fprintf(f, "<text id=\"%sdetails\" x=\"%.0f\" y=\"%d\"> </text>\n", p, FG_XPAD,
		height - 12);
	fprintf(f, "<text id=\"%smatched\" x=\"%.0f\" y=\"%d\" text-anchor=\"end\"> </text>\n", p,
		img_w - FG_XPAD, height - 12);
	if (total == 0)
		fprintf(f,
			"<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">no stacks with a value "
			"in this profile</text>\n",
			img_w / 2, FG_TOP + FG_FRAME_H - 4);
	fprintf(f, "<g id=\"%sframes\" class=\"fg_frames\">\n", p);
	for (i = 0; total > 0 && i < t->n; i++) {
		const struct fg_node *nd = &t->v[i];

		if ((double)nd->value / (double)total * FG_WIDTH < FG_MIN_W)
			continue; /* children are narrower still */
		write_frame(f, i == 0 ? "all" : lines->names.names[nd->name], i == 0, nd, total, o,
			    t->max_depth);
	}
	fputs("</g>\n", f);
}

static int height_of(const struct fg_tree *t)
{
	return FG_TOP + (int)(t->max_depth + 1) * FG_FRAME_H + FG_BOTTOM;
}

int fg_write_svg(FILE *f, const struct folded *lines, const struct fg_tree *t,
		 const struct fg_options *o)
{
	int height = height_of(t);
	double img_w = FG_WIDTH + 2 * FG_XPAD;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", f);
	fprintf(f,
		"<svg version=\"1.1\" class=\"fg\" width=\"%.0f\" height=\"%d\" "
		"viewBox=\"0 0 %.0f %d\" xmlns=\"http://www.w3.org/2000/svg\" "
		"xmlns:fg=\"urn:arenaprof:flamegraph\" fg:total=\"%lld\" fg:width=\"%.0f\" "
		"fg:xpad=\"%.0f\" onload=\"fg_init(evt)\">\n",
		img_w, height, img_w, height, t->v[0].value, FG_WIDTH, FG_XPAD);
	fprintf(f, "<style>%s</style>\n", fg_style);
	write_parts(f, lines, t, o, height, 1);
	fputs("<script type=\"text/ecmascript\"><![CDATA[\n", f);
	fputs(fg_script, f);
	fputs(fg_standalone_script, f);
	fputs("]]></script>\n</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

int fg_write_inline(FILE *f, const struct folded *lines, const struct fg_tree *t,
		    const struct fg_options *o)
{
	int height = height_of(t);
	double img_w = FG_WIDTH + 2 * FG_XPAD;

	fprintf(f,
		"<svg class=\"fg\" id=\"%ssvg\" width=\"100%%\" viewBox=\"0 0 %.0f %d\" "
		"fg:total=\"%lld\" fg:width=\"%.0f\" fg:xpad=\"%.0f\">\n",
		o->id_prefix ? o->id_prefix : "", img_w, height, t->v[0].value, FG_WIDTH, FG_XPAD);
	write_parts(f, lines, t, o, height, 0);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
