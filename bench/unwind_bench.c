/* unwind_bench.c: cost of unwind_dwarf() (agent/unwind/unwind_dwarf.c) per snapshot, cold and warm,
 * for each libunwind caching policy, and the unwind-table cache hit rate. Snapshots are taken of
 * this process's own stack in a deep -O2 -fomit-frame-pointer chain that passes through libc's
 * qsort. Usage: unwind_bench [ITERS] | unwind_bench --only none|global|per-thread ITERS */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "target_space.h"
#include "unwind_dwarf.h"

#define SNAPSHOT_MAX 8192
#define MAX_FRAMES 128
#define N_SNAPSHOTS 8
#define NOINLINE __attribute__((noinline, noclone))

struct capture {
	struct stack_snapshot s;
	uint8_t stack[SNAPSHOT_MAX];
};

static struct capture snaps[N_SNAPSHOTS];
static uint64_t stack_end;
static volatile int sink;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t find_stack_end(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	unsigned long long start, end = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%llx-%llx", &start, &end) == 2)
			break;
	if (f)
		fclose(f);
	return end;
}

NOINLINE static void capture_into(struct capture *c)
{
	uint64_t ip, sp, bp;

	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
			 : "=r"(ip), "=r"(sp), "=r"(bp)
			 :
			 : "memory");
	c->s.ip = ip;
	c->s.sp = sp;
	c->s.bp = bp;
	c->s.len = stack_end - sp < SNAPSHOT_MAX ? (uint32_t)(stack_end - sp) : SNAPSHOT_MAX;
	memcpy(c->stack, (const void *)(uintptr_t)sp, c->s.len);
	c->s.data = c->stack;
}

static int depth_below_qsort, snapshot_index, descended;
NOINLINE static int descend(int depth);

static int compare_and_descend(const void *a, const void *b)
{
	if (!descended) {
		descended = 1;
		sink = descend(depth_below_qsort);
	}
	return *(const int *)a - *(const int *)b;
}

NOINLINE static int descend(int depth)
{
	volatile char pad[24];

	pad[0] = (char)depth;
	if (depth == 0) {
		capture_into(&snaps[snapshot_index]);
	} else if (depth == -1) {
		return 0;
	} else {
		sink = descend(depth - 1);
	}
	return pad[0] + sink;
}

/* depth_above frames, then qsort, then depth_below frames, then the capture. */
NOINLINE static int descend_through_qsort(int depth_above)
{
	volatile char pad[24];
	int v[8] = { 5, 3, 7, 1, 0, 6, 2, 4 };

	pad[0] = (char)depth_above;
	if (depth_above == 0)
		qsort(v, 8, sizeof(v[0]), compare_and_descend);
	else
		sink = descend_through_qsort(depth_above - 1);
	return pad[0] + sink + v[0];
}

static void take_snapshots(void)
{
	for (int i = 0; i < N_SNAPSHOTS; i++) {
		snapshot_index = i;
		depth_below_qsort = 5 + i;
		descended = 0;
		descend_through_qsort(10 + i);
	}
}

static const char *const policy_names[] = { "none", "global", "per-thread" };

static int unwind_all_once(struct unwinder *u, uint64_t *frames)
{
	uint64_t ips[MAX_FRAMES];
	int total = 0;

	for (int i = 0; i < N_SNAPSHOTS; i++)
		total += unwind_dwarf(u, &snaps[i].s, ips, MAX_FRAMES);
	*frames += (uint64_t)total;
	return total;
}

/* Fresh libunwind address space (empty CFI cache) per unwind, same target_space. */
static double cold_us(struct target_space *ts, enum unwind_cache_policy policy, int rounds)
{
	uint64_t ips[MAX_FRAMES], total = 0;

	for (int r = 0; r < rounds; r++) {
		struct unwinder *u = unwinder_new(ts);
		uint64_t t0;

		unwinder_set_cache_policy(u, policy);
		t0 = now_ns();
		unwind_dwarf(u, &snaps[r % N_SNAPSHOTS].s, ips, MAX_FRAMES);
		total += now_ns() - t0;
		unwinder_free(u);
	}
	return (double)total / rounds / 1000.0;
}

