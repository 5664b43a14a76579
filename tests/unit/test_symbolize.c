/* test_symbolize.c: unit test of agent/symbolize/symbolize.c against known truth. Runs the symbolize_fixture
 * PIE (built -O2 -g), which prints file offsets of marked call sites; checks names, source lines (found
 * by the SYMBOLIZE_MARK_* comments in the fixture sources), inlined frames, C++ demangling, libc's
 * malloc (located through its .dynsym), fallbacks and a stripped copy; then prints µs per lookup.
 * Usage: test_symbolize FIXTURE STRIPPED_FIXTURE FIXTURE_SOURCE_DIR */
#define _GNU_SOURCE
#include "symbolize.h"

#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                 \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "FAIL %s:%d: (%s) ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                    \
			fputc('\n', stderr);                                             \
			failures++;                                                      \
		}                                                                        \
	} while (0)

static void die(const char *what)
{
	fprintf(stderr, "test_symbolize: %s\n", what);
	exit(2);
}

/* ---- facts from the fixture and its sources ---- */

struct fixture_sites {
	uint64_t c, inlined, static_fn, cpp; /* file offsets of return address - 1 */
};

static void read_fixture_sites(const char *fixture, struct fixture_sites *out)
{
	char real[PATH_MAX], line[PATH_MAX + 64], what[32], path[PATH_MAX];
	FILE *p = popen(fixture, "r");
	int found = 0;
	int64_t offset;

	if (!p || !realpath(fixture, real))
		die("cannot run the fixture");
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, "%31s %" SCNd64 " %4095s", what, &offset, path) != 3 || offset < 0)
			die("fixture printed a malformed line");
		CHECK(strcmp(path, real) == 0, "fixture site %s is in %s, not in %s", what, path,
		      real);
		if (strcmp(what, "c") == 0)
			out->c = (uint64_t)offset;
		else if (strcmp(what, "inline") == 0)
			out->inlined = (uint64_t)offset;
		else if (strcmp(what, "static") == 0)
			out->static_fn = (uint64_t)offset;
		else if (strcmp(what, "cpp") == 0)
			out->cpp = (uint64_t)offset;
		else
			die("fixture printed an unknown site");
		found++;
	}
	if (pclose(p) != 0 || found != 4)
		die("fixture failed or printed too few sites");
}

/* Line number (1-based) of the line of source_dir/file holding the marker followed by the end of a comment, or exit. */
static int marker_line(const char *source_dir, const char *file, const char *marker)
{
	char path[PATH_MAX], needle[128], line[1024];
	int lineno = 0, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", source_dir, file);
	snprintf(needle, sizeof(needle), "%s */", marker);
	f = fopen(path, "r");
	if (!f)
		die("cannot open a fixture source");
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (strstr(line, needle)) {
			found = lineno;
			break;
		}
	}
	fclose(f);
	if (!found)
		die("marker not found in the fixture source");
	return found;
}

/* ---- ELF helpers (independent of the symbolizer) ---- */

struct elf_file {
	int fd;
	Elf *elf;
};

static void elf_file_open(const char *path, struct elf_file *ef)
{
	elf_version(EV_CURRENT);
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	ef->elf = ef->fd >= 0 ? elf_begin(ef->fd, ELF_C_READ, NULL) : NULL;
	if (!ef->elf)
		die("cannot open an ELF file");
}

static void elf_file_close(struct elf_file *ef)
{
	elf_end(ef->elf);
	close(ef->fd);
}

static int elf_is_pie(const struct elf_file *ef)
{
	GElf_Ehdr ehdr;

	return gelf_getehdr(ef->elf, &ehdr) && ehdr.e_type == ET_DYN;
}

/* Finds a PT_LOAD segment: the one holding vaddr, or (vaddr == 0 and want_exec) the executable one. */
static int find_load(const struct elf_file *ef, uint64_t vaddr, int want_exec, GElf_Phdr *out)
{
	size_t phnum;

	if (elf_getphdrnum(ef->elf, &phnum) != 0)
		return 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(ef->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (want_exec ? (ph.p_flags & PF_X) != 0 :
				vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
			*out = ph;
			return 1;
		}
	}
	return 0;
}

