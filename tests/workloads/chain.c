/* chain.c: a workload with a known allocation chain, main -> serve -> handle_request -> parse ->
 * new_node -> malloc, for the unwinding tests: built -O2 -fomit-frame-pointer (chain) and with
 * frame pointers (chain_fp). Usage: chain N [--wait]. The SITE_NEW_NODE line is the call site. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "wait_go.h"

#define NOINLINE __attribute__((noinline, noipa))

struct node {
	struct node *next;
	uint64_t value;
};

NOINLINE static struct node *new_node(uint64_t value, struct node *next)
{
	struct node *n = malloc(sizeof(*n)); /* SITE_NEW_NODE */

	if (!n)
		abort();
	n->value = value;
	n->next = next;
	return n;
}

NOINLINE static struct node *parse(uint64_t seed, int len)
{
	struct node *head = NULL;

	for (int i = 0; i < len; i++)
		head = new_node(seed * 31 + (uint64_t)i, head);
	return head;
}

NOINLINE static uint64_t handle_request(uint64_t seed)
{
	struct node *head = parse(seed, 8 + (int)(seed % 8));
	uint64_t sum = 0;

	while (head) {
		struct node *next = head->next;

		sum += head->value;
		free(head);
		head = next;
	}
	return sum;
}

NOINLINE static uint64_t serve(long requests)
{
	uint64_t sum = 0;

	for (long r = 0; r < requests; r++)
		sum += handle_request((uint64_t)r);
	return sum;
}

int main(int argc, char **argv)
{
	long requests = argc > 1 ? atol(argv[1]) : 1000;

	wait_go_if_asked(argc, argv);
	printf("checksum=%llu\n", (unsigned long long)serve(requests));
	return 0;
}
