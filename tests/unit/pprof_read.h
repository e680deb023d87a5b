/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A gzipped pprof profile read back and decoded (protobuf-c), for the unit tests that check
 * what src/render/pprof.c wrote (test_pprof, test_golden). Include after cmocka.h.
 */
#ifndef URINGLOCKSTAT_TEST_PPROF_READ_H
#define URINGLOCKSTAT_TEST_PPROF_READ_H

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "proto/profile.pb-c.h"

static inline Perftools__Profiles__Profile *pprof_read(const char *path)
{
	unsigned char *raw = NULL, buf[65536];
	size_t len = 0, cap = 0;
	gzFile gz = gzopen(path, "rb");
	Perftools__Profiles__Profile *p;
	int n;

	assert_non_null(gz);
	while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
		if (len + n > cap) {
			cap = (len + n) * 2;
			raw = realloc(raw, cap);
			assert_non_null(raw);
		}
		memcpy(raw + len, buf, n);
		len += n;
	}
	assert_int_equal(n, 0);
	assert_int_equal(gzclose(gz), Z_OK);
	p = perftools__profiles__profile__unpack(NULL, len, raw);
	free(raw);
	assert_non_null(p);
	return p;
}

#endif
