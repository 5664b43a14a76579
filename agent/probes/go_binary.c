/* go_binary.c: recognising Go executables and reading what the Go probes need from them (see
 * go_binary.h). Everything comes from .gopclntab, which even `-ldflags='-s -w'` builds keep. */
#define _GNU_SOURCE
#include "go_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char buildinfo_magic[] = "\xff Go buildinf:";

static int has_section(Elf *elf, const char *name, Elf_Data **data)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && strcmp(n, name) == 0) {
			if (data)
				*data = sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL);
			return 1;
		}
	}
	return 0;
}

static int is_go_elf(Elf *elf)
{
	return has_section(elf, ".go.buildinfo", NULL) || has_section(elf, ".gopclntab", NULL) ||
	       has_section(elf, ".note.go.buildid", NULL);
}

static Elf *open_elf(const char *path, int *fd)
{
	Elf *elf;

	elf_version(EV_CURRENT);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(*fd);
		*fd = -1;
		errno = ENOEXEC;
		return NULL;
	}
	return elf;
}

int go_binary_detect(const char *path)
{
	int fd, go;
	Elf *elf = open_elf(path, &fd);

	if (!elf)
		return errno == ENOEXEC ? 0 : -errno;
	go = is_go_elf(elf);
	elf_end(elf);
	close(fd);
	return go;
}

/* The version string of Go 1.18+ build info: after the 32-byte header, a varint length and the
 * string (older layouts point into the data segment: "unknown"). */
static void read_version(Elf *elf, char *out, size_t size)
{
	Elf_Data *d = NULL;
	const unsigned char *b;
	size_t len = 0, i = 32;
	int shift = 0;

	snprintf(out, size, "unknown");
	if (!has_section(elf, ".go.buildinfo", &d) || !d || !d->d_buf || d->d_size < 33)
		return;
	b = d->d_buf;
	if (memcmp(b, buildinfo_magic, sizeof(buildinfo_magic) - 1) || !(b[15] & 2))
		return;
	while (i < d->d_size && shift < 28) {
		len |= (size_t)(b[i] & 0x7f) << shift;
		shift += 7;
		if (!(b[i++] & 0x80))
			break;
	}
	if (len == 0 || len >= size || i + len > d->d_size)
		return;
	memcpy(out, b + i, len);
	out[len] = '\0';
}

/* The executable PT_LOAD segment containing vaddr. */
static int text_segment(Elf *elf, uint64_t vaddr, struct go_binary *gb)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			gb->text_vaddr = ph.p_vaddr;
			gb->text_offset = ph.p_offset;
			return 0;
		}
	}
	return -1;
}

/* The offset of the `jbe` to morestack in the stack-bound check a Go function starts with on
 * amd64: `cmp 0x10(%r14),%rsp`, or for larger frames `lea -N(%rsp),%r12; cmp 0x10(%r14),%r12`.
 * When the goroutine's stack is too small, morestack grows it and runs the function again from
 * its first instruction: a probe there fires twice for one call (seen as ~0.02% extra allocations
 * on a recursive workload). The probe goes on the jbe, and the BPF program counts only when the
 * branch is not taken (from the flags the cmp left). A conditional branch is emulated by the
 * kernel's uprobe code, where the first instruction or the one after the jbe (sub $N,%rsp) is
 * single-stepped out of line: the jbe costs ~35% less time per call. 0 when the code does not
 * start so (then the entry itself is probed). */
static uint64_t stack_check_len(const unsigned char *p, size_t avail)
{
	size_t i = 0;

	if (avail < 16)
		return 0;
	if (p[0] == 0x4c && p[1] == 0x8d && p[2] == 0x64 && p[3] == 0x24)
		i = 5; /* lea disp8(%rsp),%r12 */
	else if (p[0] == 0x4c && p[1] == 0x8d && p[2] == 0xa4 && p[3] == 0x24)
		i = 8; /* lea disp32(%rsp),%r12 */
	if (i == 0 && memcmp(p, "\x49\x3b\x66\x10", 4) == 0)
		i = 4; /* cmp 0x10(%r14),%rsp */
	else if (i && memcmp(p + i, "\x4d\x3b\x66\x10", 4) == 0)
		i += 4; /* cmp 0x10(%r14),%r12 */
	else
		return 0;
	if ((p[i] == 0x0f && p[i + 1] == 0x86) || p[i] == 0x76)
		return i; /* jbe rel32 / jbe rel8 */
	return 0;
}

