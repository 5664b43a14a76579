/* allocator_table.c: the allocator, kernel memory management and profiler-overhead function
 * names as data (see allocator_table.h). To teach the analyzer a new allocator, add rows here:
 * exact names go into `names` (kept sorted by strcmp; at_self_check verifies it), families whose
 * functions share a prefix into `prefixes`. */
#define _POSIX_C_SOURCE 200809L
#include "allocator_table.h"

#include "go_table.h"

#include <stdlib.h>
#include <string.h>

struct at_name {
	const char *name;
	enum at_family family;
	enum at_category category;
	int entry_point;
};

/* clang-format off */
#define E_(n, fam, cat) { n, fam, cat, 1 } /* an API entry point */
#define I_(n, fam, cat) { n, fam, cat, 0 } /* an internal function */
#define G AT_GLIBC
#define J AT_JEMALLOC
#define T AT_TCMALLOC
#define M AT_MIMALLOC
#define A AT_MALLOC
#define F AT_FREE
#define R AT_REALLOC

/* Sorted by strcmp (ASCII: '_' sorts after the capitals and before the lower-case letters).
 * glibc: malloc_consolidate merges chunks that free() put in the fast bins, i.e. deferred free
 * work, so it is `free` (it only decides the category when no entry point is above it, e.g. in
 * a truncated stack: under malloc() the outermost frame, malloc, wins). unlink_chunk is `free`
 * for the same reason. */
