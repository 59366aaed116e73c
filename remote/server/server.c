/*
 * server.c - the HTTP side of lxdeckd: listener, connections, requests,
 * responses.
 *
 * One request per connection, as LXD's clients do (`Connection: close`).
 * A connection reads the request head with a deadline (slow clients are
 * dropped), routes it, then reads the body into memory (JSON, at most
 * HTTP_MAX_JSON_BODY, else 413) or into a spool file (uploads, at most
 * HTTP_MAX_UPLOAD), and calls the handler.  A handler answers at once or
 * later (operations/ID/wait, instance PATCH waiting for its operation); a
 * deferred request is told through on_abort when its client goes away, so
 * nothing writes to a dead connection.  Websocket upgrades are handed to
 * ws.c with the bytes read so far and leave this file.
 *
 * Callers come from the unix socket (trusted by file permissions) or from
 * the HTTPS listener (tls.c), which terminates TLS and adopts a plain
 * socket here with who the peer is (server_adopt).  Untrusted callers
 * reach only GET /, GET /1.0 (public fields), POST /1.0/certificates,
 * operation websockets (which check their secret) and the GETs of images
 * that serve public ones (api-images.c filters); anything else is 403.
 * core.https_address, set through PUT/PATCH /1.0 like LXD, (re)starts the
 * listener.
 *
 * Limits (issue 13, section 4): the unix socket, trusted HTTPS callers and
 * untrusted ones are counted apart, so no number of strangers on the
 * network takes a connection the local admin needs.  An untrusted
 * connection must send its head and body within an absolute deadline (not
 * an idle timer a slow-loris resets with one byte), its body may be at
 * most HTTP_MAX_UNTRUSTED_BODY (413 at once, nothing buffered), and there
 * may be only so many of them, in all and per source address.  When they
 * are all taken, the oldest one still sending its request after a second
 * makes room (a real client sends its head in milliseconds); else the
 * newcomer gets a 503.  tls.c bounds the handshakes the same way.  LXD (Go
 * net/http, no timeouts set) has none of these; the values are the ones Go
 * servers are usually hardened with (ReadHeaderTimeout 10 s, the TLS
 * handshake timeout of Go's transport 10 s).  Like Go since 1.19, the daemon
 * raises its soft RLIMIT_NOFILE to the hard one, and shrinks the limits if
 * even that cannot hold them all.
 *
 * Ownership: the server owns its connections; a connection owns its
 * request until the response has been written.  A request outlives its
 * connection only as long as it takes to notice: request->conn becomes
 * NULL and request_send() then just frees.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "server.h"

#define SERVER_HEAD_TIMEOUT_MS	30000	/* whole head */
/* A body being read, or a response being written, that does not move for
 * this long is dropped.  Never while a handler holds the request: a
 * deferred answer (operations/ID/wait?timeout=N) takes what it takes.
 * LXDECK_TEST_IDLE_MS (read once at start) lowers it for the tests. */
#define SERVER_IDLE_TIMEOUT_MS	60000
#define SERVER_LINGER_MS	2000	/* draining after an early answer */
#define SERVER_FILE_CHUNK	(256 * 1024)
/* Connections, each kind counted apart (see the top of the file). */
#define SERVER_MAX_UNIX		2000
#define SERVER_MAX_HTTPS	1000	/* trusted certificates */
#define SERVER_MAX_UNTRUSTED	256
#define SERVER_MAX_UNTRUSTED_ADDR 16
/* Head and body of an untrusted request, from the end of the handshake;
 * LXDECK_TEST_UNTRUSTED_MS changes it for the tests. */
#define SERVER_UNTRUSTED_MS	10000
/* The TLS handshake (tls.c); LXDECK_TEST_HANDSHAKE_MS. */
#define SERVER_MAX_HANDSHAKES	256
#define SERVER_MAX_HANDSHAKES_ADDR 16
#define SERVER_HANDSHAKE_MS	10000
/* A request older than this that is still being sent may be evicted. */
#define SERVER_EVICT_AGE_MS	1000
#define SERVER_REFUSED_LOG_MS	10000	/* at most one summary this often */
/* fds: an HTTPS connection costs three (TCP, the socketpair), a handshake
 * one; this many stay for the engine, websockets and files. */
#define SERVER_FD_RESERVE	512

struct upgrade {
	ws_bind_cb	 bind;
	void		*arg;
};

struct segment {
	char		*data;
	size_t		 len;
	int		 fd;		/* -1: data */
	int64_t		 flen;
	bool		 stream;	/* fd is a non-blocking pipe or socket */
	bool		 polled;	/* fd owned by conn->spoll now */
};

struct response {
	int		 status;
	struct buf	 head;		/* extra header lines */
	struct segment	*segs;
	size_t		 nsegs;
	int64_t		 length;
};

enum conn_kind {
	CONN_UNIX,
	CONN_HTTPS,		/* trusted certificate */
	CONN_UNTRUSTED,
};

enum conn_state {
	CONN_HEAD,		/* reading the head */
	CONN_BODY,		/* reading the body */
	CONN_HANDLING,		/* the handler has the request */
	CONN_WRITING,		/* the response is going out */
	CONN_LINGER,		/* answered early, draining the rest */
	CONN_CLOSING,
};

struct conn {
	uv_pipe_t		 pipe;
	uv_timer_t		 timer;
	struct server		*srv;
	enum conn_state		 state;
	struct http_parser	 parser;
	struct request		*req;
	struct response		*resp;
	size_t			 seg;		/* segment being written */
	struct stream_poll	*spoll;	/* waits for a stream segment */
	bool			 sent;		/* the whole response is out */
	int			 open_handles;
	bool			 in_list;
	enum conn_kind		 kind;
	uint64_t		 started;	/* uv_now() when adopted */
	struct peer		 peer;
	struct conn		*prev, *next;
	/* Untrusted ones also on their own list, oldest at the tail. */
	struct conn		*uprev, *unext;
};

struct server {
	uv_loop_t		*loop;
	struct backend		*backend;
	uv_pipe_t		 listener;
	bool			 listening;
	char			*socket_path;
	char			*spool_dir;
	struct ws_ctx		*ws;
	void			**api;		/* a slot per api_families row */
	int			 sub_id;
	struct conn		*conns;
	size_t			 nconns[3];	/* by enum conn_kind */
	struct conn		*untrusted, *untrusted_tail;
	struct server_limits	 limits;
	unsigned long		 refused[REFUSED__COUNT];
	char			 refused_addr[64];
	uv_timer_t		*refused_timer;
	char			*dir;		/* server.crt/key, trust/ */
	struct trust		*trust;
	struct tls_listener	*https;
	char			*https_addr;
	char			*listen_arg;	/* --listen */
};

