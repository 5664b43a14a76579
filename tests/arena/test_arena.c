/* test_arena.c: unit tests of the arena allocator's public API. Built twice:
 * against libarena (chunk back end) and libarena_malloc (ARENA_USE_MALLOC);
 * checks specific to one back end are marked. Usage: test_arena [NAME|--list]. */
#include "arena.h"

#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef ARENA_USE_MALLOC
#define CHUNKED 0
#else
#define CHUNKED 1
#endif

static int failures;

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, \
				__func__, #cond);                                            \
			failures++;                                                          \
		}                                                                            \
	} while (0)

static bool is_aligned(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

static bool all_bytes_are(const void *p, int byte, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != (unsigned char)byte)
			return false;
	return true;
}

/* The stats identity every arena must satisfy. */
static void check_stats_consistent(struct arena *a)
{
	struct arena_stats st;

	arena_stats(a, &st);
	CHECK(st.bytes_used + st.bytes_wasted + st.bytes_free == st.bytes_reserved);
	CHECK(st.bytes_used >= st.allocations);
}

/* Deterministic pseudo-random numbers (xorshift64). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_backend_name(void)
{
	CHECK(strcmp(arena_backend(), CHUNKED ? "chunks" : "malloc") == 0);
}

static void test_new_destroy_and_null_arena(void)
{
	struct arena *a = arena_new(0);
	struct arena_stats st;

	CHECK(a != NULL);
	arena_stats(a, &st);
	CHECK(st.bytes_used == 0 && st.allocations == 0);
	CHECK(st.bytes_reserved == (CHUNKED ? ARENA_DEFAULT_CHUNK : 0));
	CHECK(st.chunks == (CHUNKED ? 1u : 0u));
	arena_destroy(a);

	a = arena_new(100);
	CHECK(a != NULL);
	arena_stats(a, &st);
	CHECK(st.bytes_reserved == (CHUNKED ? 100u : 0u));
	arena_destroy(a);

	if (CHUNKED) {
		errno = 0;
		CHECK(arena_new(SIZE_MAX) == NULL);
		CHECK(errno == ENOMEM);
	}

	/* NULL arenas: destroy/reset are no-ops, allocations fail with EINVAL. */
	arena_destroy(NULL);
	arena_reset(NULL);
	errno = 0;
	CHECK(arena_alloc(NULL, 8) == NULL);
	CHECK(errno == EINVAL);
	arena_stats(NULL, &st);
	CHECK(st.bytes_reserved == 0 && st.chunks == 0);
}

static void test_zero_size(void)
{
	struct arena *a = arena_new(0);
	void *p = arena_alloc(a, 0);
	void *q = arena_alloc(a, 0);
	struct arena_stats st;

	CHECK(p != NULL && q != NULL);
	CHECK(p != q);
	CHECK(arena_alloc_aligned(a, 0, 4096) != NULL);
	CHECK(arena_memdup(a, NULL, 0) != NULL);
	CHECK(arena_calloc(a, 0, 8, 8) != NULL);
	CHECK(arena_alloc_array(a, 8, 0, 8) != NULL);
	arena_stats(a, &st);
	CHECK(st.allocations == 6);
	CHECK(st.bytes_used == 6); /* each zero-size request counts as one byte */
	check_stats_consistent(a);
	arena_destroy(a);
}

