/* alloc_shim.c: an interposing allocator for tests (LD_PRELOAD it): malloc, calloc, realloc and
 * free are defined here and forward to glibc; posix_memalign and aligned_alloc stay glibc's. The
 * agent must probe each function where the process really gets it from. shim_semaphore gives
 * the tests a writable word of this file for a uprobe reference counter. */
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t nmemb, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);

__attribute__((section(".data"))) unsigned short shim_semaphore;

void *malloc(size_t size)
{
	return __libc_malloc(size);
}

void *calloc(size_t nmemb, size_t size)
{
	return __libc_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size)
{
	return __libc_realloc(ptr, size);
}

void free(void *ptr)
{
	__libc_free(ptr);
}
