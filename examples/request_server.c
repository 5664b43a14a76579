/* request_server.c: a small service-like program, the workload arenaprof's demo
 * profiles. Each worker generates request blobs in a JSON-like text format
 * (deterministically, from --seed and the request number), parses each one into
 * a tree of small heap objects, computes on it (a digest, an order total, a
 * lookup in a long-lived per-worker user cache) and frees the tree node by node:
 * the classic arena candidate. Built with -DUSE_ARENA, handle_request() parses
 * into an arena and destroys it instead of calling free_tree(); the long-lived
 * cache stays on malloc. Both builds print the same checksum for the same
 * --requests, --seed and --threads.
 *
 * Usage: request_server [--requests N] [--seconds S] [--seed X] [--threads T]
 *                       [--wait-signal]
 * Without --requests or --seconds it runs until SIGINT/SIGTERM. Prints one line:
 * requests=N checksum=0x... */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef USE_ARENA
#include "arena.h"
#endif

/* Keep the call chain visible to a profiler at -O2. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

#define MAX_THREADS 64
#define MAX_DEPTH 32 /* parser nesting limit */
#define CACHE_BUCKETS 4096
#define CACHE_MAX_ENTRIES 3000
#define USER_POPULATION 5000
#define REQUEST_ARENA_CHUNK ((size_t)16 << 10)

static atomic_bool stop_requested;

/* ---- Deterministic random numbers (splitmix64) -------------------------- */

struct rng {
	uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

/* ---- Growable text buffer (long-lived, reused for every request) -------- */

struct text {
	char *data;
	size_t len;
	size_t cap;
};

static void text_reserve(struct text *t, size_t extra)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *data;

	if (t->len + extra <= t->cap)
		return;
	while (cap < t->len + extra)
		cap *= 2;
	data = realloc(t->data, cap);
	if (!data) {
		fprintf(stderr, "request_server: out of memory\n");
		exit(1);
	}
	t->data = data;
	t->cap = cap;
}

static void text_putc(struct text *t, char c)
{
	text_reserve(t, 1);
	t->data[t->len++] = c;
}

static void text_puts(struct text *t, const char *s)
{
	size_t n = strlen(s);

	text_reserve(t, n);
	memcpy(t->data + t->len, s, n);
	t->len += n;
}

static void text_put_uint(struct text *t, uint64_t v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		text_putc(t, digits[--n]);
}

/* ---- Request generation -------------------------------------------------- */

static const char *const keys[] = {
	"name",	   "value",    "kind",	"flags", "note",   "ref",   "level",  "score",
	"enabled", "children", "label", "owner", "region", "limit", "weight", "color",
};
static const char *const ops[] = { "checkout", "browse",      "search", "update_profile",
				   "cart_add", "cart_remove", "login" };

static void gen_string(struct text *t, struct rng *r, unsigned min_len, unsigned max_len)
{
	unsigned len = min_len + rng_below(r, max_len - min_len + 1);

	text_putc(t, '"');
	for (unsigned i = 0; i < len; i++) {
		unsigned c = rng_below(r, 40);

		if (c < 26)
			text_putc(t, (char)('a' + c));
		else if (c < 34)
			text_putc(t, ' ');
		else if (c == 34)
			text_puts(t, "\\\"");
		else if (c == 35)
			text_puts(t, "\\n");
		else
			text_putc(t, (char)('0' + c - 30));
	}
	text_putc(t, '"');
}

static void gen_number(struct text *t, struct rng *r)
{
	if (rng_below(r, 4) == 0)
		text_putc(t, '-');
	text_put_uint(t, rng_below(r, 100000));
	if (rng_below(r, 2)) {
		text_putc(t, '.');
		text_put_uint(t, 10 + rng_below(r, 90));
	}
}

static void gen_value(struct text *t, struct rng *r, unsigned depth);

static void gen_object(struct text *t, struct rng *r, unsigned depth)
{
	unsigned members = 1 + rng_below(r, 6);

	text_putc(t, '{');
	for (unsigned i = 0; i < members; i++) {
		if (i)
			text_putc(t, ',');
		text_putc(t, '"');
		text_puts(t, keys[rng_below(r, sizeof(keys) / sizeof(keys[0]))]);
		text_puts(t, "\":");
		gen_value(t, r, depth + 1);
	}
	text_putc(t, '}');
}

