/* symbolize_fixture.c: target program for tests/unit/test_symbolize.c, built as a PIE with -O2 -g.
 * It runs call sites whose source lines carry SYMBOLIZE_MARK_* comments, captures their return
 * addresses, and prints "<what> <file offset of return address - 1>" lines computed from
 * /proc/self/maps, i.e. exactly what the agent hands to the symbolizer. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void *fixture_return_address(void);
void fixture_run_cpp(void);
extern void *fixture_cpp_ra;

static volatile uintptr_t fixture_sink;
static void *c_ra, *inline_ra, *static_ra;

__attribute__((noinline, noipa)) void *fixture_return_address(void)
{
	void *ra = __builtin_return_address(0);

	__asm__ volatile("" ::: "memory");
	return ra;
}

__attribute__((noipa)) int fixture_c_function(int x)
{
	void *ra = fixture_return_address(); /* SYMBOLIZE_MARK_C_CALL */

	c_ra = ra;
	return x * 3 + (int)fixture_sink;
}

static inline __attribute__((always_inline)) void *fixture_inlined_helper(int x)
{
	fixture_sink += (uintptr_t)x;
	return fixture_return_address(); /* SYMBOLIZE_MARK_INLINE_INNER */
}

__attribute__((noipa)) int fixture_inline_outer(int x)
{
	void *ra = fixture_inlined_helper(x); /* SYMBOLIZE_MARK_INLINE_CALL */

	inline_ra = ra;
	return x + 2 + (int)fixture_sink;
}

/* Not exported: in the stripped copy only an offset can name it. */
__attribute__((noipa)) static int fixture_static_function(int x)
{
	void *ra = fixture_return_address(); /* SYMBOLIZE_MARK_STATIC_CALL */

	static_ra = ra;
	return x - 1 + (int)fixture_sink;
}

/* File offset of the byte before a return address (inside the call instruction), or -1. */
static int64_t return_address_file_offset(void *ra, char *path, size_t path_size)
{
	uintptr_t addr = (uintptr_t)ra - 1;
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[4096];
	int64_t result = -1;

	while (maps && result < 0 && fgets(line, sizeof(line), maps)) {
		uintptr_t start, end, offset;
		int path_pos = 0;

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %" SCNxPTR " %*s %*s %n", &start,
			   &end, &offset, &path_pos) < 3 ||
		    addr < start || addr >= end)
			continue;
		snprintf(path, path_size, "%s", line + path_pos);
		path[strcspn(path, "\n")] = '\0';
		result = (int64_t)(addr - start + offset);
	}
	if (maps)
		fclose(maps);
	return result;
}

static void print_site(const char *what, void *ra)
{
	char path[4096] = "";
	int64_t offset = return_address_file_offset(ra, path, sizeof(path));

	printf("%s %" PRId64 " %s\n", what, offset, path);
}

int main(void)
{
	int sum = fixture_c_function(1) + fixture_inline_outer(2) + fixture_static_function(3);

	fixture_run_cpp();
	print_site("c", c_ra);
	print_site("inline", inline_ra);
	print_site("static", static_ra);
	print_site("cpp", fixture_cpp_ra);
	return sum == 12345 ? 1 : 0;
}
