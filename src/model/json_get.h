/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The saved report reader's primitives, shared by json_read.c and json_read_ring.c (the
 * schema) and json_get.c (their code): private to src/model.
 */
#ifndef URINGLOCKSTAT_JSON_GET_H
#define URINGLOCKSTAT_JSON_GET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>
#include "json_read.h"

/* Fields: absent means "not valid" unless REQUIRED; null is refused unless NULLABLE. */
#define F_OPTIONAL 0u
#define F_REQUIRED 1u
#define F_NULLABLE 2u

/* The file being read, and where its one error line goes. */
struct reader {
	const char *name;
	char *err;
	size_t err_size;
};

/*
 * Error messages are one line, and name file names, keys and values of the file: their control
 * characters are escaped (\n, \x1b), so that they neither split the line nor reach a terminal.
 */
__attribute__((format(printf, 4, 5)))
int jr_fail(struct reader *r, const char *where, const char *key, const char *fmt, ...);

const char *jr_type_name(const json_t *v);

/*
 * Look up key: NULL with *ret 0 when absent or null and allowed, NULL with *ret -1 (error set)
 * when absent or null and not allowed.
 */
json_t *jr_lookup(struct reader *r, json_t *obj, const char *key, const char *where,
		         unsigned int flags, const char *want, int *ret);

int jr_get_integer(struct reader *r, json_t *obj, const char *key, const char *where,
		          unsigned int flags, json_int_t min, json_int_t max, bool *valid,
		          json_int_t *out);

int jr_get_count_max(struct reader *r, json_t *obj, const char *key, const char *where,
			    unsigned int flags, json_int_t max, struct model_count *out);

int jr_get_count(struct reader *r, json_t *obj, const char *key, const char *where,
		        unsigned int flags, struct model_count *out);

int jr_get_int(struct reader *r, json_t *obj, const char *key, const char *where,
		      json_int_t min, json_int_t max, int *out);

int jr_get_share(struct reader *r, json_t *obj, const char *key, const char *where,
		        bool *valid, double *out);

int jr_get_string(struct reader *r, json_t *obj, const char *key, const char *where,
		         unsigned int flags, char **out);

int jr_get_bool(struct reader *r, json_t *obj, const char *key, const char *where,
		       unsigned int flags, struct model_bool *out);

json_t *jr_get_object(struct reader *r, json_t *obj, const char *key, const char *where,
			     unsigned int flags, int *ret);

json_t *jr_get_array(struct reader *r, json_t *obj, const char *key, const char *where,
			    unsigned int flags, int *ret);

__attribute__((format(printf, 3, 4)))
const char *jr_where_fmt(char *buf, size_t size, const char *fmt, ...);

const char *jr_sub(char *buf, size_t size, const char *where, const char *key);

int jr_get_summary(struct reader *r, json_t *obj, const char *key, const char *where,
		          struct model_summary *out);

int jr_not_regular(struct reader *r, mode_t mode);

struct field;

/*
 * The fields of a table (fields.c) in o into obj, a ring or a run (ring: the ring, or NULL);
 * the writer's derived fields are not read (json_read_ring.c).
 */
int jr_read_fields(struct reader *r, json_t *o, const char *where, const struct field *table,
		   size_t nr, void *obj, struct model_ring *ring);

/* One ring of a run's "rings" (json_read_ring.c). */
int jr_read_ring(struct reader *r, json_t *obj, const char *where, struct model_ring *ring);

int jr_too_large(struct reader *r);

#endif