static void test_huge_sizes_fail_cleanly(void)
{
	struct arena *a = arena_new(0);
	struct arena_stats st;

	errno = 0;
	CHECK(arena_alloc(a, SIZE_MAX) == NULL);
	CHECK(errno == ENOMEM);
	CHECK(arena_alloc(a, (size_t)PTRDIFF_MAX + 1) == NULL);
	CHECK(arena_alloc(a, (size_t)PTRDIFF_MAX) == NULL);
	CHECK(arena_alloc(a, SIZE_MAX - 8) == NULL);
	/* size + align overflows */
	CHECK(arena_alloc_aligned(a, (size_t)PTRDIFF_MAX, (size_t)1 << 63) == NULL);
	CHECK(arena_alloc_aligned(a, 16, (size_t)1 << 63) == NULL);
	/* n * size overflows */
	errno = 0;
	CHECK(arena_alloc_array(a, SIZE_MAX / 2, 3, 1) == NULL);
	CHECK(errno == ENOMEM);
	CHECK(arena_calloc(a, (size_t)1 << 40, (size_t)1 << 40, 1) == NULL);
	CHECK(ARENA_NEW_ARRAY(a, uint64_t, SIZE_MAX / 4) == NULL);
	CHECK(ARENA_NEW_ARRAY_ZEROED(a, uint64_t, SIZE_MAX / 4) == NULL);
	CHECK(arena_memdup(a, "x", SIZE_MAX) == NULL);

	/* Failures leave the arena usable and uncounted. */
	arena_stats(a, &st);
	CHECK(st.allocations == 0 && st.bytes_used == 0);
	CHECK(arena_alloc(a, 32) != NULL);
	arena_stats(a, &st);
	CHECK(st.allocations == 1 && st.bytes_used == 32);
	check_stats_consistent(a);
	arena_destroy(a);
}

static void test_alignment(void)
{
	static const size_t sizes[] = { 1, 3, 17, 100, 5000 };
	struct arena *a = arena_new(0);

	for (size_t align = 1; align <= 8192; align *= 2) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			unsigned char *p = arena_alloc_aligned(a, sizes[i], align);

			CHECK(p != NULL);
			if (!p)
				continue;
			CHECK(is_aligned(p, align));
			memset(p, 0xAB, sizes[i]);
		}
	}
	for (size_t shift = 16; shift <= 22; shift += 3) {
		void *p = arena_alloc_aligned(a, 10, (size_t)1 << shift);

		CHECK(p != NULL && is_aligned(p, (size_t)1 << shift));
	}
	for (size_t i = 0; i < 50; i++) {
		void *p = arena_alloc(a, 1 + i * 7);

		CHECK(p != NULL && is_aligned(p, ARENA_DEFAULT_ALIGN));
	}
	check_stats_consistent(a);
	arena_destroy(a);
}

static void test_invalid_alignment(void)
{
	static const size_t bad[] = { 0, 3, 24, 4095, SIZE_MAX };
	struct arena *a = arena_new(0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(arena_alloc_aligned(a, 8, bad[i]) == NULL);
		CHECK(errno == EINVAL);
	}
	arena_destroy(a);
}

struct block {
	unsigned char *p;
	size_t size;
};

static int compare_blocks(const void *x, const void *y)
{
	const struct block *a = x, *b = y;

	return (a->p > b->p) - (a->p < b->p);
}

/* Mixed sizes and alignments across many chunks: every block keeps its
 * contents and no two blocks overlap. */
static void test_no_overlap_and_contents_kept(void)
{
	enum { N = 3000 };
	static struct block blocks[N];
	struct arena *a = arena_new(512);
	bool intact = true;

	for (size_t i = 0; i < N; i++) {
		size_t size = 1 + rng_next() % 300;
		size_t align = (size_t)1 << (rng_next() % 7);

		if (i % 500 == 0)
			size = 20000; /* oversized requests in between */
		blocks[i].p = arena_alloc_aligned(a, size, align);
		blocks[i].size = size;
		CHECK(blocks[i].p != NULL);
		if (!blocks[i].p)
			break;
		memset(blocks[i].p, (int)(i & 0xFF), size);
	}
	for (size_t i = 0; i < N; i++)
		intact = intact && blocks[i].p &&
			 all_bytes_are(blocks[i].p, (int)(i & 0xFF), blocks[i].size);
	CHECK(intact);
	qsort(blocks, N, sizeof(blocks[0]), compare_blocks);
	for (size_t i = 1; i < N; i++)
		CHECK(blocks[i - 1].p + blocks[i - 1].size <= blocks[i].p);
	check_stats_consistent(a);
	arena_destroy(a);
}

