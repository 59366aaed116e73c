/*
 * client-ws.c - a small RFC 6455 websocket client over libcurl's
 * connection (CURLOPT_CONNECT_ONLY), so websockets go over exactly the
 * transport of the remote's requests: its unix socket, or TLS with our
 * client certificate and the pinned server certificate (client.c).
 *
 * A struct client_ws connects without blocking (a curl multi handle is
 * stepped until connected), sends the upgrade request, checks the 101, and
 * then frames: messages we send are masked as the RFC requires; messages we
 * get are reassembled from fragments (Go's websocket library splits large
 * ones) and handed to the caller whole.  Pings are answered.  Sending
 * never blocks: what the socket does not take waits in `out`, and the
 * caller polls for writability while client_ws_pending() says so.  The
 * caller owns the struct and watches client_ws_fd() with its own loop.
 *
 * The handshake reads what the socket has, and the server may have sent
 * its first frames right behind the 101 (lxdeckd does, with a shell's
 * prompt already waiting in the pty): those frames are then in memory and
 * the socket has nothing more to say, so a poll on it would wait forever.
 * client_ws_ready() tells the caller to read them without waiting for the
 * fd; once client_ws_read() has run, only an incomplete frame stays, whose
 * rest the socket does announce.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "client-internal.h"

#define WS_MAX_MESSAGE	(32 * 1024 * 1024)

enum client_ws_state { CWS_CONNECTING, CWS_HANDSHAKE, CWS_OPEN, CWS_CLOSED };

struct client_ws {
	struct client		*c;
	CURL			*h;
	CURLM			*m;
	curl_socket_t		 fd;
	enum client_ws_state	 state;
	char			*path;
	struct buf		 out;
	size_t			 out_off;
	struct buf		 in;
	struct buf		 msg;		/* message being reassembled */
	int			 msg_op;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct client_ws *
client_ws_start(struct client *c, const char *path, struct err *e)
{
	struct client_ws *w;

	if (client_check_reachable(c, e) < 0)
		return NULL;
	w = xcalloc(1, sizeof *w);
	w->c = c;
	w->fd = CURL_SOCKET_BAD;
	w->path = xstrdup(path);
	w->h = client_curl(c, "/", true);
	curl_easy_setopt(w->h, CURLOPT_CONNECT_ONLY, 1L);
	/* The upgrade is HTTP/1.1: offer nothing else in TLS's ALPN.  Incus
	 * picks h2 when offered, and then takes our raw HTTP/1.1 upgrade for
	 * a request that is "not using the websocket protocol". */
	curl_easy_setopt(w->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	/* Keep the connection after "connecting" is done. */
	curl_easy_setopt(w->h, CURLOPT_FORBID_REUSE, 0L);
	curl_easy_setopt(w->h, CURLOPT_ERRORBUFFER, w->errbuf);
	w->m = curl_multi_init();
	curl_multi_add_handle(w->m, w->h);
	w->state = CWS_CONNECTING;
	return w;
}

int
client_ws_fd(const struct client_ws *w)
{
	return w->fd == CURL_SOCKET_BAD ? -1 : (int)w->fd;
}

bool
client_ws_is_open(const struct client_ws *w)
{
	return w->state == CWS_OPEN;
}

bool
client_ws_pending(const struct client_ws *w)
{
	return w->out_off < w->out.len;
}

/* Writes what is queued; 0 when all is out (or some stays), -1 on error. */
static int
client_ws_flush(struct client_ws *w)
{
	while (w->out_off < w->out.len) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(w->h, w->out.data + w->out_off,
		    w->out.len - w->out_off, &sent);

		if (rc == CURLE_AGAIN)
			return 0;
		if (rc != CURLE_OK)
			return -1;
		w->out_off += sent;
	}
	buf_free(&w->out);
	w->out_off = 0;
	return 0;
}

static void
client_ws_handshake_queue(struct client_ws *w)
{
	unsigned char raw[16];
	char key[32];
	const char *host = w->c->socket_path ? "unix.socket" : w->c->base + 8;

	RAND_bytes(raw, sizeof raw);
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw);
	buf_printf(&w->out, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: lxdeck 0.1\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", w->path, host, key);
}

/* Reads what the socket has into w->in; -1 on EOF or error. */
static int
client_ws_fill(struct client_ws *w)
{
	char tmp[64 * 1024];

	for (;;) {
		size_t n = 0;
		CURLcode rc = curl_easy_recv(w->h, tmp, sizeof tmp, &n);

		if (rc == CURLE_AGAIN)
			return 0;
		if (rc != CURLE_OK || n == 0) {
			log_debug("websocket %s: recv: %s", w->path, rc ?
			    curl_easy_strerror(rc) : "EOF");
			return -1;
		}
		buf_append(&w->in, tmp, n);
		if (w->in.len > WS_MAX_MESSAGE + 64 * 1024)
			return 0;	/* let the caller parse first */
	}
}

