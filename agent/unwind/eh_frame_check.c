/* eh_frame_check.c: checks .eh_frame records before libunwind interprets them (see
 * eh_frame_check.h). Formats: the LSB Core spec (10.6, .eh_frame and pointer encodings) and DWARF
 * 4 (6.4.2 call frame instructions, 2.5 expressions). Registers are DWARF x86-64 numbers; where
 * libunwind 1.6 indexes its state of registers 0-16 without a check, only those pass. The record
 * structure, every operand's size, the operations libunwind knows and the expressions are
 * checked (libunwind 1.6: src/dwarf/Gparser.c, Gexpr.c). */
#include "eh_frame_check.h"

#define MAX_REG 16
#define MAX_STATES 64 /* DW_CFA_remember_state nesting */
#define MAX_EXPR_DEPTH 64

/* DW_EH_PE_* pointer encodings. */
#define PE_OMIT 0xff
#define PE_FORMAT 0x0f
#define PE_APP 0x70
#define PE_INDIRECT 0x80

struct cur {
	const uint8_t *p, *end;
};

static int get_u8(struct cur *c, uint8_t *v)
{
	if (c->p >= c->end)
		return -1;
	*v = *c->p++;
	return 0;
}

static int skip(struct cur *c, uint64_t n)
{
	if (n > (uint64_t)(c->end - c->p))
		return -1;
	c->p += n;
	return 0;
}

static int get_u32(struct cur *c, uint32_t *v)
{
	if (c->end - c->p < 4)
		return -1;
	*v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 |
	     (uint32_t)c->p[3] << 24;
	c->p += 4;
	return 0;
}

