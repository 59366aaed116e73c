/*
 * image-fetch.c - talking to image servers: HTTP with libcurl, the "lxd"
 * image protocol, and the fetcher the engine calls (backend.h).
 *
 * A server is a URL: https:// or http:// (simplestreams or an LXD/lxdeckd
 * host), or unix:///path/to/socket for an LXD-protocol server on this
 * host.  Every transfer is one blocking libcurl easy handle: the engine
 * calls the fetcher from its helper processes, the TUI from a worker-less
 * prompt (a listing is a couple of small JSON files).  Nothing here waits
 * for long on a dead server: connecting, name lookup included, is bounded
 * by IMAGE_FETCH_CONNECT_MS and a transfer that moves no byte for
 * IMAGE_FETCH_STALL_S seconds is abandoned.  A server's certificate, when
 * one is given, is the only one trusted for it (pinned, as LXD does with
 * update_source.certificate); otherwise the system CAs apply.
 *
 * The "lxd" protocol (lxd-api.md 4.4), as an untrusted client:
 *   GET /1.0/images/aliases/NAME   -> target fingerprint (404: not an alias)
 *   GET /1.0/images/FP[?secret=]   -> the image object (FP may be a prefix)
 *   GET /1.0/images/FP/export[?secret=]
 *                                  -> the unified file, or multipart with
 *                                     parts "metadata" and "rootfs"
 *   GET /1.0/images?recursion=1    -> the list
 * What is received is hashed as it arrives and must equal the fingerprint.
 *
 * Simplestreams lives in simplestreams.c; the download of its files (and
 * their checks) is image_fetch_files() here.
 *
 * To add a preconfigured remote: append to image_fetch_remote_table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "client-internal.h"
#include "curl-load.h"		/* libcurl, loaded on the first transfer */


static const struct image_fetch_remote image_fetch_remote_table[] = {
	{ "images", "https://images.linuxcontainers.org", "simplestreams" },
	{ "ubuntu", "https://cloud-images.ubuntu.com/releases", "simplestreams" },
	{ "ubuntu-daily", "https://cloud-images.ubuntu.com/daily", "simplestreams" },
};

const struct image_fetch_remote *
image_fetch_remotes(size_t *n)
{
	*n = ARRAY_SIZE(image_fetch_remote_table);
	return image_fetch_remote_table;
}

const struct image_fetch_remote *
image_fetch_remote_find(const char *name)
{
	size_t i, len = strlen(name);

	if (len > 0 && name[len - 1] == ':')
		len--;
	for (i = 0; i < ARRAY_SIZE(image_fetch_remote_table); i++)
		if (strlen(image_fetch_remote_table[i].name) == len &&
		    strncmp(image_fetch_remote_table[i].name, name, len) == 0)
			return &image_fetch_remote_table[i];
	return NULL;
}

static bool
image_fetch_is_lxd(const struct image_remote *r)
{
	return r->protocol != NULL && strcmp(r->protocol, "lxd") == 0;
}

/* ------------------------------------------------------------------------
 * HTTP.
 */

/* Where the bytes of one transfer go. */
struct image_fetch_sink {
	struct buf		 mem;		/* to memory, when fd < 0 */
	size_t			 max;
	bool			 too_big;
	int			 fd;
	EVP_MD_CTX		*file_md;	/* this file's hash (may be NULL) */
	EVP_MD_CTX		*all_md;	/* the whole image's (may be NULL) */
	int64_t			 got;
	bool			 write_failed;
	int			 write_errno;
	/* progress */
	image_fetch_progress_fn	 progress;
	void			*arg;
	const char		*what;
	int64_t			 expect;
	CURL			*curl;
};

static size_t
image_fetch_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct image_fetch_sink *s = arg;
	size_t len = size * nmemb, off = 0;
	ssize_t w;

	if (s->fd < 0) {
		if (s->mem.len + len > s->max) {
			s->too_big = true;
			return 0;
		}
		buf_append(&s->mem, data, len);
		s->got += (int64_t)len;
		return len;
	}
	while (off < len) {
		w = write(s->fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->write_failed = true;
			s->write_errno = errno;
			return 0;
		}
		off += (size_t)w;
	}
	if (s->file_md != NULL)
		EVP_DigestUpdate(s->file_md, data, len);
	if (s->all_md != NULL)
		EVP_DigestUpdate(s->all_md, data, len);
	s->got += (int64_t)len;
	return len;
}

