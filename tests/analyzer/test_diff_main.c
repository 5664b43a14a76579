/* test_diff_main.c: diff_cli, the test driver of test_diff.py: `diff_cli diff ARGS...` calls
 * cmd_diff as the arenaprof front end does, without the agent or BPF. */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "diff") == 0)
		return cmd_diff(argc - 1, argv + 1);
	fprintf(stderr, "usage: diff_cli diff ARGS...\n");
	return 2;
}
