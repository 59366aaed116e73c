/*
 * api-exec.c - exec and console sessions: POST .../exec, POST/GET/DELETE
 * .../console, and the websockets of /1.0/operations/ID/websocket.
 *
 * The backend starts the process (or attaches the console) and hands over
 * an exec_handle: fds 0, 1, 2 (pipes) or one pty master in fds[0].  A
 * session bridges those fds and LXD's websockets, one per stream, each
 * opened with its own secret from the operation's metadata.fds:
 *
 *   non-interactive  "0" stdin, "1" stdout, "2" stderr, "control"
 *   interactive      "0" the pty, both ways, "control"
 *   console          "0" the console pty, "control"
 *
 * Data are binary frames; an empty text frame is EOF, both ways.  Output
 * is read with uv_poll while its websocket is open and not backed up (the
 * queue high-water mark pauses reading, on_drain resumes it); input that
 * cannot be written at once is buffered and pauses the socket's reads.
 * Control carries window-resize and signal; if it closes before the
 * process exits the process is killed (LXD does the same), and for a
 * console it means detach.  A session ends when the process has exited and
 * every output has reached EOF (or nobody came to read it in time); then
 * the remaining sockets close and exec_close() frees the handle.  The exit
 * code itself travels in the operation ("return"), set by the backend.
 *
 * Sessions are found by operation id; websockets find theirs again by id
 * and secret when the upgrade completes, so nothing dangles if a session
 * ends in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "server.h"

#define EXEC_STREAMS		4
#define EXEC_CONTROL		3
#define EXEC_HIGH_WATER		(1024 * 1024)
#define EXEC_CONNECT_MS		10000	/* nobody connected: give up */
#define EXEC_LINGER_MS		5000	/* after exit, for unread outputs */
#define EXEC_MAX_CONTROL	4096

struct exec_session;

struct exec_stream {
	struct exec_session	*s;
	int			 idx;
	bool			 used;		/* part of this session */
	bool			 output;	/* we read fd and send */
	bool			 input;		/* we receive and write fd */
	char			 secret[65];
	struct ws		*ws;
	bool			 connected;	/* a websocket came (once) */
	bool			 eof;		/* output done / input closed */
	bool			 eof_pending;	/* close input once flushed */
	struct buf		 in;		/* input not yet written */
	size_t			 in_off;
	struct buf		 ctl;		/* control message being built */
};

struct exec_session {
	struct server		*srv;
	struct exec_state	*st;
	char			*op_id;
	struct exec_handle	*h;
	bool			 console;
	bool			 interactive;
	bool			 exited;
	bool			 ended;
	struct exec_stream	 streams[EXEC_STREAMS];
	uv_poll_t		*poll[3];	/* per backend fd */
	int			 poll_events[3];
	uv_timer_t		*timer;
	json_object		*extra;
	struct exec_session	*next, *prev;
};

struct exec_state {
	struct exec_session	*sessions;
};

struct exec_ws_arg {
	struct server	*srv;
	char		*op_id;
	char		*secret;
};

static void api_exec_check_end(struct exec_session *);
static void api_exec_update_poll(struct exec_session *, int fdi);

static struct exec_state *
api_exec_state(struct server *srv)
{
	struct exec_state **st = (struct exec_state **)server_api_state(srv,
	    &api_exec_family);

	if (*st == NULL)
		*st = xcalloc(1, sizeof **st);
	return *st;
}

static struct exec_session *
api_exec_find(struct server *srv, const char *op_id)
{
	struct exec_session *s;

	if (op_id == NULL)
		return NULL;
	for (s = api_exec_state(srv)->sessions; s != NULL; s = s->next)
		if (strcmp(s->op_id, op_id) == 0)
			return s;
	return NULL;
}

static void
api_exec_secret(char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[32];
	size_t i;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		/* Never fails for 32 bytes once the pool is up; be safe anyway. */
		for (i = 0; i < sizeof raw; i++)
			raw[i] = (unsigned char)(rand() ^ (int)(time_now_ns() >> (i % 8)));
	}
	for (i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[64] = '\0';
}

/* Which backend fd a stream uses. */
static int
api_exec_stream_fdi(const struct exec_stream *st)
{
	if (st->idx == EXEC_CONTROL)
		return -1;
	if (st->s->interactive)
		return 0;
	return st->idx;
}

static void
api_exec_poll_closed(uv_handle_t *h)
{
	free(h);
}