static void gen_array(struct text *t, struct rng *r, unsigned depth)
{
	unsigned n = rng_below(r, 6);

	text_putc(t, '[');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			text_putc(t, ',');
		gen_value(t, r, depth + 1);
	}
	text_putc(t, ']');
}

static void gen_value(struct text *t, struct rng *r, unsigned depth)
{
	unsigned kind = rng_below(r, depth >= 3 ? 6 : 8);

	if (kind == 0)
		text_puts(t, rng_below(r, 2) ? "true" : "false");
	else if (kind == 1)
		text_puts(t, "null");
	else if (kind <= 3)
		gen_number(t, r);
	else if (kind <= 5)
		gen_string(t, r, 0, 24);
	else if (kind == 6)
		gen_array(t, r, depth);
	else
		gen_object(t, r, depth);
}

static void gen_item(struct text *t, struct rng *r)
{
	text_puts(t, "{\"sku\":\"SKU-");
	text_put_uint(t, rng_below(r, 100000));
	text_puts(t, "\",\"qty\":");
	text_put_uint(t, 1 + rng_below(r, 9));
	text_puts(t, ",\"price\":");
	text_put_uint(t, rng_below(r, 500));
	text_putc(t, '.');
	text_put_uint(t, 10 + rng_below(r, 90));
	text_puts(t, ",\"attrs\":");
	gen_object(t, r, 1);
	text_putc(t, '}');
}

/* Request number index of a run seeded with seed, as text in t (replaced). */
static NOINLINE void generate_request(struct text *t, uint64_t seed, uint64_t index)
{
	struct rng r = { seed ^ (index * 0xD1B54A32D192ED03ull) };
	unsigned items = 1 + rng_below(&r, 24);
	unsigned tags = rng_below(&r, 5);

	t->len = 0;
	text_puts(t, "{\"id\":");
	text_put_uint(t, index);
	text_puts(t, ",\"user\":\"user-");
	text_put_uint(t, rng_below(&r, USER_POPULATION));
	text_puts(t, "\",\"op\":\"");
	text_puts(t, ops[rng_below(&r, sizeof(ops) / sizeof(ops[0]))]);
	text_puts(t, "\",\"items\":[");
	for (unsigned i = 0; i < items; i++) {
		if (i)
			text_putc(t, ',');
		gen_item(t, &r);
	}
	text_puts(t, "],\"tags\":[");
	for (unsigned i = 0; i < tags; i++) {
		if (i)
			text_putc(t, ',');
		gen_string(t, &r, 2, 10);
	}
	text_puts(t, "],\"meta\":");
	gen_object(t, &r, 1);
	text_putc(t, '}');
	text_putc(t, '\0');
	t->len--;
}

/* ---- Request tree and its parser ---------------------------------------- */

enum node_type { NODE_NULL, NODE_BOOL, NODE_NUMBER, NODE_STRING, NODE_ARRAY, NODE_OBJECT };

struct node {
	enum node_type type;
	struct node *next; /* next sibling in the parent array or object */
	char *key; /* member name, when the parent is an object */
	union {
		bool boolean;
		double number;
		struct {
			char *chars;
			size_t len;
		} string;
		struct {
			struct node *first;
			struct node *last;
			size_t count;
		} children;
	} u;
};

struct parser {
	const char *p;
	const char *end;
	unsigned depth;
#ifdef USE_ARENA
	struct arena *arena;
#endif
};

static NOINLINE struct node *new_node(struct parser *ps, enum node_type type)
{
#ifdef USE_ARENA
	struct node *n = ARENA_NEW(ps->arena, struct node);
#else
	struct node *n = calloc(1, sizeof(*n));

	(void)ps;
#endif
	if (n)
		n->type = type;
	return n;
}

static NOINLINE char *copy_string(struct parser *ps, const char *s, size_t len)
{
#ifdef USE_ARENA
	char *copy = arena_alloc_aligned(ps->arena, len + 1, 1);
#else
	char *copy = malloc(len + 1);

	(void)ps;
#endif
	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

#ifndef USE_ARENA
static NOINLINE void free_tree(struct node *n)
{
	while (n) {
		struct node *next = n->next;

		if (n->type == NODE_ARRAY || n->type == NODE_OBJECT)
			free_tree(n->u.children.first);
		else if (n->type == NODE_STRING)
			free(n->u.string.chars);
		free(n->key);
		free(n);
		n = next;
	}
}
#endif

/* Give up on a partly built subtree after a parse error. */
static void discard_tree(struct node *n)
{
#ifdef USE_ARENA
	(void)n; /* the arena goes away as a whole */
#else
	free_tree(n);
#endif
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
}

static bool consume(struct parser *ps, char c)
{
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return true;
	}
	return false;
}