static void conn_close(struct conn *);
static void conn_timeout(uv_timer_t *);
static void conn_write_next(struct conn *);

/* Requests */

static struct request *
request_new(struct conn *c)
{
	struct request *r = xcalloc(1, sizeof *r);

	r->srv = c->srv;
	r->conn = c;
	r->http = &c->parser.req;
	r->spool_fd = -1;
	r->project = "default";
	return r;
}

static void
request_free(struct request *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < ROUTE_MAX_PARAMS; i++)
		free(r->params[i]);
	free(r->upgrade);
	buf_free(&r->body);
	if (r->spool_fd >= 0)
		close(r->spool_fd);
	if (r->spool_path != NULL) {
		unlink(r->spool_path);
		free(r->spool_path);
	}
	free(r);
}

const char *
request_query(const struct request *r, const char *key)
{
	return r->http ? strmap_get(&r->http->query, key) : NULL;
}

const char *
request_header(const struct request *r, const char *lname)
{
	return r->http ? http_header(r->http, lname) : NULL;
}

int
request_recursion(const struct request *r)
{
	const char *v = request_query(r, "recursion");

	if (v == NULL || *v == '\0')
		return 0;
	if (strcmp(v, "1") == 0)
		return 1;
	if (strcmp(v, "2") == 0)
		return 2;
	return 0;
}

bool
request_project_is_default(const struct request *r)
{
	return strcmp(r->project, "default") == 0;
}

/* 404 unless the request is for the default project (the only one). */
static int
request_check_project(const struct request *r, struct err *e)
{
	if (request_project_is_default(r))
		return 0;
	return err_set(e, 404, "Project \"%s\" not found", r->project);
}

json_object *
request_json(struct request *r, struct err *e)
{
	json_object *o;

	if (r->spool_fd >= 0) {
		struct stat st;
		char *data;
		ssize_t n;

		if (fstat(r->spool_fd, &st) < 0 || st.st_size > HTTP_MAX_JSON_BODY) {
			err_set(e, 413, "Request body too large (limit %d bytes)",
			    HTTP_MAX_JSON_BODY);
			return NULL;
		}
		data = xmalloc((size_t)st.st_size + 1);
		n = pread(r->spool_fd, data, (size_t)st.st_size, 0);
		if (n != st.st_size) {
			free(data);
			err_set(e, 500, "Failed to read the request body");
			return NULL;
		}
		o = codec_parse(data, (size_t)n, e);
		free(data);
	} else {
		o = codec_parse(r->body.data ? r->body.data : "", r->body.len, e);
	}
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		err_set(e, 400, "json: cannot unmarshal %s into a request object",
		    json_type_to_name(json_object_get_type(o)));
		json_object_put(o);
		return NULL;
	}
	return o;
}

void
request_patch_merge(struct strmap *config, const struct strmap *patch,
    struct devmap *devices, const struct devmap *devices_patch)
{
	size_t i;

	for (i = 0; i < patch->n; i++) {
		if (patch->vals[i][0] == '\0')
			strmap_unset(config, patch->keys[i]);
		else
			strmap_set(config, patch->keys[i], patch->vals[i]);
	}
	for (i = 0; devices != NULL && i < devices_patch->n; i++) {
		if (devices_patch->props[i].n == 0)
			devmap_unset(devices, devices_patch->names[i]);
		else
			devmap_set(devices, devices_patch->names[i],
			    &devices_patch->props[i]);
	}
}

/* Responses */

struct response *
response_new(int status)
{
	struct response *resp = xcalloc(1, sizeof *resp);

	resp->status = status;
	return resp;
}

static void
response_free(struct response *resp)
{
	size_t i;

	if (resp == NULL)
		return;
	buf_free(&resp->head);
	for (i = 0; i < resp->nsegs; i++) {
		free(resp->segs[i].data);
		if (resp->segs[i].fd >= 0 && !resp->segs[i].polled)
			close(resp->segs[i].fd);
	}
	free(resp->segs);
	free(resp);
}

