/* unwind_cache.c: a cache in front of the DWARF unwinder. Given the same ip, the frames' stack
 * layout follows from the unwind rules, so a chain found before is valid for a new snapshot when
 * every return address of that chain is found again at the same offset from sp. Each entry keeps
 * the chain and those offsets; a snapshot that matches one is answered without libunwind (which
 * costs ~0.5 us a frame here, mostly in signal-mask syscalls). The cache is dropped when the
 * target's mappings change. */
#include "unwind_cache.h"

#include <stdlib.h>
#include <string.h>

#include "u64_map.h"

#define VARIANTS 64 /* chains remembered per ip */
#define MAX_CHAIN 256

struct chain {
	int n, truncated;
	uint64_t *ips;
	uint32_t *slots; /* slots[i]: offset from sp of return address ips[i], i >= 1 */
};

struct ip_entry {
	struct chain v[VARIANTS];
	unsigned next; /* round-robin replacement */
};

struct unwind_cache {
	struct unwinder *u;
	struct target_space *ts;
	struct u64_map by_ip;
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

static void free_entries(struct unwind_cache *c)
{
	U64_MAP_FOR_EACH(&c->by_ip, i)
	{
		struct ip_entry *e = c->by_ip.vals[i];

		for (int k = 0; k < VARIANTS; k++) {
			free(e->v[k].ips);
			free(e->v[k].slots);
		}
		free(e);
	}
	u64_map_free(&c->by_ip);
}

void unwind_cache_free(struct unwind_cache *c)
{
	if (!c)
		return;
	free_entries(c);
	free(c);
}

static int chain_matches(const struct chain *ch, const struct stack_snapshot *s, int max)
{
	if (!ch->ips || ch->n > max)
		return 0;
	for (int i = 1; i < ch->n; i++) {
		uint64_t word;

		if ((uint64_t)ch->slots[i] + 8 > s->len)
			return 0;
		memcpy(&word, s->data + ch->slots[i], 8);
		if (word != ch->ips[i])
			return 0;
	}
	return 1;
}

/* Stores a chain unwound by libunwind; chains whose slots fall outside the snapshot (which
 * cannot happen for return addresses read from it) are not stored. */
static void remember(struct unwind_cache *c, const struct stack_snapshot *s, const uint64_t *ips,
		     const uint64_t *sps, int n, int truncated)
{
	struct ip_entry *e = u64_map_get(&c->by_ip, s->ip);
	struct chain *ch;

	for (int i = 1; i < n; i++)
		if (sps[i] < s->sp + 8 || sps[i] - 8 - s->sp + 8 > s->len)
			return;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || u64_map_put(&c->by_ip, s->ip, e)) {
			free(e);
			return;
		}
	}
	ch = &e->v[e->next++ % VARIANTS];
	free(ch->ips);
	free(ch->slots);
	ch->ips = malloc((size_t)n * sizeof(*ch->ips));
	ch->slots = malloc((size_t)n * sizeof(*ch->slots));
	if (!ch->ips || !ch->slots) {
		free(ch->ips);
		free(ch->slots);
		ch->ips = NULL;
		ch->slots = NULL;
		return;
	}
	memcpy(ch->ips, ips, (size_t)n * sizeof(*ips));
	ch->slots[0] = 0;
	for (int i = 1; i < n; i++)
		ch->slots[i] = (uint32_t)(sps[i] - 8 - s->sp);
	ch->n = n;
	ch->truncated = truncated;
}

int unwind_cached(struct unwind_cache *c, const struct stack_snapshot *s, uint64_t *ips, int max,
		  int *truncated)
{
	uint64_t sps[MAX_CHAIN];
	struct ip_entry *e;
	int n;

	if (target_space_generation(c->ts) != c->generation) {
		free_entries(c);
		c->generation = target_space_generation(c->ts);
	}
	if (max > MAX_CHAIN)
		max = MAX_CHAIN;
	e = s->ip ? u64_map_get(&c->by_ip, s->ip) : NULL;
	for (int k = 0; e && k < VARIANTS; k++) {
		const struct chain *ch = &e->v[k];

		if (chain_matches(ch, s, max)) {
			memcpy(ips, ch->ips, (size_t)ch->n * sizeof(*ips));
			*truncated = ch->truncated;
			c->hits++;
			return ch->n;
		}
	}
	c->misses++;
	n = unwind_dwarf_sp(c->u, s, ips, sps, max);
	*truncated = unwinder_last_truncated(c->u);
	if (s->ip)
		remember(c, s, ips, sps, n, *truncated);
	return n;
}

void unwind_cache_stats(const struct unwind_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}
