/* SPDX-License-Identifier: GPL-2.0 */
#ifndef URINGLOCKSTAT_HTTP_H
#define URINGLOCKSTAT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* The --listen endpoint: GET /metrics only, served from its own thread. */
struct http_server;

/*
 * Listen on spec ("PORT", "ADDR:PORT" or "[ADDR6]:PORT"; loopback when ADDR is left out).
 * A non-loopback address is refused unless allow_any. Returns 0, or -errno with a one-line
 * reason in err.
 */
int http_start(struct http_server **out, const char *spec, bool allow_any, char *err,
	       size_t err_size);

/* The address actually bound, e.g. "127.0.0.1:9580". */
const char *http_address(const struct http_server *h);

/*
 * Replace what /metrics serves: the OpenMetrics and the Prometheus text renderings of the
 * same moment. Takes ownership of both malloc'd buffers. Never waits for a client.
 */
void http_publish(struct http_server *h, char *openmetrics, size_t om_len, char *prometheus,
		  size_t prom_len);

void http_stop(struct http_server *h);

#endif