void
response_header(struct response *resp, const char *name, const char *value)
{
	const char *p;

	/* Never let a value break the header block. */
	for (p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			return;
	buf_printf(&resp->head, "%s: %s\r\n", name, value);
}

static struct segment *
response_seg(struct response *resp)
{
	struct segment *s;

	resp->segs = xreallocarray(resp->segs, resp->nsegs + 1, sizeof *resp->segs);
	s = &resp->segs[resp->nsegs++];
	memset(s, 0, sizeof *s);
	s->fd = -1;
	return s;
}

void
response_body(struct response *resp, const void *data, size_t len)
{
	struct segment *s = response_seg(resp);

	s->data = xmalloc(len ? len : 1);
	memcpy(s->data, data, len);
	s->len = len;
	resp->length += (int64_t)len;
}

void
response_file(struct response *resp, int fd, int64_t len)
{
	struct segment *s = response_seg(resp);

	s->fd = fd;
	s->flen = len;
	resp->length += len;
}

void
response_stream(struct response *resp, int fd, int64_t len)
{
	struct segment *s = response_seg(resp);

	s->fd = fd;
	s->flen = len;
	s->stream = true;
	resp->length += len;
}

/*
 * A stream segment is read when it has data: on EAGAIN a poll handle waits
 * for it.  From then on the handle owns the fd (closed after the handle:
 * op-worker.c says why) and the segment only borrows it (polled).
 */
struct stream_poll {
	uv_poll_t	 h;
	struct conn	*conn;
	int		 fd;
};

static void
conn_spoll_closed(uv_handle_t *h)
{
	struct stream_poll *sp = h->data;

	close(sp->fd);
	free(sp);
}

static void
conn_spoll_stop(struct conn *c)
{
	struct stream_poll *sp = c->spoll;

	if (sp == NULL)
		return;
	c->spoll = NULL;
	uv_poll_stop(&sp->h);
	uv_close((uv_handle_t *)&sp->h, conn_spoll_closed);
}

static void
conn_spoll_cb(uv_poll_t *h, int status, int events)
{
	struct stream_poll *sp = h->data;

	(void)status;
	(void)events;
	uv_poll_stop(h);
	conn_write_next(sp->conn);
}

/* Waits for a stream segment to have data; -1 when it cannot. */
static int
conn_spoll_wait(struct conn *c, struct segment *s)
{
	struct stream_poll *sp = c->spoll;

	if (sp == NULL) {
		sp = xcalloc(1, sizeof *sp);
		if (uv_poll_init(c->srv->loop, &sp->h, s->fd) < 0) {
			free(sp);
			return -1;
		}
		sp->h.data = sp;
		sp->conn = c;
		sp->fd = s->fd;
		s->polled = true;
		c->spoll = sp;
	}
	return uv_poll_start(&sp->h, UV_READABLE, conn_spoll_cb) < 0 ? -1 : 0;
}

struct write_req {
	uv_write_t	 w;
	struct conn	*conn;
	char		*data;
};

static void
conn_write_cb(uv_write_t *w, int status)
{
	struct write_req *wr = (struct write_req *)w;
	struct conn *c = wr->conn;

	free(wr->data);
	free(wr);
	if (c->state == CONN_CLOSING)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	/* The client reads: the response moves. */
	if (c->state == CONN_WRITING)
		uv_timer_start(&c->timer, conn_timeout, c->srv->limits.idle_ms, 0);
	conn_write_next(c);
}

static int
conn_write(struct conn *c, char *data, size_t len)
{
	struct write_req *wr = xcalloc(1, sizeof *wr);
	uv_buf_t b = uv_buf_init(data, (unsigned)len);

	wr->conn = c;
	wr->data = data;
	if (uv_write(&wr->w, (uv_stream_t *)&c->pipe, &b, 1, conn_write_cb) < 0) {
		free(data);
		free(wr);
		return -1;
	}
	return 0;
}

/* Writes the next piece of the response; closes the connection at the end. */
static void
conn_write_next(struct conn *c)
{
	struct response *resp = c->resp;

	while (c->seg < resp->nsegs) {
		struct segment *s = &resp->segs[c->seg];

		if (s->fd < 0) {
			char *d = s->data;

			s->data = NULL;
			c->seg++;
			if (s->len == 0) {
				free(d);
				continue;
			}
			if (conn_write(c, d, s->len) < 0)
				conn_close(c);
			return;
		}
		if (s->flen > 0) {
			size_t want = s->flen > SERVER_FILE_CHUNK ? SERVER_FILE_CHUNK :
			    (size_t)s->flen;
			char *d = xmalloc(want);
			ssize_t n = read(s->fd, d, want);

			if (n < 0 && errno == EINTR) {
				free(d);
				continue;
			}
			if (n < 0 && s->stream && (errno == EAGAIN ||
			    errno == EWOULDBLOCK)) {
				free(d);
				if (conn_spoll_wait(c, s) < 0)
					conn_close(c);
				return;
			}
			if (n <= 0) {
				free(d);
				log_warn("Short read while sending a file");
				conn_close(c);
				return;
			}
			s->flen -= n;
			if (conn_write(c, d, (size_t)n) < 0)
				conn_close(c);
			return;
		}
		if (s->polled)
			conn_spoll_stop(c);
		else
			close(s->fd);
		s->fd = -1;
		s->polled = false;
		c->seg++;
	}
	/* Everything is out: the request is over. */
	c->sent = true;
	if (c->state == CONN_LINGER)
		return;		/* the linger timer (or the client's EOF) closes */
	conn_close(c);
}

void
request_send(struct request *r, struct response *resp)
{
	struct conn *c = r->conn;
	struct buf head = { 0 };
	size_t head_len;
	char *head_data;

	if (r->responded) {
		response_free(resp);
		return;
	}
	r->responded = true;
	if (c == NULL) {
		/* The client went away while we worked. */
		response_free(resp);
		request_free(r);
		return;
	}
	buf_printf(&head, "HTTP/1.1 %d %s\r\n", resp->status,
	    http_status_text(resp->status));
	buf_append(&head, resp->head.data ? resp->head.data : "", resp->head.len);
	buf_printf(&head, "Content-Length: %lld\r\nConnection: close\r\n\r\n",
	    (long long)resp->length);
	if (r->http->method == HTTP_HEAD) {
		size_t i;

		for (i = 0; i < resp->nsegs; i++) {
			free(resp->segs[i].data);
			resp->segs[i].data = NULL;
			resp->segs[i].len = 0;
			if (resp->segs[i].fd >= 0)
				close(resp->segs[i].fd);
			resp->segs[i].fd = -1;
			resp->segs[i].flen = 0;
		}
	}
	c->resp = resp;
	c->seg = 0;
	if (c->state != CONN_LINGER) {
		c->state = CONN_WRITING;
		uv_timer_start(&c->timer, conn_timeout, c->srv->limits.idle_ms, 0);
	}
	/* buf_steal() empties head: take its length first (the order in
	 * which a call's arguments are evaluated is unspecified). */
	head_len = head.len;
	head_data = buf_steal(&head);
	if (conn_write(c, head_data, head_len) < 0) {
		conn_close(c);
		return;
	}
}

/* Connections */

static void
conn_handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->open_handles > 0)
		return;
	http_parser_free(&c->parser);
	response_free(c->resp);
	free(c->peer.cert_pem);
	free(c);
}

static void
conn_unlink(struct conn *c)
{
	struct server *s = c->srv;

	if (!c->in_list)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->kind == CONN_UNTRUSTED) {
		if (c->uprev != NULL)
			c->uprev->unext = c->unext;
		else
			s->untrusted = c->unext;
		if (c->unext != NULL)
			c->unext->uprev = c->uprev;
		else
			s->untrusted_tail = c->uprev;
	}
	c->in_list = false;
	s->nconns[c->kind]--;
}

/* Detaches a pending request: it may be answered later into the void. */
static void
conn_drop_request(struct conn *c)
{
	struct request *r = c->req;

	if (r == NULL)
		return;
	c->req = NULL;
	r->conn = NULL;
	if (r->responded || c->state != CONN_HANDLING) {
		request_free(r);
		return;
	}
	/* A handler still holds it: it lets go in on_abort. */
	if (r->on_abort != NULL)
		r->on_abort(r, r->abort_arg);
	request_free(r);
}

static void
conn_close(struct conn *c)
{
	if (c->state == CONN_CLOSING)
		return;
	conn_drop_request(c);
	c->state = CONN_CLOSING;
	conn_spoll_stop(c);
	conn_unlink(c);
	uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
	uv_close((uv_handle_t *)&c->pipe, conn_handle_closed);
}

static void
conn_timeout(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->state == CONN_HEAD || c->state == CONN_BODY) {
		if (c->kind == CONN_UNTRUSTED)
			server_refused(c->srv, CUT_UNTRUSTED, c->peer.addr);
		else
			log_debug("Dropping a slow client");
	}
	conn_close(c);
}

