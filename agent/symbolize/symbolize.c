/* symbolize.c: (ELF file, file offset) -> function / source file / line frames with elfutils libdwfl.
 * One Dwfl per module (each reported at base 0, so modules never overlap), separate debug files found by
 * dwfl_standard_find_debuginfo (build-id, .gnu_debuglink under /usr/lib/debug), inlined frames the way
 * eu-addr2line -i finds them, ELF symbol table next (.symtab, else the MiniDebugInfo .symtab that
 * libdwfl decompresses from .gnu_debugdata, else .dynsym), "basename+0xOFFSET" last. Strings are interned and
 * results cached per (module, offset) for the life of the symbolizer. */
#define _GNU_SOURCE
#include "symbolize.h"

#include "dwarf_cu_index.h"
#include "fnv1a.h"
#include "gopclntab.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libstdc++'s C++ ABI demangler; declared here so this file stays C (link stdc++). */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Shown when even a fallback name cannot be built (out of memory). */
static const char unknown_function[] = "[unknown]";

/* Open-addressing map from a byte string to a pointer. */
struct str_slot {
	char *key; /* NULL: empty */
	size_t len;
	uint64_t hash;
	void *value;
};

struct str_map {
	struct str_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

struct load_segment {
	uint64_t offset; /* p_offset */
	uint64_t filesz; /* p_filesz */
	uint64_t vaddr; /* p_vaddr */
};

struct sym_module {
	const char *display; /* basename of module_name, interned */
	Dwfl *dwfl; /* NULL when the file could not be opened as ELF */
	Dwfl_Module *mod;
	GElf_Addr bias; /* module address = p_vaddr-relative address + bias */
	struct load_segment *segs;
	size_t nsegs;
	struct str_map
		cu_funcs; /* CU DIE offset (8 bytes) -> struct cu_funcs, built on first use */
	/* without .debug_aranges (Go): CUs by their ranges; Go's function table (.gopclntab) for
	 * names without DWARF or .symtab; both built on first need */
	struct cu_index *cu_ix;
	struct go_pclntab *gopcln;
	int cu_ix_tried, gopcln_tried;
};

/* Address ranges of the concrete subprograms of one CU, sorted by low. */
struct func_range {
	Dwarf_Addr low, high;
	Dwarf_Die die;
};

struct cu_funcs {
	struct func_range *v;
	size_t n, cap;
};

struct cache_entry {
	const struct sym_module *mod; /* NULL: empty slot */
	uint64_t offset;
	int nframes;
	struct sym_frame *frames;
};

struct symbolizer {
	struct str_map strings; /* interned strings; value = key */
	struct str_map modules; /* "host_path\0module_name" -> struct sym_module */
	struct cache_entry *cache;
	size_t cache_cap, cache_n;
	struct symbolizer_stats stats;
	char *debuginfo_path; /* NULL: libdwfl's default search path */
	Dwfl_Callbacks callbacks;
};

struct frame_list {
	struct sym_frame v[SYM_MAX_FRAMES];
	int n;
};

/* ---- hashing and the string map ---- */

static uint64_t hash_bytes(const void *data, size_t len)
{
	return fnv1a64(data, len);
}

static uint64_t hash_mix(uint64_t x)
{
	x ^= x >> 30; /* splitmix64 finalizer */
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static struct str_slot *str_map_slot(struct str_slot *slots, size_t cap, const char *key,
				     size_t len, uint64_t hash)
{
	size_t i = hash & (cap - 1);

	while (slots[i].key && (slots[i].hash != hash || slots[i].len != len ||
				memcmp(slots[i].key, key, len) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int str_map_grow(struct str_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	struct str_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct str_slot *old = &m->slots[i];

		if (old->key)
			*str_map_slot(slots, cap, old->key, old->len, old->hash) = *old;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

static void *str_map_get(const struct str_map *m, const char *key, size_t len)
{
	if (!m->cap)
		return NULL;
	return str_map_slot(m->slots, m->cap, key, len, hash_bytes(key, len))->value;
}

/* Stores a copy of key (plus a NUL). Returns the stored key, or NULL when out of memory. The value is
 * the stored key itself when value is NULL. */
static char *str_map_put(struct str_map *m, const char *key, size_t len, void *value)
{
	if ((m->n + 1) * 2 > m->cap && str_map_grow(m))
		return NULL;
	uint64_t hash = hash_bytes(key, len);
	struct str_slot *slot = str_map_slot(m->slots, m->cap, key, len, hash);
	char *copy = malloc(len + 1);

	if (!copy)
		return NULL;
	memcpy(copy, key, len);
	copy[len] = '\0';
	*slot = (struct str_slot){ copy, len, hash, value ? value : copy };
	m->n++;
	return copy;
}

static void str_map_free(struct str_map *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		if (free_value)
			free_value(m->slots[i].value);
		free(m->slots[i].key);
	}
	free(m->slots);
	*m = (struct str_map){ 0 };
}

/* ---- interned strings ---- */

static const char *intern(struct symbolizer *s, const char *str)
{
	if (!str)
		return NULL;
	size_t len = strlen(str);
	const char *found = str_map_get(&s->strings, str, len);

	return found ? found : str_map_put(&s->strings, str, len, NULL);
}

/* Interns the demangled form of an Itanium C++ ABI name, the name itself otherwise. glibc's hidden
 * aliases "__GI_name" are shown as the "name" they alias. */
static const char *intern_function_name(struct symbolizer *s, const char *name)
{
	if (name && strncmp(name, "__GI_", 5) == 0 && name[5])
		name += 5;
	if (!name || !*name)
		return NULL;
	if (strncmp(name, "_Z", 2) != 0)
		return intern(s, name);
	int status = -1;
	char *demangled = __cxa_demangle(name, NULL, NULL, &status);
	const char *result = intern(s, status == 0 && demangled ? demangled : name);

	free(demangled);
	return result;
}

static const char *intern_fallback_name(struct symbolizer *s, const struct sym_module *m,
					uint64_t offset)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, m->display, offset);
	return intern(s, buf);
}

/* ---- modules ---- */

static const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!*path)
		return "unknown";
	return slash && slash[1] ? slash + 1 : path;
}

static int read_load_segments(Elf *elf, struct sym_module *m)
{
	size_t phnum;

	if (elf_getphdrnum(elf, &phnum) != 0)
		return -1;
	m->segs = calloc(phnum ? phnum : 1, sizeof(*m->segs));
	if (!m->segs)
		return -1;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr phdr;

		if (!gelf_getphdr(elf, (int)i, &phdr) || phdr.p_type != PT_LOAD)
			continue;
		m->segs[m->nsegs++] =
			(struct load_segment){ phdr.p_offset, phdr.p_filesz, phdr.p_vaddr };
	}
	return 0;
}

