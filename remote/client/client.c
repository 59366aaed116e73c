/*
 * client.c - one remote's HTTP side: LXD /1.0 requests over a unix socket
 * or HTTPS, with libcurl.
 *
 * A struct client is one remote: its base URL, the unix socket or the TLS
 * material (our client certificate and key, the server certificate pinned
 * SSH-style), timeouts, and whether the remote is currently reachable.
 * client_request() sends one request (one connection, `Connection: close`,
 * as lxc does) and decodes LXD's envelope; a failed envelope becomes the
 * struct err the caller returns (HTTP status + the server's message, the
 * remote named).
 *
 * Pinning: with a pinned certificate the TLS verification is replaced by a
 * comparison of the leaf certificate's SHA-256 fingerprint with the pinned
 * one (what lxc achieves by making the pinned cert a CA); a different
 * certificate is refused loudly, naming the remote and both fingerprints.
 * Without one, the system CAs decide (a CA-signed LXD).
 *
 * Unreachable remotes: a connection failure marks the remote down ("since
 * T") and further requests fail at once, without touching the network,
 * until the retry time (backoff 1 s .. 30 s); the events stream's
 * reconnect (backend-remote.c) or a request after that time probes again.
 * So a dead host costs the TUI at most one connect timeout per backoff
 * period, never a hang.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "client-internal.h"

#define CLIENT_CONNECT_TIMEOUT_MS	3000
#define CLIENT_REQUEST_TIMEOUT_MS	30000
#define CLIENT_BACKOFF_MIN_MS		1000
#define CLIENT_BACKOFF_MAX_MS		30000
#define CLIENT_USER_AGENT		"lxdeck 0.1"

static bool client_curl_ready;

static void
client_global_init(void)
{
	if (!client_curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		client_curl_ready = true;
	}
}

static int
client_env_ms(const char *name, int def)
{
	const char *v = getenv(name);
	long n;
	char *end;

	if (v == NULL || *v == '\0')
		return def;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n <= 0 || n > 3600000)
		return def;
	return (int)n;
}

struct client *
client_create(const struct remote_conf *rc, struct err *e)
{
	struct client *c;

	client_global_init();
	if (rc->addr == NULL || *rc->addr == '\0') {
		err_set(e, 400, "Remote \"%s\" has no address", rc->name);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->name = xstrdup(rc->name);
	c->project = xstrdup(rc->project && *rc->project ? rc->project : "default");
	if (strncmp(rc->addr, "unix://", 7) == 0) {
		const char *p = rc->addr + 7;

		c->socket_path = xstrdup(*p ? p : "/var/lib/lxd/unix.socket");
		c->base = xstrdup("http://unix.socket");
	} else if (strncmp(rc->addr, "https://", 8) == 0) {
		size_t n = strlen(rc->addr);

		while (n > 8 && rc->addr[n - 1] == '/')
			n--;
		c->base = xstrndup(rc->addr, n);
		/* Default port as lxc: 8443. */
		if (strchr(c->base + 8, ':') == NULL ||
		    (c->base[8] == '[' && strstr(c->base, "]:") == NULL)) {
			char *b = xasprintf("%s:8443", c->base);

			free(c->base);
			c->base = b;
		}
		c->https = true;
		c->client_crt = xstrdup(rc->client_crt);
		c->client_key = xstrdup(rc->client_key);
		if (rc->server_crt != NULL && *rc->server_crt != '\0') {
			c->pinned_pem = xstrdup(rc->server_crt);
			if (cert_pem_fingerprint(c->pinned_pem, c->pinned_fp) < 0) {
				err_set(e, 400, "The pinned certificate of remote \"%s\" is "
				    "not a valid PEM certificate", rc->name);
				client_free(c);
				return NULL;
			}
		}
	} else {
		err_set(e, 400, "Remote \"%s\": unsupported address \"%s\" (unix:// or "
		    "https:// expected)", rc->name, rc->addr);
		free(c);
		return NULL;
	}
	c->connect_timeout_ms = client_env_ms("LXDECK_CONNECT_TIMEOUT_MS",
	    CLIENT_CONNECT_TIMEOUT_MS);
	c->timeout_ms = client_env_ms("LXDECK_REQUEST_TIMEOUT_MS",
	    CLIENT_REQUEST_TIMEOUT_MS);
	return c;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->project);
	free(c->base);
	free(c->socket_path);
	free(c->client_crt);
	free(c->client_key);
	free(c->pinned_pem);
	free(c->seen_pem);
	free(c);
}

