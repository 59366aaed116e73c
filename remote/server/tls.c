/*
 * tls.c - lxdeckd's HTTPS listener (OpenSSL; the certificates themselves
 * are wire/cert.c).
 *
 * The HTTP server (server.c) speaks plain HTTP/1.1 on stream sockets and
 * hands websocket upgrades to libwebsockets by fd.  Rather than teach both
 * TLS, this file terminates it: each TCP connection gets an SSL object with
 * memory BIOs, driven from libuv reads and writes; once the handshake is
 * done (and the client certificate, if any, is known) a socketpair is made,
 * one end given to server_adopt() with who the peer is, and this file
 * relays bytes: ciphertext from TCP -> SSL_read -> the socketpair, and the
 * socketpair -> SSL_write -> TCP.  The server, and libwebsockets after an
 * upgrade, never know TLS was there, so exec and console over HTTPS are the
 * same code as over the unix socket.  Each direction stops reading when the
 * other side's write queue is long (flow control), and a half close is
 * passed on.
 *
 * Policy (lxd-api.md 5): TLS 1.3, or 1.2 with ECDHE + AEAD suites only,
 * never below; client certificates requested, never required or checked
 * against a CA (the verify callback accepts anything; the trust store
 * decides by fingerprint); no session resumption (each connection shows
 * its certificate).
 *
 * Handshakes in flight are bounded (server_limits(): in all, per source
 * address, and each by a deadline that bytes trickling in do not move).  A
 * connection beyond that is closed as soon as it is accepted, before any
 * cryptography, unless the oldest handshake has been going for a second
 * (a real one takes milliseconds): that one makes room.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <uv.h>

#include "server.h"

#define TLS_EVICT_AGE_MS		1000
#define TLS_HIGH_WATER			(1024 * 1024)
#define TLS_CIPHERS_12	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
			"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:" \
			"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"

/* The listener */

struct tls_listener {
	struct server	*srv;
	uv_loop_t	*loop;
	uv_tcp_t	 tcp;
	SSL_CTX		*ctx;
	char		*cert_pem;
	char		 fp[65];
	struct tls_conn	*conns;
	/* Handshakes in flight, oldest at the tail. */
	struct tls_conn	*hs, *hs_tail;
	size_t		 nhs;
};

struct tls_conn {
	struct tls_listener	*l;
	struct tls_conn		*prev, *next;
	uv_tcp_t		 tcp;
	uv_pipe_t		 pipe;
	uv_timer_t		 timer;
	bool			 pipe_open;
	int			 handles;
	SSL			*ssl;
	BIO			*rbio, *wbio;
	bool			 handshaken;
	bool			 closing;
	bool			 tcp_eof, pipe_eof;
	bool			 tcp_paused, pipe_paused;
	bool			 in_hs;		/* on l->hs */
	uint64_t		 started;
	struct tls_conn		*hs_prev, *hs_next;
	char			 addr[64];
};

static int
tls_verify_any(int ok, X509_STORE_CTX *store)
{
	return 1;	/* request, never check: the trust store decides */
}

