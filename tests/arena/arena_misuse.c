/* arena_misuse.c: deliberately misuses an arena so that a memory checker must
 * report it. Run as: arena_misuse ok|reset|destroy|overflow. "ok" is the
 * control (correct use, must exit 0); the other modes touch memory after
 * arena_reset(), after arena_destroy(), or one byte past an allocation.
 * expect_report.cmake runs it under AddressSanitizer or Valgrind. */
#include "arena.h"

#include <stdio.h>
#include <string.h>

/* volatile: the compiler must perform the bad access. */
static int touch(volatile unsigned char *p)
{
	return p[0];
}

static int correct_use(struct arena *a, unsigned char *p)
{
	int v = touch(p);

	arena_destroy(a);
	return v == 0x5A ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "ok";
	struct arena *a = arena_new(0);
	unsigned char *p = arena_alloc(a, 24);
	unsigned char *next = arena_alloc(a, 24);

	if (!a || !p || !next)
		return 3;
	memset(p, 0x5A, 24);
	if (strcmp(mode, "ok") == 0)
		return correct_use(a, p);
	if (strcmp(mode, "reset") == 0) {
		arena_reset(a);
		printf("read %d after reset\n", touch(p));
	} else if (strcmp(mode, "destroy") == 0) {
		arena_destroy(a);
		printf("read %d after destroy\n", touch(p));
		return 0;
	} else if (strcmp(mode, "overflow") == 0) {
		printf("read %d past the end\n", touch(p + 24));
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	arena_destroy(a);
	return 0;
}
