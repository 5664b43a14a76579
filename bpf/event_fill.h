/* event_fill.h: the one place a ring-buffer record's common header is filled, shared by the BPF
 * programs (bpf/alloc.bpf.c, bpf/go_alloc.bpf.c). BPF side only. */
#ifndef ARENAPROF_EVENT_FILL_H
#define ARENAPROF_EVENT_FILL_H

#include "alloc_event.h"

/* Fills e's header for a record of `kind` taken now on the current thread with user registers
 * ip/sp/bp, and zeroes the rest (flags, data_len, return_instances, the tail): the caller sets
 * what its kind has. */
static __always_inline void ap_event_fill(struct ap_event *e, __u8 kind, __u8 stack_kind, __u64 ip,
					  __u64 sp, __u64 bp, __u64 scope_inv, __u32 window)
{
	__builtin_memset(e, 0, sizeof(*e));
	e->h.ts_ns = bpf_ktime_get_ns();
	e->h.ip = ip;
	e->h.sp = sp;
	e->h.bp = bp;
	e->h.tid = (__u32)bpf_get_current_pid_tgid();
	e->h.kind = kind;
	e->h.stack_kind = stack_kind;
	e->h.scope_inv = scope_inv;
	e->h.window = window;
}

#endif