/* TLS: pinning through the certificate verification callback. */

static int
client_verify_cb(X509_STORE_CTX *store, void *arg)
{
	struct client *c = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(store);
	char fp[65];
	char *pem;

	if (leaf == NULL || cert_x509_fingerprint(leaf, fp) < 0)
		return 0;
	snprintf(c->seen_fp, sizeof c->seen_fp, "%s", fp);
	pem = cert_x509_pem(leaf);
	free(c->seen_pem);
	c->seen_pem = pem;
	if (c->capture_only)
		return 1;
	if (c->pinned_fp[0] == '\0')
		return X509_verify_cert(store);
	if (strcmp(fp, c->pinned_fp) == 0)
		return 1;
	c->pin_mismatch = true;
	X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
	return 0;
}

static CURLcode
client_ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
	SSL_CTX *ctx = sslctx;

	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_cert_verify_callback(ctx, client_verify_cb, arg);
	return CURLE_OK;
}

/* Sets up a handle for a request to path (absolute: "/1.0/..."). */
void *
client_curl(struct client *c, const char *path, bool verify)
{
	CURL *h = curl_easy_init();
	char *url;

	if (h == NULL)
		fatal("curl_easy_init failed");
	url = xasprintf("%s%s", c->base, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, CLIENT_USER_AGENT);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	if (c->socket_path != NULL)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
	if (c->https) {
		curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		if (verify && c->client_crt != NULL && c->client_key != NULL) {
			curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_crt);
			curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
		}
		c->capture_only = !verify;
		c->pin_mismatch = false;
		/* The callback decides; host names do not matter for a pinned
		 * self-signed certificate (lxc retries with the URL host too). */
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST,
		    (verify && c->pinned_fp[0] == '\0') ? 2L : 0L);
		curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, client_ssl_ctx_cb);
		curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c);
		/* Each connection runs the callback: no session reuse. */
		curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
	return h;
}

/* Reachability */

bool
client_is_down(const struct client *c)
{
	return c->down_since_ns != 0;
}

void
client_mark_up(struct client *c)
{
	c->down_since_ns = 0;
	c->backoff_ms = 0;
	c->retry_at_ns = 0;
}

void
client_mark_down(struct client *c, const char *why)
{
	int64_t now = time_now_ns();

	if (c->down_since_ns == 0) {
		c->down_since_ns = now;
		c->backoff_ms = CLIENT_BACKOFF_MIN_MS;
	} else {
		c->backoff_ms *= 2;
		if (c->backoff_ms > CLIENT_BACKOFF_MAX_MS)
			c->backoff_ms = CLIENT_BACKOFF_MAX_MS;
	}
	c->retry_at_ns = now + (int64_t)c->backoff_ms * 1000000;
	snprintf(c->down_reason, sizeof c->down_reason, "%s", why ? why : "");
}

/* "unreachable since 14:03:12" into buf. */
const char *
client_down_text(const struct client *c, char *buf, size_t len)
{
	time_t t = (time_t)(c->down_since_ns / 1000000000);
	struct tm tm;
	char when[32];

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	snprintf(buf, len, "unreachable since %s (%s)", when, c->down_reason);
	return buf;
}

/* The loud refusal of a changed server certificate. */
int
client_pin_error(struct client *c, struct err *e)
{
	log_error("REFUSED: the certificate of remote \"%s\" has CHANGED", c->name);
	return err_set(e, 495, "REFUSED: the certificate of remote \"%s\" has "
	    "CHANGED (now SHA-256 %s, pinned %s); it may be an impostor. Remove "
	    "the pinned certificate only if you know why it changed",
	    c->name, c->seen_fp, c->pinned_fp);
}

/* The error of a transport failure; the remote is marked down unless the
 * failure was the certificate (that will not get better by retrying). */
static int
client_transport_error(struct client *c, CURLcode rc, const char *detail,
    struct err *e)
{
	char buf[200];

	if (c->pin_mismatch)
		return client_pin_error(c, e);
	if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
		return err_set(e, 495, "Remote \"%s\": the server certificate could "
		    "not be verified: %s", c->name, detail);
	if (rc == CURLE_SSL_CERTPROBLEM)
		return err_set(e, 400, "Remote \"%s\": bad client certificate: %s",
		    c->name, detail);
	client_mark_down(c, detail);
	return err_set(e, 503, "Remote \"%s\" is %s", c->name,
	    client_down_text(c, buf, sizeof buf));
}

