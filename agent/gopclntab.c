/* gopclntab.c: reading a Go executable's function table from .gopclntab (see gopclntab.h).
 * Layout of Go 1.18+ (runtime/symtab.go, pcHeader): magic 0xfffffff0 (1.18, 1.19) or 0xfffffff1
 * (1.20+), then nfunc, nfiles, textStart and the offsets of the function name table and of the
 * function table; the function table holds nfunc + 1 (entryoff, funcoff) pairs of uint32, entry
 * offsets relative to textStart, the last one the end of the text; each _func starts with its
 * entry offset and the offset of its name in the name table. */
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
		t->n++;
	}
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

const struct go_func *gopclntab_by_name(const struct go_pclntab *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}