/* Whether the kernel's user stack walk adds [sp] at this first instruction (x86-64). */
static int adds_caller(Elf *elf, uint64_t offset)
{
	size_t size;
	const unsigned char *img = (const unsigned char *)elf_rawfile(elf, &size);

	if (!img || offset + 4 > size)
		return 0;
	return img[offset] == 0x55 || memcmp(img + offset, "\xf3\x0f\x1e\xfa", 4) == 0;
}

static uint64_t after_stack_check(Elf *elf, uint64_t offset)
{
	size_t size;
	const unsigned char *img = (const unsigned char *)elf_rawfile(elf, &size);

	return img && offset < size ? stack_check_len(img + offset, size - offset) : 0;
}

int go_binary_open(const char *path, struct go_binary *gb, char *err, size_t errlen)
{
	const struct go_func *f;
	GElf_Ehdr eh;
	int fd, rc;
	Elf *elf = open_elf(path, &fd);

	memset(gb, 0, sizeof(*gb));
	if (!elf) {
		snprintf(err, errlen, "cannot open %s as ELF: %s", path, strerror(errno));
		return -1;
	}
	read_version(elf, gb->version, sizeof(gb->version));
	gb->pie = gelf_getehdr(elf, &eh) && eh.e_type == ET_DYN;
	rc = gopclntab_read(elf, &gb->funcs);
	if (rc) {
		snprintf(err, errlen, "cannot read the Go function table (.gopclntab) of %s: %s",
			 path,
			 rc == -ENOTSUP ? "a layout older than Go 1.18 is not supported" :
					  strerror(-rc));
		goto fail;
	}
	f = gopclntab_by_name(&gb->funcs, "runtime.mallocgc");
	if (!f || text_segment(elf, f->entry, gb)) {
		snprintf(err, errlen, "no runtime.mallocgc in %s", path);
		goto fail;
	}
	gb->mallocgc_offset = f->entry - gb->text_vaddr + gb->text_offset;
	gb->probe_offset = gb->mallocgc_offset + after_stack_check(elf, gb->mallocgc_offset);
	gb->mallocgc_adds_caller = adds_caller(elf, gb->probe_offset);
	elf_end(elf);
	close(fd);
	return 0;
fail:
	gopclntab_free(&gb->funcs);
	elf_end(elf);
	close(fd);
	return -1;
}

void go_binary_close(struct go_binary *gb)
{
	gopclntab_free(&gb->funcs);
}

int go_is_alloc_entry(const char *name)
{
	/* clang-format off */
	static const char *const entries[] = {
		"mallocgc", "newobject", "newarray", "makeslice", "makeslice64", "makeslicecopy",
		"growslice", "makemap", "makemap64", "makemap_small", "makeBucketArray", "makechan",
		"rawstring", "rawstringtmp", "rawbyteslice", "rawruneslice", "concatstrings",
		"concatstring2", "concatstring3", "concatstring4", "concatstring5",
		"slicebytetostring", "stringtoslicebyte", "stringtoslicerune", "slicerunetostring",
		"intstring", "convT", "convTnoptr", "convT16", "convT32", "convT64", "convTstring",
		"convTslice", "(*hmap).newoverflow", "hashGrow", "mapassign", "mapassign_fast32",
		"mapassign_fast32ptr", "mapassign_fast64", "mapassign_faststr", "mapassign_fast64ptr",
		"growWork", "growWork_fast32", "growWork_fast64", "growWork_faststr", "evacuate",
		"evacuate_fast32", "evacuate_fast64", "evacuate_faststr", "reflect_unsafe_New",
		"reflect_unsafe_NewArray",
	};
	/* clang-format on */

	if (strncmp(name, "runtime.", 8))
		return 0;
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (strcmp(name + 8, entries[i]) == 0)
			return 1;
	return 0;
}