static SSL_CTX *
tls_server_ctx(const char *crt, const char *key, struct err *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		err_set(e, 500, "SSL_CTX_new failed");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	/* A connection that waits holds no TLS record buffers (~34 KiB). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_any);
	if (SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		err_set(e, 500, "Failed to load the server certificate \"%s\"", crt);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void tls_conn_close(struct tls_conn *);
static void tls_conn_pump(struct tls_conn *);

static void
tls_hs_remove(struct tls_conn *c)
{
	struct tls_listener *l = c->l;

	if (!c->in_hs || l == NULL)
		return;
	if (c->hs_prev != NULL)
		c->hs_prev->hs_next = c->hs_next;
	else
		l->hs = c->hs_next;
	if (c->hs_next != NULL)
		c->hs_next->hs_prev = c->hs_prev;
	else
		l->hs_tail = c->hs_prev;
	c->in_hs = false;
	l->nhs--;
}

static void
tls_conn_closed(uv_handle_t *h)
{
	struct tls_conn *c = h->data;

	if (--c->handles > 0)
		return;
	SSL_free(c->ssl);
	free(c);
}

static void
tls_conn_close(struct tls_conn *c)
{
	struct tls_listener *l = c->l;

	if (c->closing)
		return;
	c->closing = true;
	tls_hs_remove(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (l != NULL)
		l->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	uv_close((uv_handle_t *)&c->tcp, tls_conn_closed);
	uv_close((uv_handle_t *)&c->timer, tls_conn_closed);
	if (c->pipe_open)
		uv_close((uv_handle_t *)&c->pipe, tls_conn_closed);
}

struct tls_write {
	uv_write_t	 w;
	struct tls_conn	*c;
	char		*data;
};

static void
tls_write_cb(uv_write_t *w, int status)
{
	struct tls_write *tw = (struct tls_write *)w;
	struct tls_conn *c = tw->c;

	free(tw->data);
	free(tw);
	if (c->closing)
		return;
	if (status < 0) {
		tls_conn_close(c);
		return;
	}
	tls_conn_pump(c);
}

static int
tls_write(struct tls_conn *c, uv_stream_t *st, const char *data, size_t len)
{
	struct tls_write *tw = xcalloc(1, sizeof *tw);
	uv_buf_t b;

	tw->c = c;
	tw->data = xmalloc(len);
	memcpy(tw->data, data, len);
	b = uv_buf_init(tw->data, (unsigned)len);
	if (uv_write(&tw->w, st, &b, 1, tls_write_cb) < 0) {
		free(tw->data);
		free(tw);
		return -1;
	}
	return 0;
}

/* Ciphertext the SSL object produced goes out on TCP. */
static int
tls_flush_wbio(struct tls_conn *c)
{
	char tmp[16 * 1024];
	int n;

	while ((n = BIO_read(c->wbio, tmp, sizeof tmp)) > 0)
		if (tls_write(c, (uv_stream_t *)&c->tcp, tmp, (size_t)n) < 0)
			return -1;
	return 0;
}

static void tls_handshake_timeout(uv_timer_t *);
static void tls_pipe_read(uv_stream_t *, ssize_t, const uv_buf_t *);
static void tls_alloc(uv_handle_t *, size_t, uv_buf_t *);
static void tls_tcp_read(uv_stream_t *, ssize_t, const uv_buf_t *);

/* The handshake is done: hand a plain socket to the HTTP server. */
static int
tls_conn_established(struct tls_conn *c)
{
	struct peer peer;
	X509 *x;
	int sp[2];

	memset(&peer, 0, sizeof peer);
	peer.tls = true;
	snprintf(peer.addr, sizeof peer.addr, "%s", c->addr);
	x = SSL_get1_peer_certificate(c->ssl);
	if (x != NULL) {
		cert_x509_fingerprint(x, peer.fp);
		peer.cert_pem = cert_x509_pem(x);
		X509_free(x);
		peer.trusted = trust_has(server_trust(c->l->srv), peer.fp);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		free(peer.cert_pem);
		return -1;
	}
	/* The pipe handle is closed with the connection from now on, even if
	 * it never gets sp[0] (then that is still ours to close). */
	uv_pipe_init(c->l->loop, &c->pipe, 0);
	c->pipe.data = c;
	c->pipe_open = true;
	c->handles++;
	if (uv_pipe_open(&c->pipe, sp[0]) < 0) {
		close(sp[0]);
		close(sp[1]);
		free(peer.cert_pem);
		return -1;
	}
	uv_read_start((uv_stream_t *)&c->pipe, tls_alloc, tls_pipe_read);
	log_debug("TLS connection from %s (%s, client certificate %s%s)", c->addr,
	    SSL_get_version(c->ssl), peer.fp[0] ? peer.fp : "none",
	    peer.trusted ? ", trusted" : "");
	server_adopt(c->l->srv, sp[1], &peer);
	free(peer.cert_pem);
	return 0;
}

/* Moves whatever can move: handshake, decrypted bytes to the pipe, flow
 * control, closing. */
static void
tls_conn_pump(struct tls_conn *c)
{
	char tmp[16 * 1024];
	int n;

	if (c->closing)
		return;
	if (!c->handshaken) {
		n = SSL_do_handshake(c->ssl);
		if (tls_flush_wbio(c) < 0) {
			tls_conn_close(c);
			return;
		}
		if (n != 1) {
			int err = SSL_get_error(c->ssl, n);

			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
				if (c->tcp_eof)
					tls_conn_close(c);
				return;
			}
			log_debug("TLS handshake with %s failed: %s", c->addr,
			    ERR_reason_error_string(ERR_peek_last_error()));
			ERR_clear_error();
			/* Let the alert go out, then close. */
			uv_timer_start(&c->timer, tls_handshake_timeout, 200, 0);
			c->tcp_eof = true;
			uv_read_stop((uv_stream_t *)&c->tcp);
			return;
		}
		c->handshaken = true;
		tls_hs_remove(c);
		uv_timer_stop(&c->timer);
		if (tls_conn_established(c) < 0) {
			tls_conn_close(c);
			return;
		}
	}
	/* TCP -> SSL -> pipe, unless the pipe is backed up. */
	while (c->pipe_open && !c->pipe_eof &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) < TLS_HIGH_WATER) {
		n = SSL_read(c->ssl, tmp, sizeof tmp);
		if (n > 0) {
			if (tls_write(c, (uv_stream_t *)&c->pipe, tmp, (size_t)n) < 0) {
				tls_conn_close(c);
				return;
			}
			continue;
		}
		n = SSL_get_error(c->ssl, n);
		if (n == SSL_ERROR_ZERO_RETURN)
			c->tcp_eof = true;
		else if (n != SSL_ERROR_WANT_READ && n != SSL_ERROR_WANT_WRITE) {
			ERR_clear_error();
			c->tcp_eof = true;
		}
		break;
	}
	if (tls_flush_wbio(c) < 0) {
		tls_conn_close(c);
		return;
	}
	/* Flow control both ways. */
	if (c->pipe_open) {
		bool pipe_full = uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) >=
		    TLS_HIGH_WATER;
		bool tcp_full = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) >=
		    TLS_HIGH_WATER;

		if (pipe_full && !c->tcp_paused && !c->tcp_eof) {
			uv_read_stop((uv_stream_t *)&c->tcp);
			c->tcp_paused = true;
		} else if (!pipe_full && c->tcp_paused && !c->tcp_eof) {
			uv_read_start((uv_stream_t *)&c->tcp, tls_alloc, tls_tcp_read);
			c->tcp_paused = false;
		}
		if (tcp_full && !c->pipe_paused && !c->pipe_eof) {
			uv_read_stop((uv_stream_t *)&c->pipe);
			c->pipe_paused = true;
		} else if (!tcp_full && c->pipe_paused && !c->pipe_eof) {
			uv_read_start((uv_stream_t *)&c->pipe, tls_alloc, tls_pipe_read);
			c->pipe_paused = false;
		}
	}
	/* The server is done and everything went out: close. */
	if (c->pipe_eof && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0) {
		tls_conn_close(c);
		return;
	}
	/* The client is done: once what it sent is through, close (clients
	 * of this API never half-close; the server side sees a plain EOF). */
	if (c->tcp_eof && c->pipe_open &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) == 0 &&
	    SSL_pending(c->ssl) == 0)
		tls_conn_close(c);
}

