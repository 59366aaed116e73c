/*
 * image-server.c - the image servers the TUI browses and launches from.
 *
 * A server is named as the user types it: a configured remote ("lab:",
 * any of remote-config.c's: the lxc client's, the incus client's or
 * lxdeck's own), a preconfigured simplestreams server ("images:",
 * image-fetch.c), or a URL ("https://h", "https://h lxd", "unix:///x").
 * image_server_resolve() turns that into a struct image_server: URL,
 * protocol and certificates.
 *   - A remote speaking the LXD API carries its pinned server certificate
 *     and, unless it is a public image server (`public: true`), our client
 *     certificate: if the server trusts it, its private images show too.
 *   - A URL gets the pinned certificate of the remote at that address, if
 *     there is one, and never the client certificate: public images only.
 * Listing an LXD-API server goes through the REST client (client.c checks
 * the pin and presents the client certificate): GET /1.0 says whether the
 * server trusts us, GET /1.0/images?recursion=1 lists what we may see.
 * Simplestreams lists through image_fetch_list().
 *
 * Launching from such a server is a pull by the target host (engine or
 * lxdeckd) as an untrusted client with the pinned certificate; a private
 * image needs a download secret for it, which a trusted client asks for
 * as `lxc launch` does: POST /1.0/images/FP/secret (image_server_secret).
 *
 * An HTTPS server whose certificate is neither pinned nor signed by a
 * system CA (a self-signed LXD or lxdeckd) is refused at once with what
 * to do about it: `lxdeck remote add`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client-internal.h"

void
image_server_free_contents(struct image_server *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->remote);
	free(s->url);
	free(s->protocol);
	free(s->certificate);
	free(s->client_crt);
	free(s->client_key);
	free(s->project);
	memset(s, 0, sizeof *s);
}

void
image_server_copy(struct image_server *dst, const struct image_server *src)
{
	dst->name = xstrdup(src->name);
	dst->remote = xstrdup(src->remote);
	dst->url = xstrdup(src->url);
	dst->protocol = xstrdup(src->protocol);
	dst->certificate = xstrdup(src->certificate);
	dst->client_crt = xstrdup(src->client_crt);
	dst->client_key = xstrdup(src->client_key);
	dst->project = xstrdup(src->project);
	dst->trusted = src->trusted;
}

static bool
image_server_is_lxd(const struct image_server *s)
{
	return s->protocol != NULL && strcmp(s->protocol, "lxd") == 0;
}

static bool
image_server_is_https(const char *url)
{
	return url != NULL && strncasecmp(url, "https://", 8) == 0;
}

/* "https://H[:P][/]" as the REST client connects to it: port 8443 by
 * default, no trailing slash (caller frees). */
static char *
image_server_norm_addr(const char *addr)
{
	size_t n = strlen(addr);
	char *s;

	while (n > 0 && addr[n - 1] == '/')
		n--;
	s = xstrndup(addr, n);
	if (image_server_is_https(s) && (strchr(s + 8, ':') == NULL ||
	    (s[8] == '[' && strstr(s, "]:") == NULL))) {
		char *p = xasprintf("%s:8443", s);

		free(s);
		s = p;
	}
	return s;
}

void
image_server_names(struct strv *out)
{
	struct remotes rs;
	const struct image_fetch_remote *b;
	size_t n, i;

	remotes_load(&rs, NULL, 0);
	for (i = 0; i < rs.n; i++) {
		const char *p = rs.v[i].protocol;

		if (rs.v[i].addr != NULL && (p == NULL || strcmp(p, "lxd") == 0 ||
		    strcmp(p, "simplestreams") == 0))
			strv_push(out, rs.v[i].name);
	}
	b = image_fetch_remotes(&n);
	for (i = 0; i < n; i++)
		if (strv_index(out, b[i].name) < 0)
			strv_push(out, b[i].name);
	remotes_free(&rs);
}

static int
image_server_check_protocol(const char *proto, struct err *e)
{
	if (strcmp(proto, "lxd") != 0 && strcmp(proto, "simplestreams") != 0)
		return err_set(e, 400, "Unknown image server protocol \"%s\" (lxd or "
		    "simplestreams)", proto);
	return 0;
}

/* A configured remote named name: out filled, 1; not one: 0. */
static int
image_server_from_remote(struct remotes *rs, const char *name, const char *proto,
    struct image_server *out, struct err *e)
{
	const struct remote_conf *rc = remotes_find(rs, name);

