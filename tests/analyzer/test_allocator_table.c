/* test_allocator_table.c: unit test of analyzer/allocators/allocator_table.c: the exact-name table is sorted
 * (the binary search needs it), and names of every family, symbol spelling (clone suffixes,
 * versions, __GI_ aliases, demangled and mangled C++) and kernel set classify as documented,
 * with the near misses that must not match. */
#include <stdio.h>
#include <string.h>

#include "allocator_table.h"

static int failures;

static void expect_cat(const char *name, enum at_category want, int want_entry)
{
	struct at_match m;
	enum at_category got = at_lookup(name, &m);

	if (got != want || m.category != want || (want != AT_NONE && m.entry_point != want_entry)) {
		fprintf(stderr, "FAIL at_lookup(\"%s\") = %s (entry %d), expected %s (entry %d)\n",
			name, at_category_name(got), m.entry_point, at_category_name(want),
			want_entry);
		failures++;
	}
}

static void expect_family(const char *name, enum at_family want)
{
	struct at_match m;

	if (at_lookup(name, &m) == AT_NONE || m.family != want) {
		fprintf(stderr, "FAIL family of \"%s\" = %s, expected %s\n", name,
			at_family_name(m.family), at_family_name(want));
		failures++;
	}
}

static void expect_flag(const char *what, int (*fn)(const char *), const char *name, int want)
{
	if (!fn(name) != !want) {
		fprintf(stderr, "FAIL %s(\"%s\") = %d, expected %d\n", what, name, !want, want);
		failures++;
	}
}

#define MM(name, want) expect_flag("at_kernel_mm", at_kernel_mm, name, want)
#define OVH(name, want) expect_flag("at_profiler_overhead", at_profiler_overhead, name, want)