/* Growth: chunks double up to ARENA_CHUNK_MAX, so reserving stays within a
 * small factor of what is used, and no regular chunk exceeds the cap. */
static void test_growth_across_many_chunks(void)
{
	struct arena *a = arena_new(256);
	struct arena_stats st;
	size_t small_chunks;

	for (size_t i = 0; i < 2000; i++)
		CHECK(arena_alloc(a, 48) != NULL);
	arena_stats(a, &st);
	CHECK(st.bytes_used == 2000 * 48);
	if (CHUNKED) {
		CHECK(st.chunks >= 5);
		CHECK(st.bytes_reserved <= 4 * st.bytes_used + 256);
	}
	small_chunks = st.chunks;

	for (size_t i = 0; i < 100000; i++)
		CHECK(arena_alloc(a, 100) != NULL);
	arena_stats(a, &st);
	CHECK(st.allocations == 102000);
	if (CHUNKED) {
		CHECK(st.chunks > small_chunks);
		CHECK(st.chunks >= st.bytes_reserved / ARENA_CHUNK_MAX);
		/* Unused: at most the rest of one chunk. Wasted: per allocation
		 * padding (+ ASan redzone) below 32 bytes, per chunk a tail
		 * smaller than one padded allocation. */
		CHECK(st.bytes_free <= ARENA_CHUNK_MAX);
		CHECK(st.bytes_wasted <= 32 * st.allocations + 132 * st.chunks);
	} else {
		CHECK(st.chunks == 102000);
	}
	check_stats_consistent(a);
	arena_destroy(a);
}

/* An oversized request gets its own chunk and does not abandon the current
 * one; reset frees it. */
static void test_oversized_request_gets_own_chunk(void)
{
	struct arena *a = arena_new(4096);
	struct arena_stats before, after;
	unsigned char *p1, *big, *p2;

	p1 = arena_alloc(a, 100);
	arena_stats(a, &before);
	big = arena_alloc(a, 100000);
	p2 = arena_alloc(a, 100);
	CHECK(p1 && big && p2);
	arena_stats(a, &after);
	if (CHUNKED) {
		CHECK(after.chunks == before.chunks + 1);
		CHECK(p2 > p1 && p2 - p1 < 4096); /* still bumping the first chunk */
		CHECK(after.bytes_free == before.bytes_free - (size_t)(p2 - p1));
	}
	memset(big, 1, 100000);
	arena_reset(a);
	arena_stats(a, &after);
	CHECK(after.chunks == (CHUNKED ? 1u : 0u));
	CHECK(after.bytes_reserved == (CHUNKED ? 4096u : 0u));
	arena_destroy(a);
}

static void test_reset_reuses_memory(void)
{
	struct arena *a = arena_new(4096);
	struct arena_stats st, first_round = { 0 };
	void *p, *q;

	p = arena_alloc(a, 64);
	CHECK(p != NULL);
	arena_reset(a);
	q = arena_alloc(a, 64);
	CHECK(q != NULL);
	if (CHUNKED)
		CHECK(q == p);

	/* A steady workload stops growing after its first round. */
	for (int round = 0; round < 50; round++) {
		arena_reset(a);
		arena_stats(a, &st);
		CHECK(st.bytes_used == 0 && st.allocations == 0 && st.bytes_wasted == 0);
		CHECK(st.bytes_free == st.bytes_reserved);
		for (size_t i = 0; i < 500; i++)
			CHECK(arena_alloc(a, 16 + i % 200) != NULL);
		arena_stats(a, &st);
		if (round == 0)
			first_round = st;
		CHECK(st.bytes_reserved == first_round.bytes_reserved);
		CHECK(st.chunks == first_round.chunks);
	}
	arena_reset(a);
	arena_stats(a, &st);
	CHECK(st.chunks == (CHUNKED ? first_round.chunks : 0u));
	arena_destroy(a);
}

