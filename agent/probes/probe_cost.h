/* probe_cost.h: measures what one probe hit costs a process on this machine, with the programs
 * and options of this recording, so the overhead budget is kept by measurement, not by guess. */
#ifndef ARENAPROF_PROBE_COST_H
#define ARENAPROF_PROBE_COST_H

#include <stddef.h>

#include "bpf_session.h"

struct probe_costs {
	double alloc_ns; /* an allocation call with its entry and return probes and its record */
	double free_ns; /* a free call with its entry probe */
	/* an allocation call while its probes are attached but not armed (a window's edges): the
	 * entry program returns at once (with uprobe sessions, no return trap either) */
	double unarmed_ns;
	double spread; /* relative uncertainty: the measurements' spread, at least 0.5 */
	int measured; /* 0: the test's probes did not fire (a cost under 0.5 us): 10 us assumed */
};

/* Runs a child process doing malloc/free and times it without probes, with the free probe and
 * with every probe, using a session like opts (pid ignored). 0 (with measured = 0 and a
 * conservative assumed cost when the measurement is not plausible), or -1 with a one-line
 * reason. */
int probe_cost_measure(const struct bpf_session_opts *opts, struct probe_costs *out, char *err,
		       size_t errlen);

#endif