static void cu_funcs_free(void *value)
{
	struct cu_funcs *cf = value;

	free(cf->v);
	free(cf);
}

static void module_close(struct sym_module *m)
{
	str_map_free(&m->cu_funcs, cu_funcs_free);
	cu_index_free(m->cu_ix);
	m->cu_ix = NULL;
	if (m->gopcln)
		gopclntab_free(m->gopcln);
	free(m->gopcln);
	m->gopcln = NULL;
	if (m->dwfl)
		dwfl_end(m->dwfl);
	m->dwfl = NULL;
	m->mod = NULL;
	free(m->segs);
	m->segs = NULL;
	m->nsegs = 0;
}

static void module_free(void *value)
{
	struct sym_module *m = value;

	module_close(m);
	free(m);
}

/* Reports host_path as the only module of a new Dwfl at base 0. Leaves m->mod NULL on failure. */
static void module_open(struct symbolizer *s, struct sym_module *m, const char *host_path,
			const char *module_name)
{
	Elf *elf;

	m->dwfl = dwfl_begin(&s->callbacks);
	if (!m->dwfl)
		return;
	dwfl_report_begin(m->dwfl);
	m->mod = dwfl_report_elf(m->dwfl, module_name, host_path, -1, 0, false);
	dwfl_report_end(m->dwfl, NULL, NULL);
	elf = m->mod ? dwfl_module_getelf(m->mod, &m->bias) : NULL;
	if (!elf || read_load_segments(elf, m) != 0)
		module_close(m);
}

