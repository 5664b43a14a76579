/* target_space.c: model of a target process's address space (mappings from /proc/PID/maps, the
 * ELF files behind them opened with libelf, their PT_LOAD segments, build-ids and .eh_frame_hdr
 * tables), used to map instruction addresses to modules and to serve unwind info to libunwind. */
#define _GNU_SOURCE
#include "target_space.h"
#include "eh_frame_check.h"
#include "proc_maps.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NO_MODULE UINT32_MAX
#define REFRESH_INTERVAL_NS (2ull * 1000 * 1000)

/* DWARF pointer encodings used in .eh_frame_hdr (LSB "Linux Standard Base Core", 10.6.1). */
#define PE_OMIT 0xff
#define PE_ABSPTR 0x00
#define PE_UDATA4 0x03
#define PE_SDATA4 0x0b
#define PE_UDATA8 0x04
#define PE_SDATA8 0x0c
#define PE_FORMAT_MASK 0x0f
#define PE_DATAREL_SDATA4 0x3b

struct load_segment {
	uint64_t vaddr, offset, filesz, memsz;
	uint32_t flags;
};

enum table_state { TABLE_UNPARSED, TABLE_OK, TABLE_UNUSABLE };

struct module {
	struct target_module pub; /* must stay first: handed out as const struct target_module * */
	uint64_t inode;
	unsigned int dev_major, dev_minor;
	int fd;
	Elf *elf;
	const uint8_t *image; /* the whole file, mapped by libelf */
	size_t image_size;
	struct load_segment *loads;
	size_t n_loads;
	int has_eh_frame_hdr;
	uint64_t eh_hdr_vaddr, eh_hdr_offset, eh_hdr_size;
	uint64_t exec_lo, exec_hi; /* link-time range of the executable PT_LOADs */
	enum table_state table_state;
	uint64_t table_off; /* offset of the search table inside .eh_frame_hdr */
	uint64_t fde_count;
};

struct target_space {
	pid_t pid;
	struct proc_maps maps;
	uint32_t *map_module; /* per maps entry: module id, or NO_MODULE */
	struct module **modules;
	uint32_t n_modules, cap_modules;
	uint64_t last_read_ns;
	uint64_t generation;
	uint64_t uprobes_start, uprobes_end; /* the [uprobes] page, 0-0 until it appears */
	int (*may_refresh)(void *arg); /* NULL: always */
	void *may_refresh_arg;
	int fixed_maps; /* target_space_from_maps: never re-read /proc/PID/maps */
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void read_load_segments(struct module *m)
{
	size_t n_phdrs;

	if (elf_getphdrnum(m->elf, &n_phdrs) != 0 || n_phdrs == 0)
		return;
	m->loads = calloc(n_phdrs, sizeof(*m->loads));
	if (!m->loads)
		return;
	m->exec_lo = UINT64_MAX;
	for (size_t i = 0; i < n_phdrs; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(m->elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_GNU_EH_FRAME) {
			m->has_eh_frame_hdr = 1;
			m->eh_hdr_vaddr = ph.p_vaddr;
			m->eh_hdr_offset = ph.p_offset;
			m->eh_hdr_size = ph.p_filesz;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		m->loads[m->n_loads++] =
			(struct load_segment){ ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz,
					       ph.p_flags };
		if (ph.p_flags & PF_X) {
			if (ph.p_vaddr < m->exec_lo)
				m->exec_lo = ph.p_vaddr;
			if (ph.p_vaddr + ph.p_memsz > m->exec_hi)
				m->exec_hi = ph.p_vaddr + ph.p_memsz;
		}
	}
}

static void hex_encode(const uint8_t *bytes, size_t n, char *out, size_t out_size)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < out_size; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * i] = '\0';
}

static int find_build_id_in_note(Elf_Data *data, char *out, size_t out_size)
{
	GElf_Nhdr nhdr;
	size_t off = 0, name_off, desc_off;

	while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
		if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
		    !memcmp((const char *)data->d_buf + name_off, "GNU", 4)) {
			hex_encode((const uint8_t *)data->d_buf + desc_off, nhdr.n_descsz, out,
				   out_size);
			return 1;
		}
	}
	return 0;
}

