/* test_analyzer_main.c: analyzer_cli, the test driver: `analyzer_cli report|folded ARGS...` calls
 * cmd_report / cmd_folded as the arenaprof front end does; `analyzer_cli json-selftest` writes a
 * JSON document with awkward strings and numbers through json_writer for test_analyzer.py. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "json_writer.h"

static int json_selftest(void)
{
	static const char all_bytes_note[] = "bytes 0x01..0xff, one string";
	/* Each: bytes in, checked by the script against the expected decoded string. */
	static const char *const strings[] = {
		"plain",
		"quote \" backslash \\ slash /",
		"\b\f\n\r\t\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", /* valid 2, 3, 4 byte sequences */
		"bad \xff \xfe end", /* invalid bytes */
		"overlong \xc0\xaf \xe0\x80\xaf", /* overlong '/' */
		"surrogate \xed\xa0\x80", /* U+D800 encoded */
		"too big \xf4\x90\x80\x80", /* above U+10FFFF */
		"truncated \xe2\x82", /* cut 3-byte sequence */
		"stray \x80 continuation",
		"line sep \xe2\x80\xa8 para sep \xe2\x80\xa9",
	};
	unsigned char all[256];
	struct json_writer w;
	size_t i;

	for (i = 1; i < 256; i++)
		all[i - 1] = (unsigned char)i;
	jw_init(&w, stdout, 0);
	jw_begin_object(&w);
	jw_key(&w, "strings");
	jw_begin_array(&w);
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		jw_string(&w, strings[i]);
	jw_end_array(&w);
	jw_key(&w, all_bytes_note);
	jw_string_len(&w, (const char *)all, 255);
	jw_key(&w, "embedded_nul");
	jw_string_len(&w, "a\0b", 3);
	jw_key(&w, "numbers");
	jw_begin_array(&w);
	jw_int(&w, 0);
	jw_int(&w, -1);
	jw_int(&w, 9007199254740993LL);
	jw_double(&w, 0.1);
	jw_double(&w, 1.0 / 3.0);
	jw_double(&w, 1e300);
	jw_double(&w, DBL_MIN);
	jw_double(&w, -2.5);
	jw_double(&w, nan(""));
	jw_double(&w, HUGE_VAL);
	jw_end_array(&w);
	jw_key(&w, "empty_object");
	jw_begin_object(&w);
	jw_end_object(&w);
	jw_key(&w, "empty_array");
	jw_begin_array(&w);
	jw_end_array(&w);
	jw_key(&w, "literals");
	jw_begin_array(&w);
	jw_bool(&w, 1);
	jw_bool(&w, 0);
	jw_null(&w);
	jw_string(&w, NULL);
	jw_end_array(&w);
	jw_end_object(&w);
	if (jw_finish(&w)) {
		fprintf(stderr, "json-selftest: writer reported misuse\n");
		return 1;
	}
	/* Misuse must be reported: a value without a key, unbalanced nesting. */
	jw_init(&w, fopen("/dev/null", "w"), 0);
	if (!w.f)
		return 1;
	jw_begin_object(&w);
	jw_int(&w, 1);
	jw_end_array(&w);
	i = jw_finish(&w) == -1;
	fclose(w.f);
	if (!i) {
		fprintf(stderr, "json-selftest: misuse not detected\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "folded") == 0)
		return cmd_folded(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "json-selftest") == 0)
		return json_selftest();
	fprintf(stderr, "usage: analyzer_cli report|folded ARGS... | json-selftest\n");
	return 2;
}
