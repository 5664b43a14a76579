/* arenaprof.c: the command-line front: dispatches to record (agent) and to the analyzer's
 * commands. */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "record.h"
#include "try_cmd.h"

static void usage(FILE *out)
{
	fputs("usage: arenaprof <command> [options]\n"
	      "commands:\n"
	      "  record   attach to a process (-p PID) or start one (-- CMD) and write a profile\n"
	      "  report   call sites ranked by allocation count (--json for scripts)\n"
	      "  folded   folded stacks for flamegraph.pl, inferno, speedscope\n"
	      "  diff     compare two profiles (before/after a change) per call site (--json)\n"
	      "  pprof    gzipped pprof profile (go tool pprof, Pyroscope, Parca, Grafana)\n"
	      "  merge    combine profiles of one program from several runs or hosts (-o OUT.db)\n"
	      "  flamegraph  interactive SVG flame graph (-o FILE.svg)\n"
	      "  html     the report as one self-contained HTML page with flame graphs (-o FILE)\n"
	      "  try      run a command plainly and with a candidate's sites in arena memory\n"
	      "  help     this text; 'arenaprof <command> --help' for a command's options\n"
	      "examples:\n"
	      "  sudo arenaprof record -p 1234 -d 10 -o app.db\n"
	      "  arenaprof report app.db\n"
	      "  arenaprof folded app.db > app.folded\n"
	      "  arenaprof diff before.db after.db\n"
	      "  arenaprof pprof app.db -o app.pb.gz\n"
	      "  arenaprof html app.db -o report.html\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "folded"))
		return cmd_folded(argc - 1, argv + 1);
	if (!strcmp(cmd, "diff"))
		return cmd_diff(argc - 1, argv + 1);
	if (!strcmp(cmd, "pprof"))
		return cmd_pprof(argc - 1, argv + 1);
	if (!strcmp(cmd, "flamegraph"))
		return cmd_flamegraph(argc - 1, argv + 1);
	if (!strcmp(cmd, "html"))
		return cmd_html(argc - 1, argv + 1);
	if (!strcmp(cmd, "try"))
		return cmd_try(argc - 1, argv + 1);
	if (!strcmp(cmd, "merge"))
		return cmd_merge(argc - 1, argv + 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("arenaprof %s\n", ARENAPROF_VERSION);
		return 0;
	}
	if (!cmd[0])
		usage(stderr);
	else
		fprintf(stderr, "arenaprof: unknown command '%s' (see arenaprof help)\n", cmd);
	return 2;
}