static const struct at_name names[] = {
	E_("__calloc", G, A),
	E_("__debug_aligned_alloc", G, A),
	E_("__debug_calloc", G, A),
	E_("__debug_free", G, F),
	E_("__debug_malloc", G, A),
	E_("__debug_memalign", G, A),
	E_("__debug_posix_memalign", G, A),
	E_("__debug_pvalloc", G, A),
	E_("__debug_realloc", G, R),
	E_("__debug_valloc", G, A),
	E_("__free", G, F),
	E_("__libc_aligned_alloc", G, A),
	E_("__libc_calloc", G, A),
	E_("__libc_free", G, F),
	E_("__libc_malloc", G, A),
	E_("__libc_memalign", G, A),
	E_("__libc_pvalloc", G, A),
	E_("__libc_realloc", G, R),
	E_("__libc_reallocarray", G, R),
	E_("__libc_valloc", G, A),
	E_("__malloc", G, A),
	I_("__malloc_arena_thread_freeres", G, F),
	E_("__malloc_trim", G, F),
	E_("__memalign", G, A),
	E_("__posix_memalign", G, A),
	E_("__pvalloc", G, A),
	E_("__realloc", G, R),
	E_("__valloc", G, A),
	I_("_int_free", G, F),
	I_("_int_free_chunk", G, F),
	I_("_int_free_create_chunk", G, F),
	I_("_int_free_maybe_consolidate", G, F),
	I_("_int_free_merge_chunk", G, F),
	I_("_int_malloc", G, A),
	I_("_int_memalign", G, A),
	I_("_int_new_arena", G, A),
	I_("_int_realloc", G, R),
	I_("_mid_memalign", G, A),
	E_("aligned_alloc", G, A),
	I_("alloc_new_heap", G, A),
	I_("arena_get2", G, A),
	I_("arena_get_retry", G, A),
	I_("arena_thread_freeres", G, F),
	E_("calloc", G, A),
	E_("cfree", G, F),
	I_("checked_request2size", G, A),
	E_("dallocx", J, F),
	E_("free", G, F),
	E_("free_aligned_sized", G, F),
	I_("free_check", G, F),
	E_("free_sized", G, F),
	I_("get_free_list", G, A),
	I_("grow_heap", G, A),
	I_("heap_trim", G, F),
	E_("je_aligned_alloc", J, A),
	E_("je_calloc", J, A),
	E_("je_dallocx", J, F),
	E_("je_free", J, F),
	E_("je_free_aligned_sized", J, F),
	E_("je_free_sized", J, F),
	E_("je_malloc", J, A),
	E_("je_mallocx", J, A),
	E_("je_memalign", J, A),
	E_("je_posix_memalign", J, A),
	E_("je_pvalloc", J, A),
	E_("je_rallocx", J, R),
	E_("je_realloc", J, R),
	E_("je_sdallocx", J, F),
	E_("je_valloc", J, A),
	E_("je_xallocx", J, R),
	E_("malloc", G, A),
	I_("malloc_check", G, A),
	I_("malloc_consolidate", G, F),
	I_("malloc_hook_ini", G, A),
	E_("malloc_trim", G, F),
	E_("mallocx", J, A),
	E_("memalign", G, A),
	I_("memalign_check", G, A),
	E_("mi_aligned_alloc", M, A),
	E_("mi_calloc", M, A),
	E_("mi_cfree", M, F),
	E_("mi_expand", M, R),
	E_("mi_free", M, F),
	E_("mi_free_aligned", M, F),
	E_("mi_free_size", M, F),
	E_("mi_free_size_aligned", M, F),
	E_("mi_malloc", M, A),
	E_("mi_memalign", M, A),
	E_("mi_new", M, A),
	E_("mi_posix_memalign", M, A),
	E_("mi_pvalloc", M, A),
	E_("mi_realloc", M, R),
	E_("mi_reallocf", M, R),
	E_("mi_reallocn", M, R),
	E_("mi_recalloc", M, R),
	E_("mi_rezalloc", M, R),
	E_("mi_valloc", M, A),
	E_("mi_zalloc", M, A),
	I_("mremap_chunk", G, R),
	I_("mtrim", G, F),
	I_("munmap_chunk", G, F),
	I_("new_heap", G, A),
	E_("posix_memalign", G, A),
	I_("ptmalloc_init", G, A),
	E_("pvalloc", G, A),
	E_("rallocx", J, R),
	E_("realloc", G, R),
	I_("realloc_check", G, R),
	E_("reallocarray", G, R),
	I_("reused_arena", G, A),
	E_("sdallocx", J, F),
	I_("shrink_heap", G, F),
	I_("sysmalloc", G, A),
	I_("sysmalloc_mmap", G, A),
	I_("sysmalloc_mmap_fallback", G, A),
	I_("systrim", G, F),
	E_("tc_calloc", T, A),
	E_("tc_cfree", T, F),
	E_("tc_delete", T, F),
	E_("tc_deletearray", T, F),
	E_("tc_free", T, F),
	E_("tc_free_sized", T, F),
	E_("tc_malloc", T, A),
	E_("tc_memalign", T, A),
	E_("tc_new", T, A),
	E_("tc_newarray", T, A),
	E_("tc_posix_memalign", T, A),
	E_("tc_pvalloc", T, A),
	E_("tc_realloc", T, R),
	E_("tc_valloc", T, A),
	I_("tcache_get", G, A),
	I_("tcache_get_n", G, A),
	I_("tcache_init", G, A),
	I_("tcache_put", G, F),
	I_("tcache_put_n", G, F),
	I_("tcache_thread_shutdown", G, F),
	I_("unlink_chunk", G, F),
	E_("valloc", G, A),
	E_("xallocx", J, R),
};

/* Names starting with one of these are allocator code too. AT_NONE: the category comes from the
 * name (guess_category). The exact names above win over these. */
static const struct at_name prefixes[] = {
	E_("operator new", AT_CXX, A),
	E_("operator delete", AT_CXX, F),
	E_("_Znwm", AT_CXX, A),
	E_("_Znam", AT_CXX, A),
	E_("_Znwj", AT_CXX, A),
	E_("_Znaj", AT_CXX, A),
	E_("_ZdlPv", AT_CXX, F),
	E_("_ZdaPv", AT_CXX, F),
	I_("je_", J, AT_NONE),
	I_("tc_", T, AT_NONE),
	I_("tcmalloc::", T, AT_NONE),
	I_("mi_", M, AT_NONE),
	I_("_mi_", M, AT_NONE),
};

