/* record_decode.c: the ring-buffer consumer of `arenaprof record`: checks each record, rebuilds
 * its user call chain (frame pointers, or the stack snapshot unwound), and hands allocations,
 * frees and CPU samples to the stack store and the lifetimes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc_event.h"
#include "bpf_session.h"
#include "go_session.h"
#include "lifetimes.h"
#include "recorder.h"
#include "stack_store.h"
#include "target_space.h"
#include "unwind_cache.h"
#include "unwind_dwarf.h"

#define MAX_FRAMES 256
#define RI_BYTES (AP_RI_MAX * sizeof(struct ap_return_instance))

/* Defined below, after its one caller. */
static const uint8_t *restore_returns(const struct ap_return_instance *ri, int n, uint64_t sp,
				      const uint8_t *data, uint32_t len, uint8_t *copy);

/* The user chain of a record: frame-pointer addresses as taken by the kernel, or the snapshot
 * (data, len) unwound after putting back the return addresses of pending uretprobes. ips[0] is
 * the record's ip. Returns the count (>= 1); sets *truncated. */
static int user_chain(struct recorder *r, const struct ap_event *ev, const uint8_t *data,
		      uint32_t len, uint64_t *ips, uint64_t *sps, int *truncated)
{
	uint8_t *copy = r->dec.snapshot;
	const struct ap_event_header *e = &ev->h;
	const struct ap_return_instance *ri = (const void *)(ev + 1);
	int n;

	*truncated = 0;
	if (e->stack_kind == AP_STACK_FP) {
		if (sps) /* no frame addresses from a frame-pointer walk */
			memset(sps, 0, MAX_FRAMES * sizeof(*sps));
		n = (int)(len / sizeof(uint64_t));
		if (n > MAX_FRAMES)
			n = MAX_FRAMES;
		memcpy(ips, data, (size_t)n * sizeof(uint64_t));
		while (n > 0 && ips[n - 1] == 0)
			n--;
		if (n == 0) {
			ips[0] = e->ip;
			n = 1;
		}
		return n;
	}
	if (len > sizeof(r->dec.snapshot))
		len = sizeof(r->dec.snapshot);
	data = restore_returns(ri, (int)e->return_instances, e->sp, data, len, copy);
	struct stack_snapshot s = {
		.ip = e->ip, .sp = e->sp, .bp = e->bp, .data = data, .len = len
	};

	return unwind_cached(r->unw_cache, &s, ips, sps, MAX_FRAMES, truncated);
}

/* Puts back the return addresses the kernel replaced with its uretprobe trampoline (pending
 * allocator returns of the sampled thread), in a copy of the snapshot. */
static const uint8_t *restore_returns(const struct ap_return_instance *ri, int n, uint64_t sp,
				      const uint8_t *data, uint32_t len, uint8_t *copy)
{
	const uint8_t *out = data;

	for (int i = 0; i < n; i++) {
		uint64_t off = ri[i].stack - sp;

		if (ri[i].stack < sp || off + 8 > len)
			continue;
		if (out == data) {
			memcpy(copy, data, len);
			out = copy;
		}
		memcpy(copy + off, &ri[i].orig, 8);
	}
	return out;
}

static int on_cpu_sample(struct recorder *r, const struct ap_event *ev, size_t len)
{
	const uint32_t prefix = RI_BYTES + AP_KSTACK_MAX_FRAMES * 8;
	const struct ap_event_header *e = &ev->h;
	const uint8_t *data = (const uint8_t *)(ev + 1);
	uint64_t kips[AP_KSTACK_MAX_FRAMES], ips[MAX_FRAMES];
	int nk, nu, truncated;

	if (e->data_len < prefix || e->data_len > len - sizeof(*ev) ||
	    ev->cpu.kstack_bytes > AP_KSTACK_MAX_FRAMES * 8 || e->return_instances > AP_RI_MAX) {
		r->bad_records++;
		return 0;
	}
	r->records++;
	nk = (int)(ev->cpu.kstack_bytes / 8);
	memcpy(kips, data + RI_BYTES, (size_t)nk * 8);
	nu = user_chain(r, ev, data + prefix, e->data_len - prefix, ips, NULL, &truncated);
	r->unwind_truncated += (uint64_t)truncated;
	return stack_store_add_cpu(r->store, kips, nk, ips, nu, truncated, e->tid) ? -ENOMEM : 0;
}

