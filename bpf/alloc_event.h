/* alloc_event.h: the records and counters shared by bpf/alloc.bpf.c and the agent. */
#ifndef ARENAPROF_ALLOC_EVENT_H
#define ARENAPROF_ALLOC_EVENT_H

#ifndef __VMLINUX_H__ /* user space; the BPF side has the types from vmlinux.h */
#include <linux/types.h>
#endif

/* Largest user-stack snapshot copied per event (bytes); the agent chooses up to this. */
#define AP_SNAPSHOT_MAX 16384
/* Frame-pointer mode: most return addresses taken by bpf_get_stack. */
#define AP_FP_MAX_FRAMES 127

/* The allocation kinds, in enum order: X(ENUM_SUFFIX, "name in profiles"). The one list of
 * them: the BPF programs count per kind, and the agent names counters (allocs.<name>),
 * alloc_stats.kind and objects.kind from it. A new allocator family adds its kinds here and its
 * functions to agent/allocator_probe.c's AP_ALLOC_FUNCS. */
#define AP_ALLOC_KINDS(X)                                                                      \
	X(MALLOC, "malloc")                                                                    \
	X(CALLOC, "calloc")                                                                    \
	X(REALLOC, "realloc")                                                                  \
	X(POSIX_MEMALIGN, "posix_memalign")                                                    \
	X(ALIGNED_ALLOC, "aligned_alloc")                                                      \
	X(MEMALIGN, "memalign")                                                                \
	X(MALLOCGC, "mallocgc") /* Go's runtime.mallocgc, at its entry (bpf/go_alloc.bpf.c) */ \
	X(NEW, "operator new") /* plain, nothrow and aligned operator new */                   \
	X(NEW_ARRAY, "operator new[]")

/* The kinds that end an object: X(ENUM_SUFFIX, "name in profiles (objects.freed_by)"). */
#define AP_FREE_KINDS(X)                                                                     \
	X(FREE, "free")                                                                      \
	X(DELETE, "operator delete") /* plain, sized, nothrow and aligned operator delete */ \
	X(DELETE_ARRAY, "operator delete[]")

#define AP_KIND_ENUM_(suffix, name) AP_KIND_##suffix,

/* Kinds of records. Allocation records (kinds below AP_KIND_ALLOC_COUNT) are emitted at the
 * allocator's return; a free record (kinds AP_KIND_FREE .. AP_KIND_FREE_END - 1) at the entry
 * of free or operator delete, only for tracked objects. */
enum ap_kind {
	AP_ALLOC_KINDS(AP_KIND_ENUM_) /* allocations */
	AP_FREE_KINDS(AP_KIND_ENUM_) /* ends of objects, from AP_KIND_FREE */
	AP_KIND_FREE_END, /* kinds from here are not about objects */
	/* Not an allocation: the dynamic linker's _dl_debug_state ran (a library was mapped or
	 * unmapped); the record has no stack and tells the agent to re-read the maps now. */
	AP_KIND_MAPS_CHANGED = 0x80,
	/* A CPU sample of a target thread: after the return instances, data holds
	 * AP_KSTACK_MAX_FRAMES kernel return addresses (cpu.kstack_bytes says how many bytes of
	 * them are valid), then the user stack data. */
	AP_KIND_CPU_SAMPLE = 0x81,
	/* The target exec'ed: records before this one belong to the old image (no stack). */
	AP_KIND_EXEC = 0x82,
};
#undef AP_KIND_ENUM_
#define AP_KIND_ALLOC_COUNT AP_KIND_FREE /* the free kinds follow the allocation kinds */

/* A pending uretprobe of the sampled thread: the return address at user address `stack` was
 * replaced by the kernel's trampoline; orig is the real one (the unwinder puts it back). */
struct ap_return_instance {
	__u64 stack;
	__u64 orig;
};
#define AP_RI_MAX 4

/* ap_event_header.flags of allocation records: its lifetime is followed */
#define AP_FLAG_TRACKED 1
/* Not one of the --sample-every calls: recorded only because realloc ended a followed object
 * (the agent ends that object's lifetime and counts nothing) */
#define AP_FLAG_UNSAMPLED 2