static void read_build_id(struct module *m)
{
	size_t n_phdrs;

	if (elf_getphdrnum(m->elf, &n_phdrs) != 0)
		return;
	for (size_t i = 0; i < n_phdrs; i++) {
		GElf_Phdr ph;
		Elf_Data *data;

		if (!gelf_getphdr(m->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(m->elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (data && find_build_id_in_note(data, m->pub.build_id, sizeof(m->pub.build_id)))
			return;
	}
}

/* Opens the file through /proc/PID/root (other mount namespaces), else by its plain path. The
 * host path handed out is /proc/self/fd/N of the descriptor kept open, so the same file stays
 * readable (for symbolization) after the target exited and its /proc entries are gone. */
static int open_module_file(struct module *m, pid_t pid)
{
	char buf[4096 + 64];

	m->fd = -1;
	if (proc_maps_host_path(pid, m->pub.path, buf, sizeof(buf)) == 0)
		m->fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0)
		m->fd = open(m->pub.path, O_RDONLY | O_CLOEXEC);
	if (m->fd >= 0)
		snprintf(buf, sizeof(buf), "/proc/self/fd/%d", m->fd);
	else
		snprintf(buf, sizeof(buf), "%s", m->pub.path);
	m->pub.host_path = strdup(buf);
	return m->pub.host_path ? 0 : -ENOMEM;
}

static int is_elf_file(int fd)
{
	unsigned char magic[SELFMAG];

	return pread(fd, magic, SELFMAG, 0) == SELFMAG && !memcmp(magic, ELFMAG, SELFMAG);
}

static void open_elf(struct module *m)
{
	if (m->fd < 0 || !is_elf_file(m->fd))
		return;
	m->elf = elf_begin(m->fd, ELF_C_READ_MMAP, NULL);
	if (!m->elf)
		return;
	if (elf_kind(m->elf) != ELF_K_ELF || gelf_getclass(m->elf) != ELFCLASS64) {
		elf_end(m->elf);
		m->elf = NULL;
		return;
	}
	m->image = (const uint8_t *)elf_rawfile(m->elf, &m->image_size);
	read_load_segments(m);
	read_build_id(m);
}

static void module_free(struct module *m)
{
	if (!m)
		return;
	if (m->elf)
		elf_end(m->elf);
	if (m->fd >= 0)
		close(m->fd);
	free(m->loads);
	free(m->pub.path);
	free(m->pub.host_path);
	free(m);
}

static struct module *module_new(pid_t pid, const struct map_entry *e, uint32_t id)
{
	struct module *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->fd = -1;
	m->pub.id = id;
	m->inode = e->inode;
	m->dev_major = e->dev_major;
	m->dev_minor = e->dev_minor;
	m->pub.path = strdup(e->path);
	if (!m->pub.path || open_module_file(m, pid) < 0) {
		module_free(m);
		return NULL;
	}
	open_elf(m);
	return m;
}

static int module_matches(const struct module *m, const struct map_entry *e)
{
	return m->inode == e->inode && m->dev_major == e->dev_major &&
	       m->dev_minor == e->dev_minor && !strcmp(m->pub.path, e->path);
}

static int add_module(struct target_space *ts, struct module *m)
{
	if (ts->n_modules == ts->cap_modules) {
		uint32_t cap = ts->cap_modules ? ts->cap_modules * 2 : 32;
		struct module **v = realloc(ts->modules, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ts->modules = v;
		ts->cap_modules = cap;
	}
	ts->modules[ts->n_modules++] = m;
	return 0;
}

/* The module id for a file-backed mapping, creating the module at first sight. */
static int module_for_entry(struct target_space *ts, const struct map_entry *e, uint32_t *id)
{
	struct module *m;

	for (uint32_t i = 0; i < ts->n_modules; i++) {
		if (module_matches(ts->modules[i], e)) {
			*id = i;
			return 0;
		}
	}
	m = module_new(ts->pid, e, ts->n_modules);
	if (!m || add_module(ts, m) < 0) {
		module_free(m);
		return -ENOMEM;
	}
	*id = m->pub.id;
	return 0;
}

static int same_mapping(const struct map_entry *a, const struct map_entry *b)
{
	return a->start == b->start && a->end == b->end && a->offset == b->offset &&
	       a->inode == b->inode && !strcmp(a->path, b->path);
}

/* True when some mapping of old is gone or changed in new (both sorted by start). Mappings that
 * were only added do not invalidate what was learned about the old ones. */
static int mappings_removed(const struct proc_maps *old, const struct proc_maps *new)
{
	size_t j = 0;

	for (size_t i = 0; i < old->n; i++) {
		while (j < new->n &&new->v[j].start < old->v[i].start)
			j++;
		if (j == new->n || !same_mapping(&old->v[i], &new->v[j]))
			return 1;
	}
	return 0;
}

static int assign_modules(struct target_space *ts, const struct proc_maps *maps, uint32_t *ids)
{
	for (size_t i = 0; i < maps->n; i++) {
		ids[i] = NO_MODULE;
		if (map_entry_is_file(&maps->v[i])) {
			int err = module_for_entry(ts, &maps->v[i], &ids[i]);

			if (err)
				return err;
		}
	}
	return 0;
}

static void note_uprobes_page(struct target_space *ts, const struct proc_maps *maps)
{
	ts->uprobes_start = ts->uprobes_end = 0;
	for (size_t i = 0; i < maps->n; i++) {
		if (!strcmp(maps->v[i].path, "[uprobes]")) {
			ts->uprobes_start = maps->v[i].start;
			ts->uprobes_end = maps->v[i].end;
		}
	}
}

/* Makes maps (parsed, owned from here on) the current mappings, opening new modules. */
static int apply_maps(struct target_space *ts, struct proc_maps maps)
{
	uint32_t *ids;
	int err;

	ids = calloc(maps.n ? maps.n : 1, sizeof(*ids));
	if (!ids) {
		proc_maps_free(&maps);
		return -ENOMEM;
	}
	err = assign_modules(ts, &maps, ids);
	if (err) {
		free(ids);
		proc_maps_free(&maps);
		return err;
	}
	if (mappings_removed(&ts->maps, &maps))
		ts->generation++;
	note_uprobes_page(ts, &maps);
	proc_maps_free(&ts->maps);
	free(ts->map_module);
	ts->maps = maps;
	ts->map_module = ids;
	return 0;
}

int target_space_refresh(struct target_space *ts)
{
	struct proc_maps maps;
	int err;

	ts->last_read_ns = now_ns();
	if (ts->fixed_maps)
		return 0;
	err = proc_maps_read(ts->pid, &maps);
	if (err)
		return err;
	return apply_maps(ts, maps);
}

static struct target_space *space_alloc(pid_t pid)
{
	struct target_space *ts;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = ENOSYS;
		return NULL;
	}
	ts = calloc(1, sizeof(*ts));
	if (!ts) {
		errno = ENOMEM;
		return NULL;
	}
	ts->pid = pid;
	ts->maps.pid = pid;
	return ts;
}

struct target_space *target_space_from_maps(pid_t pid, const char *maps_text, size_t len)
{
	struct target_space *ts = space_alloc(pid);
	struct proc_maps maps;
	int err;

	if (!ts)
		return NULL;
	ts->fixed_maps = 1;
	err = proc_maps_parse(maps_text, len, &maps);
	if (!err) {
		maps.pid = pid;
		err = apply_maps(ts, maps);
	}
	if (err) {
		target_space_free(ts);
		errno = -err;
		return NULL;
	}
	return ts;
}

struct target_space *target_space_new(pid_t pid)
{
	struct target_space *ts = space_alloc(pid);
	int err;

	if (!ts)
		return NULL;
	err = target_space_refresh(ts);
	if (err) {
		target_space_free(ts);
		errno = -err;
		return NULL;
	}
	return ts;
}

void target_space_free(struct target_space *ts)
{
	if (!ts)
		return;
	for (uint32_t i = 0; i < ts->n_modules; i++)
		module_free(ts->modules[i]);
	free(ts->modules);
	free(ts->map_module);
	proc_maps_free(&ts->maps);
	free(ts);
}

static void refresh_if_due(struct target_space *ts)
{
	if (ts->may_refresh && !ts->may_refresh(ts->may_refresh_arg))
		return; /* the maps now describe another image than the records being read */
	if (now_ns() - ts->last_read_ns >= REFRESH_INTERVAL_NS)
		target_space_refresh(ts);
}

void target_space_set_refresh_gate(struct target_space *ts, int (*may_refresh)(void *arg),
				   void *arg)
{
	ts->may_refresh = may_refresh;
	ts->may_refresh_arg = arg;
}

/* Index of the mapping containing addr, or -1; re-reads maps (rate-limited) on a miss when
 * refresh_on_miss is set. */
static long find_entry(struct target_space *ts, uint64_t addr, int refresh_on_miss)
{
	const struct map_entry *e = proc_maps_find(&ts->maps, addr);

	if (!e && refresh_on_miss) {
		refresh_if_due(ts);
		e = proc_maps_find(&ts->maps, addr);
	}
	return e ? e - ts->maps.v : -1;
}

/* Like find_entry, but the mapping must be backed by a module. */
static long find_module_entry(struct target_space *ts, uint64_t addr)
{
	long i = find_entry(ts, addr, 1);

	if (i >= 0 && ts->map_module[i] == NO_MODULE) {
		/* maybe an anonymous mapping replaced since by a dlopen'ed file */
		refresh_if_due(ts);
		i = find_entry(ts, addr, 0);
	}
	if (i < 0 || ts->map_module[i] == NO_MODULE)
		return -1;
	return i;
}

int target_space_lookup(struct target_space *ts, uint64_t ip, const struct target_module **mod,
			uint64_t *file_off)
{
	long i = find_module_entry(ts, ip);
	const struct map_entry *e;

	if (i < 0)
		return -ENOENT;
	e = &ts->maps.v[i];
	if (mod)
		*mod = &ts->modules[ts->map_module[i]]->pub;
	if (file_off)
		*file_off = ip - e->start + e->offset;
	return 0;
}

const struct target_module *target_space_module(const struct target_space *ts, uint32_t id)
{
	return id < ts->n_modules ? &ts->modules[id]->pub : NULL;
}

uint32_t target_space_module_count(const struct target_space *ts)
{
	return ts->n_modules;
}

pid_t target_space_pid(const struct target_space *ts)
{
	return ts->pid;
}

uint64_t target_space_generation(const struct target_space *ts)
{
	return ts->generation;
}

int target_space_read_file_word(struct target_space *ts, uint64_t addr, uint64_t *val)
{
	long i = find_entry(ts, addr, 0);
	const struct map_entry *e;
	const struct module *m;
	uint64_t off;

	if (i < 0 || ts->map_module[i] == NO_MODULE)
		return -ENOENT;
	e = &ts->maps.v[i];
	if (e->perms[1] == 'w') /* writable: the file no longer says what memory holds */
		return -EACCES;
	m = ts->modules[ts->map_module[i]];
	off = addr - e->start + e->offset;
	if (!m->image || off > m->image_size || m->image_size - off < sizeof(*val))
		return -ENOENT;
	memcpy(val, m->image + off, sizeof(*val));
	return 0;
}

/* Load bias of module m as mapped by e: run-time address minus link-time address. */
static int module_bias(const struct module *m, const struct map_entry *e, uint64_t *bias)
{
	for (size_t i = 0; i < m->n_loads; i++) {
		const struct load_segment *l = &m->loads[i];
		uint64_t page_start = l->offset & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);

		if (e->offset >= page_start && e->offset < l->offset + l->filesz) {
			/* vaddr and offset are congruent modulo the page size */
			*bias = e->start - (l->vaddr + (e->offset - l->offset));
			return 0;
		}
	}
	return -ENODATA;
}

static int encoded_size(uint8_t enc, size_t *size)
{
	switch (enc & PE_FORMAT_MASK) {
	case PE_UDATA4:
	case PE_SDATA4:
		*size = 4;
		return 0;
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		*size = 8;
		return 0;
	default:
		return -ENODATA;
	}
}

/* File offset of link-time address vaddr, from the PT_LOAD headers. */
static int vaddr_to_offset(const struct module *m, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < m->n_loads; i++) {
		const struct load_segment *l = &m->loads[i];

		if (vaddr >= l->vaddr && vaddr - l->vaddr < l->filesz) {
			*off = l->offset + (vaddr - l->vaddr);
			return 0;
		}
	}
	return -ENODATA;
}