/* LEB128, at most 10 bytes (64 bits); the value is only needed for sizes and registers. */
static int get_leb(struct cur *c, uint64_t *v)
{
	uint8_t b;

	*v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (get_u8(c, &b))
			return -1;
		if (shift < 64)
			*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* A register operand libunwind checks itself (an FDE naming, say, an xmm register fails there,
 * cleanly: libffi and libmvec do). */
static int skip_reg(struct cur *c)
{
	uint64_t r;

	return get_leb(c, &r);
}

/* A register operand libunwind uses as an index without a check (the second operand of
 * DW_CFA_register, the return address column). */
static int get_reg(struct cur *c)
{
	uint64_t r;

	return get_leb(c, &r) || r > MAX_REG ? -1 : 0;
}

/* An encoded pointer's format is one libunwind reads; allow_indirect for the personality. */
static int encoding_ok(uint8_t enc, int allow_indirect)
{
	uint8_t app = enc & PE_APP;

	if (enc == PE_OMIT)
		return 1;
	if ((enc & PE_INDIRECT) && !allow_indirect)
		return 0;
	if (app != 0x00 && app != 0x10 && app != 0x30) /* absolute, pcrel, datarel */
		return 0;
	switch (enc & PE_FORMAT) {
	case 0x00:
	case 0x01:
	case 0x02:
	case 0x03:
	case 0x04:
	case 0x09:
	case 0x0a:
	case 0x0b:
	case 0x0c:
		return 1;
	default:
		return 0;
	}
}

static int skip_encoded(struct cur *c, uint8_t enc)
{
	uint64_t v;

	if (enc == PE_OMIT)
		return 0;
	switch (enc & PE_FORMAT) {
	case 0x00:
	case 0x04:
	case 0x0c:
		return skip(c, 8);
	case 0x02:
	case 0x0a:
		return skip(c, 2);
	case 0x03:
	case 0x0b:
		return skip(c, 4);
	case 0x01:
	case 0x09:
		return get_leb(c, &v);
	default:
		return -1;
	}
}

/* A DWARF expression of len bytes: only stack and arithmetic operations, registers 0-16, no
 * jumps, no division, checked for stack underflow and depth; depth values are on the stack at the
 * start (DW_CFA_expression pushes the CFA first). */
static int check_expr(struct cur *c, uint64_t len, int depth)
{
	struct cur e = { c->p, c->p };
	uint64_t v;

	if (skip(c, len))
		return -1;
	e.end = c->p;
	while (e.p < e.end) {
		uint8_t op;
		int need, delta;

		if (get_u8(&e, &op))
			return -1;
		if ((op >= 0x30 && op <= 0x4f) || (op >= 0x50 && op <= 0x50 + MAX_REG)) {
			need = 0, delta = 1; /* DW_OP_lit0..31, DW_OP_reg0..16 */
		} else if (op >= 0x70 && op <= 0x70 + MAX_REG) {
			if (get_leb(&e, &v)) /* DW_OP_breg0..16 */
				return -1;
			need = 0, delta = 1;
		} else {
			switch (op) {
			case 0x08:
			case 0x09: /* const1u/s */
			case 0x0a:
			case 0x0b: /* const2u/s */
			case 0x0c:
			case 0x0d: /* const4u/s */
			case 0x0e:
			case 0x0f: /* const8u/s */
				if (skip(&e, 1u << ((op - 0x08) / 2)))
					return -1;
				need = 0, delta = 1;
				break;
			case 0x10:
			case 0x11: /* constu, consts */
				if (get_leb(&e, &v))
					return -1;
				need = 0, delta = 1;
				break;
			case 0x06: /* deref */
				need = 1, delta = 0;
				break;
			case 0x12: /* dup */
				need = 1, delta = 1;
				break;
			case 0x13: /* drop */
				need = 1, delta = -1;
				break;
			case 0x14: /* over */
				need = 2, delta = 1;
				break;
			case 0x16: /* swap */
				need = 2, delta = 0;
				break;
			case 0x17: /* rot */
				need = 3, delta = 0;
				break;
			case 0x1f:
			case 0x20: /* neg, not */
				need = 1, delta = 0;
				break;
			case 0x23: /* plus_uconst */
				if (get_leb(&e, &v))
					return -1;
				need = 1, delta = 0;
				break;
			case 0x1a:
			case 0x1c:
			case 0x1e: /* and, minus, mul */
			case 0x21:
			case 0x22:
			case 0x24: /* or, plus, shl */
			case 0x25:
			case 0x26:
			case 0x27: /* shr, shra, xor */
			case 0x29:
			case 0x2a:
			case 0x2b: /* eq, ge, gt */
			case 0x2c:
			case 0x2d:
			case 0x2e: /* le, lt, ne */
				need = 2, delta = -1;
				break;
			case 0x96: /* nop */
				need = 0, delta = 0;
				break;
			default:
				return -1;
			}
		}
		if (depth < need || depth + delta > MAX_EXPR_DEPTH)
			return -1;
		depth += delta;
	}
	return 0;
}

/* Call frame instructions up to c->end; fde_enc sizes DW_CFA_set_loc's operand. */
static int check_cfi(struct cur *c, uint8_t fde_enc)
{
	int states = 0;
	uint64_t v;

	while (c->p < c->end) {
		uint8_t op, hi;
		int rc = 0;

		get_u8(c, &op);
		hi = op & 0xc0;
		if (hi == 0x40) /* advance_loc */
			continue;
		if (hi == 0x80) { /* offset: register in the low bits (checked by libunwind) */
			if (get_leb(c, &v))
				return -1;
			continue;
		}
		if (hi == 0xc0) /* restore: the same */
			continue;
		switch (op) {
		case 0x00: /* nop */
			break;
		case 0x01: /* set_loc */
			rc = skip_encoded(c, fde_enc);
			break;
		case 0x02: /* advance_loc1, 2, 4 */
			rc = skip(c, 1);
			break;
		case 0x03:
			rc = skip(c, 2);
			break;
		case 0x04:
			rc = skip(c, 4);
			break;
		case 0x05: /* offset_extended */
		case 0x0c: /* def_cfa */
		case 0x11: /* offset_extended_sf */
		case 0x12: /* def_cfa_sf */
		case 0x2f: /* GNU_negative_offset_extended */
			rc = skip_reg(c) || get_leb(c, &v);
			break;
		case 0x06: /* restore_extended */
		case 0x07: /* undefined */
		case 0x08: /* same_value */
		case 0x0d: /* def_cfa_register */
			rc = skip_reg(c);
			break;
		case 0x09: /* register: the second register is not checked by libunwind */
			rc = skip_reg(c) || get_reg(c);
			break;
		case 0x0a: /* remember_state */
			rc = ++states > MAX_STATES;
			break;
		case 0x0b: /* restore_state */
			rc = --states < 0;
			break;
		case 0x0e: /* def_cfa_offset */
		case 0x13: /* def_cfa_offset_sf */
		case 0x2e: /* GNU_args_size */
			rc = get_leb(c, &v);
			break;
		case 0x0f: /* def_cfa_expression */
			rc = get_leb(c, &v) || check_expr(c, v, 0);
			break;
		case 0x10: /* expression */
			rc = skip_reg(c) || get_leb(c, &v) || check_expr(c, v, 1);
			break;
		default:
			return -1;
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* The record at off: its length field, 32-bit form only; *body is what follows it. */
static int record(const struct eh_frame_checker *k, uint64_t off, struct cur *body)
{
	struct cur c;
	uint32_t len;

	if (off >= k->size)
		return -1;
	c.p = k->image + off;
	c.end = k->image + k->size;
	if (get_u32(&c, &len) || len == 0 || len == 0xffffffff || len > (uint64_t)(c.end - c.p))
		return -1;
	body->p = c.p;
	body->end = c.p + len;
	return 0;
}

static int check_cie(struct eh_frame_checker *k, uint64_t off)
{
	struct cur c, aug_data;
	const char *aug;
	uint32_t id;
	uint8_t version, fde_enc = 0x00, enc, ra8;
	uint64_t v, aug_len;
	int has_z = 0;

	if (off == k->last_cie)
		return 0;
	if (record(k, off, &c) || get_u32(&c, &id) || id != 0 || get_u8(&c, &version) ||
	    (version != 1 && version != 3))
		return -1;
	aug = (const char *)c.p;
	while (c.p < c.end && *c.p)
		c.p++;
	if (skip(&c, 1)) /* the terminating NUL */
		return -1;
	if (*aug && *aug != 'z')
		return -1;
	has_z = *aug == 'z';
	if (get_leb(&c, &v) || get_leb(&c, &v)) /* code and data alignment */
		return -1;
	if (version == 1) {
		if (get_u8(&c, &ra8) || ra8 > MAX_REG)
			return -1;
	} else if (get_reg(&c)) {
		return -1;
	}
	if (has_z) {
		if (get_leb(&c, &aug_len) || aug_len > (uint64_t)(c.end - c.p))
			return -1;
		aug_data.p = c.p;
		aug_data.end = c.p + aug_len;
		c.p = aug_data.end;
		for (const char *a = aug + 1; *a; a++) {
			switch (*a) {
			case 'R':
				if (get_u8(&aug_data, &fde_enc) || fde_enc == PE_OMIT ||
				    !encoding_ok(fde_enc, 0))
					return -1;
				break;
			case 'P':
				if (get_u8(&aug_data, &enc) || !encoding_ok(enc, 1) ||
				    skip_encoded(&aug_data, enc))
					return -1;
				break;
			case 'L':
				if (get_u8(&aug_data, &enc) || !encoding_ok(enc, 0))
					return -1;
				break;
			case 'S': /* a signal frame */
				break;
			default:
				return -1;
			}
		}
	}
	if (check_cfi(&c, fde_enc))
		return -1;
	k->last_cie = off;
	k->last_cie_fde_enc = fde_enc;
	k->last_cie_has_z = has_z;
	return 0;
}

void eh_frame_checker_init(struct eh_frame_checker *k, const uint8_t *image, size_t size)
{
	k->image = image;
	k->size = size;
	k->last_cie = UINT64_MAX;
	k->last_cie_fde_enc = 0;
	k->last_cie_has_z = 0;
}

int eh_frame_check_fde(struct eh_frame_checker *k, uint64_t off)
{
	struct cur c;
	uint32_t cie_ptr;
	uint64_t cie, v;

	if (record(k, off, &c) || get_u32(&c, &cie_ptr) || cie_ptr == 0 || cie_ptr > off + 4)
		return -1;
	cie = off + 4 - cie_ptr;
	if (check_cie(k, cie))
		return -1;
	if (skip_encoded(&c, k->last_cie_fde_enc) || /* initial location, then range */
	    skip_encoded(&c, k->last_cie_fde_enc & PE_FORMAT))
		return -1;
	if (k->last_cie_has_z && (get_leb(&c, &v) || skip(&c, v)))
		return -1;
	return check_cfi(&c, k->last_cie_fde_enc);
}
