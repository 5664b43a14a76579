/* paced.c: allocations at known rates, for the overhead-budget tests. Each thread wakes every
 * millisecond (absolute deadlines) and makes 8 allocations at site_a and 2 at site_b, then
 * frees them: 8,000 and 2,000 per second per thread while it keeps up. Options:
 *   --burst      also 12 allocations per tick at site_c, but only in the first 100 ms of every
 *                second (a bursty site)
 *   --switch S   after S seconds, stop sleeping: allocate as fast as possible (a rate change)
 * Prints the counts per site when it ends (after SECONDS). Usage:
 *   paced THREADS SECONDS [--burst] [--switch S] [--wait] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wait_go.h"

static double seconds, switch_after = -1;
static int burst;
static atomic_ullong count_a, count_b, count_c;

__attribute__((noinline, noipa)) static void *site_a(void)
{
	void *p = malloc(32); /* marker: site_a */

	__asm__ volatile("" ::: "memory"); /* no tail call: the call site stays in site_a */
	return p;
}

__attribute__((noinline, noipa)) static void *site_b(void)
{
	void *p = malloc(200); /* marker: site_b */

	__asm__ volatile("" ::: "memory"); /* no tail call: the call site stays in site_b */
	return p;
}

__attribute__((noinline, noipa)) static void *site_c(void)
{
	void *p = malloc(64); /* marker: site_c */

	__asm__ volatile("" ::: "memory"); /* no tail call: the call site stays in site_c */
	return p;
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

__attribute__((noinline)) static void tick(int with_c)
{
	void *p[64];
	int n = 0;

	for (int i = 0; i < 8; i++)
		p[n++] = site_a();
	for (int i = 0; i < 2; i++)
		p[n++] = site_b();
	for (int i = 0; with_c && i < 12; i++)
		p[n++] = site_c();
	for (int i = 0; i < n; i++)
		free(p[i]);
	atomic_fetch_add(&count_a, 8);
	atomic_fetch_add(&count_b, 2);
	if (with_c)
		atomic_fetch_add(&count_c, 12);
}

static void *worker(void *arg)
{
	struct timespec t0, next;
	double t;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next = t0;
	while ((t = since(&t0)) < seconds) {
		double frac = t - (double)(long)t;

		tick(burst && frac < 0.1);
		if (switch_after >= 0 && t >= switch_after)
			continue; /* heavy phase: no sleep */
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[64];
	int threads;

	if (argc < 3) {
		fprintf(stderr, "usage: paced THREADS SECONDS [--burst] [--switch S] [--wait]\n");
		return 2;
	}
	threads = atoi(argv[1]);
	seconds = atof(argv[2]);
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--burst"))
			burst = 1;
		else if (!strcmp(argv[i], "--switch") && i + 1 < argc)
			switch_after = atof(argv[++i]);
	}
	if (threads < 1 || threads > 64)
		return 2;
	wait_go_if_asked(argc, argv);
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("done site_a=%llu site_b=%llu site_c=%llu\n", (unsigned long long)count_a,
	       (unsigned long long)count_b, (unsigned long long)count_c);
	return 0;
}
