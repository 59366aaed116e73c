/*
 * backend-remote.c - struct backend_ops over the LXD REST API: lxdeckd,
 * LXD 5.x and Incus alike.
 *
 * Requests are synchronous with connect and request deadlines (client.c);
 * a remote known to be down fails at once, so the TUI never hangs on a dead
 * host.  Lists ask for recursion=2 (instances with state and snapshots in
 * one round trip) or recursion=1.  Objects are decoded, and request bodies
 * encoded, with the codecs of wire/ that lxdeckd uses the other way round.
 * Paths are made with the names escaped (rb_path) and handed to the
 * request helpers, which free them (rb_get_one, rb_get_list, rb_sync,
 * rb_async).
 *
 * Operations are followed as lxc follows them (lxd-api.md 1.3): the events
 * websocket is opened before the first async request and kept open; every
 * event is decoded and passed to the subscribers on the loop, and the
 * final events of operations are remembered (a small ring) so op_wait()
 * finds an operation that finished before it was asked.  op_wait() first
 * GETs the operation (the race lxc avoids the same way), then runs the loop
 * until the final event comes; with no events stream it falls back to
 * /1.0/operations/ID/wait.  When the stream drops, it is reconnected with
 * backoff (0.5 s .. 30 s) without blocking the loop (a curl multi handle
 * stepped from a timer), and the operations started through this backend
 * that were still running are fetched again, so a final state missed while
 * disconnected still reaches the subscribers.
 *
 * Updates send If-Match with the ETag of the object as last read through
 * this backend (kept per URL), so a concurrent change gives 412, as
 * `lxc config edit` does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "client-internal.h"

#define RB_DONE_RING		64
#define RB_BACKOFF_MIN_MS	500
#define RB_BACKOFF_MAX_MS	30000
#define RB_STEP_MS		20
#define RB_CONSOLE_SETTLE_MS	250	/* see client_exec_hold_input() */

struct rb_sub {
	int		 id;
	event_cb	 cb;
	void		*arg;
};

struct rb_poll {
	uv_poll_t		 h;
	struct remote_backend	*rb;
};

struct rb_session {
	struct client_exec	*x;
	struct rb_session	*next;
};

struct remote_backend {
	struct backend		 b;
	struct client		*c;
	/* events */
	struct client_ws	*ev;
	struct rb_poll		*ev_poll;
	uv_timer_t		*ev_timer;
	int			 ev_backoff_ms;
	bool			 ev_wanted;
	bool			 ev_was_open;
	/* subscribers */
	struct rb_sub		*subs;
	size_t			 nsubs;
	int			 next_sub;
	/* final operations seen, and ours still running */
	struct op_info		 done[RB_DONE_RING];
	size_t			 ndone, done_next;
	struct strv		 pending;
	struct strmap		 etags;		/* URL -> ETag */
	struct rb_session	*sessions;
	/* console logs: does the server drain them (LXD, Incus)?  -1 not
	 * known yet; the accumulations when it does (console-acc.c) */
	int			 console_drains;
	struct console_acc	*consoles;
};

#define RB(b) ((struct remote_backend *)(b))

static void rb_events_schedule(struct remote_backend *, int ms);

/* Helpers */

static char *
rb_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = { 0 };

	for (; s != NULL && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL) {
			buf_putc(&b, (char)ch);
		} else {
			buf_putc(&b, '%');
			buf_putc(&b, hex[ch >> 4]);
			buf_putc(&b, hex[ch & 15]);
		}
	}
	buf_putc(&b, '\0');
	return buf_steal(&b);
}

/* "/1.0/instances/<name>[suffix]" with the name escaped.  Caller frees. */
static char *
rb_path(const char *fmt_prefix, const char *name, const char *suffix)
{
	char *n = rb_escape(name), *p;

	p = xasprintf("%s/%s%s", fmt_prefix, n, suffix ? suffix : "");
	free(n);
	return p;
}

/* fmt's two %s filled with a and b, escaped.  Caller frees. */
static char *
rb_path2(const char *fmt, const char *a, const char *b)
{
	char *ea = rb_escape(a), *eb = rb_escape(b), *p;

	p = xasprintf(fmt, ea, eb);
	free(ea);
	free(eb);
	return p;
}

static char *
rb_snap_path(const char *inst, const char *snap)
{
	return rb_path2("/1.0/instances/%s/snapshots/%s", inst, snap);
}

static char *
rb_file_path(const char *inst, const char *path)
{
	return rb_path2("/1.0/instances/%s/files?path=%s", inst, path);
}

static void
rb_remember_etag(struct remote_backend *rb, const char *path,
    const struct client_resp *r)
{
	char etag[65];

	client_resp_etag(r, etag);
	if (etag[0] != '\0')
		strmap_set(&rb->etags, path, etag);
}

static int
rb_get(struct remote_backend *rb, const char *path, struct client_resp *r,
    struct err *e)
{
	if (client_request(rb->c, "GET", path, NULL, NULL, r, e) < 0)
		return -1;
	rb_remember_etag(rb, path, r);
	if (r->metadata == NULL) {
		client_resp_free(r);
		return err_set(e, 502, "Remote \"%s\": %s returned no metadata",
		    rb->c->name, path);
	}
	return 0;
}

/* Events */

static void
rb_dispatch(struct remote_backend *rb, const struct event *ev)
{
	struct rb_sub *copy;
	size_t i, n = rb->nsubs;

	if (n == 0)
		return;
	copy = xcalloc(n, sizeof *copy);
	memcpy(copy, rb->subs, n * sizeof *copy);
	for (i = 0; i < n; i++) {
		size_t j;
		bool still = false;

		/* A callback may unsubscribe others. */
		for (j = 0; j < rb->nsubs; j++)
			if (rb->subs[j].id == copy[i].id)
				still = true;
		if (still)
			copy[i].cb(ev, copy[i].arg);
	}
	free(copy);
}

static const struct op_info *
rb_done_find(struct remote_backend *rb, const char *id)
{
	size_t i;

	for (i = 0; i < rb->ndone; i++)
		if (rb->done[i].id != NULL && strcmp(rb->done[i].id, id) == 0)
			return &rb->done[i];
	return NULL;
}

/* An operation reached a final state: remember it, finish its session. */
static void
rb_op_final(struct remote_backend *rb, const struct op_info *op)
{
	struct rb_session *s;
	int i;

	log_debug("Operation %s final: %s%s", op->id, status_code_name(op->status),
	    op->has_return ? " (with return)" : "");
	if (rb_done_find(rb, op->id) == NULL) {
		op_info_free_contents(&rb->done[rb->done_next]);
		op_info_copy(&rb->done[rb->done_next], op);
		rb->done_next = (rb->done_next + 1) % RB_DONE_RING;
		if (rb->ndone < RB_DONE_RING)
			rb->ndone++;
	}
	i = strv_index(&rb->pending, op->id);
	if (i >= 0) {
		free(rb->pending.v[i]);
		memmove(&rb->pending.v[i], &rb->pending.v[i + 1],
		    (rb->pending.n - (size_t)i - 1) * sizeof(char *));
		rb->pending.n--;
	}
	for (s = rb->sessions; s != NULL; s = s->next)
		if (strcmp(client_exec_op_id(s->x), op->id) == 0)
			client_exec_finished(s->x, op->has_return ? op->ret :
			    (op->status == STATUS_SUCCESS ? 0 : -1));
}

