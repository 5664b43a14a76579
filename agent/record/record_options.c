/* record_options.c: the options of `arenaprof record` and their parsing (getopt_long). */
#define _GNU_SOURCE
#include "record_options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_event.h"
#include "attach_path.h"

void record_usage(void)
{
	fputs("usage: arenaprof record -p PID [options]\n"
	      "       arenaprof record [options] -- COMMAND [ARGS...]\n"
	      "  -p, --pid PID         attach to a running process\n"
	      "  -o, --output FILE     profile database to write (default arenaprof.db)\n"
	      "  -f, --force           overwrite FILE if it exists\n"
	      "  -d, --duration SECS   stop after SECS seconds (default: Ctrl-C or target exit)\n"
	      "      --unwind MODE     dwarf (default: stack snapshots + libunwind) or fp\n"
	      "      --stack-size N    bytes of user stack copied per event (default 8192, max 16384)\n"
	      "      --ring-size MIB   ring buffer size in MiB, a power of two (default 64)\n"
	      "  -F, --cpu-freq HZ     CPU samples per second of each thread (default 499, 0: off)\n"
	      "      --overhead PCT    keep the target's slowdown within PCT percent (default 2):\n"
	      "                        allocator probes attached in short windows, counts estimated\n"
	      "      --exact           probe every allocator call for the whole recording (exact\n"
	      "                        counts; slows an allocation-heavy target many times)\n"
	      "      --cpu-only        sample the CPU only, allocator probes off (no cost per call)\n"
	      "      --track-every N   follow the lifetime of one allocation in N (default 1, with\n"
	      "                        --exact 64; 0: none)\n"
	      "      --sample-every N  record one allocation call in N with its stack, chosen at\n"
	      "                        random (probability 1/N each); the others are only counted;\n"
	      "                        per-site counts are estimated (default 1: every call)\n"
	      "      --verify F[,F..]  probe these scope functions to verify which objects live inside\n"
	      "                        one invocation (what the report's candidates propose); implies\n"
	      "                        --exact\n"
	      "      --verify-loop F:A[,F:A..]\n"
	      "                        verify loop iterations: an iteration of the loop in F starts\n"
	      "                        at each call of A made from F and ends at the next one\n"
	      "                        (what a report's loop-iteration candidate proposes); implies\n"
	      "                        --exact\n"
	      "      --attach HOW      how uprobes are attached: auto (default: multi where the\n"
	      "                        kernel has it), multi (uprobe_multi links, Linux 6.6+) or\n"
	      "                        perf (a perf-event link per function, Linux 5.15+; slower to\n"
	      "                        detach, so windows come less often)\n"
	      "  -q, --quiet           no progress messages\n"
	      "examples:\n"
	      "  sudo arenaprof record -p 1234 -d 10 -o app.db\n"
	      "  sudo arenaprof record -o app.db -- ./server --port 8080\n",
	      stderr);
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "arenaprof record: %s%s%s (see arenaprof record --help)\n", msg,
		arg ? ": " : "", arg ? arg : "");
	return -1;
}

/* "F:A" split at its one ':' that is not part of a C++ "::"; 0, or -1 when there is none. */
static int split_loop(char *tok, char **fn, char **call)
{
	for (char *c = tok; *c; c++) {
		if (c[0] == ':' && c[1] == ':') {
			c++;
			continue;
		}
		if (c[0] == ':' && c > tok && c[1]) {
			*c = '\0';
			*fn = tok;
			*call = c + 1;
			return 0;
		}
	}
	return -1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s[0] || s[0] == '-')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -1;
	*out = v;
	return 0;
}

