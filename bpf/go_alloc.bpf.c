// SPDX-License-Identifier: GPL-2.0
/* go_alloc.bpf.c: the allocation probe of a Go program: a uprobe at the ENTRY of
 * runtime.mallocgc (on the jbe of its prologue's stack-bound check, counted when it is not
 * taken, so that a call that grows the goroutine stack and restarts is counted once), never a
 * uretprobe (the Go runtime moves
 * goroutine stacks, and a return address replaced by the kernel's trampoline crashes the program
 * when it does). Go's register ABI on amd64 passes mallocgc(size, typ, needzero) in RAX, RBX, RCX.
 * Go keeps frame pointers, so the stack is the kernel's frame-pointer walk, with the caller's
 * return address (at [sp] on entry, which the walk misses before the function's prologue ran)
 * put first. Records share the layout of alloc.bpf.c's (struct ap_event, AP_STACK_FP) and
 * go to the same ring buffer and counters, whose file descriptors the agent hands over before
 * loading. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "alloc_event.h"
#include "event_fill.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 wakeup_bytes = 1 << 20;
/* the probed instruction is push %rbp/endbr64: the kernel's walk already has the caller. */
const volatile __u32 walk_adds_caller;
/* The probe is on the jbe of mallocgc's stack-bound check (0: on its first instruction). */
const volatile __u32 at_branch;

#define X86_EFLAGS_CF 0x0001
#define X86_EFLAGS_ZF 0x0040

/* Set with alloc.bpf.c's (bpf_session_set_flags, bpf_session_set_window): counting and
 * recording while armed; the overhead-budget window the records belong to. */
volatile __u32 armed;
volatile __u32 window_id;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* replaced by the recording's ring buffer */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AP_CNT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps"); /* replaced by the recording's counters */

#define RI_BYTES (AP_RI_MAX * sizeof(struct ap_return_instance))
#define STACK_BYTES (AP_FP_MAX_FRAMES * 8)

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += n;
}

#if defined(__TARGET_ARCH_x86)

SEC("uprobe")
int mallocgc_entry(struct pt_regs *ctx)
{
	struct ap_event *e;
	__u64 size = ctx->ax, sp = ctx->sp, ret = 0, *stack;
	long n;

	if (!armed) { /* attached at a window's edge: its cost counts */
		count(AP_CNT_UNARMED_HITS, 1);
		return 0;
	}
	/* At the jbe of the stack-bound check: CF or ZF set means the branch to morestack is taken,
	 * which grows the stack and runs mallocgc again from its entry: that run is the one to
	 * count. The flags are the ones the cmp left (re-reading g's stackguard0 instead raced with
	 * preemption requests, which change it from other threads: 6 of 153,500 calls missed). */
	if (at_branch && (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF)))
		return 0;
	count(AP_CNT_ALLOCS_FIRST + AP_KIND_MALLOCGC, 1);
	count(AP_CNT_BYTES, size);
	e = bpf_ringbuf_reserve(&events, sizeof(*e) + RI_BYTES + STACK_BYTES, 0);
	if (!e) {
		count(AP_CNT_LOST, 1);
		return 0;
	}
	stack = (__u64 *)((__u8 *)(e + 1) + RI_BYTES);
	bpf_probe_read_user(&ret, sizeof(ret), (void *)sp);
	if (walk_adds_caller) {
		n = bpf_get_stack(ctx, stack, STACK_BYTES,
				  BPF_F_USER_STACK | 1 /* skip mallocgc */);
	} else {
		stack[0] = ret;
		n = bpf_get_stack(ctx, stack + 1, STACK_BYTES - 8, BPF_F_USER_STACK | 1);
		n = n > 0 ? n + 8 : 8;
	}
	/* sp: the caller's, after the return; no return instances: Go code never has uretprobes */
	ap_event_fill(e, AP_KIND_MALLOCGC, AP_STACK_FP, ret, sp + 8, ctx->bp, 0, window_id);
	e->alloc.size = size;
	e->h.data_len = RI_BYTES + (n > 0 ? (__u32)n : 0);
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
				      BPF_RB_FORCE_WAKEUP :
				      BPF_RB_NO_WAKEUP);
	return 0;
}

#else /* the registers, the return address and the prologue above are x86-64's */

SEC("uprobe")
int mallocgc_entry(struct pt_regs *ctx)
{
	return 0;
}

#endif