/* One buffer for every connection and both directions: each read is done
 * with it before libuv reads again (BIO_write() and SSL_write() copy what
 * they keep). */
static void
tls_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char rbuf[64 * 1024];

	b->base = rbuf;
	b->len = sizeof rbuf;
}

static void
tls_tcp_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct tls_conn *c = st->data;

	if (n == 0)
		return;
	if (n < 0) {
		uv_read_stop(st);
		c->tcp_eof = true;
		if (!c->handshaken || !c->pipe_open) {
			tls_conn_close(c);
			return;
		}
		tls_conn_pump(c);
		return;
	}
	BIO_write(c->rbio, b->base, (int)n);
	tls_conn_pump(c);
}

static void
tls_pipe_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct tls_conn *c = st->data;

	if (n == 0)
		return;
	if (n < 0) {
		uv_read_stop(st);
		c->pipe_eof = true;
		SSL_shutdown(c->ssl);
		tls_conn_pump(c);
		return;
	}
	if (SSL_write(c->ssl, b->base, (int)n) <= 0) {
		ERR_clear_error();
		tls_conn_close(c);
		return;
	}
	tls_conn_pump(c);
}

static void
tls_handshake_timeout(uv_timer_t *t)
{
	struct tls_conn *c = t->data;

	if (!c->tcp_eof && c->l != NULL)
		server_refused(c->l->srv, CUT_HANDSHAKE, c->addr);
	tls_conn_close(c);
}

