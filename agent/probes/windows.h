/* windows.h: the overhead budget. A thread attaches the allocator probes for short windows and
 * detaches them in between, choosing window lengths and gaps so that the CPU time the probes
 * cost the target stays within a fraction of the CPU time it spends on its own work; lifetimes
 * are followed in cohorts: a short allocation window, then the free probe until they died. */
#ifndef ARENAPROF_WINDOWS_H
#define ARENAPROF_WINDOWS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf_session.h"
#include "probe_cost.h"

/* One finished window (times on CLOCK_MONOTONIC, like the records). */
struct window_row {
	uint32_t id;
	uint64_t start_ns; /* allocation probes armed */
	uint64_t armed_ns; /* how long they were */
	uint64_t tail_ns; /* then the free probe alone, pairing followed objects (cohorts) */
	uint64_t allocs, frees, tail_frees, bytes;
	uint64_t unarmed_hits; /* probe hits while attached but not armed (edges), costed too */
	uint64_t unarmed_frees; /* the same of the free probe */
	uint64_t target_cpu_ns; /* the target's CPU time while armed */
	uint64_t lost_ns; /* what the probes cost it (hits times the measured costs) */
	double saturation; /* of its threads just before (0 idle .. 1 every busy thread running) */
	/* armed_ns converted to the time the target would have needed without probes for the
	 * same work, with the probe cost at its measured value and at its low/high bounds */
	uint64_t exposure_ns, exposure_lo_ns, exposure_hi_ns;
};

struct window_opts {
	pid_t pid;
	double budget; /* e.g. 0.02 */
	struct probe_costs cost;
	int lifetimes; /* lifetimes are followed (--track-every > 0): cohort windows probe free */
	unsigned int track_every, sample_every; /* a recorded call is followed, a call recorded */
};

struct windows;

/* Starts the window thread; the CPU sampler is armed from now on, outside windows. NULL with a
 * one-line reason in err. */
struct windows *windows_start(struct bpf_session *s, const struct window_opts *o, char *err,
			      size_t errlen);
/* Moves up to max finished windows into out (oldest first); returns how many. */
int windows_take(struct windows *w, struct window_row *out, int max);
/* A one-line reason when attaching a window's probes failed (windows stop then), else NULL. */
const char *windows_error(struct windows *w);
/* Ends the current window, if any, and the thread; the allocator probes are detached after. */
void windows_stop(struct windows *w);
/* Totals over the whole recording: probe cost, the CPU sampler's estimated cost and the target's
 * CPU time. */
void windows_totals(struct windows *w, uint64_t *lost_ns, uint64_t *sampler_ns,
		    uint64_t *target_cpu_ns, uint32_t *count);
void windows_free(struct windows *w);

#endif
