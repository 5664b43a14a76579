/* test_profile_meta.c: unit test of schema/profile_meta.h, the meta keys both sides use: every
 * key's name maps back to the key and is documented in schema/README.md's meta table, names are
 * unique, an unknown name is no key, and INT values parse only when they are whole numbers in
 * range. Usage: test_profile_meta schema/README.md */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_meta.h"

static int failures;

static void check(int ok, const char *what, const char *detail)
{
	if (!ok) {
		fprintf(stderr, "FAIL %s: %s\n", what, detail);
		failures++;
	}
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_keys(const char *readme)
{
	char quoted[96];
	int k, j;

	for (k = 0; k < AP_META_N; k++) {
		const char *name = ap_meta_name((enum ap_meta_key)k);

		check(name && *name, "name", "a key without a name");
		check(ap_meta_lookup(name) == (enum ap_meta_key)k, "lookup", name);
		for (j = 0; j < k; j++)
			check(strcmp(name, ap_meta_name((enum ap_meta_key)j)) != 0, "unique", name);
		/* documented as a row of the meta table: "| `name`" or ", `name`" */
		snprintf(quoted, sizeof(quoted), "`%s`", name);
		check(strstr(readme, quoted) != NULL, "documented in schema/README.md", name);
	}
	check(ap_meta_lookup("no_such_key") == AP_META_N, "lookup", "no_such_key is a key");
	check(ap_meta_lookup("") == AP_META_N, "lookup", "the empty name is a key");
	check(ap_meta_type(AP_META_PID) == AP_META_INT, "type", "pid is not INT");
	check(ap_meta_type(AP_META_COMMAND) == AP_META_TEXT, "type", "command is not TEXT");
	check(ap_meta_type(AP_META_OVERHEAD_BUDGET) == AP_META_REAL, "type",
	      "overhead_budget is not REAL");
}

static void test_parse_int(void)
{
	static const struct {
		const char *text;
		int rc;
		long long v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "42", 0, 42 },
		{ "-7", 0, -7 },
		{ "9223372036854775807", 0, 9223372036854775807LL },
		{ "9223372036854775808", -1, 0 }, /* out of range */
		{ "", -1, 0 },
		{ "12x", -1, 0 },
		{ "1.5", -1, 0 },
		{ "x", -1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = 0;
		int rc = ap_meta_parse_int(cases[i].text, &v);

		check(rc == cases[i].rc, "parse_int result", cases[i].text);
		if (rc == 0 && cases[i].rc == 0)
			check(v == cases[i].v, "parse_int value", cases[i].text);
	}
}

int main(int argc, char **argv)
{
	char *readme = argc == 2 ? read_file(argv[1]) : NULL;

	if (!readme) {
		fprintf(stderr, "usage: test_profile_meta schema/README.md (readable)\n");
		return 2;
	}
	test_keys(readme);
	test_parse_int();
	free(readme);
	if (failures)
		return 1;
	printf("ok   %d meta keys\n", (int)AP_META_N);
	return 0;
}