int record_options_parse(int argc, char **argv, struct record_options *o)
{
	enum {
		OPT_UNWIND = 256,
		OPT_STACK_SIZE,
		OPT_RING_SIZE,
		OPT_CPU_ONLY,
		OPT_TRACK_EVERY,
		OPT_SAMPLE_EVERY,
		OPT_VERIFY,
		OPT_VERIFY_LOOP,
		OPT_OVERHEAD,
		OPT_EXACT,
		OPT_ATTACH
	};
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "unwind", required_argument, NULL, OPT_UNWIND },
		{ "stack-size", required_argument, NULL, OPT_STACK_SIZE },
		{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
		{ "cpu-freq", required_argument, NULL, 'F' },
		{ "cpu-only", no_argument, NULL, OPT_CPU_ONLY },
		{ "track-every", required_argument, NULL, OPT_TRACK_EVERY },
		{ "sample-every", required_argument, NULL, OPT_SAMPLE_EVERY },
		{ "verify", required_argument, NULL, OPT_VERIFY },
		{ "verify-loop", required_argument, NULL, OPT_VERIFY_LOOP },
		{ "overhead", required_argument, NULL, OPT_OVERHEAD },
		{ "exact", no_argument, NULL, OPT_EXACT },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->output = "arenaprof.db";
	o->stack_mode = AP_STACK_SNAPSHOT;
	o->snapshot_bytes = 8192;
	o->ring_bytes = 64u << 20;
	o->cpu_freq = 499;
	o->track_every = 0;
	o->sample_every = 1;
	o->overhead = 0.02;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:o:fd:qF:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_uint(optarg, 0x7fffffff, &v) || v == 0)
				return usage_error("not a process id", optarg);
			o->pid = (pid_t)v;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			o->overwrite = 1;
			break;
		case 'd':
			o->duration_s = strtod(optarg, &end);
			if (*end || !(o->duration_s > 0))
				return usage_error("not a positive number of seconds", optarg);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'F':
			if (parse_uint(optarg, 100000, &v))
				return usage_error("-F takes 0 to 100000 samples per second",
						   optarg);
			o->cpu_freq = (unsigned int)v;
			break;
		case OPT_UNWIND:
			if (!strcmp(optarg, "dwarf"))
				o->stack_mode = AP_STACK_SNAPSHOT;
			else if (!strcmp(optarg, "fp"))
				o->stack_mode = AP_STACK_FP;
			else
				return usage_error("--unwind takes dwarf or fp", optarg);
			break;
		case OPT_STACK_SIZE:
			if (parse_uint(optarg, AP_SNAPSHOT_MAX, &v) || v < 64)
				return usage_error("--stack-size takes 64 to 16384 bytes", optarg);
			o->snapshot_bytes = (uint32_t)v;
			break;
		case OPT_RING_SIZE:
			if (parse_uint(optarg, 1024, &v) || !v || (v & (v - 1)))
				return usage_error(
					"--ring-size takes a power of two of MiB up to 1024",
					optarg);
			o->ring_bytes = (uint32_t)(v << 20);
			break;
		case OPT_OVERHEAD:
			o->overhead = strtod(optarg, &end) / 100;
			if ((*end && strcmp(end, "%")) || !(o->overhead > 0) || o->overhead > 1)
				return usage_error(
					"--overhead takes a percentage above 0 up to 100", optarg);
			o->overhead_given = 1;
			break;
		case OPT_EXACT:
			o->exact = 1;
			break;
		case OPT_ATTACH:
			if (!strcmp(optarg, "auto"))
				o->attach = AP_ATTACH_AUTO;
			else if (!strcmp(optarg, "multi"))
				o->attach = AP_ATTACH_MULTI;
			else if (!strcmp(optarg, "perf"))
				o->attach = AP_ATTACH_PERF;
			else
				return usage_error("--attach takes auto, multi or perf", optarg);
			break;
		case OPT_CPU_ONLY:
			o->cpu_only = 1;
			break;
		case OPT_VERIFY:
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
				if (o->nverify == 16)
					return usage_error("--verify takes at most 16 functions",
							   NULL);
				o->verify[o->nverify++] = tok;
			}
			break;
		case OPT_VERIFY_LOOP:
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
				if (o->nloops == 16)
					return usage_error("--verify-loop takes at most 16 loops",
							   NULL);
				if (split_loop(tok, &o->loop_fn[o->nloops],
					       &o->loop_call[o->nloops]))
					return usage_error("--verify-loop takes F:A (the function "
							   "holding the loop : the call starting "
							   "an iteration)",
							   tok);
				o->nloops++;
			}
			break;
		case OPT_TRACK_EVERY:
			if (parse_uint(optarg, 1u << 30, &v))
				return usage_error("--track-every takes a number (0: none)",
						   optarg);
			o->track_every = (unsigned int)v;
			o->track_given = 1;
			break;
		case OPT_SAMPLE_EVERY:
			if (parse_uint(optarg, 1u << 20, &v) || v == 0)
				return usage_error(
					"--sample-every takes a number from 1 to 1048576", optarg);
			o->sample_every = (unsigned int)v;
			break;
		case 'h':
			record_usage();
			exit(0);
		default:
			return usage_error("bad option", NULL);
		}
	}
	if (optind < argc)
		o->command = &argv[optind]; /* like perf, "--" may be left out */
	if (o->exact && o->overhead_given)
		return usage_error("--exact and --overhead exclude each other", NULL);
	if ((o->nverify || o->nloops) && o->overhead_given)
		return usage_error("--verify probes every call: it cannot keep an --overhead",
				   NULL);
	if (o->nverify + o->nloops > 16)
		return usage_error("--verify and --verify-loop take at most 16 in all", NULL);
	for (int i = 0; i < o->nloops; i++)
		for (int j = 0; j < o->nverify; j++)
			if (!strcmp(o->loop_call[i], o->verify[j]))
				return usage_error(
					"a loop's call cannot also be a --verify function "
					"(its iterations would nest in its calls)",
					o->verify[j]);
	if (o->nverify || o->nloops)
		o->exact = 1;
	if (!o->track_given)
		o->track_every = o->exact ? 64 : 1; /* windowed: a cohort follows all it records */
	if ((o->nverify || o->nloops) && (o->cpu_only || !o->track_every))
		return usage_error(
			"--verify needs object lifetimes (--track-every > 0, not --cpu-only)",
			NULL);
	if (o->cpu_only && !o->cpu_freq)
		return usage_error("--cpu-only needs CPU sampling (-F > 0)", NULL);
	if (!o->pid == !o->command)
		return usage_error(o->pid ? "give either -p PID or -- COMMAND, not both" :
					    "give -p PID or -- COMMAND",
				   NULL);
	return 0;
}
