// SPDX-License-Identifier: GPL-2.0
/* alloc.bpf.c: the BPF programs of one recording. Uprobes on the allocator functions of one
 * process, and a perf-event program sampling its CPU. Entry probes remember the
 * arguments per thread; the return probe emits one ring-buffer record per allocation call with the
 * result, the registers and a copy of the user stack (or frame-pointer return addresses), and per-CPU
 * counters keep exact totals even when the ring buffer is full. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "alloc_event.h"
#include "event_fill.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 stack_mode = AP_STACK_SNAPSHOT;
const volatile __u32 snapshot_bytes = 8192;
const volatile __u64 wakeup_bytes = 1 << 20;
const volatile __u32 target_tgid;
/* Follow the lifetime of one allocation in track_every (chosen at random), 0 = none. */
const volatile __u32 track_every = 64;
/* Record one allocation call in sample_every, chosen at random (each with probability
 * 1/sample_every: the gaps between recorded calls are geometric with that mean); every call is
 * counted in the per-CPU counters. 1 = all. */
const volatile __u32 sample_every = 1;

/* Set by the agent once every probe is attached and cleared before the first is detached:
 * attaching and detaching take a while link by link (~0.1 s each), and counting only while
 * armed makes every counter cover the same instants. */
volatile __u32 armed;

/* Overhead-budget windows (docs/design.md): while the allocator probes are attached the CPU
 * samples are not recorded (they would show probe handling, not the program); free_tail keeps
 * the free probe pairing followed objects after the allocation probes of a window are gone;
 * window_id numbers the windows in the records. In --exact mode cpu_armed follows armed. */
volatile __u32 cpu_armed;
volatile __u32 free_tail;
volatile __u32 window_id;
/* Set in the windows that count allocations without the free probe: no lifetime is followed
 * there (no free would end it). */
volatile __u32 no_track;

/* Set when the target execs, cleared by the agent once it read that exec's record: until then
 * the maps in /proc belong to the new image while the ring still holds the old one's records. */
volatile __u32 exec_pending;

/* What an entry probe remembers until the return probe of the same thread; or (depth 0) the
 * operator delete the thread entered last, until its next allocator call. */
struct ap_pending {
	__u64 size;
	__u64 memptr; /* posix_memalign's out parameter; realloc's old pointer */
	__u64 sp; /* stack pointer at the outermost call's entry */
	__u32 depth; /* allocator calls in progress on this thread (nesting) */
	__u8 kind;
	__u64 deleting; /* depth 0: the pointer operator delete was given */
	__u64 deleting_sp; /* and the stack pointer at that delete's entry */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20); /* resized by the agent before load */
} events SEC(".maps");

/* A plain hash, not an LRU: an LRU map evicts live entries under update churn long before it is
 * full (measured: a quarter of the returns found no entry with two busy threads). Entries are
 * deleted when the outermost call returns. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct ap_pending);
} pending SEC(".maps");

/* Active invocations of verified scope functions, per thread (innermost last). A frame is a
 * call (loop[i] = 0) or one iteration of a verified loop (record --verify-loop F:A; loop[i] = its
 * index + 1): it starts at a call of A made from F and ends at the next one, which replaces it. */
struct ap_scope_frames {
	__u32 depth;
	__u32 pad;
	__u64 inv[AP_SCOPE_DEPTH];
	__u64 start[AP_SCOPE_DEPTH];
	__u8 loop[AP_SCOPE_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct ap_scope_frames);
} scope_frames SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AP_MAX_SCOPES);
	__type(key, __u32);
	__type(value, struct ap_scope_stats);
} scope_stats SEC(".maps");

__u64 next_inv;

/* record --verify-loop F:A, by scope index: F's code [loop_lo, loop_hi) in the target's address
 * space; a call of A whose return address lies there starts an iteration. Set before attach. */
__u64 loop_lo[AP_MAX_SCOPES];
__u64 loop_hi[AP_MAX_SCOPES];

/* Objects whose lifetime is followed: allocated while armed, not yet freed. Their free (or
 * realloc) produces a record with a stack; other frees are only counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20); /* set by the agent before load */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u8);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AP_CNT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += n;
}

/* Whether the thread is inside an allocator call: one is pending and the stack is as deep as
 * at its entry or deeper (a pending entry whose frame is gone — its return was never seen, e.g.
 * the thread longjmp'ed out — is stale, not an enclosing call). As deep: a tail call, as
 * operator new[] jumps to operator new in libstdc++ and jemalloc. */
