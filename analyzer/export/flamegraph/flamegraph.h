/* flamegraph.h: `arenaprof flamegraph`, an interactive SVG flame graph of the same merged
 * (stack, value) lines `arenaprof folded` writes (folded.h): the lines become a tree of frames
 * (flamegraph_tree.c), drawn as one standalone SVG file with inline JavaScript for zoom and
 * search (flamegraph_svg.c, flamegraph.js); cli/flamegraph_cmd.c is the command. */
#ifndef ARENAPROF_FLAMEGRAPH_H
#define ARENAPROF_FLAMEGRAPH_H

#include <stdint.h>
#include <stdio.h>

#include "folded.h"

/* A frame: one name at one depth under one parent, its value the sum of the lines through it.
 * Node 0 is the root ("all", depth 0, the total); nodes are in preorder, so a frame's subtree
 * follows it. x is the offset in value units from the left edge (the root's is 0). */
struct fg_node {
	uint32_t name; /* into lines->names; unused for the root */
	uint32_t depth;
	size_t parent;
	long long x, value;
	long long children; /* sum of the children's values so far (while building) */
};

struct fg_tree {
	struct fg_node *v;
	size_t n, cap;
	uint32_t max_depth;
};

/* Builds the tree of lines (sorted and merged by folded_merge). 0, or -1 after an error
 * message (a negative value, a total that overflows). */
int fg_build(const struct folded *lines, const char *path, struct fg_tree *out);
void fg_free(struct fg_tree *t);

struct fg_options {
	const char *title;
	const char *unit; /* of a value: "allocations", "bytes", "samples" */
	const char *id_prefix; /* of the ids of the SVG's parts; NULL: none (standalone) */
};

/* The default title and the unit of a metric's graph (flamegraph_svg.c). */
const char *fg_metric_title(enum folded_metric metric);
const char *fg_metric_unit(enum folded_metric metric);

/* Writes the standalone SVG document of t (names from lines), with its style and script; 0, or
 * -1 when writing failed. */
int fg_write_svg(FILE *f, const struct folded *lines, const struct fg_tree *t,
		 const struct fg_options *o);
/* The same graph as an <svg> element for an HTML page (scaled to the page's width, no "Search"
 * button): the page has fg_style, runs fg_script and calls fg_make(svg, o->id_prefix). */
int fg_write_inline(FILE *f, const struct folded *lines, const struct fg_tree *t,
		    const struct fg_options *o);

/* The graphs' CSS (flamegraph_svg.c) and scripts (flamegraph.js, flamegraph_standalone.js,
 * embedded at build time): fg_make(svg, prefix) makes one graph interactive (zoom, reset,
 * search); fg_standalone_script drives the standalone SVG. */
extern const char fg_style[];
extern const char fg_script[];
extern const char fg_standalone_script[];

#endif
