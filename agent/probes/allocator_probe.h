/* allocator_probe.h: find which mapped object of a process provides each allocator function,
 * and where (file offset) to put the uprobes. */
#ifndef ARENAPROF_ALLOCATOR_PROBE_H
#define ARENAPROF_ALLOCATOR_PROBE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_maps.h"

enum alloc_func {
	AF_MALLOC,
	AF_CALLOC,
	AF_REALLOC,
	AF_POSIX_MEMALIGN,
	AF_ALIGNED_ALLOC,
	AF_MEMALIGN,
	AF_FREE,
	AF_DL_DEBUG_STATE, /* not an allocator function: the dynamic linker's library hook */
	AF_COUNT,
};

struct alloc_probe {
	int found;
	int alias_of; /* -1, or the function whose probe already covers this address */
	uint64_t file_offset; /* of the function's first instruction */
	char target_path[PATH_MAX]; /* the object as the target maps it */
	char host_path[PATH_MAX]; /* the same file, openable here (through /proc/PID/root) */
};

struct alloc_probe_plan {
	struct alloc_probe f[AF_COUNT];
};

const char *alloc_func_name(enum alloc_func f);

/* Resolves every allocator function the way the dynamic linker would for this process: the
 * executable first (static binaries, interposing allocators), then other objects, libc last.
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
