/* arena.c: implementation of arena.h. Two back ends share the public API: the
 * chunk/bump allocator (default) and, with -DARENA_USE_MALLOC, one malloc()
 * per allocation for A/B runs. The debug aids (thread ownership check, ASan
 * poisoning, Valgrind mempool, 0xDD fill) are selected at compile time. */
#include "arena.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Build configuration ------------------------------------------------ */

#if defined(ARENA_DEBUG) || !defined(NDEBUG)
#define ARENA_CHECKS 1
#else
#define ARENA_CHECKS 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifndef ARENA_ASAN
#define ARENA_ASAN 0
#endif

#if ARENA_CHECKS && !ARENA_ASAN && defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define ARENA_VALGRIND 1
#endif
#endif
#ifndef ARENA_VALGRIND
#define ARENA_VALGRIND 0
#endif

#if ARENA_ASAN
#include <sanitizer/asan_interface.h>
/* Poisoned gap after every allocation, so overflows into the next object are
 * reported too. */
#define ARENA_REDZONE ((size_t)16)
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_REDZONE ((size_t)0)
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#if ARENA_VALGRIND
#define VG_POOL_CREATE(a) VALGRIND_CREATE_MEMPOOL((a), 0, 0)
#define VG_POOL_DESTROY(a) VALGRIND_DESTROY_MEMPOOL(a)
#define VG_POOL_ALLOC(a, p, n) VALGRIND_MEMPOOL_ALLOC((a), (p), (n))
#define VG_NOACCESS(p, n) VALGRIND_MAKE_MEM_NOACCESS((p), (n))
#define VG_UNDEFINED(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#else
#define VG_POOL_CREATE(a) ((void)(a))
#define VG_POOL_DESTROY(a) ((void)(a))
#define VG_POOL_ALLOC(a, p, n) ((void)(a), (void)(p), (void)(n))
#define VG_NOACCESS(p, n) ((void)(p), (void)(n))
#define VG_UNDEFINED(p, n) ((void)(p), (void)(n))
#endif

/* Fill released memory with ARENA_FREED_BYTE only when no tool does better. */
#define ARENA_PATTERN_FILL (ARENA_CHECKS && !ARENA_ASAN)

#if ARENA_CHECKS && !defined(__STDC_NO_THREADS__)
#include <threads.h>
#define ARENA_OWNER_CHECK 1
#else
#define ARENA_OWNER_CHECK 0
#endif

/* ---- Shared helpers ----------------------------------------------------- */

static void *fail(int err)
{
	errno = err;
	return NULL;
}