static char unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	default:
		return c; /* \" \\ \/ */
	}
}

/* A quoted string, unescaped into a fresh allocation; *len gets its length. */
static char *parse_string_chars(struct parser *ps, size_t *len)
{
	char buf[512];
	size_t n = 0;

	if (!consume(ps, '"'))
		return NULL;
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p++;

		if (c == '\\') {
			if (ps->p == ps->end)
				return NULL;
			c = unescape(*ps->p++);
		}
		if (n == sizeof(buf))
			return NULL; /* longer than any string we serve */
		buf[n++] = c;
	}
	if (ps->p == ps->end)
		return NULL;
	ps->p++;
	*len = n;
	return copy_string(ps, buf, n);
}

static NOINLINE struct node *parse_string(struct parser *ps)
{
	struct node *n = new_node(ps, NODE_STRING);

	if (!n)
		return NULL;
	n->u.string.chars = parse_string_chars(ps, &n->u.string.len);
	if (!n->u.string.chars) {
		discard_tree(n);
		return NULL;
	}
	return n;
}

static NOINLINE struct node *parse_number(struct parser *ps)
{
	bool negative = consume(ps, '-');
	double value = 0, scale = 1;
	bool digits = false;
	struct node *n;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		value = value * 10 + (*ps->p++ - '0');
		digits = true;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
			scale /= 10;
			value += (*ps->p++ - '0') * scale;
		}
	}
	if (!digits)
		return NULL;
	n = new_node(ps, NODE_NUMBER);
	if (n)
		n->u.number = negative ? -value : value;
	return n;
}

static bool consume_word(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static struct node *parse_literal(struct parser *ps)
{
	struct node *n = NULL;

	if (consume_word(ps, "true")) {
		n = new_node(ps, NODE_BOOL);
		if (n)
			n->u.boolean = true;
	} else if (consume_word(ps, "false")) {
		n = new_node(ps, NODE_BOOL);
	} else if (consume_word(ps, "null")) {
		n = new_node(ps, NODE_NULL);
	}
	return n;
}

static void append_child(struct node *parent, struct node *child)
{
	if (parent->u.children.last)
		parent->u.children.last->next = child;
	else
		parent->u.children.first = child;
	parent->u.children.last = child;
	parent->u.children.count++;
}

static struct node *parse_value(struct parser *ps);

static NOINLINE struct node *parse_array(struct parser *ps)
{
	struct node *arr = new_node(ps, NODE_ARRAY);

	if (!arr || !consume(ps, '['))
		goto fail;
	if (consume(ps, ']'))
		return arr;
	do {
		struct node *item = parse_value(ps);

		if (!item)
			goto fail;
		append_child(arr, item);
	} while (consume(ps, ','));
	if (!consume(ps, ']'))
		goto fail;
	return arr;
fail:
	discard_tree(arr);
	return NULL;
}

static NOINLINE struct node *parse_object(struct parser *ps)
{
	struct node *obj = new_node(ps, NODE_OBJECT);

	if (!obj || !consume(ps, '{'))
		goto fail;
	if (consume(ps, '}'))
		return obj;
	do {
		size_t key_len;
		char *key = parse_string_chars(ps, &key_len);
		struct node *value;

		if (!key)
			goto fail;
		value = consume(ps, ':') ? parse_value(ps) : NULL;
		if (!value) {
#ifndef USE_ARENA
			free(key);
#endif
			goto fail;
		}
		value->key = key;
		append_child(obj, value);
	} while (consume(ps, ','));
	if (!consume(ps, '}'))
		goto fail;
	return obj;
fail:
	discard_tree(obj);
	return NULL;
}

static NOINLINE struct node *parse_value(struct parser *ps)
{
	struct node *n;

	if (ps->depth >= MAX_DEPTH)
		return NULL;
	ps->depth++;
	skip_space(ps);
	if (ps->p == ps->end)
		n = NULL;
	else if (*ps->p == '{')
		n = parse_object(ps);
	else if (*ps->p == '[')
		n = parse_array(ps);
	else if (*ps->p == '"')
		n = parse_string(ps);
	else if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
		n = parse_number(ps);
	else
		n = parse_literal(ps);
	ps->depth--;
	return n;
}

static NOINLINE struct node *parse_request(struct parser *ps)
{
	struct node *root = parse_value(ps);

	skip_space(ps);
	if (root && ps->p != ps->end) {
		discard_tree(root);
		return NULL;
	}
	return root;
}

/* ---- Computation on a request tree ---------------------------------------- */

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001B3ull;
	}
	return h;
}

