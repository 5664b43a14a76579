/* try_preload.c: the LD_PRELOAD library of `arenaprof try` (libarenaprof_try.so): interposes the
 * malloc family and routes the allocations of chosen call sites into arena memory (try_gen.h).
 * A call site is chosen when the return address of the malloc call, or of one of the next
 * frames up the frame-pointer chain (a site behind a wrapper), is one of the sites' addresses
 * (try_sites.h). Everything else, and every free() of memory not in the arena range, goes to
 * the next definitions (glibc's) through dlsym(RTLD_NEXT).
 *
 * Environment: ARENAPROF_TRY_SITES (the sites file, required to route anything),
 * ARENAPROF_TRY_STATS (counters appended at exit), ARENAPROF_TRY_CHUNK (slot bytes, a power of
 * two, 64 KiB to 1 MiB; default 256 KiB), ARENAPROF_TRY_MATCH_ONLY=1 (match the sites and count
 * their calls, but leave them on malloc: `try`'s control run, which then pays the same
 * matching cost as the routed run).
 *
 * Start-up: dlsym() may call calloc; allocations made while the real functions are being looked
 * up come from a small static buffer and are never freed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "try_gen.h"
#include "try_sites.h"
#include "try_stats.h"

#define EXPORT __attribute__((visibility("default")))
#define TLS __attribute__((tls_model("initial-exec")))

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static size_t (*real_usable_size)(void *);

/* 0: nothing done, 1: a thread is initializing, 2: ready. */
static atomic_int init_state;
static int routing; /* sites resolved and the region reserved */
static int match_only; /* ARENAPROF_TRY_MATCH_ONLY: count the chosen sites' calls, route none */
static int sites_listed, sites_resolved;
static pthread_key_t exit_key;
static const char *stats_path;

/* Set while this thread runs our own code that may call malloc (init, stack bounds, arena
 * bookkeeping): such calls go straight to glibc. */
_Thread_local int try_busy TLS;
static _Thread_local int exit_key_set TLS;
static _Thread_local uintptr_t stack_lo TLS, stack_hi TLS;

/* ---- start-up buffer ---- */

static _Alignas(16) char boot[64 << 10];
static size_t boot_used;

static int in_boot(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + sizeof(boot);
}

/* 16-byte header holding the size, so realloc and malloc_usable_size work on it. */
static void *boot_alloc(size_t size)
{
	size_t need = 16 + ((size + 15) & ~(size_t)15);
	char *p;

	if (size > sizeof(boot) || need > sizeof(boot) - boot_used)
		return NULL;
	p = boot + boot_used;
	boot_used += need;
	*(size_t *)p = size;
	return p + 16; /* the buffer is zero and never reused: calloc needs no memset */
}

static size_t boot_size(const void *p)
{
	return *(const size_t *)((const char *)p - 16);
}

/* ---- initialization ---- */

static void thread_exit(void *arg)
{
	(void)arg;
	try_busy++;
	try_gen_thread_exit();
	try_stats_thread_exit();
	try_busy--;
}

static void at_exit(void)
{
	if (stats_path)
		try_stats_write(stats_path, sites_listed, sites_resolved);
}

static void fork_prepare(void)
{
	try_gen_fork_prepare();
}

static void fork_parent(void)
{
	try_gen_fork_parent();
}

static void fork_child(void)
{
	try_gen_fork_child();
	try_stats_fork_child();
}

static size_t chunk_size_from_env(void)
{
	const char *s = getenv("ARENAPROF_TRY_CHUNK");
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return TRY_SLOT_DEFAULT;
	v = strtoull(s, &end, 10);
	if (*end || v < TRY_SLOT_MIN || v > TRY_SLOT_MAX || (v & (v - 1)))
		return TRY_SLOT_DEFAULT;
	return (size_t)v;
}

static void init_real(void)
{
	real_malloc = dlsym(RTLD_NEXT, "malloc");
	real_free = dlsym(RTLD_NEXT, "free");
	real_calloc = dlsym(RTLD_NEXT, "calloc");
	real_realloc = dlsym(RTLD_NEXT, "realloc");
	real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
	real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
	real_memalign = dlsym(RTLD_NEXT, "memalign");
	real_usable_size = dlsym(RTLD_NEXT, "malloc_usable_size");
}

