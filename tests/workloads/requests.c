/* requests.c: planted truths for the default (overhead-budget) mode. Usage:
 *   requests lifetimes THREADS SECONDS [SCALE] [--wait]
 *     Each thread serves requests flat out (serve -> handle_request): a request lasts 20-80 ms
 *     times SCALE (default 1; uniform, drawn per request), allocating tokens (make_token, 32-160 bytes) one at a time
 *     with a little hashing between them, kept in a list and all freed (release_tokens) just
 *     before handle_request returns: every token lives 0-80 ms, its scope is handle_request.
 *     With SCALE, each request's start is printed ("request N", thread 0 only).
 *   requests burst IDLE_S COUNT IDLE_S [--wait]
 *     Sleeps IDLE_S, then makes COUNT malloc/free pairs at one site (burst_alloc) as fast as it
 *     can, then sleeps IDLE_S again: an idle-burst-idle target whose count is known.
 * Prints "requests=N tokens=M" or "burst=COUNT". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wait_go.h"

#define NOINLINE __attribute__((noinline, noipa))

struct token {
	struct token *next;
	uint64_t hash;
	char text[];
};

static double seconds, scale = 1;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

NOINLINE static struct token *make_token(uint64_t *seed)
{
	size_t len = 16 + (size_t)(mix(++*seed) % 129);
	struct token *t = malloc(sizeof(*t) + len); /* SITE_MAKE_TOKEN */

	if (!t)
		abort();
	t->hash = *seed;
	memset(t->text, (int)(t->hash & 0x7f), len);
	return t;
}

NOINLINE static uint64_t release_tokens(struct token *t)
{
	uint64_t sum = 0;

	while (t) {
		struct token *next = t->next;

		sum += t->hash;
		free(t);
		t = next;
	}
	return sum;
}

/* One request: tokens until its duration has passed, then all of them freed. */
NOINLINE static uint64_t handle_request(uint64_t *seed, double duration, uint64_t *tokens)
{
	double end = now_s() + duration;
	struct token *head = NULL;
	uint64_t work = 0;

	do {
		for (int i = 0; i < 8; i++) {
			struct token *t = make_token(seed);

			t->next = head;
			head = t;
			(*tokens)++;
		}
		for (int i = 0; i < 2000; i++) /* the request's own work between allocations */
			work = mix(work + (uint64_t)i);
	} while (now_s() < end);
	return release_tokens(head) + (work & 1);
}

struct worker {
	uint64_t requests, tokens, sum;
	unsigned int id;
};

NOINLINE static void *serve(void *arg)
{
	struct worker *w = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (w->id + 1);
	double stop = now_s() + seconds;

	while (now_s() < stop) {
		double duration = scale * (0.020 + 0.060 * (double)(mix(++seed) % 1000) / 999.0);

		if (scale != 1 && w->id == 0) {
			printf("request %llu\n", (unsigned long long)w->requests + 1);
			fflush(stdout);
		}

		w->sum += handle_request(&seed, duration, &w->tokens);
		w->requests++;
	}
	return NULL;
}

static int run_lifetimes(int threads, double secs)
{
	pthread_t tid[64];
	struct worker w[64];
	uint64_t requests = 0, tokens = 0;

	seconds = secs;
	for (int i = 0; i < threads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = (unsigned int)i;
		if (pthread_create(&tid[i], NULL, serve, &w[i]))
			return 1;
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		requests += w[i].requests;
		tokens += w[i].tokens;
	}
	printf("requests=%llu tokens=%llu\n", (unsigned long long)requests,
	       (unsigned long long)tokens);
	return 0;
}

NOINLINE static void *burst_alloc(size_t size)
{
	return malloc(size); /* SITE_BURST */
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts))
		;
}

static int run_burst(double idle, long count, double idle_after)
{
	volatile uintptr_t keep = 0;

	sleep_s(idle);
	for (long i = 0; i < count; i++) {
		void *p = burst_alloc(16 + (size_t)(i & 63)); /* SITE_BURST_CALL */

		if (!p)
			abort();
		keep ^= (uintptr_t)p;
		free(p);
	}
	sleep_s(idle_after);
	printf("burst=%ld\n", count);
	return keep == 1; /* never: keeps the loop */
}

int main(int argc, char **argv)
{
	int wait = argc > 1 && strcmp(argv[argc - 1], "--wait") == 0, n = argc - wait;

	if ((n == 4 || n == 5) && strcmp(argv[1], "lifetimes") == 0) {
		int threads = atoi(argv[2]);

		if (n == 5)
			scale = atof(argv[4]);
		if (threads < 1 || threads > 64 || !(scale > 0))
			return 2;
		wait_go_if_asked(argc, argv);
		return run_lifetimes(threads, atof(argv[3]));
	}
	if (n == 5 && strcmp(argv[1], "burst") == 0) {
		wait_go_if_asked(argc, argv);
		return run_burst(atof(argv[2]), atol(argv[3]), atof(argv[4]));
	}
	fprintf(stderr, "usage: requests lifetimes THREADS SECONDS [SCALE] [--wait] | "
			"requests burst IDLE_S COUNT IDLE_S [--wait]\n");
	return 2;
}