static __always_inline int inside_call(const struct ap_pending *p, __u64 sp)
{
	return p && p->depth > 0 && sp <= p->sp;
}

/* Whether a free (or delete) of ptr is made by the operator delete of the same pointer this
 * thread entered last: libstdc++'s delete tail-calls free (its sized and array forms tail-call
 * the plain delete), at the stack depth of the delete's entry or deeper. The mark lasts until the
 * thread's next allocator call: a delete that does not call free (jemalloc's sized delete) leaves
 * it, and a later free of the same address is mistaken only when another thread allocated that
 * address again and this one frees it before allocating anything itself. */
static __always_inline int made_by_delete(const struct ap_pending *p, __u64 ptr, __u64 sp)
{
	return p && p->depth == 0 && p->deleting == ptr && sp <= p->deleting_sp;
}

static __always_inline int on_entry(struct pt_regs *ctx, __u8 kind, __u64 size, __u64 memptr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ap_pending *p = bpf_map_lookup_elem(&pending, &tid);
	struct ap_pending fresh = {};
	__u64 sp = PT_REGS_SP(ctx);

	if (!armed) {
		count(AP_CNT_UNARMED_HITS, 1);
		return 0;
	}
	if (inside_call(p, sp)) {
		p->depth++;
		count(AP_CNT_NESTED, 1);
		return 0;
	}
	fresh.size = size;
	fresh.memptr = memptr;
	fresh.sp = sp;
	fresh.kind = kind;
	fresh.depth = 1;
	bpf_map_update_elem(&pending, &tid, &fresh, BPF_ANY);
	return 0;
}

/* One entry program for every allocation function: the link's cookie says which (enum ap_kind)
 * and so where its size and pointer arguments are. One program means one uprobe_multi link per
 * object for all of them, which matters when links are created and closed for every window. */
SEC("uprobe")
int BPF_KPROBE(alloc_entry, __u64 a1, __u64 a2, __u64 a3)
{
	__u8 kind = (__u8)bpf_get_attach_cookie(ctx);

	switch (kind) {
	case AP_KIND_MALLOC:
		return on_entry(ctx, kind, a1, 0);
	case AP_KIND_CALLOC:
		return on_entry(ctx, kind, a1 * a2, 0);
	case AP_KIND_REALLOC:
		return on_entry(ctx, kind, a2, a1);
	case AP_KIND_POSIX_MEMALIGN:
		return on_entry(ctx, kind, a3, a1);
	case AP_KIND_NEW:
	case AP_KIND_NEW_ARRAY: /* (size[, alignment][, nothrow]) */
		return on_entry(ctx, kind, a1, 0);
	default: /* aligned_alloc, memalign: (alignment, size) */
		return on_entry(ctx, kind, a2, 0);
	}
}

/* Copies about want bytes of user stack from sp into dst (which has room for want + 512):
 * a read crossing the end of the stack mapping fails as a whole, so read in pieces aligned to
 * 512-byte boundaries and stop at the first piece that cannot be read. */
static __always_inline __u32 copy_stack(__u8 *dst, __u64 sp, __u32 want)
{
	__u32 off = 0;

	for (int i = 0; i < AP_SNAPSHOT_MAX / 512 + 1; i++) {
		__u64 addr = sp + off;
		__u32 chunk = 512 - (__u32)(addr & 511);

		if (off >= want || off > AP_SNAPSHOT_MAX)
			break;
		if (bpf_probe_read_user(dst + off, chunk & 1023, (void *)addr))
			break;
		off += chunk;
	}
	return off > want ? want : off;
}

static __always_inline __u32 stack_bytes(void)
{
	if (stack_mode == AP_STACK_FP)
		return AP_FP_MAX_FRAMES * 8;
	return snapshot_bytes + 512;
}

static __always_inline __u32 record_bytes(void)
{
	return sizeof(struct ap_event) + stack_bytes();
}

/* The user stack (snapshot or frame-pointer walk) of the current thread into data. */
static __always_inline __u32 user_stack(void *ctx, __u8 *data, __u64 sp)
{
	long n;

	if (stack_mode == AP_STACK_FP) {
		n = bpf_get_stack(ctx, data, AP_FP_MAX_FRAMES * 8, BPF_F_USER_STACK);
		return n > 0 ? (__u32)n : 0;
	}
	return copy_stack(data, sp, snapshot_bytes);
}

