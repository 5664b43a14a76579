/* analyzer.h: the analyzer's commands, called by the arenaprof front end. They read a profile
 * database (schema/) and never need BPF. */
#ifndef ARENAPROF_ANALYZER_H
#define ARENAPROF_ANALYZER_H

/* Each returns the process exit code: 0 ok, 1 error (one line "arenaprof: <reason>" on stderr),
 * 2 usage error. argv[0] is the subcommand name ("report" / "folded" / "diff"); each parses its own
 * options with getopt_long (and resets getopt's state first).
 *
 *   arenaprof report [--json] [-n N|--top N] [-o FILE] DB
 *   arenaprof folded [--metric count|bytes|cpu|alloc-cpu] [-o FILE] DB
 *   arenaprof diff [--json] [-n N|--top N] [-o FILE] BEFORE.db AFTER.db   (diff_cmd.c)
 *   arenaprof pprof [--metric allocs|bytes|cpu|alloc-cpu] -o FILE DB      (pprof_cmd.c)
 *   arenaprof merge [-f] -o OUT.db IN.db [IN.db...]                        (merge_cmd.c)
 *   arenaprof flamegraph [--metric count|bytes|cpu|alloc-cpu] [--title T] -o FILE DB
 *                                                               (flamegraph_cmd.c)
 *   arenaprof html [-n N|--top N] -o FILE DB                        (html_cmd.c)
 *
 * Nothing is written to the output before the whole profile has been read: a failing query gives
 * exit 1 and no partial output. */
int cmd_report(int argc, char **argv);
int cmd_folded(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_pprof(int argc, char **argv);
/* Writes a new profile (not stdout): the sum of the inputs, see analyzer/README.md "merge". */
int cmd_merge(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
/* One self-contained HTML page: summary, arena candidates, flame graphs, call sites. */
int cmd_html(int argc, char **argv);

#endif
