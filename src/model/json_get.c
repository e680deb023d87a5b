// SPDX-License-Identifier: GPL-2.0
/*
 * The saved report reader's primitives (json_get.h): a file read whole, with limits, and each
 * field of it fetched with its type, range and nullability checked; every failure one escaped
 * line naming the file, the place and the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "fmt.h"
#include "json_get.h"
#include "json_read.h"

/*
 * Error messages are one line, and name file names, keys and values of the file: their control
 * characters are escaped (\n, \x1b), so that they neither split the line nor reach a terminal.
 */
__attribute__((format(printf, 4, 5)))
int jr_fail(struct reader *r, const char *where, const char *key, const char *fmt, ...)
{
	char *head = NULL, *tail = NULL, *msg = NULL;
	va_list ap;

	if (!r->err_size)
		return -1;
	if ((where[0] && key ? asprintf(&head, "%s: %s.%s: ", r->name, where, key)
			     : asprintf(&head, "%s: %s: ", r->name,
					where[0] ? where : key ? key : "?")) < 0)
		head = NULL;
	va_start(ap, fmt);
	if (vasprintf(&tail, fmt, ap) < 0)
		tail = NULL;
	va_end(ap);
	if (head && tail && asprintf(&msg, "%s%s", head, tail) < 0)
		msg = NULL;
	if (msg)
		fmt_escape(r->err, r->err_size, msg);
	else
		snprintf(r->err, r->err_size, "out of memory");
	free(head);
	free(tail);
	free(msg);
	return -1;
}

const char *jr_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/*
 * Look up key: NULL with *ret 0 when absent or null and allowed, NULL with *ret -1 (error set)
 * when absent or null and not allowed.
 */
json_t *jr_lookup(struct reader *r, json_t *obj, const char *key, const char *where,
		         unsigned int flags, const char *want, int *ret)
{
	json_t *v = json_object_get(obj, key);

	*ret = 0;
	if (!v) {
		if (flags & F_REQUIRED)
			*ret = jr_fail(r, where, key, "missing");
		return NULL;
	}
	if (json_is_null(v)) {
		if (!(flags & F_NULLABLE))
			*ret = jr_fail(r, where, key, "is null, want %s", want);
		return NULL;
	}
	return v;
}

int jr_get_integer(struct reader *r, json_t *obj, const char *key, const char *where,
		          unsigned int flags, json_int_t min, json_int_t max, bool *valid,
		          json_int_t *out)
{
	json_t *v;
	json_int_t i;
	int ret;

	*valid = false;
	*out = 0;
	v = jr_lookup(r, obj, key, where, flags, "an integer", &ret);
	if (!v)
		return ret;
	if (json_is_real(v))
		return jr_fail(r, where, key, "%.17g is not an integer", json_real_value(v));
	if (!json_is_integer(v))
		return jr_fail(r, where, key, "is %s, want an integer", jr_type_name(v));
	i = json_integer_value(v);
	if (i < 0 && min >= 0)
		return jr_fail(r, where, key, "%lld is negative", (long long)i);
	if (i < min || i > max)
		return jr_fail(r, where, key, "%lld is out of range [%lld, %lld]", (long long)i,
			       (long long)min, (long long)max);
	*valid = true;
	*out = i;
	return 0;
}

/* A count or time in ns: an integer in [0, max]. */
int jr_get_count_max(struct reader *r, json_t *obj, const char *key, const char *where,
			    unsigned int flags, json_int_t max, struct model_count *out)
{
	json_int_t i;
	int ret;

	ret = jr_get_integer(r, obj, key, where, flags, 0, max, &out->valid, &i);
	out->value = (__u64)i;
	return ret;
}

int jr_get_count(struct reader *r, json_t *obj, const char *key, const char *where,
		        unsigned int flags, struct model_count *out)
{
	return jr_get_count_max(r, obj, key, where, flags, INT64_MAX, out);
}

int jr_get_int(struct reader *r, json_t *obj, const char *key, const char *where,
		      json_int_t min, json_int_t max, int *out)
{
	json_int_t i;
	bool valid;
	int ret;

	ret = jr_get_integer(r, obj, key, where, F_REQUIRED, min, max, &valid, &i);
	*out = (int)i;
	return ret;
}

/* A share: a number in [0, 1]. */
int jr_get_share(struct reader *r, json_t *obj, const char *key, const char *where,
		        bool *valid, double *out)
{
	json_t *v;
	double d;
	int ret;

	*valid = false;
	*out = 0;
	v = jr_lookup(r, obj, key, where, F_NULLABLE, "a number", &ret);
	if (!v)
		return ret;
	if (!json_is_number(v))
		return jr_fail(r, where, key, "is %s, want a number", jr_type_name(v));
	d = json_number_value(v);
	if (!(d >= 0 && d <= 1))
		return jr_fail(r, where, key, "%.17g is out of range [0, 1]", d);
	*valid = true;
	*out = d;
	return 0;
}

int jr_get_string(struct reader *r, json_t *obj, const char *key, const char *where,
		         unsigned int flags, char **out)
{
	json_t *v;
	int ret;

	*out = NULL;
	v = jr_lookup(r, obj, key, where, flags, "a string", &ret);
	if (!v)
		return ret;
	if (!json_is_string(v))
		return jr_fail(r, where, key, "is %s, want a string", jr_type_name(v));
	*out = strdup(json_string_value(v));
	return *out ? 0 : jr_fail(r, where, key, "out of memory");
}

