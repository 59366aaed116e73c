/*
 * api-certificates.c - /1.0/certificates (the trust store) and trust
 * tokens.
 *
 * Unix-socket peers are trusted by file permissions; HTTPS peers are
 * trusted when the SHA-256 fingerprint of their client certificate is in
 * the trust store (trust.c).  A caller becomes trusted with
 * POST /1.0/certificates carrying core.trust_password or a token from
 * `lxc config trust add` (lxd-api.md 2.1, 5); a trusted caller can add
 * other certificates (base64 DER), list and remove them, and make tokens.
 * Tokens are operations of class "token" kept by trust.c, not by the
 * engine: the reply is the async envelope LXD sends, so `lxc config trust
 * add` prints the token from its metadata.  They expire after
 * core.remote_token_expiry (TRUST_TOKEN_DEFAULT_EXPIRY when unset: LXD and
 * Incus keep them forever by default, which leaves a forgotten token
 * working for years) and the token's name wins over one in the request,
 * as in LXD.
 *
 * core.trust_password is checked off the loop (scrypt on libuv's thread
 * pool; the request waits, told through on_abort if its client leaves),
 * and trust-guard.c makes an address that failed wait before it may try
 * again: too early is a 429 at once.  Removing a certificate closes the
 * websockets its client holds (events, exec, console).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <uv.h>

#include "server.h"

#define TRUST_TOKEN_DEFAULT_EXPIRY	"1d"

/* A password check on the thread pool. */
struct cert_check {
	uv_work_t		 work;
	struct cert_checks	*st;		/* NULL once the server is gone */
	struct server		*srv;
	struct request		*req;		/* NULL once the client left */
	char			*stored;	/* core.trust_password's hash */
	char			*password;
	char			*pem;
	char			*name;
	char			 addr[64];
	bool			 ok;
	struct cert_check	*next, *prev;
};

struct cert_checks {
	struct trust_guard	*guard;
	struct cert_check	*running;
};

static struct cert_checks *
api_certificates_checks(struct server *s)
{
	struct cert_checks **st = (struct cert_checks **)server_api_state(s,
	    &api_certificates_family);

	if (*st == NULL) {
		*st = xcalloc(1, sizeof **st);
		(*st)->guard = trust_guard_create();
	}
	return *st;
}

/* server_free: running checks finish on their own and find nobody. */
static void
api_certificates_free_all(struct server *srv)
{
	struct cert_checks **slot = (struct cert_checks **)server_api_state(srv,
	    &api_certificates_family);
	struct cert_checks *st = *slot;
	struct cert_check *c;

	if (st == NULL)
		return;
	for (c = st->running; c != NULL; c = c->next) {
		c->st = NULL;
		c->srv = NULL;
		if (c->req != NULL) {
			c->req->on_abort = NULL;
			c->req->abort_arg = NULL;
			c->req = NULL;
		}
	}
	trust_guard_free(st->guard);
	free(st);
	*slot = NULL;
}

const struct api_family api_certificates_family = {
	.name = "certificates",
	.free_all = api_certificates_free_all,
};

int
api_certificates_list(struct request *r, struct err *e)
{
	response_sync(r, trust_list_json(server_trust(r->srv),
	    request_recursion(r) > 0), NULL);
	return 0;
}

int
api_certificates_get(struct request *r, struct err *e)
{
	json_object *o = trust_get_json(server_trust(r->srv), r->params[0]);
	char etag[65];

	if (o == NULL)
		return err_set(e, 404, "Certificate \"%s\" not found", r->params[0]);
	codec_etag(o, etag);
	response_sync(r, o, etag);
	return 0;
}

int
api_certificates_delete(struct request *r, struct err *e)
{
	json_object *o = trust_get_json(server_trust(r->srv), r->params[0]);
	const char *fp = NULL;
	char *full = NULL;

	if (o != NULL && codec_get_string(o, "fingerprint", &fp, e) == 0 && fp != NULL)
		full = xstrdup(fp);
	json_object_put(o);
	if (trust_remove(server_trust(r->srv), r->params[0], e) < 0) {
		free(full);
		return -1;
	}
	/* Its client loses what it had open, now, not when it next connects. */
	if (full != NULL)
		ws_close_peer(server_ws_ctx(r->srv), full);
	free(full);
	response_empty(r);
	return 0;
}

