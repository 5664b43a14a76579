// SPDX-License-Identifier: GPL-2.0
/* alloc.bpf.c: uprobes on the allocator functions of one process. Entry probes remember the
 * arguments per thread; the return probe emits one ring-buffer record per allocation call with the
 * result, the registers and a copy of the user stack (or frame-pointer return addresses), and per-CPU
 * counters keep exact totals even when the ring buffer is full. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "alloc_event.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 stack_mode = AP_STACK_SNAPSHOT;
const volatile __u32 snapshot_bytes = 8192;
const volatile __u64 wakeup_bytes = 1 << 20;

/* What an entry probe remembers until the return probe of the same thread. */
struct ap_pending {
	__u64 size;
	__u64 memptr; /* posix_memalign's out parameter */
	__u32 depth; /* allocator calls in progress on this thread (nesting) */
	__u8 kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20); /* resized by the agent before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ap_pending);
} pending SEC(".maps");

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

static __always_inline int on_entry(__u8 kind, __u64 size, __u64 memptr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ap_pending *p = bpf_map_lookup_elem(&pending, &tid);
	struct ap_pending fresh = {};

	if (p && p->depth > 0) {
		p->depth++;
		count(AP_CNT_NESTED, 1);
		return 0;
	}
	fresh.size = size;
	fresh.memptr = memptr;
	fresh.kind = kind;
	fresh.depth = 1;
	bpf_map_update_elem(&pending, &tid, &fresh, BPF_ANY);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(malloc_entry, __u64 size)
{
	return on_entry(AP_KIND_MALLOC, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(calloc_entry, __u64 nmemb, __u64 size)
{
	return on_entry(AP_KIND_CALLOC, nmemb * size, 0);
}

SEC("uprobe")
int BPF_KPROBE(realloc_entry, void *ptr, __u64 size)
{
	return on_entry(AP_KIND_REALLOC, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_entry, void **memptr, __u64 align, __u64 size)
{
	return on_entry(AP_KIND_POSIX_MEMALIGN, size, (__u64)memptr);
}

SEC("uprobe")
int BPF_KPROBE(aligned_alloc_entry, __u64 align, __u64 size)
{
	return on_entry(AP_KIND_ALIGNED_ALLOC, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(memalign_entry, __u64 align, __u64 size)
{
	return on_entry(AP_KIND_MEMALIGN, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(free_entry, void *ptr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ap_pending *p = bpf_map_lookup_elem(&pending, &tid);

	if (p && p->depth > 0)
		return 0; /* a free inside realloc: part of that call */
	if (ptr)
		count(AP_CNT_FREES, 1);
	return 0;
}

/* The dynamic linker calls _dl_debug_state around every dlopen/dlclose: wake the agent at once
 * so it reads the new mappings while the target still has them. */
SEC("uprobe")
int BPF_KPROBE(dl_debug_state)
{
	struct ap_alloc_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->kind = AP_KIND_MAPS_CHANGED;
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
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

static __always_inline __u32 record_bytes(void)
{
	if (stack_mode == AP_STACK_FP)
		return sizeof(struct ap_alloc_event) + AP_FP_MAX_FRAMES * 8;
	return sizeof(struct ap_alloc_event) + snapshot_bytes + 512;
}

SEC("uretprobe")
int BPF_KRETPROBE(alloc_return, __u64 ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ap_pending *p = bpf_map_lookup_elem(&pending, &tid);
	struct ap_alloc_event *e;
	__u8 *data;
	__u32 len = 0;
	__u8 kind;

	if (!p || p->depth == 0) {
		count(AP_CNT_ORPHAN_RETURNS, 1);
		return 0;
	}
	if (--p->depth > 0)
		return 0; /* return of a nested call */
	kind = p->kind;
	if (kind >= AP_KIND_ALLOC_COUNT)
		return 0;
	count(AP_CNT_ALLOCS_FIRST + kind, 1);
	count(AP_CNT_BYTES, p->size);

	e = bpf_ringbuf_reserve(&events, record_bytes(), 0);
	if (!e) {
		count(AP_CNT_LOST, 1);
		return 0;
	}
	data = (__u8 *)(e + 1);
	e->ts_ns = bpf_ktime_get_ns();
	e->size = p->size;
	e->ptr = ret;
	if (kind == AP_KIND_POSIX_MEMALIGN) {
		__u64 out = 0;

		if (ret == 0 && p->memptr)
			bpf_probe_read_user(&out, sizeof(out), (void *)p->memptr);
		e->ptr = out;
	}
	e->ip = PT_REGS_IP(ctx);
	e->sp = PT_REGS_SP(ctx);
	e->bp = ctx->bp;
	e->tid = tid;
	e->kind = kind;
	e->stack_kind = stack_mode;
	e->reserved = 0;
	e->reserved2 = 0;
	if (stack_mode == AP_STACK_FP) {
		long n = bpf_get_stack(ctx, data, AP_FP_MAX_FRAMES * 8, BPF_F_USER_STACK);

		len = n > 0 ? (__u32)n : 0;
	} else {
		len = copy_stack(data, e->sp, snapshot_bytes);
	}
	e->data_len = len;
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
				      BPF_RB_FORCE_WAKEUP :
				      BPF_RB_NO_WAKEUP);
	return 0;
}
