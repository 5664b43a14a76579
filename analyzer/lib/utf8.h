/* utf8.h: UTF-8 validation, so that names from a profile are always written as valid UTF-8. */
#ifndef ARENAPROF_UTF8_H
#define ARENAPROF_UTF8_H

#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s (at most n > 0 bytes) and its code point,
 * or 0 if s does not start one: overlong forms, surrogates, code points above U+10FFFF,
 * truncated sequences and stray continuation bytes are not well-formed. */
size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp);

#endif