/* Every FDE the table points to, and its CIE, must be records libunwind can be given
 * (eh_frame_check.h): else the module is left without unwind info (chains stop there). */
static int check_fdes(const struct module *m)
{
	const uint8_t *table = m->image + m->eh_hdr_offset + m->table_off;
	struct eh_frame_checker k;

	eh_frame_checker_init(&k, m->image, m->image_size);
	for (uint64_t i = 0; i < m->fde_count; i++) {
		int32_t rel;
		uint64_t off;

		memcpy(&rel, table + 8 * i + 4, 4); /* (initial location, FDE), datarel sdata4 */
		if (vaddr_to_offset(m, m->eh_hdr_vaddr + (uint64_t)(int64_t)rel, &off) ||
		    eh_frame_check_fde(&k, off))
			return -ENODATA;
	}
	return 0;
}

/* Parses the header of .eh_frame_hdr: version 1, and a table encoded the way libunwind's
 * remote table search reads it (pairs of datarel sdata4). */
static int parse_eh_frame_hdr(struct module *m)
{
	const uint8_t *hdr;
	size_t ptr_size, count_size;
	uint32_t count4;

	if (!m->has_eh_frame_hdr || !m->image || m->eh_hdr_offset > m->image_size ||
	    m->image_size - m->eh_hdr_offset < m->eh_hdr_size || m->eh_hdr_size < 4)
		return -ENODATA;
	hdr = m->image + m->eh_hdr_offset;
	if (hdr[0] != 1 || hdr[2] == PE_OMIT || hdr[3] != PE_DATAREL_SDATA4 || (hdr[2] & 0x70))
		return -ENODATA;
	if (encoded_size(hdr[1], &ptr_size) || encoded_size(hdr[2], &count_size))
		return -ENODATA;
	m->table_off = 4 + ptr_size + count_size;
	if (m->table_off > m->eh_hdr_size)
		return -ENODATA;
	if (count_size == 4) {
		memcpy(&count4, hdr + 4 + ptr_size, 4);
		m->fde_count = count4;
	} else {
		memcpy(&m->fde_count, hdr + 4 + ptr_size, 8);
	}
	if (m->fde_count > (m->eh_hdr_size - m->table_off) / 8)
		return -ENODATA;
	return check_fdes(m);
}