static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP :
									       BPF_RB_NO_WAKEUP;
}

/* The innermost active scope invocation of the current thread, 0 when none. */
static __always_inline __u64 current_scope(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ap_scope_frames *f = bpf_map_lookup_elem(&scope_frames, &tid);
	__u32 d;

	if (!f || f->depth == 0)
		return 0;
	d = f->depth - 1;
	return d < AP_SCOPE_DEPTH ? f->inv[d] : 0;
}

SEC("uprobe")
int BPF_KPROBE(scope_entry)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ap_scope_frames *f = bpf_map_lookup_elem(&scope_frames, &tid), fresh = {};
	__u32 d;

	if (!armed)
		return 0;
	if (!f) {
		bpf_map_update_elem(&scope_frames, &tid, &fresh, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&scope_frames, &tid);
		if (!f)
			return 0;
	}
	d = f->depth;
	if (d < AP_SCOPE_DEPTH) {
		f->inv[d] = __sync_fetch_and_add(&next_inv, 1) + 1;
		f->start[d] = bpf_ktime_get_ns();
		f->loop[d] = 0;
	}
	f->depth = d + 1; /* deeper than AP_SCOPE_DEPTH: counted, not tracked */
	return 0;
}

/* The return address of a function at its first instruction. */
static __always_inline __u64 entry_return_address(struct pt_regs *ctx)
{
#if defined(__TARGET_ARCH_x86)
	__u64 ret = 0;

	bpf_probe_read_user(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx));
	return ret;
#else
	return PT_REGS_RET(ctx); /* the link register */
#endif
}

/* Entry of A for record --verify-loop F:A (cookie: the scope index): when F called it, the
 * iteration of the loop in F on top of the thread's frames ends (counted) and a new one starts;
 * without one on top, the first iteration is pushed. */
SEC("uprobe")
int BPF_KPROBE(loop_entry)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), key = (__u32)bpf_get_attach_cookie(ctx);
	struct ap_scope_frames *f, fresh = {};
	struct ap_scope_stats *st;
	__u64 ret, now;
	__u32 d;

	if (!armed || key >= AP_MAX_SCOPES)
		return 0;
	ret = entry_return_address(ctx);
	if (ret < loop_lo[key] || ret >= loop_hi[key])
		return 0; /* A called from elsewhere */
	f = bpf_map_lookup_elem(&scope_frames, &tid);
	if (!f) {
		bpf_map_update_elem(&scope_frames, &tid, &fresh, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&scope_frames, &tid);
		if (!f)
			return 0;
	}
	now = bpf_ktime_get_ns();
	d = f->depth;
	if (d > 0 && d <= AP_SCOPE_DEPTH && f->loop[(d - 1) & (AP_SCOPE_DEPTH - 1)] == key + 1) {
		__u32 top = (d - 1) & (AP_SCOPE_DEPTH - 1);

		st = bpf_map_lookup_elem(&scope_stats, &key);
		if (st) {
			st->invocations++;
			st->total_ns += now - f->start[top];
		}
		f->inv[top] = __sync_fetch_and_add(&next_inv, 1) + 1;
		f->start[top] = now;
		return 0;
	}
	if (d >= AP_SCOPE_DEPTH)
		return 0; /* no room: an untracked iteration could not be found again to replace */
	f->inv[d] = __sync_fetch_and_add(&next_inv, 1) + 1;
	f->start[d] = now;
	f->loop[d] = (__u8)(key + 1);
	f->depth = d + 1;
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(scope_return)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), key = (__u32)bpf_get_attach_cookie(ctx);
	struct ap_scope_frames *f = bpf_map_lookup_elem(&scope_frames, &tid);
	struct ap_scope_stats *st = bpf_map_lookup_elem(&scope_stats, &key);
	__u32 d;

	if (!f || f->depth == 0)
		return 0;
	/* iterations of loops inside this call end with it (never counted: not ended by A) */
	for (int i = 0; i < AP_SCOPE_DEPTH; i++) {
		d = f->depth;
		/* the mask bounds the index for the verifier (AP_SCOPE_DEPTH is a power of two) */
		if (d == 0 || d > AP_SCOPE_DEPTH || !f->loop[(d - 1) & (AP_SCOPE_DEPTH - 1)])
			break;
		f->depth = d - 1;
	}
	if (f->depth == 0)
		return 0;
	d = --f->depth;
	if (st && armed && d < AP_SCOPE_DEPTH) {
		st->invocations++;
		st->total_ns += bpf_ktime_get_ns() - f->start[d];
	}
	return 0;
}

