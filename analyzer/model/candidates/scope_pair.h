/* scope_pair.h: the scope frame of a sampled object, found again by the analyzer from its two
 * stacks and their CFAs (see scope_pair.c). */
#ifndef SCOPE_PAIR_H
#define SCOPE_PAIR_H

#include <sqlite3.h>

/* Registers ap_scope_pos(alloc_stack, alloc_cfas, free_stack, free_cfas, alloc_tid, free_tid,
 * scope_pos, free_scope_pos, side) on db: the position in the allocation stack (side 0) or in
 * the free stack (side 1) of the deepest frame that is the same invocation on both paths; the
 * agent's (scope_pos, free_scope_pos) when no deeper one is found, NULL when neither. The
 * stacks are read now; the state lives until scope_pair_unregister. Returns 0, or -1 with the
 * error printed. Also registers ap_indirect_call(frame_id): 1 when that call instruction is
 * seen, in the objects' stacks, calling two functions (an indirect call), else 0. */
struct scope_pair;
int scope_pair_register(sqlite3 *db, const char *path, struct scope_pair **out);
void scope_pair_unregister(sqlite3 *db, struct scope_pair *sp);

#endif
