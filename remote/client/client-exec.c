/*
 * client-exec.c - a remote exec or console session made to look local.
 *
 * LXD runs the process and streams its fds over websockets (lxd-api.md
 * 2.7-2.8): "control" for window-resize and signals, then "0" (a pty, both
 * ways, when interactive) or "0", "1", "2" (stdin, stdout, stderr).  Data
 * is binary frames; an empty text frame is EOF; a close frame is EOF too.
 * Here each stream is bridged to one end of a local socketpair whose other
 * end goes into the struct exec_handle, so callers read and write fds[]
 * exactly as they do with the local engine's pty or pipes: fds[0] is the
 * bidirectional terminal of an interactive session; otherwise fds[0] is
 * stdin (shutdown(SHUT_WR) or close it for EOF), fds[1] and fds[2] give
 * stdout and stderr and read EOF when the process's end closed.
 *
 * Everything runs on the loop: a uv_poll per websocket and per local end,
 * with flow control (a side stops reading while the other side has more
 * than a high-water mark queued).  The exit status arrives with the
 * operation's final event (backend-remote.c calls client_exec_finished);
 * if the events stream is down, the session asks for the operation itself
 * once its output streams have ended.
 *
 * A console session may hold its input back for a moment after it starts
 * (client_exec_hold_input): LXD attaches the console through a helper
 * (`lxd forkconsole`) that puts its pty in raw mode with TCSAFLUSH once the
 * websockets are connected, so keys that reach it earlier are discarded,
 * and a Ctrl-C among them hits the helper's cooked pty.  Held input waits
 * in the socketpair; nothing is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "client-internal.h"

#define EXEC_HIGH_WATER		(1024 * 1024)
#define EXEC_FALLBACK_MS	300
#define EXEC_FALLBACK_TRIES	20	/* then the status is unknown (-1) */
#define EXEC_FALLBACK_FAILS	3	/* requests in a row the server missed */

struct exec_poll {
	uv_poll_t	 h;
	struct exec_stream *st;
	bool		 ws;		/* watching the websocket, else the local end */
};

struct exec_stream {
	struct client_exec	*x;
	const char		*fdname;	/* "0", "1", "2", "control" */
	struct client_ws	*ws;
	int			 local;		/* our end of the socketpair, -1 */
	bool			 to_local;	/* ws -> local */
	bool			 from_local;	/* local -> ws */
	struct exec_poll	*wp, *lp;
	struct buf		 out;		/* waiting for the local end */
	size_t			 out_off;
	bool			 remote_eof;	/* no more from the ws */
	bool			 local_eof;	/* no more from the local end */
	bool			 done;
};

struct client_exec {
	struct client		*c;
	uv_loop_t		*loop;
	struct exec_handle	*h;
	struct exec_stream	 streams[4];	/* 0, 1, 2, control */
	int			 nstreams;
	uv_timer_t		*timer;
	uv_timer_t		*hold;		/* input held until it fires */
	int			 fallback_tries;
	int			 fallback_fails;	/* in a row: no answer */
	bool			 freeing;
};

static void exec_stream_update(struct exec_stream *);

static void
exec_poll_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
exec_poll_stop(struct exec_poll **pp)
{
	struct exec_poll *p = *pp;

	if (p == NULL)
		return;
	*pp = NULL;
	uv_poll_stop(&p->h);
	p->h.data = p;
	uv_close((uv_handle_t *)&p->h, exec_poll_closed);
}

static void
exec_stream_close_ws(struct exec_stream *st)
{
	exec_poll_stop(&st->wp);
	client_ws_free(st->ws);
	st->ws = NULL;
}

/* Bytes for the local end: write what it takes now. */
static void
exec_stream_flush_local(struct exec_stream *st)
{
	while (st->local >= 0 && st->out_off < st->out.len) {
		ssize_t n = write(st->local, st->out.data + st->out_off,
		    st->out.len - st->out_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* The caller closed its end: drop the output. */
			st->out_off = st->out.len;
			break;
		}
		st->out_off += (size_t)n;
	}
	if (st->out_off >= st->out.len) {
		buf_free(&st->out);
		st->out_off = 0;
	}
}