/* Fails at once while the remote is down and its retry time has not come. */
int
client_check_reachable(struct client *c, struct err *e)
{
	char buf[200];

	if (c->down_since_ns == 0 || time_now_ns() >= c->retry_at_ns)
		return 0;
	return err_set(e, 503, "Remote \"%s\" is %s", c->name,
	    client_down_text(c, buf, sizeof buf));
}

/* Requests */

static size_t
client_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct client_resp *r = arg;

	buf_append(&r->body, data, size * n);
	return size * n;
}

static size_t
client_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct client_resp *r = arg;
	size_t len = size * n, k;
	char *line, *colon, *v, *end;

	if (len < 3)
		return len;
	line = xstrndup(data, len);
	colon = strchr(line, ':');
	if (colon == NULL) {
		/* A status line starts a new header block (after a 100). */
		if (strncmp(line, "HTTP/", 5) == 0)
			strmap_free(&r->headers);
		free(line);
		return len;
	}
	*colon = '\0';
	for (k = 0; line[k]; k++)
		if (line[k] >= 'A' && line[k] <= 'Z')
			line[k] = (char)(line[k] - 'A' + 'a');
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	strmap_set(&r->headers, line, v);
	free(line);
	return len;
}

void
client_resp_free(struct client_resp *r)
{
	if (r == NULL)
		return;
	if (r->root != NULL)
		json_object_put(r->root);
	r->root = NULL;
	r->metadata = NULL;
	buf_free(&r->body);
	strmap_free(&r->headers);
}

const char *
client_resp_header(const struct client_resp *r, const char *lname)
{
	return strmap_get(&r->headers, lname);
}

/* The ETag header without its quotes, into out[65] ("" when none). */
void
client_resp_etag(const struct client_resp *r, char out[65])
{
	const char *v = client_resp_header(r, "etag");
	size_t n;

	out[0] = '\0';
	if (v == NULL)
		return;
	if (*v == '"')
		v++;
	n = strcspn(v, "\"");
	if (n > 64)
		n = 64;
	memcpy(out, v, n);
	out[n] = '\0';
}

struct client_upload {
	const char	*data;
	size_t		 len, off;
};

static size_t
client_read_cb(char *dst, size_t size, size_t n, void *arg)
{
	struct client_upload *u = arg;
	size_t want = size * n;

	if (want > u->len - u->off)
		want = u->len - u->off;
	memcpy(dst, u->data + u->off, want);
	u->off += want;
	return want;
}

/* Decodes LXD's envelope in r->body; a JSON error envelope (or a non-2xx
 * answer) becomes e. */
static int
client_decode_envelope(struct client *c, struct client_resp *r, struct err *e)
{
	json_object *root, *v;
	const char *type = NULL, *msg = NULL;
	int64_t code = 0;
	struct err je = { 0 };

	root = r->body.len ? json_tokener_parse(r->body.data) : NULL;
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		if (root != NULL)
			json_object_put(root);
		if (r->http >= 200 && r->http < 300 && r->raw)
			return 0;
		if (r->http >= 400)
			return err_set(e, r->http, "Remote \"%s\": %s %s", c->name,
			    r->path, http_status_text(r->http));
		return err_set(e, 502, "Remote \"%s\": %s: the answer is not LXD's JSON",
		    c->name, r->path);
	}
	r->root = root;
	codec_get_string(root, "type", &type, &je);
	if (json_object_object_get_ex(root, "metadata", &v))
		r->metadata = v;
	if (type != NULL && strcmp(type, "error") == 0) {
		codec_get_string(root, "error", &msg, &je);
		codec_get_int(root, "error_code", &code, &je);
		if (code < 400 || code > 599)
			code = r->http >= 400 ? r->http : 500;
		return err_set(e, (int)code, "%s", msg && *msg ? msg : "Unknown error");
	}
	if (r->http >= 400)
		return err_set(e, r->http, "Remote \"%s\": %s %s", c->name, r->path,
		    http_status_text(r->http));
	r->async = type != NULL && strcmp(type, "async") == 0;
	return 0;
}

