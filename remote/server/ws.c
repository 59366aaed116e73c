/*
 * ws.c - websockets: libwebsockets running on our libuv loop.
 *
 * server.c reads and answers plain HTTP itself (libwebsockets 4.1 cannot
 * read chunked request bodies, which `lxc file push` sends); when a request
 * asks for a websocket upgrade, the server hands the socket and the head it
 * has read to libwebsockets (lws_adopt_socket_readbuf), which answers the
 * handshake and then does RFC 6455 framing, fragmentation and close frames.
 * An adopted socket is matched to what the server decided about it through
 * its fd (struct ws_pending), and becomes a struct ws.
 *
 * A struct ws is owned here: it lives from the upgrade until the
 * connection closes, when ops->on_close runs and the ws is freed; users
 * drop their pointer in on_close.  Sending never blocks: frames are queued
 * (copied) and written one per writable callback; users watch `queued` for
 * flow control (on_drain says the queue went low again).
 *
 * Each websocket remembers the client certificate it came with, so that
 * removing that certificate from the trust store ends its sessions at once
 * (ws_close_peer), not when the client next connects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <uv.h>

#include "server.h"

#define WS_LOW_WATER	(256 * 1024)

struct ws_msg {
	struct ws_msg	*next;
	bool		 binary;
	size_t		 len;
	unsigned char	 data[];	/* LWS_PRE bytes, then the payload */
};

struct ws_pending {
	int			 fd;
	struct lws		*wsi;
	ws_bind_cb		 bind;
	void			*arg;
	char			 peer_fp[65];
	bool			 revoked;	/* its certificate was removed */
	struct ws_pending	*next;
};

struct ws_ctx {
	struct lws_context	*ctx;		/* NULL once lws is done with it */
	struct ws_pending	*pending;
	struct ws		*open;
	struct ws_ctx		*next_dying;
};

/*
 * On a foreign (libuv) loop lws_context_destroy() only starts: the last
 * connections close, and call ws_callback, from later turns of the loop,
 * and lws looks the ws_ctx up through the context meanwhile.  So a
 * destroyed ws_ctx is kept (pending list emptied) until lws writes NULL to
 * its ctx (pcontext), and freed by a later ws_ctx_create/ws_ctx_free.
 * lws 4.1 only gets there on a second lws_context_destroy() once the loop
 * has run those closes (without it each context stayed, some 330 KB, found
 * by fuzz-server's growth): ws_ctx_finish() makes that call.
 */
static struct ws_ctx *ws_dying;

static void
ws_ctx_reap(void)
{
	struct ws_ctx **pp = &ws_dying, *c;

	while ((c = *pp) != NULL) {
		if (c->ctx == NULL) {
			*pp = c->next_dying;
			free(c);
		} else
			pp = &c->next_dying;
	}
}