/* base64 DER -> PEM, caller frees; NULL when it is not a certificate. */
static char *
api_certificates_der_pem(const char *b64)
{
	size_t n = strlen(b64);
	unsigned char *der;
	const unsigned char *p;
	int len;
	X509 *x;
	char *pem = NULL;

	if (strstr(b64, "-----BEGIN CERTIFICATE-----") != NULL)
		return xstrdup(b64);
	if (n == 0 || n % 4 != 0)
		return NULL;
	der = xmalloc(n);
	len = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
	while (len > 0 && b64[n - 1] == '=') {
		len--;
		n--;
	}
	p = der;
	x = len > 0 ? d2i_X509(NULL, &p, len) : NULL;
	if (x != NULL) {
		pem = cert_x509_pem(x);
		X509_free(x);
	}
	free(der);
	return pem;
}

static int
api_certificates_token(struct request *r, const char *name, struct err *e)
{
	struct server *s = r->srv;
	struct strv addrs = { 0 };
	json_object *op, *env;
	struct response *resp;
	char *token = NULL, *text, *loc;
	const char *id = NULL;

	struct backend *be = server_backend(s);
	struct server_info si;
	const char *expiry;
	int64_t lifetime = 0;

	if (server_https_address(s) == NULL)
		return err_set(e, 400, "Can't issue token when server isn't listening on "
		    "network");
	memset(&si, 0, sizeof si);
	if (be->ops->server_info(be, &si, e) < 0)
		return -1;
	expiry = strmap_get(&si.config, "core.remote_token_expiry");
	if (expiry == NULL || *expiry == '\0')
		expiry = TRUST_TOKEN_DEFAULT_EXPIRY;
	if (trust_expiry_parse(expiry, &lifetime) < 0) {
		err_set(e, 500, "Invalid core.remote_token_expiry \"%s\"", expiry);
		server_info_free_contents(&si);
		return -1;
	}
	server_info_free_contents(&si);
	server_https_urls(s, &addrs);
	op = trust_token_create(server_trust(s), name, server_cert_fingerprint(s),
	    &addrs, lifetime, &token);
	strv_free(&addrs);
	codec_get_string(op, "id", &id, e);
	loc = xasprintf("/1.0/operations/%s", id ? id : "");
	env = json_object_new_object();
	json_object_object_add(env, "type", codec_string("async"));
	json_object_object_add(env, "status", codec_string("Operation created"));
	json_object_object_add(env, "status_code", json_object_new_int(100));
	json_object_object_add(env, "operation", codec_string(loc));
	json_object_object_add(env, "error_code", json_object_new_int(0));
	json_object_object_add(env, "error", codec_string(""));
	json_object_object_add(env, "metadata", op);
	text = codec_to_string(env, false);
	json_object_put(env);
	resp = response_new(202);
	response_header(resp, "Content-Type", "application/json");
	response_header(resp, "Location", loc);
	response_body(resp, text, strlen(text));
	response_body(resp, "\n", 1);
	request_send(r, resp);
	log_info("Issued a trust token for \"%s\"", name ? name : "");
	free(text);
	free(loc);
	free(token);
	return 0;
}

static void
api_certificates_check_abort(struct request *r, void *arg)
{
	struct cert_check *c = arg;

	c->req = NULL;
}

static void
api_certificates_check_work(uv_work_t *w)
{
	struct cert_check *c = w->data;

	c->ok = trust_password_matches(c->stored, c->password);
}

static void
api_certificates_check_done(uv_work_t *w, int status)
{
	struct cert_check *c = w->data;
	struct request *r = c->req;
	struct err e = { 0 };

	if (c->st != NULL) {
		trust_guard_end(c->st->guard, c->addr, c->ok && status == 0,
		    time_now_ns());
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			c->st->running = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
	}
	if (r != NULL) {
		r->on_abort = NULL;
		r->abort_arg = NULL;
		if (!c->ok || status != 0) {
			log_warn("Refused a certificate from %s: wrong password", c->addr);
			err_set(&e, 403, "not authorized");
			response_error(r, &e);
		} else if (trust_add(server_trust(c->srv), c->pem, c->name, &e) < 0) {
			response_error(r, &e);
		} else {
			response_empty(r);
		}
	}
	OPENSSL_cleanse(c->password, strlen(c->password));
	free(c->password);
	free(c->stored);
	free(c->pem);
	free(c->name);
	free(c);
}

/* An untrusted caller's password, against core.trust_password: answered
 * later, from the thread pool, or now (403 without a password to check,
 * 429 while its address backs off). */
