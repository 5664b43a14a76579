/* event_loop.c: a worker thread's event loop, for the loop-iteration tests
 * (tests/agent/test_loops.py). Usage: event_loop thread|nested N [--wait]
 * A worker thread handles N events: wait_event allocates an event and its payload, handle_event
 * uses them (and a scratch buffer it frees itself), release_event frees them before the next
 * event. thread: the loop is the thread's start routine (event_thread); nested: the start routine
 * calls run_loop, which holds the loop until the N events are done. Every event dies within one
 * iteration of the loop, and the loop's function lasts the thread's life. The lines marked
 * EVENT_x are the loop's two calls. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wait_go.h"

#define NOINLINE __attribute__((noinline, noipa))

struct event {
	long id;
	size_t len;
	char *payload;
};

static long events;

NOINLINE static struct event *wait_event(long i)
{
	struct event *e = malloc(sizeof(*e));

	if (!e)
		abort();
	e->id = i;
	e->len = 16 + (size_t)(i % 7) * 24;
	e->payload = malloc(e->len);
	if (!e->payload)
		abort();
	memset(e->payload, (int)(i & 0x7f), e->len);
	return e;
}

NOINLINE static long handle_event(const struct event *e)
{
	char *scratch = malloc(e->len * 2);
	long sum = 0;

	if (!scratch)
		abort();
	memcpy(scratch, e->payload, e->len);
	memcpy(scratch + e->len, e->payload, e->len);
	for (size_t k = 0; k < 2 * e->len; k += 8)
		sum += scratch[k];
	free(scratch);
	return sum + e->id;
}

NOINLINE static void release_event(struct event *e)
{
	free(e->payload);
	free(e);
}

NOINLINE static void *event_thread(void *arg)
{
	long sum = 0;

	for (long i = 0; i < events; i++) {
		struct event *e = wait_event(i); /* EVENT_WAIT_THREAD */

		sum += handle_event(e);
		release_event(e); /* EVENT_RELEASE_THREAD */
	}
	*(long *)arg = sum;
	return NULL;
}

NOINLINE static long run_loop(long n)
{
	long sum = 0;

	for (long i = 0; i < n; i++) {
		struct event *e = wait_event(i); /* EVENT_WAIT_NESTED */

		sum += handle_event(e);
		release_event(e); /* EVENT_RELEASE_NESTED */
	}
	__asm__ volatile("" : "+r"(sum) : : "memory"); /* no tail call: keep this frame */
	return sum;
}

NOINLINE static void *nested_thread(void *arg)
{
	*(long *)arg = run_loop(events);
	__asm__ volatile("" : : : "memory");
	return NULL;
}

int main(int argc, char **argv)
{
	long sum = 0;
	pthread_t t;

	if (argc < 3)
		return 2;
	events = atol(argv[2]);
	wait_go_if_asked(argc, argv);
	if (pthread_create(&t, NULL, strcmp(argv[1], "nested") ? event_thread : nested_thread,
			   &sum))
		return 1;
	pthread_join(t, NULL);
	printf("sum=%ld\n", sum);
	return 0;
}
