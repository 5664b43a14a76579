/* stack_store.h: the agent's in-memory profile: deduplicated call stacks with per-allocator-
 * function counts, symbolized frames and per-thread totals, written to the database in batches. */
#ifndef ARENAPROF_STACK_STORE_H
#define ARENAPROF_STACK_STORE_H

#include <stdint.h>

#include "profile_writer.h"
#include "symbolize.h"
#include "target_space.h"

struct stack_store;

#define STACK_MAX_CHAIN 256

/* What the lifetime tracker needs of a stored chain: its stack id and, per chain element, the
 * identity of its (real, not inlined) function and the stack_frames position of that frame. */
struct chain_info {
	int64_t stack_id;
	int n;
	uint64_t func[STACK_MAX_CHAIN];
	int pos[STACK_MAX_CHAIN];
};

struct stack_store *stack_store_new(struct target_space *ts, struct symbolizer *sym);
void stack_store_free(struct stack_store *st);

/* Records one allocation call. ips[0..n) is its call chain, ips[0] the return address into the
 * call site, outward from there. kind: enum ap_kind. 0, or -ENOMEM. */
/* window: the overhead-budget window of the call (0: --exact mode), counted per stack and
 * window for the error bars. weight: how many calls the record stands for (--sample-every). */
int stack_store_add(struct stack_store *st, const uint64_t *ips, int n, int truncated, int kind,
		    uint64_t size, uint32_t tid, uint32_t window, uint32_t weight,
		    struct chain_info *info);
/* Ends every stack's current window count (at the end of the recording). 0, or -ENOMEM. */
int stack_store_close_windows(struct stack_store *st);
/* Stores a chain of return addresses without counting anything (the stack of a free), filling
 * info. 0, or -ENOMEM. */
int stack_store_intern(struct stack_store *st, const uint64_t *ips, int n, int truncated,
		       struct chain_info *info);

/* Records one CPU sample: kernel return addresses kips[0..nk) (kips[0] the interrupted kernel
 * instruction) when it hit kernel code, then the user chain uips[0..nu) (uips[0] the interrupted
 * or resumed user instruction). 0, or -ENOMEM. */
int stack_store_add_cpu(struct stack_store *st, const uint64_t *kips, int nk, const uint64_t *uips,
			int nu, int truncated, uint32_t tid);

struct kallsyms;
/* Names kernel frames (CPU samples); without it they are "[kernel]+0x...". */
void stack_store_set_kallsyms(struct stack_store *st, const struct kallsyms *ksyms);

/* Writes everything new or changed since the last flush (within the caller's transaction). */
int stack_store_flush(struct stack_store *st, struct profile_writer *w);

/* The size mix of the recorded allocations: up to max (average size, count) pairs, one per stack
 * and allocator function, the most frequent first. Returns how many. */
int stack_store_size_mix(const struct stack_store *st, uint64_t *sizes, uint64_t *counts, int max);

/* The call sites (innermost frame names) with the most allocations so far, largest first:
 * fills up to max names (valid until the store is freed) and counts; returns how many. For the
 * live progress line: approximate when there are more distinct sites than max. */
int stack_store_top_sites(const struct stack_store *st, const char **names, uint64_t *allocs,
			  int max);

struct stack_store_stats {
	uint64_t allocs, cpu_samples, stacks, addresses, frames, truncated;
};
void stack_store_stats(const struct stack_store *st, struct stack_store_stats *out);

const char *ap_kind_name(int kind);

#endif