static void
exec_stream_ws_msg(void *arg, int opcode, const char *data, size_t len)
{
	struct exec_stream *st = arg;

	if (!st->to_local)
		return;		/* control: nothing comes back that we need */
	if (opcode == WS_OP_TEXT && len == 0) {
		st->remote_eof = true;
		return;
	}
	buf_append(&st->out, data, len);
}

static void
exec_check_done(struct client_exec *x);

/* What the websocket has (or, after its handshake, already had). */
static void
exec_stream_read_ws(struct exec_stream *st)
{
	if (st->ws != NULL && client_ws_read(st->ws, exec_stream_ws_msg, st) < 0)
		st->remote_eof = true;
	/* The far end is done: the process has exited (or its pty closed);
	 * input has nowhere to go any more. */
	if (st->remote_eof && st->ws != NULL)
		exec_stream_close_ws(st);
}

static void
exec_poll_cb(uv_poll_t *h, int status, int events)
{
	struct exec_poll *p = h->data;
	struct exec_stream *st = p->st;
	char tmp[32 * 1024];

	if (p->ws) {
		if (status < 0 || (events & UV_DISCONNECT))
			events |= UV_READABLE;
		if ((events & UV_WRITABLE) && client_ws_write_ready(st->ws) < 0)
			st->remote_eof = true;
		if (events & UV_READABLE)
			exec_stream_read_ws(st);
		else if (st->remote_eof && st->ws != NULL)
			exec_stream_close_ws(st);
	} else {
		if (events & UV_WRITABLE)
			exec_stream_flush_local(st);
		if ((events & UV_READABLE) && st->from_local && !st->local_eof) {
			ssize_t n = read(st->local, tmp, sizeof tmp);

			if (n > 0) {
				if (st->ws == NULL || client_ws_send(st->ws, WS_OP_BINARY, tmp,
				    (size_t)n) < 0)
					st->local_eof = true;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				st->local_eof = true;
				if (st->ws != NULL)
					client_ws_send(st->ws, WS_OP_TEXT, "", 0);
			}
		}
	}
	exec_stream_update(st);
	exec_check_done(st->x);
}

static struct exec_poll *
exec_poll_new(struct exec_stream *st, int fd, bool ws)
{
	struct exec_poll *p = xcalloc(1, sizeof *p);

	p->st = st;
	p->ws = ws;
	if (uv_poll_init(st->x->loop, &p->h, fd) < 0) {
		free(p);
		return NULL;
	}
	p->h.data = p;
	return p;
}

/* Recomputes what each side waits for. */
static void
exec_stream_update(struct exec_stream *st)
{
	int ev;

	if (st->done)
		return;
	/* Remote EOF and everything written: pass EOF to the caller. */
	if (st->to_local && st->remote_eof && st->out.len == 0 && st->local >= 0) {
		shutdown(st->local, SHUT_WR);
		if (!st->from_local || st->local_eof) {
			exec_poll_stop(&st->lp);
			close(st->local);
			st->local = -1;
		}
	}
	if (st->ws != NULL) {
		ev = 0;
		if (st->to_local && !st->remote_eof && st->out.len < EXEC_HIGH_WATER)
			ev |= UV_READABLE;
		if (!st->to_local)
			ev |= UV_READABLE;	/* notice a close */
		if (client_ws_pending(st->ws))
			ev |= UV_WRITABLE;
		if (st->wp == NULL && client_ws_fd(st->ws) >= 0)
			st->wp = exec_poll_new(st, client_ws_fd(st->ws), true);
		if (st->wp != NULL)
			uv_poll_start(&st->wp->h, ev, exec_poll_cb);
	}
	if (st->local >= 0) {
		ev = 0;
		if (st->from_local && !st->local_eof && st->x->hold == NULL &&
		    (st->ws == NULL || !client_ws_pending(st->ws)))
			ev |= UV_READABLE;
		if (st->out.len > 0)
			ev |= UV_WRITABLE;
		if (st->lp == NULL)
			st->lp = exec_poll_new(st, st->local, false);
		if (st->lp != NULL) {
			if (ev != 0)
				uv_poll_start(&st->lp->h, ev, exec_poll_cb);
			else
				uv_poll_stop(&st->lp->h);
		}
	}
	if ((st->ws == NULL || (st->remote_eof && (!st->from_local || st->local_eof))) &&
	    st->local < 0)
		st->done = true;
}

