/* test_pprof_enc.c: unit test of the protobuf encoder (analyzer/lib/pprof_enc.c): every piece of the
 * wire format against bytes worked out by hand from the protobuf encoding rules, and
 * pprof_cpu_nanos' rounding and overflow checks. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pprof_enc.h"
#include "pprof_samples.h"

static int failures;

static void expect(const char *what, const struct pb_buf *b, const uint8_t *want, size_t n)
{
	size_t i;

	if (b->len == n && memcmp(b->p, want, n) == 0)
		return;
	failures++;
	fprintf(stderr, "FAIL %s: got", what);
	for (i = 0; i < b->len; i++)
		fprintf(stderr, " %02x", b->p[i]);
	fprintf(stderr, ", expected");
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", want[i]);
	fputc('\n', stderr);
}

#define EXPECT(what, b, ...)                                    \
	do {                                                    \
		static const uint8_t want_[] = { __VA_ARGS__ }; \
		expect(what, b, want_, sizeof(want_));          \
	} while (0)

static void varints(void)
{
	struct pb_buf b;

	pb_init(&b);
	pb_varint(&b, 0);
	EXPECT("varint 0", &b, 0x00);
	b.len = 0;
	pb_varint(&b, 1);
	EXPECT("varint 1", &b, 0x01);
	b.len = 0;
	pb_varint(&b, 127);
	EXPECT("varint 127", &b, 0x7f);
	b.len = 0;
	pb_varint(&b, 128);
	EXPECT("varint 128", &b, 0x80, 0x01);
	b.len = 0;
	pb_varint(&b, 300);
	EXPECT("varint 300", &b, 0xac, 0x02);
	b.len = 0;
	pb_varint(&b, UINT64_MAX);
	EXPECT("varint 2^64-1", &b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
	pb_free(&b);
}

static void fields(void)
{
	struct pb_buf b;

	pb_init(&b);
	pb_uint64(&b, 1, 150); /* the protobuf documentation's example */
	EXPECT("uint64 field 1 = 150", &b, 0x08, 0x96, 0x01);
	b.len = 0;
	pb_uint64(&b, 3, 0);
	pb_int64(&b, 4, 0);
	pb_bool(&b, 5, 0);
	EXPECT("zero values are not written", &b);
	b.len = 0;
	pb_int64(&b, 2, -1); /* two's complement: 10 bytes */
	EXPECT("int64 -1", &b, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
	b.len = 0;
	pb_bool(&b, 10, 7);
	EXPECT("bool field 10", &b, 0x50, 0x01);
	b.len = 0;
	pb_uint64(&b, 16, 1); /* field 16: a two-byte key */
	EXPECT("field 16", &b, 0x80, 0x01, 0x01);
	b.len = 0;
	pb_bytes(&b, 6, "testing", 7);
	pb_bytes(&b, 6, "", 0); /* empty strings are written (the string table's first entry) */
	EXPECT("strings", &b, 0x32, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g', 0x32, 0x00);
	pb_free(&b);
}

static void packed(void)
{
	static const uint64_t u[] = { 3, 270, 86942 };
	static const int64_t s[] = { 1, -1 };
	struct pb_buf b;

	pb_init(&b);
	pb_packed_uint64(&b, 4, u, 3); /* the protobuf documentation's example */
	EXPECT("packed uint64", &b, 0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05);
	b.len = 0;
	pb_packed_int64(&b, 2, s, 2);
	EXPECT("packed int64", &b, 0x12, 0x0b, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	       0xff, 0x01);
	b.len = 0;
	pb_packed_uint64(&b, 1, u, 0);
	EXPECT("packed, empty: nothing", &b);
	pb_free(&b);
}

static void nested(void)
{
	struct pb_buf b;
	size_t outer, inner, i;
	char big[200];

	pb_init(&b);
	outer = pb_begin(&b, 3);
	pb_uint64(&b, 1, 150);
	inner = pb_begin(&b, 4);
	pb_uint64(&b, 1, 2);
	pb_end(&b, inner);
	pb_end(&b, outer);
	EXPECT("nested", &b, 0x1a, 0x07, 0x08, 0x96, 0x01, 0x22, 0x02, 0x08, 0x02);
	b.len = 0;
	outer = pb_begin(&b, 1);
	pb_end(&b, outer);
	EXPECT("empty message", &b, 0x0a, 0x00);

	/* a message longer than 127 bytes: a two-byte length, its bytes moved up */
	memset(big, 'x', sizeof(big));
	b.len = 0;
	outer = pb_begin(&b, 2);
	pb_bytes(&b, 1, big, sizeof(big)); /* 0x0a 0xc8 0x01 + 200 bytes = 203 */
	pb_end(&b, outer);
	if (b.len != 1 + 2 + 203 || b.p[0] != 0x12 || b.p[1] != 0xcb || b.p[2] != 0x01 ||
	    b.p[3] != 0x0a || b.p[4] != 0xc8 || b.p[5] != 0x01) {
		failures++;
		fprintf(stderr, "FAIL long nested message: len %zu\n", b.len);
	}
	for (i = 6; i < b.len; i++)
		if (b.p[i] != 'x') {
			failures++;
			fprintf(stderr, "FAIL long nested message: byte %zu\n", i);
			break;
		}
	/* growth past the initial capacity keeps earlier bytes */
	b.len = 0;
	for (i = 0; i < 100000; i++)
		pb_varint(&b, 300);
	for (i = 0; i < b.len; i += 2)
		if (b.p[i] != 0xac || b.p[i + 1] != 0x02) {
			failures++;
			fprintf(stderr, "FAIL growth at %zu\n", i);
			break;
		}
	pb_free(&b);
}

static void cpu_nanos(void)
{
	static const struct {
		long long samples, freq, ns;
		int rc;
	} cases[] = {
		{ 1, 100, 10000000, 0 },
		{ 3, 499, 6012024, 0 }, /* 3e9 / 499 = 6012024.04 */
		{ 2, 3, 666666667, 0 }, /* rounded to the nearest */
		{ 0, 499, 0, 0 },
		{ 9223372036854775807LL, 1000000000LL, 9223372036854775807LL, 0 },
		{ 9223372036854775807LL, 100, 0, -1 }, /* overflows */
		{ 1, 0, 0, -1 }, /* no frequency */
		{ 1, -5, 0, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ns = 0;
		int rc = pprof_cpu_nanos(cases[i].samples, cases[i].freq, &ns);

		if (rc != cases[i].rc || (rc == 0 && ns != cases[i].ns)) {
			failures++;
			fprintf(stderr, "FAIL cpu_nanos(%lld, %lld) = %d, %lld\n", cases[i].samples,
				cases[i].freq, rc, (long long)ns);
		}
	}
}

int main(void)
{
	varints();
	fields();
	packed();
	nested();
	cpu_nanos();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
