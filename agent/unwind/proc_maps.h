/* proc_maps.h: parse /proc/PID/maps into an array of mappings and look addresses up in it. */
#ifndef ARENAPROF_PROC_MAPS_H
#define ARENAPROF_PROC_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct map_entry {
	uint64_t start; /* first address of the mapping */
	uint64_t end; /* one past the last address */
	uint64_t offset; /* file offset of start */
	uint64_t inode;
	unsigned int dev_major, dev_minor;
	char perms[5]; /* "r-xp" */
	char *path; /* path as the target sees it, "" for anonymous, "[stack]" etc. */
};

struct proc_maps {
	pid_t pid;
	struct map_entry *v; /* sorted by start (the kernel lists them so) */
	size_t n;
};

/* Parses the text of a maps file. Returns 0, or -EINVAL on a malformed line, -ENOMEM. */
int proc_maps_parse(const char *text, size_t len, struct proc_maps *out);
/* Reads /proc/PID/maps. Returns 0 or -errno (-ESRCH when the process is gone). */
int proc_maps_read(pid_t pid, struct proc_maps *out);
void proc_maps_free(struct proc_maps *m);
/* The mapping containing addr, or NULL. */
const struct map_entry *proc_maps_find(const struct proc_maps *m, uint64_t addr);
/* True for mappings backed by a regular file (path starts with '/'), not "(deleted)". */
int map_entry_is_file(const struct map_entry *e);
/* Writes into buf the path through which this process can open a file the target maps:
 * /proc/PID/root/PATH (that also works for targets in other mount namespaces). */
int proc_maps_host_path(pid_t pid, const char *target_path, char *buf, size_t size);

#endif