static struct sym_module *module_get(struct symbolizer *s, const char *host_path,
				     const char *module_name)
{
	size_t host_len = strlen(host_path), name_len = strlen(module_name);
	size_t key_len = host_len + 1 + name_len;
	char *key = malloc(key_len + 1);
	struct sym_module *m = NULL;

	if (!key)
		return NULL;
	memcpy(key, host_path, host_len + 1);
	memcpy(key + host_len + 1, module_name, name_len + 1);
	m = str_map_get(&s->modules, key, key_len);
	if (!m && (m = calloc(1, sizeof(*m)))) {
		m->display = intern(s, path_basename(*module_name ? module_name : host_path));
		if (m->display)
			module_open(s, m, host_path, module_name);
		if (!m->display || !str_map_put(&s->modules, key, key_len, m)) {
			module_free(m);
			m = NULL;
		} else {
			s->stats.modules++;
		}
	}
	free(key);
	return m;
}

static int file_offset_to_vaddr(const struct sym_module *m, uint64_t offset, uint64_t *vaddr)
{
	for (size_t i = 0; i < m->nsegs; i++) {
		const struct load_segment *seg = &m->segs[i];

		if (offset >= seg->offset && offset - seg->offset < seg->filesz) {
			*vaddr = seg->vaddr + (offset - seg->offset);
			return 1;
		}
	}
	return 0;
}

/* ---- resolving one address ---- */

static void frames_push(struct frame_list *fl, const char *function, const char *file, int line,
			int inlined)
{
	if (fl->n >= SYM_MAX_FRAMES)
		return;
	fl->v[fl->n++] = (struct sym_frame){ function, file, line, inlined };
}

/* A function DIE's name, following abstract_origin/specification: the C++ linkage name (to demangle)
 * when there is one, else the source name (not a C asm label such as __GI___libc_malloc). */
static const char *die_function_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *linkage =
		dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	const char *name;

	if (!linkage)
		linkage =
			dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (linkage && strncmp(linkage, "_Z", 2) == 0)
		return linkage;
	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	return name && *name ? name : linkage;
}

/* DW_AT_call_file / DW_AT_call_line of an inlined_subroutine DIE: where it was inlined. */
static void die_call_site(struct symbolizer *s, Dwarf_Die *die, const char **file, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word value;
	Dwarf_Die cu;
	Dwarf_Files *files;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &value) == 0 &&
	    dwarf_diecu(die, &cu, NULL, NULL) && dwarf_getsrcfiles(&cu, &files, &nfiles) == 0 &&
	    value < nfiles)
		*file = intern(s, dwarf_filesrc(files, value, NULL, NULL));
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &value) == 0)
		*line = (int)value;
}

/* The CU of addr when libdwfl finds none (no .debug_aranges), from the CUs' own ranges. */
static Dwarf_Die *fallback_cu(struct sym_module *m, Dwarf_Addr addr, Dwarf_Die *cu,
			      Dwarf_Addr *dwbias)
{
	Dwarf *dw = dwfl_module_getdwarf(m->mod, dwbias);

	if (!dw)
		return NULL;
	if (!m->cu_ix_tried) {
		m->cu_ix_tried = 1;
		m->cu_ix = cu_index_build(dw);
	}
	return m->cu_ix && cu_index_find(m->cu_ix, dw, addr - *dwbias, cu) ? cu : NULL;
}

static void source_line(struct symbolizer *s, struct sym_module *m, Dwarf_Addr addr,
			const char **file, int *line)
{
	Dwfl_Line *dl = dwfl_module_getsrc(m->mod, addr);
	Dwarf_Addr dwbias;
	Dwarf_Die cu;
	const char *f;

	*file = NULL;
	*line = 0;
	if (dl)
		*file = intern(s, dwfl_lineinfo(dl, NULL, line, NULL, NULL, NULL));
	else if (fallback_cu(m, addr, &cu, &dwbias) && cu_index_line(&cu, addr - dwbias, &f, line))
		*file = intern(s, f);
	if (!*file)
		*line = 0;
}

/* Go's name for addr from .gopclntab (Go binaries without .symtab and DWARF), and its source
 * line when DWARF gave none (inlined calls are not expanded); NULL when not a Go binary. */