static void
rb_event_msg(void *arg, int opcode, const char *data, size_t len)
{
	struct remote_backend *rb = arg;
	json_object *o;
	struct event ev;
	struct err e = { 0 };
	char *text;

	if (opcode != WS_OP_TEXT || len == 0)
		return;
	text = xstrndup(data, len);
	o = json_tokener_parse(text);
	free(text);
	if (o == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	/* Frames with an empty or unknown type are ignored, as lxc does. */
	if (codec_event_decode(o, &ev, &e) == 0) {
		if (ev.type == EVENT_OPERATION && ev.op != NULL && ev.op->status >= 200)
			rb_op_final(rb, ev.op);
		rb_dispatch(rb, &ev);
		codec_event_free(&ev);
	}
	json_object_put(o);
}

static void
rb_poll_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
rb_events_drop(struct remote_backend *rb)
{
	if (rb->ev_poll != NULL) {
		uv_poll_stop(&rb->ev_poll->h);
		rb->ev_poll->h.data = rb->ev_poll;
		uv_close((uv_handle_t *)&rb->ev_poll->h, rb_poll_closed);
		rb->ev_poll = NULL;
	}
	client_ws_free(rb->ev);
	rb->ev = NULL;
}

/* An event of ours, as the server would send it. */
static void
rb_event_init(struct event *ev, enum event_type type)
{
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->timestamp_ns = time_now_ns();
	ev->project = "default";
	ev->location = "none";
}

static void
rb_notice(struct remote_backend *rb, const char *level, const char *msg)
{
	struct event ev;

	rb_event_init(&ev, EVENT_LOGGING);
	ev.level = level;
	ev.message = msg;
	rb_dispatch(rb, &ev);
}

static void rb_events_poll_cb(uv_poll_t *, int, int);
static void rb_events_ready_cb(uv_timer_t *);

static void
rb_events_watch(struct remote_backend *rb)
{
	int ev = UV_READABLE;

	if (rb->ev == NULL)
		return;
	if (rb->ev_poll == NULL) {
		rb->ev_poll = xcalloc(1, sizeof *rb->ev_poll);
		rb->ev_poll->rb = rb;
		if (uv_poll_init(rb->b.loop, &rb->ev_poll->h, client_ws_fd(rb->ev)) < 0) {
			free(rb->ev_poll);
			rb->ev_poll = NULL;
			return;
		}
		rb->ev_poll->h.data = rb->ev_poll;
	}
	if (client_ws_pending(rb->ev))
		ev |= UV_WRITABLE;
	uv_poll_start(&rb->ev_poll->h, ev, rb_events_poll_cb);
	/* Events that came with the handshake: the fd will not tell. */
	if (client_ws_ready(rb->ev) && rb->ev_timer != NULL)
		uv_timer_start(rb->ev_timer, rb_events_ready_cb, 0, 0);
}

/* The stream is (again) open: catch up with what we may have missed. */
static void
rb_events_opened(struct remote_backend *rb)
{
	struct strv ids = { 0 };
	size_t i;
	char msg[160];

	rb->ev_backoff_ms = 0;
	log_debug("Events of remote \"%s\": connected", rb->c->name);
	rb_events_watch(rb);
	if (!rb->ev_was_open) {
		rb->ev_was_open = true;
		return;
	}
	snprintf(msg, sizeof msg, "Reconnected to remote \"%s\"", rb->c->name);
	rb_notice(rb, "info", msg);
	strv_copy(&ids, &rb->pending);
	for (i = 0; i < ids.n; i++) {
		struct op_info op;
		struct client_resp r;
		struct err e = { 0 };
		char *path = rb_path("/1.0/operations", ids.v[i], NULL);

		if (client_request(rb->c, "GET", path, NULL, NULL, &r, &e) == 0 &&
		    codec_op_decode(r.metadata, &op, &e) == 0) {
			if (op.status >= 200) {
				struct event ev;

				rb_event_init(&ev, EVENT_OPERATION);
				ev.op = &op;
				rb_op_final(rb, &op);
				rb_dispatch(rb, &ev);
			}
			op_info_free_contents(&op);
		} else if (e.code == 404) {
			/* Gone for good: forget it. */
			int k = strv_index(&rb->pending, ids.v[i]);

			if (k >= 0) {
				free(rb->pending.v[k]);
				rb->pending.v[k] = rb->pending.v[--rb->pending.n];
			}
		}
		client_resp_free(&r);
		free(path);
	}
	strv_free(&ids);
}

static void
rb_events_lost(struct remote_backend *rb, const char *why)
{
	char msg[300];

	rb_events_drop(rb);
	if (!rb->ev_wanted)
		return;
	rb->ev_backoff_ms = rb->ev_backoff_ms ? rb->ev_backoff_ms * 2 : RB_BACKOFF_MIN_MS;
	if (rb->ev_backoff_ms > RB_BACKOFF_MAX_MS)
		rb->ev_backoff_ms = RB_BACKOFF_MAX_MS;
	if (why != NULL) {
		snprintf(msg, sizeof msg, "Events of remote \"%s\": %s (retrying in %d ms)",
		    rb->c->name, why, rb->ev_backoff_ms);
		log_debug("%s", msg);
		if (rb->ev_was_open)
			rb_notice(rb, "warning", msg);
	}
	rb_events_schedule(rb, rb->ev_backoff_ms);
}

/* Reads what frames there are (read: false only watches again). */
static void
rb_events_read(struct remote_backend *rb, bool read)
{
	if (read && client_ws_read(rb->ev, rb_event_msg, rb) < 0) {
		/* Not "down": the reconnect decides that. */
		rb_events_lost(rb, "connection lost");
		return;
	}
	if (rb->ev != NULL)
		rb_events_watch(rb);
}

static void
rb_events_poll_cb(uv_poll_t *h, int status, int events)
{
	struct remote_backend *rb = ((struct rb_poll *)h->data)->rb;

	if (rb->ev == NULL)
		return;
	if ((events & UV_WRITABLE) && client_ws_write_ready(rb->ev) < 0) {
		rb_events_lost(rb, "connection lost");
		return;
	}
	rb_events_read(rb, status < 0 || (events & (UV_READABLE | UV_DISCONNECT)));
}

/* Timer, on an open stream: frames already read with the handshake. */
static void
rb_events_ready_cb(uv_timer_t *t)
{
	struct remote_backend *rb = t->data;

	if (rb->ev != NULL && client_ws_is_open(rb->ev))
		rb_events_read(rb, true);
}

/* Timer: start connecting, or step a connection under way. */
static void
rb_events_timer_cb(uv_timer_t *t)
{
	struct remote_backend *rb = t->data;
	struct err e = { 0 };
	int rc;

	if (rb->ev == NULL) {
		/* A retry of ours ignores the request backoff. */
		rb->c->retry_at_ns = 0;
		rb->ev = client_ws_start(rb->c, "/1.0/events", &e);
		if (rb->ev == NULL) {
			rb_events_lost(rb, e.msg);
			return;
		}
	}
	rc = client_ws_step(rb->ev, &e);
	if (rc < 0) {
		rb_events_lost(rb, e.msg);
		return;
	}
	if (rc == 0) {
		uv_timer_start(t, rb_events_timer_cb, RB_STEP_MS, 0);
		return;
	}
	rb_events_opened(rb);
}

static void
rb_events_schedule(struct remote_backend *rb, int ms)
{
	if (rb->ev_timer != NULL)
		uv_timer_start(rb->ev_timer, rb_events_timer_cb, (uint64_t)ms, 0);
}

/* Before an async request: have the events stream, as lxc does.  Blocks
 * at most a connect timeout when it is not there; a remote known down
 * keeps its backoff. */
static bool
rb_events_ensure(struct remote_backend *rb)
{
	struct err e = { 0 };
	int64_t deadline;
	int rc;

	if (rb->ev != NULL && client_ws_is_open(rb->ev))
		return true;
	if (client_check_reachable(rb->c, &e) < 0)
		return false;
	if (rb->ev == NULL) {
		rb->ev = client_ws_start(rb->c, "/1.0/events", &e);
		if (rb->ev == NULL)
			return false;
	}
	deadline = time_now_ns() + (int64_t)(rb->c->connect_timeout_ms + 2000) * 1000000;
	while ((rc = client_ws_step(rb->ev, &e)) == 0 && time_now_ns() < deadline)
		usleep(2000);
	if (rc <= 0) {
		rb_events_lost(rb, rc < 0 ? e.msg : "timed out");
		return false;
	}
	uv_timer_stop(rb->ev_timer);
	rb_events_opened(rb);
	return true;
}

/* Async requests */

/*
 * METHOD path with body: both are taken (freed here).  flags: RB_IF_MATCH
 * sends the ETag last seen at path (a PUT after a GET, as lxc does),
 * RB_FORGET_ETAG then forgets it, so the next PUT needs a new GET.
 */
enum {
	RB_IF_MATCH	= 1 << 0,
	RB_FORGET_ETAG	= 1 << 1,
};

static int
rb_send(struct remote_backend *rb, const char *method, char *path,
    json_object *body, unsigned flags, struct client_resp *r, struct err *e)
{
	const char *etag = flags & RB_IF_MATCH ? strmap_get(&rb->etags, path) : NULL;
	int rc = client_request(rb->c, method, path, body, etag, r, e);

	if (flags & RB_FORGET_ETAG)
		strmap_unset(&rb->etags, path);
	if (body != NULL)
		json_object_put(body);
	free(path);
	return rc;
}

/* An operation: its id into *op_id (caller frees) and, with opout, the
 * whole of it; both stay NULL when the server answered at once. */
static int
rb_async(struct remote_backend *rb, const char *method, char *path,
    json_object *body, unsigned flags, char **op_id, struct op_info *opout,
    struct err *e)
{
	struct client_resp r;
	struct op_info op;

	if (op_id != NULL)
		*op_id = NULL;
	rb_events_ensure(rb);
	if (rb_send(rb, method, path, body, flags, &r, e) < 0)
		return -1;
	if (!r.async || r.metadata == NULL) {
		/* Done at once (LXD answers some requests sync). */
		client_resp_free(&r);
		return 0;
	}
	if (codec_op_decode(r.metadata, &op, e) < 0) {
		client_resp_free(&r);
		return -1;
	}
	client_resp_free(&r);
	if (op.status < 200 && rb_done_find(rb, op.id) == NULL)
		strv_push(&rb->pending, op.id);
	if (op_id != NULL)
		*op_id = xstrdup(op.id);
	if (opout != NULL)
		*opout = op;
	else
		op_info_free_contents(&op);
	return 0;
}

static int
rb_sync(struct remote_backend *rb, const char *method, char *path,
    json_object *body, unsigned flags, struct err *e)
{
	struct client_resp r;
	int rc = rb_send(rb, method, path, body, flags, &r, e);

	client_resp_free(&r);
	return rc;
}

/* The vtable */

static void
rb_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
rb_free(struct backend *b)
{
	struct remote_backend *rb = RB(b);
	size_t i;

	if (rb == NULL)
		return;
	rb->ev_wanted = false;
	while (rb->sessions != NULL) {
		struct rb_session *s = rb->sessions;

		rb->sessions = s->next;
		client_exec_free(s->x);
		free(s);
	}
	rb_events_drop(rb);
	if (rb->ev_timer != NULL) {
		uv_timer_stop(rb->ev_timer);
		uv_close((uv_handle_t *)rb->ev_timer, rb_timer_closed);
	}
	for (i = 0; i < RB_DONE_RING; i++)
		op_info_free_contents(&rb->done[i]);
	strv_free(&rb->pending);
	strmap_free(&rb->etags);
	console_acc_free(&rb->consoles);
	free(rb->subs);
	client_free(rb->c);
	free(rb->b.name);
	free(rb);
}

static int
rb_server_info(struct backend *b, struct server_info *out, struct err *e)
{
	struct remote_backend *rb = RB(b);

	memset(out, 0, sizeof *out);
	return client_server_get(rb->c, out, NULL, NULL, 0, e);
}

static int
rb_server_update(struct backend *b, const struct strmap *config, struct err *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "config", codec_strmap_encode(config));
	return rb_sync(RB(b), "PUT", xstrdup("/1.0"), o, RB_IF_MATCH, e);
}