int
client_request_ex(struct client *c, const struct client_req *q,
    struct client_resp *r, struct err *e)
{
	CURL *h;
	CURLcode rc;
	struct curl_slist *hdrs = NULL;
	struct client_upload up = { 0 };
	char *body = NULL, errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	int ret = -1;
	FILE *in = NULL;

	memset(r, 0, sizeof *r);
	r->raw = q->raw;
	snprintf(r->path, sizeof r->path, "%s", q->path);
	if (client_check_reachable(c, e) < 0)
		return -1;
	h = client_curl(c, q->path, true);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    (long)(q->timeout_ms > 0 ? q->timeout_ms : c->timeout_ms));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, client_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, client_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	if (strcmp(q->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (q->if_match != NULL && *q->if_match != '\0') {
		char *m = xasprintf("If-Match: \"%s\"", q->if_match);

		hdrs = curl_slist_append(hdrs, m);
		free(m);
	}
	if (q->headers != NULL) {
		size_t i;

		for (i = 0; i < q->headers->n; i++) {
			char *m = xasprintf("%s: %s", q->headers->keys[i],
			    q->headers->vals[i]);

			hdrs = curl_slist_append(hdrs, m);
			free(m);
		}
	}
	if (q->json != NULL) {
		body = codec_to_string(q->json, false);
		up.data = body;
		up.len = strlen(body);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	} else if (q->data != NULL) {
		up.data = q->data;
		up.len = q->data_len;
	}
	if (q->upload_path != NULL) {
		in = fopen(q->upload_path, "rb");
		if (in == NULL) {
			err_set(e, 400, "Failed to open \"%s\": %s", q->upload_path,
			    strerror(errno));
			goto out;
		}
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READDATA, in);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->upload_len);
	} else if (q->json != NULL || q->data != NULL) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, client_read_cb);
		curl_easy_setopt(h, CURLOPT_READDATA, &up);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	}
	/* CURLOPT_UPLOAD turns the method into PUT; CUSTOMREQUEST wins. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		client_transport_error(c, rc, errbuf[0] ? errbuf : curl_easy_strerror(rc),
		    e);
		goto out;
	}
	client_mark_up(c);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	r->http = (int)status;
	buf_putc(&r->body, '\0');
	r->body.len--;
	ret = client_decode_envelope(c, r, e);
out:
	if (in != NULL)
		fclose(in);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(body);
	if (ret < 0)
		client_resp_free(r);	/* e says why; nothing is left to free */
	return ret;
}

int
client_request(struct client *c, const char *method, const char *path,
    json_object *json, const char *if_match, struct client_resp *r, struct err *e)
{
	struct client_req q = { 0 };

	q.method = method;
	q.path = path;
	q.json = json;
	q.if_match = if_match;
	return client_request_ex(c, &q, r, e);
}

/* Fetches the server's certificate with verification off and no client
 * certificate (lxc's GET / on first contact).  *pem (caller frees) and
 * fp[65] get it. */
int
client_fetch_cert(struct client *c, char **pem, char fp[65], struct err *e)
{
	CURL *h;
	CURLcode rc;
	struct client_resp r = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";

	*pem = NULL;
	if (!c->https)
		return err_set(e, 400, "Remote \"%s\" is not an HTTPS remote", c->name);
	h = client_curl(c, "/", false);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, client_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	buf_free(&r.body);
	c->capture_only = false;
	if (c->seen_pem == NULL) {
		if (rc != CURLE_OK)
			return err_set(e, 503, "Failed to connect to remote \"%s\" (%s): %s",
			    c->name, c->base, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return err_set(e, 502, "Remote \"%s\" sent no certificate", c->name);
	}
	*pem = xstrdup(c->seen_pem);
	memcpy(fp, c->seen_fp, 65);
	return 0;
}

/* GET /1.0: the server's info and whether it trusts us. */
int
client_server_get(struct client *c, struct server_info *si, struct strv *ext,
    char *auth, size_t authlen, struct err *e)
{
	struct client_resp r;
	const char *a = NULL;
	int rc;

	if (client_request(c, "GET", "/1.0", NULL, NULL, &r, e) < 0)
		return -1;
	if (auth != NULL) {
		struct err je = { 0 };

		codec_get_string(r.metadata, "auth", &a, &je);
		snprintf(auth, authlen, "%s", a ? a : "");
	}
	rc = codec_server_decode(r.metadata, si, ext, e);
	client_resp_free(&r);
	return rc;
}