static void init_routing(void)
{
	const char *sites = getenv("ARENAPROF_TRY_SITES");

	stats_path = getenv("ARENAPROF_TRY_STATS");
	const char *dry = getenv("ARENAPROF_TRY_MATCH_ONLY");

	match_only = dry && !strcmp(dry, "1");
	if (sites && *sites)
		sites_resolved = try_sites_load(sites, &sites_listed);
	if (sites_resolved > 0 && try_gen_init(chunk_size_from_env()) == 0 &&
	    pthread_key_create(&exit_key, thread_exit) == 0)
		routing = 1;
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	atexit(at_exit);
}

/* 1 when the real functions are known (callers that get 0 are inside dlsym: boot buffer). */
static int ready_slow(void)
{
	int expected = 0;

	if (try_busy)
		return real_malloc != NULL;
	if (atomic_compare_exchange_strong(&init_state, &expected, 1)) {
		try_busy++;
		init_real();
		if (real_malloc && real_free && real_calloc && real_realloc)
			init_routing();
		try_busy--;
		atomic_store_explicit(&init_state, 2, memory_order_release);
		return real_malloc != NULL;
	}
	while (atomic_load_explicit(&init_state, memory_order_acquire) != 2)
		; /* another thread initializes (only before main, if ever) */
	return 1;
}

static inline int ready(void)
{
	if (__builtin_expect(atomic_load_explicit(&init_state, memory_order_acquire) == 2, 1))
		return 1;
	return ready_slow();
}

/* ---- choosing ---- */

/* The top of this thread's stack (and its bottom in stack_lo), for the frame-pointer walk (0:
 * unknown). */
static uintptr_t stack_top(void)
{
	pthread_attr_t attr;
	void *lo;
	size_t size;

	if (stack_hi)
		return stack_hi;
	try_busy++;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
			stack_lo = (uintptr_t)lo;
			stack_hi = (uintptr_t)lo + size;
		}
		pthread_attr_destroy(&attr);
	}
	try_busy--;
	return stack_hi;
}

/* Whether the allocation whose malloc-family call returns to ret is one of the sites: ret itself,
 * or the return address of one of the next frames on the frame-pointer chain starting at fp (the
 * interposed function's own frame). The chain is followed only upwards and inside this thread's
 * stack, so a frame without a frame pointer ends the walk instead of reading wild memory; on
 * another stack (a signal stack, a coroutine's) there is no walk. */
static int chosen_deep(const uintptr_t *fp)
{
	uintptr_t hi;

	if (try_sites_depth <= 1 || !(hi = stack_top()) || (uintptr_t)fp < stack_lo ||
	    (uintptr_t)fp >= hi)
		return 0;
	for (int d = 1; d < try_sites_depth; d++) {
		const uintptr_t *next = (const uintptr_t *)fp[0];

		if ((uintptr_t)next <= (uintptr_t)fp || (uintptr_t)next + 16 > hi ||
		    ((uintptr_t)next & 7))
			return 0;
		fp = next;
		if (try_sites_has(fp[1]))
			return 1;
	}
	return 0;
}

static inline int chosen(uintptr_t ret, const uintptr_t *fp)
{
	if (!routing || try_busy)
		return 0;
	return try_sites_has(ret) || chosen_deep(fp);
}

/* An allocation of a chosen site: arena memory, or NULL (malloc serves it). */
static void *routed_alloc(size_t size, size_t align)
{
	void *p;

	try_count(TRY_MATCHED, 1);
	if (match_only)
		return NULL; /* the control run: the same matching, glibc serves */
	if (size > try_gen_max_object) {
		try_count(TRY_TOO_LARGE, 1);
		return NULL;
	}
	if (!exit_key_set) {
		exit_key_set = 1;
		pthread_setspecific(exit_key, &exit_key_set);
	}
	p = try_gen_alloc(size, align);
	if (!p) {
		try_count(TRY_FALLBACK, 1);
		return NULL;
	}
	try_count(TRY_ROUTED, 1);
	try_count(TRY_ROUTED_BYTES, size);
	return p;
}

