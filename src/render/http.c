// SPDX-License-Identifier: GPL-2.0
/*
 * The --listen endpoint, served by GNU libmicrohttpd from its own thread: a maintained HTTP
 * implementation (request parsing, connection limits and timeouts) rather than one of ours.
 * It answers GET (and HEAD) /metrics only. What it serves is an immutable, reference-counted
 * rendering that the profiling loop swaps in: a client holds a reference, never a lock, so
 * slow or many clients cannot hold up the aggregation.
 *
 * Slow clients cannot lock scrapers out either (slowloris): a request must arrive whole within
 * a few seconds of its start, however often the client sends a byte, and a new connection
 * always gets in, when the server or its client's share is full, by ending the oldest
 * connection still sending its request. A scraper sends its request at once, so it is served
 * even from the same address as the attacker (127.0.0.1). Our thread drives libmicrohttpd
 * (MHD_run), so the connection table needs no lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "expo.h"
#include "http.h"

#ifdef URINGLOCKSTAT_NO_HTTP

int http_start(struct http_server **out, const char *spec, bool allow_any, char *err,
	       size_t err_size)
{
	*out = NULL;
	snprintf(err, err_size, "this uringlockstat was built without libmicrohttpd (static "
		 "build); use --prom-file, or the regular build");
	return -ENOTSUP;
}

const char *http_address(const struct http_server *h)
{
	return "";
}

void http_publish(struct http_server *h, char *openmetrics, size_t om_len, char *prometheus,
		  size_t prom_len)
{
	free(openmetrics);
	free(prometheus);
}

void http_stop(struct http_server *h)
{
}

#else

#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* Limits of the endpoint: a scraper needs one connection and one short request. */
#define HTTP_MAX_CONNECTIONS 64
/* Connections of one client address; more end that client's oldest unfinished request. */
#define HTTP_MAX_PER_CLIENT 16
/* Idle time before libmicrohttpd closes a connection. */
#define HTTP_TIMEOUT_S 5
/* A request must arrive whole this long after the connection (or the previous response). */
#define HTTP_REQUEST_MS 3000
/* ... and its response be sent within this. */
#define HTTP_RESPONSE_MS 10000
/* How often the deadlines are checked. */
#define HTTP_SWEEP_MS 200
#define HTTP_POOL_BYTES (32 * 1024)

/* One open connection, from libmicrohttpd's connection notifications. */
struct http_conn {
	bool used;
	bool responding;       /* the request has arrived: its response is being sent */
	bool ended;            /* shut down by us; libmicrohttpd closes it next */
	int fd;
	uint64_t start_ms;        /* accepted, or the previous response sent */
	struct sockaddr_storage peer;
};

/* One rendering, shared by the responses that send it. */
struct exposition {
	int refs;
	char *text[2]; /* by enum expo_format */
	size_t len[2];
};

struct http_server {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock; /* guards current and every refs: held for a pointer swap only */
	struct exposition *current;
	char address[INET6_ADDRSTRLEN + 8];
	pthread_t thread;     /* runs libmicrohttpd and the deadlines */
	int wake_fd;          /* eventfd: http_stop wakes the thread */
	atomic_bool stopping;
	/* Used by the thread only: libmicrohttpd calls back from MHD_run. */
	struct http_conn conns[HTTP_MAX_CONNECTIONS + 1];
};

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_client(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	return false;
}

/* End a connection: libmicrohttpd sees the socket shut and closes it in its next round. */
static void end_conn(struct http_conn *conn)
{
	if (conn->ended)
		return;
	conn->ended = true;
	shutdown(conn->fd, SHUT_RDWR);
}

/*
 * Room for a new connection: when its client has HTTP_MAX_PER_CLIENT connections, or the
 * server HTTP_MAX_CONNECTIONS, end the oldest one (of that client, or of all) still receiving
 * its request. A request still arriving after milliseconds is the slow one, never a scraper's.
 */