/* While the request is read: an untrusted one keeps its absolute deadline,
 * a trusted body may take as long as it keeps moving. */
static void
conn_read_timer(struct conn *c)
{
	if (c->kind == CONN_UNTRUSTED)
		return;
	uv_timer_start(&c->timer, conn_timeout, c->srv->limits.idle_ms, 0);
}

static void
conn_error(struct conn *c, int code, const char *msg)
{
	struct request *r = c->req;
	struct err e;

	err_set(&e, code, "%s", msg);
	if (r == NULL) {
		r = request_new(c);
		c->req = r;
	}
	/* Answer, then drain what the client still sends for a moment. */
	c->state = CONN_LINGER;
	uv_timer_start(&c->timer, conn_timeout, SERVER_LINGER_MS, 0);
	response_error(r, &e);
}

static void
conn_body_cb(void *arg, const char *data, size_t len)
{
	struct conn *c = arg;
	struct request *r = c->req;
	int64_t limit;

	if (r == NULL || r->body_too_big)
		return;
	r->body_len += (int64_t)len;
	if (r->spool_fd >= 0) {
		limit = r->route && (r->route->flags & ROUTE_UPLOAD) &&
		    strstr(r->http->raw_path, "/files") != NULL ?
		    HTTP_MAX_FILE_PUSH : HTTP_MAX_UPLOAD;
		if (r->body_len > limit) {
			r->body_too_big = true;
			return;
		}
		while (len > 0) {
			ssize_t n = write(r->spool_fd, data, len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				log_error("Failed to spool an upload to %s: %s",
				    r->spool_path, strerror(errno));
				r->body_too_big = true;
				return;
			}
			data += n;
			len -= (size_t)n;
		}
		return;
	}
	if (r->body_len > r->body_limit) {
		r->body_too_big = true;
		buf_free(&r->body);
		return;
	}
	/* Grow by doubling, but never past the limit (a body of 4 MiB took
	 * 8 MiB); a Content-Length was reserved exactly at the head. */
	if (r->body.len + len + 1 > r->body.cap) {
		size_t want = r->body.cap * 2 > r->body.len + len ? r->body.cap * 2 :
		    r->body.len + len;

		if (want > (size_t)r->body_limit)
			want = (size_t)r->body_limit;
		buf_reserve(&r->body, want - r->body.len);
	}
	buf_append(&r->body, data, len);
}

static void
conn_dispatch(struct conn *c)
{
	struct request *r = c->req;
	api_handler h;
	struct err e = { 0 };

	/* The handler has it now: no timer of ours may cut a deferred answer. */
	uv_timer_stop(&c->timer);
	c->state = CONN_HANDLING;
	if (r->body_too_big) {
		if (r->spool_fd >= 0)
			err_set(&e, 413, "Upload too large or spool failed");
		else
			err_set(&e, 413, "Request body too large (limit %lld bytes%s)",
			    (long long)r->body_limit,
			    c->kind == CONN_UNTRUSTED ? " before authentication" : "");
		response_error(r, &e);
		return;
	}
	h = route_handler(r->route, r->http->method);
	if (h == NULL) {
		err_set(&e, 405, "Method \"%s\" not allowed on \"%s\"",
		    r->http->method_name, r->http->raw_path);
		response_error(r, &e);
		return;
	}
	if ((route_project_only(r->route, r->http->method) &&
	    request_check_project(r, &e) < 0) || h(r, &e) < 0) {
		if (e.code == 0)
			err_set(&e, 500, "Internal error");
		response_error(r, &e);
	}
}

/* Spool file for an upload body. */
static int
conn_spool_open(struct conn *c, struct request *r)
{
	char *path = xasprintf("%s/lxdeckd-upload-XXXXXX", c->srv->spool_dir);
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd < 0) {
		log_error("Failed to create a spool file in %s: %s", c->srv->spool_dir,
		    strerror(errno));
		free(path);
		return -1;
	}
	r->spool_fd = fd;
	r->spool_path = path;
	return 0;
}


static void
conn_handoff_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->open_handles > 0)
		return;
	http_parser_free(&c->parser);
	free(c->peer.cert_pem);
	free(c);
}

/* The head asked for a websocket: let the route's GET handler accept it
 * (it calls server_accept_upgrade), then give the socket to ws.c. */
static void
conn_upgrade(struct conn *c, const char *extra, size_t extra_len)
{
	struct request *r = c->req;
	struct err e = { 0 };
	struct upgrade *up;
	uv_os_fd_t fd;
	int nfd;
	struct buf raw = { 0 };

	if (r->route == NULL || !(r->route->flags & ROUTE_WS) || r->route->get == NULL) {
		conn_error(c, 400, "This endpoint does not accept websockets");
		return;
	}
	c->state = CONN_HANDLING;
	if (r->route->get(r, &e) < 0) {
		response_error(r, &e);
		return;
	}
	up = r->upgrade;	/* set by request_accept_upgrade */
	r->upgrade = NULL;
	if (up == NULL) {
		if (!r->responded)
			conn_error(c, 500, "Upgrade was not accepted");
		return;
	}
	/* Close-on-exec: a helper or an attached process forked meanwhile
	 * must not keep the websocket open behind libwebsockets' back. */
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 ||
	    (nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		up->bind(NULL, up->arg);
		free(up);
		conn_close(c);
		return;
	}
	buf_append(&raw, c->parser.head.data, c->parser.head.len);
	buf_append(&raw, extra, extra_len);
	/* Our handles let go of the socket; libwebsockets gets the dup. */
	c->req = NULL;
	request_free(r);
	c->state = CONN_CLOSING;
	conn_unlink(c);
	uv_read_stop((uv_stream_t *)&c->pipe);
	uv_close((uv_handle_t *)&c->timer, conn_handoff_closed);
	uv_close((uv_handle_t *)&c->pipe, conn_handoff_closed);
	if (ws_adopt(c->srv->ws, nfd, raw.data, raw.len, c->peer.fp, up->bind,
	    up->arg) < 0)
		log_warn("Failed to hand a websocket to libwebsockets");
	buf_free(&raw);
	free(up);
}

void
request_accept_upgrade(struct request *r, ws_bind_cb bind, void *arg)
{
	struct upgrade *up = xcalloc(1, sizeof *up);

	up->bind = bind;
	up->arg = arg;
	free(r->upgrade);
	r->upgrade = up;
	r->responded = true;
}