struct digest {
	uint64_t hash;
	uint64_t nodes;
	unsigned max_depth;
};

static NOINLINE void digest_tree(const struct node *n, unsigned depth, struct digest *d)
{
	for (; n; n = n->next) {
		uint8_t type = (uint8_t)n->type;

		d->nodes++;
		if (depth > d->max_depth)
			d->max_depth = depth;
		d->hash = fnv1a(d->hash, &type, 1);
		if (n->key)
			d->hash = fnv1a(d->hash, n->key, strlen(n->key));
		if (n->type == NODE_STRING)
			d->hash = fnv1a(d->hash, n->u.string.chars, n->u.string.len);
		else if (n->type == NODE_NUMBER)
			d->hash = fnv1a(d->hash, &n->u.number, sizeof(n->u.number));
		else if (n->type == NODE_BOOL)
			d->hash = fnv1a(d->hash, &n->u.boolean, 1);
		else if (n->type == NODE_ARRAY || n->type == NODE_OBJECT)
			digest_tree(n->u.children.first, depth + 1, d);
	}
}

static const struct node *member(const struct node *obj, const char *key)
{
	if (!obj || obj->type != NODE_OBJECT)
		return NULL;
	for (const struct node *n = obj->u.children.first; n; n = n->next)
		if (n->key && strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

static double number_member(const struct node *obj, const char *key)
{
	const struct node *n = member(obj, key);

	return n && n->type == NODE_NUMBER ? n->u.number : 0;
}

static const char *string_member(const struct node *obj, const char *key)
{
	const struct node *n = member(obj, key);

	return n && n->type == NODE_STRING ? n->u.string.chars : "";
}

/* Sum of qty * price over the items, in cents. */
static NOINLINE int64_t order_total_cents(const struct node *root)
{
	const struct node *items = member(root, "items");
	double total = 0;

	if (!items || items->type != NODE_ARRAY)
		return 0;
	for (const struct node *it = items->u.children.first; it; it = it->next)
		total += number_member(it, "qty") * number_member(it, "price");
	return (int64_t)(total * 100 + 0.5);
}

/* ---- Long-lived state: the per-worker user cache (stays on malloc) ------- */

struct user_entry {
	struct user_entry *next;
	char *name;
	uint64_t visits;
	int64_t spent_cents;
	size_t profile_len;
	unsigned char *profile;
};

struct user_cache {
	struct user_entry *buckets[CACHE_BUCKETS];
	size_t count;
	size_t evict_cursor;
	uint64_t evictions;
	uint64_t replacements;
};

static void user_entry_free(struct user_entry *e)
{
	free(e->name);
	free(e->profile);
	free(e);
}

static unsigned char *new_profile(const char *name, uint64_t version, size_t *len)
{
	uint64_t h = fnv1a(0xCBF29CE484222325ull ^ version, name, strlen(name));
	unsigned char *p;

	*len = 32 + h % 480;
	p = malloc(*len);
	if (!p) {
		fprintf(stderr, "request_server: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < *len; i++)
		p[i] = (unsigned char)(h >> (i % 8 * 8)) ^ (unsigned char)i;
	return p;
}

static NOINLINE struct user_entry *cache_insert(struct user_cache *c, const char *name,
						size_t bucket)
{
	struct user_entry *e = calloc(1, sizeof(*e));
	size_t len = strlen(name);

	if (!e || !(e->name = malloc(len + 1))) {
		fprintf(stderr, "request_server: out of memory\n");
		exit(1);
	}
	memcpy(e->name, name, len + 1);
	e->profile = new_profile(name, 0, &e->profile_len);
	e->next = c->buckets[bucket];
	c->buckets[bucket] = e;
	c->count++;
	return e;
}

/* Full cache: drop the head entry of the next non-empty bucket. */
static void cache_evict_one(struct user_cache *c)
{
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		size_t b = (c->evict_cursor + i) % CACHE_BUCKETS;
		struct user_entry *e = c->buckets[b];

		if (e) {
			c->buckets[b] = e->next;
			user_entry_free(e);
			c->count--;
			c->evictions++;
			c->evict_cursor = b + 1;
			return;
		}
	}
}

static NOINLINE struct user_entry *cache_lookup(struct user_cache *c, const char *name)
{
	size_t bucket = fnv1a(0xCBF29CE484222325ull, name, strlen(name)) % CACHE_BUCKETS;

	for (struct user_entry *e = c->buckets[bucket]; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	if (c->count >= CACHE_MAX_ENTRIES)
		cache_evict_one(c);
	return cache_insert(c, name, bucket);
}

/* An "update_profile" request replaces the profile: free the old, malloc new. */
static void cache_replace_profile(struct user_cache *c, struct user_entry *e)
{
	free(e->profile);
	e->profile = new_profile(e->name, e->visits, &e->profile_len);
	c->replacements++;
}

static void cache_destroy(struct user_cache *c)
{
	for (size_t b = 0; b < CACHE_BUCKETS; b++) {
		while (c->buckets[b]) {
			struct user_entry *e = c->buckets[b];

			c->buckets[b] = e->next;
			user_entry_free(e);
		}
	}
	c->count = 0;
}

/* ---- Serving --------------------------------------------------------------- */

struct config {
	uint64_t requests; /* 0: no limit */
	double seconds; /* 0: no limit */
	uint64_t seed;
	unsigned threads;
	bool wait_signal;
};

struct worker {
	pthread_t thread;
	unsigned index;
	const struct config *cfg;
	struct timespec deadline;
	struct text request;
	struct user_cache *cache;
	uint64_t done;
	uint64_t checksum;
	bool failed;
};

/* What one request contributes to the checksum. */
static uint64_t request_result(const struct node *root, struct user_cache *cache)
{
	struct digest d = { 0xCBF29CE484222325ull, 0, 0 };
	int64_t total = order_total_cents(root);
	struct user_entry *user = cache_lookup(cache, string_member(root, "user"));
	uint64_t r;

	digest_tree(root, 0, &d);
	user->visits++;
	user->spent_cents += total;
	if (strcmp(string_member(root, "op"), "update_profile") == 0)
		cache_replace_profile(cache, user);
	r = d.hash ^ (d.nodes << 32) ^ d.max_depth;
	r = r * 31 + (uint64_t)total;
	r = r * 31 + user->visits;
	return r * 31 + user->profile[user->visits % user->profile_len];
}

/* Generate, parse, compute, free: one request. False on a parse error. */
static NOINLINE bool handle_request(struct worker *w, uint64_t index, uint64_t *result)
{
	struct parser ps;
	struct node *root;

	generate_request(&w->request, w->cfg->seed, index);
	ps.p = w->request.data;
	ps.end = w->request.data + w->request.len;
	ps.depth = 0;
#ifdef USE_ARENA
	ps.arena = arena_new(REQUEST_ARENA_CHUNK);
	if (!ps.arena)
		return false;
#endif
	root = parse_request(&ps);
	if (root)
		*result = request_result(root, w->cache);
#ifdef USE_ARENA
	arena_destroy(ps.arena);
#else
	free_tree(root);
#endif
	return root != NULL;
}

static bool past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Worker w serves requests w->index, w->index + T, w->index + 2T, ... */
static NOINLINE void *worker_loop(void *arg)
{
	struct worker *w = arg;
	const struct config *cfg = w->cfg;

	for (uint64_t i = w->index; !cfg->requests || i < cfg->requests; i += cfg->threads) {
		uint64_t r;

		if (atomic_load_explicit(&stop_requested, memory_order_relaxed))
			break;
		if (cfg->seconds > 0 && past(&w->deadline))
			break;
		if (!handle_request(w, i, &r)) {
			w->failed = true;
			break;
		}
		w->checksum = w->checksum * 0x100000001B3ull + r;
		w->done++;
	}
	return NULL;
}

static struct timespec deadline_after(double seconds)
{
	struct timespec t;
	double whole = (double)(time_t)seconds;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)seconds;
	t.tv_nsec += (long)((seconds - whole) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Run the workers; the checksum combines theirs in worker order. */
static NOINLINE int serve(const struct config *cfg, uint64_t *requests, uint64_t *checksum)
{
	static struct worker workers[MAX_THREADS];
	struct timespec deadline = deadline_after(cfg->seconds);
	int rc = 0;

	for (unsigned t = 0; t < cfg->threads; t++) {
		workers[t] = (struct worker){ .index = t, .cfg = cfg, .deadline = deadline };
		workers[t].cache = calloc(1, sizeof(struct user_cache));
		if (!workers[t].cache)
			return -1;
	}
	if (cfg->threads == 1) {
		worker_loop(&workers[0]);
	} else {
		for (unsigned t = 0; t < cfg->threads; t++)
			if (pthread_create(&workers[t].thread, NULL, worker_loop, &workers[t]) != 0)
				return -1;
		for (unsigned t = 0; t < cfg->threads; t++)
			pthread_join(workers[t].thread, NULL);
	}
	*requests = 0;
	*checksum = 0xCBF29CE484222325ull;
	for (unsigned t = 0; t < cfg->threads; t++) {
		*requests += workers[t].done;
		*checksum = (*checksum ^ workers[t].checksum) * 0x100000001B3ull;
		if (workers[t].failed)
			rc = -1;
		cache_destroy(workers[t].cache);
		free(workers[t].cache);
		free(workers[t].request.data);
	}
	return rc;
}

/* ---- Process setup ---------------------------------------------------------- */

static void on_stop_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_requested, true);
}

static int install_stop_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return -1;
	return 0;
}

/* Block until SIGUSR1 arrives (a profiler attaches first, then signals). */
static int wait_for_sigusr1(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	fprintf(stderr, "request_server: pid %ld waiting for SIGUSR1\n", (long)getpid());
	if (sigwait(&set, &sig) != 0)
		return -1;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: request_server [--requests N] [--seconds S] [--seed X] [--threads T] [--wait-signal]\n"
		"Runs N requests, or for S seconds, or until SIGINT/SIGTERM; prints\n"
		"requests=N checksum=0x... (same for the malloc and arena builds).\n");
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!s || *s == '-')
		return false;
	*out = strtoull(s, &end, 0);
	return errno == 0 && end != s && *end == '\0';
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;

	if (!s)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *out > 0 && *out < 1e9;
}

