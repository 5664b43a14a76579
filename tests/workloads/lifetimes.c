/* lifetimes.c: planted object lifetimes for the lifetime tests. Usage: lifetimes MODE N [--wait]
 *   request:  serve -> handle_request builds a tree of N small nodes (new_node) and frees it
 *             (free_tree) before returning: every node's scope is handle_request.
 *   cache:    N entries are inserted into a global table (cache_insert) and kept until the
 *             process exits after printing: long-lived, still live when recording ends.
 *   handoff:  a producer thread allocates N messages (make_message), a consumer thread frees
 *             them (consume): freed by another thread, no scope in common.
 *   escape:   serve_escaping -> handle_escaping builds a list (new_session) and frees the one
 *             the previous request built: the same function at the same stack address allocates and frees,
 *             but in different invocations (the objects escape their request).
 *   mixed:    all of the above, N rounds each, interleaved; handle_request also copies a
 *             string per node (dup_label), a second site sharing the request scope. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wait_go.h"

#define NOINLINE __attribute__((noinline, noipa))

struct node {
	struct node *left, *right;
	long value;
	char *label;
};

static int with_labels;

NOINLINE static char *dup_label(long value)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "n%ld", value);
	char *s = malloc((size_t)n + 1); /* SITE_DUP_LABEL */

	if (!s)
		abort();
	memcpy(s, buf, (size_t)n + 1);
	return s;
}

NOINLINE static struct node *new_node(long value)
{
	struct node *n = malloc(sizeof(*n)); /* SITE_NEW_NODE */

	if (!n)
		abort();
	n->left = n->right = NULL;
	n->value = value;
	n->label = with_labels ? dup_label(value) : NULL;
	return n;
}

NOINLINE static struct node *insert(struct node *root, long value)
{
	if (!root)
		return new_node(value);
	if (value < root->value)
		root->left = insert(root->left, value);
	else
		root->right = insert(root->right, value);
	return root;
}

NOINLINE static long free_tree(struct node *n)
{
	long sum;

	if (!n)
		return 0;
	sum = n->value + free_tree(n->left) + free_tree(n->right);
	free(n->label);
	free(n);
	return sum;
}

NOINLINE static long handle_request(long seed, int nodes)
{
	struct node *root = NULL;
	long sum;

	for (int i = 0; i < nodes; i++)
		root = insert(root, (seed * 7919 + i * 104729) % 1000003);
	sum = free_tree(root);
	__asm__ volatile("" : "+r"(sum) : : "memory"); /* no tail call: keep this frame */
	return sum;
}

NOINLINE static long serve(int requests)
{
	long sum = 0;

	for (int r = 0; r < requests; r++)
		sum += handle_request(r, 32);
	return sum;
}

static struct node *previous_tree;

NOINLINE static struct node *new_session(long value, struct node *next)
{
	struct node *n = malloc(sizeof(*n)); /* SITE_SESSION */

	if (!n)
		abort();
	n->left = next;
	n->right = NULL;
	n->value = value;
	n->label = NULL;
	return n;
}

NOINLINE static long handle_escaping(long seed, int nodes)
{
	struct node *list = NULL;
	long sum = free_tree(previous_tree);

	for (int i = 0; i < nodes; i++)
		list = new_session(seed + i, list);
	previous_tree = list;
	__asm__ volatile("" : "+r"(sum) : : "memory");
	return sum;
}

NOINLINE static long serve_escaping(int requests)
{
	long sum = 0;

	for (int r = 0; r < requests; r++)
		sum += handle_escaping(r, 32);
	sum += free_tree(previous_tree);
	__asm__ volatile("" : "+r"(sum) : : "memory");
	return sum;
}

static void *volatile cache[1 << 16];

NOINLINE static void cache_insert(int i)
{
	char *p = malloc(64); /* SITE_CACHE */

	if (!p)
		abort();
	p[0] = (char)i;
	cache[i % (1 << 16)] = p;
}

#define QUEUE 1024
static void *queue[QUEUE];
static unsigned head, tail;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int handoff_n;

NOINLINE static void *make_message(int i)
{
	char *m = malloc(40); /* SITE_MESSAGE */

	if (!m)
		abort();
	m[0] = (char)i;
	return m;
}

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 0; i < handoff_n; i++) {
		void *m = make_message(i);

		pthread_mutex_lock(&lock);
		while (head - tail == QUEUE)
			pthread_cond_wait(&changed, &lock);
		queue[head++ % QUEUE] = m;
		pthread_cond_broadcast(&changed);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

NOINLINE static void consume(void *m)
{
	free(m); /* SITE_CONSUME */
	__asm__ volatile("" : : : "memory"); /* no tail call: keep this frame */
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < handoff_n; i++) {
		void *m;

		pthread_mutex_lock(&lock);
		while (head == tail)
			pthread_cond_wait(&changed, &lock);
		m = queue[tail++ % QUEUE];
		pthread_cond_broadcast(&changed);
		pthread_mutex_unlock(&lock);
		consume(m);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 1000;
	pthread_t p, c;

	if (argc < 3)
		return 2;
	wait_go_if_asked(argc, argv);
	if (!strcmp(argv[1], "request")) {
		printf("sum=%ld\n", serve(n));
	} else if (!strcmp(argv[1], "mixed")) {
		long sum = 0;

		with_labels = 1;
		handoff_n = n * 8;
		pthread_create(&p, NULL, producer, NULL);
		pthread_create(&c, NULL, consumer, NULL);
		for (int r = 0; r < n; r++) {
			sum += serve(4);
			sum += handle_escaping(r, 8);
			cache_insert(r);
		}
		sum += free_tree(previous_tree);
		pthread_join(p, NULL);
		pthread_join(c, NULL);
		printf("sum=%ld\n", sum);
		fflush(stdout);
		sleep(1); /* the cache is still held when the recording ends */
	} else if (!strcmp(argv[1], "escape")) {
		printf("sum=%ld\n", serve_escaping(n));
	} else if (!strcmp(argv[1], "cache")) {
		for (int i = 0; i < n; i++)
			cache_insert(i);
		printf("cached=%d\n", n);
		fflush(stdout);
		sleep(2); /* still holding them when the recording ends */
	} else if (!strcmp(argv[1], "handoff")) {
		handoff_n = n;
		pthread_create(&p, NULL, producer, NULL);
		pthread_create(&c, NULL, consumer, NULL);
		pthread_join(p, NULL);
		pthread_join(c, NULL);
		printf("handed=%d\n", n);
	} else {
		return 2;
	}
	return 0;
}