static bool is_power_of_two(size_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* glibc refuses objects larger than PTRDIFF_MAX; so do we. */
static bool size_is_sane(size_t size)
{
	return size <= (size_t)PTRDIFF_MAX;
}

#if ARENA_OWNER_CHECK
#define OWNER_FIELD thrd_t owner;

static void owner_record(struct arena *a);
static void owner_check(const struct arena *a, const char *fn);
#else
#define OWNER_FIELD
#define owner_record(a) ((void)(a))
#define owner_check(a, fn) ((void)(a), (void)(fn))
#endif

/* The checks every allocation passes in both back ends: 0, or the errno to fail with. A
 * zero-size request becomes one byte (a unique pointer). */
static int admit_request(const struct arena *a, size_t *size, size_t align)
{
	if (!a || !is_power_of_two(align))
		return EINVAL;
	owner_check(a, "arena_alloc");
	if (!size_is_sane(*size))
		return ENOMEM;
	if (*size == 0)
		*size = 1;
	return 0;
}

#ifdef ARENA_USE_MALLOC
/* ---- Back end 1: one malloc() per allocation ---------------------------- */

struct arena {
	void **blocks; /* every live allocation, freed at reset/destroy */
	size_t nblocks;
	size_t capacity;
	size_t used;
	OWNER_FIELD
};

const char *arena_backend(void)
{
	return "malloc";
}

struct arena *arena_new(size_t first_chunk)
{
	struct arena *a;

	(void)first_chunk;
	a = calloc(1, sizeof(*a));
	if (!a)
		return fail(ENOMEM);
	owner_record(a);
	return a;
}

static void free_blocks(struct arena *a)
{
	for (size_t i = 0; i < a->nblocks; i++)
		free(a->blocks[i]);
	a->nblocks = 0;
	a->used = 0;
}

void arena_destroy(struct arena *a)
{
	if (!a)
		return;
	owner_check(a, "arena_destroy");
	free_blocks(a);
	free(a->blocks);
	free(a);
}

void arena_reset(struct arena *a)
{
	if (!a)
		return;
	owner_check(a, "arena_reset");
	free_blocks(a);
}

static bool reserve_block_slot(struct arena *a)
{
	size_t capacity;
	void **blocks;

	if (a->nblocks < a->capacity)
		return true;
	capacity = a->capacity ? a->capacity * 2 : 64;
	if (capacity > SIZE_MAX / sizeof(*blocks))
		return false;
	blocks = realloc(a->blocks, capacity * sizeof(*blocks));
	if (!blocks)
		return false;
	a->blocks = blocks;
	a->capacity = capacity;
	return true;
}

static void *malloc_aligned(size_t size, size_t align)
{
	size_t rounded;

	if (align <= ARENA_DEFAULT_ALIGN)
		return malloc(size);
	/* aligned_alloc() wants a multiple of the alignment. */
	if (size > SIZE_MAX - (align - 1))
		return NULL;
	rounded = (size + align - 1) & ~(align - 1);
	return aligned_alloc(align, rounded);
}

void *arena_alloc_aligned(struct arena *a, size_t size, size_t align)
{
	int err = admit_request(a, &size, align);
	void *p;

	if (err)
		return fail(err);
	if (!reserve_block_slot(a))
		return fail(ENOMEM);
	p = malloc_aligned(size, align);
	if (!p)
		return fail(ENOMEM);
	a->blocks[a->nblocks++] = p;
	a->used += size;
	return p;
}

void arena_stats(const struct arena *a, struct arena_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!a)
		return;
	owner_check(a, "arena_stats");
	out->bytes_used = a->used;
	out->bytes_reserved = a->used;
	out->chunks = a->nblocks;
	out->allocations = a->nblocks;
}

#else /* !ARENA_USE_MALLOC */
/* ---- Back end 2: chunks and a bump pointer ------------------------------ */

struct chunk {
	struct chunk *next;
	size_t cap; /* bytes in data[] */
	size_t off; /* bytes of data[] consumed (handed out or wasted) */
	_Alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct chunk *first; /* regular chunks in creation order; first is embedded */
	struct chunk *cur; /* chunk being bumped; chunks after it are untouched */
	struct chunk *dedicated; /* chunks of oversized requests */
	size_t next_size; /* capacity of the next regular chunk */
	size_t max_size; /* growth cap */
	size_t reserved;
	size_t chunks;
	size_t used;
	size_t wasted;
	size_t allocations;
	OWNER_FIELD
};

/* The first chunk lives in the same malloc() block, right after the arena. */
#define EMBEDDED_CHUNK_OFFSET \
	((sizeof(struct arena) + _Alignof(struct chunk) - 1) & ~(_Alignof(struct chunk) - 1))

const char *arena_backend(void)
{
	return "chunks";
}

static size_t grown_size(const struct arena *a, size_t cap)
{
	return cap >= a->max_size / 2 ? a->max_size : cap * 2;
}

static void chunk_init(struct chunk *c, size_t cap)
{
	c->next = NULL;
	c->cap = cap;
	c->off = 0;
	POISON(c->data, cap);
	VG_NOACCESS(c->data, cap);
}

static struct chunk *chunk_new(struct arena *a, size_t cap)
{
	struct chunk *c;

	if (cap > SIZE_MAX - sizeof(*c))
		return NULL;
	c = malloc(sizeof(*c) + cap);
	if (!c)
		return NULL;
	chunk_init(c, cap);
	a->reserved += cap;
	a->chunks++;
	return c;
}

static void chunk_free(struct arena *a, struct chunk *c)
{
	a->reserved -= c->cap;
	a->chunks--;
	UNPOISON(c->data, c->cap);
	VG_UNDEFINED(c->data, c->cap);
	if (c != a->first)
		free(c);
}

static void chunk_free_list(struct arena *a, struct chunk *c)
{
	while (c) {
		struct chunk *next = c->next;

		chunk_free(a, c);
		c = next;
	}
}