static const char *gopclntab_name(struct symbolizer *s, struct sym_module *m, Dwarf_Addr addr,
				  const char **file, int *line)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(m->mod, &bias);
	const struct go_func *f;
	const char *fn;

	if (!m->gopcln_tried && elf) {
		m->gopcln_tried = 1;
		m->gopcln = calloc(1, sizeof(*m->gopcln));
		if (m->gopcln && gopclntab_read(elf, m->gopcln)) {
			free(m->gopcln);
			m->gopcln = NULL;
		}
	}
	f = m->gopcln ? gopclntab_find(m->gopcln, addr - bias) : NULL;
	if (!f)
		return NULL;
	if (!*file && gopclntab_line(m->gopcln, f, addr - bias, &fn, line))
		*file = intern(s, fn);
	return intern(s, f->name);
}

/* The ELF symbol table's (.symtab, else .dynsym) name for addr, demangled; NULL when none. */
static const char *symtab_name(struct symbolizer *s, const struct sym_module *m, Dwarf_Addr addr)
{
	GElf_Off sym_offset;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(m->mod, addr, &sym_offset, &sym, NULL, NULL, NULL);

	return intern_function_name(s, name);
}

/* ---- the function DIEs containing an address ---- */

static int is_function_tag(int tag)
{
	return tag == DW_TAG_subprogram || tag == DW_TAG_entry_point;
}

static int collect_function_ranges(Dwarf_Die *die, void *arg)
{
	struct cu_funcs *cf = arg;
	Dwarf_Addr base, low, high;
	ptrdiff_t it = 0;

	while ((it = dwarf_ranges(die, it, &base, &low, &high)) > 0) {
		if (cf->n == cf->cap) {
			size_t cap = cf->cap ? cf->cap * 2 : 64;
			struct func_range *v = realloc(cf->v, cap * sizeof(*v));

			if (!v)
				return DWARF_CB_ABORT;
			cf->v = v;
			cf->cap = cap;
		}
		cf->v[cf->n++] = (struct func_range){ low, high, *die };
	}
	return DWARF_CB_OK;
}

static int compare_func_ranges(const void *a, const void *b)
{
	const struct func_range *x = a, *y = b;

	return x->low < y->low ? -1 : x->low > y->low;
}

/* The CU's subprogram index, built by one walk of the CU (later lookups skip the walk). */
static struct cu_funcs *cu_funcs_get(struct sym_module *m, Dwarf_Die *cudie)
{
	uint64_t key = dwarf_dieoffset(cudie);
	struct cu_funcs *cf = str_map_get(&m->cu_funcs, (const char *)&key, sizeof(key));

	if (cf)
		return cf;
	cf = calloc(1, sizeof(*cf));
	if (!cf)
		return NULL;
	dwarf_getfuncs(cudie, collect_function_ranges, cf, 0);
	if (cf->n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(cf->v, cf->n, sizeof(*cf->v), compare_func_ranges);
	if (!str_map_put(&m->cu_funcs, (const char *)&key, sizeof(key), cf)) {
		cu_funcs_free(cf);
		return NULL;
	}
	return cf;
}

/* The range with the greatest low <= pc that contains pc (the innermost of nested ones), or NULL.
 * Looks back a bounded number of ranges: a pc in a gap costs O(log n), not O(n). */
static const struct func_range *cu_funcs_find(const struct cu_funcs *cf, Dwarf_Addr pc)
{
	size_t lo = 0, hi = cf->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cf->v[mid].low <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t back = 0; lo-- > 0 && back < 64; back++)
		if (pc < cf->v[lo].high)
			return &cf->v[lo];
	return NULL;
}

static int is_block_tag(int tag)
{
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
	       tag == DW_TAG_try_block || tag == DW_TAG_catch_block || tag == DW_TAG_with_stmt;
}

static int has_pc_attributes(Dwarf_Die *die)
{
	return dwarf_hasattr(die, DW_AT_low_pc) || dwarf_hasattr(die, DW_AT_ranges);
}

/* Appends to dies[] the inlined_subroutine DIEs below parent that contain pc, outermost first. Blocks
 * without pc attributes are searched too, as libdw's scope walk does. Returns 1 when one was found. */
