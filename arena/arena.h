/* arena.h: a small region (arena) allocator. Allocate many small objects with
 * a pointer bump, free them all at once with arena_reset() or arena_destroy().
 *
 * Memory layout and policies
 *   - Memory comes in chunks obtained with malloc(). arena_new(first_chunk)
 *     allocates the arena and its first chunk in one malloc() call
 *     (first_chunk == 0 selects ARENA_DEFAULT_CHUNK bytes).
 *   - Growth: each new regular chunk is twice the size of the previous one,
 *     capped at ARENA_CHUNK_MAX (or at first_chunk when that is larger).
 *   - Oversized requests (more than half of the next chunk size) get a
 *     dedicated chunk of exactly the needed size; the current chunk stays
 *     current, so its free tail is not lost.
 *   - arena_reset() frees every dedicated chunk, keeps the first chunk and the
 *     following regular chunks, in creation order, while their total capacity
 *     stays within ARENA_RETAIN_MAX bytes (the first chunk is always kept),
 *     frees the rest and rewinds the kept ones: a steady workload reuses the
 *     same memory without calling malloc() again.
 *   - arena_destroy() frees everything, the arena included.
 *
 * Contract
 *   - Failures (out of memory, n * size or size + alignment overflowing,
 *     alignment not a power of two) return NULL and set errno; nothing aborts
 *     in release builds.
 *   - A zero-size request returns a unique non-NULL pointer (served as 1 byte).
 *   - arena_alloc() aligns to ARENA_DEFAULT_ALIGN (alignof(max_align_t));
 *     arena_alloc_aligned() accepts any power of two, page size and beyond.
 *   - Memory from arena_alloc*() is uninitialised; arena_calloc() zeroes it.
 *
 * Threads: an arena is NOT thread-safe. Use one arena per thread or per scope
 * (e.g. per request). In debug builds (ARENA_DEBUG defined, or NDEBUG not
 * defined, when compiling arena.c) the creating thread is recorded and a call
 * from any other thread aborts with a message; arena_adopt() hands an arena
 * over to the calling thread (the hand-off itself must be synchronised).
 *
 * Build switches (when compiling arena.c)
 *   - ARENA_USE_MALLOC: every allocation is an individual malloc() (kept in a
 *     list and freed at reset/destroy), for A/B comparisons and for tools that
 *     track malloc() without touching call sites. Same API, same contract.
 *   - Use-after-reset/destroy detection: under AddressSanitizer unused and
 *     released arena memory is poisoned and every allocation is followed by a
 *     poisoned redzone; with <valgrind/memcheck.h> available, debug builds
 *     describe the arena to Memcheck as a mempool; other debug builds fill
 *     released memory with ARENA_FREED_BYTE (0xDD).
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#define ARENA_ALIGNOF(T) alignof(T)
#else
#define ARENA_ALIGNOF(T) _Alignof(T)
#endif

/* Size of the first chunk when arena_new() is given 0. */
#define ARENA_DEFAULT_CHUNK ((size_t)4096)
/* Regular chunks grow by doubling up to this size. */
#define ARENA_CHUNK_MAX ((size_t)1 << 20)
/* arena_reset() keeps regular chunks up to this total capacity. */
#define ARENA_RETAIN_MAX ((size_t)4 << 20)
/* Alignment of arena_alloc(). */
#define ARENA_DEFAULT_ALIGN ARENA_ALIGNOF(max_align_t)
/* Debug builds without a sanitizer fill released memory with this byte. */
#define ARENA_FREED_BYTE 0xDD

struct arena;

/* What an arena holds now. The counters restart at each arena_reset().
 * Always: bytes_used + bytes_wasted + bytes_free == bytes_reserved. */
struct arena_stats {
	size_t bytes_used; /* bytes handed out (requested sizes; 0 counts as 1) */
	size_t bytes_reserved; /* capacity of the chunks held (headers excluded) */
	size_t bytes_free; /* allocatable without a new chunk */
	size_t bytes_wasted; /* alignment padding, redzones, abandoned chunk tails */
	size_t chunks; /* chunks held (ARENA_USE_MALLOC: live malloc blocks) */
	size_t allocations; /* successful allocations */
};

/* Create an arena whose first chunk holds first_chunk bytes (0: default).
 * Returns NULL if out of memory. */
struct arena *arena_new(size_t first_chunk);

/* Free every chunk and the arena. NULL is a no-op. */
void arena_destroy(struct arena *a);

/* Release every allocation at once; keep chunks as described above. */
void arena_reset(struct arena *a);

/* size bytes aligned to ARENA_DEFAULT_ALIGN. */
void *arena_alloc(struct arena *a, size_t size);

/* size bytes aligned to align, a power of two. */
void *arena_alloc_aligned(struct arena *a, size_t size, size_t align);

/* n elements of size bytes, overflow-checked, uninitialised / zeroed. */
void *arena_alloc_array(struct arena *a, size_t n, size_t size, size_t align);
void *arena_calloc(struct arena *a, size_t n, size_t size, size_t align);

/* Copies into the arena: a NUL-terminated string, at most n chars of s plus a
 * NUL, n bytes of p. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);

/* Copy n bytes at p (e.g. an arena object) to a new malloc() block so it can
 * outlive the arena; release it with free(). */
void *arena_clone(const void *p, size_t n);

/* Fill *out with the arena's statistics. */
void arena_stats(const struct arena *a, struct arena_stats *out);

/* Make the calling thread the owner of a (debug builds check ownership). */
void arena_adopt(struct arena *a);

/* "chunks", or "malloc" when arena.c was built with ARENA_USE_MALLOC. */
const char *arena_backend(void);

/* Typed helpers. The single object is zeroed; arrays come in both kinds. */
#define ARENA_NEW(a, T) ((T *)arena_calloc((a), 1, sizeof(T), ARENA_ALIGNOF(T)))
#define ARENA_NEW_ARRAY(a, T, n) ((T *)arena_alloc_array((a), (n), sizeof(T), ARENA_ALIGNOF(T)))
#define ARENA_NEW_ARRAY_ZEROED(a, T, n) ((T *)arena_calloc((a), (n), sizeof(T), ARENA_ALIGNOF(T)))

#ifdef __cplusplus
}
#endif

#endif /* ARENA_H */
