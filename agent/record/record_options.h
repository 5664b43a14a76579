/* record_options.h: the options of `arenaprof record` and their parsing. */
#ifndef ARENAPROF_RECORD_OPTIONS_H
#define ARENAPROF_RECORD_OPTIONS_H

#include <stdint.h>
#include <sys/types.h>

struct record_options {
	pid_t pid; /* -p, or 0 with a command */
	char **command; /* after --, NULL-terminated, or NULL */
	const char *output; /* -o */
	double duration_s; /* -d, 0 = until Ctrl-C or target exit */
	int overwrite; /* -f */
	int quiet; /* -q */
	int stack_mode; /* --unwind dwarf|fp: AP_STACK_SNAPSHOT or AP_STACK_FP */
	uint32_t snapshot_bytes; /* --stack-size */
	uint32_t ring_bytes; /* --ring-size (MiB on the command line) */
	unsigned int cpu_freq; /* -F, --cpu-freq: CPU samples per second per thread, 0 = off */
	int cpu_only; /* --cpu-only: no allocator probes */
	unsigned int track_every; /* --track-every: follow one allocation's lifetime in N */
	unsigned int sample_every; /* --sample-every: record one allocation call in N (mean) */
	char *verify[16]; /* --verify F1,F2: scope functions to probe (AP_MAX_SCOPES) */
	int nverify;
	/* --verify-loop F:A[,F:A..]: loops to verify, an iteration of the loop in loop_fn[i] starting
	 * at each call of loop_call[i] made from it; with the --verify functions at most 16 */
	char *loop_fn[16], *loop_call[16];
	int nloops;
	int exact; /* --exact: every call probed for the whole recording */
	double overhead; /* --overhead as a fraction (default 0.02), unless exact or cpu_only */
	int overhead_given, track_given;
	int attach; /* --attach auto|multi|perf: enum ap_attach_path (attach_path.h) */
};

/* 0, or -1 after printing a one-line usage error. */
int record_options_parse(int argc, char **argv, struct record_options *o);
void record_usage(void);

#endif
