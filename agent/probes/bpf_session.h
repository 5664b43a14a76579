/* bpf_session.h: load the allocator BPF programs, attach them as uprobes to one process by the
 * probe plan, read their exact counters, and detach. */
#ifndef ARENAPROF_BPF_SESSION_H
#define ARENAPROF_BPF_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "allocator_probe.h"

struct bpf_session_opts {
	int stack_mode; /* AP_STACK_SNAPSHOT or AP_STACK_FP */
	uint32_t snapshot_bytes; /* <= AP_SNAPSHOT_MAX */
	uint32_t ring_bytes; /* power of two, multiple of the page size */
	pid_t pid; /* the target process */
	uint32_t track_every; /* follow one allocation's lifetime in this many, 0 = none */
	uint32_t sample_every; /* record one allocation call in this many (at random), 0/1 = all */
	uint32_t live_max; /* most objects followed at once */
};

struct bpf_session;
struct ring_buffer;

/* Opens and loads the programs. NULL with a one-line reason in err on failure. */
struct bpf_session *bpf_session_load(const struct bpf_session_opts *opts, char *err, size_t errlen);
/* Takes the plan's allocator functions for pid (attached later by bpf_session_attach_alloc)
 * and attaches the dynamic linker hook for the whole recording. 0, or -1 with a reason. */
int bpf_session_attach(struct bpf_session *s, pid_t pid, const struct alloc_probe_plan *plan,
		       char *err, size_t errlen);
/* An allocation probe of another BPF object sharing the session's ring buffer and counters
 * (Go's runtime.mallocgc, go_session.h): entry only, attached and detached with the allocation
 * functions (every window in the overhead-budget mode), its armed and window_id variables set
 * with the session's. The strings are copied. */
struct bpf_program;
struct bpf_session_extra {
	struct bpf_program *prog; /* NULL: none */
	const char *host_path, *target_path, *name;
	uint64_t offset;
	volatile uint32_t *armed, *window_id;
};
void bpf_session_add_extra(struct bpf_session *s, const struct bpf_session_extra *x);
/* Attaches the free probe (unless it is still attached) and the entry and return probes of
 * every allocation function: for the whole recording in --exact mode, for one window in the
 * overhead-budget mode. 0, or -1 with a one-line reason (which function, which object, the
 * kernel's error) and nothing left attached. */
int bpf_session_attach_alloc(struct bpf_session *s, int with_free, char *err, size_t errlen);
/* Closes the allocation functions' links (not free's). Trapping stops when this starts. */
void bpf_session_detach_alloc(struct bpf_session *s);
void bpf_session_detach_free(struct bpf_session *s);
/* Links are closed in the background (closing one waits for RCU grace periods); this waits
 * until every close has returned. */
void bpf_session_wait_closed(void);
/* Waits until every link being closed has started its close (its probes no longer trap). */
void bpf_session_wait_untrapped(void);
/* On the perf-event attach path a closed link's breakpoint traps on, with no program left to
 * count the hits, until the kernel removes it 0.1-1 s later (links close one after another):
 * waits until no probed address hit between the counters c0 and c1 holds a breakpoint (at most
 * 2 s after since_ns, CLOCK_MONOTONIC) and returns how long after since_ns they went, weighted
 * by those hits. 0 at once on the uprobe_multi path, which stops trapping when the close
 * starts. */
uint64_t bpf_session_trapped_after_close(struct bpf_session *s, uint64_t since_ns,
					 const uint64_t *c0, const uint64_t *c1);
/* Empties the per-thread pending calls and the followed objects (between windows, with no
 * allocator probe attached). */
void bpf_session_forget_calls(struct bpf_session *s);
/* Whether any followed object is still live (not yet freed). */
int bpf_session_has_live_objects(const struct bpf_session *s);
/* armed: allocator probes count and record; cpu_armed: CPU samples are recorded; free_tail:
 * the free probe pairs followed objects while not armed. */
void bpf_session_set_flags(struct bpf_session *s, int armed, int cpu_armed, int free_tail);
/* The window number stamped into the records from now on. */
void bpf_session_set_window(struct bpf_session *s, uint32_t id);
/* Probes the entry and return of a scope function to verify inferred scopes (record --verify);
 * index < AP_MAX_SCOPES identifies it in bpf_session_scope_stats. 0, or -1 with a reason. */
int bpf_session_attach_scope(struct bpf_session *s, pid_t pid, int index, const char *name,
			     const struct alloc_probe *p, char *err, size_t errlen);
/* record --verify-loop F:A: an entry probe on A (call); a call of A whose return address is in
 * [lo, hi) (F's code in the target) starts a new iteration of the loop in F, tagged like a scope
 * invocation. index < AP_MAX_SCOPES, not used by a call scope; bpf_session_scope_stats gives the
 * iterations ended by the next one and their total length. 0, or -1 with a reason. */
int bpf_session_attach_loop(struct bpf_session *s, pid_t pid, int index, const char *name,
			    const struct alloc_probe *call, uint64_t lo, uint64_t hi, char *err,
			    size_t errlen);
/* Invocations that returned while armed, and their total duration. */
int bpf_session_scope_stats(const struct bpf_session *s, int index, uint64_t *invocations,
			    uint64_t *total_ns);
/* Watches for the target's exec (raw tracepoint). 0, or -1 with a reason. */
int bpf_session_watch_exec(struct bpf_session *s, char *err, size_t errlen);
/* Whether an exec happened whose record the agent has not read yet; clear it after reading. */
int bpf_session_exec_pending(const struct bpf_session *s);
void bpf_session_clear_exec(struct bpf_session *s);
/* Samples the CPU of every thread of pid at freq Hz (software cpu-clock perf events, one per
 * existing thread, inherited by threads created later). 0, or -1 with a one-line reason. */
int bpf_session_sample_cpu(struct bpf_session *s, pid_t pid, unsigned int freq, char *err,
			   size_t errlen);
/* Starts (armed = 1) or stops counting and recording in every program at once. Probes attach
 * disarmed. */
void bpf_session_arm(struct bpf_session *s, int armed);
/* Removes all probes and samplers: the target runs untouched afterwards. */
void bpf_session_detach(struct bpf_session *s);
/* The ring buffer's map fd, for ring_buffer__new. */
int bpf_session_ring_fd(const struct bpf_session *s);
/* Sums the per-CPU counters (enum ap_counter) into out[AP_CNT_COUNT]. 0 or -errno. */
int bpf_session_counters(const struct bpf_session *s, uint64_t *out);
/* The counters map's fd, shared with the Go probe (go_session.h). */
int bpf_session_counters_fd(const struct bpf_session *s);
/* The allocation calls of all functions in counters read by bpf_session_counters. */
uint64_t bpf_session_allocs(const uint64_t *counters);
/* Number of allocator functions probed (free and the extra probe included). */
int bpf_session_probe_count(const struct bpf_session *s);
/* How many distinct objects (files) those probes are in. */
int bpf_session_probe_objects(const struct bpf_session *s);
void bpf_session_free(struct bpf_session *s);

#endif
