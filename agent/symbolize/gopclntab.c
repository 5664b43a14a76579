/* gopclntab.c: reading a Go executable's function table from .gopclntab (see gopclntab.h).
 * Layout of Go 1.18+ (runtime/symtab.go, pcHeader): magic 0xfffffff0 (1.18, 1.19) or 0xfffffff1
 * (1.20+), then nfunc, nfiles, textStart and the offsets of the function name table and of the
 * function table; the function table holds nfunc + 1 (entryoff, funcoff) pairs of uint32, entry
 * offsets relative to textStart, the last one the end of the text; each _func starts with its
 * entry offset and the offset of its name in the name table, then the offsets of its pc-value
 * tables: pcfile (a file index in its compile unit's part of cutab, which holds offsets into
 * filetab) and pcln (the line), encoded as (value delta, pc delta) varint pairs. */
#define _GNU_SOURCE
#include "gopclntab.h"

#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#define HDR_BYTES 72

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The section named name, with its header; NULL when absent. */
static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

static int compare_entry(const void *a, const void *b)
{
	const struct go_func *x = a, *y = b;

	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Fills t->v from the table in buf (len bytes, a copy of the section). */
static int parse(const unsigned char *buf, size_t len, uint64_t text_fallback, struct go_pclntab *t)
{
	uint64_t nfunc, text, nameoff, pclnoff;
	uint32_t magic;

	if (len < HDR_BYTES)
		return -EINVAL;
	magic = rd32(buf);
	if (magic != 0xfffffff0 && magic != 0xfffffff1)
		return -ENOTSUP;
	if (buf[7] != 8)
		return -ENOTSUP; /* 64-bit targets only */
	nfunc = rd64(buf + 8);
	text = rd64(buf + 24);
	nameoff = rd64(buf + 32);
	pclnoff = rd64(buf + 64);
	t->magic = magic;
	t->cutab = rd64(buf + 40);
	t->filetab = rd64(buf + 48);
	t->pctab = rd64(buf + 56);
	t->len = len;
	if (!text) /* position-independent: filled in by a relocation */
		text = text_fallback;
	if (nameoff >= len || pclnoff >= len || len - pclnoff < 8 ||
	    nfunc > (len - pclnoff) / 8 - 1)
		return -EINVAL;
	t->v = calloc(nfunc ? nfunc : 1, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	for (uint64_t i = 0; i < nfunc; i++) {
		const unsigned char *ft = buf + pclnoff + 8 * i;
		uint64_t funcoff = pclnoff + rd32(ft + 4);
		uint64_t name;

		if (funcoff + 8 > len)
			return -EINVAL;
		name = nameoff + rd32(buf + funcoff + 4);
		if (name >= len || !memchr(buf + name, '\0', len - name))
			return -EINVAL;
		t->v[t->n].entry = text + rd32(ft);
		t->v[t->n].end = text + rd32(ft + 8);
		t->v[t->n].name = (const char *)buf + name;
		t->v[t->n].funcoff = (uint32_t)funcoff;
		t->n++;
	}
	if (t->n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(t->v, t->n, sizeof(*t->v), compare_entry);
	return 0;
}

int gopclntab_read(Elf *elf, struct go_pclntab *out)
{
	GElf_Shdr sh, text_sh;
	Elf_Scn *scn = find_section(elf, ".gopclntab", &sh);
	uint64_t text = 0;
	Elf_Data *d;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!scn)
		scn = find_section(elf, ".data.rel.ro.gopclntab", &sh);
	if (!scn || sh.sh_type == SHT_NOBITS)
		return -ENOENT;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || d->d_size < HDR_BYTES)
		return -EINVAL;
	if (find_section(elf, ".text", &text_sh))
		text = text_sh.sh_addr;
	out->names = malloc(d->d_size + 1);
	if (!out->names)
		return -ENOMEM;
	memcpy(out->names, d->d_buf, d->d_size);
	out->names[d->d_size] = '\0';
	rc = parse((const unsigned char *)out->names, d->d_size, text, out);
	if (rc)
		gopclntab_free(out);
	return rc;
}

void gopclntab_free(struct go_pclntab *t)
{
	free(t->v);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

const struct go_func *gopclntab_find(const struct go_pclntab *t, uint64_t vaddr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vaddr < t->v[mid].entry)
			hi = mid;
		else if (vaddr >= t->v[mid].end)
			lo = mid + 1;
		else
			return &t->v[mid];
	}
	return NULL;
}

static int read_uvarint(const unsigned char *b, size_t len, size_t *pos, uint32_t *out)
{
	uint32_t v = 0;

	for (int shift = 0; *pos < len && shift < 35; shift += 7) {
		unsigned char c = b[(*pos)++];

		v |= (uint32_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* The value of the pc-value table at offset off (in pctab) for pc, as runtime.pcvalue: starting
 * at -1 and the function's entry, each pair adds a zig-zag value delta and a pc delta; a pair's
 * value holds up to its pc. */
static int pcvalue(const struct go_pclntab *t, uint32_t off, uint64_t entry, uint64_t pc,
		   int32_t *out)
{
	const unsigned char *b = (const unsigned char *)t->names;
	size_t pos = t->pctab + off;
	uint64_t cur = entry;
	int32_t val = -1;

	if (off == 0 || pos >= t->len)
		return -1;
	for (int first = 1;; first = 0) {
		uint32_t uv, pcd;

		if (read_uvarint(b, t->len, &pos, &uv) || (uv == 0 && !first))
			return -1;
		val += (int32_t)((uv & 1) ? ~(uv >> 1) : (uv >> 1));
		if (read_uvarint(b, t->len, &pos, &pcd))
			return -1;
		cur += pcd; /* minLC is 1 on amd64 */
		if (pc < cur) {
			*out = val;
			return 0;
		}
	}
}

int gopclntab_line(const struct go_pclntab *t, const struct go_func *f, uint64_t vaddr,
		   const char **file, int *line)
{
	const unsigned char *b = (const unsigned char *)t->names;
	/* _func: entryOff, nameOff, args, deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset */
	uint64_t fo = f->funcoff;
	uint64_t fileoff, cu_entry;
	int32_t fileno, ln;

	if (fo + 36 > t->len || pcvalue(t, rd32(b + fo + 20), f->entry, vaddr, &fileno) ||
	    fileno < 0 || pcvalue(t, rd32(b + fo + 24), f->entry, vaddr, &ln) || ln <= 0)
		return 0;
	cu_entry = t->cutab + 4 * ((uint64_t)rd32(b + fo + 32) + (uint64_t)fileno);
	if (cu_entry + 4 > t->len)
		return 0;
	fileoff = t->filetab + rd32(b + cu_entry);
	if (fileoff >= t->len || !memchr(b + fileoff, '\0', t->len - fileoff))
		return 0;
	*file = (const char *)b + fileoff;
	*line = ln;
	return 1;
}

const struct go_func *gopclntab_by_name(const struct go_pclntab *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}
