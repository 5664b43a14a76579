/* fuzz_elf.c: libFuzzer target for reading target ELF files (agent/probes/allocator_probe.c: finding the
 * allocator functions in the symbol tables; agent/unwind/target_space.c: program headers, build id,
 * .eh_frame_hdr; agent/unwind/unwind_dwarf.c: unwinding through its .eh_frame with libunwind;
 * agent/symbolize/symbolize.c: symbols and DWARF line info). The input is written as a file,
 * "mapped" by a maps text made from its PT_LOAD headers the way ld.so maps them, and a synthetic
 * stack is unwound from the start of a few of its FDEs; then a few offsets are symbolized. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator_probe.h"
#include "proc_maps.h"
#include "symbolize.h"
#include "target_space.h"
#include "unwind_dwarf.h"

#define BASE 0x7f0000000000ull
#define PAGE 4096ull
#define MAX_LINES 16

static char dir[64], file[128];

struct line {
	uint64_t start;
	char text[256];
};

static int by_start(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The maps text ld.so would produce for the file's PT_LOADs (0 lines if it has none). */
static size_t make_maps(char *buf, size_t size)
{
	struct line lines[MAX_LINES];
	size_t n = 0, n_phdrs, len = 0;
	Elf *elf;
	int fd = open(file, O_RDONLY);

	if (fd < 0)
		abort();
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &n_phdrs) == 0) {
		for (size_t i = 0; i < n_phdrs && n < MAX_LINES; i++) {
			GElf_Phdr ph;
			uint64_t start, end;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
			    ph.p_vaddr > (1ull << 32) || ph.p_memsz > (1ull << 32) || !ph.p_memsz)
				continue;
			start = BASE + (ph.p_vaddr & ~(PAGE - 1));
			end = (BASE + ph.p_vaddr + ph.p_memsz + PAGE - 1) & ~(PAGE - 1);
			lines[n].start = start;
			snprintf(lines[n].text, sizeof(lines[n].text),
				 "%llx-%llx %c%c%cp %08llx 00:01 4242 %s\n",
				 (unsigned long long)start, (unsigned long long)end,
				 ph.p_flags & PF_R ? 'r' : '-', ph.p_flags & PF_W ? 'w' : '-',
				 ph.p_flags & PF_X ? 'x' : '-',
				 (unsigned long long)(ph.p_offset & ~(PAGE - 1)), file);
			n++;
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	qsort(lines, n, sizeof(lines[0]), by_start);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s", lines[i].text);
	return len;
}

static void unwind_some(struct target_space *ts)
{
	struct target_eh_table t;
	struct unwinder *u;
	uint64_t stack[64], ips[32], word;
	int cached;

	if (target_space_eh_table(ts, BASE, &t, &cached) &&
	    target_space_eh_table(ts, BASE + PAGE, &t, &cached))
		return;
	u = unwinder_new(ts);
	if (!u)
		abort();
	for (size_t i = 0; i < sizeof(stack) / sizeof(stack[0]); i++)
		stack[i] = t.start_ip +
			   (t.end_ip > t.start_ip ? (i * 0x35) % (t.end_ip - t.start_ip) : 0);
	for (uint64_t k = 0; k < t.fde_count && k < 8; k++) {
		struct stack_snapshot s = { 0, 0x7ffd00000000ull, 0, (const uint8_t *)stack,
					    sizeof(stack) };

		if (target_space_read_file_word(ts, t.table_addr + 8 * k, &word))
			break;
		s.ip = t.hdr_addr + (uint64_t)(int64_t)(int32_t)(uint32_t)word + 1;
		s.bp = s.sp + 64;
		unwind_dwarf(u, &s, ips, 32);
	}
	unwinder_free(u);
}

static void symbolize_some(const struct target_module *m, size_t size)
{
	struct symbolizer *s = symbolizer_new();
	struct sym_frame frames[SYM_MAX_FRAMES];

	if (!s)
		abort();
	for (uint64_t off = 0x100; off < size; off += size / 7 + 1)
		symbolizer_lookup(s, m->host_path, m->path, off, frames, SYM_MAX_FRAMES);
	symbolizer_free(s);
}

/* The allocator functions as record would look for them, and a scope function by name. */
static void find_functions(const char *maps_text, size_t len)
{
	static struct alloc_probe_plan plan; /* large: PATH_MAX strings */
	static struct alloc_probe probe;
	struct proc_maps maps;
	uint64_t off;
	char err[256];

	if (proc_maps_parse(maps_text, len, &maps))
		abort();
	allocator_probe_plan(getpid(), &maps, &plan, err, sizeof(err));
	function_probe(getpid(), &maps, "middle", &probe, err, sizeof(err));
	proc_maps_free(&maps);
	elf_function_offset(file, "outer", &off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char maps[MAX_LINES * 256 + 1];
	const struct target_module *m;
	struct target_space *ts;
	uint64_t off;
	size_t len;
	FILE *f;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s", "/tmp/arenaprof-fuzz-elf-XXXXXX");
		if (!mkdtemp(dir) || elf_version(EV_CURRENT) == EV_NONE)
			abort();
		snprintf(file, sizeof(file), "%s/module.so", dir);
	}
	f = fopen(file, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	len = make_maps(maps, sizeof(maps));
	if (len == 0)
		len = (size_t)snprintf(maps, sizeof(maps),
				       "%llx-%llx r-xp 00000000 00:01 4242 %s\n", BASE, BASE + PAGE,
				       file);
	find_functions(maps, len);
	ts = target_space_from_maps(getpid(), maps, len);
	if (!ts)
		abort(); /* the maps text is well formed and the file exists */
	if (target_space_lookup(ts, BASE, &m, &off) == 0 ||
	    target_space_lookup(ts, BASE + PAGE, &m, &off) == 0) {
		unwind_some(ts);
		symbolize_some(m, size);
	}
	target_space_free(ts);
	unlink(file);
	return 0;
}
