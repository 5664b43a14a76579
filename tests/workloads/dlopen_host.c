/* dlopen_host.c: loads a library with dlopen after the profiler attached (after SIGUSR1) and
 * calls its allocating function. Usage: dlopen_host LIBRARY N [--wait] */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include "wait_go.h"

int main(int argc, char **argv)
{
	long (*work)(int);
	void *lib;

	if (argc < 3)
		return 2;
	wait_go_if_asked(argc, argv);
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	work = (long (*)(int))dlsym(lib, "plugin_work");
	if (!work)
		return 1;
	printf("sum=%ld\n", work(atoi(argv[2])));
	return 0;
}
