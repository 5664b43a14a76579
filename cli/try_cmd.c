/* try_cmd.c: `arenaprof try`: options; the profile read as `report` reads it (an_report_load);
 * the chosen candidate's sites written as the interposer's sites file; then the paired runs
 * (try_run.c). */
#define _GNU_SOURCE
#include "try_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "an_cli.h"
#include "an_db.h"
#include "an_util.h"

#define TRY_MAX_PAIRS 64

static const char try_usage[] =
	"usage: arenaprof try [--candidate N] [--pairs N] [--chunk BYTES] [--bare] [--keep DIR]\n"
	"                     " AN_WRAP_USAGE " PROFILE.db -- CMD [ARGS...]\n"
	"       arenaprof try [--candidate N] " AN_WRAP_USAGE " --sites-out FILE PROFILE.db\n"
	"  runs CMD plainly and with candidate N's call sites (default 1, as `report` ranks\n"
	"  them) routed into arena memory, N pairs at a time (default 3, at most 64), and\n"
	"  prints their CPU time and peak RSS. The plain run loads the interposer too,\n"
	"  matching the sites but routing none, so that its own cost cancels; --bare: the\n"
	"  plain run without it.\n"
	"  --sites-out: only write the interposer's sites file (docs/try.md)";

static int parse_count(const char *opt, const char *arg, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%s takes a number from %ld to %ld, not '%%s'", opt, lo,
			 hi);
		return an_usage_error(try_usage, msg, arg);
	}
	*out = v;
	return 0;
}

/* The chunk size as the interposer takes it: a power of two, 64 KiB to 1 MiB. */
static int check_chunk(const char *arg)
{
	char *end;
	unsigned long long v = strtoull(arg, &end, 10);

	if (end == arg || *end || v < (64u << 10) || v > (1u << 20) || (v & (v - 1)))
		return an_usage_error(
			try_usage, "--chunk takes a power of two from 65536 to 1048576, not '%s'",
			arg);
	return 0;
}

/* The interposer: $ARENAPROF_TRY_LIB, beside this binary (the build tree), or installed. */
static int find_lib(char *out, size_t size)
{
	const char *env = getenv("ARENAPROF_TRY_LIB");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;
	const char *rel[] = { "/libarenaprof_try.so", "/../lib/arenaprof/libarenaprof_try.so",
			      "/../" ARENAPROF_LIBDIR "/arenaprof/libarenaprof_try.so" };

	if (env && *env) {
		snprintf(out, size, "%s", env);
		return access(out, R_OK) == 0 ? 0 : -1;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if ((size_t)snprintf(out, size, "%s%s", exe, rel[i]) < size &&
		    access(out, R_OK) == 0 && realpath(out, exe) && strlen(exe) < size) {
			snprintf(out, size, "%s", exe);
			return 0;
		}
	}
	return -1;
}

/* Removes the run directory made for this command (its files only: no subdirectories). */
static void remove_run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < sizeof(path))
			unlink(path);
	closedir(d);
	rmdir(dir);
}

/* The rank-th scope candidate, as `report` numbers them. */
static const struct an_candidate *nth_candidate(const struct an_candidates *c, long rank,
						long *scopes)
{
	const struct an_candidate *found = NULL;

	*scopes = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].is_scope && ++*scopes == rank)
			found = &c->v[i];
	return found;
}

static void describe(FILE *out, long rank, const struct an_candidate *c, long long addresses)
{
	fprintf(out, "candidate %ld: scope %s", rank, c->has_scope ? c->scope.function : "(none)");
	if (c->has_scope && c->scope.file)
		fprintf(out, " (%s:%lld)", c->scope.file, c->scope.line);
	fprintf(out, "%s, %zu site%s, %lld return address%s; predicted saving %.1f%% of the CPU\n",
		c->recommended ? ", recommended" : ", not recommended", c->nsites,
		c->nsites == 1 ? "" : "s", addresses, addresses == 1 ? "" : "es",
		100.0 * c->est_cpu_saving);
	for (size_t i = 0; i < c->nsites; i++) {
		const struct an_site *s = c->sites[i];

		fprintf(out, "  site %s", s->function);
		if (s->file)
			fprintf(out, " %s:%lld", s->file, s->line);
		if (s->nwrappers)
			fprintf(out, " via %s", s->wrappers[0]);
		fprintf(out, "\n");
	}
}

/* Reads the profile and writes the candidate's sites file. 0, 1 (error) or 2 (usage). */
static int prepare_sites(const char *db_path, const struct an_wrap_opts *wrap, long rank,
			 const char *sites_path)
{
	const struct an_candidate *c;
	struct an_report r;
	long long addresses = 0;
	long scopes;
	sqlite3 *db;
	FILE *f;
	int rc = 1;

	if (an_db_open(db_path, &db))
		return 1;
	if (an_report_load(db, db_path, wrap, &r)) {
		an_db_close(db);
		return 1;
	}
	c = nth_candidate(&r.cands, rank, &scopes);
	if (!c) {
		if (scopes == 0)
			an_err("%s has no arena candidate (see arenaprof report)", db_path);
		else
			an_err("%s has %ld arena candidate%s, not %ld", db_path, scopes,
			       scopes == 1 ? "" : "s", rank);
		goto out;
	}
	f = fopen(sites_path, "w");
	if (!f) {
		an_err("%s: %s", sites_path, strerror(errno));
		goto out;
	}
	rc = try_write_sites(db, db_path, c, f, &addresses) ? 1 : 0;
	if (fclose(f) && rc == 0) {
		an_err("%s: %s", sites_path, strerror(errno));
		rc = 1;
	}
	if (rc == 0 && addresses == 0) {
		an_err("candidate %ld's sites have no return address in a known module", rank);
		rc = 1;
	}
	if (rc == 0)
		describe(stdout, rank, c, addresses);
out:
	an_report_free(&r);
	an_db_close(db);
	return rc;
}

