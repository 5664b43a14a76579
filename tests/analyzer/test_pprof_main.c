/* test_pprof_main.c: pprof_cli, the driver of test_pprof.py: `pprof_cli pprof|report ARGS...`
 * calls cmd_pprof / cmd_report as the arenaprof front end does (no BPF needed). */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pprof") == 0)
		return cmd_pprof(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	fprintf(stderr, "usage: pprof_cli pprof|report ARGS...\n");
	return 2;
}
