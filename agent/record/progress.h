/* progress.h: the live progress line of `arenaprof record` on stderr. */
#ifndef ARENAPROF_PROGRESS_H
#define ARENAPROF_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct progress_state {
	double elapsed_s;
	uint64_t allocs, allocs_per_s, lost, cpu_samples, stacks;
	const char *top[3];
	uint64_t top_allocs[3];
	int ntop;
	int windowed; /* overhead-budget mode: allocs are those seen in windows */
	double overhead; /* measured cost of the probes / the target's own CPU time so far */
};

/* One line: rewritten in place on a terminal (tty), a new line otherwise. */
void progress_print(FILE *f, int tty, const struct progress_state *p);
/* Ends an in-place line (a newline on a terminal, nothing otherwise). */
void progress_end(FILE *f, int tty);

#endif
