/* try_gen.c: the generations of try_gen.h: a reserved, slot-aligned address range, a slot list
 * under one spin lock (taken only to make or release a generation), and one arena per generation.
 * Each generation's slot holds, from its start: the header, the arena (struct and chunk, placed
 * there by serving arena_new()'s malloc call), and at its end, growing down, a log of the
 * objects' (offset, size) for realloc and malloc_usable_size. */
#define _GNU_SOURCE
#include "try_gen.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"

/* Header at the slot's start; the arena's block starts GEN_HDR bytes in.
 *
 * Live objects are counted the way biased reference counting does it: the owning thread (the
 * one whose current generation it is) counts its allocations and frees in `local` without
 * atomic instructions; other threads' frees subtract from `shared`, which starts at OWNER_BIAS
 * so it cannot reach zero while an owner is counting. When the owner moves on (retire), it adds
 * local - OWNER_BIAS to shared: from then on shared is the live count, and whoever brings it to
 * zero (the owner at retire time, or the thread freeing the last object) releases the slot. */
struct gen {
	_Atomic long shared;
	long local; /* owner only */
	struct arena *arena;
	char *bump; /* owner only: where the arena's next allocation starts (at the earliest) */
	char *limit; /* owner only: end of the arena's chunk data */
	/* lowest log entry; the log ends at the slot's end. Written by the owning thread, read by
	 * any (realloc, malloc_usable_size): entries below it are not written yet */
	_Atomic(uint32_t *) log;
};
#define GEN_HDR ((size_t)64)
#define OWNER_BIAS (1L << 50)
_Static_assert(sizeof(struct gen) <= GEN_HDR, "generation header fits");

/* Virtual address space reserved for slots (PROT_NONE until a slot is first used). */
#define REGION_BYTES ((size_t)64 << 30)
/* Released slots kept without madvise(MADV_DONTNEED), for reuse by the next generations. */
#define CACHED_SLOTS 8

char *try_region, *try_region_end;
size_t try_gen_max_object;
static size_t slot_size;
static char *next_fresh; /* slots from here on were never used */
static void *free_slots; /* released slots: the first word of each links to the next */
static size_t nfree_slots;
static atomic_flag lock = ATOMIC_FLAG_INIT;
static uint64_t made, released, madvised, in_use, peak;

static _Thread_local struct gen *current __attribute__((tls_model("initial-exec")));
static _Thread_local char *serving __attribute__((tls_model("initial-exec")));
static _Thread_local size_t served __attribute__((tls_model("initial-exec")));

static void lock_slots(void)
{
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		;
}