static void
exec_fallback_cb(uv_timer_t *t)
{
	struct client_exec *x = t->data;
	struct op_info op;
	struct client_resp r;
	struct err e = { 0 };
	char *path;

	if (x->h->exited)
		return;
	path = xasprintf("/1.0/operations/%s", x->h->op_id);
	if (client_request(x->c, "GET", path, NULL, NULL, &r, &e) == 0) {
		x->fallback_fails = 0;
		if (codec_op_decode(r.metadata, &op, &e) == 0) {
			if (op.status >= 200)
				client_exec_finished(x, op.has_return ? op.ret :
				    (op.status == STATUS_SUCCESS ? 0 : -1));
			op_info_free_contents(&op);
		}
	} else {
		x->fallback_fails++;
	}
	client_resp_free(&r);
	free(path);
	if (x->h->exited)
		return;
	/* The server is gone (or never says): the session is over all the
	 * same, with its status unknown, so the caller is not left waiting. */
	if (++x->fallback_tries >= EXEC_FALLBACK_TRIES ||
	    x->fallback_fails >= EXEC_FALLBACK_FAILS)
		client_exec_finished(x, -1);
	else
		uv_timer_start(x->timer, exec_fallback_cb, EXEC_FALLBACK_MS, 0);
}

/* Once the output has ended, close control as lxc does (LXD finishes
 * the operation then), and make sure the exit status comes. */
static void
exec_check_done(struct client_exec *x)
{
	int i;

	for (i = 0; i < x->nstreams; i++)
		if (x->streams[i].to_local && !x->streams[i].remote_eof)
			return;
	for (i = 0; i < x->nstreams; i++)
		if (strcmp(x->streams[i].fdname, "control") == 0 && x->streams[i].ws)
			exec_stream_close_ws(&x->streams[i]);
	if (x->h->exited || x->timer == NULL || uv_is_active((uv_handle_t *)x->timer))
		return;
	uv_timer_start(x->timer, exec_fallback_cb, EXEC_FALLBACK_MS * 3, 0);
}

static int
exec_stream_open(struct client_exec *x, struct exec_stream *st, const char *fdname,
    const char *secret, struct err *e)
{
	char *path = xasprintf("/1.0/operations/%s/websocket?secret=%s", x->h->op_id,
	    secret);

	st->x = x;
	st->fdname = fdname;
	st->local = -1;
	st->ws = client_ws_open(x->c, path, e);
	free(path);
	return st->ws != NULL ? 0 : -1;
}

/* A socketpair: our end (non-blocking) in *ours, the caller's in *theirs. */
static int
exec_pair(int *ours, int *theirs, struct err *e)
{
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return err_set(e, 500, "socketpair: %s", strerror(errno));
	fcntl(sp[0], F_SETFL, fcntl(sp[0], F_GETFL) | O_NONBLOCK);
	*ours = sp[0];
	*theirs = sp[1];
	return 0;
}

static void
exec_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
exec_hold_cb(uv_timer_t *t)
{
	struct client_exec *x = t->data;
	int i;

	uv_close((uv_handle_t *)x->hold, exec_timer_closed);
	x->hold = NULL;
	for (i = 0; i < x->nstreams; i++)
		exec_stream_update(&x->streams[i]);
}

/* Keeps the caller's input in the socketpair for ms milliseconds. */
void
client_exec_hold_input(struct client_exec *x, unsigned int ms)
{
	int i;

	if (x->hold == NULL) {
		x->hold = xcalloc(1, sizeof *x->hold);
		uv_timer_init(x->loop, x->hold);
		x->hold->data = x;
	}
	uv_timer_start(x->hold, exec_hold_cb, ms, 0);
	for (i = 0; i < x->nstreams; i++)
		exec_stream_update(&x->streams[i]);
}

