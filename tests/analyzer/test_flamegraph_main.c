/* test_flamegraph_main.c: flamegraph_cli, the driver of test_flamegraph.py: `flamegraph_cli
 * flamegraph|folded ARGS...` calls cmd_flamegraph / cmd_folded as the arenaprof front end does
 * (no BPF needed). */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "flamegraph") == 0)
		return cmd_flamegraph(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "folded") == 0)
		return cmd_folded(argc - 1, argv + 1);
	fprintf(stderr, "usage: flamegraph_cli flamegraph|folded ARGS...\n");
	return 2;
}
