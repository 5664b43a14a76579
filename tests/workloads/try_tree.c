/* try_tree.c: the planted workload of `arenaprof try`: each request builds a tree of small nodes,
 * each node with a label allocated through a wrapper (xmalloc, a well-known wrapper name), sums
 * it and frees it node by node: every node and label dies with its request (the arena
 * candidate). Every 8th request also adds an entry to a cache that lives until the end (a site
 * that is not a candidate and must stay on malloc).
 * With --handoff, each request's tree is freed by a second thread instead (objects handed to
 * another thread: the interposer must count their frees atomically).
 * With --fork, the process forks in the middle of request REQUESTS / 2, between building and
 * freeing its tree; both processes free their copy and finish the requests, the child prints
 * its line first ("child requests=..."), the parent after waiting for it.
 * Usage: try_tree REQUESTS [DEPTH] [--handoff | --fork] [--wait]
 * Prints "requests=R nodes=N labels=L cached=C checksum=0x..." (N and L count the calls of the
 * two candidate sites, C those of the cache site). */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wait_go.h"

#define NOINLINE __attribute__((noinline, noipa))

struct node {
	struct node *left, *right;
	char *label;
	uint64_t value;
};

struct cache_entry {
	struct cache_entry *next;
	uint64_t key, sum;
};

static uint64_t nodes, labels, cached;
static struct cache_entry *cache;

NOINLINE static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	return p;
}

NOINLINE static char *make_label(uint64_t v)
{
	size_t len = 8 + (size_t)(v % 24);
	char *s = xmalloc(len + 1); /* SITE_LABEL */

	labels++;
	for (size_t i = 0; i < len; i++)
		s[i] = (char)('a' + (v + i) % 26);
	s[len] = 0;
	return s;
}

NOINLINE static struct node *new_node(uint64_t v)
{
	struct node *n = malloc(sizeof(*n)); /* SITE_NODE */

	if (!n)
		abort();
	nodes++;
	n->left = n->right = NULL;
	n->value = v;
	n->label = make_label(v);
	return n;
}

NOINLINE static struct node *build(int depth, uint64_t seed)
{
	struct node *n = new_node(seed);

	if (depth > 0) {
		n->left = build(depth - 1, seed * 6364136223846793005ull + 1);
		n->right = build(depth - 1, seed * 6364136223846793005ull + 3);
	}
	return n;
}

NOINLINE static uint64_t sum_tree(const struct node *n)
{
	uint64_t s = 0;

	for (; n; n = n->right)
		s += n->value ^ (uint64_t)strlen(n->label) ^ sum_tree(n->left);
	return s;
}

NOINLINE static void free_tree(struct node *n)
{
	if (!n)
		return;
	free_tree(n->left);
	free_tree(n->right);
	free(n->label);
	free(n);
}

NOINLINE static void cache_add(uint64_t key, uint64_t sum)
{
	struct cache_entry *e = malloc(sizeof(*e)); /* SITE_CACHE */

	if (!e)
		abort();
	cached++;
	e->key = key;
	e->sum = sum;
	e->next = cache;
	cache = e;
}

/* --handoff: a one-slot queue to the thread that frees the trees. */
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_changed = PTHREAD_COND_INITIALIZER;
static struct node *slot;
static int handoff, done;
static long fork_at = -1;
static pid_t child = -1; /* --fork: 0 in the child */

static void *freer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&slot_lock);
	for (;;) {
		struct node *t;

		while (!slot && !done)
			pthread_cond_wait(&slot_changed, &slot_lock);
		if (!slot)
			break;
		t = slot;
		slot = NULL;
		pthread_cond_broadcast(&slot_changed);
		pthread_mutex_unlock(&slot_lock);
		free_tree(t);
		pthread_mutex_lock(&slot_lock);
	}
	pthread_mutex_unlock(&slot_lock);
	return NULL;
}

static void hand_over(struct node *t)
{
	pthread_mutex_lock(&slot_lock);
	while (slot)
		pthread_cond_wait(&slot_changed, &slot_lock);
	slot = t;
	pthread_cond_broadcast(&slot_changed);
	pthread_mutex_unlock(&slot_lock);
}

NOINLINE static uint64_t handle_request(uint64_t r, int depth)
{
	struct node *root = build(depth, r + 1);
	uint64_t s = sum_tree(root);

	if ((long)r == fork_at) {
		fflush(stdout);
		if ((child = fork()) < 0)
			abort();
	}
	if (handoff)
		hand_over(root);
	else
		free_tree(root);
	if (r % 8 == 0)
		cache_add(r, s);
	return s;
}

int main(int argc, char **argv)
{
	long requests = argc > 1 ? atol(argv[1]) : 1000;
	int depth = argc > 2 && argv[2][0] != '-' ? atoi(argv[2]) : 9;
	uint64_t checksum = 0;
	pthread_t t;

	int status = 0;

	for (int i = 2; i < argc; i++) {
		handoff |= strcmp(argv[i], "--handoff") == 0;
		if (strcmp(argv[i], "--fork") == 0)
			fork_at = requests / 2;
	}
	if (requests < 1 || depth < 0 || depth > 20 || (handoff && fork_at >= 0)) {
		fprintf(stderr,
			"usage: try_tree REQUESTS [DEPTH 0..20] [--handoff | --fork] [--wait]\n");
		return 2;
	}
	wait_go_if_asked(argc, argv);
	if (handoff && pthread_create(&t, NULL, freer, NULL))
		abort();
	for (long r = 0; r < requests; r++)
		checksum = checksum * 31 + handle_request((uint64_t)r, depth);
	if (handoff) {
		pthread_mutex_lock(&slot_lock);
		done = 1;
		pthread_cond_broadcast(&slot_changed);
		pthread_mutex_unlock(&slot_lock);
		pthread_join(t, NULL);
	}
	for (struct cache_entry *e = cache; e; e = cache) {
		checksum ^= e->sum;
		cache = e->next;
		free(e);
	}
	if (child > 0 &&
	    (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)))
		return 1;
	printf("%srequests=%ld nodes=%" PRIu64 " labels=%" PRIu64 " cached=%" PRIu64
	       " checksum=0x%016" PRIx64 "\n",
	       child == 0 ? "child " : "", requests, nodes, labels, cached, checksum);
	return 0;
}