static void
api_exec_stop_poll(struct exec_session *s, int fdi)
{
	if (s->poll[fdi] == NULL)
		return;
	uv_poll_stop(s->poll[fdi]);
	uv_close((uv_handle_t *)s->poll[fdi], api_exec_poll_closed);
	s->poll[fdi] = NULL;
	s->poll_events[fdi] = 0;
}

/* An output stream is done: barrier, close its socket. */
static void
api_exec_output_eof(struct exec_stream *st)
{
	if (st->eof)
		return;
	st->eof = true;
	if (st->ws != NULL) {
		ws_send(st->ws, "", 0, false);
		ws_close(st->ws);
	}
}

static void
api_exec_close_input(struct exec_stream *st)
{
	struct exec_session *s = st->s;
	int fdi = api_exec_stream_fdi(st);

	if (st->eof)
		return;
	st->eof = true;
	buf_free(&st->in);
	st->in_off = 0;
	if (s->interactive || fdi < 0 || s->h->fds[fdi] < 0)
		return;		/* a pty stays open for its output */
	api_exec_stop_poll(s, fdi);
	if (shutdown(s->h->fds[fdi], SHUT_WR) < 0) {
		/* A pipe: closing is the only way to say EOF. */
		close(s->h->fds[fdi]);
		s->h->fds[fdi] = -1;
	}
}

/* Writes buffered input; true when all of it went. */
static bool
api_exec_flush_input(struct exec_stream *st)
{
	struct exec_session *s = st->s;
	int fdi = api_exec_stream_fdi(st);
	int fd = fdi >= 0 ? s->h->fds[fdi] : -1;

	while (st->in_off < st->in.len) {
		ssize_t n;

		if (fd < 0) {
			buf_free(&st->in);
			st->in_off = 0;
			return true;
		}
		n = write(fd, st->in.data + st->in_off, st->in.len - st->in_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n <= 0) {
			/* The reader is gone: drop what is left. */
			buf_free(&st->in);
			st->in_off = 0;
			return true;
		}
		st->in_off += (size_t)n;
	}
	buf_free(&st->in);
	st->in_off = 0;
	if (st->ws != NULL)
		ws_pause_rx(st->ws, false);
	if (st->eof_pending) {
		st->eof_pending = false;
		api_exec_close_input(st);
	}
	return true;
}

/* Reads what an output fd has and sends it; EOF ends the stream. */
static void
api_exec_pump(struct exec_session *s, int fdi)
{
	struct exec_stream *st = &s->streams[s->interactive ? 0 : fdi];
	char buf[64 * 1024];
	int fd = s->h->fds[fdi];
	int rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		ssize_t n;

		if (st->eof || st->ws == NULL || st->ws->queued >= EXEC_HIGH_WATER)
			return;
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* 0: all writers closed; EIO: the pty's other side is gone. */
			api_exec_output_eof(st);
			return;
		}
		ws_send(st->ws, buf, (size_t)n, true);
	}
}

static void
api_exec_poll_cb(uv_poll_t *p, int status, int events)
{
	struct exec_session *s = p->data;
	int fdi;

	for (fdi = 0; fdi < 3; fdi++)
		if (s->poll[fdi] == p)
			break;
	if (fdi == 3)
		return;
	if (status < 0)
		events = UV_READABLE;	/* let read() report the error */
	if (events & UV_WRITABLE) {
		struct exec_stream *in = &s->streams[0];

		api_exec_flush_input(in);
	}
	if (events & (UV_READABLE | UV_DISCONNECT))
		api_exec_pump(s, fdi);
	if (s->poll[fdi] != NULL)
		api_exec_update_poll(s, fdi);
	api_exec_check_end(s);
}