static void make_room(struct http_server *h, struct http_conn *fresh)
{
	struct http_conn *oldest_client = NULL, *oldest = NULL;
	size_t i, total = 0, client = 0;

	for (i = 0; i < HTTP_MAX_CONNECTIONS + 1; i++) {
		struct http_conn *c = &h->conns[i];
		bool mine;

		if (!c->used || c->ended)
			continue;
		mine = same_client(&c->peer, &fresh->peer);
		total++;
		client += mine;
		if (c == fresh || c->responding)
			continue;
		if (!oldest || c->start_ms < oldest->start_ms)
			oldest = c;
		if (mine && (!oldest_client || c->start_ms < oldest_client->start_ms))
			oldest_client = c;
	}
	if (client > HTTP_MAX_PER_CLIENT)
		end_conn(oldest_client ? oldest_client : fresh);
	else if (total > HTTP_MAX_CONNECTIONS)
		end_conn(oldest ? oldest : fresh);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *h = cls;
	const union MHD_ConnectionInfo *fd, *peer;
	struct http_conn *conn = *socket_context;
	size_t i;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (conn)
			memset(conn, 0, sizeof(*conn));
		*socket_context = NULL;
		return;
	}
	fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	peer = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	for (i = 0; i < HTTP_MAX_CONNECTIONS + 1 && h->conns[i].used; i++)
		;
	/* libmicrohttpd accepts at most HTTP_MAX_CONNECTIONS + 1: a slot is free. */
	if (i == HTTP_MAX_CONNECTIONS + 1 || !fd)
		return;
	conn = &h->conns[i];
	memset(conn, 0, sizeof(*conn));
	conn->used = true;
	conn->fd = fd->connect_fd;
	conn->start_ms = monotonic_ms();
	if (peer && peer->client_addr)
		memcpy(&conn->peer, peer->client_addr,
		       peer->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								 : sizeof(struct sockaddr_in));
	*socket_context = conn;
	make_room(h, conn);
}

static struct http_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/* A response sent: on a kept-alive connection the next request's time starts now. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_conn *conn = conn_of(c);

	if (!conn)
		return;
	conn->responding = false;
	conn->start_ms = monotonic_ms();
}

/* End the connections past their deadline, however busy their clients keep them. */
static void sweep(struct http_server *h)
{
	uint64_t now = monotonic_ms();
	size_t i;

	for (i = 0; i < HTTP_MAX_CONNECTIONS + 1; i++) {
		struct http_conn *c = &h->conns[i];

		if (c->used && now - c->start_ms >
				       (c->responding ? HTTP_RESPONSE_MS : HTTP_REQUEST_MS))
			end_conn(c);
	}
}

static void *serve(void *arg)
{
	struct http_server *h = arg;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon,
							       MHD_DAEMON_INFO_EPOLL_FD);
	struct pollfd p[2] = { { .fd = info ? info->epoll_fd : -1, .events = POLLIN },
			       { .fd = h->wake_fd, .events = POLLIN } };

	while (!atomic_load(&h->stopping)) {
		MHD_UNSIGNED_LONG_LONG mhd_ms;
		int timeout_ms = HTTP_SWEEP_MS;

		if (MHD_get_timeout(h->daemon, &mhd_ms) == MHD_YES && mhd_ms < (unsigned)timeout_ms)
			timeout_ms = mhd_ms;
		poll(p, 2, timeout_ms);
		MHD_run(h->daemon);
		sweep(h);
	}
	return NULL;
}

