/* try_run.c: the runs of `arenaprof try`. Each pair starts the command twice at the same time,
 * both pinned to the same CPU (the last one), one plain and one with the interposer preloaded, as
 * bench/paired.sh pairs its runs: the two share that CPU's time slices and whatever the host does
 * to it, so the ratio of their CPU times cancels most of this shared machine's noise. Which copy
 * starts first alternates. CPU time (user + system) comes from wait4's rusage; the peak RSS and
 * the interposer's counters from the line it appends at exit (one per process: VmHWM, the peak
 * since exec; wait4's ru_maxrss also counts the pages the child had before its exec, a copy of
 * this process's). The plain copy (the control) runs with the interposer matching the same sites
 * but routing none, so that both pay the same matching cost, unless --bare (no interposer; both
 * peaks then come from wait4). */
#define _GNU_SOURCE
#include "try_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "an_util.h"

struct run {
	pid_t pid;
	double cpu_s;
	long maxrss_kib;
	int status;
};

/* The interposer's counters, summed over the processes of one run. */
enum {
	C_SITES,
	C_RESOLVED,
	C_CALLS,
	C_MATCHED,
	C_ROUTED,
	C_ROUTED_BYTES,
	C_ARENA_FREES,
	C_TOO_LARGE,
	C_FALLBACK,
	C_REALLOC_MOVED,
	C_CHUNKS_MADE,
	C_CHUNKS_FREED,
	C_CHUNKS_MADVISED,
	C_PEAK_CHUNKS,
	C_CHUNK_BYTES,
	C_PEAK_RSS,
	C_N
};
static const char *const counter_names[C_N] = { "sites",	   "resolved",	  "calls",
						"matched",	   "routed",	  "routed_bytes",
						"arena_frees",	   "too_large",	  "fallback",
						"realloc_moved",   "chunks_made", "chunks_freed",
						"chunks_madvised", "peak_chunks", "chunk_bytes",
						"peak_rss_kib" };

