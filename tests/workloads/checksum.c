/* checksum.c: a workload whose output proves its work was done right: in epochs, it builds
 * binary search trees of malloc'ed nodes from a deterministic PRNG, reallocs and frees some,
 * and prints a checksum of each epoch's tree contents. Epoch E uses seed E % 64, so any run
 * can be checked against a 64-epoch reference run without a profiler.
 * Usage: checksum EPOCHS (0: until SIGTERM/SIGINT)
 * Prints per epoch: "epoch E seed S sum C ns N" (N: nanoseconds the epoch took), then
 * "done EPOCHS". */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEEDS 64
#define NODES 16000

struct node {
	struct node *left, *right;
	uint64_t key;
	char *payload; /* malloc'ed, size from the PRNG, realloc'ed on duplicates */
	size_t len;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t next(uint64_t *s) /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill(char *p, size_t len, uint64_t key)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(key >> (8 * (i % 8)));
}

static struct node *insert(struct node *root, uint64_t key, size_t len)
{
	struct node **link = &root, *n;

	while (*link) {
		n = *link;
		if (key == n->key) { /* duplicate: grow its payload */
			char *p = realloc(n->payload, n->len + len);

			if (!p)
				abort();
			fill(p + n->len, len, key);
			n->payload = p;
			n->len += len;
			return root;
		}
		link = key < n->key ? &n->left : &n->right;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		abort();
	n->key = key;
	n->len = len;
	n->payload = malloc(len);
	if (!n->payload)
		abort();
	fill(n->payload, len, key);
	*link = n;
	return root;
}

/* In-order walk: a checksum of keys and payload bytes; frees the tree. */
static uint64_t sum_free(struct node *n, uint64_t sum)
{
	if (!n)
		return sum;
	sum = sum_free(n->left, sum);
	sum = sum * 1099511628211ull ^ n->key;
	for (size_t i = 0; i < n->len; i++)
		sum = sum * 31 + (unsigned char)n->payload[i];
	sum = sum_free(n->right, sum);
	free(n->payload);
	free(n);
	return sum;
}

static uint64_t epoch(uint64_t seed)
{
	struct node *root = NULL;
	uint64_t s = seed;

	for (int i = 0; i < NODES; i++) {
		uint64_t r = next(&s);

		root = insert(root, r % (NODES * 2), 1 + (r >> 32) % 96);
	}
	return sum_free(root, seed);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv)
{
	long epochs = argc > 1 ? atol(argv[1]) : 0, e;
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (e = 0; (epochs == 0 || e < epochs) && !stop; e++) {
		uint64_t t = now_ns(), sum = epoch((uint64_t)(e % SEEDS));

		printf("epoch %ld seed %ld sum %016llx ns %llu\n", e, e % SEEDS,
		       (unsigned long long)sum, (unsigned long long)(now_ns() - t));
	}
	printf("done %ld\n", e);
	return 0;
}