/*
 * Objects and lists.  Every kind (instances, state, snapshots, profiles,
 * images, aliases) comes back the same way: GET PATH answers one object
 * the kind's codec decodes into a model struct (rb_get_one), or with
 * recursion an array of them (rb_get_list); an answer that is not a list
 * is a 502 naming the path.
 */
struct rb_kind {
	size_t	 size;		/* of one element */
	int	 (*decode)(json_object *, void *elem, struct err *);
	void	 (*free)(void *v, size_t n);	/* a list of them */
};

/* rb_NAME: elements of type T read by decode, a list freed by array_free. */
#define RB_KIND(name, T, decode, array_free)					\
static int									\
rb_decode_##name(json_object *o, void *elem, struct err *e)			\
{										\
	return decode(o, (T *)elem, e);						\
}										\
static void									\
rb_free_##name(void *v, size_t n)						\
{										\
	array_free((T *)v, n);							\
}										\
static const struct rb_kind rb_##name = { sizeof(T), rb_decode_##name,	\
	rb_free_##name }

/* One object into *(T **)out (caller frees); path is taken. */
static int
rb_get_one(struct remote_backend *rb, char *path,
    const struct rb_kind *k, void *out, struct err *e)
{
	struct client_resp r;
	void *obj = xcalloc(1, k->size);
	int rc = -1;

	*(void **)out = NULL;
	if (rb_get(rb, path, &r, e) == 0) {
		if (k->decode(r.metadata, obj, e) == 0) {
			*(void **)out = obj;
			obj = NULL;
			rc = 0;
		}
		client_resp_free(&r);
	}
	free(obj);
	free(path);
	return rc;
}

static int
rb_get_list(struct remote_backend *rb, char *path,
    const struct rb_kind *k, void *out, size_t *n, struct err *e)
{
	struct client_resp r;
	size_t i, len;
	char *v;
	int rc = -1;

	*(void **)out = NULL;
	*n = 0;
	if (rb_get(rb, path, &r, e) < 0) {
		free(path);
		return -1;
	}
	if (r.metadata == NULL || !json_object_is_type(r.metadata, json_type_array)) {
		err_set(e, 502, "The answer to GET %s is not a list", path);
		goto out;
	}
	len = json_object_array_length(r.metadata);
	v = xcalloc(len ? len : 1, k->size);
	for (i = 0; i < len; i++)
		if (k->decode(json_object_array_get_idx(r.metadata, i),
		    v + i * k->size, e) < 0) {
			k->free(v, i);
			goto out;
		}
	*(void **)out = v;
	*n = len;
	rc = 0;
out:
	client_resp_free(&r);
	free(path);
	return rc;
}

