/* go_table.c: the Go runtime's allocation and GC functions as data (see go_table.h). Names are
 * as the Go toolchain writes them in DWARF and .gopclntab ("runtime.(*mspan).sweep"), without
 * the "runtime." prefix here. The GC set follows the issue: background mark workers, gcDrain*,
 * scanobject and the other scanners, markroot*, greyobject, sweeping, mark assists; write
 * barriers and their buffer flushes too (GC work the mutator pays for). A sample with any GC
 * frame is GC work, even under mallocgc (assists, sweeping a span before reusing it). */
#define _POSIX_C_SOURCE 200809L
#include "go_table.h"

#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct go_name {
	const char *name;
	enum at_category category;
	int entry_point; /* called by compiled Go code (new, make, append...) */
};

/* clang-format off */
/* Sorted by strcmp. */
static const struct go_name names[] = {
	{ "(*mcache).nextFree", AT_MALLOC, 0 },
	{ "(*mcache).refill", AT_MALLOC, 0 },
	{ "(*mcentral).cacheSpan", AT_MALLOC, 0 },
	{ "(*mcentral).grow", AT_MALLOC, 0 },
	{ "(*mheap).alloc", AT_MALLOC, 0 },
	{ "(*mheap).allocSpan", AT_MALLOC, 0 },
	{ "(*mheap).grow", AT_MALLOC, 0 },
	{ "(*mspan).sweep", AT_GC, 0 },
	{ "(*sweepLocked).sweep", AT_GC, 0 },
	{ "bgscavenge", AT_GC, 0 },
	{ "bgsweep", AT_GC, 0 },
	{ "concatstring2", AT_MALLOC, 1 },
	{ "concatstring3", AT_MALLOC, 1 },
	{ "concatstring4", AT_MALLOC, 1 },
	{ "concatstring5", AT_MALLOC, 1 },
	{ "concatstrings", AT_MALLOC, 1 },
	{ "convT", AT_MALLOC, 1 },
	{ "convT16", AT_MALLOC, 1 },
	{ "convT32", AT_MALLOC, 1 },
	{ "convT64", AT_MALLOC, 1 },
	{ "convTnoptr", AT_MALLOC, 1 },
	{ "convTslice", AT_MALLOC, 1 },
	{ "convTstring", AT_MALLOC, 1 },
	{ "gcMarkDone", AT_GC, 0 },
	{ "gcMarkTermination", AT_GC, 0 },
	{ "gcStart", AT_GC, 0 },
	{ "greyobject", AT_GC, 0 },
	{ "growslice", AT_MALLOC, 1 },
	{ "heapBitsSetType", AT_MALLOC, 0 },
	{ "intstring", AT_MALLOC, 1 },
	{ "makeBucketArray", AT_MALLOC, 0 },
	{ "makechan", AT_MALLOC, 1 },
	{ "makemap", AT_MALLOC, 1 },
	{ "makemap_small", AT_MALLOC, 1 },
	{ "makeslice", AT_MALLOC, 1 },
	{ "makeslicecopy", AT_MALLOC, 1 },
	{ "mallocgc", AT_MALLOC, 1 },
	{ "newarray", AT_MALLOC, 1 },
	{ "newobject", AT_MALLOC, 1 },
	{ "nextFreeFast", AT_MALLOC, 0 },
	{ "rawbyteslice", AT_MALLOC, 1 },
	{ "rawruneslice", AT_MALLOC, 1 },
	{ "rawstring", AT_MALLOC, 1 },
	{ "rawstringtmp", AT_MALLOC, 1 },
	{ "scanblock", AT_GC, 0 },
	{ "scanframeworker", AT_GC, 0 },
	{ "scanobject", AT_GC, 0 },
	{ "scanstack", AT_GC, 0 },
	{ "slicebytetostring", AT_MALLOC, 1 },
	{ "slicerunetostring", AT_MALLOC, 1 },
	{ "stringtoslicebyte", AT_MALLOC, 1 },
	{ "stringtoslicerune", AT_MALLOC, 1 },
	{ "sweepone", AT_GC, 0 },
};

/* Names starting with these (gcDrainN, markrootBlock, gcAssistAlloc1, gcBgMarkWorker.func2,
 * gcWriteBarrierBX, wbBufFlush1...). */
static const char *const gc_prefixes[] = {
	"(*gcWork).", "(*mheap).reclaim", "gcAssistAlloc", "gcBgMarkWorker", "gcDrain",
	"gcFlushBgCredit", "gcMarkRootPrepare", "gcResetMarkState", "gcSweep", "gcWriteBarrier",
	"markroot", "scanConservative", "wbBufFlush",
};
/* clang-format on */

static const struct go_name *find(const char *s)
{
	size_t lo = 0, hi = NELEM(names);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s, names[mid].name);

		if (c == 0)
			return &names[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

enum at_category go_table_lookup(const char *function, int *entry_point)
{
	const struct go_name *n;
	const char *s;

	*entry_point = 0;
	if (!function || strncmp(function, "runtime.", 8))
		return AT_NONE;
	s = function + 8;
	n = find(s);
	if (n) {
		*entry_point = n->entry_point;
		return n->category;
	}
	for (size_t i = 0; i < NELEM(gc_prefixes); i++)
		if (strncmp(s, gc_prefixes[i], strlen(gc_prefixes[i])) == 0)
			return AT_GC;
	return AT_NONE;
}

int go_table_self_check(void)
{
	for (size_t i = 1; i < NELEM(names); i++)
		if (strcmp(names[i - 1].name, names[i].name) >= 0)
			return -1;
	return 0;
}
