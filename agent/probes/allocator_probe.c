/* allocator_probe.c: find which mapped object of a process provides each allocator function,
 * and the file offset to probe, from the ELF symbol tables of the objects in /proc/PID/maps. */
#define _GNU_SOURCE
#include "allocator_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AF_NAME_(suffix, symbol, kind) [AF_##suffix] = symbol,
static const char *const func_names[AF_COUNT] = { AP_ALLOC_FUNCS(AF_NAME_) };
#undef AF_NAME_

const char *alloc_func_name(enum alloc_func f)
{
	return f < AF_COUNT ? func_names[f] : "?";
}

static int vaddr_to_file_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int find_in_symtab(Elf *elf, Elf_Scn *scn, const char *name, int local_too, uint64_t *vaddr,
			  uint64_t *size)
{
	GElf_Shdr sh;
	Elf_Data *data;

	if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return -ENOENT;
	data = elf_getdata(scn, NULL);
	if (!data)
		return -ENOENT;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym sym;
		const char *sname;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		if (sym.st_shndx == SHN_UNDEF || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		if (!local_too && GELF_ST_BIND(sym.st_info) != STB_GLOBAL &&
		    GELF_ST_BIND(sym.st_info) != STB_WEAK)
			continue;
		sname = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (sname && !strcmp(sname, name)) {
			*vaddr = sym.st_value;
			*size = sym.st_size;
			return 0;
		}
	}
	return -ENOENT;
}

static int function_offset(const char *path, const char *name, int local_too, uint64_t *file_offset,
			   uint64_t *size)
{
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd, err = -ENOENT;
	uint64_t vaddr;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		if (find_in_symtab(elf, scn, name, local_too, &vaddr, size) == 0) {
			err = vaddr_to_file_offset(elf, vaddr, file_offset);
			if (err == 0)
				break;
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

int elf_function_offset(const char *path, const char *name, uint64_t *file_offset)
{
	uint64_t size;

	return function_offset(path, name, 0, file_offset, &size);
}

static int is_libc(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5);
}

/* The distinct file-backed objects of the process in resolution order: the executable, then
 * every other object in address order, libc last. */
static size_t object_order(pid_t pid, const struct proc_maps *maps, const char **out, size_t max)
{
	char link[64], exe[PATH_MAX];
	ssize_t n;
	size_t count = 0;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < maps->n && count < max; i++) {
			const char *p = maps->v[i].path;
			int dup = 0;

			if (!map_entry_is_file(&maps->v[i]))
				continue;
			if ((pass == 0) != !strcmp(p, exe))
				continue;
			if (pass > 0 && (pass == 2) != is_libc(p))
				continue;
			for (size_t j = 0; j < count && !dup; j++)
				dup = !strcmp(out[j], p);
			if (!dup)
				out[count++] = p;
		}
	}
	return count;
}

/* The first of the objects that defines name, as the dynamic linker would resolve it. */
static void resolve(pid_t pid, const char *const *objs, size_t nobj, const char *name,
		    int local_too, struct alloc_probe *p)
{
	for (size_t i = 0; i < nobj && !p->found; i++) {
		char host[PATH_MAX];

		if (proc_maps_host_path(pid, objs[i], host, sizeof(host)))
			continue;
		if (access(host, R_OK) != 0)
			snprintf(host, sizeof(host), "%s", objs[i]);
		if (function_offset(host, name, local_too, &p->file_offset, &p->size) == 0) {
			p->found = 1;
			snprintf(p->target_path, sizeof(p->target_path), "%s", objs[i]);
			snprintf(p->host_path, sizeof(p->host_path), "%s", host);
		}
	}
}

int function_probe(pid_t pid, const struct proc_maps *maps, const char *name,
		   struct alloc_probe *out, char *err, size_t errlen)
{
	const char *objs[512];
	size_t nobj = object_order(pid, maps, objs, 512);

	memset(out, 0, sizeof(*out));
	out->alias_of = -1;
	resolve(pid, objs, nobj, name, 1, out); /* static functions are scopes too */
	if (!out->found) {
		snprintf(err, errlen, "function %s not found in the symbol tables of process %d",
			 name, (int)pid);
		return -1;
	}
	return 0;
}

/* The operator new and delete functions (their names are mangled C++). */
static int is_cxx_operator(enum alloc_func f)
{
	return !strncmp(func_names[f], "_Z", 2);
}

/* The order to look for the C++ operators in: the executable, then the object that provides
 * malloc, then the others as for malloc. */
static void cxx_order(const char *const *objs, size_t nobj, const char *malloc_obj,
		      const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < nobj; i++)
		if (i == 0 || (malloc_obj && !strcmp(objs[i], malloc_obj)))
			out[n++] = objs[i];
	for (size_t i = 1; i < nobj; i++)
		if (!malloc_obj || strcmp(objs[i], malloc_obj))
			out[n++] = objs[i];
}

int allocator_probe_plan(pid_t pid, const struct proc_maps *maps, struct alloc_probe_plan *plan,
			 char *err, size_t errlen)
{
	const char *objs[512];
	size_t nobj = object_order(pid, maps, objs, 512);
	const char *cxx_objs[512];

	memset(plan, 0, sizeof(*plan));
	for (int f = 0; f < AF_COUNT; f++) {
		struct alloc_probe *p = &plan->f[f];

		p->alias_of = -1;
		if (f == AF_NEW) /* malloc is resolved: the order for the C++ operators */
			cxx_order(objs, nobj,
				  plan->f[AF_MALLOC].found ? plan->f[AF_MALLOC].target_path : NULL,
				  cxx_objs);
		resolve(pid, is_cxx_operator((enum alloc_func)f) ? cxx_objs : objs, nobj,
			func_names[f], 0, p);
		for (int g = 0; g < f && p->found; g++) {
			const struct alloc_probe *q = &plan->f[g];

			if (q->found && q->alias_of < 0 && q->file_offset == p->file_offset &&
			    !strcmp(q->target_path, p->target_path))
				p->alias_of = g;
		}
	}
	if (!plan->f[AF_MALLOC].found || !plan->f[AF_FREE].found) {
		snprintf(
			err, errlen,
			"process %d has no allocator symbols (malloc/free not found in any mapped object)",
			(int)pid);
		return -1;
	}
	return 0;
}