static void
ws_free(struct ws *ws)
{
	struct ws_msg *m, *next;

	for (m = ws->head; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	free(ws);
}

static void
ws_closed(struct ws *ws)
{
	if (ws->closed)
		return;
	ws->closed = true;
	if (ws->ctx != NULL) {
		if (ws->prev != NULL)
			ws->prev->next = ws->next;
		else
			ws->ctx->open = ws->next;
		if (ws->next != NULL)
			ws->next->prev = ws->prev;
		ws->ctx = NULL;
	}
	if (ws->ops != NULL && ws->ops->on_close != NULL)
		ws->ops->on_close(ws);
	ws_free(ws);
}

/* The handshake on wsi never completed: its bind learns it (ws NULL) and
 * frees what it was given. */
static void
ws_pending_drop(struct ws_ctx *c, struct lws *wsi)
{
	struct ws_pending **pp, *p;

	if (c == NULL)
		return;
	for (pp = &c->pending; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->wsi == wsi) {
			p = *pp;
			*pp = p->next;
			log_debug("A websocket handshake never completed (fd %d)",
			    p->fd);
			p->bind(NULL, p->arg);
			free(p);
			return;
		}
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct ws **slot = user;
	struct ws *ws = slot ? *slot : NULL;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED: {
		struct ws_ctx *c = lws_context_user(lws_get_context(wsi));
		struct ws_pending **pp, *p = NULL;
		int fd = (int)lws_get_socket_fd(wsi);

		if (c == NULL || slot == NULL)
			return -1;
		for (pp = &c->pending; *pp != NULL; pp = &(*pp)->next) {
			if ((*pp)->fd == fd) {
				p = *pp;
				*pp = p->next;
				break;
			}
		}
		if (p == NULL)
			return -1;
		if (p->revoked) {
			p->bind(NULL, p->arg);
			free(p);
			return -1;
		}
		ws = xcalloc(1, sizeof *ws);
		ws->wsi = wsi;
		memcpy(ws->peer_fp, p->peer_fp, sizeof ws->peer_fp);
		ws->ctx = c;
		ws->next = c->open;
		if (c->open != NULL)
			c->open->prev = ws;
		c->open = ws;
		*slot = ws;
		p->bind(ws, p->arg);
		free(p);
		if (ws->ops == NULL)
			return -1;
		if (ws->head != NULL || ws->closing)
			lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_RECEIVE:
		if (ws == NULL || ws->closed)
			return -1;
		if (ws->ops->on_message != NULL)
			ws->ops->on_message(ws, in, len, lws_frame_is_binary(wsi) != 0,
			    lws_is_final_fragment(wsi) != 0);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		struct ws_msg *m;
		bool was_high;

		if (ws == NULL)
			return -1;
		m = ws->head;
		if (m == NULL) {
			if (ws->closing) {
				lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
				return -1;
			}
			return 0;
		}
		if (lws_write(wsi, m->data + LWS_PRE, m->len,
		    m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)m->len)
			return -1;
		was_high = ws->queued >= WS_LOW_WATER;
		ws->head = m->next;
		if (ws->head == NULL)
			ws->tail = NULL;
		ws->queued -= m->len;
		free(m);
		if (ws->head != NULL || ws->closing)
			lws_callback_on_writable(wsi);
		if (was_high && ws->queued < WS_LOW_WATER && ws->ops->on_drain != NULL)
			ws->ops->on_drain(ws);
		return 0;
	}
	case LWS_CALLBACK_CLOSED:
		if (ws != NULL) {
			*slot = NULL;
			ws_closed(ws);
		}
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (ws != NULL) {
			*slot = NULL;
			ws_closed(ws);
		} else
			ws_pending_drop(lws_context_user(lws_get_context(wsi)), wsi);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static struct lws_protocols ws_protocols[] = {
	{ "lxd", ws_callback, sizeof(struct ws *), 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void
ws_log(int level, const char *line)
{
	log_debug("lws: %.*s", (int)strcspn(line, "\n"), line);
}

struct ws_ctx *
ws_ctx_create(struct uv_loop_s *loop, struct err *e)
{
	struct lws_context_creation_info info;
	struct ws_ctx *c = xcalloc(1, sizeof *c);
	void *loops[1] = { loop };

	lws_set_log_level(LLL_ERR | LLL_WARN, ws_log);
	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_LIBUV |
	    LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = ws_protocols;
	info.foreign_loops = loops;
	info.timeout_secs = 30;
	info.user = c;
	info.pcontext = &c->ctx;
	ws_ctx_reap();
	c->ctx = lws_create_context(&info);
	if (c->ctx == NULL) {
		free(c);
		err_set(e, 500, "Failed to start libwebsockets on the libuv loop");
		return NULL;
	}
	return c;
}

void
ws_ctx_free(struct ws_ctx *c)
{
	struct ws_pending *p, *next;

	if (c == NULL)
		return;
	/* The websockets still open outlive their list. */
	while (c->open != NULL) {
		struct ws *ws = c->open;

		c->open = ws->next;
		ws->ctx = NULL;
		ws->next = ws->prev = NULL;
	}
	lws_context_destroy(c->ctx);
	for (p = c->pending; p != NULL; p = next) {
		next = p->next;
		p->bind(NULL, p->arg);
		free(p);
	}
	c->pending = NULL;
	c->next_dying = ws_dying;
	ws_dying = c;
	ws_ctx_reap();
}

void
ws_ctx_finish(void)
{
	struct ws_ctx *c;

	for (c = ws_dying; c != NULL; c = c->next_dying)
		if (c->ctx != NULL)
			lws_context_destroy(c->ctx);
	ws_ctx_reap();
}

int
ws_adopt(struct ws_ctx *c, int fd, const char *buf, size_t len, const char *peer_fp,
    ws_bind_cb bind, void *arg)
{
	struct ws_pending *p = xcalloc(1, sizeof *p), **pp, *q;
	struct lws *wsi;

	snprintf(p->peer_fp, sizeof p->peer_fp, "%s", peer_fp ? peer_fp : "");
	p->fd = fd;
	p->bind = bind;
	p->arg = arg;
	p->next = c->pending;
	c->pending = p;
	if ((wsi = lws_adopt_socket_readbuf(c->ctx, fd, buf, len)) == NULL) {
		/* lws closed fd; forget the pending entry if still there */
		for (pp = &c->pending; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == p) {
				*pp = p->next;
				bind(NULL, arg);
				free(p);
				break;
			}
		}
		return -1;
	}
	/* Still pending unless the handshake already completed inside. */
	for (q = c->pending; q != NULL; q = q->next)
		if (q == p)
			p->wsi = wsi;
	return 0;
}

int
ws_send(struct ws *ws, const void *data, size_t len, bool binary)
{
	struct ws_msg *m;

	if (ws == NULL || ws->closing || ws->closed)
		return -1;
	m = xmalloc(sizeof *m + LWS_PRE + len);
	m->next = NULL;
	m->binary = binary;
	m->len = len;
	if (len > 0)
		memcpy(m->data + LWS_PRE, data, len);
	if (ws->tail != NULL)
		ws->tail->next = m;
	else
		ws->head = m;
	ws->tail = m;
	ws->queued += len;
	lws_callback_on_writable(ws->wsi);
	return 0;
}

void
ws_close_peer(struct ws_ctx *c, const char *fp)
{
	struct ws_pending *p;
	struct ws *ws;
	struct ws_msg *m, *next;

	if (c == NULL || fp == NULL || *fp == '\0')
		return;
	for (p = c->pending; p != NULL; p = p->next)
		if (strcmp(p->peer_fp, fp) == 0)
			p->revoked = true;
	for (ws = c->open; ws != NULL; ws = ws->next) {
		if (strcmp(ws->peer_fp, fp) != 0 || ws->closed)
			continue;
		log_info("Closing a websocket of certificate %.12s: no longer trusted", fp);
		for (m = ws->head; m != NULL; m = next) {
			next = m->next;
			free(m);
		}
		ws->head = ws->tail = NULL;
		ws->queued = 0;
		ws->closing = true;
		lws_callback_on_writable(ws->wsi);
	}
}

void
ws_close(struct ws *ws)
{
	if (ws == NULL || ws->closing || ws->closed)
		return;
	ws->closing = true;
	lws_callback_on_writable(ws->wsi);
}

void
ws_pause_rx(struct ws *ws, bool pause)
{
	if (ws == NULL || ws->closed)
		return;
	lws_rx_flow_control(ws->wsi, pause ? 0 : 1);
}
