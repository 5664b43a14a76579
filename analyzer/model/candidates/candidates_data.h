/* candidates_data.h: the sampled objects of a profile as the candidate analysis needs them
 * (candidates_query.c reads them, candidates.c groups them, candidates_stats.c measures them):
 * each object's site, scope and free site as small ids, and its class. */
#ifndef ARENAPROF_CANDIDATES_DATA_H
#define ARENAPROF_CANDIDATES_DATA_H

#include <stdint.h>
#include <sqlite3.h>

#include "candidates.h"
#include "name_table.h"

#define CAND_NO_ID UINT32_MAX

/* Each object is in exactly one class, tested in this order. */
enum obj_class {
	OBJ_CENSORED, /* free_stack_id NULL: still live past CAND_LONG_HORIZON_NS (long-lived) */
	OBJ_CROSS, /* freed by another thread (alloc_tid != free_tid) */
	OBJ_ESCAPING, /* freed, same thread, scope_pos NULL, or alloc_inv != free_inv */
	/* end not seen, censored younger than CAND_LONG_HORIZON_NS (survival.c): only a lower
	 * bound of its lifetime, neither long-lived nor escaping */
	OBJ_UNDETERMINED,
	OBJ_SCOPED, /* freed inside the invocation of its scope function */
};

struct cand_obj {
	uint32_t site; /* location id of alloc stack pos 0 */
	uint32_t scope; /* scope group id (function + module), CAND_NO_ID: no scope_pos */
	uint32_t scope_loc; /* location id of the scope frame, CAND_NO_ID: none */
	uint32_t free_site; /* location id of free stack pos 0, CAND_NO_ID: not freed */
	uint32_t free_fn; /* function id of free stack pos 0, CAND_NO_ID: not freed */
	enum obj_class cls;
	unsigned confirmed : 1; /* alloc_inv = free_inv, not NULL */
	unsigned has_inv : 1; /* alloc_inv not NULL */
	unsigned realloc : 1; /* kind realloc or freed_by realloc */
	unsigned free_recursive : 1; /* free stack pos 1 has the function of pos 0 */
	unsigned scope_root : 1; /* the scope frame is a process or thread root (main...) */
	/* allocated and freed through different functions called from one instruction of the scope
	 * frame (an indirect dispatch: an interpreter's ops, an event loop's handlers) */
	unsigned dispatched : 1;
	/* its loop function (loop_fn) had its iterations probed (record --verify-loop): alloc_inv
	 * and free_inv number the iterations */
	unsigned loop_probed : 1;
	/* the scope frame's call towards the allocation and the free: location ids whose function
	 * is the callee and whose file:line is the scope frame's (candidates_loop.c) */
	uint32_t loop_alloc, loop_free;
	uint32_t loop_fn; /* location id of the function holding the loop (the scope's, or its
			   * callee's when the scope is the C library's root frame) */
	long long size, alloc_ns, free_ns, tid, alloc_inv;
	long long age_ns; /* censored classes: the age it reached, -1 unknown (survival.c) */
	long long id; /* objects.id */
	unsigned in_running_scope : 1; /* live at the end in a running scope (survival.c) */
	uint64_t scope_cfa; /* alloc_cfas at scope_pos, 0 unknown */
};

/* A scope_probes row of record --verify-loop F:A: the loop in F (function, module), an iteration
 * starting at each call of A from F; iterations: those ended by the next one. */
struct cand_loop_probe {
	char *function, *module, *call;
	long long iterations;
};

struct cand_data {
	struct name_table locs; /* location keys */
	struct an_loc *loc; /* by location id */
	size_t loc_cap;
	struct name_table scopes; /* scope groups: function + module */
	uint32_t *scope_fn_loc; /* by scope id: a location id naming it */
	unsigned char
		*scope_probed; /* by scope id: 0 not probed, 1 probed, 2 probed, none returned */
	size_t scope_cap;
	struct cand_loop_probe *loop_probes; /* record --verify-loop rows */
	size_t nloop_probes;
	struct name_table fns; /* function names (free path) */
	struct cand_obj *objs;
	size_t n, cap;
	long long track_every; /* 0: unknown */
	double calib_malloc_free_ns, calib_arena_ns; /* meta calib_*, 0: not measured */
	/* meta calib_inplace_*, 0: not measured or not plausible */
	double inplace_malloc_free_ns, inplace_arena_ns, inplace_spread;
	/* calib_inplace_arena_ns / calib_inplace_malloc_free_ns, else calib_arena_ns /
	 * calib_malloc_free_ns, else ARENA_COST_FRACTION; and its standard deviation */
	double cost_fraction, cost_fraction_sd;
	long long duration_ns; /* -1: unknown */
	long long pid;
	int has_pid;
	int windowed; /* meta mode = windowed */
	long long undetermined; /* objects of class OBJ_UNDETERMINED */
	double exposure_ns; /* windowed: SUM(windows.exposure_ns), 0 unknown */
	int odd_lifetime_windows; /* meta lifetime_windows = odd: only those follow objects */
	int rate_lower_bound; /* exposure_ns is the armed time: the probes dominated the windows */
};