RB_KIND(instances, struct instance, codec_instance_decode, instance_array_free);

static int
rb_instance_list(struct backend *b, unsigned flags, struct instance **out, size_t *n,
    struct err *e)
{
	return rb_get_list(RB(b), xstrdup(flags ? "/1.0/instances?recursion=2" :
	    "/1.0/instances?recursion=1"), &rb_instances, out, n, e);
}

static int
rb_instance_get(struct backend *b, const char *name, unsigned flags,
    struct instance **out, struct err *e)
{
	struct remote_backend *rb = RB(b);
	struct client_resp r;
	char *path = rb_path("/1.0/instances", name, NULL);
	char *full = xasprintf("%s?recursion=1", path);
	struct instance *in = xcalloc(1, sizeof *in);
	int rc = -1;

	*out = NULL;
	if (rb_get(rb, flags ? full : path, &r, e) < 0)
		goto out;
	/* The ETag is the instance's, whichever form was asked. */
	rb_remember_etag(rb, path, &r);
	if (codec_instance_decode(r.metadata, in, e) == 0) {
		*out = in;
		in = NULL;
		rc = 0;
	}
	client_resp_free(&r);
out:
	free(in);
	free(path);
	free(full);
	return rc;
}

static int
rb_decode_state(json_object *o, void *elem, struct err *e)
{
	return codec_state_decode(o, elem, e);
}

static const struct rb_kind rb_states = {
	sizeof(struct instance_state), rb_decode_state, NULL	/* never a list */
};

static int
rb_instance_state(struct backend *b, const char *name, struct instance_state **out,
    struct err *e)
{
	return rb_get_one(RB(b), rb_path("/1.0/instances", name, "/state"), &rb_states,
	    out, e);
}

/* A copy carries the source's profiles, config and devices, as `lxc copy`
 * sends them: LXD 5.0.2 gives a copy with no profiles in the request no
 * profiles at all ("No root device could be found"); Incus fills them in
 * itself.  What the request sets wins; volatile keys stay behind except
 * volatile.base_image. */
static int
rb_copy_fill(struct remote_backend *rb, const char *from, json_object *req,
    struct err *e)
{
	const char *slash = strchr(from, '/');
	char *inst = slash ? xstrndup(from, (size_t)(slash - from)) : xstrdup(from);
	char *path;
	struct client_resp r;
	json_object *v, *dst;
	static const char *const maps[] = { "config", "devices" };
	size_t i;

	if (slash != NULL)
		path = rb_snap_path(inst, slash + 1);
	else
		path = rb_path("/1.0/instances", inst, NULL);
	free(inst);
	if (rb_get(rb, path, &r, e) < 0) {
		free(path);
		return err_prefix(e, "Failed to copy \"%s\": ", from);
	}
	free(path);
	if ((!json_object_object_get_ex(req, "profiles", &v) || v == NULL) &&
	    json_object_object_get_ex(r.metadata, "profiles", &v) && v != NULL)
		json_object_object_add(req, "profiles", json_object_get(v));
	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		if (!json_object_object_get_ex(r.metadata, maps[i], &v) ||
		    !json_object_is_type(v, json_type_object))
			continue;
		if (!json_object_object_get_ex(req, maps[i], &dst) ||
		    !json_object_is_type(dst, json_type_object)) {
			dst = json_object_new_object();
			json_object_object_add(req, maps[i], dst);
		}
		json_object_object_foreach(v, key, val) {
			if (i == 0 && strncmp(key, "volatile.", 9) == 0 &&
			    strcmp(key, "volatile.base_image") != 0)
				continue;
			if (!json_object_object_get_ex(dst, key, NULL))
				json_object_object_add(dst, key, json_object_get(val));
		}
	}
	client_resp_free(&r);
	return 0;
}

static int
rb_instance_create(struct backend *b, const struct instance_create *c, char **op_id,
    struct err *e)
{
	json_object *req = codec_instance_create_encode(c);

	if (c->source == SOURCE_COPY && c->copy_from != NULL &&
	    rb_copy_fill(RB(b), c->copy_from, req, e) < 0) {
		json_object_put(req);
		return -1;
	}
	return rb_async(RB(b), "POST", xstrdup("/1.0/instances"), req, 0, op_id, NULL,
	    e);
}

static int
rb_instance_update(struct backend *b, const char *name, const struct instance_put *p,
    char **op_id, struct err *e)
{
	return rb_async(RB(b), "PUT", rb_path("/1.0/instances", name, NULL),
	    codec_instance_put_encode(p), RB_IF_MATCH | RB_FORGET_ETAG, op_id, NULL, e);
}

static int
rb_instance_action(struct backend *b, const char *name, const char *action,
    int timeout, bool force, bool stateful, char **op_id, struct err *e)
{
	struct state_put sp = { action, timeout, force, stateful };

	return rb_async(RB(b), "PUT", rb_path("/1.0/instances", name, "/state"),
	    codec_state_put_encode(&sp), 0, op_id, NULL, e);
}

static int
rb_instance_delete(struct backend *b, const char *name, char **op_id, struct err *e)
{
	return rb_async(RB(b), "DELETE", rb_path("/1.0/instances", name, NULL), NULL, 0,
	    op_id, NULL, e);
}

static int
rb_instance_rename(struct backend *b, const char *name, const char *newname,
    char **op_id, struct err *e)
{
	return rb_async(RB(b), "POST", rb_path("/1.0/instances", name, NULL),
	    codec_rename_encode(newname), 0, op_id, NULL, e);
}

/* Snapshots */

RB_KIND(snapshots, struct snapshot, codec_snapshot_decode, snapshot_array_free);

static int
rb_snapshot_list(struct backend *b, const char *inst, struct snapshot **out,
    size_t *n, struct err *e)
{
	return rb_get_list(RB(b), rb_path("/1.0/instances", inst,
	    "/snapshots?recursion=1"), &rb_snapshots, out, n, e);
}

static int
rb_snapshot_get(struct backend *b, const char *inst, const char *snap,
    struct snapshot **out, struct err *e)
{
	return rb_get_one(RB(b), rb_snap_path(inst, snap), &rb_snapshots, out, e);
}

static int
rb_snapshot_create(struct backend *b, const char *inst, const char *snap,
    bool stateful, int64_t expires_ns, char **op_id, struct err *e)
{
	struct snapshot_post p = { snap, stateful, expires_ns };

	return rb_async(RB(b), "POST", rb_path("/1.0/instances", inst, "/snapshots"),
	    codec_snapshot_post_encode(&p), 0, op_id, NULL, e);
}

static int
rb_snapshot_rename(struct backend *b, const char *inst, const char *snap,
    const char *newname, char **op_id, struct err *e)
{
	return rb_async(RB(b), "POST", rb_snap_path(inst, snap),
	    codec_rename_encode(newname), 0, op_id, NULL, e);
}

static int
rb_snapshot_delete(struct backend *b, const char *inst, const char *snap,
    char **op_id, struct err *e)
{
	return rb_async(RB(b), "DELETE", rb_snap_path(inst, snap), NULL, 0, op_id, NULL,
	    e);
}

