/*
 * api-certificates.c - /1.0/certificates (the trust store), trust tokens,
 * and what GET /1.0 shows over HTTPS.
 *
 * Unix-socket peers are trusted by file permissions; HTTPS peers are
 * trusted when the SHA-256 fingerprint of their client certificate is in
 * the trust store (trust.c).  A caller becomes trusted with
 * POST /1.0/certificates carrying core.trust_password or a token from
 * `lxc config trust add` (lxd-api.md 2.1, 5); a trusted caller can add
 * other certificates (base64 DER), list and remove them, and make tokens.
 * Tokens are operations of class "token" kept by trust.c, not by the
 * engine: the reply is the async envelope LXD sends, so `lxc config trust
 * add` prints the token from its metadata.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "remote.h"

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
	if (trust_remove(server_trust(r->srv), r->params[0], e) < 0)
		return -1;
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
		pem = tls_x509_pem(x);
		X509_free(x);
	}
	free(der);
	return pem;
}

/* The addresses a token names: the HTTPS address, with a wildcard host
 * replaced by loopback. */
static void
api_certificates_addresses(struct server *s, struct strv *out)
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

static int
api_certificates_token(struct request *r, const char *name, struct err *e)
{
	struct server *s = r->srv;
	struct strv addrs = { 0 };
	json_object *op, *env;
	struct response *resp;
	char *token = NULL, *text, *loc;
	const char *id = NULL;

	if (server_https_address(s) == NULL)
		return err_set(e, 400, "Can't issue token when server isn't listening on "
		    "network");
	api_certificates_addresses(s, &addrs);
	op = trust_token_create(server_trust(s), name, server_cert_fingerprint(s),
	    &addrs, &token);
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

int
api_certificates_create(struct request *r, struct err *e)
{
	const struct peer *peer = request_peer(r);
	struct backend *be = server_backend(r->srv);
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
			struct server_info si;
			struct err ie = { 0 };
			bool ok;

			memset(&si, 0, sizeof si);
			be->ops->server_info(be, &si, &ie);
			ok = trust_check_password(server_trust(r->srv), &si.config,
			    password, &tname);
			server_info_free_contents(&si);
			if (!ok) {
				log_warn("Refused a certificate from %s: wrong password or "
				    "token", peer->addr);
				err_set(e, 403, "not authorized");
				goto out;
			}
		}
		pem = xstrdup(peer->cert_pem);
	}
	if (trust_add(server_trust(r->srv), pem, name && *name ? name : tname, e) < 0)
		goto out;
	response_empty(r);
	rc = 0;
out:
	free(pem);
	free(tname);
	json_object_put(body);
	return rc;
}

int
api_certificates_server_get(struct request *r, struct err *e)
{
	const struct peer *peer = request_peer(r);
	struct backend *be = server_backend(r->srv);
	struct strv ext = { 0 };
	struct server_info si;
	json_object *o, *env = NULL, *addrs, *cfg;
	const char *pem = server_cert_pem(r->srv);
	char etag[65];
	struct strv a = { 0 };
	size_t i;

	api_server_extensions(r->srv, &ext);
	if (!peer->trusted) {
		o = json_object_new_object();
		json_object_object_add(o, "api_extensions", codec_strv_encode(&ext));
		json_object_object_add(o, "api_status", codec_string("stable"));
		json_object_object_add(o, "api_version", codec_string("1.0"));
		json_object_object_add(o, "auth", codec_string("untrusted"));
		json_object_object_add(o, "public", json_object_new_boolean(0));
		addrs = json_object_new_array();
		json_object_array_add(addrs, codec_string("tls"));
		json_object_object_add(o, "auth_methods", addrs);
		strv_free(&ext);
		response_sync(r, o, NULL);
		return 0;
	}
	memset(&si, 0, sizeof si);
	if (be->ops->server_info(be, &si, e) < 0) {
		strv_free(&ext);
		return -1;
	}
	cfg = codec_strmap_encode(&si.config);
	codec_etag(cfg, etag);
	json_object_put(cfg);
	if (strmap_get(&si.config, "core.trust_password") != NULL)
		strmap_set(&si.config, "core.trust_password", "true");
	o = codec_server_encode(&si, &ext);
	json_object_object_get_ex(o, "environment", &env);
	if (env != NULL && pem != NULL) {
		json_object_object_add(env, "certificate", codec_string(pem));
		json_object_object_add(env, "certificate_fingerprint",
		    codec_string(server_cert_fingerprint(r->srv)));
		api_certificates_addresses(r->srv, &a);
		addrs = json_object_new_array();
		for (i = 0; i < a.n; i++)
			json_object_array_add(addrs, codec_string(a.v[i]));
		json_object_object_add(env, "addresses", addrs);
		strv_free(&a);
	}
	response_sync(r, o, etag);
	strv_free(&ext);
	server_info_free_contents(&si);
	return 0;
}

int
api_certificates_config_filter(struct request *r, struct err *e)
{
	json_object *body, *cfg = NULL, *v = NULL;
	const char *pw;
	char *hash, *text;

	if (r->body.len == 0 || r->spool_fd >= 0)
		return 0;
	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (!json_object_object_get_ex(body, "config", &cfg) || cfg == NULL ||
	    !json_object_is_type(cfg, json_type_object) ||
	    !json_object_object_get_ex(cfg, "core.trust_password", &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string)) {
		json_object_put(body);
		return 0;
	}
	pw = json_object_get_string(v);
	if (strcmp(pw, "true") == 0) {
		/* GET over HTTPS shows "true" for a set password: keep it. */
		struct backend *be = server_backend(r->srv);
		struct server_info si;
		struct err ie = { 0 };
		const char *old;

		memset(&si, 0, sizeof si);
		be->ops->server_info(be, &si, &ie);
		old = strmap_get(&si.config, "core.trust_password");
		json_object_object_add(cfg, "core.trust_password",
		    json_object_new_string(old ? old : ""));
		server_info_free_contents(&si);
		goto rewrite;
	}
	if (*pw == '\0' || strncmp(pw, "scrypt$", 7) == 0) {
		json_object_put(body);
		return 0;
	}
	hash = trust_password_hash(pw);
	if (hash == NULL) {
		json_object_put(body);
		return err_set(e, 500, "Failed to hash core.trust_password");
	}
	json_object_object_add(cfg, "core.trust_password", json_object_new_string(hash));
	free(hash);
rewrite:
	text = codec_to_string(body, false);
	buf_free(&r->body);
	buf_puts(&r->body, text);
	free(text);
	json_object_put(body);
	return 0;
}
