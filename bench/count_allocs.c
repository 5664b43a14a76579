/* count_allocs.c: an LD_PRELOAD shim for bench/count_estimates.py that counts a program's
 * allocation calls (malloc, calloc, realloc, posix_memalign, aligned_alloc) and prints
 * "allocation calls: N" on stderr at exit: the planted truth for the demo service, without
 * --exact's probes (which slow it some 10x). Calls made inside glibc are not seen. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t nmemb, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_ullong calls;

void *malloc(size_t size)
{
	atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	return __libc_malloc(size);
}

void *calloc(size_t nmemb, size_t size)
{
	atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	return __libc_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size)
{
	atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	return __libc_realloc(ptr, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
	atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	*out = __libc_memalign(alignment, size);
	return *out ? 0 : 12; /* ENOMEM */
}

void *aligned_alloc(size_t alignment, size_t size)
{
	atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	return __libc_memalign(alignment, size);
}

__attribute__((destructor)) static void report_calls(void)
{
	fprintf(stderr, "allocation calls: %llu\n", (unsigned long long)atomic_load(&calls));
}
