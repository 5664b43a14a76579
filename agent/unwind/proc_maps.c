/* proc_maps.c: parse /proc/PID/maps into an array of mappings and look addresses up in it. */
#define _GNU_SOURCE /* strdup, O_CLOEXEC under -std=c11 */
#include "proc_maps.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_line(const char *line, size_t len, struct map_entry *e)
{
	char buf[4096 + 256];
	unsigned long long start, end, off, ino;
	unsigned int maj, min;
	int path_pos = -1;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	memset(e, 0, sizeof(*e));
	if (sscanf(buf, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, e->perms, &off, &maj,
		   &min, &ino, &path_pos) < 7)
		return -EINVAL;
	if (end < start)
		return -EINVAL;
	e->start = start;
	e->end = end;
	e->offset = off;
	e->dev_major = maj;
	e->dev_minor = min;
	e->inode = ino;
	if (path_pos < 0 || (size_t)path_pos > len)
		path_pos = (int)len;
	e->path = strdup(buf + path_pos);
	return e->path ? 0 : -ENOMEM;
}

int proc_maps_parse(const char *text, size_t len, struct proc_maps *out)
{
	size_t cap = 0, pos = 0;
	int err;

	out->v = NULL;
	out->n = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;

		if (line_len > 0) {
			if (out->n == cap) {
				struct map_entry *v;

				cap = cap ? cap * 2 : 64;
				v = realloc(out->v, cap * sizeof(*v));
				if (!v) {
					err = -ENOMEM;
					goto fail;
				}
				out->v = v;
			}
			err = parse_line(text + pos, line_len, &out->v[out->n]);
			if (err)
				goto fail;
			out->n++;
		}
		pos += line_len + 1;
	}
	return 0;
fail:
	proc_maps_free(out);
	return err;
}

int proc_maps_read(pid_t pid, struct proc_maps *out)
{
	char path[64], *text = NULL;
	size_t len = 0, cap = 0;
	int fd, err = 0;

	out->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			char *t;

			cap = cap ? cap * 2 : 65536;
			t = realloc(text, cap);
			if (!t) {
				err = -ENOMEM;
				break;
			}
			text = t;
		}
		r = read(fd, text + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno == ESRCH ? -ESRCH : -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!err && len == 0)
		err = -ESRCH; /* a zombie or exited process has an empty maps file */
	if (!err)
		err = proc_maps_parse(text, len, out);
	out->pid = pid;
	free(text);
	return err;
}

void proc_maps_free(struct proc_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

const struct map_entry *proc_maps_find(const struct proc_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

int map_entry_is_file(const struct map_entry *e)
{
	size_t len = strlen(e->path);
	static const char deleted[] = " (deleted)";

	if (e->path[0] != '/')
		return 0;
	if (len >= sizeof(deleted) - 1 && !strcmp(e->path + len - (sizeof(deleted) - 1), deleted))
		return 0;
	return 1;
}

int proc_maps_host_path(pid_t pid, const char *target_path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/proc/%d/root%s", (int)pid, target_path);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
