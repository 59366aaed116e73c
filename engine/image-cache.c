/*
 * image-cache.c - images pulled from image servers: the cache, its expiry
 * and its automatic updates (lxd-api.md 4.3, 4.4).
 *
 * The engine does not speak HTTP: a fetcher registered by the process
 * (struct image_fetcher in backend.h, remote/image-fetch.c) resolves and
 * downloads; this file decides what to fetch and what the store becomes.
 * A pulled image is an ordinary local image (image.c) with three marks:
 * cached = 1, auto_update from images.auto_update_cached (default true), and
 * image_source rows server, protocol, alias, certificate, image_type that
 * say where it came from.  The model, as in LXD:
 *
 * - Launching SERVER ALIAS first looks for a cached image with that
 *   server, protocol and alias (or the full fingerprint) and uses it
 *   without any network: a cache hit costs what a local image costs.
 *   Freshness is the auto-update's job, not the launch's.
 * - A miss resolves the alias on the server, downloads into
 *   images/.dl-XXXXXX (the fetcher checks SHA-256 as bytes arrive), then
 *   imports; the import hashes again and must find the fingerprint the
 *   server announced.  A corrupted or short download never becomes a row.
 * - Cached images not used for images.remote_cache_expiry days (default 10,
 *   0: never) are deleted.  "Used" is last_used_ns, set on every create
 *   from the image, else the upload time.
 * - Every images.auto_update_interval hours (default 6, 0: never), images
 *   with auto_update and a source are resolved again; when the server's
 *   alias now names another fingerprint, the new image is pulled (same
 *   source, same auto_update), the old one's aliases move to it and the
 *   old one is deleted.
 *
 * Both checks run in one operation ("Updating images") in a helper
 * process, started by the engine's watch timer when due and on demand
 * (image_cache_op_refresh, `engctl image-refresh`).  A lock file keeps two
 * processes sharing LXDECK_DIR from updating at once.  The clock is
 * image_cache_now_ns(): the environment variable LXDECK_NOW (unix seconds)
 * replaces it, so tests move time by days without waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

#define IMAGE_CACHE_NS_PER_DAY	(86400LL * 1000000000LL)
#define IMAGE_CACHE_NS_PER_HOUR	(3600LL * 1000000000LL)

int64_t
image_cache_now_ns(void)
{
	const char *env = getenv("LXDECK_NOW");
	char *end;
	long long s;

	if (env != NULL && *env != '\0') {
		errno = 0;
		s = strtoll(env, &end, 10);
		if (errno == 0 && *end == '\0' && s > 0)
			return (int64_t)s * 1000000000LL;
	}
	return time_now_ns();
}

/* A server config value as a number, def when unset or not a number. */
static int64_t
image_cache_config_int(struct engine *e, const char *key, int64_t def)
{
	struct strmap cfg = { 0 };
	const char *v;
	char *end;
	long long n;

	if (engine_config_get(e, &cfg, NULL) < 0)
		return def;
	v = strmap_get(&cfg, key);
	if (v != NULL && *v != '\0') {
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno == 0 && *end == '\0' && n >= 0)
			def = n;
	}
	strmap_free(&cfg);
	return def;
}

static bool
image_cache_config_bool(struct engine *e, const char *key, bool def)
{
	struct strmap cfg = { 0 };
	const char *v;
	bool b = def;

	if (engine_config_get(e, &cfg, NULL) < 0)
		return def;
	v = strmap_get(&cfg, key);
	if (v != NULL && config_key_parse_bool(v, &b) < 0)
		b = def;
	strmap_free(&cfg);
	return b;
}

static const char *
image_cache_protocol(const struct image_remote *r)
{
	return r->protocol != NULL && *r->protocol != '\0' ? r->protocol :
	    "simplestreams";
}

static bool
image_cache_is_fp(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && s[n] == '\0';
}

