/* xml_escape.c: names from a profile escaped for XML and HTML (see xml_escape.h). */
#include "xml_escape.h"

#include <string.h>

#include "utf8.h"

void xml_write(FILE *f, const char *s, size_t max)
{
	size_t n = strlen(s), i, len, cps = 0;
	unsigned cp;

	for (i = 0; i < n; i += len) {
		const unsigned char *c = (const unsigned char *)s + i;

		len = utf8_seq(c, n - i, &cp);
		if (len == 0) {
			len = 1;
			cp = 0xfffd;
		}
		if (max > 0 && ++cps > max - 2 && n - i > len) {
			fputs("..", f);
			return;
		}
		if (cp < 0x80) {
			switch (*c) {
			case '<':
				fputs("&lt;", f);
				break;
			case '>':
				fputs("&gt;", f);
				break;
			case '&':
				fputs("&amp;", f);
				break;
			case '"':
				fputs("&quot;", f);
				break;
			case '\'':
				fputs("&apos;", f);
				break;
			default:
				fputc(*c < 0x20 || *c == 0x7f ? ' ' : *c, f);
			}
		} else if (cp == 0xfffe || cp == 0xffff || cp == 0xfffd) {
			fputs("\xef\xbf\xbd", f);
		} else {
			fwrite(c, 1, len, f);
		}
	}
}
