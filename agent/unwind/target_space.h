/* target_space.h: model of a target process's address space: its file-backed mappings, the ELF
 * modules behind them (opened once and kept open) and their unwind tables (.eh_frame_hdr), so
 * that instruction addresses can be mapped to modules and stack snapshots unwound after the fact.
 * Not thread-safe: one thread uses a target_space at a time. */
#ifndef ARENAPROF_TARGET_SPACE_H
#define ARENAPROF_TARGET_SPACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct target_module {
	uint32_t id; /* dense index 0.. in order of first sight */
	char *path; /* path as the target sees it (from maps) */
	char *host_path; /* path this process opened it by: /proc/PID/root/PATH, or PATH */
	char build_id[41]; /* lowercase hex GNU build-id, "" if none */
};

/* Where a module's .eh_frame_hdr binary-search table sits in the target's address space. */
struct target_eh_table {
	uint64_t hdr_addr; /* run-time address of .eh_frame_hdr (the table's segment base) */
	uint64_t table_addr; /* run-time address of the first (initial_loc, fde) pair */
	uint64_t fde_count; /* number of pairs */
	uint64_t start_ip; /* run-time range of the module's executable segments */
	uint64_t end_ip;
};

struct target_space;

/* Reads /proc/PID/maps and opens the files mapped. NULL + errno on failure (ESRCH if no such
 * process). */
struct target_space *target_space_new(pid_t pid);
/* The same from a given maps text (tests, fuzzing): the files named in it are opened through
 * /proc/PID/root like the target's, and the maps are never re-read. */
struct target_space *target_space_from_maps(pid_t pid, const char *maps_text, size_t len);
void target_space_free(struct target_space *ts);
/* Re-reads /proc/PID/maps (keeps modules, adds new ones). 0 or -errno. */
int target_space_refresh(struct target_space *ts);
/* ip -> module and file offset. On a miss re-reads maps (at most once per 2 ms) so libraries
 * dlopen'ed after attach are found. Returns 0, or -ENOENT (not in a file-backed mapping). */
int target_space_lookup(struct target_space *ts, uint64_t ip, const struct target_module **mod,
			uint64_t *file_off);
const struct target_module *target_space_module(const struct target_space *ts, uint32_t id);
uint32_t target_space_module_count(const struct target_space *ts);
pid_t target_space_pid(const struct target_space *ts);

/* Additions used by the unwinder. */

/* Reads the 8-byte word at addr from a read-only file mapping of the target (served from the
 * file, not from the target's memory). 0; -EACCES when addr is in a writable file mapping (the
 * file no longer says what memory holds); -ENOENT when in no file mapping. */
int target_space_read_file_word(struct target_space *ts, uint64_t addr, uint64_t *val);
/* The .eh_frame_hdr table of the module mapped at ip, located at its run-time address (the
 * module's table is parsed once and cached). 0, -ENOENT (ip not in a module), -ENODATA (module
 * has no usable .eh_frame_hdr). *cached says whether the table was already parsed. */
int target_space_eh_table(struct target_space *ts, uint64_t ip, struct target_eh_table *out,
			  int *cached);
/* True when addr is in the kernel's [uprobes] page (uretprobe trampoline); re-reads maps on a
 * miss like target_space_lookup, since the page appears at the first uretprobe hit. */
int target_space_is_uprobes_trampoline(struct target_space *ts, uint64_t addr);
/* Lookup misses re-read the maps only while may_refresh(arg) says so (the agent closes the gate
 * from the moment the target execs until it reached the exec's record in the ring: older records
 * belong to the old image). */
void target_space_set_refresh_gate(struct target_space *ts, int (*may_refresh)(void *arg),
				   void *arg);
/* Incremented whenever a refresh saw mappings change; users of cached unwind state compare it. */
uint64_t target_space_generation(const struct target_space *ts);

#endif