static void child_exec(const struct try_opts *o, int arena, const char *out, const char *err,
		       const char *stats)
{
	int cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	cpu_set_t set;
	int fd;

	CPU_ZERO(&set);
	CPU_SET(cpu > 0 ? cpu : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0)
		dup2(fd, 1), close(fd);
	if ((fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0)
		dup2(fd, 2), close(fd);
	if ((fd = open("/dev/null", O_RDONLY)) >= 0)
		dup2(fd, 0), close(fd);
	unsetenv("ARENAPROF_TRY_SITES");
	unsetenv("ARENAPROF_TRY_STATS");
	unsetenv("ARENAPROF_TRY_CHUNK");
	unsetenv("ARENAPROF_TRY_MATCH_ONLY");
	/* The plain run has the interposer too, routing nothing (unless --bare): its own cost is
	 * then in both runs and the ratio is the arena's (docs/try.md). */
	if (arena || !o->bare) { /* the control's counters give its peak RSS */
		setenv("ARENAPROF_TRY_STATS", stats, 1);
		const char *old = getenv("LD_PRELOAD");
		char *pre;

		if (old && *old && asprintf(&pre, "%s:%s", o->lib, old) > 0)
			setenv("LD_PRELOAD", pre, 1);
		else
			setenv("LD_PRELOAD", o->lib, 1);
	}
	if (!arena && !o->bare)
		setenv("ARENAPROF_TRY_MATCH_ONLY", "1", 1);
	if (arena || !o->bare) {
		setenv("ARENAPROF_TRY_SITES", o->sites, 1);
		if (o->chunk)
			setenv("ARENAPROF_TRY_CHUNK", o->chunk, 1);
	}
	execvp(o->cmd[0], o->cmd);
	fprintf(stderr, "arenaprof: cannot run %s: %s\n", o->cmd[0], strerror(errno));
	_exit(127);
}

static int start(const struct try_opts *o, int arena, int pair, struct run *r)
{
	char out[4096], err[4096], stats[4096];
	const char *kind = arena ? "arena" : "plain";

	snprintf(out, sizeof(out), "%s/pair%d-%s.out", o->dir, pair, kind);
	snprintf(err, sizeof(err), "%s/pair%d-%s.err", o->dir, pair, kind);
	snprintf(stats, sizeof(stats), "%s/pair%d-%s.stats", o->dir, pair, kind);
	fflush(NULL);
	r->pid = fork();
	if (r->pid < 0) {
		an_err("fork: %s", strerror(errno));
		return -1;
	}
	if (r->pid == 0)
		child_exec(o, arena, out, err, stats);
	return 0;
}

static int finish(struct run *r)
{
	struct rusage ru;

	while (wait4(r->pid, &r->status, 0, &ru) < 0)
		if (errno != EINTR) {
			an_err("wait4: %s", strerror(errno));
			return -1;
		}
	r->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	r->maxrss_kib = ru.ru_maxrss;
	return 0;
}

/* Sums the counters of every complete line in path; *rss_kib: the peak RSS of process pid (0:
 * not reported). The number of lines, or -1 if unreadable. */
static int read_counters(const char *path, pid_t pid, unsigned long long sum[C_N], long *rss_kib)
{
	char line[2048];
	FILE *f = fopen(path, "r");
	int lines = 0;

	memset(sum, 0, C_N * sizeof(sum[0]));
	*rss_kib = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[C_N] = { 0 };
		long line_pid = -1;
		int seen = 0;
		char *save = NULL;

		if (strncmp(line, "arenaprof-try ", 14) || !strchr(line, '\n'))
			continue;
		for (char *t = strtok_r(line + 14, " \n", &save); t;
		     t = strtok_r(NULL, " \n", &save)) {
			char *eq = strchr(t, '=');

			if (!eq)
				continue;
			*eq = 0;
			if (!strcmp(t, "pid"))
				line_pid = strtol(eq + 1, NULL, 10);
			for (int i = 0; i < C_N; i++)
				if (!strcmp(t, counter_names[i])) {
					v[i] = strtoull(eq + 1, NULL, 10);
					seen++;
				}
		}
		if (seen != C_N)
			continue;
		if (line_pid == (long)pid)
			*rss_kib = (long)v[C_PEAK_RSS];
		for (int i = 0; i < C_N; i++)
			sum[i] = i == C_CHUNK_BYTES ? v[i] : sum[i] + v[i];
		lines++;
	}
	fclose(f);
	return lines;
}

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb, ca, cb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int report_failure(const struct try_opts *o, int pair, const char *kind, int status)
{
	if (WIFSIGNALED(status))
		an_err("the %s run of pair %d was killed by signal %d (its output: %s/pair%d-%s.err)",
		       kind, pair, WTERMSIG(status), o->dir, pair, kind);
	else
		an_err("the %s run of pair %d exited with status %d (its output: %s/pair%d-%s.err)",
		       kind, pair, WEXITSTATUS(status), o->dir, pair, kind);
	return 1;
}