#undef E_
#undef I_
#undef G
#undef J
#undef T
#undef M
#undef A
#undef F
#undef R

/* Kernel memory management: exact names, system calls (after their entry prefixes), prefixes. */
static const char *const kernel_mm_names[] = {
	"__do_munmap", "__handle_mm_fault", "__vm_munmap", "asm_exc_page_fault", "clear_huge_page",
	"clear_page_erms", "clear_page_orig", "clear_page_rep", "do_anonymous_page",
	"do_brk_flags", "do_huge_pmd_anonymous_page", "do_madvise", "do_mmap", "do_mprotect_pkey",
	"do_munmap", "do_user_addr_fault", "do_vmi_align_munmap", "do_vmi_munmap",
	"exc_page_fault", "handle_mm_fault", "handle_pte_fault", "ksys_mmap_pgoff", "mmap_region",
	"page_fault", "unmap_region", "vm_mmap_pgoff",
};
static const char *const kernel_mm_syscall_prefixes[] = {
	"__x64_sys_", "__ia32_sys_", "__arm64_sys_", "__se_sys_", "__do_sys_", "__sys_", "sys_",
};
static const char *const kernel_mm_syscalls[] = {
	"brk", "madvise", "mmap", "mmap_pgoff", "mprotect", "mremap", "munmap", "process_madvise",
};

/* int3 is the uprobe breakpoint; the debug exception ends the single step of the displaced
 * instruction (executed out of line in the [uprobes] page). */
static const char *const overhead_names[] = {
	"asm_exc_debug", "asm_exc_int3", "do_int3", "do_int3_user", "exc_debug", "exc_debug_user",
	"exc_int3", "handle_singlestep", "handle_swbp", "handle_trampoline", "handler_chain",
	"prepare_uretprobe", "trace_call_bpf",
};
static const char *const overhead_words[] = { "uprobe", "uretprobe" }; /* anywhere in the name */
static const char *const overhead_prefixes[] = { "bpf_", "__bpf_", "___bpf_" };

/* clang-format on */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The length of the part of name that the tables name: without a GCC clone suffix (".cold",
 * ".constprop.0", ".isra.0", ".part.0") or a symbol version ("@GLIBC_2.2.5"). Demangled C++ names
 * (with '(' or ' ') are kept whole: prefixes are matched on them. */
static size_t base_len(const char *name)
{
	size_t i;

	if (strpbrk(name, "( "))
		return strlen(name);
	for (i = 0; name[i]; i++)
		if (i > 0 && (name[i] == '.' || name[i] == '@'))
			return i;
	return i;
}

static int cmp_len(const char *s, size_t len, const char *key)
{
	int c = strncmp(s, key, len);

	if (c)
		return c;
	return key[len] ? -1 : 0;
}

