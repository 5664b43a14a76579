/* try_gen.h: arena memory for the routed allocations, in generations. A generation is one arena
 * (arena/arena.h) whose single chunk fills one slot of a reserved address range; slots are aligned
 * to their size, so free() finds a pointer's generation header by masking its address. Each
 * thread bumps its own current generation; when it is full the thread moves to a new one. A
 * generation counts its live objects (its owner without atomic instructions, try_gen.c) and,
 * once its owner has moved on, its slot is released when the count reaches zero: its last
 * object was freed. A live object is never released. */
#ifndef ARENAPROF_TRY_GEN_H
#define ARENAPROF_TRY_GEN_H

#include <stddef.h>
#include <stdint.h>

/* Slot size bounds (the size log packs offset / 16 and size in 16 bits each). */
#define TRY_SLOT_MIN ((size_t)64 << 10)
#define TRY_SLOT_MAX ((size_t)1 << 20)
#define TRY_SLOT_DEFAULT ((size_t)256 << 10)

/* Reserves the address range (slot_size a power of two within the bounds). 0, or -1. */
int try_gen_init(size_t slot_size);

/* The reserved range and the largest routed object (set by try_gen_init). */
extern char *try_region, *try_region_end;
extern size_t try_gen_max_object;

/* Set by this thread around calls that may come back into malloc (arena_new, arena_destroy):
 * such calls skip the site matching (try_preload.c). */
extern _Thread_local int try_busy __attribute__((tls_model("initial-exec")));

/* size bytes aligned to align (a power of two, at most 4096) from the calling thread's current
 * generation, or NULL (the caller falls back to malloc). */
void *try_gen_alloc(size_t size, size_t align);

/* Whether p lies in the reserved range (arena memory). */
static inline int try_gen_owns(const void *p)
{
	return (const char *)p >= try_region && (const char *)p < try_region_end;
}

/* free() of a pointer try_gen_owns: one object less in its generation (the arena's own block,
 * freed by arena_destroy, releases the slot). */
void try_gen_free(void *p);

/* The size an object was allocated with (malloc_usable_size, realloc). */
size_t try_gen_size(const void *p);

/* The calling thread is exiting: its current generation is retired. */
void try_gen_thread_exit(void);

/* A malloc call made by arena_new() while try_gen_alloc builds a generation: the slot's memory,
 * or NULL when no generation is being built by this thread. */
void *try_gen_serve_chunk(size_t size);

/* fork(): the region lock held across it (prepare), released in both processes. */
void try_gen_fork_prepare(void);
void try_gen_fork_parent(void);
void try_gen_fork_child(void);

struct try_gen_counts {
	uint64_t made, released, madvised, peak_slots, slot_bytes;
};
void try_gen_counts(struct try_gen_counts *out);

#endif