static int
rb_snapshot_restore(struct backend *b, const char *inst, const char *snap,
    bool stateful, char **op_id, struct err *e)
{
	return rb_async(RB(b), "PUT", rb_path("/1.0/instances", inst, NULL),
	    codec_snapshot_restore_encode(inst, snap, stateful), 0, op_id, NULL, e);
}

/* LXD's API has no file diff of a snapshot, and lxdeckd follows LXD's API. */
static int
rb_snapshot_diff_files(struct backend *b, const char *inst, const char *snap,
    struct strv *out, struct err *e)
{
	return err_set(e, 501, "Files changed since snapshot \"%s/%s\" are not "
	    "available on remote \"%s\": the LXD API has no such call", inst, snap,
	    b->name != NULL ? b->name : "");
}

static int
rb_snapshot_update(struct backend *b, const char *inst, const char *snap,
    int64_t expires_ns, struct err *e)
{
	char *op = NULL;
	int rc;

	/* LXD answers async; lxdeckd may answer sync. */
	rc = rb_async(RB(b), "PUT", rb_snap_path(inst, snap),
	    codec_snapshot_put_encode(expires_ns), RB_IF_MATCH, &op, NULL, e);
	if (rc == 0 && op != NULL)
		rc = b->ops->op_wait(b, op, 30000, NULL, e);
	free(op);
	return rc;
}

/* Profiles */

RB_KIND(profiles, struct profile, codec_profile_decode, profile_array_free);

static int
rb_profile_list(struct backend *b, struct profile **out, size_t *n, struct err *e)
{
	return rb_get_list(RB(b), xstrdup("/1.0/profiles?recursion=1"), &rb_profiles,
	    out, n, e);
}

static int
rb_profile_get(struct backend *b, const char *name, struct profile **out,
    struct err *e)
{
	return rb_get_one(RB(b), rb_path("/1.0/profiles", name, NULL), &rb_profiles,
	    out, e);
}

static int
rb_profile_create(struct backend *b, const struct profile *p, struct err *e)
{
	return rb_sync(RB(b), "POST", xstrdup("/1.0/profiles"),
	    codec_profile_post_encode(p), 0, e);
}

static int
rb_profile_update(struct backend *b, const char *name, const struct profile *p,
    struct err *e)
{
	return rb_sync(RB(b), "PUT", rb_path("/1.0/profiles", name, NULL),
	    codec_profile_put_encode(p), RB_IF_MATCH | RB_FORGET_ETAG, e);
}

static int
rb_profile_rename(struct backend *b, const char *name, const char *newname,
    struct err *e)
{
	return rb_sync(RB(b), "POST", rb_path("/1.0/profiles", name, NULL),
	    codec_rename_encode(newname), 0, e);
}

static int
rb_profile_delete(struct backend *b, const char *name, struct err *e)
{
	return rb_sync(RB(b), "DELETE", rb_path("/1.0/profiles", name, NULL), NULL, 0,
	    e);
}

/* Images */

RB_KIND(images, struct image, codec_image_decode, image_array_free);

static int
rb_image_list(struct backend *b, struct image **out, size_t *n, struct err *e)
{
	return rb_get_list(RB(b), xstrdup("/1.0/images?recursion=1"), &rb_images, out,
	    n, e);
}

RB_KIND(aliases, struct image_alias, codec_image_alias_decode, image_alias_array_free);

static int
rb_image_alias_get(struct backend *b, const char *name, struct image_alias **out,
    struct err *e)
{
	return rb_get_one(RB(b), rb_path("/1.0/images/aliases", name, NULL),
	    &rb_aliases, out, e);
}

static int
rb_image_get(struct backend *b, const char *ref, struct image **out, struct err *e)
{
	struct image_alias *a = NULL;
	struct err ae = { 0 };
	char *path;

	*out = NULL;
	/* An alias first; a 404 means ref is a fingerprint (prefix), as lxc does. */
	if (rb_image_alias_get(b, ref, &a, &ae) == 0)
		path = rb_path("/1.0/images", a->target, NULL);
	else if (ae.code == 404)
		path = rb_path("/1.0/images", ref, NULL);
	else {
		*e = ae;
		return -1;
	}
	image_alias_free_contents(a);
	free(a);
	return rb_get_one(RB(b), path, &rb_images, out, e);
}

static int
rb_image_import(struct backend *b, const char *meta_path, const char *rootfs_path,
    const struct strmap *properties, bool public, char **op_id, struct err *e)
{
	struct remote_backend *rb = RB(b);
	struct client_req q = { 0 };
	struct client_resp r;
	struct strmap h = { 0 };
	struct stat st;
	struct op_info op;
	const char *base;
	int rc = -1;

	if (op_id != NULL)
		*op_id = NULL;
	if (rootfs_path != NULL)
		return err_set(e, 501, "Importing a split image to remote \"%s\" is not "
		    "supported yet", rb->c->name);
	if (stat(meta_path, &st) < 0)
		return err_set(e, 400, "Failed to import image \"%s\": %s", meta_path,
		    strerror(errno));
	base = strrchr(meta_path, '/');
	strmap_set(&h, "Content-Type", "application/octet-stream");
	strmap_set(&h, "X-LXD-filename", base ? base + 1 : meta_path);
	if (public)
		strmap_set(&h, "X-LXD-public", "true");
	if (properties != NULL && properties->n > 0) {
		struct buf pb = { 0 };
		size_t i;

		for (i = 0; i < properties->n; i++) {
			char *k = rb_escape(properties->keys[i]), *v = rb_escape(properties->vals[i]);

			buf_printf(&pb, "%s%s=%s", i ? "&" : "", k, v);
			free(k);
			free(v);
		}
		buf_putc(&pb, '\0');
		strmap_set(&h, "X-LXD-properties", pb.data);
		buf_free(&pb);
	}
	rb_events_ensure(rb);
	q.method = "POST";
	q.path = "/1.0/images";
	q.upload_path = meta_path;
	q.upload_len = st.st_size;
	q.headers = &h;
	q.timeout_ms = 600000;
	if (client_request_ex(rb->c, &q, &r, e) < 0)
		goto out;
	if (r.async && r.metadata != NULL && codec_op_decode(r.metadata, &op, e) == 0) {
		if (op.status < 200)
			strv_push(&rb->pending, op.id);
		if (op_id != NULL)
			*op_id = xstrdup(op.id);
		op_info_free_contents(&op);
		rc = 0;
	} else if (!err_is_set(e)) {
		rc = 0;
	}
	client_resp_free(&r);
out:
	strmap_free(&h);
	return rc;
}

static int
rb_image_update(struct backend *b, const char *fingerprint, const struct image *put,
    struct err *e)
{
	return rb_sync(RB(b), "PUT", rb_path("/1.0/images", fingerprint, NULL),
	    codec_image_put_encode(put), RB_IF_MATCH, e);
}

static int
rb_image_delete(struct backend *b, const char *fingerprint, char **op_id,
    struct err *e)
{
	return rb_async(RB(b), "DELETE", rb_path("/1.0/images", fingerprint, NULL), NULL,
	    0, op_id, NULL, e);
}

static int
rb_image_export(struct backend *b, const char *fingerprint,
    struct image_export_file out[2], size_t *n, struct err *e)
{
	struct remote_backend *rb = RB(b);
	struct client_req q = { 0 };
	struct client_resp r;
	char *path = rb_path("/1.0/images", fingerprint, "/export");
	const char *cd, *fn;
	char *name;
	size_t off;
	int fd, rc = -1;

