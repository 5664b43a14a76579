/* peak_rss.c: the target's peak resident set size (meta peak_rss_kib), for `arenaprof diff` to
 * compare the memory of a before and an after recording: VmHWM of /proc/PID/status, read at
 * every flush and at the end (a high-water mark: the last read is the largest), and for a
 * command the agent started, the exact peak from wait4's ru_maxrss when it is reaped. */
#define _GNU_SOURCE
#include "peak_rss.h"

#include <stdio.h>
#include <string.h>

void peak_rss_update(struct peak_rss *p, pid_t pid)
{
	char path[64], line[256];
	long long kib;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lld kB", &kib) == 1 && kib > p->kib)
			p->kib = kib;
	fclose(f);
}

void peak_rss_reaped(struct peak_rss *p, long maxrss_kib)
{
	if (maxrss_kib > p->kib)
		p->kib = maxrss_kib;
}