static void unlock_slots(void)
{
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

int try_gen_init(size_t size)
{
	char *p;

	slot_size = size;
	p = mmap(NULL, REGION_BYTES + slot_size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	try_region = (char *)(((uintptr_t)p + slot_size - 1) & ~(uintptr_t)(slot_size - 1));
	try_region_end = try_region + REGION_BYTES;
	next_fresh = try_region;
	try_gen_max_object = slot_size / 4 > 0xFFFF ? 0xFFFF : slot_size / 4;
	return 0;
}

static struct gen *gen_of(const void *p)
{
	return (struct gen *)((uintptr_t)p & ~(uintptr_t)(slot_size - 1));
}

static char *slot_get(void)
{
	char *s = NULL;

	lock_slots();
	if (free_slots) {
		s = free_slots;
		free_slots = *(void **)s;
		nfree_slots--;
	} else if (next_fresh < try_region_end) {
		s = next_fresh;
		next_fresh += slot_size;
		if (mprotect(s, slot_size, PROT_READ | PROT_WRITE)) {
			next_fresh -= slot_size;
			s = NULL;
		}
	}
	if (s) {
		made++;
		if (++in_use > peak)
			peak = in_use;
	}
	unlock_slots();
	return s;
}

static void slot_put(char *s)
{
	int drop;

	lock_slots();
	drop = nfree_slots >= CACHED_SLOTS;
	released++;
	in_use--;
	if (drop)
		madvised++;
	unlock_slots();
	/* Outside the lock: a dropped slot's pages go back to the kernel (RSS falls); the slot itself
	 * stays reserved and is reused, zeroed, by a later generation. */
	if (drop)
		madvise(s, slot_size, MADV_DONTNEED);
	lock_slots();
	*(void **)s = free_slots;
	free_slots = s;
	nfree_slots++;
	unlock_slots();
}

void *try_gen_serve_chunk(size_t size)
{
	char *s = serving;

	if (!s || size > slot_size - GEN_HDR)
		return NULL;
	serving = NULL;
	served = size;
	return s + GEN_HDR;
}

static void gen_destroy(struct gen *g)
{
	try_busy++;
	arena_adopt(g->arena); /* debug builds check the owning thread */
	arena_destroy(g->arena); /* its free() of the block releases the slot (try_gen_free) */
	try_busy--;
}

/* A free by a thread that does not own g (or after g was retired). */
static void gen_put(struct gen *g)
{
	if (atomic_fetch_sub_explicit(&g->shared, 1, memory_order_acq_rel) == 1)
		gen_destroy(g);
}

/* The owner moves on: its count joins the shared one. */
static void gen_retire(struct gen *g)
{
	long add = g->local - OWNER_BIAS;

	if (atomic_fetch_add_explicit(&g->shared, add, memory_order_acq_rel) + add == 0)
		gen_destroy(g);
}

static struct gen *gen_new(void)
{
	char *s = slot_get();
	struct gen *g = (struct gen *)s;
	struct arena_stats st;
	struct arena *a;
	char *first = NULL;

	if (!s)
		return NULL;
	serving = s;
	served = 0;
	try_busy++;
	/* arena_new's one malloc call is served with the slot (try_gen_serve_chunk); 256 bytes
	 * leave room for the arena's struct and chunk header. */
	a = arena_new(slot_size - GEN_HDR - 256);
	serving = NULL;
	if (a && (char *)a != s + GEN_HDR) { /* served by malloc: cannot happen while the sizes
					       * above hold */
		arena_destroy(a);
		a = NULL;
	}
	/* Where the chunk's data starts and ends: a first 1-byte allocation at its start (the data
	 * is aligned to max_align_t) plus the bytes that were free before it. */
	if (a) {
		arena_stats(a, &st);
		first = arena_alloc(a, 1);
	}
	try_busy--;
	if (!a || !first) {
		if (a)
			arena_destroy(a); /* releases the slot */
		else
			slot_put(s);
		return NULL;
	}
	atomic_store_explicit(&g->shared, OWNER_BIAS, memory_order_relaxed);
	g->local = 0;
	g->arena = a;
	g->bump = first + 1;
	g->limit = first + st.bytes_free;
	atomic_store_explicit(&g->log, (uint32_t *)(s + slot_size), memory_order_relaxed);
	return g;
}

/* Whether size bytes at align fit below both the chunk's end and the log (with its new entry). */
static int fits(const struct gen *g, size_t size, size_t align)
{
	char *log = (char *)atomic_load_explicit(&g->log, memory_order_relaxed);
	char *end = log - sizeof(uint32_t) < g->limit ? log - sizeof(uint32_t) : g->limit;

	return end > g->bump && (size_t)(end - g->bump) >= size + align - 1;
}

void *try_gen_alloc(size_t size, size_t align)
{
	struct gen *g = current;
	uint32_t *log;
	char *p;

	if (size == 0)
		size = 1;
	if (size > try_gen_max_object || align > 4096)
		return NULL;
	if (align < 16)
		align = 16;
	if (!g || !fits(g, size, align)) {
		struct gen *fresh = gen_new();

		if (!fresh)
			return NULL;
		current = fresh;
		if (g)
			gen_retire(g); /* released when its last object goes */
		g = fresh;
		if (!fits(g, size, align))
			return NULL;
	}
	p = arena_alloc_aligned(g->arena, size, align);
	if (!p)
		return NULL;
	g->bump = p + size;
	log = atomic_load_explicit(&g->log, memory_order_relaxed) - 1;
	*log = (uint32_t)(((size_t)(p - (char *)g) >> 4) << 16 | size);
	atomic_store_explicit(&g->log, log, memory_order_release);
	g->local++;
	return p;
}

void try_gen_free(void *p)
{
	struct gen *g = gen_of(p);

	if ((char *)p == (char *)g + GEN_HDR) { /* arena_destroy: the slot itself */
		slot_put((char *)g);
		return;
	}
	if (g == current)
		g->local--; /* the owner's own free: no atomic instruction */
	else
		gen_put(g);
}

size_t try_gen_size(const void *p)
{
	const struct gen *g = gen_of(p);
	const uint32_t *lo = atomic_load_explicit(&g->log, memory_order_acquire);
	const uint32_t *hi = (const uint32_t *)((const char *)g + slot_size);
	uint32_t key = (uint32_t)(((size_t)((const char *)p - (const char *)g) >> 4) << 16);

	/* Entries were pushed in address order, downwards: highest offsets at lo. */
	while (lo < hi) {
		const uint32_t *mid = lo + (hi - lo) / 2;
		uint32_t k = *mid & 0xFFFF0000u;

		if (k == key)
			return *mid & 0xFFFFu;
		if (k > key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void try_gen_thread_exit(void)
{
	struct gen *g = current;

	current = NULL;
	if (g)
		gen_retire(g);
}

void try_gen_fork_prepare(void)
{
	lock_slots();
}

void try_gen_fork_parent(void)
{
	unlock_slots();
}

void try_gen_fork_child(void)
{
	unlock_slots();
}

void try_gen_counts(struct try_gen_counts *out)
{
	lock_slots();
	*out = (struct try_gen_counts){ made, released, madvised, peak, slot_size };
	unlock_slots();
}