/* Room for one more handshake from addr?  Evicts the oldest one if it has
 * taken a second already. */
static enum server_refusal
tls_hs_admit(struct tls_listener *l, const char *addr)
{
	const struct server_limits *lim = server_limits(l->srv);
	struct tls_conn *c;
	size_t same = 0;

	for (c = l->hs; c != NULL; c = c->hs_next)
		if (strcmp(c->addr, addr) == 0 && ++same >= lim->handshakes_per_addr)
			return REFUSED_HANDSHAKES_ADDR;
	if (l->nhs < lim->handshakes)
		return REFUSED__COUNT;
	c = l->hs_tail;
	if (c == NULL || uv_now(l->loop) - c->started < TLS_EVICT_AGE_MS)
		return REFUSED_HANDSHAKES;
	server_refused(l->srv, EVICTED_HANDSHAKE, c->addr);
	tls_conn_close(c);
	return REFUSED__COUNT;
}

static void
tls_on_connection(uv_stream_t *ls, int status)
{
	struct tls_listener *l = ls->data;
	struct tls_conn *c;
	struct sockaddr_storage ss;
	int len = sizeof ss;
	enum server_refusal why;

	if (status < 0)
		return;
	c = xcalloc(1, sizeof *c);
	c->l = l;
	uv_tcp_init(l->loop, &c->tcp);
	uv_timer_init(l->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->tcp, tls_conn_closed);
		uv_close((uv_handle_t *)&c->timer, tls_conn_closed);
		return;
	}
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
		char ip[48] = "";

		if (ss.ss_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
		else
			uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
		snprintf(c->addr, sizeof c->addr, "%s", ip);
	}
	why = tls_hs_admit(l, c->addr);
	if (why != REFUSED__COUNT) {
		server_refused(l->srv, why, c->addr);
		c->closing = true;
		uv_close((uv_handle_t *)&c->tcp, tls_conn_closed);
		uv_close((uv_handle_t *)&c->timer, tls_conn_closed);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	c->ssl = SSL_new(l->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_accept_state(c->ssl);
	c->next = l->conns;
	if (l->conns != NULL)
		l->conns->prev = c;
	l->conns = c;
	c->started = uv_now(l->loop);
	c->hs_next = l->hs;
	if (l->hs != NULL)
		l->hs->hs_prev = c;
	else
		l->hs_tail = c;
	l->hs = c;
	c->in_hs = true;
	l->nhs++;
	uv_timer_start(&c->timer, tls_handshake_timeout,
	    server_limits(l->srv)->handshake_ms, 0);
	uv_read_start((uv_stream_t *)&c->tcp, tls_alloc, tls_tcp_read);
}

static void
tls_listener_closed(uv_handle_t *h)
{
	free(h->data);
}

/* "127.0.0.1:8443", "[::1]:8443", "[::]", ":8443", "host" -> sockaddr. */
static int
tls_parse_addr(const char *addr, struct sockaddr_storage *ss)
{
	char host[128];
	const char *port = NULL;
	int p = 8443;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (end == NULL || (size_t)(end - addr - 1) >= sizeof host)
			return -1;
		snprintf(host, sizeof host, "%.*s", (int)(end - addr - 1), addr + 1);
		if (end[1] == ':')
			port = end + 2;
	} else {
		const char *colon = strrchr(addr, ':');

		if (colon != NULL && strchr(addr, ':') == colon) {
			snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
			port = colon + 1;
		} else {
			snprintf(host, sizeof host, "%s", addr);
		}
	}
	if (port != NULL && *port != '\0') {
		char *end;
		long v = strtol(port, &end, 10);

		if (*end != '\0' || v <= 0 || v > 65535)
			return -1;
		p = (int)v;
	}
	if (host[0] == '\0')
		snprintf(host, sizeof host, "0.0.0.0");
	if (strchr(host, ':') != NULL)
		return uv_ip6_addr(host, p, (struct sockaddr_in6 *)ss) == 0 ? 0 : -1;
	return uv_ip4_addr(host, p, (struct sockaddr_in *)ss) == 0 ? 0 : -1;
}

