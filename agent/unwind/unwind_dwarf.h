/* unwind_dwarf.h: turn a stack snapshot taken in a target process (registers + a copy of the
 * stack from sp) into a call chain, with libunwind's remote API and the .eh_frame unwind info of
 * the target's ELF files. One unwinder is used by one thread at a time. */
#ifndef ARENAPROF_UNWIND_DWARF_H
#define ARENAPROF_UNWIND_DWARF_H

#include <stdint.h>

#include "target_space.h"

struct stack_snapshot {
	uint64_t ip, sp, bp; /* registers at the probe */
	const uint8_t *data; /* bytes of the target's stack starting at address sp */
	uint32_t len; /* how many bytes (may be 0) */
};

struct unwinder;

struct unwinder *unwinder_new(struct target_space *ts);
void unwinder_free(struct unwinder *u);
/* Fills ips[0..] with the call chain, ips[0] = s->ip, then return addresses outward. Returns
 * the count (>= 1 when max >= 1). The chain ends at ip 0, at the outermost frame, at a
 * non-increasing sp, at a read outside the snapshot, or at a return address in the [uprobes]
 * trampoline page (not stored; counted in stats.truncated, see unwinder_last_truncated). */
int unwind_dwarf(struct unwinder *u, const struct stack_snapshot *s, uint64_t *ips, int max);

/* The same, also giving each frame's sp (sps[0] = s->sp); the return address ips[i], i >= 1,
 * was read from the stack at sps[i] - 8 (x86-64: it sits just below the caller's sp). */
int unwind_dwarf_sp(struct unwinder *u, const struct stack_snapshot *s, uint64_t *ips,
		    uint64_t *sps, int max);

struct unwind_stats {
	uint64_t samples, frames, table_cache_hits, table_cache_misses, truncated;
};
void unwinder_stats(const struct unwinder *u, struct unwind_stats *out);

/* Additions. */

/* True when the last unwind_dwarf call stopped at a uretprobe trampoline address. */
int unwinder_last_truncated(const struct unwinder *u);

/* libunwind's caching of parsed CFI per address space (unw_set_caching_policy). The default,
 * GLOBAL, is the fastest that is correct on every libunwind build. Its cost is a lock that blocks
 * all signals around each frame's cache lookup: two rt_sigprocmask syscalls per frame, about
 * three quarters of the warm cost (bench/unwind_bench.sh). PER_THREAD would avoid it, but
 * Debian's libunwind 1.6.2 is built without per-thread caches and silently treats it as GLOBAL
 * (where it is compiled in, the thread-local cache is shared by all address spaces of the
 * thread, so two targets could see each other's entries). NONE takes more locks (the CIE pool):
 * about six syscalls per frame. */
enum unwind_cache_policy {
	UNWIND_CACHE_NONE,
	UNWIND_CACHE_GLOBAL,
	UNWIND_CACHE_PER_THREAD,
};
int unwinder_set_cache_policy(struct unwinder *u, enum unwind_cache_policy policy);

#endif
