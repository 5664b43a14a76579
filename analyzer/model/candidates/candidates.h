/* candidates.h: arena candidates, the heart of `report`: call sites whose sampled objects
 * (objects table) are born and freed inside one invocation of a common scope function are grouped
 * into one candidate (one arena for all of them), with the numbers that size the arena, the
 * allocator CPU it would save, its risks and a recommendation. The definitions, formulas and
 * constants are documented in analyzer/README.md ("Arena candidates"). */
#ifndef ARENAPROF_CANDIDATES_H
#define ARENAPROF_CANDIDATES_H

#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

#include "arena_memory.h"
#include "report_data.h"
#include "savings.h"

/* A site with fewer sampled objects is not judged alone ("too few sampled objects"); such sites
 * whose objects one scope encloses are judged together (candidates.c, pool_small_sites). */
#define CAND_MIN_OBJECTS 20
/* A site joins a scope's candidate when this share of its sampled objects is enclosed by it. */
#define CAND_SITE_SCOPE_SHARE 0.80
/* An object whose end was not seen is long-lived only if it outlived this (ns); younger, its
 * lifetime is censored (survival.c, docs/design.md "Lifetime cohorts"). */
#define CAND_LONG_HORIZON_NS 1000000000LL
/* Recommended only below this escape, cross-thread and long-lived share. */
#define CAND_MAX_RISK_SHARE 0.05
/* Verified: this share of the scoped, freed objects was freed in the invocation (record --verify)
 * that allocated it. */
#define CAND_VERIFIED_SHARE 0.95
/* The arena's own cost as a share of the malloc CPU it replaces (a bump allocation; frees are
 * free). Measurement: bench/arena.sh: arena vs glibc malloc/free on the tree pattern: glibc
 * 30.5 ns/alloc vs arena 18-21 ns including the tree walk; 10% of malloc's cost is pessimistic. */
#define ARENA_COST_FRACTION 0.10 /* used when the profile has no calibration (meta calib_*) */
/* Objects of this size or more are "large": glibc serves them with mmap, an arena wastes them. */
#define ARENA_LARGE_OBJECT (128LL * 1024)
/* More bytes per scope invocation (p99) than this grows the process's memory: score penalty. */
#define ARENA_GROWTH_LIMIT (1024LL * 1024)
/* Lifetime histogram of the freed sampled objects: under 1 us, then one bucket per decade (1-10
 * us ... 1-10 s), the last one 10 s and more. */
#define CAND_LIFE_BUCKETS 9
/* A scope whose invocations last this many times its objects' p99 lifetime (or never end while
 * recording) is one iteration of a loop in the scope function, not a call to wrap. */
#define CAND_LOOP_SPAN_RATIO 100
/* A scope (call or loop iteration) whose enclosed objects are at least this share allocated and
 * freed by different functions called from one instruction of the scope frame is not
 * recommended without --verify: an indirect dispatch (an interpreter's op loop, an event loop's
 * handlers) whose objects outlive the call that made them (docs/design.md, "Dispatched objects"). */
#define CAND_DISPATCHED_SHARE 0.5
/* The smallest arena recommended, KiB (a page). */
#define ARENA_MIN_KIB 4

enum cand_risk { CAND_RISK_LOW, CAND_RISK_MEDIUM, CAND_RISK_HIGH, CAND_RISK_UNKNOWN };
/* "low", "medium", "high", "unknown" (candidates_words.c) */
const char *cand_risk_name(enum cand_risk r);

/* Why a site is not part of a candidate (a single-site entry), or CAND_JOINED. */
enum cand_verdict {
	CAND_JOINED,
	CAND_TOO_FEW, /* fewer than CAND_MIN_OBJECTS sampled objects */
	CAND_LONG_LIVED, /* mostly still live at the end */
	CAND_ESCAPES, /* mostly freed outside their scope */
	CAND_CROSS_THREAD, /* mostly freed by another thread */
	CAND_NO_COMMON_SCOPE, /* scoped, but no scope encloses CAND_SITE_SCOPE_SHARE of them */
	CAND_CENSORED, /* too few objects with a known end: most were censored young */
	CAND_DISPATCHED, /* mostly made and freed by different calls from one instruction */
};

/* A code location (a frame), as a site is keyed. */
struct an_loc {
	char *function;
	char *file; /* NULL without debug info */
	long long line;
	int has_line;
	char *module; /* AN_UNKNOWN without a module */
};

/* What the scope is: a call of the scope function (wrap it), or one iteration of a loop in it
 * (reset an arena once per iteration), and why a loop (candidates_loop.c). */
enum cand_scope_kind { CAND_SCOPE_CALL, CAND_SCOPE_LOOP };
enum cand_loop_why {
	CAND_LOOP_ROOT = 1, /* the scope function is a process or thread root (main, a thread's) */
	CAND_LOOP_NEVER_RETURNED, /* probed (--verify): no invocation returned while recording */
	CAND_LOOP_LONG, /* probed: its invocations last CAND_LOOP_SPAN_RATIO x its objects' p99 */
	CAND_LOOP_ITERATIONS_PROBED, /* record --verify-loop probed the loop's iterations */
};