void
image_cache_touch(struct engine *e, const char *fp)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, "UPDATE images SET last_used_ns = ? WHERE "
	    "fingerprint = ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, image_cache_now_ns());
	sqlite3_bind_text(st, 2, fp, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

int
image_cache_find(struct engine *e, const struct image_remote *r, const char *ref,
    char **fp_out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*fp_out = NULL;
	if (ref == NULL || *ref == '\0')
		return -1;
	if (image_cache_is_fp(ref)) {
		/* Content addressed: the same bytes wherever they came from. */
		if (sqlite3_prepare_v2(e->db, "SELECT fingerprint FROM images WHERE "
		    "fingerprint = ?", -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	} else {
		if (sqlite3_prepare_v2(e->db, "SELECT i.fingerprint FROM images i "
		    "JOIN image_source s ON s.image_id = i.id AND s.key = 'server' "
		    "JOIN image_source p ON p.image_id = i.id AND p.key = 'protocol' "
		    "JOIN image_source a ON a.image_id = i.id AND a.key = 'alias' "
		    "WHERE s.value = ? AND p.value = ? AND a.value = ? "
		    "ORDER BY i.uploaded_ns DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(st, 1, r->server, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, image_cache_protocol(r), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ref, -1, SQLITE_STATIC);
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		*fp_out = xstrdup((const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* ------------------------------------------------------------------------
 * Pulling one image.
 */

struct image_cache_progress {
	struct op_result	*res;
	int64_t			 last_ns;
	int			 last_pct;
};

static void
image_cache_progress_cb(void *arg, const char *what, int64_t done, int64_t total,
    int64_t rate)
{
	struct image_cache_progress *p = arg;
	int64_t now = time_now_ns();
	int pct = total > 0 ? (int)(done * 100 / total) : -1;
	char text[96];

	if (p->res == NULL)
		return;
	if (pct == p->last_pct && now - p->last_ns < 200000000LL)
		return;
	p->last_pct = pct;
	p->last_ns = now;
	if (pct >= 0)
		snprintf(text, sizeof text, "%s: %d%% (%.2fMB/s)", what, pct,
		    (double)rate / 1e6);
	else
		snprintf(text, sizeof text, "%s: %.2fMB (%.2fMB/s)", what,
		    (double)done / 1e6, (double)rate / 1e6);
	op_progress(p->res, "download", text);
}

/* Marks an imported image as pulled from r (under ref): cached or not,
 * and with its source rows unless ref is NULL. */
static int
image_cache_mark(struct engine *e, const char *fp, const struct image_remote *r,
    const char *ref, bool cached, bool auto_update, struct err *err)
{
	struct strmap src = { 0 };
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int rc = -1;

	if (db_begin(e->db, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(e->db, "SELECT id FROM images WHERE fingerprint = ?",
	    -1, &st, NULL) != SQLITE_OK)
		goto db;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id == 0) {
		err_set(err, 404, "Image \"%s\" not found", fp);
		goto fail;
	}
	if (sqlite3_prepare_v2(e->db, "UPDATE images SET cached = ?, auto_update = ?, "
	    "last_used_ns = ? WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		goto db;
	sqlite3_bind_int(st, 1, cached);
	sqlite3_bind_int(st, 2, auto_update);
	sqlite3_bind_int64(st, 3, cached ? image_cache_now_ns() : 0);
	sqlite3_bind_int64(st, 4, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto db;
	if (ref == NULL)
		return db_commit(e->db, err);
	strmap_set(&src, "server", r->server);
	strmap_set(&src, "protocol", image_cache_protocol(r));
	strmap_set(&src, "alias", ref);
	strmap_set(&src, "certificate", r->certificate ? r->certificate : "");
	strmap_set(&src, "image_type", "container");
	if (db_map_save(e->db, "image_source", "image_id", id, &src, err) < 0)
		goto fail;
	strmap_free(&src);
	return db_commit(e->db, err);
db:
	err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
fail:
	strmap_free(&src);
	db_rollback(e->db);
	return -1;
}

/* What a pulled image becomes. */
struct image_cache_how {
	bool		 cached;	/* launch cache (else `lxc image copy`) */
	bool		 public;
	bool		 auto_update;
	const char	*source_ref;	/* update_source alias, NULL: none */
	const struct strmap *props;	/* added to the server's, or NULL */
};

/*
 * Downloads and imports what the server calls ref (already resolved into
 * im); *fp_out gets the fingerprint.  An image already in the store is
 * used as it is (*existed set, may be NULL).
 */
static int
image_cache_pull(struct engine *e, const struct image_remote *r, const char *ref,
    const struct image *im, const struct image_cache_how *how,
    struct op_result *res, char **fp_out, bool *existed, struct err *err)
{
	const struct image_fetcher *f = engine_image_fetcher();
	struct image_cache_progress prog = { .res = res, .last_pct = -2 };
	struct image have = { 0 };
	struct strmap props = { 0 };
	char *tmp = NULL, *meta = NULL, *rootfs = NULL, *fp = NULL;
	const char *slash;
	size_t i;
	int rc = -1;

	*fp_out = NULL;
	if (existed != NULL)
		*existed = false;
	if (image_load(e, im->fingerprint, &have, NULL) == 0) {
		image_free_contents(&have);
		if (how->cached)
			image_cache_touch(e, im->fingerprint);
		*fp_out = xstrdup(im->fingerprint);
		if (existed != NULL)
			*existed = true;
		return 0;
	}
	if ((tmp = image_tmpdir(e, ".dl", err)) == NULL)
		goto out;
	op_progress(res, "download", "metadata: 0%");
	if (f->download(r, im->fingerprint, tmp, &meta, &rootfs,
	    image_cache_progress_cb, &prog, err) < 0)
		goto out;
	op_progress(res, "download", "rootfs: 100%");
	slash = strrchr(meta, '/');
	strmap_copy(&props, &im->properties);
	for (i = 0; how->props != NULL && i < how->props->n; i++)
		strmap_set(&props, how->props->keys[i], how->props->vals[i]);
	if (image_import(e, meta, rootfs, &props, how->public,
	    slash ? slash + 1 : meta, &fp, err) < 0) {
		if (err->code != 409)
			goto out;
		/* Someone else imported it meanwhile: theirs is the same. */
		err_clear(err);
		fp = xstrdup(im->fingerprint);
	}
	if (strcmp(fp, im->fingerprint) != 0) {
		image_remove(e, fp, NULL);
		err_set(err, 400, "Image \"%s\" from \"%s\" has fingerprint %s, not "
		    "the %s the server announced", ref, r->server, fp,
		    im->fingerprint);
		goto out;
	}
	if (image_cache_mark(e, fp, r, how->source_ref, how->cached, how->auto_update,
	    err) < 0) {
		image_remove(e, fp, NULL);
		goto out;
	}
	*fp_out = fp;
	fp = NULL;
	rc = 0;
out:
	if (tmp != NULL)
		util_rm_rf(tmp, NULL);
	free(tmp);
	free(meta);
	free(rootfs);
	free(fp);
	strmap_free(&props);
	return rc;
}

int
image_cache_fetch(struct engine *e, const struct image_remote *r, const char *ref,
    struct op_result *res, char **fp_out, struct err *err)
{
	const struct image_fetcher *f = engine_image_fetcher();
	struct image im = { 0 };
	int rc;

	*fp_out = NULL;
	if (f == NULL)
		return err_set(err, 501, "Failed to get image \"%s\" from \"%s\": this "
		    "program cannot reach image servers", ref, r->server);
	if (image_cache_find(e, r, ref, fp_out) == 0) {
		image_cache_touch(e, *fp_out);
		return 0;
	}
	if (f->resolve(r, ref, &im, err) < 0) {
		if (strstr(err->msg, r->server) == NULL)
			err_prefix(err, "Failed to get image \"%s\" from \"%s\"", ref,
			    r->server);
		return -1;
	}
	{
		struct image_cache_how how = {
			.cached = true,
			.auto_update = image_cache_config_bool(e,
			    "images.auto_update_cached", true),
			.source_ref = ref,
		};

		rc = image_cache_pull(e, r, ref, &im, &how, res, fp_out, NULL, err);
	}
	image_free_contents(&im);
	return rc;
}

/* ref names fp itself (the full fingerprint or a prefix of it). */
static bool
image_cache_ref_is_fp(const char *ref, const char *fp)
{
	size_t n = strlen(ref);

	return n > 0 && strspn(ref, "0123456789abcdef") == n &&
	    strncmp(fp, ref, n) == 0;
}

/* Points alias name at fp, moving it if it named another image. */
static int
image_cache_set_alias(struct engine *e, const char *name, const char *fp,
    struct err *err)
{
	struct image_alias cur = { 0 };

	if (image_alias_load(e, name, &cur, NULL) == 0) {
		bool same = cur.target != NULL && strcmp(cur.target, fp) == 0;

		image_alias_free_contents(&cur);
		if (same)
			return 0;
		if (image_alias_remove(e, name, err) < 0)
			return -1;
	}
	return image_alias_add(e, name, fp, "", err);
}

int
image_cache_copy(struct engine *e, const struct image_pull *p,
    struct op_result *res, char **fp_out, struct err *err)
{
	const struct image_fetcher *f = engine_image_fetcher();
	const struct image_remote *r = &p->remote;
	struct image im = { 0 }, cur = { 0 };
	struct image_cache_how how = {
		.public = p->public,
		.auto_update = p->auto_update,
		.props = &p->properties,
	};
	bool existed = false;
	char *fp = NULL, size[32];
	size_t i;
	int rc = -1;

	*fp_out = NULL;
	if (f == NULL)
		return err_set(err, 501, "Failed to get image \"%s\" from \"%s\": this "
		    "program cannot reach image servers", p->ref, r->server);
	if (f->resolve(r, p->ref, &im, err) < 0) {
		if (strstr(err->msg, r->server) == NULL)
			err_prefix(err, "Failed to get image \"%s\" from \"%s\"", p->ref,
			    r->server);
		return -1;
	}
	/* As LXD: the source is kept when there is an alias to follow. */
	how.source_ref = image_cache_ref_is_fp(p->ref, im.fingerprint) ? NULL : p->ref;
	if (image_cache_pull(e, r, p->ref, &im, &how, res, &fp, &existed, err) < 0)
		goto out;
	if (existed && (p->public || p->auto_update || p->properties.n > 0)) {
		/* Already here: the request's flags and properties apply. */
		if (image_load(e, fp, &cur, err) < 0)
			goto out;
		cur.public = p->public;
		cur.auto_update = p->auto_update;
		for (i = 0; i < p->properties.n; i++)
			strmap_set(&cur.properties, p->properties.keys[i],
			    p->properties.vals[i]);
		if (image_save_props(e, fp, &cur, err) < 0)
			goto out;
	}
	for (i = 0; i < p->aliases.n; i++)
		if (image_cache_set_alias(e, p->aliases.v[i], fp, err) < 0)
			goto out;
	strmap_set(&res->metadata, "fingerprint", fp);
	image_free_contents(&cur);
	memset(&cur, 0, sizeof cur);
	if (image_load(e, fp, &cur, NULL) == 0) {
		snprintf(size, sizeof size, "%lld", (long long)cur.size);
		strmap_set(&res->metadata, "size", size);
	}
	*fp_out = fp;
	fp = NULL;
	rc = 0;
out:
	image_free_contents(&cur);
	image_free_contents(&im);
	free(fp);
	return rc;
}

/* ------------------------------------------------------------------------
 * Expiry and auto-update.
 */

int
image_cache_expire(struct engine *e, struct strv *removed, struct err *err)
{
	int64_t days = image_cache_config_int(e, "images.remote_cache_expiry", 10);
	int64_t cutoff = image_cache_now_ns() - days * IMAGE_CACHE_NS_PER_DAY;
	struct strv fps = { 0 };
	sqlite3_stmt *st = NULL;
	size_t i;

	if (days <= 0)
		return 0;
	if (sqlite3_prepare_v2(e->db, "SELECT fingerprint FROM images WHERE cached = 1 "
	    "AND max(last_used_ns, uploaded_ns) < ?", -1, &st, NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_int64(st, 1, cutoff);
	while (sqlite3_step(st) == SQLITE_ROW)
		strv_push(&fps, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	for (i = 0; i < fps.n; i++) {
		struct err e2 = { 0 };

		if (image_remove(e, fps.v[i], &e2) < 0) {
			log_warn("Failed to expire cached image \"%s\": %s", fps.v[i],
			    e2.msg);
			continue;
		}
		log_info("Expired cached image \"%s\" (unused for %lld days)",
		    fps.v[i], (long long)days);
		if (removed != NULL)
			strv_push(removed, fps.v[i]);
	}
	strv_free(&fps);
	return 0;
}

/* Moves every alias of old_fp to new_fp. */
static int
image_cache_move_aliases(struct engine *e, const char *old_fp, const char *new_fp,
    struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(e->db, "UPDATE image_aliases SET image_id = "
	    "(SELECT id FROM images WHERE fingerprint = ?2) WHERE image_id = "
	    "(SELECT id FROM images WHERE fingerprint = ?1)", -1, &st,
	    NULL) != SQLITE_OK)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	sqlite3_bind_text(st, 1, old_fp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, new_fp, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set(err, 500, "Database error: %s", sqlite3_errmsg(e->db));
	return 0;
}

/* Updates one image from its source; *new_fp set when it was replaced. */
static int
image_cache_update_one(struct engine *e, const struct image *old,
    struct op_result *res, char **new_fp, struct err *err)
{
	const struct image_fetcher *f = engine_image_fetcher();
	struct image_remote r = {
		.server = strmap_get(&old->update_source, "server"),
		.protocol = strmap_get(&old->update_source, "protocol"),
		.certificate = strmap_get(&old->update_source, "certificate"),
	};
	const char *alias = strmap_get(&old->update_source, "alias");
	struct image im = { 0 };
	char *fp = NULL;
	int rc = -1;

	*new_fp = NULL;
	if (alias == NULL || *alias == '\0' || image_cache_is_fp(alias))
		return 0;	/* pinned to a fingerprint: nothing to follow */
	if (f->resolve(&r, alias, &im, err) < 0) {
		err_prefix(err, "Failed to update image \"%s\" from \"%s\"",
		    old->fingerprint, r.server);
		return -1;
	}
	if (strcmp(im.fingerprint, old->fingerprint) == 0) {
		rc = 0;
		goto out;
	}
	{
		struct image_cache_how how = {
			.cached = old->cached,
			.public = old->public,
			.auto_update = old->auto_update,
			.source_ref = alias,
		};

		if (image_cache_pull(e, &r, alias, &im, &how, res, &fp, NULL, err) < 0)
			goto out;
	}
	/* The new one takes the old one's place: source, aliases. */
	if (image_cache_mark(e, fp, &r, alias, old->cached, old->auto_update, err) < 0 ||
	    image_cache_move_aliases(e, old->fingerprint, fp, err) < 0)
		goto out;
	if (image_remove(e, old->fingerprint, err) < 0)
		goto out;
	log_info("Updated image \"%s\" from \"%s\" to \"%s\"", alias, r.server, fp);
	*new_fp = fp;
	fp = NULL;
	rc = 0;
out:
	image_free_contents(&im);
	free(fp);
	return rc;
}

int
image_cache_update(struct engine *e, struct op_result *res, struct strv *updated,
    struct err *err)
{
	struct image *all = NULL;
	size_t n = 0, i;
	int failed = 0;

	if (engine_image_fetcher() == NULL)
		return 0;
	if (image_load_all(e, &all, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct err e2 = { 0 };
		char *fp = NULL;
		const char *server = strmap_get(&all[i].update_source, "server");

		if (!all[i].auto_update || server == NULL || *server == '\0')
			continue;
		if (image_cache_update_one(e, &all[i], res, &fp, &e2) < 0) {
			log_warn("%s", e2.msg);
			if (failed++ == 0)
				*err = e2;
			continue;
		}
		if (fp != NULL && updated != NULL) {
			char *pair = xasprintf("%s>%s", all[i].fingerprint, fp);

			strv_push(updated, pair);
			free(pair);
		}
		free(fp);
	}
	image_array_free(all, n);
	return failed > 0 ? -1 : 0;
}

/* The op: expiry, then updates, under images/.update.lock. */
static int
image_cache_refresh_work(struct engine *e, void *arg, struct op_result *res,
    struct err *err)
{
	struct strv removed = { 0 }, updated = { 0 };
	char *lock = engine_path(e, "images/.update.lock"), *list;
	char *images = engine_path(e, "images");
	int fd, rc = -1;

	(void)arg;
	util_mkdir_p(images, 0700);
	free(images);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		err_set(err, 500, "Failed to lock \"%s\": %s", lock, strerror(errno));
		goto out;
	}
	if (image_cache_expire(e, &removed, err) < 0)
		goto out;
	rc = image_cache_update(e, res, &updated, err);
	list = strv_join(&removed, ",");
	strmap_set(&res->metadata, "expired", list);
	free(list);
	list = strv_join(&updated, ",");
	strmap_set(&res->metadata, "updated", list);
	free(list);
out:
	if (fd >= 0)
		close(fd);
	free(lock);
	strv_free(&removed);
	strv_free(&updated);
	return rc;
}

static void
image_cache_refresh_done(struct engine *e, struct op_info *op, void *arg)
{
	const char *v;
	struct strv fps = { 0 };
	size_t i;

	(void)arg;
	e->image_refreshing = false;
	if ((v = strmap_get(&op->metadata, "expired")) != NULL)
		strv_split(&fps, v, ',');
	if ((v = strmap_get(&op->metadata, "updated")) != NULL) {
		struct strv up = { 0 };

		strv_split(&up, v, ',');
		for (i = 0; i < up.n; i++) {
			char *gt = strchr(up.v[i], '>');

			if (gt != NULL) {
				char *src = xasprintf("/1.0/images/%s", gt + 1);

				*gt = '\0';
				strv_push(&fps, up.v[i]);
				event_lifecycle(e, "image-created", src, NULL);
				free(src);
			}
		}
		strv_free(&up);
	}
	for (i = 0; i < fps.n; i++) {
		char *src;

		if (fps.v[i][0] == '\0')
			continue;
		src = xasprintf("/1.0/images/%s", fps.v[i]);
		event_lifecycle(e, "image-deleted", src, NULL);
		free(src);
	}
	strv_free(&fps);
}

int
image_cache_op_refresh(struct engine *e, char **op_id, struct err *err)
{
	struct op_spec spec = {
		.description = "Updating images",
		.cls = OP_CLASS_TASK,
		.resource_type = "images",
		.resource = "/1.0/images",
		.work = image_cache_refresh_work,
		.done = image_cache_refresh_done,
	};

	if (op_start(e, &spec, op_id, err) < 0)
		return -1;
	e->image_refreshing = true;
	return 0;
}

/* Anything to expire now?  A cheap query, run on the loop. */
static bool
image_cache_expiry_due(struct engine *e)
{
	int64_t days = image_cache_config_int(e, "images.remote_cache_expiry", 10);
	sqlite3_stmt *st = NULL;
	bool due = false;

	if (days <= 0)
		return false;
	if (sqlite3_prepare_v2(e->db, "SELECT 1 FROM images WHERE cached = 1 AND "
	    "max(last_used_ns, uploaded_ns) < ? LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, image_cache_now_ns() - days * IMAGE_CACHE_NS_PER_DAY);
	due = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return due;
}

static bool
image_cache_update_due(struct engine *e)
{
	int64_t hours = image_cache_config_int(e, "images.auto_update_interval", 6);
	int64_t now = image_cache_now_ns();
	sqlite3_stmt *st = NULL;
	bool any = false;

	if (hours <= 0 || engine_image_fetcher() == NULL)
		return false;
	if (e->image_checked_ns == 0)
		e->image_checked_ns = now;	/* the first check one interval on */
	if (now - e->image_checked_ns < hours * IMAGE_CACHE_NS_PER_HOUR)
		return false;
	if (sqlite3_prepare_v2(e->db, "SELECT 1 FROM images i JOIN image_source s ON "
	    "s.image_id = i.id AND s.key = 'server' AND s.value != '' WHERE "
	    "i.auto_update = 1 LIMIT 1", -1, &st, NULL) == SQLITE_OK)
		any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!any)
		e->image_checked_ns = now;
	return any;
}

void
image_cache_tick(struct engine *e)
{
	bool update;

	if (e->is_worker || e->loop == NULL || e->image_refreshing || e->db == NULL)
		return;
	update = image_cache_update_due(e);
	if (!update && !image_cache_expiry_due(e))
		return;
	if (update)
		e->image_checked_ns = image_cache_now_ns();
	if (image_cache_op_refresh(e, NULL, NULL) < 0)
		log_warn("Failed to start the image cache refresh");
}
