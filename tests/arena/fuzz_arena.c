/* fuzz_arena.c: libFuzzer target for the arena allocator. The input is a
 * program of operations (allocate, zeroed allocate, copy a string, clone to the
 * heap, reset, destroy and re-create, overflowing requests) run against the
 * arena and a simple model of the live objects. Every object is filled with a
 * pattern derived from its id; the target checks alignment, that no two live
 * objects overlap, that contents are never corrupted, that clones survive
 * reset/destroy, and that the statistics agree with the model. ASan (arena
 * poisoning, redzones) and UBSan catch the rest.
 * Build: clang -fsanitize=fuzzer,address,undefined fuzz_arena.c arena.c */
#include "arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJECTS 256
#define MAX_CLONES 64

struct object {
	unsigned char *p;
	size_t size;
	uint32_t id;
};

struct clone {
	unsigned char *p;
	size_t size;
	uint32_t id;
};

struct model {
	struct arena *arena;
	struct object objects[MAX_OBJECTS];
	size_t nobjects;
	struct clone clones[MAX_CLONES];
	size_t nclones;
	size_t used;
	size_t allocations;
	uint32_t next_id;
};

struct input {
	const uint8_t *data;
	size_t size;
};

static uint8_t take_u8(struct input *in)
{
	uint8_t v;

	if (in->size == 0)
		return 0;
	v = in->data[0];
	in->data++;
	in->size--;
	return v;
}

static uint16_t take_u16(struct input *in)
{
	uint16_t lo = take_u8(in);

	return (uint16_t)(lo | (uint16_t)take_u8(in) << 8);
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_arena: %s\n", what);
	abort();
}

/* Object contents are windows of a fixed noise buffer, so that filling and
 * checking are memcpy()/memcmp() and not instrumented byte loops. */
#define MAX_OBJECT_SIZE ((size_t)UINT16_MAX * 8)
#define NOISE_SIZE (MAX_OBJECT_SIZE + 4096)
static unsigned char noise[NOISE_SIZE];
static const unsigned char zeros[64 * 256];

static void init_noise(void)
{
	static bool done;
	uint64_t x = 0x2545F4914F6CDD1Dull;

	if (done)
		return;
	done = true;
	for (size_t i = 0; i < NOISE_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		noise[i] = (unsigned char)x;
	}
}

static const unsigned char *pattern(uint32_t id)
{
	return noise + (id * 2654435761u) % 4096;
}

static void fill_pattern(unsigned char *p, size_t size, uint32_t id)
{
	memcpy(p, pattern(id), size);
}

static bool has_pattern(const unsigned char *p, size_t size, uint32_t id)
{
	return memcmp(p, pattern(id), size) == 0;
}

static void verify_objects(const struct model *m)
{
	for (size_t i = 0; i < m->nobjects; i++)
		if (!has_pattern(m->objects[i].p, m->objects[i].size, m->objects[i].id))
			die("arena object corrupted");
}

static void verify_clones(const struct model *m)
{
	for (size_t i = 0; i < m->nclones; i++)
		if (!has_pattern(m->clones[i].p, m->clones[i].size, m->clones[i].id))
			die("clone corrupted");
}

static void verify_stats(const struct model *m)
{
	struct arena_stats st;

	arena_stats(m->arena, &st);
	if (st.bytes_used != m->used || st.allocations != m->allocations)
		die("stats disagree with the model");
	if (st.bytes_used + st.bytes_wasted + st.bytes_free != st.bytes_reserved)
		die("stats do not add up");
}

static void forget_objects(struct model *m)
{
	m->nobjects = 0;
	m->used = 0;
	m->allocations = 0;
}

static void do_reset(struct model *m)
{
	verify_objects(m);
	arena_reset(m->arena);
	forget_objects(m);
}

static void do_recreate(struct model *m, size_t first_chunk)
{
	verify_objects(m);
	arena_destroy(m->arena);
	forget_objects(m);
	m->arena = arena_new(first_chunk);
	if (!m->arena)
		die("arena_new failed");
}

static bool overlaps(const struct object *o, const unsigned char *p, size_t size)
{
	return p < o->p + o->size && o->p < p + size;
}

