/* pprof_enc.c: the protocol buffers wire format encoder (see pprof_enc.h). Nested messages are
 * written in place: pb_begin leaves the length out, pb_end moves the message's bytes up by the
 * size of its length varint and writes the length there. */
#define _POSIX_C_SOURCE 200809L
#include "pprof_enc.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

void pb_init(struct pb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void pb_free(struct pb_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void reserve(struct pb_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;

	if (b->len + n <= b->cap)
		return;
	while (cap < b->len + n)
		cap *= 2;
	b->p = an_realloc(b->p, cap);
	b->cap = cap;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p = (uint8_t)v;
}

void pb_varint(struct pb_buf *b, uint64_t v)
{
	size_t n = varint_len(v);

	reserve(b, n);
	put_varint(b->p + b->len, v);
	b->len += n;
}

void pb_key(struct pb_buf *b, uint32_t field, unsigned wire_type)
{
	pb_varint(b, (uint64_t)field << 3 | wire_type);
}

void pb_uint64(struct pb_buf *b, uint32_t field, uint64_t v)
{
	if (v == 0)
		return;
	pb_key(b, field, WIRE_VARINT);
	pb_varint(b, v);
}

void pb_int64(struct pb_buf *b, uint32_t field, int64_t v)
{
	pb_uint64(b, field, (uint64_t)v);
}

void pb_bool(struct pb_buf *b, uint32_t field, int v)
{
	pb_uint64(b, field, v ? 1 : 0);
}

void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len)
{
	pb_key(b, field, WIRE_LEN);
	pb_varint(b, len);
	reserve(b, len);
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

void pb_packed_uint64(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n)
{
	size_t i, len = 0;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		len += varint_len(v[i]);
	pb_key(b, field, WIRE_LEN);
	pb_varint(b, len);
	for (i = 0; i < n; i++)
		pb_varint(b, v[i]);
}

void pb_packed_int64(struct pb_buf *b, uint32_t field, const int64_t *v, size_t n)
{
	size_t i, len = 0;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		len += varint_len((uint64_t)v[i]);
	pb_key(b, field, WIRE_LEN);
	pb_varint(b, len);
	for (i = 0; i < n; i++)
		pb_varint(b, (uint64_t)v[i]);
}

size_t pb_begin(struct pb_buf *b, uint32_t field)
{
	pb_key(b, field, WIRE_LEN);
	return b->len;
}

void pb_end(struct pb_buf *b, size_t mark)
{
	size_t len = b->len - mark, n = varint_len(len);

	reserve(b, n);
	memmove(b->p + mark + n, b->p + mark, len);
	put_varint(b->p + mark, len);
	b->len += n;
}
