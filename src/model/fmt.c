// SPDX-License-Identifier: GPL-2.0
/* Numbers for people, shared by the live report and the re-rendered one; text made printable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fmt.h"

const char *fmt_ns(__u64 ns, char *buf, size_t size)
{
	if (ns < 1000)
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.1fms", ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", ns / 1e9);
	return buf;
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if s does not start one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	__u32 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t fmt_escape(char *buf, size_t size, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len = 0, kept = 0;

	while (*s) {
		size_t n = utf8_len(s), k;
		const char *piece;
		char esc[8];

		if (*s == '\\' || *s == '\n' || *s == '\r' || *s == '\t') {
			k = snprintf(esc, sizeof(esc), "\\%c",
				     *s == '\n' ? 'n' : *s == '\r' ? 'r' : *s == '\t' ? 't' : '\\');
			piece = esc;
		} else if (*s < 0x20 || *s == 0x7f || !n) {
			k = snprintf(esc, sizeof(esc), "\\x%02x", *s);
			piece = esc;
			n = 1;
		} else if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
			/* U+0080..U+009F: C1 controls, which some terminals obey as escapes. */
			k = snprintf(esc, sizeof(esc), "\\u%04x", s[1]);
			piece = esc;
		} else {
			k = n;
			piece = (const char *)s;
		}
		/* Only whole pieces, and none after the first that does not fit. */
		if (kept == len && len + k < size) {
			memcpy(buf + len, piece, k);
			kept += k;
		}
		len += k;
		s += n;
	}
	if (size)
		buf[kept] = '\0';
	return len;
}

char *fmt_escape_dup(const char *text)
{
	size_t len = fmt_escape(NULL, 0, text);
	char *buf = malloc(len + 1);

	if (buf)
		fmt_escape(buf, len + 1, text);
	return buf;
}

int fmt_fputs_escaped(const char *text, FILE *out)
{
	char *s = fmt_escape_dup(text);
	int ret;

	if (!s)
		return EOF;
	ret = fputs(s, out);
	free(s);
	return ret;
}

void fmt_usage_error(const char *cmd, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n;

	n = vasprintf(&msg, fmt, ap);
	fprintf(stderr, "uringlockstat: %s: ", cmd);
	if (n < 0 || fmt_fputs_escaped(msg, stderr) == EOF)
		fputs(fmt, stderr);
	free(msg);
	fprintf(stderr, "\nTry 'uringlockstat %s --help'.\n", cmd);
}
