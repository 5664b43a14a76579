/* xml_escape.h: names from a profile written into XML and HTML (the flame graph SVG, the HTML
 * report): markup characters escaped, always valid UTF-8, no control characters. */
#ifndef ARENAPROF_XML_ESCAPE_H
#define ARENAPROF_XML_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* s escaped for XML and HTML text and (quoted) attributes: <, >, &, " and ' as entities, control
 * characters as spaces, invalid UTF-8 bytes and U+FFFE/U+FFFF (not allowed in XML) as U+FFFD.
 * At most max code points when max > 0 (then ".." replaces the rest). */
void xml_write(FILE *f, const char *s, size_t max);

#endif