/* Check and record a fresh allocation of size bytes (0 counts as 1). */
static void add_object(struct model *m, unsigned char *p, size_t size, size_t align)
{
	size_t span = size ? size : 1;
	struct object *o;

	if (!p)
		die("allocation failed");
	if ((uintptr_t)p % align != 0)
		die("misaligned allocation");
	for (size_t i = 0; i < m->nobjects; i++)
		if (overlaps(&m->objects[i], p, span))
			die("allocations overlap");
	if (m->nobjects == MAX_OBJECTS)
		die("model full: make_room() not called");
	o = &m->objects[m->nobjects++];
	o->p = p;
	o->size = size;
	o->id = m->next_id++;
	fill_pattern(p, size, o->id);
	m->used += span;
	m->allocations++;
}

/* Keep the model bounded: reset before an operation if it is full. */
static void make_room(struct model *m)
{
	if (m->nobjects == MAX_OBJECTS || m->used > ((size_t)16 << 20))
		do_reset(m);
}

static size_t take_size(struct input *in)
{
	uint8_t kind = take_u8(in);
	size_t size = take_u16(in);

	if (kind % 16 == 0)
		return size * 8; /* up to 512 KiB: dedicated chunks */
	if (kind % 4 == 0)
		return size % 4096;
	return size % 256;
}

static void op_alloc(struct model *m, struct input *in)
{
	size_t size = take_size(in);
	size_t align = (size_t)1 << (take_u8(in) % 14); /* 1 .. 8192 */

	add_object(m, arena_alloc_aligned(m->arena, size, align), size, align);
}

static void op_calloc(struct model *m, struct input *in)
{
	size_t n = take_u8(in);
	size_t size = 1 + take_u8(in) % 64;
	unsigned char *p = arena_calloc(m->arena, n, size, 8);

	if (p && memcmp(p, zeros, n * size) != 0)
		die("arena_calloc memory not zeroed");
	add_object(m, p, n * size, 8);
}

static void op_strndup(struct model *m, struct input *in)
{
	size_t n = take_u8(in);
	size_t avail = n < in->size ? n : in->size;
	const char *src = (const char *)in->data;
	char *s = arena_strndup(m->arena, src, avail);
	size_t len = s ? strlen(s) : 0;

	if (!s || len > avail || memcmp(s, src, len) != 0)
		die("arena_strndup copy wrong");
	if (len < avail && src[len] != '\0')
		die("arena_strndup stopped early");
	in->data += avail;
	in->size -= avail;
	add_object(m, (unsigned char *)s, len + 1, 1);
}

static void op_clone(struct model *m, struct input *in)
{
	const struct object *o;
	struct clone *c;

	if (m->nobjects == 0 || m->nclones == MAX_CLONES)
		return;
	o = &m->objects[take_u8(in) % m->nobjects];
	c = &m->clones[m->nclones++];
	c->p = arena_clone(o->p, o->size);
	c->size = o->size;
	c->id = o->id;
	if (!c->p || c->p == o->p)
		die("arena_clone failed");
	if (!has_pattern(c->p, c->size, c->id))
		die("clone differs from its source");
}

static void op_overflowing_requests(struct model *m, struct input *in)
{
	size_t extra = take_u8(in);

	if (arena_alloc_array(m->arena, SIZE_MAX / 2 + extra, 2 + extra, 1))
		die("overflowing n * size succeeded");
	if (arena_alloc_aligned(m->arena, SIZE_MAX - extra, 64))
		die("overflowing size + align succeeded");
	if (arena_alloc_aligned(m->arena, 8, 3 + 2 * extra))
		die("non-power-of-two alignment accepted");
}

static void run_op(struct model *m, struct input *in, unsigned op)
{
	if (op <= 6)
		op_alloc(m, in);
	else if (op <= 8)
		op_calloc(m, in);
	else if (op <= 10)
		op_strndup(m, in);
	else if (op == 11)
		op_clone(m, in);
	else if (op == 12)
		op_overflowing_requests(m, in);
	else if (op == 13)
		do_reset(m);
	else if (op == 14)
		do_recreate(m, take_u16(in));
	else
		verify_objects(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct model m = { 0 };

	init_noise();
	m.arena = arena_new(take_u16(&in));
	if (!m.arena)
		die("arena_new failed");
	while (in.size > 0) {
		make_room(&m);
		run_op(&m, &in, take_u8(&in) % 16);
		verify_stats(&m);
	}
	do_recreate(&m, 0);
	arena_destroy(m.arena);
	verify_clones(&m);
	for (size_t i = 0; i < m.nclones; i++)
		free(m.clones[i].p);
	return 0;
}