static bool takes_value(const char *arg)
{
	return strcmp(arg, "--requests") == 0 || strcmp(arg, "--seconds") == 0 ||
	       strcmp(arg, "--seed") == 0 || strcmp(arg, "--threads") == 0;
}

static int parse_options(int argc, char **argv, struct config *cfg)
{
	uint64_t threads = 1;

	*cfg = (struct config){ .seed = 1, .threads = 1 };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = NULL;
		bool ok = true;

		if (takes_value(arg) && i + 1 < argc)
			val = argv[++i];
		if (strcmp(arg, "--requests") == 0)
			ok = parse_u64(val, &cfg->requests) && cfg->requests > 0;
		else if (strcmp(arg, "--seconds") == 0)
			ok = parse_seconds(val, &cfg->seconds);
		else if (strcmp(arg, "--seed") == 0)
			ok = parse_u64(val, &cfg->seed);
		else if (strcmp(arg, "--threads") == 0)
			ok = parse_u64(val, &threads) && threads >= 1 && threads <= MAX_THREADS;
		else if (strcmp(arg, "--wait-signal") == 0)
			cfg->wait_signal = true;
		else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return 1;
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "request_server: bad or missing value for %s\n", arg);
			return -1;
		}
	}
	cfg->threads = (unsigned)threads;
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	uint64_t requests = 0, checksum = 0;
	int rc = parse_options(argc, argv, &cfg);

	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (install_stop_handlers() != 0 || (cfg.wait_signal && wait_for_sigusr1() != 0)) {
		perror("request_server: signals");
		return 1;
	}
	if (serve(&cfg, &requests, &checksum) != 0) {
		fprintf(stderr, "request_server: a request failed\n");
		return 1;
	}
	printf("requests=%" PRIu64 " checksum=0x%016" PRIx64 "\n", requests, checksum);
	return 0;
}