/* Sets the events the poll of backend fd fdi waits for. */
static void
api_exec_update_poll(struct exec_session *s, int fdi)
{
	int events = 0, fd = s->h->fds[fdi];
	struct exec_stream *out = NULL, *in = NULL;

	if (fd < 0) {
		api_exec_stop_poll(s, fdi);
		return;
	}
	if (s->interactive) {
		out = &s->streams[0];
		in = &s->streams[0];
	} else if (fdi == 0) {
		in = &s->streams[0];
	} else {
		out = &s->streams[fdi];
	}
	if (out != NULL && !out->eof && out->ws != NULL &&
	    out->ws->queued < EXEC_HIGH_WATER)
		events |= UV_READABLE;
	if (in != NULL && in->in.len > in->in_off)
		events |= UV_WRITABLE;
	if (events == s->poll_events[fdi] && (events == 0 || s->poll[fdi] != NULL))
		return;
	if (events == 0) {
		if (s->poll[fdi] != NULL) {
			uv_poll_stop(s->poll[fdi]);
			s->poll_events[fdi] = 0;
		}
		return;
	}
	if (s->poll[fdi] == NULL) {
		s->poll[fdi] = xcalloc(1, sizeof *s->poll[fdi]);
		if (uv_poll_init(server_loop(s->srv), s->poll[fdi], fd) < 0) {
			free(s->poll[fdi]);
			s->poll[fdi] = NULL;
			log_warn("Cannot poll fd %d of session %s", fd, s->op_id);
			return;
		}
		s->poll[fdi]->data = s;
	}
	uv_poll_start(s->poll[fdi], events, api_exec_poll_cb);
	s->poll_events[fdi] = events;
}

static void
api_exec_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
api_exec_session_free(struct exec_session *s)
{
	struct exec_state *st = s->st;
	struct backend *be = server_backend(s->srv);
	int i;

	for (i = 0; i < 3; i++)
		api_exec_stop_poll(s, i);
	for (i = 0; i < EXEC_STREAMS; i++) {
		struct exec_stream *x = &s->streams[i];

		if (x->ws != NULL) {
			x->ws->arg = NULL;	/* on_close must not find us */
			ws_close(x->ws);
			x->ws = NULL;
		}
		buf_free(&x->in);
		buf_free(&x->ctl);
	}
	if (s->timer != NULL) {
		uv_timer_stop(s->timer);
		uv_close((uv_handle_t *)s->timer, api_exec_timer_closed);
	}
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		st->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (s->h != NULL) {
		s->h->on_exit = NULL;
		be->ops->exec_close(be, s->h);
	}
	json_object_put(s->extra);
	free(s->op_id);
	free(s);
}

/* Ends the session once nothing more can flow. */
static void
api_exec_check_end(struct exec_session *s)
{
	int i;

	if (s->ended)
		return;
	if (!s->exited)
		return;
	for (i = 0; i < EXEC_STREAMS; i++) {
		struct exec_stream *x = &s->streams[i];

		if (x->used && x->output && !x->eof)
			return;
	}
	s->ended = true;
	for (i = 0; i < EXEC_STREAMS; i++) {
		struct exec_stream *x = &s->streams[i];

		if (x->ws != NULL && !x->output) {
			if (x->idx != EXEC_CONTROL && !x->eof)
				ws_send(x->ws, "", 0, false);
			ws_close(x->ws);
		}
	}
	api_exec_session_free(s);
}

static void
api_exec_timer_cb(uv_timer_t *t)
{
	struct exec_session *s = t->data;
	struct backend *be = server_backend(s->srv);
	struct err e = { 0 };
	bool any = false;
	int i;

	for (i = 0; i < EXEC_STREAMS; i++)
		if (s->streams[i].used && s->streams[i].connected)
			any = true;
	if (!s->exited && !any) {
		/* Nobody came for the session: stop the process. */
		log_info("No client connected to session %s; stopping it", s->op_id);
		if (s->console) {
			s->exited = true;
		} else {
			be->ops->exec_signal(be, s->h, SIGKILL, &e);
			uv_timer_start(s->timer, api_exec_timer_cb, EXEC_LINGER_MS, 0);
			return;
		}
	}
	if (s->exited) {
		/* Outputs nobody reads any more end now. */
		for (i = 0; i < EXEC_STREAMS; i++) {
			struct exec_stream *x = &s->streams[i];

			if (x->used && x->output && !x->eof && x->ws == NULL)
				x->eof = true;
		}
	}
	api_exec_check_end(s);
}

/* Called by the backend (from the loop) when the process exits. */
static void
api_exec_on_exit(struct exec_handle *h, void *arg)
{
	struct exec_session *s = arg;
	int i;

	s->exited = true;
	/* A pty may never report EOF while the backend holds its slave:
	 * drain what is there and end the stream. */
	if (s->interactive && s->h->fds[0] >= 0) {
		api_exec_pump(s, 0);
		if (s->streams[0].ws != NULL)
			api_exec_output_eof(&s->streams[0]);
	}
	for (i = 1; i < 3; i++)
		if (!s->interactive && s->h->fds[i] >= 0 && s->streams[i].ws != NULL)
			api_exec_pump(s, i);
	uv_timer_start(s->timer, api_exec_timer_cb, EXEC_LINGER_MS, 0);
	api_exec_check_end(s);
}

