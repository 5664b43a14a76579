/* go_binary.h: recognise a Go executable and find what the Go probes need in it: the file offset
 * of runtime.mallocgc, the Go version, and the runtime's functions (to skip them when naming an
 * allocation's call site). */
#ifndef ARENAPROF_GO_BINARY_H
#define ARENAPROF_GO_BINARY_H

#include <stdint.h>

#include "gopclntab.h"

struct go_binary {
	char version[32]; /* "go1.19.8", or "unknown" */
	uint64_t mallocgc_offset; /* file offset of runtime.mallocgc's first instruction */
	/* where the probe goes: the jbe of the stack-bound check in mallocgc's prologue
	 * (go_binary.c; mallocgc_offset when there is none), registers and [sp] still as at the
	 * entry */
	uint64_t probe_offset;
	/* its first instruction is push %rbp or endbr64: the kernel's frame-pointer walk then adds
	 * the caller's return address itself (the BPF program must not add it again) */
	int mallocgc_adds_caller;
	int pie; /* ET_DYN: addresses move by the load bias */
	uint64_t text_vaddr, text_offset; /* p_vaddr and p_offset of the executable segment */
	struct go_pclntab funcs;
};

/* Whether the ELF file at path is a Go program (.go.buildinfo, .gopclntab or a Go build id
 * note). 1, 0, or -errno when it cannot be read. */
int go_binary_detect(const char *path);

/* Opens a Go executable: its function table and runtime.mallocgc. 0, or -1 with a one-line
 * reason in err. */
int go_binary_open(const char *path, struct go_binary *gb, char *err, size_t errlen);
void go_binary_close(struct go_binary *gb);

/* A runtime function that allocates for the compiled code's new, make, append, string, interface
 * and map operations (runtime.newobject, runtime.growslice, runtime.mapassign...), runtime.mallocgc
 * itself included: what the call site of a Go allocation is the caller of. */
int go_is_alloc_entry(const char *name);

#endif