static int
api_certificates_check_password(struct request *r, const char *password,
    const char *name, struct err *e)
{
	const struct peer *peer = request_peer(r);
	struct backend *be = server_backend(r->srv);
	struct cert_checks *st = api_certificates_checks(r->srv);
	struct server_info si;
	struct cert_check *c;
	const char *stored;
	int64_t wait_ms;

	memset(&si, 0, sizeof si);
	if (be->ops->server_info(be, &si, e) < 0)
		return -1;
	stored = strmap_get(&si.config, "core.trust_password");
	if (password == NULL || *password == '\0' || stored == NULL || *stored == '\0') {
		server_info_free_contents(&si);
		log_warn("Refused a certificate from %s: no password or token", peer->addr);
		return err_set(e, 403, "not authorized");
	}
	wait_ms = trust_guard_begin(st->guard, peer->addr, time_now_ns());
	if (wait_ms > 0) {
		server_info_free_contents(&si);
		return err_set(e, 429, "Too many password attempts from %s, retry in "
		    "%lld s", peer->addr, (long long)(wait_ms + 999) / 1000);
	}
	c = xcalloc(1, sizeof *c);
	c->st = st;
	c->srv = r->srv;
	c->req = r;
	c->stored = xstrdup(stored);
	c->password = xstrdup(password);
	c->pem = xstrdup(peer->cert_pem);
	c->name = name != NULL && *name != '\0' ? xstrdup(name) : NULL;
	snprintf(c->addr, sizeof c->addr, "%s", peer->addr);
	server_info_free_contents(&si);
	c->work.data = c;
	if (uv_queue_work(server_loop(r->srv), &c->work, api_certificates_check_work,
	    api_certificates_check_done) < 0) {
		trust_guard_end(st->guard, c->addr, true, time_now_ns());
		free(c->password);
		free(c->stored);
		free(c->pem);
		free(c->name);
		free(c);
		return err_set(e, 500, "Failed to queue the password check");
	}
	c->next = st->running;
	if (st->running != NULL)
		st->running->prev = c;
	st->running = c;
	r->on_abort = api_certificates_check_abort;
	r->abort_arg = c;
	return 0;
}

int
api_certificates_create(struct request *r, struct err *e)
{
	const struct peer *peer = request_peer(r);
	json_object *body;
	const char *name = NULL, *cert = NULL, *password = NULL, *type = NULL;
	const char *trust_token = NULL;
	bool token = false;
	char *pem = NULL, *tname = NULL;
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (codec_get_string(body, "name", &name, e) < 0 ||
	    codec_get_string(body, "type", &type, e) < 0 ||
	    codec_get_string(body, "certificate", &cert, e) < 0 ||
	    codec_get_string(body, "password", &password, e) < 0 ||
	    codec_get_string(body, "trust_token", &trust_token, e) < 0 ||
	    codec_get_bool(body, "token", &token, e) < 0)
		goto out;
	/* Incus's client sends a join token as trust_token, LXD's as the
	 * password: either is checked the same way. */
	if ((password == NULL || *password == '\0') && trust_token != NULL)
		password = trust_token;
	if (type != NULL && *type != '\0' && strcmp(type, "client") != 0) {
		err_set(e, 400, "Unknown certificate type \"%s\"", type);
		goto out;
	}
	if (trust_name_check(name, e) < 0)
		goto out;
	if (token) {
		if (!peer->trusted) {
			err_set(e, 403, "not authorized");
			goto out;
		}
		rc = api_certificates_token(r, name, e);
		goto out;
	}
	if (cert != NULL && *cert != '\0') {
		/* Adding someone else's certificate: trusted callers only. */
		if (!peer->trusted) {
			err_set(e, 403, "not authorized");
			goto out;
		}
		pem = api_certificates_der_pem(cert);
		if (pem == NULL) {
			err_set(e, 400, "Invalid certificate material");
			goto out;
		}
	} else {
		if (!peer->tls || peer->cert_pem == NULL) {
			err_set(e, 400, "Can't use TLS data on non-TLS link");
			goto out;
		}
		if (!peer->trusted) {
			int tr = trust_token_redeem(server_trust(r->srv), password, &tname, e);

			if (tr < 0)
				goto out;
			if (tr == 0) {
				/* Not a token: the password, later. */
				rc = api_certificates_check_password(r, password, name, e);
				goto out;
			}
		}
		pem = xstrdup(peer->cert_pem);
	}
	/* A token's name wins over the request's, as in LXD. */
	if (trust_add(server_trust(r->srv), pem, tname != NULL ? tname : name, e) < 0)
		goto out;
	response_empty(r);
	rc = 0;
out:
	free(pem);
	free(tname);
	json_object_put(body);
	return rc;
}