static int
image_fetch_xfer_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct image_fetch_sink *s = arg;
	curl_off_t rate = 0;

	(void)ultotal;
	(void)ulnow;
	if (s->progress == NULL)
		return 0;
	curl_easy_getinfo(s->curl, CURLINFO_SPEED_DOWNLOAD_T, &rate);
	s->progress(s->arg, s->what, (int64_t)dlnow,
	    dltotal > 0 ? (int64_t)dltotal : s->expect, (int64_t)rate);
	return 0;
}

/* The URL curl gets for server+path; *sock the unix socket, if any. */
static char *
image_fetch_url(const struct image_remote *r, const char *path, char **sock)
{
	const char *base = r->server;
	size_t blen;

	*sock = NULL;
	while (*path == '/')
		path++;
	if (strncmp(base, "unix://", 7) == 0) {
		*sock = xstrdup(base + 7);
		return xasprintf("http://lxd/%s", path);
	}
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	return xasprintf("%.*s/%s", (int)blen, base, path);
}

/* One GET into sink; *status the HTTP status.  Network failures are 503. */
static int
image_fetch_transfer(const struct image_remote *r, const char *path,
    struct image_fetch_sink *s, long *status, char **content_type, struct err *e)
{
	CURL *c = NULL;
	CURLcode cc;
	char *url = NULL, *sock = NULL, errbuf[CURL_ERROR_SIZE] = "";
	const char *ct = NULL;
	int rc = -1;

	if (strncmp(r->server, "https://", 8) != 0 &&
	    strncmp(r->server, "http://", 7) != 0 &&
	    strncmp(r->server, "unix://", 7) != 0)
		return err_set(e, 400, "Invalid image server \"%s\": not an https://, "
		    "http:// or unix:// URL", r->server);
	/* libcurl is loaded on the first transfer, not at start-up: a daemon
	 * that never talks to an image server does not carry it. */
	if (!curl_load())
		return err_set(e, 503, "Image server \"%s\" unreachable: libcurl "
		    "cannot be loaded", r->server);
	url = image_fetch_url(r, path, &sock);
	if ((c = curl_easy_init()) == NULL)
		fatal("out of memory");
	s->curl = c;
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (sock != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)IMAGE_FETCH_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)IMAGE_FETCH_STALL_S);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "lxdeck");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, image_fetch_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	if (s->progress != NULL) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, image_fetch_xfer_cb);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
	}
	if (r->certificate != NULL && *r->certificate != '\0') {
		struct curl_blob blob = {
			.data = (void *)r->certificate,
			.len = strlen(r->certificate),
			.flags = CURL_BLOB_COPY,
		};

		/* Pinned: that certificate is the only trust anchor. */
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		if (s->too_big)
			err_set(e, 502, "Failed to fetch \"%s\": more than %zu bytes",
			    url, s->max);
		else if (s->write_failed)
			err_set(e, 500, "Failed to fetch \"%s\": %s", url,
			    strerror(s->write_errno));
		else if (cc == CURLE_PEER_FAILED_VERIFICATION)
			/* Not worth retrying: 495, as a refused pin. */
			err_set(e, 495, "Failed to fetch \"%s\": the server certificate "
			    "could not be verified: %s", url,
			    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		else
			err_set(e, 503, "Failed to fetch \"%s\": %s", url,
			    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (content_type != NULL) {
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		*content_type = xstrdup(ct ? ct : "");
	}
	rc = 0;
out:
	curl_easy_cleanup(c);
	s->curl = NULL;
	free(url);
	free(sock);
	return rc;
}

int
image_fetch_get(const struct image_remote *r, const char *path, size_t max,
    char **body, size_t *len, long *status, struct err *e)
{
	struct image_fetch_sink s = { .fd = -1, .max = max };
	long st = 0;

	*body = NULL;
	*len = 0;
	if (image_fetch_transfer(r, path, &s, &st, NULL, e) < 0) {
		buf_free(&s.mem);
		return -1;
	}
	if (status != NULL)
		*status = st;
	*len = s.mem.len;
	buf_putc(&s.mem, '\0');
	*body = buf_steal(&s.mem);
	return 0;
}

static char *
image_fetch_md_hex(EVP_MD_CTX *md)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *hex;

	if (EVP_DigestFinal_ex(md, d, &n) != 1)
		return xstrdup("");
	hex = xmalloc(n * 2 + 1);
	for (i = 0; i < n; i++)
		snprintf(hex + i * 2, 3, "%02x", d[i]);
	return hex;
}

static EVP_MD_CTX *
image_fetch_md_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		fatal("out of memory");
	return md;
}

