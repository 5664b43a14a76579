/* breakpoint_watch.c: finds a probed instruction's address from /proc/PID/maps and reads its
 * first byte from /proc/PID/mem: the kernel writes an int3 there while a uprobe is inserted in
 * that process and restores the original byte when it is removed (breakpoint_watch.h). */
#define _GNU_SOURCE
#include "breakpoint_watch.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc_maps.h"

void bp_watch_add(struct bp_watch *w, pid_t pid, const char *target_path, uint64_t offset,
		  uint32_t tag)
{
	struct proc_maps maps;

	w->pid = pid;
	if (w->n >= BP_WATCH_MAX || proc_maps_read(pid, &maps))
		return;
	for (size_t i = 0; i < maps.n; i++) {
		const struct map_entry *m = &maps.v[i];

		if (m->perms[2] == 'x' && !strcmp(m->path, target_path) && offset >= m->offset &&
		    offset < m->offset + (m->end - m->start)) {
			w->addr[w->n] = m->start + (offset - m->offset);
			w->tag[w->n] = tag;
			w->gone_ns[w->n++] = 0;
			break;
		}
	}
	proc_maps_free(&maps);
}

void bp_watch_reset(struct bp_watch *w)
{
	for (int i = 0; i < w->n; i++)
		w->gone_ns[i] = 0;
}

void bp_watch_poll(struct bp_watch *w, uint64_t now_ns)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)w->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < w->n; i++) {
		unsigned char b;

		if (w->gone_ns[i])
			continue;
		if (fd < 0 || pread(fd, &b, 1, (off_t)w->addr[i]) != 1 || b != 0xcc)
			w->gone_ns[i] = now_ns;
	}
	if (fd >= 0)
		close(fd);
}