	if (rc == NULL)
		return 0;
	if (rc->addr == NULL || *rc->addr == '\0')
		return err_set(e, 400, "Remote \"%s\" has no address", name);
	if (proto == NULL)
		proto = rc->protocol && *rc->protocol ? rc->protocol : "lxd";
	if (image_server_check_protocol(proto, e) < 0)
		return -1;
	out->name = xasprintf("%s:", name);
	out->remote = xstrdup(name);
	out->url = xstrdup(rc->addr);
	out->protocol = xstrdup(proto);
	out->certificate = xstrdup(rc->server_crt);
	out->project = xstrdup(rc->project);
	if (strcmp(proto, "lxd") == 0 && !rc->public && image_server_is_https(rc->addr)) {
		/* Our client certificate, made on first use as for a host. */
		if (remotes_client_cert(rs, e) < 0)
			return -1;
		rc = remotes_find(rs, name);
		out->client_crt = xstrdup(rc->client_crt);
		out->client_key = xstrdup(rc->client_key);
	}
	return 1;
}

/* A URL: the pinned certificate (and protocol) of the remote at that
 * address, if any; never our client certificate. */
static int
image_server_from_url(struct remotes *rs, const char *url, const char *proto,
    struct image_server *out, struct err *e)
{
	const struct remote_conf *match = NULL;
	char *want = image_server_norm_addr(url);
	size_t i;

	for (i = 0; i < rs->n && match == NULL; i++) {
		char *have;

		if (rs->v[i].addr == NULL)
			continue;
		have = image_server_norm_addr(rs->v[i].addr);
		if (strcasecmp(have, want) == 0)
			match = &rs->v[i];
		free(have);
	}
	free(want);
	if (proto == NULL) {
		if (match != NULL && match->protocol != NULL && *match->protocol)
			proto = match->protocol;
		else if (match != NULL || strncmp(url, "unix://", 7) == 0)
			proto = "lxd";
		else
			proto = "simplestreams";
	}
	if (image_server_check_protocol(proto, e) < 0)
		return -1;
	out->name = xstrdup(url);
	out->url = xstrdup(url);
	out->protocol = xstrdup(proto);
	if (match != NULL) {
		out->certificate = xstrdup(match->server_crt);
		out->project = xstrdup(match->project);
	}
	return 0;
}

int
image_server_resolve(const char *spec, struct image_server *out, struct err *e)
{
	struct strv w = { 0 };
	struct remotes rs;
	const struct image_fetch_remote *b;
	const char *proto;
	char *name = NULL;
	size_t len;
	int rc = -1;

	memset(out, 0, sizeof *out);
	strv_split(&w, spec, ' ');
	if (w.n == 0 || w.n > 2) {
		strv_free(&w);
		return err_set(e, 400, "Give an image server: a remote (\"lab:\"), "
		    "images:, ubuntu:, a URL, or \"URL lxd\"");
	}
	proto = w.n > 1 ? w.v[1] : NULL;
	remotes_load(&rs, NULL, 0);
	if (strstr(w.v[0], "://") != NULL) {
		if (strncasecmp(w.v[0], "https://", 8) != 0 &&
		    strncasecmp(w.v[0], "http://", 7) != 0 &&
		    strncmp(w.v[0], "unix://", 7) != 0)
			err_set(e, 400, "Invalid image server \"%s\": not an https://, "
			    "http:// or unix:// URL", w.v[0]);
		else
			rc = image_server_from_url(&rs, w.v[0], proto, out, e);
		goto out;
	}
	len = strlen(w.v[0]);
	name = xstrndup(w.v[0], len > 0 && w.v[0][len - 1] == ':' ? len - 1 : len);
	if ((rc = image_server_from_remote(&rs, name, proto, out, e)) != 0) {
		rc = rc > 0 ? 0 : -1;
		goto out;
	}
	rc = -1;
	if ((b = image_fetch_remote_find(name)) != NULL) {
		if (proto != NULL && image_server_check_protocol(proto, e) < 0)
			goto out;
		out->name = xasprintf("%s:", b->name);
		out->url = xstrdup(b->url);
		out->protocol = xstrdup(proto ? proto : b->protocol);
		rc = 0;
		goto out;
	}
	err_set(e, 404, "Unknown image server \"%s\": neither a remote (lxdeck "
	    "remote list) nor images:, ubuntu:, ubuntu-daily: or a URL", w.v[0]);
out:
	if (rc < 0)
		image_server_free_contents(out);
	remotes_free(&rs);
	strv_free(&w);
	free(name);
	return rc;
}

/* A certificate that could not be verified, turned into what to do. */
static int
image_server_cert_error(const struct image_server *s, struct err *e)
{
	if (e->code != 495 || !image_server_is_https(s->url) ||
	    (s->certificate != NULL && *s->certificate != '\0'))
		return -1;	/* a changed pinned certificate says so itself */
	return err_set(e, 495, "its certificate is not trusted (self-signed, and "
	    "no remote pins it): `lxdeck remote add NAME %s` (or lxc remote add) "
	    "pins it, then browse NAME:", s->url);
}

