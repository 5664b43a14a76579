/* wrapped.c: a workload that allocates through its own xmalloc-style wrapper, as real C programs
 * do, for the wrapper-folding test (tests/agent/test_wrappers.py). Usage: wrapped N [--wait]
 * N requests; each (handle_request) allocates through app_alloc (a wrapper the analyzer does not
 * know by name: it must detect it) in parse_header and add_field, through app_strdup -> app_alloc
 * (a chain) in make_token, make_key and make_path, and through libc's strdup in copy_name, sizes
 * varying with the
 * request; everything is freed before the request returns. The lines marked SITE_x are the call
 * sites the report must show. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wait_go.h"

#define NOINLINE __attribute__((noinline, noipa))

NOINLINE static void *app_alloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	return p;
}

NOINLINE static char *app_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = app_alloc(n);

	memcpy(p, s, n);
	return p;
}

NOINLINE static char *parse_header(long r)
{
	char *h = app_alloc(32 + (size_t)(r % 16)); /* SITE_HEADER */

	h[0] = (char)r;
	return h;
}

NOINLINE static char *add_field(long r)
{
	char *f = app_alloc(64 + (size_t)(r % 8) * 8); /* SITE_FIELD */

	f[0] = (char)r;
	return f;
}

NOINLINE static char *make_token(long r)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "token-%ld-%s", r, r % 2 ? "odd" : "even");
	return app_strdup(buf); /* SITE_TOKEN */
}

NOINLINE static char *make_key(long r)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "k%ld", r % 1000);
	return app_strdup(buf); /* SITE_KEY */
}

NOINLINE static char *make_path(long r)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "/var/lib/app/%ld/%ld", r % 10, r);
	return app_strdup(buf); /* SITE_PATH */
}

NOINLINE static char *copy_name(long r)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "name%ld", r * 7);
	return strdup(buf); /* SITE_NAME */
}

NOINLINE static long handle_request(long r)
{
	char *h = parse_header(r), *f = add_field(r), *t = make_token(r), *n = copy_name(r);
	char *k = make_key(r), *p = make_path(r);
	long sum = h[0] + f[0] + t[0] + n[0] + k[0] + p[0];

	free(p);
	free(k);
	free(n);
	free(t);
	free(f);
	free(h);
	__asm__ volatile("" : "+r"(sum) : : "memory"); /* no tail call: keep this frame */
	return sum;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, sum = 0;

	if (argc < 2)
		return 2;
	wait_go_if_asked(argc, argv);
	for (long r = 0; r < n; r++)
		sum += handle_request(r);
	printf("sum=%ld\n", sum);
	return 0;
}