/* What an untrusted caller may reach (lxd-api.md 4.4, 5). */
static bool
server_untrusted_allowed(const struct request *r)
{
	const char *p = r->route->pattern;
	enum http_method m = r->http->method;

	if (strcmp(p, "/") == 0 || strcmp(p, "/1.0") == 0)
		return m == HTTP_GET || m == HTTP_HEAD;
	if (strcmp(p, "/1.0/certificates") == 0)
		return m == HTTP_POST;
	if (strcmp(p, "/1.0/operations/*/websocket") == 0 ||
	    strcmp(p, "/1.0/operations/*/wait") == 0)
		return m == HTTP_GET && request_query(r, "secret") != NULL;
	/* Public images (or one opened by ?secret=): api-images.c hides the
	 * rest from an untrusted caller. */
	if (strcmp(p, "/1.0/images") == 0 || strcmp(p, "/1.0/images/*") == 0 ||
	    strcmp(p, "/1.0/images/*/export") == 0 ||
	    strcmp(p, "/1.0/images/aliases/*") == 0)
		return m == HTTP_GET || m == HTTP_HEAD;
	return false;
}

/* 413 at once: whatever else the client sends is drained, not kept. */
static void
conn_body_too_big(struct conn *c)
{
	char msg[96];

	snprintf(msg, sizeof msg, "Request body too large (limit %lld bytes%s)",
	    (long long)c->req->body_limit,
	    c->kind == CONN_UNTRUSTED ? " before authentication" : "");
	conn_error(c, 413, msg);
}

static void
conn_head_done(struct conn *c, const char *rest, size_t rest_len)
{
	struct request *r = request_new(c);
	const char *project;
	bool has_body;

	c->req = r;
	r->route = route_find(r->http->raw_path, r->params);
	project = request_query(r, "project");
	if (project != NULL && *project != '\0')
		r->project = project;
	log_debug("%s %s", r->http->method_name, r->http->target);
	if (r->route == NULL) {
		struct err e;

		err_set(&e, 404, "not found");
		c->state = CONN_LINGER;
		uv_timer_start(&c->timer, conn_timeout, SERVER_LINGER_MS, 0);
		response_error(r, &e);
		return;
	}
	if (!c->peer.trusted && !server_untrusted_allowed(r)) {
		struct err e;

		err_set(&e, 403, "not authorized");
		c->state = CONN_LINGER;
		uv_timer_start(&c->timer, conn_timeout, SERVER_LINGER_MS, 0);
		response_error(r, &e);
		return;
	}
	if (r->http->upgrade) {
		conn_upgrade(c, rest, rest_len);
		return;
	}
	has_body = r->http->chunked || r->http->content_length > 0;
	r->body_limit = c->kind == CONN_UNTRUSTED ? HTTP_MAX_UNTRUSTED_BODY :
	    HTTP_MAX_JSON_BODY;
	if (has_body && r->http->method == HTTP_POST && (r->route->flags & ROUTE_UPLOAD) &&
	    c->kind != CONN_UNTRUSTED) {
		if (conn_spool_open(c, r) < 0) {
			conn_error(c, 500, "Failed to create a spool file for the upload");
			return;
		}
	} else if (r->http->content_length > r->body_limit) {
		conn_body_too_big(c);
		return;
	} else if (r->http->content_length > 0) {
		buf_reserve(&r->body, (size_t)r->http->content_length);
	}
	c->state = CONN_BODY;
	conn_read_timer(c);
	http_parser_body(&c->parser);
}

/* One read buffer for all connections: conn_read() is done with it (the
 * parser copies what it keeps) before libuv reads into it again, and 64 KiB
 * per connection is what a slow-loris would have cost us. */
static void
conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char rbuf[64 * 1024];

	b->base = rbuf;
	b->len = sizeof rbuf;
}

static void
conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
	struct conn *c = st->data;
	const char *data = b->base;
	size_t len;

	if (nread == 0)
		return;
	if (nread < 0) {
		/* EOF or error: the client is gone (or done sending). */
		if (c->state == CONN_WRITING || (c->state == CONN_LINGER && !c->sent)) {
			uv_read_stop(st);
			return;
		}
		conn_close(c);
		return;
	}
	len = (size_t)nread;
	while (len > 0) {
		size_t used;

		switch (c->state) {
		case CONN_HEAD:
		case CONN_BODY:
			used = http_parser_feed(&c->parser, data, len, conn_body_cb, c);
			data += used;
			len -= used;
			if (c->parser.state == HTTP_PARSE_ERROR) {
				conn_error(c, c->parser.error_code, c->parser.error);
				return;
			}
			/* An untrusted body over its limit is refused now. */
			if (c->kind == CONN_UNTRUSTED && c->req != NULL &&
			    c->req->body_too_big) {
				conn_body_too_big(c);
				return;
			}
			if (c->parser.state == HTTP_PARSE_HEAD_DONE) {
				conn_head_done(c, data, len);
				if (c->state != CONN_BODY)
					return;
				if (c->parser.state == HTTP_PARSE_DONE) {
					conn_dispatch(c);
					return;
				}
				continue;
			}
			if (c->state == CONN_BODY)
				conn_read_timer(c);
			if (c->parser.state == HTTP_PARSE_DONE) {
				conn_dispatch(c);
				return;
			}
			break;
		default:
			/* Bytes after the request (or while lingering): drop them. */
			return;
		}
	}
}

static struct conn *
server_conn_new(struct server *s)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->srv = s;
	c->state = CONN_HEAD;
	http_parser_init(&c->parser);
	uv_pipe_init(s->loop, &c->pipe, 0);
	c->pipe.data = c;
	uv_timer_init(s->loop, &c->timer);
	c->timer.data = c;
	c->open_handles = 2;
	return c;
}

static void
server_conn_start(struct server *s, struct conn *c)
{
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	if (c->kind == CONN_UNTRUSTED) {
		c->unext = s->untrusted;
		if (s->untrusted != NULL)
			s->untrusted->uprev = c;
		else
			s->untrusted_tail = c;
		s->untrusted = c;
	}
	c->in_list = true;
	s->nconns[c->kind]++;
	c->started = uv_now(s->loop);
	/* The whole head (and, untrusted, the body) by a deadline that bytes
	 * trickling in do not move. */
	uv_timer_start(&c->timer, conn_timeout, c->kind == CONN_UNTRUSTED ?
	    s->limits.untrusted_ms : SERVER_HEAD_TIMEOUT_MS, 0);
	uv_read_start((uv_stream_t *)&c->pipe, conn_alloc, conn_read);
}