/* File offset of a .dynsym function, and its size. */
static int dynsym_function_offset(const struct elf_file *ef, const char *name, uint64_t *offset,
				  uint64_t *size)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			GElf_Phdr ph;
			const char *sym_name;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    !(sym_name = elf_strptr(ef->elf, sh.sh_link, sym.st_name)) ||
			    strcmp(sym_name, name) != 0 || !find_load(ef, sym.st_value, 0, &ph))
				continue;
			*offset = sym.st_value - ph.p_vaddr + ph.p_offset;
			*size = sym.st_size;
			return 1;
		}
	}
	return 0;
}

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (!strstr(info->dlpi_name, "/libc.so."))
		return 0;
	snprintf(data, PATH_MAX, "%s", info->dlpi_name);
	return 1;
}

/* ---- checks ---- */

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

static void print_frames(const char *what, const struct sym_frame *f, int n)
{
	printf("%s:\n", what);
	for (int i = 0; i < n; i++)
		printf("  #%d %s at %s:%d%s\n", i, f[i].function, f[i].file ? f[i].file : "??",
		       f[i].line, f[i].inlined ? " (inlined)" : "");
}

static void expect_frame(const struct sym_frame *f, const char *function, const char *file,
			 int line, int inlined)
{
	CHECK(f->function && strcmp(f->function, function) == 0, "function %s, expected %s",
	      f->function, function);
	CHECK(f->file && strcmp(base_name(f->file), file) == 0, "file %s, expected %s",
	      f->file ? f->file : "NULL", file);
	CHECK(f->line == line, "%s: line %d, expected %d", function, f->line, line);
	CHECK(f->inlined == inlined, "%s: inlined %d, expected %d", function, f->inlined, inlined);
}

static void expect_bare(const struct sym_frame *f, int n, const char *function)
{
	CHECK(n == 1, "%d frames for %s, expected 1", n, function);
	CHECK(f->function && strcmp(f->function, function) == 0, "function %s, expected %s",
	      f->function, function);
	CHECK(!f->file && f->line == 0 && !f->inlined, "%s: expected no source and not inlined",
	      function);
}

static void check_debug_fixture(struct symbolizer *s, const char *fixture, const char *src,
				const struct fixture_sites *sites)
{
	const char *c_file = "symbolize_fixture.c", *cpp_file = "symbolize_fixture_cpp.cpp";
	struct sym_frame f[SYM_MAX_FRAMES];
	int n;

	n = symbolizer_lookup(s, fixture, fixture, sites->c, f, SYM_MAX_FRAMES);
	print_frames("C function in a PIE", f, n);
	CHECK(n == 1, "%d frames, expected 1", n);
	expect_frame(&f[0], "fixture_c_function", c_file,
		     marker_line(src, c_file, "SYMBOLIZE_MARK_C_CALL"), 0);

	n = symbolizer_lookup(s, fixture, fixture, sites->static_fn, f, SYM_MAX_FRAMES);
	print_frames("static C function", f, n);
	CHECK(n == 1, "%d frames, expected 1", n);
	expect_frame(&f[0], "fixture_static_function", c_file,
		     marker_line(src, c_file, "SYMBOLIZE_MARK_STATIC_CALL"), 0);

	n = symbolizer_lookup(s, fixture, fixture, sites->inlined, f, SYM_MAX_FRAMES);
	print_frames("inlined function", f, n);
	CHECK(n == 2, "%d frames, expected 2", n);
	expect_frame(&f[0], "fixture_inlined_helper", c_file,
		     marker_line(src, c_file, "SYMBOLIZE_MARK_INLINE_INNER"), 1);
	expect_frame(&f[1], "fixture_inline_outer", c_file,
		     marker_line(src, c_file, "SYMBOLIZE_MARK_INLINE_CALL"), 0);

	n = symbolizer_lookup(s, fixture, fixture, sites->inlined, f, 1);
	CHECK(n == 1 && strcmp(f[0].function, "fixture_inlined_helper") == 0,
	      "max=1 must give the innermost frame only");

	n = symbolizer_lookup(s, fixture, fixture, sites->cpp, f, SYM_MAX_FRAMES);
	print_frames("C++ method", f, n);
	CHECK(n == 1, "%d frames, expected 1", n);
	CHECK(strncmp(f[0].function, "ns::S::method(std::", 19) == 0 &&
		      strstr(f[0].function, "basic_string<char"),
	      "C++ name not demangled: %s", f[0].function);
	CHECK(f[0].file && strcmp(base_name(f[0].file), cpp_file) == 0, "C++ file %s",
	      f[0].file ? f[0].file : "NULL");
	CHECK(f[0].line == marker_line(src, cpp_file, "SYMBOLIZE_MARK_CPP_CALL"), "C++ line %d",
	      f[0].line);
}

