/* try_stats.c: per-thread counter blocks (try_stats.h), summed into one line at exit:
 * "arenaprof-try pid=P calls=N routed=N ... chunks_made=N chunks_freed=N ... peak_rss_kib=N"
 * (VmHWM: the process's peak RSS since its exec). */
#define _GNU_SOURCE
#include "try_stats.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "try_gen.h"

static _Atomic(struct try_block *) blocks;
_Thread_local struct try_block *try_mine __attribute__((tls_model("initial-exec")));

static const char *const names[TRY_NCOUNTERS] = { "calls",	  "matched",	  "routed",
						  "routed_bytes", "arena_frees",  "too_large",
						  "fallback",	  "realloc_moved" };

/* A free block from the list, or a new one (mmap: malloc is ours). */
static struct try_block *take_block(void)
{
	struct try_block *b;
	int zero;

	for (b = atomic_load(&blocks); b; b = b->next) {
		zero = 0;
		if (atomic_compare_exchange_strong(&b->in_use, &zero, 1))
			return b;
	}
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	atomic_store(&b->in_use, 1);
	b->next = atomic_load(&blocks);
	while (!atomic_compare_exchange_weak(&blocks, &b->next, b))
		;
	return b;
}

struct try_block *try_block_take(void)
{
	return try_mine = take_block();
}

void try_stats_thread_exit(void)
{
	if (try_mine)
		atomic_store(&try_mine->in_use, 0);
	try_mine = NULL;
}

void try_stats_fork_child(void)
{
	for (struct try_block *b = atomic_load(&blocks); b; b = b->next)
		for (int i = 0; i < TRY_NCOUNTERS; i++)
			atomic_store_explicit(&b->v[i], 0, memory_order_relaxed);
}

/* VmHWM of /proc/self/status in KiB (the peak RSS since exec), 0 if unreadable. */
static unsigned long long peak_rss_kib(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	const char *p;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strstr(buf, "VmHWM:");
	return p ? strtoull(p + 6, NULL, 10) : 0;
}

void try_stats_write(const char *path, int sites_listed, int sites_resolved)
{
	uint64_t sum[TRY_NCOUNTERS] = { 0 };
	struct try_gen_counts g;
	char line[1024];
	int n, fd;

	for (struct try_block *b = atomic_load(&blocks); b; b = b->next)
		for (int i = 0; i < TRY_NCOUNTERS; i++)
			sum[i] += atomic_load_explicit(&b->v[i], memory_order_relaxed);
	try_gen_counts(&g);
	n = snprintf(line, sizeof(line), "arenaprof-try pid=%d sites=%d resolved=%d", (int)getpid(),
		     sites_listed, sites_resolved);
	for (int i = 0; i < TRY_NCOUNTERS && n > 0 && (size_t)n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu", names[i],
			      (unsigned long long)sum[i]);
	if (n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      " chunks_made=%llu chunks_freed=%llu chunks_madvised=%llu "
			      "peak_chunks=%llu chunk_bytes=%llu peak_rss_kib=%llu\n",
			      (unsigned long long)g.made, (unsigned long long)g.released,
			      (unsigned long long)g.madvised, (unsigned long long)g.peak_slots,
			      (unsigned long long)g.slot_bytes, peak_rss_kib());
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n) {
		/* a short write leaves a partial line, which the reader rejects */
	}
	close(fd);
}