/* Frees a connection that never started (its pipe holds no fd). */
static void
server_conn_discard(struct conn *c)
{
	c->state = CONN_CLOSING;
	uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
	uv_close((uv_handle_t *)&c->pipe, conn_handle_closed);
}

/* Room for one more untrusted connection from addr?  Evicts the oldest one
 * still sending its request if that has taken a second already. */
static enum server_refusal
server_untrusted_admit(struct server *s, const char *addr)
{
	struct conn *c;
	size_t same = 0;
	uint64_t now = uv_now(s->loop);

	for (c = s->untrusted; c != NULL; c = c->unext)
		if (strcmp(c->peer.addr, addr) == 0 &&
		    ++same >= s->limits.untrusted_per_addr)
			return REFUSED_UNTRUSTED_ADDR;
	if (s->nconns[CONN_UNTRUSTED] < s->limits.untrusted)
		return REFUSED__COUNT;
	for (c = s->untrusted_tail; c != NULL; c = c->uprev) {
		if (c->state != CONN_HEAD && c->state != CONN_BODY)
			continue;
		if (now - c->started < SERVER_EVICT_AGE_MS)
			break;
		server_refused(s, EVICTED_UNTRUSTED, c->peer.addr);
		conn_close(c);
		return REFUSED__COUNT;
	}
	return REFUSED_UNTRUSTED;
}

/* An LXD error answer straight onto a fresh socket (a socketpair has room
 * for it), for a connection we will not take. */
static void
server_refuse_fd(int fd, int code, const char *msg)
{
	char body[256], out[512];
	int n, m;

	n = snprintf(body, sizeof body, "{\"type\":\"error\",\"status\":\"\","
	    "\"status_code\":0,\"operation\":\"\",\"error_code\":%d,"
	    "\"error\":\"%s\",\"metadata\":null}\n", code, msg);
	m = snprintf(out, sizeof out, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %d\r\nConnection: close\r\n\r\n%s", code,
	    http_status_text(code), n, body);
	if (m > 0 && (size_t)m < sizeof out && write(fd, out, (size_t)m) < 0)
		log_debug("Failed to refuse a connection: %s", strerror(errno));
	close(fd);
}

void
server_adopt(struct server *s, int fd, const struct peer *peer)
{
	struct conn *c;
	enum conn_kind kind = peer->trusted ? CONN_HTTPS : CONN_UNTRUSTED;
	enum server_refusal why = REFUSED__COUNT;

	if (kind == CONN_HTTPS && s->nconns[CONN_HTTPS] >= s->limits.https_conns)
		why = REFUSED_HTTPS;
	else if (kind == CONN_UNTRUSTED)
		why = server_untrusted_admit(s, peer->addr);
	if (why != REFUSED__COUNT) {
		server_refused(s, why, peer->addr);
		server_refuse_fd(fd, 503, "Too many connections, try again later");
		return;
	}
	c = server_conn_new(s);
	c->kind = kind;
	c->peer = *peer;
	c->peer.cert_pem = xstrdup(peer->cert_pem);
	if (uv_pipe_open(&c->pipe, fd) < 0) {
		/* Not the pipe's yet: ours to close, exactly once. */
		close(fd);
		server_conn_discard(c);
		return;
	}
	server_conn_start(s, c);
}

const struct peer *
request_peer(const struct request *r)
{
	static const struct peer unix_peer = { .trusted = true };

	return r->conn != NULL ? &r->conn->peer : &unix_peer;
}

struct trust *
server_trust(struct server *s)
{
	return s->trust;
}

const char *
server_https_address(struct server *s)
{
	return s->https ? s->https_addr : NULL;
}

/* The server certificate: the listener's, or the one on disk. */
void
server_https_urls(struct server *s, struct strv *out)
{
	const char *a = server_https_address(s);
	const char *colon;

	if (a == NULL || *a == '\0')
		return;
	if (a[0] == ':')
		a = xasprintf("127.0.0.1%s", a), strv_push(out, a), free((char *)a);
	else if (strncmp(a, "0.0.0.0", 7) == 0 && (colon = strchr(a, ':')) != NULL)
		a = xasprintf("127.0.0.1%s", colon), strv_push(out, a), free((char *)a);
	else if (strncmp(a, "[::]", 4) == 0)
		a = xasprintf("[::1]%s", a + 4), strv_push(out, a), free((char *)a);
	else if (strchr(a, ':') == NULL || (a[0] == '[' && strstr(a, "]:") == NULL))
		a = xasprintf("%s:8443", a), strv_push(out, a), free((char *)a);
	else
		strv_push(out, a);
}

const char *
server_cert_pem(struct server *s)
{
	return s->https ? tls_listener_cert(s->https) : NULL;
}

const char *
server_cert_fingerprint(struct server *s)
{
	return s->https ? tls_listener_fingerprint(s->https) : NULL;
}

int
server_listen_https(struct server *s, const char *addr, struct err *e)
{
	struct tls_listener *l = NULL;

	if (addr == NULL)
		addr = "";
	if (s->https != NULL && strcmp(s->https_addr, addr) == 0)
		return 0;
	if (*addr != '\0') {
		if (s->dir == NULL)
			return err_set(e, 400, "HTTPS needs a state directory (--dir)");
		/* Moving: the old address goes first (it may be the same port). */
		tls_listener_free(s->https);
		s->https = NULL;
		l = tls_listen(s, addr, s->dir, e);
		if (l == NULL)
			return -1;
	} else {
		tls_listener_free(s->https);
	}
	s->https = l;
	free(s->https_addr);
	s->https_addr = xstrdup(addr);
	return 0;
}

/* core.https_address after a change of the server config (--listen wins). */
void
server_config_changed(struct server *s)
{
	struct server_info si;
	struct err e = { 0 };
	const char *addr;

	if (s->listen_arg != NULL)
		return;
	memset(&si, 0, sizeof si);
	if (s->backend->ops->server_info(s->backend, &si, &e) < 0) {
		log_warn("Failed to read the server config: %s", e.msg);
		return;
	}
	addr = strmap_get(&si.config, "core.https_address");
	if (server_listen_https(s, addr ? addr : "", &e) < 0)
		log_error("core.https_address: %s", e.msg);
	server_info_free_contents(&si);
}