static void check_fallbacks(struct symbolizer *s, const char *fixture)
{
	struct sym_frame f[SYM_MAX_FRAMES];
	int n;

	/* Inside the ELF header: mapped, but no symbol and no DWARF covers it. */
	n = symbolizer_lookup(s, fixture, "/in/target/symbolize_fixture", 0x10, f, SYM_MAX_FRAMES);
	print_frames("ELF header offset", f, n);
	expect_bare(f, n, "symbolize_fixture+0x10");

	n = symbolizer_lookup(s, fixture, "/in/target/symbolize_fixture", 0x7fff0000, f,
			      SYM_MAX_FRAMES);
	expect_bare(f, n, "symbolize_fixture+0x7fff0000");

	n = symbolizer_lookup(s, "/nonexistent/libgone.so", "/usr/lib/libgone.so", 0x1234, f, 4);
	print_frames("missing file", f, n);
	expect_bare(f, n, "libgone.so+0x1234");
}

static void check_stripped(struct symbolizer *s, const char *stripped,
			   const struct fixture_sites *sites)
{
	const char *name = "/in/target/fixture.stripped";
	struct sym_frame f[SYM_MAX_FRAMES];
	char expected[64];
	int n;

	/* The fixture is linked with --export-dynamic: .dynsym still names its global functions. */
	n = symbolizer_lookup(s, stripped, name, sites->c, f, SYM_MAX_FRAMES);
	print_frames("stripped: C function", f, n);
	expect_bare(f, n, "fixture_c_function");

	n = symbolizer_lookup(s, stripped, name, sites->inlined, f, SYM_MAX_FRAMES);
	expect_bare(f, n, "fixture_inline_outer");

	n = symbolizer_lookup(s, stripped, name, sites->cpp, f, SYM_MAX_FRAMES);
	print_frames("stripped: C++ method", f, n);
	CHECK(n == 1 && strncmp(f[0].function, "ns::S::method(std::", 19) == 0,
	      "stripped C++ name: %s", f[0].function);

	/* A static function is in no symbol table any more: the offset names it. */
	n = symbolizer_lookup(s, stripped, name, sites->static_fn, f, SYM_MAX_FRAMES);
	print_frames("stripped: static function", f, n);
	snprintf(expected, sizeof(expected), "fixture.stripped+0x%" PRIx64, sites->static_fn);
	expect_bare(f, n, expected);
}

/* The stripped copy with its debug file under DEBUG_ROOT/.build-id/: the same answers as the
 * fixture itself (libdwfl's build-id lookup in the configured debuginfo path). */
static void check_build_id_debug_file(const char *stripped, const char *debug_root, const char *src,
				      const struct fixture_sites *sites)
{
	struct symbolizer *s = symbolizer_new();

	if (!s || symbolizer_set_debuginfo_path(s, debug_root))
		die("symbolizer_new failed");
	printf("-- stripped, debug file by build id under %s\n", debug_root);
	check_debug_fixture(s, stripped, src, sites);
	symbolizer_free(s);
}

/* The stripped copy with a .gnu_debugdata section: the static function, in no .dynsym, is named
 * from the MiniDebugInfo .symtab (no source: MiniDebugInfo has no DWARF); globals still are. */
static void check_minidebuginfo(struct symbolizer *s, const char *minidebug,
				const struct fixture_sites *sites)
{
	const char *name = "/in/target/fixture.minidebug";
	struct sym_frame f[SYM_MAX_FRAMES];
	int n;

	n = symbolizer_lookup(s, minidebug, name, sites->static_fn, f, SYM_MAX_FRAMES);
	print_frames("MiniDebugInfo: static function", f, n);
	expect_bare(f, n, "fixture_static_function");

	n = symbolizer_lookup(s, minidebug, name, sites->c, f, SYM_MAX_FRAMES);
	expect_bare(f, n, "fixture_c_function");
}

