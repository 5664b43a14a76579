/* unwind_dwarf.c: DWARF (.eh_frame) unwinding of stack snapshots with libunwind's remote API.
 * Stack memory is served from the snapshot, unwind tables and CFI from the target's ELF files
 * (through target_space), registers other than ip/sp/bp are unknown. */
#define _GNU_SOURCE
#include "unwind_dwarf.h"

#include <errno.h>
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

/* Not in the public header: binary search of a .eh_frame_hdr table read through accessors. */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

struct unwinder {
	struct target_space *ts;
	unw_addr_space_t as;
	uint64_t generation; /* target_space generation the libunwind caches reflect */
	int last_truncated;
	struct unwind_stats stats;
};

/* Passed to the accessors as their arg during one unwind. */
struct unwind_ctx {
	struct unwinder *u;
	const struct stack_snapshot *s;
};

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct unwind_ctx *ctx = arg;
	struct target_eh_table t;
	unw_dyn_info_t di;
	int cached;

	if (target_space_eh_table(ctx->u->ts, ip, &t, &cached))
		return -UNW_ENOINFO;
	if (cached)
		ctx->u->stats.table_cache_hits++;
	else
		ctx->u->stats.table_cache_misses++;
	memset(&di, 0, sizeof(di));
	di.start_ip = t.start_ip;
	di.end_ip = t.end_ip;
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.u.rti.segbase = t.hdr_addr;
	di.u.rti.table_data = t.table_addr;
	di.u.rti.table_len = t.fde_count * 8 / sizeof(unw_word_t);
	return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
}

/* Only called for dynamic unwind info, which this address space never produces. */
static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)as;
	(void)pi;
	(void)arg;
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	(void)as;
	(void)addr;
	(void)arg;
	return -UNW_ENOINFO;
}

static int read_snapshot_word(const struct stack_snapshot *s, uint64_t addr, unw_word_t *val)
{
	uint64_t off = addr - s->sp;

	if (addr < s->sp || off > s->len || s->len - off < sizeof(*val))
		return -UNW_EINVAL;
	memcpy(val, s->data + off, sizeof(*val));
	return 0;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	struct unwind_ctx *ctx = arg;
	uint64_t word;
	int rc;

	(void)as;
	if (write)
		return -UNW_EINVAL;
	if (read_snapshot_word(ctx->s, addr, val) == 0)
		return 0;
	*val = 0; /* libunwind 1.6 uses it even on failure on some paths (Valgrind) */
	rc = target_space_read_file_word(ctx->u->ts, addr, &word);
	/* A word of a writable file mapping (.data): libunwind reads one only to parse a CIE with an
	 * indirect personality pointer (C++ with cleanups built -fPIC/-fPIE: a DW.ref in .data), which
	 * unwinding never uses. Failing that read made libunwind drop the CIE and end every C++ stack
	 * at the first such frame (cpp_strings: at Catalog::load, never main). It reads as 0. */
	if (rc == -EACCES)
		return 0;
	if (rc)
		return -UNW_EINVAL;
	*val = word;
	return 0;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	const struct stack_snapshot *s = ((struct unwind_ctx *)arg)->s;

	(void)as;
	if (write)
		return -UNW_EINVAL;
	switch (reg) {
	case UNW_X86_64_RIP:
		*val = s->ip;
		return 0;
	case UNW_X86_64_RSP:
		*val = s->sp;
		return 0;
	case UNW_X86_64_RBP:
		*val = s->bp;
		return 0;
	default:
		*val = 0; /* as in access_mem */
		return -UNW_EBADREG;
	}
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg)
{
	(void)as;
	(void)reg;
	(void)val;
	(void)write;
	(void)arg;
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as;
	(void)c;
	(void)arg;
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
			 unw_word_t *off, void *arg)
{
	(void)as;
	(void)addr;
	(void)buf;
	(void)len;
	(void)off;
	(void)arg;
	return -UNW_ENOINFO;
}

static unw_accessors_t snapshot_accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

int unwinder_set_cache_policy(struct unwinder *u, enum unwind_cache_policy policy)
{
	static const unw_caching_policy_t to_unw[] = {
		[UNWIND_CACHE_NONE] = UNW_CACHE_NONE,
		[UNWIND_CACHE_GLOBAL] = UNW_CACHE_GLOBAL,
		[UNWIND_CACHE_PER_THREAD] = UNW_CACHE_PER_THREAD,
	};

	if ((unsigned int)policy >= sizeof(to_unw) / sizeof(to_unw[0]))
		return -EINVAL;
	return unw_set_caching_policy(u->as, to_unw[policy]) ? -EINVAL : 0;
}

struct unwinder *unwinder_new(struct target_space *ts)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->ts = ts;
	u->generation = target_space_generation(ts);
	u->as = unw_create_addr_space(&snapshot_accessors, 0);
	if (!u->as || unwinder_set_cache_policy(u, UNWIND_CACHE_GLOBAL)) {
		unwinder_free(u);
		return NULL;
	}
	return u;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	if (u->as)
		unw_destroy_addr_space(u->as);
	free(u);
}

/* Cached CFI is keyed by address: forget it when mappings went away or moved. */
static void flush_if_maps_changed(struct unwinder *u)
{
	uint64_t gen = target_space_generation(u->ts);

	if (gen != u->generation) {
		unw_flush_cache(u->as, 0, 0);
		u->generation = gen;
	}
}

/* Steps to the caller; 1 with its ip and sp, 0 when the chain ends there. */
static int step_to_caller(struct unwinder *u, unw_cursor_t *cursor, uint64_t prev_sp, uint64_t *ip,
			  uint64_t *sp)
{
	unw_word_t reg_ip, reg_sp;

	if (unw_step(cursor) <= 0)
		return 0;
	if (unw_get_reg(cursor, UNW_REG_IP, &reg_ip) || unw_get_reg(cursor, UNW_REG_SP, &reg_sp))
		return 0;
	if (reg_ip == 0 || reg_sp <= prev_sp)
		return 0;
	if (target_space_is_uprobes_trampoline(u->ts, reg_ip)) {
		u->stats.truncated++;
		u->last_truncated = 1;
		return 0;
	}
	*ip = reg_ip;
	*sp = reg_sp;
	return 1;
}

int unwind_dwarf(struct unwinder *u, const struct stack_snapshot *s, uint64_t *ips, int max)
{
	return unwind_dwarf_sp(u, s, ips, NULL, max);
}

int unwind_dwarf_sp(struct unwinder *u, const struct stack_snapshot *s, uint64_t *ips,
		    uint64_t *sps, int max)
{
	struct unwind_ctx ctx = { u, s };
	unw_cursor_t cursor;
	uint64_t ip, sp = s->sp;
	int n = 0;

	if (max <= 0)
		return 0;
	if (sps)
		sps[0] = s->sp;
	u->stats.samples++;
	u->last_truncated = 0;
	ips[n++] = s->ip;
	flush_if_maps_changed(u);
	if (s->ip != 0 && unw_init_remote(&cursor, u->as, &ctx) == 0) {
		while (n < max && step_to_caller(u, &cursor, sp, &ip, &sp)) {
			if (sps)
				sps[n] = sp;
			ips[n++] = ip;
		}
	}
	u->stats.frames += (uint64_t)n;
	return n;
}

void unwinder_stats(const struct unwinder *u, struct unwind_stats *out)
{
	*out = u->stats;
}

int unwinder_last_truncated(const struct unwinder *u)
{
	return u->last_truncated;
}