/* Advances connecting/handshaking: 1 open, 0 not yet, -1 failed (e set). */
int
client_ws_step(struct client_ws *w, struct err *e)
{
	char buf[200];

	if (w->state == CWS_CONNECTING) {
		int running = 0, left;
		CURLMsg *msg;

		curl_multi_perform(w->m, &running);
		while ((msg = curl_multi_info_read(w->m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			if (msg->data.result != CURLE_OK) {
				CURLcode rc = msg->data.result;

				w->state = CWS_CLOSED;
				if (w->c->pin_mismatch)
					return client_pin_error(w->c, e);
				client_mark_down(w->c, w->errbuf[0] ? w->errbuf :
				    curl_easy_strerror(rc));
				return err_set(e, 503, "Remote \"%s\" is %s", w->c->name,
				    client_down_text(w->c, buf, sizeof buf));
			}
			curl_easy_getinfo(w->h, CURLINFO_ACTIVESOCKET, &w->fd);
			w->state = CWS_HANDSHAKE;
			client_ws_handshake_queue(w);
		}
		if (w->state == CWS_CONNECTING)
			return 0;
	}
	if (w->state == CWS_HANDSHAKE) {
		char *end;
		int fill;

		if (client_ws_flush(w) < 0)
			goto broken;
		fill = client_ws_fill(w);
		buf_putc(&w->in, '\0');
		w->in.len--;
		end = strstr(w->in.data ? w->in.data : "", "\r\n\r\n");
		if (end == NULL) {
			if (fill < 0 || w->in.len > 64 * 1024)
				goto broken;
			return 0;
		}
		if (strncmp(w->in.data, "HTTP/1.1 101", 12) != 0) {
			/* Maybe an LXD error envelope follows the head. */
			const char *msg = strstr(end, "\"error\":\"");
			int code = atoi(w->in.data + 9);

			w->state = CWS_CLOSED;
			if (msg != NULL) {
				msg += 9;
				return err_set(e, code >= 400 ? code : 502, "Remote \"%s\": "
				    "websocket %s refused: %.*s", w->c->name, w->path,
				    (int)strcspn(msg, "\""), msg);
			}
			return err_set(e, code >= 400 ? code : 502, "Remote \"%s\": "
			    "websocket %s refused (HTTP %d)", w->c->name, w->path, code);
		}
		{
			size_t used = (size_t)(end + 4 - w->in.data);

			memmove(w->in.data, w->in.data + used, w->in.len - used);
			w->in.len -= used;
		}
		w->state = CWS_OPEN;
		client_mark_up(w->c);
		return 1;
	}
	return w->state == CWS_OPEN ? 1 : -1;
broken:
	w->state = CWS_CLOSED;
	return err_set(e, 502, "Remote \"%s\": websocket %s: the connection broke "
	    "during the handshake", w->c->name, w->path);
}

/* Blocking open with a deadline (used by methods that need the socket
 * now: exec, console; never by a loop callback that could wait long). */
struct client_ws *
client_ws_open(struct client *c, const char *path, struct err *e)
{
	struct client_ws *w = client_ws_start(c, path, e);
	int64_t deadline;
	int rc;

	if (w == NULL)
		return NULL;
	deadline = time_now_ns() + (int64_t)(c->connect_timeout_ms + 5000) * 1000000;
	while ((rc = client_ws_step(w, e)) == 0) {
		if (time_now_ns() > deadline) {
			err_set(e, 504, "Remote \"%s\": websocket %s timed out", c->name,
			    path);
			rc = -1;
			break;
		}
		if (w->state == CWS_CONNECTING) {
			int n;

			curl_multi_poll(w->m, NULL, 0, 50, &n);
		} else {
			struct pollfd p = { .fd = w->fd, .events = POLLIN };

			if (client_ws_pending(w))
				p.events |= POLLOUT;
			poll(&p, 1, 50);
		}
	}
	if (rc < 0) {
		client_ws_free(w);
		return NULL;
	}
	return w;
}

static void
client_ws_frame(struct client_ws *w, int opcode, const void *data, size_t len)
{
	unsigned char hdr[14], mask[4];
	size_t hl = 0, i, start;

	hdr[hl++] = (unsigned char)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		hdr[hl++] = (unsigned char)(0x80 | len);
	} else if (len <= 0xffff) {
		hdr[hl++] = 0x80 | 126;
		hdr[hl++] = (unsigned char)(len >> 8);
		hdr[hl++] = (unsigned char)len;
	} else {
		hdr[hl++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			hdr[hl++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	}
	RAND_bytes(mask, sizeof mask);
	memcpy(hdr + hl, mask, 4);
	hl += 4;
	buf_append(&w->out, hdr, hl);
	start = w->out.len;
	buf_append(&w->out, data, len);
	for (i = 0; i < len; i++)
		w->out.data[start + i] ^= (char)mask[i & 3];
}

int
client_ws_send(struct client_ws *w, int opcode, const void *data, size_t len)
{
	if (w->state != CWS_OPEN)
		return -1;
	client_ws_frame(w, opcode, data, len);
	if (client_ws_flush(w) < 0) {
		w->state = CWS_CLOSED;
		return -1;
	}
	return 0;
}

/* Writes queued bytes when the socket is writable; -1 if broken. */
int
client_ws_write_ready(struct client_ws *w)
{
	if (client_ws_flush(w) < 0) {
		w->state = CWS_CLOSED;
		return -1;
	}
	return 0;
}

/* The size of the frame at the start of p (head and payload), or 0 when
 * fewer than that have arrived; *too_big for one no message may have. */
static size_t
client_ws_frame_len(const unsigned char *p, size_t avail, bool *too_big)
{
	uint64_t len;
	size_t hl = 2, i;

	*too_big = false;
	if (avail < 2)
		return 0;
	len = p[1] & 0x7f;
	if (len == 126) {
		if (avail < 4)
			return 0;
		len = ((uint64_t)p[2] << 8) | p[3];
		hl = 4;
	} else if (len == 127) {
		if (avail < 10)
			return 0;
		len = 0;
		for (i = 0; i < 8; i++)
			len = (len << 8) | p[2 + i];
		hl = 10;
	}
	if (len > WS_MAX_MESSAGE) {
		*too_big = true;
		return 0;
	}
	if (p[1] & 0x80)
		hl += 4;
	return avail >= hl + len ? hl + (size_t)len : 0;
}

/* A whole frame (or a frame no message may have, which the next read
 * reports) waits in memory: read without waiting for the fd. */
bool
client_ws_ready(const struct client_ws *w)
{
	bool too_big;

	if (w->state != CWS_OPEN || w->in.len == 0)
		return false;
	return client_ws_frame_len((const unsigned char *)w->in.data, w->in.len,
	    &too_big) > 0 || too_big;
}

/* Parses complete frames out of w->in; -1 when a close frame came. */
static int
client_ws_parse(struct client_ws *w, client_ws_msg_cb cb, void *arg)
{
	size_t off = 0;
	int ret = 0;

	while (w->in.len - off >= 2) {
		const unsigned char *p = (const unsigned char *)w->in.data + off;
		size_t total, hl, len, i;
		bool fin = p[0] & 0x80, masked = p[1] & 0x80, too_big;
		int op = p[0] & 0x0f;
		char *payload;

		total = client_ws_frame_len(p, w->in.len - off, &too_big);
		if (too_big) {
			ret = -1;
			break;
		}
		if (total == 0)
			break;
		hl = (p[1] & 0x7f) == 127 ? 10 : (p[1] & 0x7f) == 126 ? 4 : 2;
		if (masked)
			hl += 4;
		len = total - hl;
		payload = (char *)p + hl;
		if (masked)
			for (i = 0; i < len; i++)
				payload[i] ^= (char)p[hl - 4 + (i & 3)];
		off += total;
		if (op == 0x9) {		/* ping */
			client_ws_frame(w, 0xA, payload, (size_t)len);
			continue;
		}
		if (op == 0xA)
			continue;
		if (op == 0x8) {
			ret = -1;
			break;
		}
		if (op != 0)
			w->msg_op = op;
		buf_append(&w->msg, payload, (size_t)len);
		if (w->msg.len > WS_MAX_MESSAGE) {
			ret = -1;
			break;
		}
		if (fin) {
			char *d = w->msg.data;
			size_t n = w->msg.len;

			w->msg.data = NULL;
			w->msg.len = w->msg.cap = 0;
			cb(arg, w->msg_op, d ? d : "", n);
			free(d);
			if (w->state == CWS_CLOSED) {
				ret = -1;
				break;
			}
		}
	}
	if (off > 0) {
		memmove(w->in.data, w->in.data + off, w->in.len - off);
		w->in.len -= off;
	}
	return ret;
}

/* Reads and delivers whatever arrived.  Returns -1 once the connection is
 * over (EOF, close frame, error): the caller then frees it. */
int
client_ws_read(struct client_ws *w, client_ws_msg_cb cb, void *arg)
{
	int fill;

	if (w->state != CWS_OPEN)
		return -1;
	do {
		fill = client_ws_fill(w);
		if (client_ws_parse(w, cb, arg) < 0) {
			w->state = CWS_CLOSED;
			return -1;
		}
	} while (fill == 0 && w->in.len > WS_MAX_MESSAGE);
	if (client_ws_flush(w) < 0 || fill < 0) {
		w->state = CWS_CLOSED;
		return -1;
	}
	return 0;
}

/* Sends a close frame (best effort) and frees. */
void
client_ws_free(struct client_ws *w)
{
	if (w == NULL)
		return;
	if (w->state == CWS_OPEN) {
		unsigned char code[2] = { 0x03, 0xe8 };	/* 1000 */

		client_ws_frame(w, 0x8, code, 2);
		client_ws_flush(w);
	}
	if (w->m != NULL) {
		curl_multi_remove_handle(w->m, w->h);
		curl_multi_cleanup(w->m);
	}
	curl_easy_cleanup(w->h);
	buf_free(&w->out);
	buf_free(&w->in);
	buf_free(&w->msg);
	free(w->path);
	free(w);
}
