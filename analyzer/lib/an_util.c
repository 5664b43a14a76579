/* an_util.c: the analyzer's small helpers (errors, allocation, checked sums, output file). */
#define _POSIX_C_SOURCE 200809L
#include "an_util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void an_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("arenaprof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void oom(void)
{
	an_err("out of memory");
	exit(1);
}

void *an_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *an_realloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		oom();
	return p;
}

char *an_strdup(const char *s)
{
	return an_strndup(s, strlen(s));
}

char *an_strndup(const char *s, size_t n)
{
	char *p = an_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int an_add(long long *acc, long long v)
{
	long long r;

	if (__builtin_add_overflow(*acc, v, &r))
		return -1;
	*acc = r;
	return 0;
}

long long an_to_ll(double v)
{
	if (v != v)
		return 0;
	if (v >= 9223372036854775807.0) /* 2^63: the double nearest LLONG_MAX */
		return LLONG_MAX;
	if (v <= -9223372036854775808.0)
		return LLONG_MIN;
	return (long long)v;
}

static int is_stdout(const char *path)
{
	return !path || strcmp(path, "-") == 0;
}

FILE *an_out_open(const char *path)
{
	FILE *f;

	if (is_stdout(path))
		return stdout;
	f = fopen(path, "w");
	if (!f)
		an_err("cannot write %s: %s", path, strerror(errno));
	return f;
}

int an_out_close(FILE *f, const char *path)
{
	int failed = ferror(f);

	if (fflush(f) != 0)
		failed = 1;
	if (failed && errno == 0)
		errno = EIO;
	if (is_stdout(path)) {
		if (failed) {
			an_err("cannot write the output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (fclose(f) != 0)
		failed = 1;
	if (failed) {
		an_err("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int an_write_replace(const char *path, int (*write)(FILE *f, void *arg), void *arg)
{
	size_t len = strlen(path);
	char *tmp = an_malloc(len + 16);
	mode_t mask;
	FILE *f = NULL;
	int fd, err;

	snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		an_err("cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	mask = umask(0); /* the mode fopen would have given the file */
	umask(mask);
	errno = EIO;
	if (fchmod(fd, 0666 & ~mask) || !(f = fdopen(fd, "w")) || write(f, arg) || fflush(f) ||
	    fsync(fd)) {
		err = errno;
		if (f)
			fclose(f);
		else
			close(fd);
		goto fail;
	}
	if (fclose(f) || rename(tmp, path)) {
		err = errno;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	an_err("cannot write %s: %s", path, strerror(err));
	free(tmp);
	return -1;
}
