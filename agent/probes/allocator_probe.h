/* allocator_probe.h: find which mapped object of a process provides each allocator function,
 * and where (file offset) to put the uprobes. */
#ifndef ARENAPROF_ALLOCATOR_PROBE_H
#define ARENAPROF_ALLOCATOR_PROBE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_maps.h"

/* Every function probed: X(ENUM_SUFFIX, symbol, enum ap_kind). The allocation functions
 * first, then free and the operator delete family (from AF_FREE), then the dynamic linker's
 * hook. The kinds and their names are bpf/alloc_event.h's AP_ALLOC_KINDS / AP_FREE_KINDS; the
 * C++ operators are the Itanium ABI's mangled names for LP64 (size_t = unsigned long). */
#define AP_ALLOC_FUNCS(X)                                                                     \
	X(MALLOC, "malloc", AP_KIND_MALLOC)                                                   \
	X(CALLOC, "calloc", AP_KIND_CALLOC)                                                   \
	X(REALLOC, "realloc", AP_KIND_REALLOC)                                                \
	X(POSIX_MEMALIGN, "posix_memalign", AP_KIND_POSIX_MEMALIGN)                           \
	X(ALIGNED_ALLOC, "aligned_alloc", AP_KIND_ALIGNED_ALLOC)                              \
	X(MEMALIGN, "memalign", AP_KIND_MEMALIGN)                                             \
	X(NEW, "_Znwm", AP_KIND_NEW)                                                          \
	X(NEW_NOTHROW, "_ZnwmRKSt9nothrow_t", AP_KIND_NEW)                                    \
	X(NEW_ALIGNED, "_ZnwmSt11align_val_t", AP_KIND_NEW)                                   \
	X(NEW_ALIGNED_NOTHROW, "_ZnwmSt11align_val_tRKSt9nothrow_t", AP_KIND_NEW)             \
	X(NEW_ARRAY, "_Znam", AP_KIND_NEW_ARRAY)                                              \
	X(NEW_ARRAY_NOTHROW, "_ZnamRKSt9nothrow_t", AP_KIND_NEW_ARRAY)                        \
	X(NEW_ARRAY_ALIGNED, "_ZnamSt11align_val_t", AP_KIND_NEW_ARRAY)                       \
	X(NEW_ARRAY_ALIGNED_NOTHROW, "_ZnamSt11align_val_tRKSt9nothrow_t", AP_KIND_NEW_ARRAY) \
	X(FREE, "free", AP_KIND_FREE)                                                         \
	X(DELETE, "_ZdlPv", AP_KIND_DELETE)                                                   \
	X(DELETE_SIZED, "_ZdlPvm", AP_KIND_DELETE)                                            \
	X(DELETE_NOTHROW, "_ZdlPvRKSt9nothrow_t", AP_KIND_DELETE)                             \
	X(DELETE_ALIGNED, "_ZdlPvSt11align_val_t", AP_KIND_DELETE)                            \
	X(DELETE_ALIGNED_NOTHROW, "_ZdlPvSt11align_val_tRKSt9nothrow_t", AP_KIND_DELETE)      \
	X(DELETE_SIZED_ALIGNED, "_ZdlPvmSt11align_val_t", AP_KIND_DELETE)                     \
	X(DELETE_ARRAY, "_ZdaPv", AP_KIND_DELETE_ARRAY)                                       \
	X(DELETE_ARRAY_SIZED, "_ZdaPvm", AP_KIND_DELETE_ARRAY)                                \
	X(DELETE_ARRAY_NOTHROW, "_ZdaPvRKSt9nothrow_t", AP_KIND_DELETE_ARRAY)                 \
	X(DELETE_ARRAY_ALIGNED, "_ZdaPvSt11align_val_t", AP_KIND_DELETE_ARRAY)                \
	X(DELETE_ARRAY_ALIGNED_NOTHROW, "_ZdaPvSt11align_val_tRKSt9nothrow_t",                \
	  AP_KIND_DELETE_ARRAY)                                                               \
	X(DELETE_ARRAY_SIZED_ALIGNED, "_ZdaPvmSt11align_val_t", AP_KIND_DELETE_ARRAY)         \
	/* not an allocator function: the dynamic linker's library hook */                    \
	X(DL_DEBUG_STATE, "_dl_debug_state", AP_KIND_MAPS_CHANGED)

#define AF_ENUM_(suffix, symbol, kind) AF_##suffix,
enum alloc_func {
	AP_ALLOC_FUNCS(AF_ENUM_) AF_COUNT,
	AF_FREE_END = AF_DL_DEBUG_STATE, /* free and delete: AF_FREE .. AF_FREE_END - 1 */
};
#undef AF_ENUM_

struct alloc_probe {
	int found;
	int alias_of; /* -1, or the function whose probe already covers this address */
	uint64_t file_offset; /* of the function's first instruction */
	uint64_t size; /* of the function's code (its symbol's st_size; 0 unknown) */
	char target_path[PATH_MAX]; /* the object as the target maps it */
	char host_path[PATH_MAX]; /* the same file, openable here (through /proc/PID/root) */
};

struct alloc_probe_plan {
	struct alloc_probe f[AF_COUNT];
};

/* The function's symbol. (Its kind is used where bpf/alloc_event.h is: agent/bpf_session.c.) */
const char *alloc_func_name(enum alloc_func f);

/* Resolves every allocator function the way the dynamic linker would for this process: the
 * executable first (static binaries, interposing allocators), then other objects, libc last.
 * The C++ operators are looked for in the object that provides malloc right after the
 * executable: an allocator that defines them (jemalloc, tcmalloc) comes before libstdc++ in the
 * linker's order whether it is preloaded or linked (g++ puts -lstdc++ last).
 * Returns 0 when at least malloc and free were found, else -1 with a one-line reason in err. */
int allocator_probe_plan(pid_t pid, const struct proc_maps *maps, struct alloc_probe_plan *plan,
			 char *err, size_t errlen);

/* Finds a function by name (local symbols included) in the process's objects, in the same
 * order; fills out. 0, or -1 with
 * a one-line reason in err. */
int function_probe(pid_t pid, const struct proc_maps *maps, const char *name,
		   struct alloc_probe *out, char *err, size_t errlen);

/* Looks up one function symbol in an ELF file (.symtab and .dynsym, defined, FUNC or IFUNC
 * excluded); sets *file_offset. 0 on success, -ENOENT when absent, other -errno on error. */
int elf_function_offset(const char *path, const char *name, uint64_t *file_offset);

#endif