static void
api_exec_control_message(struct exec_stream *st, const char *data, size_t len)
{
	struct exec_session *s = st->s;
	struct backend *be = server_backend(s->srv);
	struct exec_control c;
	struct err e = { 0 };

	if (codec_exec_control_decode(data, len, &c, &e) < 0) {
		log_debug("Bad control message on session %s: %s", s->op_id, e.msg);
		return;
	}
	if (strcmp(c.command, "window-resize") == 0) {
		if (s->interactive && be->ops->exec_resize(be, s->h, c.width, c.height,
		    &e) < 0)
			log_debug("Resize of session %s: %s", s->op_id, e.msg);
	} else if (strcmp(c.command, "signal") == 0) {
		if (be->ops->exec_signal(be, s->h, c.signal, &e) < 0)
			log_debug("Signal to session %s: %s", s->op_id, e.msg);
	}
}

static void
api_exec_ws_message(struct ws *ws, const char *data, size_t len, bool binary,
    bool final)
{
	struct exec_stream *st = ws->arg;

	if (st == NULL)
		return;
	log_debug("exec %s: stream %d got %zu bytes (%s%s)", st->s->op_id, st->idx, len,
	    binary ? "binary" : "text", final ? ", final" : "");
	if (st->idx == EXEC_CONTROL) {
		if (st->ctl.len + len > EXEC_MAX_CONTROL) {
			buf_free(&st->ctl);
			return;
		}
		buf_append(&st->ctl, data, len);
		if (final) {
			if (!binary && st->ctl.len > 0)
				api_exec_control_message(st, st->ctl.data, st->ctl.len);
			buf_free(&st->ctl);
		}
		return;
	}
	if (!st->input || st->eof)
		return;
	if (!binary) {
		/* Text: an empty frame is EOF; LXD ignores other text. */
		if (len == 0 && final) {
			if (st->s->interactive)
				return;
			if (st->in.len > st->in_off)
				st->eof_pending = true;
			else
				api_exec_close_input(st);
		}
		return;
	}
	buf_append(&st->in, data, len);
	if (!api_exec_flush_input(st)) {
		if (st->in.len - st->in_off > EXEC_HIGH_WATER)
			ws_pause_rx(ws, true);
		api_exec_update_poll(st->s, api_exec_stream_fdi(st));
	}
}

static void
api_exec_ws_drain(struct ws *ws)
{
	struct exec_stream *st = ws->arg;
	int fdi;

	if (st == NULL || !st->output)
		return;
	fdi = api_exec_stream_fdi(st);
	if (fdi >= 0)
		api_exec_update_poll(st->s, fdi);
}

static void
api_exec_ws_closed(struct ws *ws)
{
	struct exec_stream *st = ws->arg;
	struct exec_session *s;
	struct backend *be;
	struct err e = { 0 };
	int fdi;

	if (st == NULL)
		return;
	s = st->s;
	be = server_backend(s->srv);
	log_debug("exec %s: stream %d closed by the client", s->op_id, st->idx);
	st->ws = NULL;
	fdi = api_exec_stream_fdi(st);
	if (st->idx == EXEC_CONTROL) {
		if (s->console) {
			/* Detach: the console session is over. */
			s->exited = true;
			for (fdi = 0; fdi < EXEC_STREAMS; fdi++)
				if (s->streams[fdi].used && s->streams[fdi].output)
					api_exec_output_eof(&s->streams[fdi]);
		} else if (!s->exited) {
			be->ops->exec_signal(be, s->h, SIGKILL, &e);
		}
	} else {
		if (st->output && !st->eof)
			st->eof = true;		/* nobody reads it any more */
		if (st->input && !s->interactive)
			api_exec_close_input(st);
		if (fdi >= 0)
			api_exec_update_poll(s, fdi);
	}
	api_exec_check_end(s);
}

static const struct ws_ops api_exec_ws_ops = {
	.on_message = api_exec_ws_message,
	.on_drain = api_exec_ws_drain,
	.on_close = api_exec_ws_closed,
};

static void
api_exec_noop_message(struct ws *ws, const char *d, size_t l, bool b, bool f)
{
}

static const struct ws_ops api_exec_noop_ops = {
	.on_message = api_exec_noop_message,
};