static void
server_on_connection(uv_stream_t *l, int status)
{
	struct server *s = l->data;
	struct conn *c;

	if (status < 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	c = server_conn_new(s);
	c->kind = CONN_UNIX;
	c->peer.trusted = true;
	if (uv_accept(l, (uv_stream_t *)&c->pipe) < 0 ||
	    s->nconns[CONN_UNIX] >= s->limits.unix_conns) {
		if (s->nconns[CONN_UNIX] >= s->limits.unix_conns)
			server_refused(s, REFUSED_UNIX, "unix socket");
		server_conn_discard(c);
		return;
	}
	server_conn_start(s, c);
}

/* The backend's events: to /1.0/events and to waiting requests. */
static void
server_on_event(const struct event *ev, void *arg)
{
	struct server *s = arg;

	size_t i;

	for (i = 0; api_families[i] != NULL; i++)
		if (api_families[i]->on_event != NULL)
			api_families[i]->on_event(s, ev);
}

/* Refuses to steal the socket of a running daemon; removes a stale one. */
static int
server_check_socket(const char *path, struct err *e)
{
	struct sockaddr_un sa;
	int fd, rc;

	if (strlen(path) >= sizeof sa.sun_path)
		return err_set(e, 400, "Socket path \"%s\" is too long", path);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, 500, "socket: %s", strerror(errno));
	rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	if (rc == 0)
		return err_set(e, 409, "Another daemon is already listening on \"%s\"",
		    path);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(e, 500, "Failed to remove stale socket \"%s\": %s", path,
		    strerror(errno));
	return 0;
}

/* A timeout the tests may lower through the environment (at start only). */
static uint64_t
server_env_ms(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n == 0) {
		log_warn("Ignoring %s=\"%s\" (milliseconds expected)", name, v);
		return def;
	}
	log_info("%s: %llu ms instead of %llu", name, n, (unsigned long long)def);
	return n;
}

const struct server_limits *
server_limits(struct server *s)
{
	return &s->limits;
}

static const char *const server_refusal_text[REFUSED__COUNT] = {
	[REFUSED_HANDSHAKES] = "refused: TLS handshakes at the limit",
	[REFUSED_HANDSHAKES_ADDR] = "refused: TLS handshakes from one address at the limit",
	[EVICTED_HANDSHAKE] = "slow TLS handshakes evicted",
	[CUT_HANDSHAKE] = "TLS handshakes cut at the deadline",
	[REFUSED_UNTRUSTED] = "refused: untrusted connections at the limit",
	[REFUSED_UNTRUSTED_ADDR] = "refused: untrusted connections from one address at the limit",
	[EVICTED_UNTRUSTED] = "slow untrusted requests evicted",
	[CUT_UNTRUSTED] = "untrusted requests cut at the deadline",
	[REFUSED_HTTPS] = "refused: trusted HTTPS connections at the limit",
	[REFUSED_UNIX] = "refused: unix socket connections at the limit",
};

/* One warning for everything counted since the last one. */
static void
server_refused_flush(struct server *s)
{
	struct buf b = { 0 };
	int i;

	for (i = 0; i < REFUSED__COUNT; i++) {
		if (s->refused[i] == 0)
			continue;
		buf_printf(&b, "%s%lu %s", b.len ? "; " : "", s->refused[i],
		    server_refusal_text[i]);
		s->refused[i] = 0;
	}
	if (b.len > 0)
		log_warn("Connection limits: %s (last from %s; limits: %zu untrusted, "
		    "%zu per address, %llu ms for a request; %zu TLS handshakes, %zu per "
		    "address, %llu ms)", b.data, s->refused_addr, s->limits.untrusted,
		    s->limits.untrusted_per_addr, (unsigned long long)s->limits.untrusted_ms,
		    s->limits.handshakes, s->limits.handshakes_per_addr,
		    (unsigned long long)s->limits.handshake_ms);
	buf_free(&b);
}

static void
server_refused_tick(uv_timer_t *t)
{
	struct server *s = t->data;
	int i;

	for (i = 0; i < REFUSED__COUNT && s->refused[i] == 0; i++)
		;
	if (i == REFUSED__COUNT) {
		uv_timer_stop(t);	/* quiet: the next one is logged at once */
		return;
	}
	server_refused_flush(s);
}

void
server_refused(struct server *s, enum server_refusal why, const char *addr)
{
	s->refused[why]++;
	snprintf(s->refused_addr, sizeof s->refused_addr, "%s", addr ? addr : "");
	if (uv_is_active((uv_handle_t *)s->refused_timer))
		return;
	server_refused_flush(s);
	uv_timer_start(s->refused_timer, server_refused_tick, SERVER_REFUSED_LOG_MS,
	    SERVER_REFUSED_LOG_MS);
}

static void
server_timer_closed(uv_handle_t *h)
{
	free(h);
}

/* The limits, and as many fds as the hard limit allows (Go does the same
 * since 1.19); if even that is too few for them all, they shrink. */
static void
server_limits_init(struct server *s)
{
	struct server_limits *l = &s->limits;
	struct rlimit rl;
	size_t need, have;

	l->unix_conns = SERVER_MAX_UNIX;
	l->https_conns = SERVER_MAX_HTTPS;
	l->untrusted = SERVER_MAX_UNTRUSTED;
	l->untrusted_per_addr = SERVER_MAX_UNTRUSTED_ADDR;
	l->handshakes = SERVER_MAX_HANDSHAKES;
	l->handshakes_per_addr = SERVER_MAX_HANDSHAKES_ADDR;
	l->idle_ms = server_env_ms("LXDECK_TEST_IDLE_MS", SERVER_IDLE_TIMEOUT_MS);
	l->untrusted_ms = server_env_ms("LXDECK_TEST_UNTRUSTED_MS", SERVER_UNTRUSTED_MS);
	l->handshake_ms = server_env_ms("LXDECK_TEST_HANDSHAKE_MS", SERVER_HANDSHAKE_MS);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = old;
	}
	need = l->unix_conns + 3 * (l->https_conns + l->untrusted) + l->handshakes +
	    SERVER_FD_RESERVE;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	have = rl.rlim_cur > 2 * SERVER_FD_RESERVE ? rl.rlim_cur - SERVER_FD_RESERVE :
	    SERVER_FD_RESERVE;
	need -= SERVER_FD_RESERVE;
#define SERVER_SHRINK(x) ((x) = (x) * have / need > 4 ? (x) * have / need : 4)
	SERVER_SHRINK(l->unix_conns);
	SERVER_SHRINK(l->https_conns);
	SERVER_SHRINK(l->untrusted);
	SERVER_SHRINK(l->handshakes);