/* sha256 of the concatenated files, streamed (caller frees); NULL on error. */
static char *
image_fetch_hash_files(const char *const *paths, size_t n, struct err *e)
{
	EVP_MD_CTX *md = image_fetch_md_new();
	char *buf = xmalloc(1 << 20), *hex = NULL;
	size_t i;
	ssize_t r;
	int fd;

	for (i = 0; i < n; i++) {
		if ((fd = open(paths[i], O_RDONLY | O_CLOEXEC)) < 0) {
			err_set(e, 500, "Failed to read \"%s\": %s", paths[i],
			    strerror(errno));
			goto out;
		}
		while ((r = read(fd, buf, 1 << 20)) > 0 || (r < 0 && errno == EINTR))
			if (r > 0)
				EVP_DigestUpdate(md, buf, (size_t)r);
		close(fd);
		if (r < 0) {
			err_set(e, 500, "Failed to read \"%s\": %s", paths[i],
			    strerror(errno));
			goto out;
		}
	}
	hex = image_fetch_md_hex(md);
out:
	EVP_MD_CTX_free(md);
	free(buf);
	return hex;
}

static int
image_fetch_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;
	ssize_t w;

	if (fd < 0)
		return -1;
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

int
image_fetch_files(const struct image_remote *r, struct image_fetch_file *files,
    size_t n, const char *combined, char **content_type,
    image_fetch_progress_fn progress, void *arg, struct err *e)
{
	EVP_MD_CTX *all = image_fetch_md_new(), *one = NULL;
	char *hex = NULL;
	size_t i, done = 0;
	int rc = -1;

	for (i = 0; i < n; i++) {
		struct image_fetch_sink s = {
			.fd = -1, .all_md = all, .progress = progress, .arg = arg,
			.what = files[i].what, .expect = files[i].size,
		};
		long status = 0;

		s.fd = open(files[i].dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (s.fd < 0) {
			err_set(e, 500, "Failed to create \"%s\": %s", files[i].dest,
			    strerror(errno));
			goto out;
		}
		done = i + 1;
		one = image_fetch_md_new();
		s.file_md = one;
		if (content_type != NULL) {
			free(*content_type);
			*content_type = NULL;
		}
		rc = image_fetch_transfer(r, files[i].path, &s, &status, content_type, e);
		if (rc == 0 && fsync(s.fd) < 0) {
			rc = err_set(e, 500, "Failed to write \"%s\": %s", files[i].dest,
			    strerror(errno));
		}
		close(s.fd);
		if (rc < 0)
			goto out;
		rc = -1;
		if (status >= 400) {
			err_set(e, status == 404 ? 404 : 502, "Failed to fetch \"%s/%s\": "
			    "HTTP status %ld", r->server, files[i].path, status);
			goto out;
		}
		hex = image_fetch_md_hex(one);
		EVP_MD_CTX_free(one);
		one = NULL;
		snprintf(files[i].got_sha256, sizeof files[i].got_sha256, "%s", hex);
		if (files[i].sha256 != NULL && strcmp(hex, files[i].sha256) != 0) {
			err_set(e, 400, "Image file \"%s\" from \"%s\" is corrupted: "
			    "SHA-256 %.12s..., expected %.12s...", files[i].path,
			    r->server, hex, files[i].sha256);
			goto out;
		}
		free(hex);
		hex = NULL;
	}
	hex = image_fetch_md_hex(all);
	if (combined != NULL && strcmp(hex, combined) != 0) {
		err_set(e, 400, "Image %.12s from \"%s\" is corrupted: its files hash "
		    "to %.12s...", combined, r->server, hex);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		for (i = 0; i < done; i++)
			unlink(files[i].dest);
	EVP_MD_CTX_free(all);
	EVP_MD_CTX_free(one);
	free(hex);
	return rc;
}

/* ------------------------------------------------------------------------
 * The "lxd" protocol.
 */

/* GET path and unwrap LXD's envelope: *meta (caller puts) or an error. */
static int
image_fetch_lxd_get(const struct image_remote *r, const char *path,
    json_object **meta, struct err *e)
{
	char *body = NULL;
	size_t len = 0;
	long status = 0;
	json_object *root = NULL, *m;
	const char *msg = NULL;
	int rc = -1;

	*meta = NULL;
	if (image_fetch_get(r, path, IMAGE_FETCH_JSON_MAX, &body, &len, &status,
	    e) < 0)
		return -1;
	root = json_tokener_parse(body);
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		err_set(e, 502, "Image server \"%s\" sent no JSON for %s (HTTP %ld)",
		    r->server, path, status);
		goto out;
	}
	if (status >= 400) {
		json_object *v;

		if (json_object_object_get_ex(root, "error", &v))
			msg = json_object_get_string(v);
		err_set(e, (int)status, "%s", msg && *msg ? msg : http_status_text(
		    (int)status));
		goto out;
	}
	if (!json_object_object_get_ex(root, "metadata", &m) || m == NULL) {
		err_set(e, 502, "Image server \"%s\" sent no metadata for %s",
		    r->server, path);
		goto out;
	}
	*meta = json_object_get(m);
	rc = 0;
out:
	json_object_put(root);
	free(body);
	return rc;
}

static char *
image_fetch_escape(const char *s)
{
	CURL *c;
	char *esc, *out;

	if (!curl_load())
		return xstrdup(s);	/* the transfer will say why */
	if ((c = curl_easy_init()) == NULL)
		fatal("out of memory");
	esc = curl_easy_escape(c, s, 0);
	out = xstrdup(esc ? esc : "");
	curl_free(esc);
	curl_easy_cleanup(c);
	return out;
}

/* fmt (one %s) with ?secret= when r carries a download token. */
static char *
image_fetch_lxd_path(const struct image_remote *r, const char *fmt, const char *arg)
{
	char *p = xasprintf(fmt, arg), *q, *esc;

	if (r->secret == NULL || *r->secret == '\0')
		return p;
	esc = image_fetch_escape(r->secret);
	q = xasprintf("%s?secret=%s", p, esc);
	free(esc);
	free(p);
	return q;
}

static int
image_fetch_lxd_resolve(const struct image_remote *r, const char *ref,
    struct image *out, struct err *e)
{
	json_object *m = NULL;
	char *esc = image_fetch_escape(ref), *path = NULL;
	const char *target = ref;
	int rc = -1;

	memset(out, 0, sizeof *out);
	path = xasprintf("1.0/images/aliases/%s", esc);
	if (image_fetch_lxd_get(r, path, &m, e) == 0) {
		json_object *t;

		if (json_object_object_get_ex(m, "target", &t))
			target = json_object_get_string(t);
	} else if (e->code != 404) {
		goto out;
	}
	err_clear(e);
	free(esc);
	free(path);
	esc = image_fetch_escape(target);
	path = image_fetch_lxd_path(r, "1.0/images/%s", esc);
	{
		json_object *im = NULL;

		if (image_fetch_lxd_get(r, path, &im, e) < 0) {
			if (e->code == 404 || e->code == 403)
				err_set(e, 404, "Image \"%s\" not found on \"%s\"", ref,
				    r->server);
			json_object_put(m);
			m = NULL;
			goto out;
		}
		json_object_put(m);
		m = im;
	}
	if (codec_image_decode(m, out, e) < 0)
		goto out;
	if (out->fingerprint == NULL || strlen(out->fingerprint) != 64) {
		err_set(e, 502, "Image server \"%s\" sent an image without a "
		    "fingerprint", r->server);
		image_free_contents(out);
		goto out;
	}
	rc = 0;
out:
	json_object_put(m);
	free(esc);
	free(path);
	return rc;
}

static int
image_fetch_lxd_list(const struct image_remote *r, struct image **out, size_t *n,
    struct err *e)
{
	json_object *m = NULL;
	struct image *v = NULL;
	size_t i, count = 0, len;

	*out = NULL;
	*n = 0;
	if (image_fetch_lxd_get(r, "1.0/images?recursion=1", &m, e) < 0)
		return -1;
	if (!json_object_is_type(m, json_type_array)) {
		json_object_put(m);
		return err_set(e, 502, "Image server \"%s\" sent no image list",
		    r->server);
	}
	len = json_object_array_length(m);
	v = xcalloc(len ? len : 1, sizeof *v);
	for (i = 0; i < len; i++) {
		struct err ignored = { 0 };

		if (codec_image_decode(json_object_array_get_idx(m, i), &v[count],
		    &ignored) == 0 && v[count].fingerprint != NULL)
			count++;
		else
			image_free_contents(&v[count]);
	}
	json_object_put(m);
	*out = v;
	*n = count;
	return 0;
}

/* Splits a multipart export (in file path) into meta and rootfs files. */
static int
image_fetch_lxd_split(const char *path, const char *content_type,
    const char *meta, const char *rootfs, struct err *e)
{
	struct http_part parts[4];
	char *boundary = http_multipart_boundary(content_type);
	struct stat st;
	void *map = MAP_FAILED;
	int fd = -1, np = -1, i, rc = -1;
	bool got_meta = false, got_root = false;

	memset(parts, 0, sizeof parts);
	if (boundary == NULL)
		return err_set(e, 502, "Multipart export without a boundary");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0 ||
	    st.st_size == 0 ||
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
	    MAP_FAILED) {
		err_set(e, 500, "Failed to read \"%s\": %s", path, strerror(errno));
		goto out;
	}
	np = http_multipart_split(map, (size_t)st.st_size, boundary, parts, 4);
	if (np < 2) {
		err_set(e, 502, "Malformed multipart image export");
		goto out;
	}
	for (i = 0; i < np; i++) {
		const char *dst = NULL;

		if (parts[i].name && strcmp(parts[i].name, "metadata") == 0) {
			dst = meta;
			got_meta = true;
		} else if (parts[i].name && (strcmp(parts[i].name, "rootfs") == 0 ||
		    strcmp(parts[i].name, "rootfs.img") == 0)) {
			dst = rootfs;
			got_root = true;
		}
		if (dst != NULL && image_fetch_write_file(dst, (const char *)map +
		    parts[i].start, parts[i].end - parts[i].start) < 0) {
			err_set(e, 500, "Failed to write \"%s\": %s", dst,
			    strerror(errno));
			goto out;
		}
	}
	if (!got_meta || !got_root) {
		err_set(e, 502, "Multipart image export without metadata and rootfs");
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < np; i++)
		http_part_free(&parts[i]);
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	free(boundary);
	return rc;
}

