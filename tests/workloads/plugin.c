/* plugin.c: a shared library the dlopen workload loads after the profiler attached; its
 * allocations must be symbolized. The SITE_PLUGIN line is the call site. */
#include <stdlib.h>

__attribute__((noinline)) static void *plugin_alloc(size_t n)
{
	void *p = malloc(n); /* SITE_PLUGIN */

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

long plugin_work(int n)
{
	long sum = 0;

	for (int i = 0; i < n; i++) {
		char *p = plugin_alloc(24);

		p[0] = (char)i;
		sum += p[0];
		free(p);
	}
	return sum;
}