/* The REST client for s: a remote_conf of our own making. */
static struct client *
image_server_client(const struct image_server *s, struct err *e)
{
	struct remote_conf rc = { 0 };

	rc.name = s->remote ? s->remote : s->url;
	rc.addr = s->url;
	rc.protocol = s->protocol;
	rc.project = s->project;
	rc.client_crt = s->client_crt;
	rc.client_key = s->client_key;
	rc.server_crt = s->certificate;
	return client_create(&rc, e);
}

/* "/1.0/PATH" with the project when it is not the default one. */
static char *
image_server_path(const struct image_server *s, const char *path)
{
	if (s->project == NULL || *s->project == '\0' ||
	    strcmp(s->project, "default") == 0)
		return xstrdup(path);
	return xasprintf("%s%cproject=%s", path, strchr(path, '?') ? '&' : '?',
	    s->project);
}

static int
image_server_lxd_list(struct image_server *s, struct image **out, size_t *n,
    struct err *e)
{
	struct client *c = image_server_client(s, e);
	struct server_info si;
	struct client_resp r;
	struct image *v;
	char auth[32] = "", *path;
	size_t i, len, count = 0;
	int rc;

	if (c == NULL)
		return -1;
	memset(&si, 0, sizeof si);
	if (client_server_get(c, &si, NULL, auth, sizeof auth, e) < 0) {
		client_free(c);
		return -1;
	}
	server_info_free_contents(&si);
	/* Over a unix socket the server trusts us without saying so. */
	s->trusted = strcmp(auth, "trusted") == 0 || strncmp(s->url, "unix://", 7) == 0;
	path = image_server_path(s, "/1.0/images?recursion=1");
	rc = client_request(c, "GET", path, NULL, NULL, &r, e);
	free(path);
	client_free(c);
	if (rc < 0)
		return -1;
	if (r.metadata == NULL || !json_object_is_type(r.metadata, json_type_array)) {
		client_resp_free(&r);
		return err_set(e, 502, "Image server \"%s\" sent no image list", s->url);
	}
	len = json_object_array_length(r.metadata);
	v = xcalloc(len ? len : 1, sizeof *v);
	for (i = 0; i < len; i++) {
		struct err ignored = { 0 };

		if (codec_image_decode(json_object_array_get_idx(r.metadata, i),
		    &v[count], &ignored) == 0 && v[count].fingerprint != NULL)
			count++;
		else
			image_free_contents(&v[count]);
	}
	client_resp_free(&r);
	*out = v;
	*n = count;
	return 0;
}

int
image_server_list(struct image_server *s, struct image **out, size_t *n,
    struct err *e)
{
	struct image_remote r = {
		.server = s->url, .protocol = s->protocol, .certificate = s->certificate,
	};

	*out = NULL;
	*n = 0;
	s->trusted = false;
	if (image_server_is_lxd(s) && (image_server_is_https(s->url) ||
	    strncmp(s->url, "unix://", 7) == 0)) {
		if (image_server_lxd_list(s, out, n, e) < 0)
			return image_server_cert_error(s, e);
		return 0;
	}
	if (image_fetch_list(&r, out, n, e) < 0)
		return image_server_cert_error(s, e);
	return 0;
}

int
image_server_secret(const struct image_server *s, const char *fp, char **secret,
    struct err *e)
{
	struct client *c;
	struct client_resp r;
	json_object *meta;
	const char *sec = NULL;
	char *path, *p;
	int rc;

	*secret = NULL;
	if (!image_server_is_lxd(s))
		return err_set(e, 400, "Image server \"%s\" has no download secrets "
		    "(not the lxd protocol)", s->name);
	if ((c = image_server_client(s, e)) == NULL)
		return -1;
	p = xasprintf("/1.0/images/%s/secret", fp);
	path = image_server_path(s, p);
	free(p);
	{
		json_object *body = json_object_new_object();

		rc = client_request(c, "POST", path, body, NULL, &r, e);
		json_object_put(body);
	}
	free(path);
	client_free(c);
	if (rc < 0) {
		err_prefix(e, "Failed to get a download secret for image %.12s on %s: ",
		    fp, s->name);
		return image_server_cert_error(s, e);
	}
	if (r.metadata != NULL && json_object_object_get_ex(r.metadata, "metadata",
	    &meta) && meta != NULL) {
		struct err ignored = { 0 };

		codec_get_string(meta, "secret", &sec, &ignored);
	}
	if (sec == NULL || *sec == '\0') {
		client_resp_free(&r);
		return err_set(e, 502, "Image server %s sent no download secret for "
		    "image %.12s", s->name, fp);
	}
	*secret = xstrdup(sec);
	client_resp_free(&r);
	return 0;
}