/* prepare_sites in a child process: the profile's data never enters this process, which forks
 * the runs. A forked child's peak RSS (wait4's ru_maxrss) starts from its parent's resident
 * anonymous memory, carried over its exec: forked from a process that had read the profile, a
 * small command's peak RSS was 7.0 MiB instead of 2.7 MiB. */
static int prepare_sites_apart(const char *db_path, const struct an_wrap_opts *wrap, long rank,
			       const char *sites_path)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		an_err("fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		int rc = prepare_sites(db_path, wrap, rank, sites_path);

		fflush(NULL);
		_exit(rc);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			an_err("waitpid: %s", strerror(errno));
			return 1;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int cmd_try(int argc, char **argv)
{
	static const struct option opts[] = { { "candidate", required_argument, NULL, 'c' },
					      { "pairs", required_argument, NULL, 'p' },
					      { "chunk", required_argument, NULL, 'k' },
					      { "keep", required_argument, NULL, 'K' },
					      { "bare", no_argument, NULL, 'b' },
					      { "sites-out", required_argument, NULL, 's' },
					      { "help", no_argument, NULL, 'h' },
					      AN_WRAP_OPTIONS,
					      { NULL, 0, NULL, 0 } };
	struct an_wrap_opts wrap = { 0 };
	struct try_opts o = { 0 };
	char lib[PATH_MAX], tmp[] = "/tmp/arenaprof-try-XXXXXX", sites[PATH_MAX + 16];
	const char *db_path, *keep = NULL, *sites_out = NULL;
	long rank = 1, pairs = 3;
	int dashes, c, rc;

	for (dashes = 1; dashes < argc && strcmp(argv[dashes], "--"); dashes++)
		;
	an_getopt_reset();
	while ((c = getopt_long(dashes, argv, ":c:p:k:K:bs:h", opts, NULL)) != -1) {
		if ((rc = an_wrap_option(try_usage, c, optarg, &wrap)) != 0) {
			if (rc > 0)
				continue;
			an_wrap_opts_free(&wrap);
			return 2;
		}
		rc = 0;
		switch (c) {
		case 'c':
			rc = parse_count("--candidate", optarg, 1, 1000000, &rank);
			break;
		case 'p':
			rc = parse_count("--pairs", optarg, 1, TRY_MAX_PAIRS, &pairs);
			break;
		case 'k':
			rc = check_chunk(optarg);
			o.chunk = optarg;
			break;
		case 'K':
			keep = optarg;
			break;
		case 'b':
			o.bare = 1;
			break;
		case 's':
			sites_out = optarg;
			break;
		case 'h':
			printf("%s\n", try_usage);
			an_wrap_opts_free(&wrap);
			return 0;
		default:
			rc = an_bad_option(try_usage, argv, c);
		}
		if (rc) {
			an_wrap_opts_free(&wrap);
			return rc;
		}
	}
	rc = an_get_db(try_usage, dashes, argv, &db_path);
	if (!rc && sites_out) {
		if (dashes < argc)
			rc = an_usage_error(try_usage, "%s", "--sites-out runs no command");
		else
			rc = prepare_sites(db_path, &wrap, rank, sites_out);
		an_wrap_opts_free(&wrap);
		return rc;
	}
	if (!rc && (dashes >= argc - 1))
		rc = an_usage_error(try_usage, "%s",
				    "no command given (PROFILE.db -- CMD [ARGS...])");
	if (!rc && find_lib(lib, sizeof(lib))) {
		an_err("the interposer libarenaprof_try.so was not found beside arenaprof nor in "
		       "../lib/arenaprof (set ARENAPROF_TRY_LIB)");
		rc = 1;
	}
	if (rc) {
		an_wrap_opts_free(&wrap);
		return rc;
	}
	if (keep) {
		if (mkdir(keep, 0755) && errno != EEXIST) {
			an_err("%s: %s", keep, strerror(errno));
			an_wrap_opts_free(&wrap);
			return 1;
		}
		o.dir = keep;
	} else if (!(o.dir = mkdtemp(tmp))) {
		an_err("cannot make a temporary directory: %s", strerror(errno));
		an_wrap_opts_free(&wrap);
		return 1;
	}
	snprintf(sites, sizeof(sites), "%s/sites", o.dir);
	rc = prepare_sites_apart(db_path, &wrap, rank, sites);
	an_wrap_opts_free(&wrap);
	if (rc == 0) {
		o.cmd = argv + dashes + 1;
		o.lib = lib;
		o.sites = sites;
		o.pairs = (int)pairs;
		printf("running %ld pair%s, plain (%s) and with the arena, pinned to one CPU\n",
		       pairs, pairs == 1 ? "" : "s",
		       o.bare ? "without the interposer" :
				"the interposer matching the sites, routing none");
		rc = try_run_pairs(&o, stdout);
	}
	if (!keep && (rc == 0 || !o.cmd)) /* succeeded, or no run was made: nothing to look at */
		remove_run_dir(o.dir);
	else if (!keep)
		fprintf(stderr, "arenaprof: the runs' outputs are kept in %s\n", o.dir);
	return rc;
}