#define RI_BYTES (AP_RI_MAX * sizeof(struct ap_return_instance))

/* The thread's pending uretprobes (innermost first), so the agent can unwind through frames
 * whose return address the kernel replaced with its trampoline (a sample inside malloc). */
static __always_inline __u64 pending_returns(struct task_struct *task,
					     struct ap_return_instance *out)
{
	struct return_instance *ri = BPF_CORE_READ(task, utask, return_instances);
	__u64 n = 0;

	for (int i = 0; i < AP_RI_MAX; i++) {
		if (!ri)
			break;
		out[i].stack = BPF_CORE_READ(ri, stack);
		out[i].orig = BPF_CORE_READ(ri, orig_ret_vaddr);
		n++;
		ri = BPF_CORE_READ(ri, next);
	}
	return n;
}

/* The free of a tracked object: its pointer, time, thread and stack (from free's entry). */
static __always_inline void emit_free(struct pt_regs *ctx, __u64 ptr, __u8 kind)
{
	struct ap_event *e = bpf_ringbuf_reserve(&events, record_bytes() + RI_BYTES, 0);
	__u8 *data;

	if (!e) {
		count(AP_CNT_FREE_LOST, 1);
		return;
	}
	data = (__u8 *)(e + 1);
	ap_event_fill(e, kind, stack_mode, PT_REGS_IP(ctx), PT_REGS_SP(ctx), ctx->bp,
		      current_scope(), window_id);
	e->free.ptr = ptr;
	e->h.return_instances = pending_returns(bpf_get_current_task_btf(), (void *)data);
	e->h.data_len = RI_BYTES + user_stack(ctx, data + RI_BYTES, e->h.sp);
	bpf_ringbuf_submit(e, wakeup_flags());
}

/* One entry program for free and the operator delete family; the cookie says which (enum
 * ap_kind, AP_KIND_FREE and after). */