static int inlined_chain(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *dies, int *n, int max)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child);

		if (!is_block_tag(tag))
			continue;
		if (dwarf_haspc(&child, pc) > 0) {
			if (tag == DW_TAG_inlined_subroutine && *n < max)
				dies[(*n)++] = child;
			inlined_chain(&child, pc, dies, n, max);
			return 1;
		}
		if (!has_pc_attributes(&child) && inlined_chain(&child, pc, dies, n, max))
			return 1;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static void reverse_dies(Dwarf_Die *dies, int n)
{
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		Dwarf_Die t = dies[i];

		dies[i] = dies[j];
		dies[j] = t;
	}
}

/* Through the CU's subprogram index: the subprogram, then the inlined instances inside it. */
static int indexed_function_dies(struct sym_module *m, Dwarf_Die *cudie, Dwarf_Addr pc,
				 Dwarf_Die *dies, int max)
{
	struct cu_funcs *cf = cu_funcs_get(m, cudie);
	const struct func_range *fr = cf ? cu_funcs_find(cf, pc) : NULL;
	int n = 1;

	if (!fr)
		return 0;
	dies[0] = fr->die;
	inlined_chain(&dies[0], pc, dies, &n, max);
	reverse_dies(dies, n);
	return n;
}

/* As eu-addr2line -i: the innermost scope at pc, then every DIE physically enclosing it. */
static int scoped_function_dies(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die *dies, int max)
{
	Dwarf_Die *scopes = NULL, innermost;
	int nscopes = dwarf_getscopes(cudie, pc, &scopes), n = 0;

	if (nscopes > 0)
		innermost = scopes[0];
	free(scopes);
	scopes = NULL;
	if (nscopes <= 0)
		return 0;
	nscopes = dwarf_getscopes_die(&innermost, &scopes);
	for (int i = 0; i < nscopes && n < max; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag == DW_TAG_inlined_subroutine || is_function_tag(tag))
			dies[n++] = scopes[i];
		if (is_function_tag(tag))
			break;
	}
	free(scopes);
	return n;
}

/* Fills dies[] with the function DIEs containing addr, innermost first: inlined_subroutine instances,
 * then (when DWARF has it) the subprogram. Returns the count, 0 when no DWARF covers addr. */
static int function_dies_at(struct sym_module *m, Dwarf_Addr addr, Dwarf_Die *dies, int max)
{
	Dwarf_Addr dwbias;
	Dwarf_Die *cudie = dwfl_module_addrdie(m->mod, addr, &dwbias), cu;
	int n;

	if (!cudie)
		cudie = fallback_cu(m, addr, &cu, &dwbias);
	if (!cudie)
		return 0;
	n = indexed_function_dies(m, cudie, addr - dwbias, dies, max);
	return n ? n : scoped_function_dies(cudie, addr - dwbias, dies, max);
}

/* One frame per function DIE: each inlined_subroutine is a frame at the current position, whose call
 * site becomes the position of the next (outer) frame, up to the subprogram. Returns 1 when the real
 * function was reached. */
static int add_dwarf_frames(struct symbolizer *s, struct sym_module *m, uint64_t offset,
			    Dwarf_Addr addr, const char **file, int *line, struct frame_list *fl)
{
	Dwarf_Die dies[SYM_MAX_FRAMES];
	int n = function_dies_at(m, addr, dies, SYM_MAX_FRAMES), reached = 0;

	for (int i = 0; i < n; i++) {
		const char *name = intern_function_name(s, die_function_name(&dies[i]));

		reached = is_function_tag(dwarf_tag(&dies[i]));
		if (!name && reached)
			name = symtab_name(s, m, addr);
		if (!name)
			name = intern_fallback_name(s, m, offset);
		frames_push(fl, name ? name : unknown_function, *file, *line, !reached);
		if (!reached)
			die_call_site(s, &dies[i], file, line);
	}
	return reached;
}

static void resolve(struct symbolizer *s, struct sym_module *m, uint64_t offset,
		    struct frame_list *fl)
{
	const char *file = NULL, *name = NULL;
	int line = 0;
	uint64_t vaddr;

	if (m->mod && file_offset_to_vaddr(m, offset, &vaddr)) {
		Dwarf_Addr addr = vaddr + m->bias;

		source_line(s, m, addr, &file, &line);
		if (add_dwarf_frames(s, m, offset, addr, &file, &line, fl))
			return;
		name = symtab_name(s, m, addr);
		if (!name)
			name = gopclntab_name(s, m, addr, &file, &line);
	}
	if (!name)
		name = intern_fallback_name(s, m, offset);
	frames_push(fl, name ? name : unknown_function, file, line, 0);
}

