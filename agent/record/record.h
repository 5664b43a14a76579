/* record.h: `arenaprof record`: attach to a process (or start one) and write a profile. */
#ifndef ARENAPROF_RECORD_H
#define ARENAPROF_RECORD_H

/* Returns the exit code: 0 ok, 1 error, 2 usage. */
int cmd_record(int argc, char **argv);

#endif