static const struct at_name *find_name(const char *s, size_t len)
{
	size_t lo = 0, hi = NELEM(names);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_len(s, len, names[mid].name);

		if (c == 0)
			return &names[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int contains(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(s + i, word, n) == 0)
			return 1;
	return 0;
}

/* The category of a prefixed internal function that has no row of its own, from its name. */
static enum at_category guess_category(const char *s, size_t len)
{
	static const char *const realloc_words[] = { "realloc", "ralloc", "xallocx", "expand" };
	static const char *const free_words[] = { "free", "dalloc", "dealloc", "Deallocate",
						  "delete" };
	size_t i;

	for (i = 0; i < NELEM(realloc_words); i++)
		if (contains(s, len, realloc_words[i]))
			return AT_REALLOC;
	for (i = 0; i < NELEM(free_words); i++)
		if (contains(s, len, free_words[i]))
			return AT_FREE;
	return AT_MALLOC;
}

enum at_category at_lookup(const char *function, struct at_match *m)
{
	struct at_match none = { AT_NONE, AT_GLIBC, 0 };
	const struct at_name *n;
	const char *s = function;
	size_t len, i;

	if (!m)
		m = &none;
	*m = none;
	if (!s)
		return AT_NONE;
	if (has_prefix(s, "runtime.")) { /* Go: '.' is part of the name, not a clone suffix */
		m->category = go_table_lookup(s, &m->entry_point);
		m->family = AT_GO;
		if (m->category == AT_NONE)
			*m = none;
		return m->category;
	}
	if (has_prefix(s, "__GI_")) /* glibc's internal alias of an exported function */
		s += 5;
	len = base_len(s);
	n = find_name(s, len);
	if (n) {
		m->category = n->category;
		m->family = n->family;
		m->entry_point = n->entry_point;
		return m->category;
	}
	for (i = 0; i < NELEM(prefixes); i++) {
		size_t plen = strlen(prefixes[i].name);

		/* a family prefix ("je_") needs a name after it; "operator new" is whole */
		if (!has_prefix(s, prefixes[i].name) ||
		    len < plen + (prefixes[i].category == AT_NONE))
			continue;
		m->family = prefixes[i].family;
		m->entry_point = prefixes[i].entry_point;
		m->category = prefixes[i].category != AT_NONE ? prefixes[i].category :
								guess_category(s, len);
		return m->category;
	}
	return AT_NONE;
}

static int in_list(const char *s, size_t len, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cmp_len(s, len, list[i]) == 0)
			return 1;
	return 0;
}

int at_kernel_mm(const char *function)
{
	size_t len, i, plen;

	if (!function)
		return 0;
	len = base_len(function);
	if (in_list(function, len, kernel_mm_names, NELEM(kernel_mm_names)))
		return 1;
	for (i = 0; i < NELEM(kernel_mm_syscall_prefixes); i++) {
		plen = strlen(kernel_mm_syscall_prefixes[i]);
		if (len > plen && has_prefix(function, kernel_mm_syscall_prefixes[i]) &&
		    in_list(function + plen, len - plen, kernel_mm_syscalls,
			    NELEM(kernel_mm_syscalls)))
			return 1;
	}
	return 0;
}

int at_profiler_overhead(const char *function)
{
	size_t i, len;

	if (!function)
		return 0;
	len = base_len(function);
	if (in_list(function, len, overhead_names, NELEM(overhead_names)))
		return 1;
	for (i = 0; i < NELEM(overhead_words); i++)
		if (contains(function, len, overhead_words[i]))
			return 1;
	for (i = 0; i < NELEM(overhead_prefixes); i++)
		if (has_prefix(function, overhead_prefixes[i]))
			return 1;
	return 0;
}

int at_profiler_overhead_user(const char *function, const char *module)
{
	return (function && strcmp(function, AT_UPROBES_PAGE) == 0) ||
	       (module && strcmp(module, AT_UPROBES_PAGE) == 0);
}

const char *at_category_name(enum at_category c)
{
	switch (c) {
	case AT_MALLOC:
		return "malloc";
	case AT_FREE:
		return "free";
	case AT_REALLOC:
		return "realloc";
	case AT_GC:
		return "gc";
	case AT_NONE:
		break;
	}
	return "none";
}

const char *at_family_name(enum at_family f)
{
	switch (f) {
	case AT_GLIBC:
		return "glibc";
	case AT_JEMALLOC:
		return "jemalloc";
	case AT_TCMALLOC:
		return "tcmalloc";
	case AT_MIMALLOC:
		return "mimalloc";
	case AT_CXX:
		return "c++";
	case AT_GO:
		return "go";
	}
	return "?";
}

int at_self_check(void)
{
	size_t i;

	for (i = 1; i < NELEM(names); i++)
		if (strcmp(names[i - 1].name, names[i].name) >= 0)
			return -1;
	return go_table_self_check();
}