int jr_get_bool(struct reader *r, json_t *obj, const char *key, const char *where,
		       unsigned int flags, struct model_bool *out)
{
	json_t *v;
	int ret;

	out->valid = false;
	out->value = false;
	v = jr_lookup(r, obj, key, where, flags, "a boolean", &ret);
	if (!v)
		return ret;
	if (!json_is_boolean(v))
		return jr_fail(r, where, key, "is %s, want a boolean", jr_type_name(v));
	out->valid = true;
	out->value = json_is_true(v);
	return 0;
}

json_t *jr_get_object(struct reader *r, json_t *obj, const char *key, const char *where,
			     unsigned int flags, int *ret)
{
	json_t *v = jr_lookup(r, obj, key, where, flags, "an object", ret);

	if (v && !json_is_object(v)) {
		*ret = jr_fail(r, where, key, "is %s, want an object", jr_type_name(v));
		return NULL;
	}
	return v;
}

json_t *jr_get_array(struct reader *r, json_t *obj, const char *key, const char *where,
			    unsigned int flags, int *ret)
{
	json_t *v = jr_lookup(r, obj, key, where, flags, "an array", ret);

	if (v && !json_is_array(v)) {
		*ret = jr_fail(r, where, key, "is %s, want an array", jr_type_name(v));
		return NULL;
	}
	return v;
}

/* Where a field is, for messages ("repeats[2].rings[0].wait_ns"); cut short if very long. */
__attribute__((format(printf, 3, 4)))
const char *jr_where_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}

/* "where.key" for the fields of a nested object. */
const char *jr_sub(char *buf, size_t size, const char *where, const char *key)
{
	return jr_where_fmt(buf, size, "%s%s%s", where, where[0] ? "." : "", key);
}

int jr_get_summary(struct reader *r, json_t *obj, const char *key, const char *where,
		          struct model_summary *out)
{
	static const char *const names[] = { "total", "count", "p50", "p90", "p99", "max" };
	__u64 *fields[] = { &out->ns.total, &out->ns.count, &out->ns.p50, &out->ns.p90,
			    &out->ns.p99, &out->ns.max };
	struct model_count c;
	char w[192];
	json_t *v;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	v = jr_get_object(r, obj, key, where, F_NULLABLE, &ret);
	if (!v)
		return ret;
	jr_sub(w, sizeof(w), where, key);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (jr_get_count(r, v, names[i], w, F_REQUIRED, &c))
			return -1;
		*fields[i] = c.value;
	}
	out->valid = true;
	return 0;
}

int jr_not_regular(struct reader *r, mode_t mode)
{
	return jr_fail(r, "not a regular file", NULL, "%s",
		       S_ISDIR(mode) ? "a directory" :
		       S_ISFIFO(mode) ? "a FIFO or pipe (save the report to a file first)" :
		       S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
		       S_ISSOCK(mode) ? "a socket" : "of an unknown type");
}

int jr_too_large(struct reader *r)
{
	return jr_fail(r, "too large", NULL, "more than %lu MiB, the most a report may have",
		       SAVED_MAX_FILE_BYTES >> 20);
}

int model_load_json(const char *path, struct run_model *rep, char *err, size_t err_size)
{
	struct reader r = { .name = path, .err = err, .err_size = err_size };
	size_t len = 0, cap = 0;
	char *buf = NULL;
	struct stat st;
	int fd, ret;

	memset(rep, 0, sizeof(*rep));
	/*
	 * Regular files only, checked before opening: opening a FIFO waits for a writer, a device
	 * can act on being opened, and neither has a size to check against the limit.
	 */
	if (stat(path, &st))
		return jr_fail(&r, "cannot open", NULL, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return jr_not_regular(&r, st.st_mode);
	if ((size_t)st.st_size > SAVED_MAX_FILE_BYTES)
		return jr_too_large(&r);
	/* O_NONBLOCK: a FIFO put in its place since stat() does not hang the open. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return jr_fail(&r, "cannot open", NULL, "%s", strerror(errno));
	if (fstat(fd, &st)) {
		ret = jr_fail(&r, "cannot read", NULL, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = jr_not_regular(&r, st.st_mode);
		goto out;
	}
	/* A file that grows while it is read (or a /proc file, of size 0) meets the limit here. */
	for (;;) {
		ssize_t n;

		if (len > SAVED_MAX_FILE_BYTES) {
			ret = jr_too_large(&r);
			goto out;
		}
		if (len == cap) {
			char *bigger;

			/* One byte past the limit tells a file of exactly the limit from more. */
			cap = cap ? cap * 2 : 65536;
			if (cap > SAVED_MAX_FILE_BYTES + 1)
				cap = SAVED_MAX_FILE_BYTES + 1;
			bigger = realloc(buf, cap);
			if (!bigger) {
				ret = jr_fail(&r, "cannot read", NULL, "out of memory");
				goto out;
			}
			buf = bigger;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = jr_fail(&r, "cannot read", NULL, "%s", strerror(errno));
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	ret = model_parse_json(buf, len, path, rep, err, err_size);
out:
	free(buf);
	close(fd);
	return ret;
}
