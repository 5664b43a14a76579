/* allocator_table.h: which function names are allocator code (glibc, jemalloc, tcmalloc,
 * mimalloc, C++ operator new/delete), which kernel functions are memory management an allocator
 * causes (brk, mmap, page faults...), and which kernel functions are the profiler's own uprobe/BPF
 * handling. The names live in tables in allocator_table.c; analyzer/README.md lists the rules. */
#ifndef ARENAPROF_ALLOCATOR_TABLE_H
#define ARENAPROF_ALLOCATOR_TABLE_H

/* What a function is for. AT_NONE: not allocator code. */
enum at_category {
	AT_NONE = 0,
	AT_MALLOC,
	AT_FREE,
	AT_REALLOC,
	AT_GC /* Go: garbage collection */
};

enum at_family { AT_GLIBC, AT_JEMALLOC, AT_TCMALLOC, AT_MIMALLOC, AT_CXX, AT_GO };

struct at_match {
	enum at_category category;
	enum at_family family;
	int entry_point; /* 1: an API function (malloc, je_free...), 0: an internal one */
};

/* Looks up a user-space function name as symbolized (demangled C++, GCC clone suffixes such as
 * ".constprop.0" or ".cold", symbol versions "@GLIBC_2.2.5" and glibc's "__GI_" alias prefix are
 * ignored). Go runtime names ("runtime.mallocgc", "runtime.gcDrain") are looked up in go_table.c:
 * family AT_GO, category AT_MALLOC or AT_GC. AT_NONE in m->category (and the return value) when
 * it is not allocator code. */
enum at_category at_lookup(const char *function, struct at_match *m);

/* A kernel function of memory management an allocator causes: the brk, mmap, munmap, mremap,
 * madvise and mprotect system calls and page-fault handling. */
int at_kernel_mm(const char *function);

/* A kernel function of the profiler's own work: uprobe and uretprobe handling (the int3 and
 * single-step traps included), BPF programs. */
int at_profiler_overhead(const char *function);

/* The kernel's page of uprobe instruction slots and the uretprobe trampoline, as a frame's
 * function (outside any file mapping) or module. */
#define AT_UPROBES_PAGE "[uprobes]"

/* A user frame in the uprobes page: as the innermost user frame of a CPU sample, the thread was
 * executing the profiler's displaced instruction or return trampoline. */
int at_profiler_overhead_user(const char *function, const char *module);

const char *at_category_name(enum at_category c); /* "malloc", "free", "realloc", "gc", "none" */
const char *at_family_name(enum at_family f); /* "glibc", "jemalloc", ... */

/* 0 when the tables are well formed (the exact names sorted, as the binary search needs). */
int at_self_check(void);

#endif