int main(void)
{
	if (at_self_check()) {
		fprintf(stderr, "FAIL the exact-name table is not sorted\n");
		failures++;
	}
	/* glibc entry points and internals, with every spelling of a symbol */
	expect_cat("malloc", AT_MALLOC, 1);
	expect_cat("calloc", AT_MALLOC, 1);
	expect_cat("posix_memalign", AT_MALLOC, 1);
	expect_cat("aligned_alloc", AT_MALLOC, 1);
	expect_cat("valloc", AT_MALLOC, 1);
	expect_cat("pvalloc", AT_MALLOC, 1);
	expect_cat("free", AT_FREE, 1);
	expect_cat("cfree", AT_FREE, 1);
	expect_cat("realloc", AT_REALLOC, 1);
	expect_cat("reallocarray", AT_REALLOC, 1);
	expect_cat("__libc_malloc", AT_MALLOC, 1);
	expect_cat("__GI___libc_free", AT_FREE, 1);
	expect_cat("__GI___libc_realloc", AT_REALLOC, 1);
	expect_cat("malloc@@GLIBC_2.2.5", AT_MALLOC, 1);
	expect_cat("_int_malloc", AT_MALLOC, 0);
	expect_cat("_int_malloc.constprop.0", AT_MALLOC, 0);
	expect_cat("sysmalloc.part.0", AT_MALLOC, 0);
	expect_cat("_int_memalign", AT_MALLOC, 0);
	expect_cat("tcache_init", AT_MALLOC, 0);
	expect_cat("tcache_init.part.0", AT_MALLOC, 0);
	expect_cat("_int_free", AT_FREE, 0);
	expect_cat("_int_free_merge_chunk", AT_FREE, 0);
	expect_cat("unlink_chunk.isra.0", AT_FREE, 0);
	expect_cat("malloc_consolidate", AT_FREE, 0);
	expect_cat("tcache_put", AT_FREE, 0);
	expect_cat("_int_realloc", AT_REALLOC, 0);
	expect_cat("_int_free.cold", AT_FREE, 0);
	/* C++ operator new / delete, demangled and mangled */
	expect_cat("operator new(unsigned long)", AT_MALLOC, 1);
	expect_cat("operator new[](unsigned long)", AT_MALLOC, 1);
	expect_cat("operator new(unsigned long, std::align_val_t)", AT_MALLOC, 1);
	expect_cat("operator new", AT_MALLOC, 1); /* DWARF name without parameters */
	expect_cat("operator delete(void*, unsigned long)", AT_FREE, 1);
	expect_cat("operator delete[](void*)", AT_FREE, 1);
	expect_cat("_Znwm", AT_MALLOC, 1);
	expect_cat("_ZnamRKSt9nothrow_t", AT_MALLOC, 1);
	expect_cat("_ZdlPvm", AT_FREE, 1);
	expect_family("operator new(unsigned long)", AT_CXX);
	/* jemalloc */
	expect_cat("je_malloc", AT_MALLOC, 1);
	expect_cat("je_free", AT_FREE, 1);
	expect_cat("je_rallocx", AT_REALLOC, 1);
	expect_cat("mallocx", AT_MALLOC, 1);
	expect_cat("sdallocx", AT_FREE, 1);
	expect_cat("je_tcache_alloc_small_hard", AT_MALLOC, 0);
	expect_cat("je_arena_ralloc", AT_REALLOC, 0);
	expect_cat("je_large_dalloc", AT_FREE, 0);
	expect_family("je_arena_malloc_hard", AT_JEMALLOC);
	/* mimalloc */
	expect_cat("mi_malloc", AT_MALLOC, 1);
	expect_cat("mi_free", AT_FREE, 1);
	expect_cat("mi_realloc", AT_REALLOC, 1);
	expect_cat("mi_heap_malloc_small", AT_MALLOC, 0);
	expect_cat("_mi_malloc_generic", AT_MALLOC, 0);
	expect_cat("_mi_free_generic", AT_FREE, 0);
	expect_cat("_mi_heap_realloc_zero", AT_REALLOC, 0);
	expect_family("_mi_page_malloc", AT_MIMALLOC);
	/* tcmalloc */
	expect_cat("tc_malloc", AT_MALLOC, 1);
	expect_cat("tc_delete", AT_FREE, 1);
	expect_cat("tc_deletearray_sized", AT_FREE, 0);
	expect_cat("tcmalloc::ThreadCache::FetchFromCentralCache(unsigned int, int)", AT_MALLOC, 0);
	expect_family("tc_newarray", AT_TCMALLOC);
	/* Go: allocation and GC (go_table.c); '.' is part of a Go name, not a clone suffix */
	expect_cat("runtime.mallocgc", AT_MALLOC, 1);
	expect_cat("runtime.newobject", AT_MALLOC, 1);
	expect_cat("runtime.growslice", AT_MALLOC, 1);
	expect_cat("runtime.(*mcache).refill", AT_MALLOC, 0);
	expect_cat("runtime.gcBgMarkWorker", AT_GC, 0);
	expect_cat("runtime.gcBgMarkWorker.func2", AT_GC, 0);
	expect_cat("runtime.gcDrainN", AT_GC, 0);
	expect_cat("runtime.scanobject", AT_GC, 0);
	expect_cat("runtime.markrootBlock", AT_GC, 0);
	expect_cat("runtime.gcAssistAlloc1", AT_GC, 0);
	expect_cat("runtime.(*sweepLocked).sweep", AT_GC, 0);
	expect_cat("runtime.bgsweep", AT_GC, 0);
	expect_cat("runtime.gcWriteBarrierBX", AT_GC, 0);
	expect_family("runtime.mallocgc", AT_GO);
	expect_family("runtime.scanobject", AT_GO);
	expect_cat("runtime.memmove", AT_NONE, 0);
	expect_cat("runtime.mallocgcx", AT_NONE, 0);
	expect_cat("runtime.mallocg", AT_NONE, 0);
	expect_cat("main.mallocgc", AT_NONE, 0);
	expect_cat("mallocgc", AT_NONE, 0);
	expect_cat("runtime.", AT_NONE, 0);
	/* near misses: not allocator code */
	expect_cat("main", AT_NONE, 0);
	expect_cat("new_node", AT_NONE, 0);
	expect_cat("malloc_user", AT_NONE, 0);
	expect_cat("mallocate", AT_NONE, 0);
	expect_cat("xmalloc", AT_NONE,
		   0); /* the program's wrapper: the call site, not the allocator */
	expect_cat("strdup", AT_NONE, 0);
	expect_cat("libc.so.6+0x9a12", AT_NONE, 0);
	expect_cat("Foo::operator new(unsigned long)", AT_NONE, 0);
	expect_cat("je_", AT_NONE, 0);
	expect_cat("mi_", AT_NONE, 0);
	expect_cat("mi", AT_NONE, 0);
	expect_cat("", AT_NONE, 0);
	expect_cat(NULL, AT_NONE, 0);
	expect_cat("munmap", AT_NONE, 0);
	/* kernel memory management */
	MM("__x64_sys_brk", 1);
	MM("__do_sys_brk", 1);
	MM("__x64_sys_mmap", 1);
	MM("__x64_sys_munmap", 1);
	MM("__x64_sys_madvise", 1);
	MM("__do_sys_mremap", 1);
	MM("__x64_sys_mprotect", 1);
	MM("exc_page_fault", 1);
	MM("asm_exc_page_fault", 1);
	MM("handle_mm_fault", 1);
	MM("do_anonymous_page", 1);
	MM("clear_page_erms", 1);
	MM("do_user_addr_fault.isra.0", 1);
	MM("__x64_sys_read", 0);
	MM("__x64_sys_mmapfoo", 0);
	MM("__x64_sys_", 0);
	MM("do_syscall_64", 0);
	MM("uprobe_notify_resume", 0);
	MM("__sysvec_apic_timer_interrupt", 0);
	/* the profiler's own work */
	OVH("uprobe_notify_resume", 1);
	OVH("handle_swbp", 1);
	OVH("uprobe_dispatcher", 1);
	OVH("uretprobe_dispatcher", 1);
	OVH("handle_trampoline", 1);
	OVH("arch_uprobe_post_xol", 1);
	OVH("arch_uretprobe_hijack_return_addr", 1);
	OVH("bpf_prog_6deef7357e7b4530_on_malloc", 1);
	OVH("__bpf_prog_enter", 1);
	OVH("bpf_ringbuf_reserve", 1);
	OVH("__uprobe_perf_func", 1);
	OVH("__x64_sys_uretprobe", 1); /* the uretprobe trampoline's system call (Linux 6.11) */
	OVH("put_uprobe", 1);
	OVH("find_active_uprobe_rcu", 1);
	OVH("asm_exc_debug", 1); /* the single step after the displaced instruction */
	OVH("exc_debug_user", 1);
	OVH("exc_int3", 1);
	OVH("kprobe_ftrace_handler", 0);
	OVH("irqentry_exit_to_user_mode", 0);
	if (!at_profiler_overhead_user("[uprobes]", NULL) ||
	    !at_profiler_overhead_user("x", "[uprobes]") ||
	    at_profiler_overhead_user("malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6")) {
		fprintf(stderr, "FAIL at_profiler_overhead_user\n");
		failures++;
	}
	OVH("exc_page_fault", 0);
	OVH("handle_mm_fault", 0);
	OVH("do_syscall_64", 0);
	OVH("_int_malloc", 0);
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("ok allocator_table\n");
	return 0;
}