SEC("uprobe")
int BPF_KPROBE(free_entry, void *ptr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ap_pending *p = bpf_map_lookup_elem(&pending, &tid);
	__u8 kind = (__u8)bpf_get_attach_cookie(ctx);
	__u64 sp = PT_REGS_SP(ctx);

	if (!armed && !free_tail) {
		count(AP_CNT_UNARMED_FREES, 1);
		return 0;
	}
	if (inside_call(p, sp))
		return 0; /* a free inside realloc: part of that call */
	if (!ptr)
		return 0;
	if (made_by_delete(p, (__u64)ptr, sp)) {
		if (armed)
			count(AP_CNT_NESTED_FREES, 1);
		if (kind == AP_KIND_FREE) /* the end of the delete's chain */
			bpf_map_delete_elem(&pending, &tid);
		return 0;
	}
	count(armed ? AP_CNT_FREES : AP_CNT_TAIL_FREES, 1);
	if (kind != AP_KIND_FREE) {
		struct ap_pending mark = { .deleting = (__u64)ptr, .deleting_sp = sp };

		bpf_map_update_elem(&pending, &tid, &mark, BPF_ANY);
	} else if (p && p->depth == 0) { /* the mark of a delete that did not call free */
		bpf_map_delete_elem(&pending, &tid);
	}
	if (bpf_map_delete_elem(&live, &ptr) == 0)
		emit_free(ctx, (__u64)ptr, kind);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int on_exec(void *ctx)
{
	struct ap_event *e;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	exec_pending = 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	ap_event_fill(e, AP_KIND_EXEC, 0, 0, 0, 0, 0, 0);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* The dynamic linker calls _dl_debug_state around every dlopen/dlclose: wake the agent at once
 * so it reads the new mappings while the target still has them. */
SEC("uprobe")
int BPF_KPROBE(dl_debug_state)
{
	struct ap_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	ap_event_fill(e, AP_KIND_MAPS_CHANGED, 0, 0, 0, 0, 0, 0);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(alloc_return, __u64 ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ap_pending *p = bpf_map_lookup_elem(&pending, &tid);
	struct ap_event *e;
	__u64 size, memptr, ptr = ret;
	__u8 one = 1;
	__u8 *data;
	__u32 len = 0;
	__u8 kind;
	int sampled, ended;

	if (!p || p->depth == 0) {
		if (armed)
			count(AP_CNT_ORPHAN_RETURNS, 1);
		return 0;
	}
	if (--p->depth > 0)
		return 0; /* return of a nested call */
	kind = p->kind;
	size = p->size;
	memptr = p->memptr;
	bpf_map_delete_elem(&pending, &tid);
	if (kind >= AP_KIND_ALLOC_COUNT || !armed)
		return 0;
	count(AP_CNT_ALLOCS_FIRST + kind, 1);
	count(AP_CNT_BYTES, size);
	sampled = sample_every <= 1 || bpf_get_prandom_u32() % sample_every == 0;
	/* the tracked object realloc ends: recorded whether sampled or not */
	ended = kind == AP_KIND_REALLOC && memptr && bpf_map_delete_elem(&live, &memptr) == 0;
	if (!sampled && !ended)
		return 0;

	e = bpf_ringbuf_reserve(&events, record_bytes() + RI_BYTES, 0);
	if (!e) {
		count(sampled ? AP_CNT_LOST : AP_CNT_FREE_LOST, 1);
		return 0;
	}
	data = (__u8 *)(e + 1);
	ap_event_fill(e, kind, stack_mode, PT_REGS_IP(ctx), PT_REGS_SP(ctx), ctx->bp,
		      current_scope(), window_id);
	if (kind == AP_KIND_POSIX_MEMALIGN) {
		ptr = 0;
		if (ret == 0 && memptr)
			bpf_probe_read_user(&ptr, sizeof(ptr), (void *)memptr);
	}
	e->alloc.size = size;
	e->alloc.ptr = ptr;
	/* the tracked object ends here (and may live on as ptr) */
	e->alloc.old_ptr = ended ? memptr : 0;
	e->h.flags = sampled ? 0 : AP_FLAG_UNSAMPLED;
	if (sampled && ptr && track_every && !no_track &&
	    bpf_get_prandom_u32() % track_every == 0) {
		if (bpf_map_update_elem(&live, &ptr, &one, BPF_ANY))
			count(AP_CNT_UNTRACKED, 1);
		else
			e->h.flags = AP_FLAG_TRACKED;
	}
	e->h.return_instances = pending_returns(bpf_get_current_task_btf(), (void *)data);
	len = user_stack(ctx, data + RI_BYTES, e->h.sp);
	e->h.data_len = RI_BYTES + len;
	bpf_ringbuf_submit(e, wakeup_flags());
	return 0;
}

/* A CPU sample of one of the target's threads (per-thread software cpu-clock events, inherited
 * by new threads): the kernel stack when it interrupted kernel work done for the thread, and the
 * thread's user registers and stack. */
SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *uregs;
	struct ap_event *e;
	__u64 id = bpf_get_current_pid_tgid();
	__u8 *data;
	__u64 cs;
	long n;

	if ((__u32)(id >> 32) != target_tgid)
		return 0; /* a child process that inherited the event */
	if (!cpu_armed) {
		if (armed || free_tail)
			count(AP_CNT_CPU_IN_WINDOWS, 1);
		return 0;
	}
	count(AP_CNT_CPU_SAMPLES, 1);
	e = bpf_ringbuf_reserve(&events, record_bytes() + RI_BYTES + AP_KSTACK_MAX_FRAMES * 8, 0);
	if (!e) {
		count(AP_CNT_CPU_LOST, 1);
		return 0;
	}
	data = (__u8 *)(e + 1);
	uregs = (struct pt_regs *)bpf_task_pt_regs(task);
	cs = *(volatile __u64 *)&ctx->regs.cs; /* the verifier wants a full 8-byte load */
	n = 0;
	if ((cs & 3) == 0)
		n = bpf_get_stack(ctx, data + RI_BYTES, AP_KSTACK_MAX_FRAMES * 8, 0);
	ap_event_fill(e, AP_KIND_CPU_SAMPLE, stack_mode, uregs->ip, uregs->sp, uregs->bp, 0, 0);
	e->cpu.kstack_bytes = n > 0 ? (__u64)n : 0;
	e->h.return_instances = pending_returns(task, (void *)data);
	e->h.data_len = RI_BYTES + AP_KSTACK_MAX_FRAMES * 8 +
			user_stack(ctx, data + RI_BYTES + AP_KSTACK_MAX_FRAMES * 8, e->h.sp);
	bpf_ringbuf_submit(e, wakeup_flags());
	return 0;
}