/* Each chain element's CFA: the sp of the frame outward of it (0 where unknown). */
static void chain_cfas(const uint64_t *sps, int n, uint64_t *cfa)
{
	for (int i = 0; i < n; i++)
		cfa[i] = i + 1 < n ? sps[i + 1] : 0;
}

/* A free of a followed object: its stack from the entry of free (or operator delete), that
 * function itself left out. */
static int on_free(struct recorder *r, const struct ap_event *ev, const uint8_t *payload)
{
	const struct ap_event_header *e = &ev->h;
	uint64_t ips[MAX_FRAMES], sps[MAX_FRAMES], cfa[MAX_FRAMES];
	struct chain_info *ci = &r->dec.chain;
	int n, truncated;

	n = user_chain(r, ev, payload + RI_BYTES, e->data_len - RI_BYTES, ips, sps, &truncated);
	chain_cfas(sps + 1, n - 1, cfa); /* n >= 1: an empty chain when free has no caller */
	if (stack_store_intern(r->store, ips + 1, n - 1, truncated, ci))
		return -ENOMEM;
	return lifetimes_end(r->lifetimes, ev->free.ptr, ci, cfa, e->tid, e->ts_ns,
			     ap_kind_name(e->kind), e->scope_inv);
}

static int on_alloc(struct recorder *r, const struct ap_event *ev, const uint8_t *payload)
{
	const struct ap_event_header *e = &ev->h;
	const struct ap_alloc_tail *a = &ev->alloc;
	uint64_t ips[MAX_FRAMES], sps[MAX_FRAMES], cfa[MAX_FRAMES];
	int lifetime = a->old_ptr || (e->flags & AP_FLAG_TRACKED), n, truncated;
	struct chain_info *ci = &r->dec.chain;

	n = user_chain(r, ev, payload + RI_BYTES, e->data_len - RI_BYTES, ips, sps, &truncated);
	r->unwind_truncated += (uint64_t)truncated;
	if (e->kind == AP_KIND_MALLOCGC && r->go)
		n = go_session_trim(r->go, ips, n);
	/* the chain's details only for the objects whose lifetime is followed; a call recorded
	 * only because it ended a followed object (not one of the --sample-every calls) counts
	 * nothing, each sampled one counts for sample_every calls */
	if ((e->flags & AP_FLAG_UNSAMPLED) ?
		    stack_store_intern(r->store, ips, n, truncated, ci) :
		    stack_store_add(r->store, ips, n, truncated, e->kind, a->size, e->tid,
				    e->window, r->opt.sample_every, lifetime ? ci : NULL))
		return -ENOMEM;
	if (!lifetime)
		return 0;
	chain_cfas(sps, n, cfa);
	if (a->old_ptr && /* realloc ended a followed object */
	    lifetimes_end(r->lifetimes, a->old_ptr, ci, cfa, e->tid, e->ts_ns,
			  ap_kind_name(AP_KIND_REALLOC), e->scope_inv))
		return -ENOMEM;
	if ((e->flags & AP_FLAG_TRACKED) &&
	    lifetimes_alloc(r->lifetimes, a->ptr, ci, cfa, ap_kind_name(e->kind), a->size, e->tid,
			    e->ts_ns, e->scope_inv))
		return -ENOMEM;
	return 0;
}

int on_event(void *ctx, void *data, size_t len)
{
	struct recorder *r = ctx;
	const struct ap_event *ev = data;
	const struct ap_event_header *e = &ev->h;
	const uint8_t *payload = (const uint8_t *)(ev + 1);

	if (len >= sizeof(*ev) && e->kind == AP_KIND_EXEC) {
		/* every record of the old image is read: the new image's maps apply from here */
		bpf_session_clear_exec(r->bpf);
		target_space_refresh(r->ts);
		return 0;
	}
	if (len >= sizeof(*ev) && e->kind == AP_KIND_MAPS_CHANGED) {
		if (!bpf_session_exec_pending(r->bpf))
			target_space_refresh(r->ts);
		return 0;
	}
	if (len >= sizeof(*ev) && e->kind == AP_KIND_CPU_SAMPLE)
		return on_cpu_sample(r, ev, len);
	if (len < sizeof(*ev) || e->data_len > len - sizeof(*ev) || e->data_len < RI_BYTES ||
	    e->return_instances > AP_RI_MAX || e->kind >= AP_KIND_FREE_END) {
		r->bad_records++;
		return 0;
	}
	r->records++;
	return e->kind >= AP_KIND_FREE ? on_free(r, ev, payload) : on_alloc(r, ev, payload);
}
