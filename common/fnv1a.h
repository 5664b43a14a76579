/* fnv1a.h: the one FNV-1a hash (Fowler-Noll-Vo, variant 1a) of the agent and the analyzer, in
 * its 32- and 64-bit widths (offset basis and prime from the FNV reference). Not for anything
 * an adversary chooses to collide: the tables that use it stay correct under collisions. */
#ifndef ARENAPROF_FNV1A_H
#define ARENAPROF_FNV1A_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t fnv1a32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static inline uint64_t fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

#endif
