/* peak_rss.h: the target's peak RSS over the recording (peak_rss.c). */
#ifndef ARENAPROF_PEAK_RSS_H
#define ARENAPROF_PEAK_RSS_H

#include <sys/types.h>

struct peak_rss {
	long long kib; /* 0: never read */
};

/* Raises p to the target's VmHWM when /proc/PID/status can be read (the target is alive). */
void peak_rss_update(struct peak_rss *p, pid_t pid);
/* Raises p to ru_maxrss (KiB) of the reaped target. */
void peak_rss_reaped(struct peak_rss *p, long maxrss_kib);

#endif
