/* arena_tree_bench.c: micro benchmark for bench/arena.sh. Builds many small
 * request-sized trees (nodes plus a separately allocated string each), walks
 * them, and frees them, with either the C library's malloc/free (any malloc
 * can be LD_PRELOADed) or the bundled arena, and reports CPU time.
 * Usage: arena_tree_bench malloc|arena|arena-reset [TREES] [NODES_PER_TREE] [--wait]
 *   malloc       node by node malloc(), free_tree() recursion
 *   arena        arena_new() per tree, arena_destroy() at the end
 *   arena-reset  one arena, arena_reset() after each tree
 *   --wait       print "ready" and block until SIGUSR1 before the work (so that a
 *                profiler can attach first; bench/overhead.sh)
 * Prints: mode=... trees=... allocs=... cpu_ms=... ns_per_alloc=... checksum=... */
#define _POSIX_C_SOURCE 200809L
#include "arena.h"

#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum mode { MODE_MALLOC, MODE_ARENA, MODE_ARENA_RESET };

struct node {
	struct node *first_child;
	struct node *next_sibling;
	char *label;
	uint64_t value;
	uint32_t label_len;
};

struct builder {
	enum mode mode;
	struct arena *arena;
	uint64_t rng;
	uint64_t allocs;
};

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *bench_alloc(struct builder *b, size_t size, size_t align)
{
	void *p =
		b->mode == MODE_MALLOC ? malloc(size) : arena_alloc_aligned(b->arena, size, align);

	if (!p) {
		fprintf(stderr, "arena_tree_bench: out of memory\n");
		exit(1);
	}
	b->allocs++;
	return p;
}

static struct node *new_node(struct builder *b, struct node *parent)
{
	struct node *n = bench_alloc(b, sizeof(*n), _Alignof(struct node));
	uint64_t r = rng_next(&b->rng);

	n->first_child = NULL;
	n->value = r;
	n->label_len = (uint32_t)(4 + r % 28);
	n->label = bench_alloc(b, n->label_len + 1, 1);
	memcpy(n->label, alphabet + r % 32, n->label_len);
	n->label[n->label_len] = '\0';
	n->next_sibling = parent ? parent->first_child : NULL;
	if (parent)
		parent->first_child = n;
	return n;
}

/* A random tree of count nodes: each new node hangs off a random recent one. */
static struct node *build_tree(struct builder *b, size_t count)
{
	struct node *recent[64];
	struct node *root = new_node(b, NULL);

	recent[0] = root;
	for (size_t i = 1; i < count; i++) {
		struct node *parent = recent[rng_next(&b->rng) % (i < 64 ? i : 64)];

		recent[i % 64] = new_node(b, parent);
	}
	return root;
}

static uint64_t walk_tree(const struct node *n)
{
	uint64_t h = 0;

	for (; n; n = n->next_sibling)
		h = h * 31 + n->value + (uint64_t)n->label[n->label_len / 2] +
		    walk_tree(n->first_child);
	return h;
}

static void free_tree(struct node *n)
{
	while (n) {
		struct node *next = n->next_sibling;

		free_tree(n->first_child);
		free(n->label);
		free(n);
		n = next;
	}
}

static double cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int parse_mode(const char *s, enum mode *mode)
{
	if (strcmp(s, "malloc") == 0)
		*mode = MODE_MALLOC;
	else if (strcmp(s, "arena") == 0)
		*mode = MODE_ARENA;
	else if (strcmp(s, "arena-reset") == 0)
		*mode = MODE_ARENA_RESET;
	else
		return -1;
	return 0;
}

/* --wait: print "ready", then block until SIGUSR1. */
static int wait_for_sigusr1(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	printf("ready\n");
	fflush(stdout);
	return sigwait(&set, &sig) == 0 ? 0 : -1;
}

static void run_one_tree(struct builder *b, size_t nodes, uint64_t *checksum)
{
	struct node *root;

	if (b->mode == MODE_ARENA)
		b->arena = arena_new(64 << 10);
	root = build_tree(b, nodes);
	*checksum = *checksum * 1099511628211ull + walk_tree(root);
	if (b->mode == MODE_MALLOC)
		free_tree(root);
	else if (b->mode == MODE_ARENA)
		arena_destroy(b->arena);
	else
		arena_reset(b->arena);
}

int main(int argc, char **argv)
{
	struct builder b = { .rng = 0x9E3779B97F4A7C15ull };
	int wait_go = argc > 1 && strcmp(argv[argc - 1], "--wait") == 0;
	int args = argc - wait_go;
	size_t trees = args > 2 ? strtoul(argv[2], NULL, 0) : 20000;
	size_t nodes = args > 3 ? strtoul(argv[3], NULL, 0) : 200;
	uint64_t checksum = 0;
	double start, cpu;

	if (args < 2 || args > 4 || parse_mode(argv[1], &b.mode) != 0 || trees == 0 ||
	    nodes == 0) {
		fprintf(stderr, "usage: arena_tree_bench malloc|arena|arena-reset [TREES] "
				"[NODES_PER_TREE] [--wait]\n");
		return 2;
	}
	if (wait_go && wait_for_sigusr1() != 0) {
		perror("arena_tree_bench: sigwait");
		return 1;
	}
	if (b.mode == MODE_ARENA_RESET)
		b.arena = arena_new(64 << 10);
	start = cpu_seconds();
	for (size_t t = 0; t < trees; t++)
		run_one_tree(&b, nodes, &checksum);
	cpu = cpu_seconds() - start;
	if (b.mode == MODE_ARENA_RESET)
		arena_destroy(b.arena);
	printf("mode=%s trees=%zu allocs=%" PRIu64
	       " cpu_ms=%.1f ns_per_alloc=%.2f checksum=0x%016" PRIx64 "\n",
	       argv[1], trees, b.allocs, cpu * 1e3, cpu * 1e9 / (double)b.allocs, checksum);
	return 0;
}