/* Forget what was handed out of c: poison or fill it, rewind. */
static void chunk_rewind(struct chunk *c)
{
#if ARENA_PATTERN_FILL
	VG_UNDEFINED(c->data, c->off); /* padding is no-access: allow the fill */
	memset(c->data, ARENA_FREED_BYTE, c->off);
#endif
	POISON(c->data, c->off);
	VG_NOACCESS(c->data, c->cap);
	c->off = 0;
}

struct arena *arena_new(size_t first_chunk)
{
	size_t cap = first_chunk ? first_chunk : ARENA_DEFAULT_CHUNK;
	struct arena *a;

	if (cap > SIZE_MAX - EMBEDDED_CHUNK_OFFSET - sizeof(struct chunk))
		return fail(ENOMEM);
	a = malloc(EMBEDDED_CHUNK_OFFSET + sizeof(struct chunk) + cap);
	if (!a)
		return fail(ENOMEM);
	memset(a, 0, sizeof(*a));
	a->first = (struct chunk *)((unsigned char *)a + EMBEDDED_CHUNK_OFFSET);
	chunk_init(a->first, cap);
	a->cur = a->first;
	a->max_size = cap > ARENA_CHUNK_MAX ? cap : ARENA_CHUNK_MAX;
	a->next_size = grown_size(a, cap);
	a->reserved = cap;
	a->chunks = 1;
	owner_record(a);
	VG_POOL_CREATE(a);
	return a;
}

void arena_destroy(struct arena *a)
{
	if (!a)
		return;
	owner_check(a, "arena_destroy");
	VG_POOL_DESTROY(a);
	chunk_free_list(a, a->dedicated);
	chunk_free_list(a, a->first);
	free(a);
}

/* Keep regular chunks while they fit in ARENA_RETAIN_MAX (always the first),
 * free the others. Returns the last chunk kept. */
static struct chunk *keep_retained_chunks(struct arena *a)
{
	struct chunk *last = a->first;
	size_t kept = a->first->cap;

	chunk_rewind(a->first);
	while (last->next && kept + last->next->cap <= ARENA_RETAIN_MAX) {
		last = last->next;
		kept += last->cap;
		chunk_rewind(last);
	}
	chunk_free_list(a, last->next);
	last->next = NULL;
	return last;
}

void arena_reset(struct arena *a)
{
	struct chunk *last;

	if (!a)
		return;
	owner_check(a, "arena_reset");
	VG_POOL_DESTROY(a);
	VG_POOL_CREATE(a);
	chunk_free_list(a, a->dedicated);
	a->dedicated = NULL;
	last = keep_retained_chunks(a);
	a->cur = a->first;
	a->next_size = grown_size(a, last->cap);
	a->used = 0;
	a->wasted = 0;
	a->allocations = 0;
}

/* Carve size bytes aligned to align out of c, or return NULL if they do not
 * fit. Adds the padding (and redzone) to *wasted. size <= PTRDIFF_MAX, so
 * size + ARENA_REDZONE cannot overflow. */
static void *chunk_bump(struct chunk *c, size_t size, size_t align, size_t *wasted)
{
	uintptr_t at = (uintptr_t)(c->data + c->off);
	size_t pad = (size_t)(-at & (uintptr_t)(align - 1));
	size_t room = c->cap - c->off;
	size_t need = size + ARENA_REDZONE;

	if (pad > room || need > room - pad)
		return NULL;
	c->off += pad + need;
	*wasted += pad + ARENA_REDZONE;
	return (void *)(at + pad);
}

/* Capacity a fresh chunk needs for this request, or false on overflow. Fresh
 * chunk data is aligned to max_align_t, so only larger alignments pad. */
static bool span_for(size_t size, size_t align, size_t *span)
{
	size_t slack = align > _Alignof(max_align_t) ? align - _Alignof(max_align_t) : 0;

	if (size > SIZE_MAX - slack - ARENA_REDZONE)
		return false;
	*span = size + slack + ARENA_REDZONE;
	return true;
}

static void *alloc_dedicated(struct arena *a, size_t size, size_t align, size_t span)
{
	struct chunk *c = chunk_new(a, span);
	size_t ignored = 0;
	void *p;

	if (!c)
		return NULL;
	c->next = a->dedicated;
	a->dedicated = c;
	p = chunk_bump(c, size, align, &ignored);
	a->wasted += c->cap - size;
	c->off = c->cap;
	return p;
}

