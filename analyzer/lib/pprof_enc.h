/* pprof_enc.h: a minimal protocol buffers encoder (wire format only), enough to write pprof's
 * profile.proto: varints, int64/uint64/bool fields, length-delimited fields (strings, nested
 * messages) and packed repeated varints. The buffer grows as needed (out of memory exits, as
 * an_util.h does). */
#ifndef ARENAPROF_PPROF_ENC_H
#define ARENAPROF_PPROF_ENC_H

#include <stddef.h>
#include <stdint.h>

struct pb_buf {
	uint8_t *p;
	size_t len, cap;
};

void pb_init(struct pb_buf *b);
void pb_free(struct pb_buf *b);

/* Raw wire pieces. */
void pb_varint(struct pb_buf *b, uint64_t v);
void pb_key(struct pb_buf *b, uint32_t field, unsigned wire_type);

/* Scalar fields (wire type 0). Zero is the default of proto3 and is not written. int64 values
 * are encoded as their two's complement (negative numbers take 10 bytes), as protobuf does. */
void pb_uint64(struct pb_buf *b, uint32_t field, uint64_t v);
void pb_int64(struct pb_buf *b, uint32_t field, int64_t v);
void pb_bool(struct pb_buf *b, uint32_t field, int v);

/* Length-delimited field (wire type 2): a string or bytes; always written, even when empty
 * (a repeated string such as the string table needs its empty entries). */
void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);

/* Packed repeated varints: one length-delimited field; nothing when n is 0. */
void pb_packed_uint64(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n);
void pb_packed_int64(struct pb_buf *b, uint32_t field, const int64_t *v, size_t n);

/* A nested message: pb_begin writes the key and returns a mark, the message's fields follow,
 * pb_end writes the length in front of them. Marks nest (innermost ended first). */
size_t pb_begin(struct pb_buf *b, uint32_t field);
void pb_end(struct pb_buf *b, size_t mark);

#endif
