/* stack_store.c: the agent's in-memory profile. Each distinct call chain (as module + file
 * offset per frame) becomes one stack with counts per allocator function; each distinct address
 * is symbolized once, at first sight, while the target's files are still at hand; new and
 * changed rows go to the database at each flush. */
#define _GNU_SOURCE
#include "stack_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_event.h"
#include "fnv1a.h"
#include "kallsyms.h"
#include "u64_map.h"

#define KINDS AP_KIND_ALLOC_COUNT
#define MAX_ELEMS 512
#define LOW48 ((1ULL << 48) - 1)
#define KERNEL_MODULE 0xfffeULL /* elem tag of kernel addresses; module id KERNEL_MODULE - 1 */
#define NO_MODULE 0xffffULL /* elem tag of addresses outside any file mapping */

#define KIND_NAME_(suffix, name) name,
static const char *const kind_names[] = { AP_ALLOC_KINDS(KIND_NAME_) AP_FREE_KINDS(KIND_NAME_) };
#undef KIND_NAME_

/* The name of an allocation or free kind (enum ap_kind) in profiles. */
const char *ap_kind_name(int kind)
{
	return kind >= 0 && kind < AP_KIND_FREE_END ? kind_names[kind] : "unknown";
}

struct kind_stats {
	uint64_t allocs, bytes, size_min, size_max;
};

/* Allocations of one stack in one window. */
struct win_stat {
	uint32_t window;
	int64_t stack_id;
	uint64_t allocs, bytes;
};

struct stack_entry {
	struct stack_entry *next; /* same hash */
	struct stack_entry *all; /* every stack, newest first */
	int64_t id;
	int n, truncated, written, dirty;
	uint64_t cpu_samples;
	struct kind_stats k[KINDS];
	uint32_t win_id; /* the window win_allocs/win_bytes count in (0: none) */
	uint64_t win_allocs, win_bytes;
	uint64_t elems[]; /* (module id + 1) << 48 | file offset, or NO_MODULE << 48 | address */
};

/* Frames of one address, inline expansion included: frame ids first .. first + n - 1. */
struct addr_frames {
	int64_t first;
	int n;
	uint64_t func; /* identity of the real function: hash of its module and name */
	char *site; /* the innermost frame's name (what a call site is called) */
};

struct frame_row {
	int64_t id, module_id;
	uint64_t offset;
	int inline_depth, line;
	char *function, *file;
};

struct thread_entry {
	uint32_t tid;
	int dirty;
	uint64_t allocs, bytes, cpu_samples;
	char name[16];
};

struct stack_store {
	struct target_space *ts;
	struct symbolizer *sym;
	struct u64_map stacks; /* hash -> chain of stack_entry */
	struct u64_map addrs; /* elem -> addr_frames */
	struct u64_map threads; /* tid -> thread_entry */
	struct stack_entry *all;
	struct frame_row *new_frames; /* frames not written yet */
	size_t n_new_frames, cap_new_frames;
	int64_t next_stack_id, next_frame_id;
	uint32_t modules_written;
	int kernel_seen, kernel_written;
	const struct kallsyms *ksyms;
	struct stack_store_stats stats;
	struct win_stat *win_done; /* per-window counts of windows left behind, not written yet */
	size_t n_win_done, cap_win_done;
};

struct stack_store *stack_store_new(struct target_space *ts, struct symbolizer *sym)
{
	struct stack_store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->ts = ts;
	st->sym = sym;
	st->next_stack_id = 1;
	st->next_frame_id = 1;
	return st;
}

static void free_new_frames(struct stack_store *st)
{
	for (size_t i = 0; i < st->n_new_frames; i++) {
		free(st->new_frames[i].function);
		free(st->new_frames[i].file);
	}
	st->n_new_frames = 0;
}

void stack_store_free(struct stack_store *st)
{
	if (!st)
		return;
	for (struct stack_entry *e = st->all, *next; e; e = next) {
		next = e->all;
		free(e);
	}
	U64_MAP_FOR_EACH(&st->addrs, i)
	{
		struct addr_frames *af = st->addrs.vals[i];

		free(af->site);
		free(af);
	}
	U64_MAP_FOR_EACH(&st->threads, i)
	free(st->threads.vals[i]);
	u64_map_free(&st->stacks);
	u64_map_free(&st->addrs);
	u64_map_free(&st->threads);
	free_new_frames(st);
	free(st->new_frames);
	free(st->win_done);
	free(st);
}

