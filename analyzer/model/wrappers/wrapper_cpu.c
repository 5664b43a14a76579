/* wrapper_cpu.c: which CPU samples of a function count as the allocator's for the wrapper rule's
 * CPU test (wrapper_detect.c): a wrapper does little but allocate, so most of its samples are
 * further in, in the allocator. Beyond the allocator table's own functions, the allocator's work
 * is also: its size queries (malloc_usable_size and kin, which a wrapper such as redis's zmalloc
 * calls after every allocation to keep its statistics), a PLT stub named after an allocator
 * function (`malloc@plt`), any frame of a module that holds nothing but allocator code (the
 * stripped internals of libjemalloc.so.2: every named frame of it in the profile is an allocator
 * function), and an unnamed innermost frame directly called from a named frame of the same
 * module (a symbolized module's addresses outside every symbol are its PLT stubs: the call on
 * its way to the allocator). docs/design.md, "Allocation wrappers". */
#define _POSIX_C_SOURCE 200809L
#include "site_fold.h"

#include <stdlib.h>
#include <string.h>

#include "allocator_table.h"
#include "an_util.h"
#include "cpu_share.h"

/* Functions that answer questions about an allocation (its usable size) rather than make or free
 * one: not in the allocator table's categories, but allocator code all the same. */
static const char *const size_queries[] = {
	"malloc_usable_size",
	"__malloc_usable_size",
	"malloc_size",
	"malloc_good_size",
	"sallocx",
	"nallocx",
	"je_malloc_usable_size",
	"je_sallocx",
	"je_nallocx",
	"tc_malloc_size",
	"mi_usable_size",
	"mi_malloc_size",
	"mi_good_size",
};

/* The name without a PLT suffix ("malloc@plt" -> "malloc"), in buf. */
static const char *without_plt(const char *function, char *buf, size_t cap)
{
	size_t n = strlen(function);

	if (n < 5 || n - 4 >= cap || strcmp(function + n - 4, "@plt") != 0)
		return function;
	memcpy(buf, function, n - 4);
	buf[n - 4] = '\0';
	return buf;
}

static int allocator_name(const char *function)
{
	char buf[256];
	const char *name = without_plt(function, buf, sizeof(buf));
	enum at_category c = at_lookup(name, NULL);

	if (c != AT_NONE && c != AT_GC)
		return 1;
	for (size_t i = 0; i < sizeof(size_queries) / sizeof(size_queries[0]); i++)
		if (strcmp(name, size_queries[i]) == 0)
			return 1;
	return 0;
}

/* A frame without a symbol: named `<module file name>+0x<offset>`. */
static int unnamed(const struct cpu_frame *f)
{
	const char *base = strrchr(f->module, '/');
	size_t n;

	base = base ? base + 1 : f->module;
	n = strlen(base);
	return strncmp(f->function, base, n) == 0 && strncmp(f->function + n, "+0x", 3) == 0;
}

/* Per module: does it have an allocator function, a named function that is not one? */
struct module_seen {
	const char *path;
	int allocator, other;
};

void wrapper_cpu_init(struct wrapper_cpu *w, const struct cpu_profile *p)
{
	struct module_seen *m = NULL;
	size_t n = 0, i;

	memset(w, 0, sizeof(*w));
	for (size_t k = 0; k < p->nframes; k++) {
		const struct cpu_frame *f = &p->frames[k];
		int is_alloc;

		if (f->kernel || f->overhead)
			continue;
		is_alloc = (f->category != AT_NONE && f->category != AT_GC) ||
			   allocator_name(f->function);
		if (!is_alloc && unnamed(f))
			continue; /* says nothing about what else the module holds */
		for (i = 0; i < n && strcmp(m[i].path, f->module) != 0; i++)
			;
		if (i == n) {
			m = an_realloc(m, (n + 1) * sizeof(*m));
			m[n++] = (struct module_seen){ f->module, 0, 0 };
		}
		if (is_alloc)
			m[i].allocator = 1;
		else
			m[i].other = 1;
	}
	for (i = 0; i < n; i++)
		if (m[i].allocator && !m[i].other) {
			w->modules =
				an_realloc(w->modules, (w->nmodules + 1) * sizeof(*w->modules));
			w->modules[w->nmodules++] = an_strdup(m[i].path);
		}
	free(m);
}

void wrapper_cpu_free(struct wrapper_cpu *w)
{
	for (size_t i = 0; i < w->nmodules; i++)
		free(w->modules[i]);
	free(w->modules);
	memset(w, 0, sizeof(*w));
}

int wrapper_cpu_allocator(const struct wrapper_cpu *w, const struct cpu_profile *p,
			  const struct cpu_stack *s, uint32_t pos)
{
	const struct cpu_frame *f = cpu_stack_frame(p, s, pos), *caller;
	uint32_t k;

	if (!f || f->kernel)
		return 0;
	if ((f->category != AT_NONE && f->category != AT_GC) || allocator_name(f->function))
		return 1;
	for (size_t i = 0; i < w->nmodules; i++)
		if (strcmp(w->modules[i], f->module) == 0)
			return 1;
	/* the innermost user frame (kernel frames of an interrupt may be further in) */
	for (k = 0; k < pos; k++) {
		const struct cpu_frame *g = cpu_stack_frame(p, s, k);

		if (!g || !g->kernel)
			return 0;
	}
	caller = pos + 1 < s->len ? cpu_stack_frame(p, s, pos + 1) : NULL;
	return unnamed(f) && caller && !caller->kernel && !unnamed(caller) &&
	       strcmp(caller->module, f->module) == 0;
}