static struct exec_stream *
api_exec_stream_by_secret(struct exec_session *s, const char *secret)
{
	int i;

	if (secret == NULL)
		return NULL;
	for (i = 0; i < EXEC_STREAMS; i++)
		if (s->streams[i].used && trust_secret_equal(s->streams[i].secret, secret))
			return &s->streams[i];
	return NULL;
}

/* Websocket of a session: checks the secret (403). */
static int
api_exec_ws_check(struct server *srv, const char *op_id, const char *secret,
    struct err *e)
{
	struct exec_session *s = api_exec_find(srv, op_id);
	struct exec_stream *st;

	if (s == NULL)
		return err_set(e, 404, "Operation \"%s\" has no websockets", op_id);
	st = api_exec_stream_by_secret(s, secret);
	if (st == NULL)
		return err_set(e, 403, "Invalid websocket secret for operation \"%s\"",
		    op_id);
	if (st->connected)
		return err_set(e, 409, "Websocket of operation \"%s\" already connected",
		    op_id);
	return 0;
}

/* What api_exec_ws_bind() gets: which session and stream (freed by bind). */
static void *
api_exec_ws_arg(struct server *srv, const char *op_id, const char *secret)
{
	struct exec_ws_arg *a = xcalloc(1, sizeof *a);

	a->srv = srv;
	a->op_id = xstrdup(op_id);
	a->secret = xstrdup(secret);
	return a;
}

static void
api_exec_ws_bind(struct ws *ws, void *arg)
{
	struct exec_ws_arg *a = arg;
	struct exec_session *s = ws ? api_exec_find(a->srv, a->op_id) : NULL;
	struct exec_stream *st = s ? api_exec_stream_by_secret(s, a->secret) : NULL;
	int fdi;

	free(a->op_id);
	free(a->secret);
	free(a);
	if (ws == NULL)
		return;
	if (st == NULL || st->connected || s->ended) {
		ws->ops = &api_exec_noop_ops;
		ws_close(ws);
		return;
	}
	st->ws = ws;
	st->connected = true;
	ws->ops = &api_exec_ws_ops;
	ws->arg = st;
	if (st->output && st->eof) {
		/* Already over (nobody read it in time). */
		ws_send(ws, "", 0, false);
		ws_close(ws);
		return;
	}
	fdi = api_exec_stream_fdi(st);
	if (fdi >= 0)
		api_exec_update_poll(s, fdi);
	if (s->exited && st->output && fdi >= 0) {
		api_exec_pump(s, fdi);
		if (s->interactive)
			api_exec_output_eof(st);
		api_exec_check_end(s);
	}
}

static int
api_exec_op_websocket(struct request *r, const char *secret, struct err *e)
{
	if (api_exec_ws_check(r->srv, r->params[0], secret, e) < 0)
		return -1;
	request_accept_upgrade(r, api_exec_ws_bind,
	    api_exec_ws_arg(r->srv, r->params[0], secret));
	return 0;
}

/* The fds/command/... metadata of a session's op (borrowed) or NULL. */
static json_object *
api_exec_op_extra(struct server *srv, const char *op_id)
{
	struct exec_session *s = api_exec_find(srv, op_id);

	return s ? s->extra : NULL;
}