struct client_exec *
client_exec_start(struct client *c, uv_loop_t *loop, const struct op_info *op,
    bool interactive, struct exec_handle **out, struct err *e)
{
	struct client_exec *x = xcalloc(1, sizeof *x);
	struct exec_handle *h = xcalloc(1, sizeof *h);
	const char *fdsj = strmap_get(&op->metadata, "fds");
	json_object *fds = fdsj ? json_tokener_parse(fdsj) : NULL;
	static const char *const order[] = { "control", "0", "1", "2" };
	size_t i;
	int k;

	x->c = c;
	x->loop = loop;
	x->h = h;
	h->fds[0] = h->fds[1] = h->fds[2] = -1;
	h->interactive = interactive;
	h->op_id = xstrdup(op->id);
	h->priv = x;
	if (fds == NULL || !json_object_is_type(fds, json_type_object)) {
		err_set(e, 502, "Remote \"%s\": the session has no websockets", c->name);
		goto fail;
	}
	/* lxc's order: control first, then 0, 1, 2. */
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		json_object *s;
		struct exec_stream *st;

		if (!json_object_object_get_ex(fds, order[i], &s) ||
		    !json_object_is_type(s, json_type_string))
			continue;
		st = &x->streams[x->nstreams];
		if (exec_stream_open(x, st, order[i], json_object_get_string(s), e) < 0)
			goto fail;
		x->nstreams++;
		if (strcmp(order[i], "control") == 0)
			continue;
		k = order[i][0] - '0';
		if (exec_pair(&st->local, &h->fds[k], e) < 0)
			goto fail;
		st->from_local = interactive || k == 0;
		st->to_local = interactive || k != 0;
	}
	if (h->fds[0] < 0) {
		err_set(e, 502, "Remote \"%s\": the session has no stream 0", c->name);
		goto fail;
	}
	json_object_put(fds);
	x->timer = xcalloc(1, sizeof *x->timer);
	uv_timer_init(loop, x->timer);
	x->timer->data = x;
	/* Output the server sent right behind a 101 (a prompt waiting in
	 * the pty) was read with the handshake: no poll would report it. */
	for (k = 0; k < x->nstreams; k++)
		if (x->streams[k].ws != NULL && client_ws_ready(x->streams[k].ws))
			exec_stream_read_ws(&x->streams[k]);
	for (k = 0; k < x->nstreams; k++)
		exec_stream_update(&x->streams[k]);
	exec_check_done(x);
	*out = h;
	return x;
fail:
	if (fds != NULL)
		json_object_put(fds);
	client_exec_free(x);
	return NULL;
}

struct exec_handle *
client_exec_handle(struct client_exec *x)
{
	return x->h;
}

/* Sends a control message (JSON text). */
int
client_exec_control(struct client_exec *x, const char *json, struct err *e)
{
	int i;

	for (i = 0; i < x->nstreams; i++) {
		struct exec_stream *st = &x->streams[i];

		if (strcmp(st->fdname, "control") != 0)
			continue;
		if (st->ws == NULL || client_ws_send(st->ws, WS_OP_TEXT, json,
		    strlen(json)) < 0)
			return err_set(e, 400, "The session's control channel is closed");
		exec_stream_update(st);
		return 0;
	}
	return err_set(e, 400, "The session has no control channel");
}

void
client_exec_finished(struct client_exec *x, int status)
{
	struct exec_handle *h = x->h;

	if (h->exited)
		return;
	h->exited = true;
	h->status = status;
	if (x->timer != NULL)
		uv_timer_stop(x->timer);
	if (h->on_exit != NULL)
		h->on_exit(h, h->arg);
}

const char *
client_exec_op_id(const struct client_exec *x)
{
	return x->h->op_id;
}

/* Closes every stream (the server kills a process whose control closed
 * before it exited; a console detaches) and frees the handle. */
void
client_exec_free(struct client_exec *x)
{
	int i;

	if (x == NULL)
		return;
	/* Control last: closing it first would kill the process early. */
	for (i = x->nstreams - 1; i >= 0; i--) {
		struct exec_stream *st = &x->streams[i];

		exec_poll_stop(&st->lp);
		exec_stream_close_ws(st);
		if (st->local >= 0)
			close(st->local);
		buf_free(&st->out);
	}
	for (i = 0; i < 3; i++)
		if (x->h->fds[i] >= 0)
			close(x->h->fds[i]);
	if (x->timer != NULL) {
		uv_timer_stop(x->timer);
		uv_close((uv_handle_t *)x->timer, exec_timer_closed);
	}
	if (x->hold != NULL) {
		uv_timer_stop(x->hold);
		uv_close((uv_handle_t *)x->hold, exec_timer_closed);
	}
	free(x->h->op_id);
	free(x->h);
	free(x);
}
