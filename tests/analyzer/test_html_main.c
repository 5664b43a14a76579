/* test_html_main.c: html_cli, the driver of test_html.py and test_html_browser.py: `html_cli
 * html|report|flamegraph ARGS...` calls cmd_html / cmd_report / cmd_flamegraph as the arenaprof
 * front end does (no BPF needed). */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "html") == 0)
		return cmd_html(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "flamegraph") == 0)
		return cmd_flamegraph(argc - 1, argv + 1);
	fprintf(stderr, "usage: html_cli html|report|flamegraph ARGS...\n");
	return 2;
}
