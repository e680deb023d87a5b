// SPDX-License-Identifier: GPL-2.0
/* Output files written whole or not at all. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "atomic.h"

int atomic_write(const char *path, int (*write_fn)(FILE *f, void *arg), void *arg)
{
	char tmp[4096];
	int fd, ret;
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ret;
	}
	ret = write_fn(f, arg);
	if ((fflush(f) || fsync(fileno(f))) && !ret)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