/* Reset keeps at most ARENA_RETAIN_MAX bytes of regular chunks. */
static void test_reset_retain_policy(void)
{
	struct arena *a = arena_new(0);
	struct arena_stats before, after;

	for (size_t i = 0; i < 12000; i++)
		CHECK(arena_alloc(a, 1000) != NULL);
	arena_stats(a, &before);
	arena_reset(a);
	arena_stats(a, &after);
	if (CHUNKED) {
		CHECK(before.bytes_reserved > ARENA_RETAIN_MAX);
		CHECK(after.bytes_reserved <= ARENA_RETAIN_MAX);
		CHECK(after.bytes_reserved >= ARENA_DEFAULT_CHUNK);
		CHECK(after.chunks < before.chunks);
	} else {
		CHECK(before.chunks == 12000);
		CHECK(after.chunks == 0 && after.bytes_reserved == 0);
	}
	CHECK(after.bytes_free == after.bytes_reserved);
	/* The same work again reuses what was kept and ends up the same size. */
	for (size_t i = 0; i < 12000; i++)
		CHECK(arena_alloc(a, 1000) != NULL);
	arena_stats(a, &after);
	CHECK(after.bytes_used == before.bytes_used);
	if (CHUNKED)
		CHECK(after.bytes_reserved <= before.bytes_reserved + ARENA_CHUNK_MAX);
	check_stats_consistent(a);
	arena_destroy(a);
}

struct point {
	int x, y;
	double weight;
};

static void test_clone_survives_destroy(void)
{
	struct arena *a = arena_new(0);
	char *s = arena_strdup(a, "hello arena");
	struct point *pt = ARENA_NEW(a, struct point);
	char *s_copy;
	struct point *pt_copy;
	void *empty;

	CHECK(s && pt);
	if (!s || !pt)
		return;
	pt->x = 3;
	pt->y = -4;
	pt->weight = 2.5;
	s_copy = arena_clone(s, strlen(s) + 1);
	pt_copy = arena_clone(pt, sizeof(*pt));
	CHECK(s_copy != s && (void *)pt_copy != (void *)pt);
	arena_destroy(a);
	CHECK(s_copy && strcmp(s_copy, "hello arena") == 0);
	CHECK(pt_copy && pt_copy->x == 3 && pt_copy->y == -4 && pt_copy->weight == 2.5);
	free(s_copy);
	free(pt_copy);

	empty = arena_clone(NULL, 0);
	CHECK(empty != NULL);
	free(empty);
	errno = 0;
	CHECK(arena_clone(NULL, 5) == NULL);
	CHECK(errno == EINVAL);
}

/* used, allocations and the identity used + wasted + free == reserved hold
 * through a random mix of sizes, alignments, oversized requests and resets. */
static void test_stats_add_up(void)
{
	struct arena *a = arena_new(1024);
	size_t used = 0, count = 0;
	struct arena_stats st;

	for (int i = 0; i < 20000; i++) {
		size_t size = rng_next() % 512;
		size_t align = (size_t)1 << (rng_next() % 10);

		if (rng_next() % 1000 == 0)
			size = 1 << 20;
		if (i % 5000 == 4999) {
			arena_reset(a);
			used = count = 0;
		}
		CHECK(arena_alloc_aligned(a, size, align) != NULL);
		used += size ? size : 1;
		count++;
		arena_stats(a, &st);
		CHECK(st.bytes_used == used);
		CHECK(st.allocations == count);
		CHECK(st.bytes_used + st.bytes_wasted + st.bytes_free == st.bytes_reserved);
		if (!CHUNKED)
			CHECK(st.chunks == count && st.bytes_free == 0 && st.bytes_wasted == 0);
	}
	arena_destroy(a);
}