#undef SERVER_SHRINK
	if (l->untrusted_per_addr > l->untrusted)
		l->untrusted_per_addr = l->untrusted;
	if (l->handshakes_per_addr > l->handshakes)
		l->handshakes_per_addr = l->handshakes;
	log_warn("Only %llu file descriptors (RLIMIT_NOFILE): at most %zu unix, %zu "
	    "trusted HTTPS, %zu untrusted connections and %zu TLS handshakes",
	    (unsigned long long)rl.rlim_cur, l->unix_conns, l->https_conns,
	    l->untrusted, l->handshakes);
}

struct server *
server_create(uv_loop_t *loop, struct backend *be, const struct server_config *cfg,
    struct err *e)
{
	struct server *s = xcalloc(1, sizeof *s);
	const char *tmp;
	gid_t gid = 0;
	mode_t old;
	size_t n;
	int rc;

	s->loop = loop;
	s->backend = be;
	for (n = 0; api_families[n] != NULL; n++)
		;
	s->api = xcalloc(n, sizeof *s->api);
	server_limits_init(s);
	s->refused_timer = xcalloc(1, sizeof *s->refused_timer);
	uv_timer_init(loop, s->refused_timer);
	s->refused_timer->data = s;
	s->socket_path = xstrdup(cfg->socket_path);
	tmp = cfg->spool_dir ? cfg->spool_dir : getenv("TMPDIR");
	s->spool_dir = xstrdup(tmp && *tmp ? tmp : "/var/tmp");
	if (cfg->group != NULL && *cfg->group != '\0') {
		struct group *g = getgrnam(cfg->group);

		if (g == NULL) {
			err_set(e, 400, "Unknown group \"%s\"", cfg->group);
			goto fail;
		}
		gid = g->gr_gid;
	}
	s->ws = ws_ctx_create(loop, e);
	if (s->ws == NULL)
		goto fail;
	if (server_check_socket(s->socket_path, e) < 0)
		goto fail;
	uv_pipe_init(loop, &s->listener, 0);
	s->listener.data = s;
	old = umask(0117);
	rc = uv_pipe_bind(&s->listener, s->socket_path);
	umask(old);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->listener, 4096, server_on_connection);
	if (rc < 0) {
		err_set(e, 500, "Failed to listen on \"%s\": %s", s->socket_path,
		    uv_strerror(rc));
		uv_close((uv_handle_t *)&s->listener, NULL);
		goto fail;
	}
	s->listening = true;
	if (chmod(s->socket_path, 0660) < 0 || chown(s->socket_path, 0, gid) < 0)
		log_warn("Failed to set owner/mode of %s: %s", s->socket_path,
		    strerror(errno));
	s->sub_id = be->ops->subscribe(be, server_on_event, s);
	if (cfg->dir != NULL)
		s->dir = xstrdup(cfg->dir);
	s->trust = trust_open(s->dir ? s->dir : "/var/lib/lxdeck", e);
	if (cfg->listen != NULL && *cfg->listen != '\0') {
		if (server_listen_https(s, cfg->listen, e) < 0) {
			server_free(s);
			return NULL;
		}
		s->listen_arg = xstrdup(cfg->listen);
	} else {
		server_config_changed(s);
	}
	log_info("Listening on %s (backend %s)", s->socket_path, be->ops->name);
	return s;
fail:
	uv_close((uv_handle_t *)s->refused_timer, server_timer_closed);
	ws_ctx_free(s->ws);
	free(s->api);
	free(s->socket_path);
	free(s->spool_dir);
	free(s);
	return NULL;
}

/* server_free: each family's state, in two rounds around the closing of
 * the websockets. */
static void
server_api_free(struct server *s, bool after_ws)
{
	size_t i;

	for (i = 0; api_families[i] != NULL; i++)
		if (api_families[i]->free_all != NULL &&
		    api_families[i]->free_after_ws == after_ws)
			api_families[i]->free_all(s);
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	if (s->sub_id > 0)
		s->backend->ops->unsubscribe(s->backend, s->sub_id);
	s->sub_id = 0;
	if (s->listening) {
		uv_close((uv_handle_t *)&s->listener, NULL);
		unlink(s->socket_path);
		s->listening = false;
	}
	tls_listener_free(s->https);
	s->https = NULL;
	while (s->conns != NULL)
		conn_close(s->conns);
	server_refused_flush(s);
	uv_close((uv_handle_t *)s->refused_timer, server_timer_closed);
	server_api_free(s, false);
	ws_ctx_free(s->ws);
	s->ws = NULL;
	server_api_free(s, true);
	free(s->api);
	trust_free(s->trust);
	free(s->dir);
	free(s->https_addr);
	free(s->listen_arg);
	free(s->socket_path);
	free(s->spool_dir);
	free(s);
}

struct backend *
server_backend(struct server *s)
{
	return s->backend;
}

void **
server_api_state(struct server *s, const struct api_family *f)
{
	size_t i;

	for (i = 0; api_families[i] != NULL; i++)
		if (api_families[i] == f)
			return &s->api[i];
	fatal("Endpoint family \"%s\" is not in api_families", f->name);
}

json_object *
server_op_extra(struct server *s, const char *op_id)
{
	json_object *o = NULL;
	size_t i;

	for (i = 0; api_families[i] != NULL && o == NULL; i++)
		if (api_families[i]->op_extra != NULL)
			o = api_families[i]->op_extra(s, op_id);
	return o;
}

json_object *
server_op_get(struct server *s, const char *op_id)
{
	json_object *o = NULL;
	size_t i;

	for (i = 0; api_families[i] != NULL && o == NULL; i++)
		if (api_families[i]->op_get != NULL)
			o = api_families[i]->op_get(s, op_id);
	return o;
}

bool
server_op_cancel(struct server *s, const char *op_id)
{
	size_t i;

	for (i = 0; api_families[i] != NULL; i++)
		if (api_families[i]->op_cancel != NULL &&
		    api_families[i]->op_cancel(s, op_id))
			return true;
	return false;
}

int
server_op_websocket(struct request *r, const char *secret, struct err *e)
{
	size_t i;

	for (i = 0; api_families[i] != NULL; i++)
		if (api_families[i]->op_websocket != NULL)
			return api_families[i]->op_websocket(r, secret, e);
	return err_set(e, 404, "Operation \"%s\" has no websockets", r->params[0]);
}

struct uv_loop_s *
server_loop(struct server *s)
{
	return s->loop;
}

const char *
server_spool_dir(struct server *s)
{
	return s->spool_dir;
}

struct ws_ctx *
server_ws_ctx(struct server *s)
{
	return s->ws;
}