static int
image_fetch_lxd_download(const struct image_remote *r, const char *fp,
    const char *dir, char **meta_path, char **rootfs_path,
    image_fetch_progress_fn progress, void *arg, struct err *e)
{
	struct image_fetch_file f = { 0 };
	char *path = image_fetch_lxd_path(r, "1.0/images/%s/export", fp);
	char *dest = xasprintf("%s/export", dir), *ct = NULL, *hex = NULL;
	char *meta = NULL, *rootfs = NULL, *parts[2];
	int rc = -1;

	f.path = path;
	f.dest = dest;
	f.what = "rootfs";
	if (image_fetch_files(r, &f, 1, NULL, &ct, progress, arg, e) < 0)
		goto out;
	if (ct != NULL && strncmp(ct, "multipart/", 10) == 0) {
		meta = xasprintf("%s/meta-%s", dir, fp);
		rootfs = xasprintf("%s/%s.rootfs", dir, fp);
		if (image_fetch_lxd_split(dest, ct, meta, rootfs, e) < 0)
			goto out;
		unlink(dest);
		parts[0] = meta;
		parts[1] = rootfs;
	} else {
		meta = xasprintf("%s/%s.tar", dir, fp);
		if (rename(dest, meta) < 0) {
			err_set(e, 500, "Failed to move \"%s\": %s", dest, strerror(errno));
			goto out;
		}
		parts[0] = meta;
	}
	/* What arrived must hash to the fingerprint (lxd-api.md 4.2): a
	 * unified file was hashed as it arrived; split parts are hashed now. */
	if (rootfs == NULL)
		hex = xstrdup(f.got_sha256);
	else if ((hex = image_fetch_hash_files((const char *const *)parts, 2,
	    e)) == NULL)
		goto out;
	if (strcmp(hex, fp) != 0) {
		err_set(e, 400, "Image %.12s from \"%s\" is corrupted: it hashes "
		    "to %.12s...", fp, r->server, hex);
		goto out;
	}
	*meta_path = meta;
	*rootfs_path = rootfs;
	meta = rootfs = NULL;
	rc = 0;
out:
	if (rc < 0) {
		unlink(dest);
		if (meta)
			unlink(meta);
		if (rootfs)
			unlink(rootfs);
	}
	free(path);
	free(dest);
	free(ct);
	free(hex);
	free(meta);
	free(rootfs);
	return rc;
}