/* An address as the key of its frames: the top 16 bits say where it lies, the low 48 bits the
 * code byte to symbolize (a return address minus one: inside its call instruction). */
static uint64_t make_elem(struct stack_store *st, uint64_t ip, int exact, int kernel)
{
	const struct target_module *mod;
	uint64_t addr = exact || !ip ? ip : ip - 1, off;

	if (kernel)
		return (KERNEL_MODULE << 48) | (addr & LOW48);
	if (target_space_lookup(st->ts, addr, &mod, &off) == 0 && mod->id + 1 < KERNEL_MODULE &&
	    off <= LOW48)
		return ((uint64_t)(mod->id + 1) << 48) | off;
	return (NO_MODULE << 48) | (addr & LOW48);
}

/* Appends n addresses as elems; the first is exact (an interrupted instruction) when asked, the
 * others are return addresses. */
static int append_elems(struct stack_store *st, uint64_t *elems, int at, const uint64_t *ips, int n,
			int first_exact, int kernel)
{
	for (int i = 0; i < n && at < MAX_ELEMS; i++)
		elems[at++] = make_elem(st, ips[i], first_exact && i == 0, kernel);
	return at;
}

static int push_frame(struct stack_store *st, struct frame_row *row)
{
	if (st->n_new_frames == st->cap_new_frames) {
		size_t cap = st->cap_new_frames ? st->cap_new_frames * 2 : 256;
		struct frame_row *v = realloc(st->new_frames, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		st->new_frames = v;
		st->cap_new_frames = cap;
	}
	st->new_frames[st->n_new_frames++] = *row;
	return 0;
}

static uint64_t hash_string(const char *s)
{
	return fnv1a64(s, strlen(s));
}

/* Names of one elem: inline expansion from the symbolizer, a kallsyms name, or a fallback. */
static int name_elem(struct stack_store *st, uint64_t elem, struct sym_frame *sf, char *buf,
		     size_t size)
{
	uint64_t tag = elem >> 48, off = elem & LOW48;
	const char *kname;

	if (tag == KERNEL_MODULE) {
		kname = st->ksyms ? kallsyms_lookup(st->ksyms, off | ~LOW48) : NULL;
		if (!kname)
			snprintf(buf, size, "[kernel]+0x%llx", (unsigned long long)(off | ~LOW48));
		sf[0] = (struct sym_frame){ .function = kname ? kname : buf };
		return 1;
	}
	if (tag == NO_MODULE) {
		/* The kernel's uprobe page: single-stepped instructions and return trampolines. */
		if (target_space_is_uprobes_trampoline(st->ts, off))
			snprintf(buf, size, "[uprobes]");
		else
			snprintf(buf, size, "[unknown]+0x%llx", (unsigned long long)off);
		sf[0] = (struct sym_frame){ .function = buf };
		return 1;
	}
	const struct target_module *m = target_space_module(st->ts, (uint32_t)(tag - 1));

	return symbolizer_lookup(st->sym, m->host_path, m->path, off, sf, SYM_MAX_FRAMES);
}

/* Symbolizes one address into frame rows (several when functions were inlined there). */
static struct addr_frames *symbolize_elem(struct stack_store *st, uint64_t elem)
{
	struct sym_frame sf[SYM_MAX_FRAMES];
	struct addr_frames *af = malloc(sizeof(*af));
	uint64_t tag = elem >> 48;
	char fallback[64];
	int n;

	if (!af)
		return NULL;
	n = name_elem(st, elem, sf, fallback, sizeof(fallback));
	if (tag == KERNEL_MODULE)
		st->kernel_seen = 1;
	af->first = st->next_frame_id;
	af->n = n;
	af->func = hash_u64((tag << 48) ^ hash_string(sf[n - 1].function));
	af->site = strdup(sf[0].function);
	if (!af->site) {
		free(af);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct frame_row row = {
			.id = st->next_frame_id++,
			.module_id = tag != NO_MODULE ? (int64_t)tag - 1 : -1,
			.offset = elem & LOW48,
			.inline_depth = i,
			.line = sf[i].line,
			.function = strdup(sf[i].function),
			.file = sf[i].file ? strdup(sf[i].file) : NULL,
		};

		if (!row.function || push_frame(st, &row)) {
			free(row.function);
			free(row.file);
			free(af);
			return NULL;
		}
	}
	st->stats.addresses++;
	st->stats.frames += (uint64_t)n;
	return af;
}

static struct stack_entry *find_or_add_stack(struct stack_store *st, const uint64_t *elems, int n,
					     int truncated)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
	struct stack_entry *head, *e;

	for (int i = 0; i < n; i++)
		h = hash_u64(h ^ elems[i]);
	h |= 1; /* never 0, the empty key */
	head = u64_map_get(&st->stacks, h);
	for (e = head; e; e = e->next)
		if (e->n == n && !memcmp(e->elems, elems, (size_t)n * sizeof(*elems)))
			return e;
	for (int i = 0; i < n; i++) {
		if (u64_map_get(&st->addrs, elems[i]))
			continue;
		struct addr_frames *af = symbolize_elem(st, elems[i]);

		if (!af || u64_map_put(&st->addrs, elems[i], af)) {
			free(af);
			return NULL;
		}
	}
	e = calloc(1, sizeof(*e) + (size_t)n * sizeof(*elems));
	if (!e)
		return NULL;
	e->id = st->next_stack_id++;
	e->n = n;
	e->truncated = truncated;
	memcpy(e->elems, elems, (size_t)n * sizeof(*elems));
	e->next = head;
	if (u64_map_put(&st->stacks, h, e)) {
		free(e);
		return NULL;
	}
	e->all = st->all;
	st->all = e;
	st->stats.stacks++;
	if (truncated)
		st->stats.truncated++;
	return e;
}