	*n = 0;
	q.method = "GET";
	q.path = path;
	q.raw = true;
	q.timeout_ms = 600000;
	if (client_request_ex(rb->c, &q, &r, e) < 0) {
		free(path);
		return -1;
	}
	cd = client_resp_header(&r, "content-disposition");
	fn = cd ? strstr(cd, "filename=") : NULL;
	if (cd != NULL && strstr(cd, "multipart") != NULL) {
		err_set(e, 501, "Exporting a split image from remote \"%s\" is not "
		    "supported yet", rb->c->name);
		goto out;
	}
	name = fn ? xstrndup(fn + 9, strcspn(fn + 9, "; \"")) :
	    xasprintf("%s.tar.gz", fingerprint);
	if (strchr(name, '/') != NULL) {
		free(name);
		name = xasprintf("%s.tar.gz", fingerprint);
	}
	/* The download is in memory already: an anonymous file to stream
	 * it from. */
	fd = memfd_create("lxdeck-export", MFD_CLOEXEC);
	for (off = 0; fd >= 0 && off < r.body.len;) {
		ssize_t w = write(fd, r.body.data + off, r.body.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			fd = -1;
			break;
		}
		off += (size_t)w;
	}
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		err_set(e, 500, "Failed to keep the export of image \"%s\": %s",
		    fingerprint, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(name);
		goto out;
	}
	out[0].fd = fd;
	out[0].size = (int64_t)r.body.len;
	out[0].name = name;
	*n = 1;
	rc = 0;
out:
	client_resp_free(&r);
	free(path);
	return rc;
}

static int
rb_image_publish(struct backend *b, const char *source, const struct strmap *props,
    bool public, const char *compression, char **op_id, struct err *e)
{
	struct image_publish p = { strchr(source, '/') ? "snapshot" : "instance",
	    source, compression, public, { 0 } };
	json_object *o;

	if (props != NULL)
		strmap_copy(&p.properties, props);
	o = codec_image_publish_encode(&p);
	strmap_free(&p.properties);
	return rb_async(RB(b), "POST", xstrdup("/1.0/images"), o, 0, op_id, NULL, e);
}

static int
rb_image_alias_list(struct backend *b, struct image_alias **out, size_t *n,
    struct err *e)
{
	return rb_get_list(RB(b), xstrdup("/1.0/images/aliases?recursion=1"),
	    &rb_aliases, out, n, e);
}

static int
rb_image_alias_create(struct backend *b, const char *name, const char *target,
    const char *description, struct err *e)
{
	return rb_sync(RB(b), "POST", xstrdup("/1.0/images/aliases"),
	    codec_image_alias_post_encode(name, target, description), 0, e);
}

static int
rb_image_alias_delete(struct backend *b, const char *name, struct err *e)
{
	return rb_sync(RB(b), "DELETE", rb_path("/1.0/images/aliases", name, NULL), NULL,
	    0, e);
}

/* Exec and console */

static int
rb_session_start(struct remote_backend *rb, const char *path, json_object *body,
    bool interactive, struct exec_handle **out, struct err *e)
{
	struct op_info op;
	struct client_exec *x;
	struct rb_session *s;
	const struct op_info *done;

	*out = NULL;
	memset(&op, 0, sizeof op);
	if (rb_async(rb, "POST", xstrdup(path), body, 0, NULL, &op, e) < 0)
		return -1;
	if (op.id == NULL) {
		return err_set(e, 502, "Remote \"%s\": %s did not start a session",
		    rb->c->name, path);
	}
	x = client_exec_start(rb->c, rb->b.loop, &op, interactive, out, e);
	if (x == NULL) {
		/* Nobody will connect now: cancel, or the server keeps the
		 * session waiting (Incus keeps a console's for good). */
		struct err ign = { 0 };

		rb_sync(rb, "DELETE", rb_path("/1.0/operations", op.id, NULL), NULL, 0,
		    &ign);
		op_info_free_contents(&op);
		return -1;
	}
	s = xcalloc(1, sizeof *s);
	s->x = x;
	s->next = rb->sessions;
	rb->sessions = s;
	done = rb_done_find(rb, op.id);
	if (done != NULL)
		client_exec_finished(x, done->has_return ? done->ret : 0);
	op_info_free_contents(&op);
	return 0;
}

static int
rb_exec_start(struct backend *b, const char *inst, const struct exec_req *req,
    struct exec_handle **out, struct err *e)
{
	char *path = rb_path("/1.0/instances", inst, "/exec");
	int rc = rb_session_start(RB(b), path, codec_exec_encode(req), req->interactive,
	    out, e);

	if (rc < 0)
		err_prefix(e, "Failed to exec in instance \"%s\": ", inst);
	free(path);
	return rc;
}

static int
rb_console_attach(struct backend *b, const char *inst, int width, int height,
    struct exec_handle **out, struct err *e)
{
	json_object *o = json_object_new_object();
	char *path = rb_path("/1.0/instances", inst, "/console");
	int rc;

	json_object_object_add(o, "width", json_object_new_int(width));
	json_object_object_add(o, "height", json_object_new_int(height));
	json_object_object_add(o, "type", codec_string("console"));
	rc = rb_session_start(RB(b), path, o, true, out, e);
	if (rc < 0)
		err_prefix(e, "Failed to attach to the console of \"%s\": ", inst);
	else	/* LXD flushes what comes before its console is raw. */
		client_exec_hold_input((*out)->priv, RB_CONSOLE_SETTLE_MS);
	free(path);
	return rc;
}

static int
rb_exec_resize(struct backend *b, struct exec_handle *h, int width, int height,
    struct err *e)
{
	char *msg = xasprintf("{\"command\":\"window-resize\",\"args\":{\"height\":\"%d\","
	    "\"width\":\"%d\"},\"signal\":0}", height, width);
	int rc = client_exec_control(h->priv, msg, e);

	free(msg);
	return rc;
}

static int
rb_exec_signal(struct backend *b, struct exec_handle *h, int signo, struct err *e)
{
	char *msg = xasprintf("{\"command\":\"signal\",\"args\":null,\"signal\":%d}",
	    signo);
	int rc = client_exec_control(h->priv, msg, e);

	free(msg);
	return rc;
}

static void
rb_exec_close(struct backend *b, struct exec_handle *h)
{
	struct remote_backend *rb = RB(b);
	struct rb_session **pp;

	if (h == NULL)
		return;
	for (pp = &rb->sessions; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->x == h->priv) {
			struct rb_session *s = *pp;

			*pp = s->next;
			free(s);
			break;
		}
	}
	client_exec_free(h->priv);
}

/* GET .../console as it comes: the whole log (lxdeckd, any stopped
 * instance) or what was printed since the last read (LXD, Incus: a
 * running one; console-acc.c).  LXD 5.0.2 answers a drained, empty
 * buffer with 500 "open : no such file or directory": nothing new. */
static int
rb_console_get(struct remote_backend *rb, const char *inst, bool drained,
    struct client_resp *r, struct err *e)
{
	struct client_req q = { 0 };
	char *path = rb_path("/1.0/instances", inst, "/console");
	int rc;