int try_run_pairs(const struct try_opts *o, FILE *out)
{
	double cpu[2][64], rss[2][64], cratio[64], rratio[64];
	unsigned long long c[C_N], total[C_N] = { 0 };
	int differs = 0, rss_from_rusage = 0;
	unsigned long long control_matched = 0;

	for (int p = 1; p <= o->pairs; p++) {
		struct run r[2];
		char pa[4096], pb[4096];
		long arena_rss;
		int first = p % 2; /* which copy starts first alternates */

		if (start(o, first, p, &r[first]) || start(o, !first, p, &r[!first]))
			return 1;
		if (finish(&r[0]) || finish(&r[1]))
			return 1;
		for (int k = 0; k < 2; k++)
			if (!WIFEXITED(r[k].status) || WEXITSTATUS(r[k].status))
				return report_failure(o, p, k ? "arena" : "plain", r[k].status);
		if (!o->bare) { /* the control run's peak RSS, as its interposer saw it */
			unsigned long long control[C_N];
			long rss;

			snprintf(pa, sizeof(pa), "%s/pair%d-plain.stats", o->dir, p);
			if (read_counters(pa, r[0].pid, control, &rss) > 0 && rss > 0)
				r[0].maxrss_kib = rss;
			else
				rss_from_rusage = 1;
			control_matched += control[C_MATCHED];
		}
		snprintf(pa, sizeof(pa), "%s/pair%d-arena.stats", o->dir, p);
		if (read_counters(pa, r[1].pid, c, &arena_rss) < 1) {
			an_err("the interposer did not report its counters in pair %d (a static or "
			       "setuid program ignores LD_PRELOAD)",
			       p);
			return 1;
		}
		if (o->bare)
			rss_from_rusage = 1; /* both from wait4: the same bias */
		else if (arena_rss > 0)
			r[1].maxrss_kib = arena_rss;
		else
			rss_from_rusage = 1;
		for (int i = 0; i < C_N; i++)
			if (i == C_CHUNK_BYTES || i == C_SITES || i == C_RESOLVED)
				total[i] = c[i]; /* the same in every run */
			else if (i == C_PEAK_CHUNKS || i == C_PEAK_RSS)
				total[i] = c[i] > total[i] ? c[i] : total[i];
			else
				total[i] += c[i];
		snprintf(pa, sizeof(pa), "%s/pair%d-plain.out", o->dir, p);
		snprintf(pb, sizeof(pb), "%s/pair%d-arena.out", o->dir, p);
		if (!same_file(pa, pb))
			differs++;
		for (int k = 0; k < 2; k++) {
			cpu[k][p - 1] = r[k].cpu_s;
			rss[k][p - 1] = (double)r[k].maxrss_kib;
		}
		cratio[p - 1] = r[0].cpu_s > 0 ? r[1].cpu_s / r[0].cpu_s : 0;
		rratio[p - 1] = r[0].maxrss_kib > 0 ? (double)r[1].maxrss_kib / r[0].maxrss_kib : 0;
		fprintf(out, "pair %d: plain %.3f s %ld KiB, arena %.3f s %ld KiB\n", p, r[0].cpu_s,
			r[0].maxrss_kib, r[1].cpu_s, r[1].maxrss_kib);
	}
	{
		int n = o->pairs;
		double cp = median(cpu[0], n), ca = median(cpu[1], n);
		double rp = median(rss[0], n), ra = median(rss[1], n);
		double cm = median(cratio, n), rm = median(rratio, n);

		fprintf(out,
			"CPU time (user+sys): plain %.3f s, arena %.3f s (medians); ratio %.3f "
			"(median of %d pairs, %.3f..%.3f)\n",
			cp, ca, cm, n, cratio[0], cratio[n - 1]);
		fprintf(out,
			"peak RSS: plain %.0f KiB, arena %.0f KiB (medians); ratio %.3f (%.3f..%.3f)%s\n",
			rp, ra, rm, rratio[0], rratio[n - 1],
			rss_from_rusage ?
				"; from wait4, which also counts the pages forked from arenaprof "
				"before the exec: compare with care" :
				"");
	}
	fprintf(out,
		"arena: %llu of %llu allocation calls routed (%.1f%%), %llu bytes; %llu too large, "
		"%llu not served, %llu moved by realloc (all pairs)\n",
		total[C_ROUTED], total[C_CALLS],
		total[C_CALLS] ? 100.0 * (double)total[C_ROUTED] / (double)total[C_CALLS] : 0.0,
		total[C_ROUTED_BYTES], total[C_TOO_LARGE], total[C_FALLBACK],
		total[C_REALLOC_MOVED]);
	fprintf(out,
		"chunks: %llu made, %llu released when their last object was freed (%llu returned "
		"to the kernel), %llu KiB each, at most %llu live in one run\n",
		total[C_CHUNKS_MADE], total[C_CHUNKS_FREED], total[C_CHUNKS_MADVISED],
		total[C_CHUNK_BYTES] / 1024, total[C_PEAK_CHUNKS]);
	fprintf(out, "sites: %llu return addresses listed, %llu found in the process's mappings\n",
		total[C_SITES], total[C_RESOLVED]);
	if (!o->bare)
		fprintf(out,
			"control: matched %llu calls of the sites and left them on malloc (the arena "
			"runs matched %llu)\n",
			control_matched, total[C_MATCHED]);
	if (differs)
		fprintf(out,
			"stdout: differs between the plain and the arena run in %d of %d pairs "
			"(%s/pair*-*.out)\n",
			differs, o->pairs, o->dir);
	else
		fprintf(out, "stdout: identical in every pair\n");
	return 0;
}