/* The current chunk is full: move to the next (kept or new) regular chunk, or
 * serve an oversized request from a dedicated chunk. */
static void *alloc_slow(struct arena *a, size_t size, size_t align)
{
	struct chunk *next = a->cur->next;
	size_t span;

	if (!span_for(size, align, &span))
		return NULL;
	if (span > a->next_size / 2 || (next && span > next->cap))
		return alloc_dedicated(a, size, align, span);
	if (!next) {
		next = chunk_new(a, a->next_size);
		if (!next)
			return NULL;
		a->cur->next = next;
		a->next_size = grown_size(a, a->next_size);
	}
	a->wasted += a->cur->cap - a->cur->off;
	a->cur->off = a->cur->cap;
	a->cur = next;
	return chunk_bump(next, size, align, &a->wasted);
}

void *arena_alloc_aligned(struct arena *a, size_t size, size_t align)
{
	int err = admit_request(a, &size, align);
	void *p;

	if (err)
		return fail(err);
	p = chunk_bump(a->cur, size, align, &a->wasted);
	if (!p)
		p = alloc_slow(a, size, align);
	if (!p)
		return fail(ENOMEM);
	a->used += size;
	a->allocations++;
	UNPOISON(p, size);
	VG_POOL_ALLOC(a, p, size);
	return p;
}

static size_t bytes_free(const struct arena *a)
{
	size_t n = a->cur->cap - a->cur->off;

	for (const struct chunk *c = a->cur->next; c; c = c->next)
		n += c->cap;
	return n;
}

void arena_stats(const struct arena *a, struct arena_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!a)
		return;
	owner_check(a, "arena_stats");
	out->bytes_used = a->used;
	out->bytes_reserved = a->reserved;
	out->bytes_free = bytes_free(a);
	out->bytes_wasted = a->wasted;
	out->chunks = a->chunks;
	out->allocations = a->allocations;
}

#endif /* ARENA_USE_MALLOC */

/* ---- Thread ownership (debug builds) ------------------------------------ */

#if ARENA_OWNER_CHECK
static void owner_record(struct arena *a)
{
	a->owner = thrd_current();
}

static void owner_check(const struct arena *a, const char *fn)
{
	if (thrd_equal(a->owner, thrd_current()))
		return;
	fprintf(stderr,
		"arena: %s() on arena %p from a thread that does not own it; arenas are not "
		"thread-safe (use one arena per thread, or hand it over with arena_adopt())\n",
		fn, (const void *)a);
	abort();
}
#endif

void arena_adopt(struct arena *a)
{
	if (a)
		owner_record(a);
}

/* ---- Helpers built on arena_alloc_aligned() ----------------------------- */

void *arena_alloc(struct arena *a, size_t size)
{
	return arena_alloc_aligned(a, size, ARENA_DEFAULT_ALIGN);
}

void *arena_alloc_array(struct arena *a, size_t n, size_t size, size_t align)
{
	if (size != 0 && n > SIZE_MAX / size)
		return fail(ENOMEM);
	return arena_alloc_aligned(a, n * size, align);
}

void *arena_calloc(struct arena *a, size_t n, size_t size, size_t align)
{
	void *p = arena_alloc_array(a, n, size, align);

	if (p)
		memset(p, 0, n * size);
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *q;

	if (!p && n)
		return fail(EINVAL);
	q = arena_alloc(a, n);
	if (q && n)
		memcpy(q, p, n);
	return q;
}

static char *copy_string(struct arena *a, const char *s, size_t len)
{
	char *q = arena_alloc_aligned(a, len + 1, 1);

	if (!q)
		return NULL;
	memcpy(q, s, len);
	q[len] = '\0';
	return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
	if (!s)
		return fail(EINVAL);
	return copy_string(a, s, strlen(s));
}

/* strnlen() is POSIX, not C11; never reads past the terminator. */
static size_t bounded_strlen(const char *s, size_t n)
{
	size_t len = 0;

	while (len < n && s[len] != '\0')
		len++;
	return len;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	if (!s)
		return fail(EINVAL);
	return copy_string(a, s, bounded_strlen(s, n));
}

void *arena_clone(const void *p, size_t n)
{
	void *q;

	if (!p && n)
		return fail(EINVAL);
	q = malloc(n ? n : 1);
	if (!q)
		return fail(ENOMEM);
	if (n)
		memcpy(q, p, n);
	return q;
}