static void
api_exec_nonblock(int fd)
{
	int fl;

	if (fd < 0)
		return;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Makes the session of a new handle; returns it (registered). */
static struct exec_session *
api_exec_session_new(struct server *srv, struct exec_handle *h, bool console,
    const struct exec_req *req)
{
	struct exec_state *state = api_exec_state(srv);
	struct exec_session *s = xcalloc(1, sizeof *s);
	json_object *fds = json_object_new_object();
	int i;

	s->srv = srv;
	s->st = state;
	s->h = h;
	s->op_id = xstrdup(h->op_id);
	s->console = console;
	s->interactive = console || h->interactive;
	for (i = 0; i < EXEC_STREAMS; i++) {
		struct exec_stream *x = &s->streams[i];

		x->s = s;
		x->idx = i;
		if (s->interactive && (i == 1 || i == 2))
			continue;
		x->used = true;
		x->output = i == 1 || i == 2 || (s->interactive && i == 0);
		x->input = i == 0;
		api_exec_secret(x->secret);
		json_object_object_add(fds, i == EXEC_CONTROL ? "control" :
		    (i == 0 ? "0" : i == 1 ? "1" : "2"), codec_string(x->secret));
	}
	for (i = 0; i < 3; i++)
		api_exec_nonblock(h->fds[i]);
	s->extra = json_object_new_object();
	json_object_object_add(s->extra, "fds", fds);
	if (req != NULL) {
		json_object_object_add(s->extra, "command", codec_strv_encode(&req->argv));
		json_object_object_add(s->extra, "environment",
		    codec_strmap_encode(&req->env));
		json_object_object_add(s->extra, "interactive",
		    json_object_new_boolean(req->interactive));
	}
	s->timer = xcalloc(1, sizeof *s->timer);
	uv_timer_init(server_loop(srv), s->timer);
	s->timer->data = s;
	uv_timer_start(s->timer, api_exec_timer_cb, EXEC_CONNECT_MS, 0);
	s->next = state->sessions;
	if (state->sessions != NULL)
		state->sessions->prev = s;
	state->sessions = s;
	h->on_exit = api_exec_on_exit;
	h->arg = s;
	if (h->exited) {
		/* Exited before we could listen: behave as if told now. */
		s->exited = true;
		uv_timer_start(s->timer, api_exec_timer_cb, EXEC_CONNECT_MS, 0);
	}
	return s;
}

int
api_exec_post(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct exec_handle *h = NULL;
	struct exec_session *s;
	struct exec_req req;
	bool wait_ws = false;
	json_object *body;
	char *op_id;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_exec_decode(body, &req, &wait_ws, e) < 0)
		goto out_body;
	if (req.interactive && (req.width <= 0 || req.height <= 0)) {
		req.width = req.width > 0 ? req.width : 80;
		req.height = req.height > 0 ? req.height : 24;
	}
	if (be->ops->exec_start(be, r->params[0], &req, &h, e) < 0)
		goto out;
	s = api_exec_session_new(r->srv, h, false, &req);
	if (!wait_ws) {
		/* Nobody will connect: outputs are discarded, stdin is empty. */
		int i;

		for (i = 0; i < EXEC_STREAMS; i++) {
			s->streams[i].connected = true;
			if (s->streams[i].output)
				s->streams[i].eof = true;
		}
		api_exec_close_input(&s->streams[0]);
	}
	op_id = xstrdup(s->op_id);
	response_async(r, op_id);
	free(op_id);
	rc = 0;
out:
	exec_req_free_contents(&req);
out_body:
	json_object_put(body);
	return rc;
}

int
api_exec_console_post(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct exec_handle *h = NULL;
	struct exec_session *s;
	int64_t w = 0, hh = 0;
	const char *type = NULL;
	json_object *body;
	char *op_id;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_get_int(body, "width", &w, e) < 0 ||
	    codec_get_int(body, "height", &hh, e) < 0 ||
	    codec_get_string(body, "type", &type, e) < 0)
		goto out;
	if (type != NULL && *type != '\0' && strcmp(type, "console") != 0) {
		err_set(e, 400, "Console type \"%s\" is not supported", type);
		goto out;
	}
	if (w <= 0 || w > 10000)
		w = 80;
	if (hh <= 0 || hh > 10000)
		hh = 24;
	if (be->ops->console_attach(be, r->params[0], (int)w, (int)hh, &h, e) < 0)
		goto out;
	s = api_exec_session_new(r->srv, h, true, NULL);
	op_id = xstrdup(s->op_id);
	response_async(r, op_id);
	free(op_id);
	rc = 0;
out:
	json_object_put(body);
	return rc;
}

int
api_exec_console_get(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct response *resp;
	char *buf = NULL;
	size_t len = 0;

	if (be->ops->console_log(be, r->params[0], &buf, &len, e) < 0)
		return -1;
	resp = response_new(200);
	response_header(resp, "Content-Type", "application/octet-stream");
	response_body(resp, buf ? buf : "", len);
	free(buf);
	request_send(r, resp);
	return 0;
}

int
api_exec_console_delete(struct request *r, struct err *e)
{
	return err_set(e, 501, "Clearing the console log of instance \"%s\" is not "
	    "supported", r->params[0]);
}

static void
api_exec_free_all(struct server *srv)
{
	struct exec_state **slot = (struct exec_state **)server_api_state(srv,
	    &api_exec_family);
	struct exec_state *st = *slot;

	if (st == NULL)
		return;
	while (st->sessions != NULL)
		api_exec_session_free(st->sessions);
	free(st);
	*slot = NULL;
}

const struct api_family api_exec_family = {
	.name = "exec",
	.op_extra = api_exec_op_extra,
	.op_websocket = api_exec_op_websocket,
	.free_all = api_exec_free_all,
};