static void test_string_and_memory_copies(void)
{
	static const char raw[4] = { 'w', 'x', 'y', 'z' }; /* not NUL-terminated */
	struct arena *a = arena_new(0);
	const char *src = "abcdef";
	char *s;
	unsigned char *m;

	s = arena_strdup(a, src);
	CHECK(s && s != src && strcmp(s, src) == 0);
	s = arena_strdup(a, "");
	CHECK(s && s[0] == '\0');
	s = arena_strndup(a, src, 3);
	CHECK(s && strcmp(s, "abc") == 0);
	s = arena_strndup(a, "ab", 10);
	CHECK(s && strcmp(s, "ab") == 0);
	s = arena_strndup(a, src, 0);
	CHECK(s && s[0] == '\0');
	s = arena_strndup(a, raw, sizeof(raw));
	CHECK(s && strcmp(s, "wxyz") == 0);
	m = arena_memdup(a, "\x01\x00\x02\xff", 4);
	CHECK(m && memcmp(m, "\x01\x00\x02\xff", 4) == 0);
	CHECK(m && is_aligned(m, ARENA_DEFAULT_ALIGN));

	errno = 0;
	CHECK(arena_strdup(a, NULL) == NULL);
	CHECK(errno == EINVAL);
	CHECK(arena_strndup(a, NULL, 3) == NULL);
	CHECK(arena_memdup(a, NULL, 3) == NULL);
	arena_destroy(a);
}

struct cache_line {
	alignas(64) unsigned char bytes[64];
	int tag;
};

/* Typed helpers: alignment of the type, zeroing even of reused dirty memory. */
static void test_typed_helpers(void)
{
	struct arena *a = arena_new(0);
	struct cache_line *line;
	double *d;
	int *zeros;

	d = arena_alloc(a, 3000);
	CHECK(d != NULL);
	if (d)
		memset(d, 0xFF, 3000);
	arena_reset(a);

	line = ARENA_NEW(a, struct cache_line);
	CHECK(line && is_aligned(line, 64));
	CHECK(line && all_bytes_are(line, 0, sizeof(*line)));
	zeros = ARENA_NEW_ARRAY_ZEROED(a, int, 500);
	CHECK(zeros && is_aligned(zeros, alignof(int)));
	CHECK(zeros && all_bytes_are(zeros, 0, 500 * sizeof(int)));
	d = ARENA_NEW_ARRAY(a, double, 100);
	CHECK(d && is_aligned(d, alignof(double)));
	for (int i = 0; d && i < 100; i++)
		d[i] = i;
	CHECK(d && d[99] == 99.0);
	CHECK(ARENA_NEW_ARRAY(a, struct cache_line, SIZE_MAX / 64) == NULL);
	arena_destroy(a);
}

struct test {
	const char *name;
	void (*run)(void);
};

#define TEST(fn)        \
	{               \
#fn, fn \
	}
static const struct test tests[] = {
	TEST(test_backend_name),
	TEST(test_new_destroy_and_null_arena),
	TEST(test_zero_size),
	TEST(test_huge_sizes_fail_cleanly),
	TEST(test_alignment),
	TEST(test_invalid_alignment),
	TEST(test_no_overlap_and_contents_kept),
	TEST(test_growth_across_many_chunks),
	TEST(test_oversized_request_gets_own_chunk),
	TEST(test_reset_reuses_memory),
	TEST(test_reset_retain_policy),
	TEST(test_clone_survives_destroy),
	TEST(test_stats_add_up),
	TEST(test_string_and_memory_copies),
	TEST(test_typed_helpers),
};

int main(int argc, char **argv)
{
	size_t ran = 0;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && strcmp(argv[1], "--list") == 0) {
			printf("%s\n", tests[i].name);
			continue;
		}
		if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
			continue;
		tests[i].run();
		ran++;
	}
	if (argc > 1 && strcmp(argv[1], "--list") == 0)
		return 0;
	if (ran == 0) {
		fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(none)");
		return 2;
	}
	printf("%s back end: %zu test(s), %d failure(s)\n", arena_backend(), ran, failures);
	return failures ? 1 : 0;
}
