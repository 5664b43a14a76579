/* pprof_write.c: the encoded profile gzipped (zlib, gzip wrapper, as pprof files are) and
 * written whole: to a temporary file next to the output, renamed over it at the end, so that a
 * failure leaves no partial file and an existing file is replaced only by a complete one. */
#define _POSIX_C_SOURCE 200809L
#include "pprof.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "an_util.h"

/* in gzipped into out; 0, or -1 after an error message. */
static int gzip_buf(const struct pb_buf *in, struct pb_buf *out)
{
	z_stream z;
	int rc;

	if (in->len > 0x7fffffff) { /* protobuf's limit for one message */
		an_err("the profile is too large for pprof (%zu bytes, at most 2 GiB)", in->len);
		return -1;
	}
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer (no file name, mtime 0) */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		an_err("cannot compress the profile: zlib initialization failed");
		return -1;
	}
	out->cap = deflateBound(&z, (uLong)in->len) + 64; /* all of it in one call */
	out->p = an_malloc(out->cap);
	z.next_in = in->p;
	z.avail_in = (uInt)in->len;
	z.next_out = out->p;
	z.avail_out = (uInt)out->cap;
	rc = deflate(&z, Z_FINISH);
	out->len = out->cap - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		an_err("cannot compress the profile: zlib error %d", rc);
		return -1;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_gz(FILE *f, void *arg)
{
	const struct pb_buf *gz = arg;

	return fwrite(gz->p, 1, gz->len, f) == gz->len ? 0 : -1;
}

static int write_file(const struct pb_buf *gz, const char *path)
{
	return an_write_replace(path, write_gz, (void *)gz);
}

int pprof_write(const struct pprof_profile *p, const char *path)
{
	struct pb_buf pb, gz;
	int rc;

	pb_init(&pb);
	pb_init(&gz);
	pprof_encode(p, &pb);
	rc = gzip_buf(&pb, &gz);
	pb_free(&pb);
	if (rc == 0) {
		if (strcmp(path, "-") == 0) {
			rc = write_all(STDOUT_FILENO, gz.p, gz.len);
			if (rc)
				an_err("cannot write the output: %s", strerror(errno));
		} else {
			rc = write_file(&gz, path);
		}
	}
	pb_free(&gz);
	return rc;
}
