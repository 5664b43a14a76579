/* site_fold.h: where a stack's call site is. The site is the first frame, from the inner end,
 * outside the allocator and its wrappers: allocator code itself (`operator new`, ...), the
 * well-known wrappers (wrapper_names.c), the functions matching a --wrapper REGEX, and the
 * wrappers detected from the recorded stacks (wrapper_detect.c). Chains fold all the way
 * (xstrdup -> xmalloc -> malloc). The rule and its measurements are in docs/design.md
 * ("Allocation wrappers"). The fold is attached to the open profile as the SQL function
 * ap_site_pos(stack_id), so every query that reads a site uses the same position. */
#ifndef ARENAPROF_SITE_FOLD_H
#define ARENAPROF_SITE_FOLD_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "name_table.h"

/* Why a function is folded into its callers. */
enum wrap_reason { WRAP_ALLOCATOR, WRAP_KNOWN, WRAP_USER, WRAP_DETECTED };

/* Automatic detection: a function that calls the allocator (or a wrapper) directly is a wrapper
 * when at least this many other functions call it ... */
#define WRAP_MIN_CALLERS 3
/* ... its allocation sizes are not one fixed size (a constructor such as new_node allocates
 * sizeof its type whoever calls it; a wrapper allocates what its caller asks for), it is never
 * seen further out than a stack's site (it calls no allocating code but the allocator and other
 * wrappers) ... */
/* ... and, when it has at least WRAP_CPU_MIN_SAMPLES CPU samples (profiler overhead left out),
 * no more than WRAP_MAX_SELF_SHARE of them outside the allocator (it does little else; the
 * allocator's work as wrapper_cpu.c counts it). Measured (docs/design.md): wrappers 9-13 %
 * (jv_mem_alloc, Perl_safesysmalloc), redis's zmalloc 41-53 % over six runs (an atomic
 * used-memory counter per call, as costly as jemalloc's fast path); a function building a table
 * after allocating (tests/analyzer fixture_wrappers.sql build_table) 86 %. */
#define WRAP_CPU_MIN_SAMPLES 20
#define WRAP_MAX_SELF_SHARE (2.0 / 3.0)

/* The command line's choices (--no-wrappers, --wrapper REGEX). */
struct an_wrap_opts {
	int raw; /* --no-wrappers: the site is stack_frames.pos 0, nothing folded */
	regex_t *re; /* --wrapper REGEX (extended, matched anywhere in the function name) */
	char **re_src;
	size_t nre;
};

/* -1 for an invalid REGEX (the caller prints the usage error and returns 2). */
int an_wrap_opts_add(struct an_wrap_opts *o, const char *regex);
void an_wrap_opts_free(struct an_wrap_opts *o);

/* A function folded into its callers somewhere in the profile. */
struct an_wrapper {
	char *function, *module;
	enum wrap_reason reason;
	long long callers; /* distinct calling functions (seen at the fold position) */
	long long allocs; /* recorded allocations whose site went through it */
};

struct fold_stack {
	long long id;
	uint32_t start, len; /* frames: fn ids in site_fold.frame_fn[start .. start + len) */
	uint32_t site_pos;
};

struct site_fold {
	int raw;
	struct name_table fns; /* "function\x1fmodule" keys */
	char **fn_function; /* by fn id: the function part of the key */
	unsigned char *fn_wrap; /* by fn id: 0 not a wrapper, else 1 + enum wrap_reason */
	long long *fn_callers; /* by fn id: distinct caller functions (detection) */
	size_t fn_cap;
	uint32_t *frame_fn; /* per (stack, pos): fn id, UINT32_MAX without a frame */
	struct fold_stack *stacks; /* by id ascending */
	size_t nstacks;
	struct an_wrapper *wrappers; /* allocs desc */
	size_t nwrappers;
};

/* Reads the stacks of allocations, objects and windows, detects the wrappers, folds every stack
 * and registers ap_site_pos(stack_id) on db (fold must outlive the queries). 0, or -1 after an
 * error message naming path. */
int site_fold_load(sqlite3 *db, const char *path, const struct an_wrap_opts *o,
		   struct site_fold *fold);
void site_fold_free(struct site_fold *fold);

/* The site position of a stack (0 for an unknown stack). */
uint32_t site_fold_pos(const struct site_fold *fold, long long stack_id);
/* The folded frames' functions of a stack, innermost first: n names into out (at most max). */
size_t site_fold_chain(const struct site_fold *fold, long long stack_id, const char **out,
		       size_t max);
/* Is this function (with its module) folded into its callers? */
int site_fold_is_wrapper(const struct site_fold *fold, const char *function, const char *module);
const char *wrap_reason_name(enum wrap_reason r); /* "allocator", "known", "option", "detected" */

/* wrapper_names.c: a well-known allocation wrapper (xmalloc, g_malloc, PyMem_Malloc, strdup...). */
int wrapper_known(const char *function);

/* wrapper_detect.c: marks the detected wrappers in fold->fn_wrap (the allocator, known and
 * --wrapper functions already marked, stacks loaded). alloc rows: per alloc_stats row, the
 * stack index, allocs and size range. self/alloc: CPU samples per fn id outside and inside the
 * allocator (NULL without CPU samples). */
struct fold_alloc_row {
	uint32_t stack; /* index into fold->stacks */
	long long allocs, size_min, size_max;
};
void wrapper_detect(struct site_fold *fold, const struct fold_alloc_row *rows, size_t nrows,
		    const long long *cpu_self, const long long *cpu_alloc);
/* wrapper_cpu.c: whether a CPU sample's frame is the allocator's work for the CPU test (the
 * allocator table's functions, size queries such as malloc_usable_size, `malloc@plt`, frames of
 * a module holding only allocator code, a symbolized module's unnamed PLT stub called last). */
struct cpu_profile;
struct cpu_stack;
struct wrapper_cpu {
	char **modules; /* modules whose named frames are all allocator functions */
	size_t nmodules;
};
void wrapper_cpu_init(struct wrapper_cpu *w, const struct cpu_profile *p);
void wrapper_cpu_free(struct wrapper_cpu *w);
int wrapper_cpu_allocator(const struct wrapper_cpu *w, const struct cpu_profile *p,
			  const struct cpu_stack *s, uint32_t pos);

/* Moves every stack's site_pos past the wrappers (at most to its outermost frame). */
void site_fold_advance(struct site_fold *fold);

#endif
