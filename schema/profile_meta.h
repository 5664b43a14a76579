/* profile_meta.h: the keys of the meta table (schema/README.md, "meta"), one list for the agent
 * that writes them and the analyzer that reads them: a key is an enum ap_meta_key, never a bare
 * string, so a misspelt key does not compile. Each entry: the enum name, the key in the table
 * and the type of its text value (TEXT, INT: a decimal integer, REAL: a decimal number). */
#ifndef ARENAPROF_PROFILE_META_H
#define ARENAPROF_PROFILE_META_H

#define AP_META_KEYS(X)                                                       \
	X(SCHEMA_VERSION, "schema_version", INT)                              \
	X(ARENAPROF_VERSION, "arenaprof_version", TEXT)                       \
	X(PID, "pid", INT)                                                    \
	X(COMMAND, "command", TEXT)                                           \
	X(MODE, "mode", TEXT)                                                 \
	X(OVERHEAD_BUDGET, "overhead_budget", REAL)                           \
	X(PROBE_COST_ALLOC_NS, "probe_cost_alloc_ns", REAL)                   \
	X(PROBE_COST_FREE_NS, "probe_cost_free_ns", REAL)                     \
	X(PROBE_COST_UNARMED_NS, "probe_cost_unarmed_ns", REAL)               \
	X(PROBE_COST_SPREAD, "probe_cost_spread", REAL)                       \
	X(PROBE_COST_SOURCE, "probe_cost_source", TEXT)                       \
	X(WINDOWS, "windows", INT)                                            \
	X(PROBE_COST_NS, "probe_cost_ns", INT)                                \
	X(SAMPLER_COST_NS, "sampler_cost_ns", INT)                            \
	X(TARGET_CPU_NS, "target_cpu_ns", INT)                                \
	X(AGENT_CPU_NS, "agent_cpu_ns", INT)                                  \
	X(ATTACH, "attach", TEXT)                                             \
	X(UNWIND, "unwind", TEXT)                                             \
	X(STACK_SNAPSHOT_BYTES, "stack_snapshot_bytes", INT)                  \
	X(CPU_FREQ, "cpu_freq", INT)                                          \
	X(CALIB_MALLOC_FREE_NS, "calib_malloc_free_ns", REAL)                 \
	X(CALIB_ARENA_NS, "calib_arena_ns", REAL)                             \
	X(CALIB_CALL_NS, "calib_call_ns", REAL)                               \
	X(CALIB_INPLACE_MALLOC_FREE_NS, "calib_inplace_malloc_free_ns", REAL) \
	X(CALIB_INPLACE_ARENA_NS, "calib_inplace_arena_ns", REAL)             \
	X(CALIB_INPLACE_SPREAD, "calib_inplace_spread", REAL)                 \
	X(PEAK_RSS_KIB, "peak_rss_kib", INT)                                  \
	X(TRACK_EVERY, "track_every", INT)                                    \
	X(SAMPLE_EVERY, "sample_every", INT)                                  \
	X(LIFETIME_WINDOWS, "lifetime_windows", TEXT)                         \
	X(ALLOCATOR_MODULES, "allocator_modules", TEXT)                       \
	X(PROBES, "probes", TEXT)                                             \
	X(START_TIME_NS, "start_time_ns", INT)                                \
	X(END_TIME_NS, "end_time_ns", INT)                                    \
	X(DURATION_NS, "duration_ns", INT)                                    \
	X(END_REASON, "end_reason", TEXT)                                     \
	X(TARGET_EXIT, "target_exit", TEXT)                                   \
	X(CLOSED, "closed", INT)                                              \
	X(HOSTNAME, "hostname", TEXT)                                         \
	X(KERNEL, "kernel", TEXT)                                             \
	X(RUNTIME, "runtime", TEXT)                                           \
	X(GO_VERSION, "go_version", TEXT)                                     \
	X(MERGED_FROM, "merged_from", TEXT)                                   \
	X(MERGE_NOTE, "merge_note", TEXT)

enum ap_meta_key {
#define AP_META_ENUM(id, name, type) AP_META_##id,
	AP_META_KEYS(AP_META_ENUM)
#undef AP_META_ENUM
		AP_META_N /* not a key: the count, and ap_meta_lookup's "no such key" */
};

enum ap_meta_type { AP_META_TEXT, AP_META_INT, AP_META_REAL };

/* The key's name in the meta table. */
const char *ap_meta_name(enum ap_meta_key key);
/* What its value holds. */
enum ap_meta_type ap_meta_type(enum ap_meta_key key);
/* The key of a name read from the table; AP_META_N for a key this build does not know. */
enum ap_meta_key ap_meta_lookup(const char *name);
/* A meta value as an INT: 0 and *v for a whole decimal number in range, -1 otherwise. */
int ap_meta_parse_int(const char *text, long long *v);

#endif
