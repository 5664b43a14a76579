/* arith.c: a workload that spends almost no CPU in the allocator: integer arithmetic on one
 * buffer allocated at the start. Usage: arith SECONDS [--wait] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "wait_go.h"

__attribute__((noinline, noipa)) static uint64_t mix(uint64_t *buf, size_t n, uint64_t x)
{
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] += x;
	}
	return x;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2;
	size_t n = 4096;
	uint64_t *buf = calloc(n, sizeof(*buf)), x = 88172645463325252ULL;
	struct timespec start, t;

	if (!buf)
		return 1;
	wait_go_if_asked(argc, argv);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		x = mix(buf, n, x);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - start.tv_sec) + (double)(t.tv_nsec - start.tv_nsec) / 1e9 <
		 seconds);
	printf("x=%llu\n", (unsigned long long)(x ^ buf[7]));
	free(buf);
	return 0;
}