static void check_libc_malloc(struct symbolizer *s)
{
	char libc[PATH_MAX] = "";
	struct elf_file ef;
	struct sym_frame f[SYM_MAX_FRAMES];
	uint64_t offset, size;
	int n;

	if (!dl_iterate_phdr(find_libc, libc))
		die("libc not found among the loaded objects");
	elf_file_open(libc, &ef);
	if (!dynsym_function_offset(&ef, "malloc", &offset, &size))
		die("malloc not found in libc's .dynsym");
	elf_file_close(&ef);
	offset += size > 4 ? 4 : 0;
	n = symbolizer_lookup(s, libc, libc, offset, f, SYM_MAX_FRAMES);
	print_frames("libc malloc", f, n);
	/* glibc exports malloc and __libc_malloc at one address; debug info (libc6-dbg) says
	 * __libc_malloc. Either is the truth, the outermost frame is the real function. */
	CHECK(strcmp(f[n - 1].function, "malloc") == 0 ||
		      strcmp(f[n - 1].function, "__libc_malloc") == 0,
	      "libc: %s, expected malloc", f[n - 1].function);
	CHECK(!f[n - 1].inlined, "outermost frame marked inlined");
}

static void check_cache(struct symbolizer *s, const char *fixture,
			const struct fixture_sites *sites)
{
	struct sym_frame a[SYM_MAX_FRAMES], b[SYM_MAX_FRAMES];
	struct symbolizer_stats before, after;
	int na, nb;

	na = symbolizer_lookup(s, fixture, fixture, sites->inlined, a, SYM_MAX_FRAMES);
	symbolizer_get_stats(s, &before);
	nb = symbolizer_lookup(s, fixture, fixture, sites->inlined, b, SYM_MAX_FRAMES);
	symbolizer_get_stats(s, &after);
	CHECK(na == nb && memcmp(a, b, na * sizeof(a[0])) == 0, "cached result differs");
	CHECK(after.cache_hits == before.cache_hits + 1, "second lookup was not a cache hit");
	CHECK(after.modules == before.modules, "module opened twice");
}

/* ---- timing (printed, not asserted) ---- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void time_module(const char *label, const char *path, uint64_t step)
{
	struct symbolizer *s = symbolizer_new();
	struct sym_frame f[SYM_MAX_FRAMES];
	struct elf_file ef;
	GElf_Phdr text;
	double t0, t1, t2, t3;
	int count = 0;

	elf_file_open(path, &ef);
	if (!s || !find_load(&ef, 0, 1, &text))
		die("timing setup failed");
	elf_file_close(&ef);
	t0 = now_us();
	symbolizer_lookup(s, path, path, text.p_offset + text.p_filesz / 2, f, SYM_MAX_FRAMES);
	t1 = now_us();
	for (uint64_t off = text.p_offset; off < text.p_offset + text.p_filesz;
	     off += step, count++)
		symbolizer_lookup(s, path, path, off, f, SYM_MAX_FRAMES);
	t2 = now_us();
	for (uint64_t off = text.p_offset; off < text.p_offset + text.p_filesz; off += step)
		symbolizer_lookup(s, path, path, off, f, SYM_MAX_FRAMES);
	t3 = now_us();
	printf("timing %s: first lookup (opens module) %.0f us; uncached %.2f us/lookup, cached %.3f "
	       "us/lookup (%d offsets)\n",
	       label, t1 - t0, (t2 - t1) / count, (t3 - t2) / count, count);
	symbolizer_free(s);
}

int main(int argc, char **argv)
{
	struct fixture_sites sites = { 0 };
	struct symbolizer *s;
	struct elf_file ef;
	char libc[PATH_MAX] = "";

	if (argc != 6)
		die("usage: test_symbolize FIXTURE STRIPPED_FIXTURE FIXTURE_SOURCE_DIR "
		    "MINIDEBUGINFO_FIXTURE DEBUG_ROOT");
	elf_file_open(argv[1], &ef);
	CHECK(elf_is_pie(&ef), "fixture %s is not a PIE", argv[1]);
	elf_file_close(&ef);
	read_fixture_sites(argv[1], &sites);
	s = symbolizer_new();
	if (!s)
		die("symbolizer_new failed");
	check_debug_fixture(s, argv[1], argv[3], &sites);
	check_fallbacks(s, argv[1]);
	check_stripped(s, argv[2], &sites);
	check_minidebuginfo(s, argv[4], &sites);
	check_libc_malloc(s);
	check_cache(s, argv[1], &sites);
	symbolizer_free(s);
	check_build_id_debug_file(argv[2], argv[5], argv[3], &sites);

	time_module("fixture (DWARF)", argv[1], 3);
	if (dl_iterate_phdr(find_libc, libc))
		time_module("libc", libc, 4099);
	if (failures) {
		fprintf(stderr, "test_symbolize: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_symbolize: all checks passed\n");
	return 0;
}