struct an_candidate {
	int has_scope; /* scope: the enclosing function (the frame at scope_pos) */
	struct an_loc scope;
	enum cand_scope_kind scope_kind;
	enum cand_loop_why loop_why; /* CAND_SCOPE_LOOP: why */
	/* CAND_SCOPE_LOOP: the loop's calls in the scope function (function: the callee, file:line:
	 * the call in the scope function) towards the allocation and the free */
	struct an_loc loop_alloc, loop_free;
	int has_loop_alloc, has_loop_free;
	char *loop_function; /* CAND_SCOPE_LOOP: the function holding the loop */
	/* CAND_SCOPE_LOOP, record --verify-loop probed it: the call that started each iteration,
	 * the iterations ended by the next one, and of the enclosed objects whose end was seen in
	 * an iteration or that were allocated in one, those freed within the iteration that
	 * allocated them (loop_inside of loop_judged) */
	int loop_probed;
	char *loop_probe_call;
	long long loop_iterations, loop_inside, loop_judged;
	/* CAND_SCOPE_LOOP, not probed: the record --verify-loop command that verifies it (NULL when
	 * F or A has no symbol: loop_verify_limit says why) */
	char *loop_verify_command;
	const char *loop_verify_limit;
	int is_scope; /* a scope candidate (else a single site that is not a candidate) */
	enum cand_verdict verdict; /* single-site entries: why */
	int probed; /* scope_probes has a row for the scope function */
	int probe_never_returned; /* probed, but no invocation returned while recording */
	int verified, recommended;
	enum cand_risk risk;
	const struct an_site **sites; /* into the report's sites (or an_candidates.extra) */
	size_t nsites;
	long long objects; /* sampled objects of its sites */
	double objects_per_s; /* objects * track_every / duration_s */
	int has_rate;
	int rate_lower_bound; /* objects_per_s is a lower bound (probes dominated the windows) */
	long long bytes_p50, bytes_p99; /* bytes per scope invocation */
	int has_bytes;
	long long life_p50, life_p99; /* ns, freed objects */
	long long life_hist[CAND_LIFE_BUCKETS]; /* freed objects per lifetime bucket */
	int has_life;
	/* Kaplan-Meier over freed and censored objects (survival.c) */
	int has_km, km_median_censored;
	long long km_median_ns, censored_objects;
	double enclosed_share, escape_share, cross_thread_share, long_lived_share;
	double realloc_share, large_share, verified_share;
	double dispatched_share; /* of the objects the scope encloses: o->dispatched */
	char *free_function; /* most common function at free stack pos 0, NULL: none freed */
	double free_share; /* its share of the freed objects */
	int free_recursive; /* most of those frees were called from the same function */
	double alloc_cpu_share, free_cpu_share, est_cpu_saving, score;
	/* the predicted saving in parts with its 90% interval (savings.c), with CPU samples */
	int has_prediction;
	struct savings_input pred_in;
	struct savings pred;
	char *walk_function; /* the free walk (free_walk.c), NULL: none found */
	/* memory (arena_memory.c), scope candidates with bytes per invocation */
	struct cand_memory mem;
	long long arena_kib; /* 0 when not a scope candidate */
	char *reason;
	char *recommendation; /* NULL: none */
};

struct an_candidates {
	struct an_candidate *v; /* by score desc */
	size_t n;
	long long objects; /* sampled objects in the profile */
	long long track_every; /* meta track_every, 0 unknown */
	double arena_cost_fraction; /* arena cost per object / malloc+free cost per object */
	double calib_malloc_free_ns, calib_arena_ns; /* meta calib_*, 0 when not measured */
	/* meta calib_inplace_*, 0 when not measured (or implausible) */
	double inplace_malloc_free_ns, inplace_arena_ns, inplace_spread;
	double arena_cost_fraction_sd; /* the fraction's standard deviation */
	struct an_site **extra; /* sites of sampled objects missing from alloc_stats */
	size_t nextra;
};

/* Reads the sampled objects and builds the candidates from them and the sites (with their CPU,
 * after an_cpu_load). 0, or -1 after an error message naming path. */
int an_candidates_load(sqlite3 *db, const char *path, const struct an_info *info,
		       const struct an_sites *sites, struct an_candidates *out);
void an_candidates_free(struct an_candidates *c);

struct json_writer;
/* candidates[] of report --json (candidates_json.c). */
void candidates_json(struct json_writer *w, const struct an_info *info,
		     const struct an_candidates *c);
/* The "Arena candidates" section of the text report; top: rejected sites shown (0: all). */
void candidates_text(FILE *f, const struct an_info *info, const struct an_candidates *c,
		     size_t top);

#endif