/* Scope verification (record --verify): functions probed at entry and return. */
#define AP_MAX_SCOPES 16
#define AP_SCOPE_DEPTH 8 /* a power of two (alloc.bpf.c masks indices with it) */
struct ap_scope_stats {
	__u64 invocations; /* returned while armed */
	__u64 total_ns;
};

/* CPU samples: most kernel frames kept (bpf_get_stack). */
#define AP_KSTACK_MAX_FRAMES 64

/* Per-CPU counters, summed by the agent: exact, whatever the ring buffer loses. */
enum ap_counter {
	AP_CNT_ALLOCS_FIRST = 0, /* + enum ap_kind: calls per allocation function */
	AP_CNT_BYTES = AP_KIND_ALLOC_COUNT,
	AP_CNT_FREES,
	AP_CNT_LOST, /* records the ring buffer had no room for */
	AP_CNT_NESTED, /* allocator calls made inside another allocator call */
	AP_CNT_ORPHAN_RETURNS, /* returns without a matching entry (probe armed mid-call) */
	AP_CNT_CPU_SAMPLES, /* CPU samples of the target's threads */
	AP_CNT_CPU_LOST, /* CPU sample records the ring buffer had no room for */
	AP_CNT_UNTRACKED, /* allocations whose lifetime could not be followed (table full) */
	AP_CNT_FREE_LOST, /* free records of tracked objects the ring had no room for */
	AP_CNT_TAIL_FREES, /* frees seen while only the free probe was attached (window tails) */
	AP_CNT_CPU_IN_WINDOWS, /* CPU samples not recorded because probes were attached */
	AP_CNT_UNARMED_HITS, /* allocation probe hits while attached but not armed (window edges) */
	AP_CNT_UNARMED_FREES, /* free probe hits while attached, not armed and not in a tail */
	AP_CNT_NESTED_FREES, /* frees made by operator delete (the delete counted, not them) */
	AP_CNT_COUNT,
};

enum ap_stack_kind {
	AP_STACK_SNAPSHOT = 1, /* data holds user stack bytes starting at sp */
	AP_STACK_FP = 2, /* data holds __u64 return addresses from bpf_get_stack */
};

/* The header every record starts with (the fill helper is bpf/event_fill.h). ip/sp/bp are the
 * user registers of the record: for an allocation, right after the allocator returned (ip is
 * the return address into the call site); for a free, at the entry of free; for a CPU sample,
 * where the thread was interrupted. */
struct ap_event_header {
	__u64 ts_ns;
	__u64 ip;
	__u64 sp;
	__u64 bp;
	__u32 tid;
	__u8 kind; /* enum ap_kind */
	__u8 stack_kind; /* enum ap_stack_kind */
	__u16 flags; /* allocation records: AP_FLAG_* */
	__u32 data_len;
	__u32 return_instances; /* how many of the AP_RI_MAX at the start of data are valid */
	__u64 scope_inv; /* the innermost active invocation of a verified scope function, or 0 */
	__u32 window; /* the overhead-budget window the record was taken in (0 in --exact mode) */
	__u32 pad;
};

/* The tail of an allocation record. */
struct ap_alloc_tail {
	__u64 size; /* bytes asked for */
	__u64 ptr; /* the object returned */
	__u64 old_ptr; /* realloc: the pointer passed in, when it was a tracked object */
};

/* The tail of a free record (kinds AP_KIND_FREE .. AP_KIND_FREE_END - 1). */
struct ap_free_tail {
	__u64 ptr; /* the tracked object freed */
};

/* The tail of a CPU sample. */
struct ap_cpu_tail {
	__u64 kstack_bytes; /* valid bytes of the kernel stack in data (0: in user code) */
};

/* One ring-buffer record: the header, the tail of its kind, then data_len bytes of data:
 * AP_RI_MAX struct ap_return_instance (the thread's pending uretprobes), [CPU samples: the
 * kernel stack,] then the user stack data. Exec and maps-changed records have no data. */
struct ap_event {
	struct ap_event_header h;
	union {
		struct ap_alloc_tail alloc;
		struct ap_free_tail free;
		struct ap_cpu_tail cpu;
	};
};

#endif
