/* gopclntab.h: the function table of a Go executable from its .gopclntab section (Go 1.18 and
 * later): every function's entry address, end, name, and the source line of any address in it. Present even in binaries linked with
 * -ldflags='-s -w' (no .symtab, no DWARF): the Go runtime needs it for its own tracebacks. */
#ifndef ARENAPROF_GOPCLNTAB_H
#define ARENAPROF_GOPCLNTAB_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

struct go_func {
	uint64_t entry; /* link-time virtual address of the first instruction */
	uint64_t end; /* one past the last */
	const char *name; /* "runtime.mallocgc", "main.(*Cache).put" */
	uint32_t funcoff; /* its _func record in the table */
};

struct go_pclntab {
	struct go_func *v; /* sorted by entry */
	size_t n;
	char *names; /* the section's copy the names point into */
	size_t len; /* of that copy */
	uint32_t magic;
	uint64_t pctab, cutab, filetab; /* offsets of the tables in it */
};

/* Reads the table of an open ELF. 0; -ENOENT without a .gopclntab section; -ENOTSUP for a
 * layout older than Go 1.18; -EINVAL when it is malformed; -ENOMEM. */
int gopclntab_read(Elf *elf, struct go_pclntab *out);
void gopclntab_free(struct go_pclntab *t);

/* The function containing vaddr, or NULL. */
const struct go_func *gopclntab_find(const struct go_pclntab *t, uint64_t vaddr);
/* The source file and line of vaddr inside f, from the function's pc-value tables (pcfile,
 * pcln). 1 when found; *file points into the table. */
int gopclntab_line(const struct go_pclntab *t, const struct go_func *f, uint64_t vaddr,
		   const char **file, int *line);
/* The function of that exact name, or NULL (linear: for a few look-ups at start). */
const struct go_func *gopclntab_by_name(const struct go_pclntab *t, const char *name);

#endif