static void exposition_put(struct http_server *h, struct exposition *e)
{
	bool last;

	if (!e)
		return;
	pthread_mutex_lock(&h->lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (!last)
		return;
	free(e->text[0]);
	free(e->text[1]);
	free(e);
}

struct response_ref {
	struct http_server *h;
	struct exposition *e;
};

static void response_done(void *cls)
{
	struct response_ref *r = cls;

	exposition_put(r->h, r->e);
	free(r);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status,
				  const char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* OpenMetrics for the clients that ask for it (Prometheus does), Prometheus text otherwise. */
static enum expo_format negotiate(struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

	return accept && strstr(accept, "application/openmetrics-text") ? EXPO_OPENMETRICS
									 : EXPO_PROMETHEUS;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *h = cls;
	struct http_conn *conn = conn_of(c);
	struct MHD_Response *resp;
	struct response_ref *ref;
	struct exposition *e;
	enum expo_format fmt;
	enum MHD_Result ret;

	/* The request has arrived whole: its time is now the response's. */
	if (conn && !conn->responding) {
		conn->responding = true;
		conn->start_ms = monotonic_ms();
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (*upload_data_size)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, "no request body expected\n");
	if (strcmp(url, "/metrics"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "only GET /metrics\n");
	pthread_mutex_lock(&h->lock);
	e = h->current;
	if (e)
		e->refs++;
	pthread_mutex_unlock(&h->lock);
	if (!e)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot yet\n");
	ref = malloc(sizeof(*ref));
	if (!ref) {
		exposition_put(h, e);
		return MHD_NO;
	}
	ref->h = h;
	ref->e = e;
	fmt = negotiate(c);
	resp = MHD_create_response_from_buffer_with_free_callback_cls(e->len[fmt], e->text[fmt],
								      response_done, ref);
	if (!resp) {
		response_done(ref);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, expo_content_type(fmt));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	/* Client errors (resets, timeouts) are the client's business, not the profile's. */
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		       (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
	}
	return false;
}

/* "PORT", "ADDR:PORT", "[ADDR6]:PORT", ":PORT" (every address) -> a socket address. */
static int parse_spec(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *err,
		      size_t err_size)
{
	char host[256] = "127.0.0.1", port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	const char *colon = strrchr(spec, ':'), *p;
	char *end;
	long n;
	int e;

	if (!colon) {
		p = spec;
	} else if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close + 1 != colon || close - spec - 1 >= (long)sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(close - spec - 1), spec + 1);
		p = colon + 1;
	} else {
		if (colon - spec >= (long)sizeof(host) || strchr(spec, ':') != colon)
			goto bad;
		if (colon == spec)
			snprintf(host, sizeof(host), "0.0.0.0");
		else
			snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		p = colon + 1;
	}
	errno = 0;
	n = strtol(p, &end, 10);
	if (!*p || *end || errno || n < 0 || n > 65535)
		goto bad;
	snprintf(port, sizeof(port), "%ld", n);
	e = getaddrinfo(host, port, &hints, &res);
	if (e) {
		snprintf(err, err_size, "cannot resolve '%s': %s", host, gai_strerror(e));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	snprintf(err, err_size, "expected PORT, ADDR:PORT or [ADDR6]:PORT");
	return -EINVAL;
}

static void format_address(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, size, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
	}
}

int http_start(struct http_server **out, const char *spec, bool allow_any, char *err,
	       size_t err_size)
{
	struct sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);
	struct http_server *h;
	int fd, one = 1, ret;

	*out = NULL;
	ret = parse_spec(spec, &ss, &len, err, err_size);
	if (ret)
		return ret;
	if (!is_loopback(&ss) && !allow_any) {
		snprintf(err, err_size, "not a loopback address: metrics would be open to the "
			 "network; add --listen-any to mean it");
		return -EPERM;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		ret = -errno;
		snprintf(err, err_size, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&h->lock, NULL);
	format_address(&ss, h->address, sizeof(h->address));
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* One connection above the limit is accepted: make_room then ends the oldest slow one. */
	h->daemon = h->wake_fd < 0 ? NULL :
		    MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, on_request, h,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS + 1,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_POOL_BYTES,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				     MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, err_size, "libmicrohttpd could not start");
		close(fd);
		goto fail;
	}
	ret = pthread_create(&h->thread, NULL, serve, h);
	if (ret) {
		snprintf(err, err_size, "cannot start the endpoint's thread: %s", strerror(ret));
		MHD_stop_daemon(h->daemon);
		goto fail;
	}
	*out = h;
	return 0;
fail:
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return -EIO;
}

const char *http_address(const struct http_server *h)
{
	return h ? h->address : "";
}

void http_publish(struct http_server *h, char *openmetrics, size_t om_len, char *prometheus,
		  size_t prom_len)
{
	struct exposition *e = calloc(1, sizeof(*e)), *old;

	if (!h || !e) {
		free(e);
		free(openmetrics);
		free(prometheus);
		return;
	}
	e->refs = 1;
	e->text[EXPO_OPENMETRICS] = openmetrics;
	e->len[EXPO_OPENMETRICS] = om_len;
	e->text[EXPO_PROMETHEUS] = prometheus;
	e->len[EXPO_PROMETHEUS] = prom_len;
	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = e;
	pthread_mutex_unlock(&h->lock);
	exposition_put(h, old);
}

void http_stop(struct http_server *h)
{
	uint64_t one = 1;

	if (!h)
		return;
	atomic_store(&h->stopping, true);
	if (write(h->wake_fd, &one, sizeof(one)) < 0) {
		/* The thread still sees stopping within HTTP_SWEEP_MS. */
	}
	pthread_join(h->thread, NULL);
	close(h->wake_fd);
	/* MHD closes the listen socket it was given. */
	MHD_stop_daemon(h->daemon);
	exposition_put(h, h->current);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

#endif
