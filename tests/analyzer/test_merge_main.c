/* test_merge_main.c: merge_cli, the driver of test_merge.py: `merge_cli merge|report|folded ARGS...`
 * calls cmd_merge / cmd_report / cmd_folded as the arenaprof front end does (no BPF needed). */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "merge") == 0)
		return cmd_merge(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "folded") == 0)
		return cmd_folded(argc - 1, argv + 1);
	fprintf(stderr, "usage: merge_cli merge|report|folded ARGS...\n");
	return 2;
}
