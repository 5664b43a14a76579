/* try_sites.c: reads the sites file `arenaprof try` writes (lines "DEPTH OFFSET MODULE": the
 * number of frames to walk, the file offset of the return address minus one as the profile
 * stores it, the module's path) and resolves each line into an absolute address with the
 * module's file mappings from /proc/self/maps. No malloc: it runs inside the first malloc call. */
#define _GNU_SOURCE
#include "try_sites.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SET_SLOTS (2 * TRY_MAX_SITES)
#define LINE_MAX_BYTES 4352 /* PATH_MAX and the numbers */

int try_sites_depth;
int try_sites_count;
static uintptr_t site_set[SET_SLOTS]; /* 0: empty */

struct wanted {
	unsigned long long offset;
	int depth;
	const char *module; /* into wanted_paths */
};

static struct wanted wanted[TRY_MAX_SITES];
static int nwanted;
static char wanted_paths[1 << 16];
static size_t paths_used;

static size_t slot_of(uintptr_t a)
{
	return (size_t)((a * 0x9E3779B97F4A7C15ull) >> 40) & (SET_SLOTS - 1);
}

int try_sites_has(uintptr_t addr)
{
	size_t i = slot_of(addr);

	while (site_set[i]) {
		if (site_set[i] == addr)
			return 1;
		i = (i + 1) & (SET_SLOTS - 1);
	}
	return 0;
}

static void set_add(uintptr_t addr)
{
	size_t i = slot_of(addr);

	while (site_set[i]) {
		if (site_set[i] == addr)
			return;
		i = (i + 1) & (SET_SLOTS - 1);
	}
	site_set[i] = addr;
	try_sites_count++;
}

/* Reads fd line by line into line (NUL-terminated, the newline dropped); calls fn on each. */
static void for_each_line(int fd, void (*fn)(char *line))
{
	static char buf[LINE_MAX_BYTES * 2];
	size_t have = 0;
	ssize_t n;

	for (;;) {
		char *nl;

		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0 && have == 0)
			return;
		if (n > 0)
			have += (size_t)n;
		buf[have] = 0;
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			*nl = 0;
			fn(buf);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
			buf[have] = 0;
		}
		if (n <= 0 || have == sizeof(buf) - 1) { /* last line, or one too long: skip it */
			if (n <= 0 && have)
				fn(buf);
			have = 0;
			if (n <= 0)
				return;
		}
	}
}

static void parse_site_line(char *line)
{
	char *end;
	unsigned long long off;
	long depth;
	size_t len;

	if (line[0] == '#' || !line[0] || nwanted == TRY_MAX_SITES)
		return;
	depth = strtol(line, &end, 10);
	if (end == line || depth < 1 || *end != ' ')
		return;
	line = end + 1;
	off = strtoull(line, &end, 0);
	if (end == line || *end != ' ')
		return;
	line = end + 1;
	len = strlen(line);
	if (!len || paths_used + len + 1 > sizeof(wanted_paths))
		return;
	memcpy(wanted_paths + paths_used, line, len + 1);
	wanted[nwanted++] =
		(struct wanted){ off, depth > TRY_MAX_DEPTH ? TRY_MAX_DEPTH : (int)depth,
				 wanted_paths + paths_used };
	paths_used += len + 1;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The profile's module path names the same file as the mapping's: equal, or (a container's
 * /proc/PID/root prefix, a moved build tree) equal base names when no mapping matched exactly. */
static int same_module(const char *want, const char *mapped, int exact)
{
	return exact ? strcmp(want, mapped) == 0 : strcmp(base_name(want), base_name(mapped)) == 0;
}

static int match_exact; /* the pass: exact paths first, then base names */
static unsigned char resolved[TRY_MAX_SITES];

/* A maps line: "start-end perms pgoff dev inode   path". */
static void parse_maps_line(char *line)
{
	unsigned long long start, end, pgoff;
	char *p = line, *q;

	start = strtoull(p, &q, 16);
	if (*q != '-')
		return;
	end = strtoull(q + 1, &q, 16);
	while (*q == ' ')
		q++;
	if (q[0] == 0 || q[2] != 'x') /* perms "r-xp": executable mappings only */
		return;
	q = strchr(q, ' ');
	if (!q)
		return;
	pgoff = strtoull(q + 1, &q, 16);
	for (int field = 0; field < 2; field++) { /* dev, inode */
		while (*q == ' ')
			q++;
		while (*q && *q != ' ')
			q++;
	}
	while (*q == ' ')
		q++;
	if (*q != '/')
		return;
	for (int i = 0; i < nwanted; i++) {
		unsigned long long ret = wanted[i].offset + 1; /* the profile stores ret - 1 */

		if (resolved[i] || ret < pgoff || ret - pgoff >= end - start ||
		    !same_module(wanted[i].module, q, match_exact))
			continue;
		set_add((uintptr_t)(start + (ret - pgoff)));
		resolved[i] = 1;
		if (wanted[i].depth > try_sites_depth)
			try_sites_depth = wanted[i].depth;
	}
}

int try_sites_load(const char *path, int *listed)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*listed = 0;
	if (fd < 0)
		return 0;
	for_each_line(fd, parse_site_line);
	close(fd);
	*listed = nwanted;
	for (match_exact = 1; match_exact >= 0; match_exact--) {
		fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		for_each_line(fd, parse_maps_line);
		close(fd);
	}
	return try_sites_count;
}