/* ---- the (module, offset) cache ---- */

static uint64_t cache_hash(const struct sym_module *m, uint64_t offset)
{
	return hash_mix((uint64_t)(uintptr_t)m * 31 + offset);
}

static struct cache_entry *cache_slot(struct cache_entry *table, size_t cap,
				      const struct sym_module *m, uint64_t offset)
{
	size_t i = cache_hash(m, offset) & (cap - 1);

	while (table[i].mod && (table[i].mod != m || table[i].offset != offset))
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static int cache_grow(struct symbolizer *s)
{
	size_t cap = s->cache_cap ? s->cache_cap * 2 : 1024;
	struct cache_entry *table = calloc(cap, sizeof(*table));

	if (!table)
		return -1;
	for (size_t i = 0; i < s->cache_cap; i++) {
		struct cache_entry *old = &s->cache[i];

		if (old->mod)
			*cache_slot(table, cap, old->mod, old->offset) = *old;
	}
	free(s->cache);
	s->cache = table;
	s->cache_cap = cap;
	return 0;
}

static const struct cache_entry *cache_find(const struct symbolizer *s, const struct sym_module *m,
					    uint64_t offset)
{
	if (!s->cache_cap)
		return NULL;
	const struct cache_entry *e = cache_slot(s->cache, s->cache_cap, m, offset);

	return e->mod ? e : NULL;
}

/* Returns NULL when out of memory (the result then just is not cached). */
static const struct cache_entry *cache_insert(struct symbolizer *s, const struct sym_module *m,
					      uint64_t offset, const struct frame_list *fl)
{
	if ((s->cache_n + 1) * 4 > s->cache_cap * 3 && cache_grow(s))
		return NULL;
	struct sym_frame *frames = malloc(fl->n * sizeof(*frames));
	struct cache_entry *e = cache_slot(s->cache, s->cache_cap, m, offset);

	if (!frames)
		return NULL;
	memcpy(frames, fl->v, fl->n * sizeof(*frames));
	*e = (struct cache_entry){ m, offset, fl->n, frames };
	s->cache_n++;
	s->stats.entries = s->cache_n;
	return e;
}

static int copy_frames(const struct sym_frame *frames, int n, struct sym_frame *out, int max)
{
	if (n > max)
		n = max;
	memcpy(out, frames, n * sizeof(*out));
	return n;
}

/* ---- public API ---- */

struct symbolizer *symbolizer_new(void)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	elf_version(EV_CURRENT);
	return s;
}

int symbolizer_set_debuginfo_path(struct symbolizer *s, const char *path)
{
	char *copy = path ? strdup(path) : NULL;

	if (path && !copy)
		return -1;
	free(s->debuginfo_path);
	s->debuginfo_path = copy;
	return 0;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	free(s->debuginfo_path);
	for (size_t i = 0; i < s->cache_cap; i++)
		free(s->cache[i].frames);
	free(s->cache);
	str_map_free(&s->modules, module_free);
	str_map_free(&s->strings, NULL);
	free(s);
}

int symbolizer_lookup(struct symbolizer *s, const char *host_path, const char *module_name,
		      uint64_t file_offset, struct sym_frame *out, int max)
{
	struct sym_module *m;
	const struct cache_entry *e;
	struct frame_list fl = { .n = 0 };

	if (!s || !out || max < 1)
		return 0;
	s->stats.lookups++;
	m = module_get(s, host_path ? host_path : "", module_name ? module_name : "");
	if (!m) {
		out[0] = (struct sym_frame){ unknown_function, NULL, 0, 0 };
		return 1;
	}
	e = cache_find(s, m, file_offset);
	if (e) {
		s->stats.cache_hits++;
		return copy_frames(e->frames, e->nframes, out, max);
	}
	resolve(s, m, file_offset, &fl);
	cache_insert(s, m, file_offset, &fl);
	return copy_frames(fl.v, fl.n, out, max);
}

void symbolizer_get_stats(const struct symbolizer *s, struct symbolizer_stats *out)
{
	*out = s->stats;
}