/* ------------------------------------------------------------------------
 * The fetcher: both protocols behind one face.
 */

int
image_fetch_list(const struct image_remote *r, struct image **out, size_t *n,
    struct err *e)
{
	const struct simplestreams *ss;
	size_t i;

	if (image_fetch_is_lxd(r))
		return image_fetch_lxd_list(r, out, n, e);
	if (simplestreams_get(r, &ss, e) < 0)
		return -1;
	*out = xcalloc(ss->n ? ss->n : 1, sizeof **out);
	for (i = 0; i < ss->n; i++)
		image_copy(&(*out)[i], &ss->images[i]);
	*n = ss->n;
	return 0;
}

int
image_fetch_resolve(const struct image_remote *r, const char *ref,
    struct image *out, struct err *e)
{
	const struct simplestreams *ss;
	size_t idx;

	memset(out, 0, sizeof *out);
	if (image_fetch_is_lxd(r))
		return image_fetch_lxd_resolve(r, ref, out, e);
	if (simplestreams_get(r, &ss, e) < 0 || simplestreams_find(ss, ref, &idx, e) < 0)
		return -1;
	image_copy(out, &ss->images[idx]);
	return 0;
}

int
image_fetch_download(const struct image_remote *r, const char *fp,
    const char *dir, char **meta_path, char **rootfs_path,
    image_fetch_progress_fn progress, void *arg, struct err *e)
{
	const struct simplestreams *ss;
	const struct simplestreams_item *it;
	struct image_fetch_file f[2];
	char *meta = NULL, *rootfs = NULL;
	size_t idx;
	int rc;

	*meta_path = *rootfs_path = NULL;
	if (image_fetch_is_lxd(r))
		return image_fetch_lxd_download(r, fp, dir, meta_path, rootfs_path,
		    progress, arg, e);
	if (simplestreams_get(r, &ss, e) < 0 || simplestreams_find(ss, fp, &idx, e) < 0)
		return -1;
	it = &ss->items[idx];
	memset(f, 0, sizeof f);
	meta = xasprintf("%s/%s", dir, strrchr(it->meta_path, '/') ?
	    strrchr(it->meta_path, '/') + 1 : it->meta_path);
	f[0] = (struct image_fetch_file){ .path = it->meta_path, .dest = meta,
	    .sha256 = it->meta_sha256, .size = it->meta_size, .what = "metadata" };
	if (it->rootfs_path != NULL) {
		rootfs = xasprintf("%s/rootfs.%s", dir, strrchr(it->rootfs_path, '.') ?
		    strrchr(it->rootfs_path, '.') + 1 : "img");
		f[1] = (struct image_fetch_file){ .path = it->rootfs_path,
		    .dest = rootfs, .sha256 = it->rootfs_sha256,
		    .size = it->rootfs_size, .what = "rootfs" };
	}
	rc = image_fetch_files(r, f, rootfs ? 2 : 1, ss->images[idx].fingerprint,
	    NULL, progress, arg, e);
	if (rc < 0) {
		free(meta);
		free(rootfs);
		return -1;
	}
	*meta_path = meta;
	*rootfs_path = rootfs;
	return 0;
}

static const struct image_fetcher image_fetch_fetcher = {
	.list = image_fetch_list,
	.resolve = image_fetch_resolve,
	.download = image_fetch_download,
};

void
image_fetch_install(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	engine_set_image_fetcher(&image_fetch_fetcher);
}
