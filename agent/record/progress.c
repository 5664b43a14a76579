/* progress.c: the live progress line of `arenaprof record`: elapsed time, allocations per second,
 * lost events, CPU samples, distinct stacks, the measured target overhead (overhead-budget
 * mode) and the top call sites so far. On a terminal it is
 * one line rewritten in place; otherwise plain lines (the caller prints them less often). */
#include "progress.h"

void progress_print(FILE *f, int tty, const struct progress_state *p)
{
	fprintf(f,
		"%sarenaprof: %.0f s, %llu allocs (%llu/s), %llu lost, %llu cpu samples, %llu stacks",
		tty ? "\r" : "", p->elapsed_s, (unsigned long long)p->allocs,
		(unsigned long long)p->allocs_per_s, (unsigned long long)p->lost,
		(unsigned long long)p->cpu_samples, (unsigned long long)p->stacks);
	if (p->windowed)
		fprintf(f, ", target overhead %.1f%%", 100.0 * p->overhead);
	for (int i = 0; i < p->ntop; i++)
		fprintf(f, "%s%s %.0f%%", i ? ", " : "; top: ", p->top[i],
			p->allocs ? 100.0 * (double)p->top_allocs[i] / (double)p->allocs : 0.0);
	fputs(tty ? "\033[K" : "\n", f);
	fflush(f);
}

void progress_end(FILE *f, int tty)
{
	if (tty)
		fputc('\n', f);
}