static int ensure_table(struct module *m, int *cached)
{
	*cached = m->table_state != TABLE_UNPARSED;
	if (m->table_state == TABLE_UNPARSED)
		m->table_state = parse_eh_frame_hdr(m) ? TABLE_UNUSABLE : TABLE_OK;
	return m->table_state == TABLE_OK ? 0 : -ENODATA;
}

int target_space_eh_table(struct target_space *ts, uint64_t ip, struct target_eh_table *out,
			  int *cached)
{
	long i = find_module_entry(ts, ip);
	const struct map_entry *e;
	struct module *m;
	uint64_t bias;
	int err;

	*cached = 0;
	if (i < 0)
		return -ENOENT;
	e = &ts->maps.v[i];
	m = ts->modules[ts->map_module[i]];
	err = ensure_table(m, cached);
	if (err)
		return err;
	err = module_bias(m, e, &bias);
	if (err)
		return err;
	out->hdr_addr = m->eh_hdr_vaddr + bias;
	out->table_addr = out->hdr_addr + m->table_off;
	out->fde_count = m->fde_count;
	out->start_ip = m->exec_lo + bias;
	out->end_ip = m->exec_hi + bias;
	return 0;
}

static int in_uprobes_page(const struct target_space *ts, uint64_t addr)
{
	return addr >= ts->uprobes_start && addr < ts->uprobes_end;
}

int target_space_is_uprobes_trampoline(struct target_space *ts, uint64_t addr)
{
	if (in_uprobes_page(ts, addr))
		return 1;
	if (proc_maps_find(&ts->maps, addr))
		return 0;
	refresh_if_due(ts); /* the page appears at the first uretprobe hit after attach */
	return in_uprobes_page(ts, addr);
}
