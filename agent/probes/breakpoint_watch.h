/* breakpoint_watch.h: whether uprobe breakpoints are still inserted in a process's text, read
 * through /proc/PID/mem. On the perf-event attach path a closed link's breakpoint keeps trapping
 * after its BPF program is gone (no hit is counted then): the overhead budget charges that time,
 * measured with this, address by address. */
#ifndef ARENAPROF_BREAKPOINT_WATCH_H
#define ARENAPROF_BREAKPOINT_WATCH_H

#include <stdint.h>
#include <sys/types.h>

#define BP_WATCH_MAX 64

struct bp_watch {
	pid_t pid;
	int n;
	uint64_t addr[BP_WATCH_MAX]; /* the probed instructions in the target's address space */
	uint32_t tag[BP_WATCH_MAX]; /* the caller's: which counter counts the address's hits */
	uint64_t
		gone_ns[BP_WATCH_MAX]; /* when it was first seen without a breakpoint, 0: not yet */
};

/* Adds the address where target_path's file offset is mapped executable in pid (ignored when it
 * is not mapped or the watch is full). */
void bp_watch_add(struct bp_watch *w, pid_t pid, const char *target_path, uint64_t offset,
		  uint32_t tag);
/* Forgets every gone_ns. */
void bp_watch_reset(struct bp_watch *w);
/* Reads every address not yet gone; those without an int3 (0xcc) now, or unreadable, get
 * gone_ns = now_ns. */
void bp_watch_poll(struct bp_watch *w, uint64_t now_ns);

#endif
