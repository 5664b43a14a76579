/* kallsyms.h: kernel addresses to function names, from /proc/kallsyms. */
#ifndef ARENAPROF_KALLSYMS_H
#define ARENAPROF_KALLSYMS_H

#include <stdint.h>

struct kallsyms;

/* Loads the text symbols of /proc/kallsyms. NULL + errno on failure. */
struct kallsyms *kallsyms_load(void);
void kallsyms_free(struct kallsyms *k);
/* The function containing addr (the last symbol at or below it), or NULL. */
const char *kallsyms_lookup(const struct kallsyms *k, uint64_t addr);

#endif
