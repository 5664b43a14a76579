/* test_go_binary.c: unit test of the Go executable readers and the Go side of the symbolizer,
 * against the Go workload built by Debian's golang-go: detection, runtime.mallocgc's offset and
 * probe point (checked against .symtab and the file's bytes), the .gopclntab function table
 * (every main.* function of .symtab, and the same in the -s -w build), the source line of a
 * marked Go line through DWARF without .debug_aranges, names and lines from .gopclntab without
 * DWARF, and
 * that a return probe on a Go executable is refused before it reaches the kernel.
 * Usage: test_go_binary GOTREE GOTREE_STRIPPED GOTREE_SOURCE */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator_probe.h"
#include "go_binary.h"
#include "symbolize.h"
#include "uprobe_multi.h"

static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			failures++;                                          \
		}                                                            \
	} while (0)

static int marker_line(const char *path, const char *marker)
{
	char buf[512];
	FILE *f = fopen(path, "r");
	int n = 0, found = 0;

	while (f && fgets(buf, sizeof(buf), f)) {
		n++;
		if (strstr(buf, marker)) {
			found = n;
			break;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* Every .symtab FUNC symbol of the main package, looked up in the .gopclntab table. */
static void compare_symtab(const char *path, const struct go_binary *gb)
{
	int fd = open(path, O_RDONLY), checked = 0;
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while (elf && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			const struct go_func *f;

			if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || strncmp(name, "main.", 5))
				continue;
			f = gopclntab_find(&gb->funcs, sym.st_value);
			CHECK(f && f->entry == sym.st_value && strcmp(f->name, name) == 0,
			      "gopclntab at %#llx: %s, symtab: %s",
			      (unsigned long long)sym.st_value, f ? f->name : "none", name);
			checked++;
		}
	}
	CHECK(checked >= 5, "only %d main.* functions in .symtab", checked);
	if (elf)
		elf_end(elf);
	close(fd);
}

static void check_mallocgc(const char *path, const struct go_binary *gb)
{
	uint64_t symtab_off = 0;
	unsigned char insn[4] = { 0 };
	int fd = open(path, O_RDONLY);

	CHECK(elf_function_offset(path, "runtime.mallocgc", &symtab_off) == 0,
	      "no runtime.mallocgc in .symtab");
	CHECK(gb->mallocgc_offset == symtab_off, "mallocgc at %#llx, .symtab says %#llx",
	      (unsigned long long)gb->mallocgc_offset, (unsigned long long)symtab_off);
	CHECK(pread(fd, insn, 4, (off_t)gb->mallocgc_offset) == 4 &&
		      memcmp(insn, "\x49\x3b\x66\x10", 4) == 0,
	      "mallocgc does not start with cmp 0x10(%%r14),%%rsp");
	/* on the jbe after cmp (4 bytes) */
	CHECK(gb->probe_offset == gb->mallocgc_offset + 4 &&
		      pread(fd, insn, 2, (off_t)gb->probe_offset) == 2 &&
		      ((insn[0] == 0x0f && insn[1] == 0x86) || insn[0] == 0x76),
	      "probe at mallocgc+%llu, expected on the jbe of the stack check",
	      (unsigned long long)(gb->probe_offset - gb->mallocgc_offset));
	CHECK(!gb->mallocgc_adds_caller, "probed instruction taken for push %%rbp");
	CHECK(strncmp(gb->version, "go1.", 4) == 0, "version %s", gb->version);
	close(fd);
}

static void check_symbolizer(const char *gotree, const char *stripped, const char *source,
			     const struct go_binary *gb)
{
	const struct go_func *f = gopclntab_by_name(&gb->funcs, "main.newNode");
	struct symbolizer *s = symbolizer_new();
	struct sym_frame fr[SYM_MAX_FRAMES];
	int line = marker_line(source, "// GO_FUNC_NEWNODE"), n;
	uint64_t off;

	CHECK(f != NULL, "no main.newNode in .gopclntab");
	if (!f || !s)
		return;
	off = f->entry - gb->text_vaddr + gb->text_offset;
	n = symbolizer_lookup(s, gotree, gotree, off, fr, SYM_MAX_FRAMES);
	CHECK(n >= 1 && strcmp(fr[n - 1].function, "main.newNode") == 0, "function %s",
	      n ? fr[n - 1].function : "none");
	CHECK(n >= 1 && fr[0].file && strstr(fr[0].file, "gotree.go") && fr[0].line == line,
	      "location %s:%d, expected gotree.go:%d", n && fr[0].file ? fr[0].file : "none",
	      n ? fr[0].line : 0, line);
	/* -s -w: no .symtab, no DWARF: name and line from .gopclntab */
	n = symbolizer_lookup(s, stripped, stripped, off + 4, fr, SYM_MAX_FRAMES);
	CHECK(n == 1 && strcmp(fr[0].function, "main.newNode") == 0 && fr[0].file &&
		      strstr(fr[0].file, "gotree.go") && fr[0].line == line,
	      "stripped: %s %s:%d, expected gotree.go:%d", n ? fr[0].function : "none",
	      n && fr[0].file ? fr[0].file : "(no file)", n ? fr[0].line : 0, line);
	symbolizer_free(s);
}

int main(int argc, char **argv)
{
	struct go_binary gb, gbs;
	char err[512];
	uint64_t off;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: %s GOTREE GOTREE_STRIPPED GOTREE_SOURCE\n", argv[0]);
		return 2;
	}
	elf_version(EV_CURRENT);
	CHECK(go_binary_detect(argv[1]) == 1, "%s not detected as Go", argv[1]);
	CHECK(go_binary_detect(argv[2]) == 1, "%s not detected as Go", argv[2]);
	CHECK(go_binary_detect("/proc/self/exe") == 0, "this C test detected as Go");
	if (go_binary_open(argv[1], &gb, err, sizeof(err))) {
		fprintf(stderr, "FAIL go_binary_open: %s\n", err);
		return 1;
	}
	check_mallocgc(argv[1], &gb);
	compare_symtab(argv[1], &gb);
	check_symbolizer(argv[1], argv[2], argv[3], &gb);
	if (go_binary_open(argv[2], &gbs, err, sizeof(err)) == 0) {
		CHECK(gbs.mallocgc_offset == gb.mallocgc_offset &&
			      gbs.probe_offset == gb.probe_offset,
		      "stripped build: mallocgc at %#llx, unstripped %#llx",
		      (unsigned long long)gbs.mallocgc_offset,
		      (unsigned long long)gb.mallocgc_offset);
		go_binary_close(&gbs);
	} else {
		CHECK(0, "go_binary_open on the stripped build: %s", err);
	}
	/* A return probe on Go code is refused before any system call; an entry probe and a
	 * return probe on a C executable reach the kernel (which rejects the bad program fd). */
	off = gb.probe_offset;
	rc = uprobe_multi_attach(-1, argv[1], &off, NULL, 1, getpid(), 1);
	CHECK(rc == -EPERM, "return probe on Go code: %d, expected -EPERM", rc);
	rc = uprobe_multi_attach(-1, argv[1], &off, NULL, 1, getpid(), 0);
	CHECK(rc == -EBADF, "entry probe with a bad fd: %d, expected the kernel's -EBADF", rc);
	rc = uprobe_multi_attach(-1, "/proc/self/exe", &off, NULL, 1, getpid(), 1);
	CHECK(rc == -EBADF, "return probe on C code with a bad fd: %d, expected -EBADF", rc);
	go_binary_close(&gb);
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("go_binary: all checks passed\n");
	return failures ? 1 : 0;
}
