/* arena_peak.h: force-included (-include) into a program built with the bundled arena, so that
 * bench/predict.sh measures the memory its arenas hold without changing the program's source:
 * every arena_destroy and arena_reset first records the arena's bytes in use (arena_stats) and
 * the bytes held by all arenas live at once; arena_peak.c prints the peaks at exit. */
#ifndef ARENAPROF_BENCH_ARENA_PEAK_H
#define ARENAPROF_BENCH_ARENA_PEAK_H
#define arena_new(first) arena_peak_new(first)
#define arena_destroy(a) arena_peak_destroy(a)
#define arena_reset(a) arena_peak_reset(a)
#endif