	q.method = "GET";
	q.path = path;
	q.raw = true;
	rc = client_request_ex(rb->c, &q, r, e);
	free(path);
	if (rc < 0 && drained && e->code == 500 &&
	    strstr(e->msg, "no such file or directory") != NULL) {
		memset(r, 0, sizeof *r);
		rc = 0;
	}
	return rc;
}

static int
rb_console_log(struct backend *b, const char *inst, char **buf, size_t *len,
    struct err *e)
{
	struct remote_backend *rb = RB(b);
	struct instance_state *st = NULL;
	struct client_resp r;
	bool drained;

	*buf = NULL;
	*len = 0;
	if (rb->console_drains < 0) {
		struct server_info si;

		memset(&si, 0, sizeof si);
		if (client_server_get(rb->c, &si, NULL, NULL, 0, e) < 0)
			return -1;
		rb->console_drains = si.server == NULL || strcmp(si.server, "lxdeck") != 0;
		server_info_free_contents(&si);
	}
	if (rb->console_drains && rb_instance_state(b, inst, &st, e) < 0)
		return -1;
	drained = st != NULL && st->status == STATUS_RUNNING && st->pid > 0;
	if (rb_console_get(rb, inst, drained, &r, e) < 0) {
		instance_state_free(st);
		return -1;
	}
	if (drained) {
		*buf = console_acc_add(&rb->consoles, inst, st->pid,
		    r.body.data ? r.body.data : "", r.body.len, len);
	} else {
		if (st != NULL)
			console_acc_forget(&rb->consoles, inst);
		*len = r.body.len;
		*buf = r.body.data ? buf_steal(&r.body) : xstrdup("");
	}
	client_resp_free(&r);
	instance_state_free(st);
	return 0;
}

/* Files */

static int
rb_file_get(struct backend *b, const char *inst, const char *path,
    struct file_info *out, struct err *e)
{
	struct client_req q = { 0 };
	struct client_resp r;
	char *full = rb_file_path(inst, path);
	const char *v;

	memset(out, 0, sizeof *out);
	q.method = "GET";
	q.path = full;
	q.raw = true;
	if (client_request_ex(RB(b)->c, &q, &r, e) < 0) {
		free(full);
		return -1;
	}
	v = client_resp_header(&r, "x-lxd-type");
	out->type = v && strcmp(v, "directory") == 0 ? FILE_DIRECTORY :
	    v && strcmp(v, "symlink") == 0 ? FILE_SYMLINK : FILE_REGULAR;
	if ((v = client_resp_header(&r, "x-lxd-uid")) != NULL)
		out->uid = (uid_t)strtoul(v, NULL, 10);
	if ((v = client_resp_header(&r, "x-lxd-gid")) != NULL)
		out->gid = (gid_t)strtoul(v, NULL, 10);
	if ((v = client_resp_header(&r, "x-lxd-mode")) != NULL)
		out->mode = (mode_t)strtoul(v, NULL, 8);
	if (out->type == FILE_DIRECTORY) {
		struct err je = { 0 };

		if (r.root != NULL)
			codec_get_strv(r.root, "metadata", &out->entries, NULL, &je);
	} else {
		out->len = r.body.len;
		out->content = buf_steal(&r.body);
	}
	client_resp_free(&r);
	free(full);
	return 0;
}

static int
rb_file_put(struct backend *b, const char *inst, const char *path,
    const struct file_info *info, bool append, struct err *e)
{
	struct client_req q = { 0 };
	struct client_resp r;
	struct strmap h = { 0 };
	char *full = rb_file_path(inst, path);
	char num[32];
	int rc;

	snprintf(num, sizeof num, "%u", (unsigned)info->uid);
	strmap_set(&h, "X-LXD-uid", num);
	snprintf(num, sizeof num, "%u", (unsigned)info->gid);
	strmap_set(&h, "X-LXD-gid", num);
	snprintf(num, sizeof num, "%04o", (unsigned)(info->mode & 07777));
	strmap_set(&h, "X-LXD-mode", num);
	strmap_set(&h, "X-LXD-type", info->type == FILE_DIRECTORY ? "directory" :
	    info->type == FILE_SYMLINK ? "symlink" : "file");
	strmap_set(&h, "X-LXD-write", append ? "append" : "overwrite");
	strmap_set(&h, "Content-Type", "application/octet-stream");
	q.method = "POST";
	q.path = full;
	q.data = info->content ? info->content : "";
	q.data_len = info->content ? info->len : 0;
	q.headers = &h;
	rc = client_request_ex(RB(b)->c, &q, &r, e);
	client_resp_free(&r);
	strmap_free(&h);
	free(full);
	return rc;
}

static int
rb_file_delete(struct backend *b, const char *inst, const char *path, struct err *e)
{
	return rb_sync(RB(b), "DELETE", rb_file_path(inst, path), NULL, 0, e);
}

/* Operations */

static int
rb_op_list(struct backend *b, struct op_info **out, size_t *n, struct err *e)
{
	struct client_resp r;
	struct op_info *v = NULL;
	size_t len = 0;

	*out = NULL;
	*n = 0;
	if (rb_get(RB(b), "/1.0/operations?recursion=1", &r, e) < 0)
		return -1;
	if (json_object_is_type(r.metadata, json_type_object)) {
		json_object_object_foreach(r.metadata, k, list) {
			size_t i, m;

			(void)k;
			if (!json_object_is_type(list, json_type_array))
				continue;
			m = json_object_array_length(list);
			for (i = 0; i < m; i++) {
				v = xreallocarray(v, len + 1, sizeof *v);
				if (codec_op_decode(json_object_array_get_idx(list, i), &v[len],
				    e) < 0) {
					op_info_array_free(v, len);
					client_resp_free(&r);
					return -1;
				}
				len++;
			}
		}
	}
	client_resp_free(&r);
	*out = v;
	*n = len;
	return 0;
}

static int
rb_op_get(struct backend *b, const char *id, struct op_info *out, struct err *e)
{
	struct client_resp r;
	char *path = rb_path("/1.0/operations", id, NULL);
	int rc;

	memset(out, 0, sizeof *out);
	rc = rb_get(RB(b), path, &r, e);
	free(path);
	if (rc < 0) {
		const struct op_info *done = rb_done_find(RB(b), id);

		if (done != NULL && e->code == 404) {
			err_clear(e);
			op_info_copy(out, done);
			return 0;
		}
		return -1;
	}
	rc = codec_op_decode(r.metadata, out, e);
	client_resp_free(&r);
	return rc;
}

static int
rb_op_cancel(struct backend *b, const char *id, struct err *e)
{
	return rb_sync(RB(b), "DELETE", rb_path("/1.0/operations", id, NULL), NULL, 0,
	    e);
}

static int
rb_op_result(const struct op_info *op, struct op_info *out, struct err *e)
{
	if (out != NULL)
		op_info_copy(out, op);
	if (op->status == STATUS_SUCCESS)
		return 0;
	if (op->status < 200)
		return err_set(e, 408, "Timed out waiting for operation \"%s\"", op->id);
	return err_set(e, op->status == STATUS_CANCELLED ? 400 : 400, "%s",
	    op->err && *op->err ? op->err : "Operation failed");
}

static void
rb_wake(uv_timer_t *t)
{
	(void)t;
}

/* Frees op; when it is final, remembers it, *rc gets its result and the
 * answer is true. */