static double warm_us(struct target_space *ts, enum unwind_cache_policy policy, int iters,
		      struct unwind_stats *st, double *frames_per_unwind)
{
	struct unwinder *u = unwinder_new(ts);
	uint64_t frames = 0, t0;
	int rounds = iters / N_SNAPSHOTS;

	unwinder_set_cache_policy(u, policy);
	unwind_all_once(u, &frames); /* fill the caches */
	frames = 0;
	t0 = now_ns();
	for (int r = 0; r < rounds; r++)
		unwind_all_once(u, &frames);
	t0 = now_ns() - t0;
	unwinder_stats(u, st);
	unwinder_free(u);
	*frames_per_unwind = (double)frames / (rounds * N_SNAPSHOTS);
	return (double)t0 / (rounds * N_SNAPSHOTS) / 1000.0;
}

static int run_only(const char *policy, int iters)
{
	struct target_space *ts = target_space_new(getpid());
	struct unwind_stats st;
	double fpu;

	for (int p = 0; p < 3; p++) {
		if (strcmp(policy, policy_names[p]))
			continue;
		printf("%s: %.2f us/unwind warm\n", policy,
		       warm_us(ts, (enum unwind_cache_policy)p, iters, &st, &fpu));
		target_space_free(ts);
		return 0;
	}
	fprintf(stderr, "unknown policy %s\n", policy);
	return 2;
}

int main(int argc, char **argv)
{
	struct target_space *ts;
	struct unwind_stats st;
	uint64_t t0, frames = 0;
	int iters = argc == 2 ? atoi(argv[1]) : 40000;
	double fpu;

	stack_end = find_stack_end();
	take_snapshots();
	for (int i = 0; i < N_SNAPSHOTS; i++) {
		if (!snaps[i].s.ip) {
			fprintf(stderr, "snapshot %d was not taken\n", i);
			return 1;
		}
	}
	if (argc == 4 && !strcmp(argv[1], "--only"))
		return run_only(argv[2], atoi(argv[3]));

	t0 = now_ns();
	ts = target_space_new(getpid());
	if (!ts) {
		perror("target_space_new");
		return 1;
	}
	printf("target_space_new: %.1f us (%u modules)\n", (now_ns() - t0) / 1000.0,
	       target_space_module_count(ts));
	{
		struct unwinder *u = unwinder_new(ts);

		t0 = now_ns();
		unwind_all_once(u, &frames);
		t0 = now_ns() - t0;
		unwinder_stats(u, &st);
		printf("first unwinds ever (tables parsed, caches empty): %.1f us/unwind, %.1f "
		       "frames, table cache %" PRIu64 " hits / %" PRIu64 " misses\n",
		       t0 / 1000.0 / N_SNAPSHOTS, (double)frames / N_SNAPSHOTS, st.table_cache_hits,
		       st.table_cache_misses);
		unwinder_free(u);
	}
	printf("%-11s %12s %12s %10s %14s\n", "policy", "cold us", "warm us", "frames",
	       "table hit rate");
	for (int p = 0; p < 3; p++) {
		double cold = cold_us(ts, (enum unwind_cache_policy)p, 400);
		double warm = warm_us(ts, (enum unwind_cache_policy)p, iters, &st, &fpu);
		uint64_t lookups = st.table_cache_hits + st.table_cache_misses;

		printf("%-11s %12.2f %12.2f %10.1f %13.1f%% (%" PRIu64 " lookups)\n",
		       policy_names[p], cold, warm, fpu,
		       lookups ? 100.0 * st.table_cache_hits / lookups : 0.0, lookups);
	}
	target_space_free(ts);
	return 0;
}
