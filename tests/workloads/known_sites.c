/* known_sites.c: a test workload with known allocation counts at known call sites.
 * Usage: known_sites N THREADS [--wait]
 * Each of THREADS threads does, per round of N: site_a 3 mallocs of 48 B, site_b 2 callocs of
 * 4 x 16 B, site_c_seed 1 malloc of 16 B that site_c reallocs to 100 B, site_d 1 posix_memalign
 * of 256 B, site_e 1 aligned_alloc of 128 B; everything is freed. With --wait it blocks until
 * SIGUSR1 before working, so a profiler can attach first. Prints a checksum of its work. The
 * lines marked SITE_x are what the tests expect as call sites. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wait_go.h"

#define BATCH 64

static long rounds;

struct batch {
	void *p[BATCH];
	int n;
};

static void keep(struct batch *b, void *p, uint64_t *sum)
{
	if (!p)
		abort();
	((volatile char *)p)[0] = 1;
	*sum += (uintptr_t)p & 0xf;
	b->p[b->n++] = p;
}

static void release(struct batch *b)
{
	for (int i = 0; i < b->n; i++)
		free(b->p[i]);
	b->n = 0;
}

__attribute__((noinline, noipa)) static void site_a(struct batch *b, uint64_t *sum)
{
	for (int i = 0; i < 3; i++)
		keep(b, malloc(48), sum); /* SITE_A */
}

__attribute__((noinline, noipa)) static void site_b(struct batch *b, uint64_t *sum)
{
	for (int i = 0; i < 2; i++)
		keep(b, calloc(4, 16), sum); /* SITE_B */
}

__attribute__((noinline, noipa)) static void *site_c_seed(void)
{
	void *p = malloc(16); /* SITE_C_SEED */

	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call: keep this frame */
	return p;
}

__attribute__((noinline, noipa)) static void site_c(struct batch *b, uint64_t *sum)
{
	void *p = site_c_seed();

	keep(b, realloc(p, 100), sum); /* SITE_C */
}

__attribute__((noinline, noipa)) static void site_d(struct batch *b, uint64_t *sum)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, 256)) /* SITE_D */
		abort();
	keep(b, p, sum);
}

__attribute__((noinline, noipa)) static void site_e(struct batch *b, uint64_t *sum)
{
	keep(b, aligned_alloc(64, 128), sum); /* SITE_E */
}

static void *worker(void *arg)
{
	struct batch b = { .n = 0 };
	uint64_t *sum = arg;

	for (long r = 0; r < rounds; r++) {
		site_a(&b, sum);
		site_b(&b, sum);
		site_c(&b, sum);
		site_d(&b, sum);
		site_e(&b, sum);
		release(&b);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 2 ? atoi(argv[2]) : 1;
	pthread_t tid[256];
	uint64_t sums[256] = { 0 }, total = 0;

	if (argc < 3 || nthreads < 1 || nthreads > 256) {
		fprintf(stderr, "usage: known_sites N THREADS [--wait]\n");
		return 2;
	}
	rounds = atol(argv[1]);
	wait_go_if_asked(argc, argv);
	for (int t = 0; t < nthreads; t++)
		if (pthread_create(&tid[t], NULL, worker, &sums[t]))
			return 1;
	for (int t = 0; t < nthreads; t++) {
		pthread_join(tid[t], NULL);
		total += sums[t];
	}
	printf("done rounds=%ld threads=%d checksum=%llu\n", rounds, nthreads,
	       (unsigned long long)total);
	return 0;
}
