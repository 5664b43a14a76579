/* recorder.h: private to agent/record/record*.c: the state of one `arenaprof record` run, and
 * what its three files call in each other: record.c (the lifecycle), record_decode.c (the
 * ring-buffer consumer) and record_meta.c (meta, counters, windows and scope probes). */
#ifndef ARENAPROF_RECORDER_H
#define ARENAPROF_RECORDER_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "alloc_event.h"
#include "allocator_probe.h"
#include "peak_rss.h"
#include "probe_cost.h"
#include "profile_db.h"
#include "record_options.h"
#include "stack_store.h"
#include "windows.h"

/* The consumer's scratch space (record_decode.c): too large for its stack frames, and used by one
 * record at a time (the ring buffer is consumed on one thread). */
struct record_decoder {
	uint8_t snapshot[AP_SNAPSHOT_MAX + 512]; /* with the uretprobe returns put back */
	struct chain_info chain; /* the interned chain of the record being decoded */
};

struct recorder {
	struct record_options opt;
	pid_t pid;
	int pidfd;
	struct bpf_session *bpf;
	struct go_session *go; /* a Go target: the mallocgc probe */
	int is_go;
	struct ring_buffer *ring;
	struct target_space *ts;
	struct unwinder *unw;
	struct unwind_cache *unw_cache;
	struct symbolizer *sym;
	struct stack_store *store;
	struct kallsyms *ksyms;
	struct lifetimes *lifetimes;
	struct alloc_probe scopes[16]; /* record --verify */
	struct alloc_probe loop_fns[16], loop_calls[16]; /* record --verify-loop F:A */
	struct windows *win; /* overhead-budget mode, else NULL */
	struct probe_costs cost;
	struct window_row done[256]; /* finished windows not written yet */
	int ndone;
	sqlite3 *db;
	struct profile_writer *w;
	uint64_t records, bad_records, unwind_truncated;
	uint64_t start_ns, start_wall_ns, end_wall_ns;
	const char *end_reason;
	char target_exit[32];
	struct peak_rss peak_rss; /* the target's, meta peak_rss_kib */
	int write_failed; /* a batch could not be written: the recording stopped there */
	atomic_int detached;
	int tty, progress_shown;
	uint64_t next_progress, last_progress_ns, last_progress_allocs;
	struct record_decoder dec;
};

/* record_decode.c: the ring buffer's callback (libbpf ring_buffer_sample_fn); ctx is the
 * recorder. */
int on_event(void *ctx, void *data, size_t len);

/* record_meta.c */
int take_windows(struct recorder *r);
int flush_batch(struct recorder *r);
int write_start_meta(struct recorder *r, const struct alloc_probe_plan *plan);
int write_end_meta(struct recorder *r);

#endif
