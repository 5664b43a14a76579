/* fuzz_maps.c: libFuzzer target for the /proc/PID/maps parser (agent/unwind/proc_maps.c): any text is
 * parsed, and every mapping it gave is looked up, classified and turned into a host path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_maps m = { 0 };
	char path[4096 + 64];

	if (proc_maps_parse((const char *)data, size, &m))
		return 0;
	m.pid = 1;
	for (size_t i = 0; i < m.n; i++) {
		const struct map_entry *e = &m.v[i];
		const struct map_entry *found;

		if (e->end < e->start || strlen(e->perms) > 4)
			abort();
		found = proc_maps_find(&m, e->start);
		if (found && (e->start < found->start || e->start >= found->end))
			abort(); /* a lookup must return a mapping containing the address */
		if (map_entry_is_file(e) && e->path[0] != '/')
			abort();
		proc_maps_host_path(m.pid, e->path, path, sizeof(path));
	}
	proc_maps_free(&m);
	return 0;
}