#define CALLER ((uintptr_t)__builtin_return_address(0))
#define FRAME ((const uintptr_t *)__builtin_frame_address(0))

/* ---- the interposed functions ---- */

static void *do_malloc(size_t size, uintptr_t ret, const uintptr_t *fp)
{
	void *p;

	if (!ready())
		return boot_alloc(size);
	if (try_busy) {
		p = try_gen_serve_chunk(size); /* arena_new() building a generation */
		return p ? p : real_malloc(size);
	}
	try_count(TRY_CALLS, 1);
	if (chosen(ret, fp) && (p = routed_alloc(size, 16)) != NULL)
		return p;
	return real_malloc(size);
}

EXPORT void *malloc(size_t size)
{
	return do_malloc(size, CALLER, FRAME);
}

EXPORT void free(void *p)
{
	if (!p || in_boot(p))
		return;
	if (try_gen_owns(p)) { /* (an empty range until routing starts) */
		if (!try_busy) /* not arena_destroy's free of its own block */
			try_count(TRY_ARENA_FREES, 1);
		try_gen_free(p);
		return;
	}
	if (!real_free && !ready())
		return; /* cannot happen: only boot memory exists before init */
	real_free(p);
}

EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (!ready())
		return boot_alloc(total);
	if (try_busy) {
		p = try_gen_serve_chunk(total); /* arena_new() building a generation */
		return p ? p : real_calloc(n, size);
	}
	try_count(TRY_CALLS, 1);
	if (chosen(CALLER, FRAME) && (p = routed_alloc(total, 16)) != NULL)
		return memset(p, 0, total);
	return real_calloc(n, size);
}

static size_t usable_size(void *p)
{
	if (in_boot(p))
		return boot_size(p);
	if (routing && try_gen_owns(p))
		return try_gen_size(p);
	return real_usable_size ? real_usable_size(p) : 0;
}

EXPORT void *realloc(void *p, size_t size)
{
	size_t old;
	void *q;

	if (!p)
		return do_malloc(size, CALLER, FRAME);
	if (!in_boot(p) && !(routing && try_gen_owns(p)))
		return real_realloc(p, size);
	if (size == 0) { /* glibc's realloc(p, 0) frees p */
		free(p);
		return NULL;
	}
	old = usable_size(p);
	if (size <= old && !in_boot(p))
		return p;
	q = do_malloc(size, CALLER, FRAME);
	if (!q)
		return NULL;
	memcpy(q, p, old < size ? old : size);
	if (!in_boot(p))
		try_count(TRY_REALLOC_MOVED, 1);
	free(p);
	return q;
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

/* The aligned functions: a chosen site gets arena memory for alignments up to a page. */
static void *aligned(size_t align, size_t size, uintptr_t ret, const uintptr_t *fp)
{
	if (!try_busy && align <= 4096 && !(align & (align - 1))) {
		try_count(TRY_CALLS, 1);
		if (chosen(ret, fp))
			return routed_alloc(size, align);
	}
	return NULL;
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (!ready())
		return (*out = boot_alloc(size)) && align <= 16 ? 0 : ENOMEM;
	if (align % sizeof(void *) == 0 && (p = aligned(align, size, CALLER, FRAME)) != NULL) {
		*out = p;
		return 0;
	}
	return real_posix_memalign(out, align, size);
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (!ready())
		return align <= 16 ? boot_alloc(size) : NULL;
	if ((p = aligned(align, size, CALLER, FRAME)) != NULL)
		return p;
	return real_aligned_alloc(align, size);
}

EXPORT void *memalign(size_t align, size_t size)
{
	void *p;

	if (!ready())
		return align <= 16 ? boot_alloc(size) : NULL;
	if ((p = aligned(align, size, CALLER, FRAME)) != NULL)
		return p;
	return real_memalign(align, size);
}

EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	ready();
	return usable_size(p);
}