static void read_thread_name(pid_t pid, uint32_t tid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%u/comm", (int)pid, tid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Counts a CPU sample (cpu) or allocs allocation calls of bytes in all for the thread. */
static int count_thread(struct stack_store *st, uint32_t tid, uint64_t bytes, uint32_t allocs,
			int cpu)
{
	struct thread_entry *t = u64_map_get(&st->threads, (uint64_t)tid + 1);

	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t || u64_map_put(&st->threads, (uint64_t)tid + 1, t)) {
			free(t);
			return -ENOMEM;
		}
		t->tid = tid;
		read_thread_name(target_space_pid(st->ts), tid, t->name, sizeof(t->name));
	}
	if (cpu) {
		t->cpu_samples++;
	} else {
		t->allocs += allocs;
		t->bytes += bytes;
	}
	t->dirty = 1;
	return 0;
}

static void fill_info(struct stack_store *st, const struct stack_entry *e, struct chain_info *info)
{
	int pos = 0;

	if (!info)
		return;
	info->stack_id = e->id;
	info->n = e->n < STACK_MAX_CHAIN ? e->n : STACK_MAX_CHAIN;
	for (int i = 0; i < info->n; i++) {
		const struct addr_frames *af = u64_map_get(&st->addrs, e->elems[i]);

		pos += af ? af->n : 0;
		info->pos[i] = pos - 1;
		info->func[i] = af ? af->func : 0;
	}
}

int stack_store_intern(struct stack_store *st, const uint64_t *ips, int n, int truncated,
		       struct chain_info *info)
{
	uint64_t elems[MAX_ELEMS];
	struct stack_entry *e;
	int ne = append_elems(st, elems, 0, ips, n, 0, 0);

	e = find_or_add_stack(st, elems, ne, truncated || ne < n);
	if (!e)
		return -ENOMEM;
	if (!e->written)
		e->dirty = 1;
	fill_info(st, e, info);
	return 0;
}

