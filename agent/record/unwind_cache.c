/* unwind_cache.c: a cache in front of the DWARF unwinder, as a trie of call chains. For a given
 * ip, the unwind rules say where the caller's return address lies relative to sp; once a chain
 * was unwound, each prefix (ip, ret1, .., retk) remembers the stack offset of the next return
 * address. A new snapshot is answered by walking the trie, reading the word at each remembered
 * offset and following the child of that value, until a node that ended a chain. Any miss falls
 * back to libunwind, whose answer is inserted. Recursive code (a malloc reached through 2^k
 * left/right paths) shares prefixes instead of needing one entry per whole chain. The cache is
 * dropped when the target's mappings change or it grows past MAX_NODES. */
#include "unwind_cache.h"

#include <stdlib.h>
#include <string.h>

#include "u64_map.h"

#define MAX_CHAIN 256
#define MAX_NODES (1u << 20)
#define ROOT_PARENT UINT32_MAX

struct trie_node {
	uint64_t word; /* the address this node adds to its parent's chain */
	uint32_t parent; /* ROOT_PARENT for a chain's first ip */
	uint32_t slot; /* offset from sp of the next return address */
	uint8_t has_slot, ends, truncated;
};

struct unwind_cache {
	struct unwinder *u;
	struct target_space *ts;
	struct u64_map children; /* hash(parent, word) -> node index + 1 */
	struct trie_node *nodes;
	uint32_t n, cap;
	uint64_t generation, hits, misses;
};

struct unwind_cache *unwind_cache_new(struct unwinder *u, struct target_space *ts)
{
	struct unwind_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->u = u;
	c->ts = ts;
	c->generation = target_space_generation(ts);
	return c;
}

static void clear(struct unwind_cache *c)
{
	u64_map_free(&c->children);
	c->n = 0;
}

void unwind_cache_free(struct unwind_cache *c)
{
	if (!c)
		return;
	u64_map_free(&c->children);
	free(c->nodes);
	free(c);
}

static uint64_t child_key(uint32_t parent, uint64_t word)
{
	return hash_u64(((uint64_t)parent << 32 | parent) ^ hash_u64(word)) | 1;
}

static struct trie_node *find_child(struct unwind_cache *c, uint32_t parent, uint64_t word,
				    uint32_t *index)
{
	uintptr_t v = (uintptr_t)u64_map_get(&c->children, child_key(parent, word));
	struct trie_node *t;

	if (!v)
		return NULL;
	t = &c->nodes[v - 1];
	if (t->parent != parent || t->word != word)
		return NULL; /* a hash collision: treated as a miss */
	*index = (uint32_t)(v - 1);
	return t;
}

static struct trie_node *add_child(struct unwind_cache *c, uint32_t parent, uint64_t word,
				   uint32_t *index)
{
	struct trie_node *t = find_child(c, parent, word, index);
	uint64_t key = child_key(parent, word);

	if (t)
		return t;
	if (u64_map_get(&c->children, key))
		return NULL; /* slot taken by a colliding key: leave it */
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 1024;
		struct trie_node *v = realloc(c->nodes, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->nodes = v;
		c->cap = cap;
	}
	if (u64_map_put(&c->children, key, (void *)(uintptr_t)(c->n + 1)))
		return NULL;
	t = &c->nodes[c->n];
	memset(t, 0, sizeof(*t));
	t->word = word;
	t->parent = parent;
	*index = c->n++;
	return t;
}

static int lookup(struct unwind_cache *c, const struct stack_snapshot *s, uint64_t *ips,
		  uint64_t *sps, int max, int *truncated)
{
	uint32_t idx;
	struct trie_node *t = find_child(c, ROOT_PARENT, s->ip, &idx);
	int n = 1;

	if (!t)
		return 0;
	ips[0] = s->ip;
	sps[0] = s->sp;
	while (!t->ends) {
		uint64_t word;
		uint32_t slot = t->slot;

		if (!t->has_slot || n >= max || (uint64_t)slot + 8 > s->len)
			return 0;
		memcpy(&word, s->data + slot, 8);
		t = find_child(c, idx, word, &idx);
		if (!t)
			return 0;
		sps[n] = s->sp + slot + 8;
		ips[n++] = word;
	}
	*truncated = t->truncated;
	return n;
}

/* Inserts a chain unwound by libunwind: return address ips[i] (i >= 1) sat at sps[i] - 8. */
static void insert(struct unwind_cache *c, const struct stack_snapshot *s, const uint64_t *ips,
		   const uint64_t *sps, int n, int truncated)
{
	uint32_t parent = ROOT_PARENT, idx;

	if (c->n >= MAX_NODES)
		clear(c);
	for (int i = 0; i < n; i++) {
		struct trie_node *t = add_child(c, parent, ips[i], &idx);

		if (!t)
			return;
		if (i + 1 < n) {
			if (sps[i + 1] < s->sp + 8 || sps[i + 1] - s->sp > s->len)
				return; /* not read from the snapshot: cannot be checked later */
			t->slot = (uint32_t)(sps[i + 1] - 8 - s->sp);
			t->has_slot = 1;
		} else {
			t->ends = 1;
			t->truncated = (uint8_t)truncated;
		}
		parent = idx;
	}
}

int unwind_cached(struct unwind_cache *c, const struct stack_snapshot *s, uint64_t *ips,
		  uint64_t *sps_out, int max, int *truncated)
{
	uint64_t own[MAX_CHAIN], *sps = sps_out ? sps_out : own;
	int n;

	if (target_space_generation(c->ts) != c->generation) {
		clear(c);
		c->generation = target_space_generation(c->ts);
	}
	if (max > MAX_CHAIN)
		max = MAX_CHAIN;
	*truncated = 0;
	if (s->ip && (n = lookup(c, s, ips, sps, max, truncated)) > 0) {
		c->hits++;
		return n;
	}
	c->misses++;
	n = unwind_dwarf_sp(c->u, s, ips, sps, max);
	*truncated = unwinder_last_truncated(c->u);
	if (s->ip)
		insert(c, s, ips, sps, n, *truncated);
	return n;
}

void unwind_cache_stats(const struct unwind_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}
