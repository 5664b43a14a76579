/* flamegraph.h: `arenaprof flamegraph`, an interactive SVG flame graph of the same merged
 * (stack, value) lines `arenaprof folded` writes (folded.h): the lines become a tree of frames
 * (flamegraph_tree.c), drawn as one standalone SVG file with inline JavaScript for zoom and
 * search (flamegraph_svg.c, flamegraph_js.c); flamegraph_cmd.c is the command. */
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
};

/* Writes the SVG of t (names from lines); 0, or -1 when writing failed. */
int fg_write_svg(FILE *f, const struct folded *lines, const struct fg_tree *t,
		 const struct fg_options *o);

/* The inline script (flamegraph_js.c): zoom, reset, search. */
extern const char fg_script[];

#endif