/* Reads meta, scope_probes and objects. 0, or -1 after an error message. */
int cand_data_load(sqlite3 *db, const char *path, struct cand_data *d);
void cand_data_free(struct cand_data *d);
/* The location id of a site (interned like the objects' locations). */
uint32_t cand_loc_intern(struct cand_data *d, const char *function, const char *file, int has_line,
			 long long line, const char *module);

/* candidates_stats.c: the numbers of one candidate from its objects (idx into d->objs), its
 * estimated CPU saving from the sites' CPU (site_of: location id -> report site or NULL), and
 * its score (cand_score: the CPU saving, or the enclosed objects per second without CPU
 * samples, times the penalties for escaping, cross-thread, long-lived, realloc'd and large
 * objects and for an arena outgrowing ARENA_GROWTH_LIMIT; 0 for a site without a scope). */
void cand_measure(const struct cand_data *d, const uint32_t *idx, size_t n, uint32_t scope,
		  struct an_candidate *c);
void cand_cpu_saving(const struct cand_data *d, const uint32_t *idx, size_t n, uint32_t scope,
		     const struct an_info *info, const struct an_site *const *site_of,
		     const long long *freed_at, struct an_candidate *c);
void cand_score(const struct an_info *info, struct an_candidate *c);

/* free_walk.c: each scope candidate's free walk samples (pred_in.walk_samples, walk_function)
 * and its prediction recomputed with them. 0, or -1 after an error message. */
int cand_free_walks(sqlite3 *db, const char *path, struct an_candidates *out);

/* candidates_loop.c: whether the scope is one iteration of a loop in the scope function (it
 * never ends while recording, or lasts far longer than its objects), and the loop's calls. */
int cand_root_function(const char *function);
int cand_root_caller(const char *caller);
void cand_loop(const struct cand_data *d, const uint32_t *idx, size_t n, uint32_t scope,
	       struct an_candidate *c);

/* candidates_loop_verify.c: the --verify-loop row whose loop function is location loc (function
 * and module), or NULL (also for CAND_NO_ID). */
const struct cand_loop_probe *cand_loop_probe_at(const struct cand_data *d, uint32_t loc);
/* A loop-iteration candidate's verification: with a --verify-loop row for its loop function
 * (location loop_loc), how many of the enclosed, probed objects were freed in their iteration
 * (c->loop_*); verified at CAND_VERIFIED_SHARE. Otherwise the F:A that verifies it, or why none
 * can. */
void cand_loop_verify(const struct cand_data *d, const uint32_t *idx, size_t n, uint32_t scope,
		      uint32_t loop_loc, struct an_candidate *c);

/* survival.c: censored objects younger than the long horizon become OBJ_UNDETERMINED; the
 * Kaplan-Meier lifetime median of the objects idx[0..n). */
void cand_censoring(struct cand_data *d);
/* Marks the objects still live at the end whose site's scope function was still running: the
 * same invocation (function and CFA) is on the stack of their thread's last followed
 * allocation. 0, or -1 after an error message. */
int cand_running_scopes(sqlite3 *db, const char *path, struct cand_data *d);
struct cand_km {
	int present;
	long long median_ns; /* the median lifetime, or (median_censored) a lower bound of it */
	int median_censored; /* more than half outlived every time observed: lifetime > median_ns */
	long long censored; /* objects whose end was not seen */
};
void cand_km(const struct cand_data *d, const uint32_t *idx, size_t n, struct cand_km *out);

/* candidates_words.c: reason, risk and recommendation text of a measured candidate. */
void cand_words(const struct cand_data *d, struct an_candidate *c);

/* Nearest-rank percentile p (1..100) of v (n > 0, sorted ascending). */
long long cand_percentile(const long long *v, size_t n, int p);

#endif