struct tls_listener *
tls_listen(struct server *srv, const char *addr, const char *dir, struct err *e)
{
	struct tls_listener *l;
	struct sockaddr_storage ss;
	char *crt = xasprintf("%s/server.crt", dir), *key = xasprintf("%s/server.key", dir);
	int rc;

	memset(&ss, 0, sizeof ss);
	if (tls_parse_addr(addr, &ss) < 0) {
		err_set(e, 400, "Invalid HTTPS address \"%s\" (ADDR:PORT expected)", addr);
		goto fail_paths;
	}
	if (access(crt, R_OK) != 0 || access(key, R_OK) != 0) {
		mkdir(dir, 0711);
		if (cert_create(crt, key, true, e) < 0)
			goto fail_paths;
		log_info("Created the server certificate %s", crt);
	}
	l = xcalloc(1, sizeof *l);
	l->srv = srv;
	l->loop = server_loop(srv);
	l->ctx = tls_server_ctx(crt, key, e);
	if (l->ctx == NULL)
		goto fail;
	l->cert_pem = cert_read_file(crt);
	if (l->cert_pem == NULL || cert_pem_fingerprint(l->cert_pem, l->fp) < 0) {
		err_set(e, 500, "Failed to read the server certificate \"%s\"", crt);
		goto fail;
	}
	uv_tcp_init(l->loop, &l->tcp);
	l->tcp.data = l;
	rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->tcp, 511, tls_on_connection);
	if (rc < 0) {
		err_set(e, 500, "Failed to listen on %s: %s", addr, uv_strerror(rc));
		uv_close((uv_handle_t *)&l->tcp, tls_listener_closed);
		SSL_CTX_free(l->ctx);
		free(l->cert_pem);
		free(crt);
		free(key);
		return NULL;
	}
	log_info("Listening on https://%s (certificate %s)", addr, l->fp);
	free(crt);
	free(key);
	return l;
fail:
	if (l->ctx != NULL)
		SSL_CTX_free(l->ctx);
	free(l->cert_pem);
	free(l);
fail_paths:
	free(crt);
	free(key);
	return NULL;
}

void
tls_listener_free(struct tls_listener *l)
{
	if (l == NULL)
		return;
	while (l->conns != NULL) {
		struct tls_conn *c = l->conns;

		tls_conn_close(c);
		c->l = NULL;
	}
	SSL_CTX_free(l->ctx);
	free(l->cert_pem);
	/* The listener struct is freed when its handle is closed. */
	l->tcp.data = l;
	uv_close((uv_handle_t *)&l->tcp, tls_listener_closed);
}

const char *
tls_listener_cert(struct tls_listener *l)
{
	return l->cert_pem;
}

const char *
tls_listener_fingerprint(struct tls_listener *l)
{
	return l->fp;
}