static bool
rb_op_settled(struct remote_backend *rb, struct op_info *op, struct op_info *out,
    int *rc, struct err *e)
{
	bool final = op->status >= 200;

	if (final) {
		rb_op_final(rb, op);
		*rc = rb_op_result(op, out, e);
	}
	op_info_free_contents(op);
	return final;
}

/* Runs the loop until the events stream brings id's final event, the
 * stream goes or deadline passes. */
static void
rb_op_wait_events(struct remote_backend *rb, const char *id, int64_t deadline)
{
	uv_timer_t *t = xcalloc(1, sizeof *t);

	uv_timer_init(rb->b.loop, t);
	while (rb->ev != NULL && client_ws_is_open(rb->ev) &&
	    rb_done_find(rb, id) == NULL && time_now_ns() < deadline) {
		uv_timer_start(t, rb_wake, 100, 0);
		uv_run(rb->b.loop, UV_RUN_ONCE);
	}
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, rb_timer_closed);
}

/* One GET .../wait of at most 10 s (forever: timeout_ms < 0) into *op. */
static int
rb_op_wait_slice(struct remote_backend *rb, const char *id, int64_t deadline,
    int timeout_ms, struct op_info *op, struct err *e)
{
	struct client_req q = { 0 };
	struct client_resp r;
	int64_t left = (deadline - time_now_ns()) / 1000000000;
	char *path, *eid = rb_escape(id);
	int rc;

	if (left > 10 || timeout_ms < 0)
		left = 10;
	if (left < 1)
		left = 1;
	path = xasprintf("/1.0/operations/%s/wait?timeout=%lld", eid, (long long)left);
	free(eid);
	q.method = "GET";
	q.path = path;
	q.timeout_ms = (int)(left + 15) * 1000;
	rc = client_request_ex(rb->c, &q, &r, e);
	free(path);
	if (rc < 0)
		return -1;
	rc = codec_op_decode(r.metadata, op, e);
	client_resp_free(&r);
	return rc;
}

/* What was seen final, else one GET, then the events stream, then /wait
 * in slices when there is no stream (or it dropped). */
static int
rb_op_wait(struct backend *b, const char *id, int timeout_ms, struct op_info *out,
    struct err *e)
{
	struct remote_backend *rb = RB(b);
	const struct op_info *done;
	struct op_info op;
	int64_t deadline = timeout_ms < 0 ? INT64_MAX :
	    time_now_ns() + (int64_t)timeout_ms * 1000000;
	int rc;

	if ((done = rb_done_find(rb, id)) != NULL)
		return rb_op_result(done, out, e);
	rb_events_ensure(rb);
	if (rb_op_get(b, id, &op, e) < 0)
		return -1;
	if (rb_op_settled(rb, &op, out, &rc, e))
		return rc;
	rb_op_wait_events(rb, id, deadline);
	if ((done = rb_done_find(rb, id)) != NULL)
		return rb_op_result(done, out, e);
	while (time_now_ns() < deadline) {
		if (rb_op_wait_slice(rb, id, deadline, timeout_ms, &op, e) < 0)
			return -1;
		if (rb_op_settled(rb, &op, out, &rc, e))
			return rc;
	}
	return err_set(e, 408, "Timed out waiting for operation \"%s\"", id);
}

static int
rb_subscribe(struct backend *b, event_cb cb, void *arg)
{
	struct remote_backend *rb = RB(b);

	rb->subs = xreallocarray(rb->subs, rb->nsubs + 1, sizeof *rb->subs);
	rb->subs[rb->nsubs].id = ++rb->next_sub;
	rb->subs[rb->nsubs].cb = cb;
	rb->subs[rb->nsubs].arg = arg;
	rb->nsubs++;
	return rb->next_sub;
}

static void
rb_unsubscribe(struct backend *b, int id)
{
	struct remote_backend *rb = RB(b);
	size_t i;

	for (i = 0; i < rb->nsubs; i++) {
		if (rb->subs[i].id == id) {
			memmove(&rb->subs[i], &rb->subs[i + 1],
			    (rb->nsubs - i - 1) * sizeof *rb->subs);
			rb->nsubs--;
			return;
		}
	}
}

static const struct backend_ops backend_remote_ops = {
	.name = "remote",
	.free = rb_free,
	.server_info = rb_server_info,
	.server_update = rb_server_update,
	.instance_list = rb_instance_list,
	.instance_get = rb_instance_get,
	.instance_state = rb_instance_state,
	.instance_create = rb_instance_create,
	.instance_update = rb_instance_update,
	.instance_action = rb_instance_action,
	.instance_delete = rb_instance_delete,
	.instance_rename = rb_instance_rename,
	.snapshot_list = rb_snapshot_list,
	.snapshot_get = rb_snapshot_get,
	.snapshot_create = rb_snapshot_create,
	.snapshot_rename = rb_snapshot_rename,
	.snapshot_delete = rb_snapshot_delete,
	.snapshot_restore = rb_snapshot_restore,
	.snapshot_update = rb_snapshot_update,
	.profile_list = rb_profile_list,
	.profile_get = rb_profile_get,
	.profile_create = rb_profile_create,
	.profile_update = rb_profile_update,
	.profile_rename = rb_profile_rename,
	.profile_delete = rb_profile_delete,
	.image_list = rb_image_list,
	.image_get = rb_image_get,
	.image_import = rb_image_import,
	.image_update = rb_image_update,
	.image_delete = rb_image_delete,
	.image_export = rb_image_export,
	.image_publish = rb_image_publish,
	.image_alias_list = rb_image_alias_list,
	.image_alias_get = rb_image_alias_get,
	.image_alias_create = rb_image_alias_create,
	.image_alias_delete = rb_image_alias_delete,
	.exec_start = rb_exec_start,
	.console_attach = rb_console_attach,
	.exec_resize = rb_exec_resize,
	.exec_signal = rb_exec_signal,
	.exec_close = rb_exec_close,
	.console_log = rb_console_log,
	.file_get = rb_file_get,
	.file_put = rb_file_put,
	.file_delete = rb_file_delete,
	.op_list = rb_op_list,
	.op_get = rb_op_get,
	.op_cancel = rb_op_cancel,
	.op_wait = rb_op_wait,
	.subscribe = rb_subscribe,
	.unsubscribe = rb_unsubscribe,
	.snapshot_diff_files = rb_snapshot_diff_files,
};

struct backend *
backend_remote_create(struct uv_loop_s *loop, const struct remote_conf *rc,
    struct err *e)
{
	struct remote_backend *rb;
	struct client *c = client_create(rc, e);

	if (c == NULL)
		return NULL;
	rb = xcalloc(1, sizeof *rb);
	rb->b.ops = &backend_remote_ops;
	rb->b.name = xstrdup(rc->name);
	rb->b.loop = loop;
	rb->b.read_only = rc->read_only;
	rb->c = c;
	rb->ev_wanted = true;
	rb->console_drains = -1;
	rb->ev_timer = xcalloc(1, sizeof *rb->ev_timer);
	uv_timer_init(loop, rb->ev_timer);
	rb->ev_timer->data = rb;
	/* The events stream connects in the background from the first turn
	 * of the loop. */
	rb_events_schedule(rb, 0);
	return &rb->b;
}

bool
backend_remote_reachable(struct backend *b, char *why, size_t len)
{
	struct remote_backend *rb = RB(b);

	if (!client_is_down(rb->c))
		return true;
	if (why != NULL)
		client_down_text(rb->c, why, len);
	return false;
}