/* Moves the stack's counts of its last window to the list to write. */
static int leave_window(struct stack_store *st, struct stack_entry *e)
{
	if (e->win_id && e->win_allocs) {
		if (st->n_win_done == st->cap_win_done) {
			size_t cap = st->cap_win_done ? st->cap_win_done * 2 : 256;
			struct win_stat *v = realloc(st->win_done, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			st->win_done = v;
			st->cap_win_done = cap;
		}
		st->win_done[st->n_win_done++] =
			(struct win_stat){ e->win_id, e->id, e->win_allocs, e->win_bytes };
	}
	e->win_allocs = e->win_bytes = 0;
	return 0;
}

int stack_store_close_windows(struct stack_store *st)
{
	for (struct stack_entry *e = st->all; e; e = e->all)
		if (leave_window(st, e))
			return -ENOMEM;
	return 0;
}

int stack_store_add(struct stack_store *st, const uint64_t *ips, int n, int truncated, int kind,
		    uint64_t size, uint32_t tid, uint32_t window, uint32_t weight,
		    struct chain_info *info)
{
	uint64_t elems[MAX_ELEMS];
	struct stack_entry *e;
	struct kind_stats *k;
	int ne;

	if (kind < 0 || kind >= KINDS)
		return -EINVAL;
	ne = append_elems(st, elems, 0, ips, n, 0, 0);
	e = find_or_add_stack(st, elems, ne, truncated || ne < n);
	if (!e)
		return -ENOMEM;
	k = &e->k[kind];
	if (!k->allocs || size < k->size_min)
		k->size_min = size;
	if (size > k->size_max)
		k->size_max = size;
	k->allocs += weight;
	k->bytes += size * weight;
	e->dirty = 1;
	if (window && window != e->win_id) {
		if (leave_window(st, e))
			return -ENOMEM;
		e->win_id = window;
	}
	e->win_allocs += window ? weight : 0;
	e->win_bytes += window ? size * weight : 0;
	st->stats.allocs++;
	fill_info(st, e, info);
	return count_thread(st, tid, size * weight, weight, 0);
}

int stack_store_add_cpu(struct stack_store *st, const uint64_t *kips, int nk, const uint64_t *uips,
			int nu, int truncated, uint32_t tid)
{
	uint64_t elems[MAX_ELEMS];
	struct stack_entry *e;
	int ne;

	ne = append_elems(st, elems, 0, kips, nk, 1, 1);
	ne = append_elems(st, elems, ne, uips, nu, 1, 0);
	if (ne == 0)
		return 0;
	e = find_or_add_stack(st, elems, ne, truncated || ne < nk + nu);
	if (!e)
		return -ENOMEM;
	e->cpu_samples++;
	e->dirty = 1;
	st->stats.cpu_samples++;
	return count_thread(st, tid, 0, 0, 1);
}

void stack_store_set_kallsyms(struct stack_store *st, const struct kallsyms *ksyms)
{
	st->ksyms = ksyms;
}

static int flush_modules(struct stack_store *st, struct profile_writer *w)
{
	uint32_t count = target_space_module_count(st->ts);

	if (st->kernel_seen && !st->kernel_written) {
		if (pw_module(w, (int64_t)KERNEL_MODULE - 1, "[kernel.kallsyms]", ""))
			return -1;
		st->kernel_written = 1;
	}

	for (; st->modules_written < count; st->modules_written++) {
		const struct target_module *m = target_space_module(st->ts, st->modules_written);

		if (pw_module(w, m->id, m->path, m->build_id))
			return -1;
	}
	return 0;
}

static int flush_frames(struct stack_store *st, struct profile_writer *w)
{
	for (size_t i = 0; i < st->n_new_frames; i++) {
		const struct frame_row *r = &st->new_frames[i];

		if (pw_frame(w, r->id, r->module_id, r->offset, r->inline_depth, r->function,
			     r->file, r->line))
			return -1;
	}
	free_new_frames(st);
	return 0;
}

static int write_stack(struct stack_store *st, struct profile_writer *w, struct stack_entry *e)
{
	int pos = 0;

	for (int i = 0; i < e->n; i++) {
		const struct addr_frames *af = u64_map_get(&st->addrs, e->elems[i]);

		for (int j = 0; af && j < af->n; j++)
			if (pw_stack_frame(w, e->id, pos++, af->first + j))
				return -1;
	}
	if (pw_stack(w, e->id, pos, e->truncated))
		return -1;
	e->written = 1;
	return 0;
}

static int flush_stacks(struct stack_store *st, struct profile_writer *w)
{
	for (struct stack_entry *e = st->all; e; e = e->all) {
		if (!e->dirty)
			continue;
		if (!e->written && write_stack(st, w, e))
			return -1;
		for (int k = 0; k < KINDS; k++) {
			const struct kind_stats *s = &e->k[k];

			if (s->allocs && pw_alloc_stats(w, e->id, kind_names[k], s->allocs,
							s->bytes, s->size_min, s->size_max))
				return -1;
		}
		if (e->cpu_samples && pw_cpu_stats(w, e->id, e->cpu_samples))
			return -1;
		e->dirty = 0;
	}
	return 0;
}

static int flush_threads(struct stack_store *st, struct profile_writer *w)
{
	U64_MAP_FOR_EACH(&st->threads, i)
	{
		struct thread_entry *t = st->threads.vals[i];

		if (t->dirty && pw_thread(w, t->tid, t->name, t->allocs, t->bytes, t->cpu_samples))
			return -1;
		t->dirty = 0;
	}
	return 0;
}

int stack_store_flush(struct stack_store *st, struct profile_writer *w)
{
	if (flush_modules(st, w) || flush_frames(st, w) || flush_stacks(st, w) ||
	    flush_threads(st, w))
		return -1;
	for (size_t i = 0; i < st->n_win_done; i++) {
		const struct win_stat *v = &st->win_done[i];

		if (pw_window_stat(w, v->window, v->stack_id, v->allocs, v->bytes))
			return -1;
	}
	st->n_win_done = 0;
	return 0;
}

void stack_store_stats(const struct stack_store *st, struct stack_store_stats *out)
{
	*out = st->stats;
}

int stack_store_size_mix(const struct stack_store *st, uint64_t *sizes, uint64_t *counts, int max)
{
	int n = 0;

	for (const struct stack_entry *e = st->all; e; e = e->all) {
		for (int k = 0; k < KINDS; k++) {
			const struct kind_stats *s = &e->k[k];
			int at;

			if (!s->allocs)
				continue;
			/* keep the max most frequent: insertion into a sorted array */
			if (n == max && counts[max - 1] >= s->allocs)
				continue; /* full, and less frequent than all kept */
			at = n < max ? n++ : max - 1;
			while (at > 0 && counts[at - 1] < s->allocs) {
				counts[at] = counts[at - 1];
				sizes[at] = sizes[at - 1];
				at--;
			}
			counts[at] = s->allocs;
			sizes[at] = s->bytes / s->allocs;
		}
	}
	return n;
}

int stack_store_top_sites(const struct stack_store *st, const char **names, uint64_t *allocs,
			  int max)
{
	int n = 0;

	for (const struct stack_entry *e = st->all; e; e = e->all) {
		const struct addr_frames *af = e->n ? u64_map_get(&st->addrs, e->elems[0]) : NULL;
		uint64_t a = 0;
		int i;

		for (int k = 0; k < KINDS; k++)
			a += e->k[k].allocs;
		if (!af || !a)
			continue;
		for (i = 0; i < n && strcmp(names[i], af->site); i++)
			;
		if (i == n) {
			if (n == max) {
				/* replace the smallest if this stack alone beats it */
				int min = 0;

				for (int j = 1; j < n; j++)
					if (allocs[j] < allocs[min])
						min = j;
				if (allocs[min] >= a)
					continue;
				i = min;
				allocs[i] = 0;
			} else {
				n++;
				allocs[i] = 0;
			}
			names[i] = af->site;
		}
		allocs[i] += a;
	}
	for (int i = 1; i < n; i++) /* largest first */
		for (int j = i; j > 0 && allocs[j] > allocs[j - 1]; j--) {
			uint64_t ta = allocs[j];
			const char *tn = names[j];

			allocs[j] = allocs[j - 1];
			names[j] = names[j - 1];
			allocs[j - 1] = ta;
			names[j - 1] = tn;
		}
	return n;
}
