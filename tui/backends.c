/*
 * backends.c - which backend a remote name opens, and the embedded engine
 * and the REST client, loaded when used.
 *
 * backends_open() is the only place that chooses: "local" is the embedded
 * engine (or the fake, backends_want_fake()), another name a remote from
 * the lxc client's config and lxdeck's own, "a,b" or "*" a merged list
 * over several (core/backend-multi.c).  The rest of the TUI asks here.
 *
 * lxdeck itself holds the TUI and what every session needs (the model, the
 * fake and multi backends).  The embedded liblxc engine and the REST client
 * (remotes, image servers) live in lxdeck-backends.so with their libraries:
 * liblxc, sqlite, libcurl and its dependency tree, OpenSSL, libwebsockets.
 * Mapping those costs several MB of resident pages before any of them does
 * anything, which a session on the fake backend, or one that never opens
 * the remotes view, does not need to pay.  The first call here that needs
 * the library loads it (dlopen, never unloaded) and looks its entry points
 * up by name; the library's own references to the model and common/
 * resolve to lxdeck's (it is linked with -rdynamic).
 *
 * The library is lxdeck-backends.so beside the lxdeck binary or in
 * ../lib/lxdeck/ from it (make install), or the file $LXDECK_BACKENDS
 * names.  When it cannot be loaded, creating a backend
 * fails with the loader's message, the remotes are an empty list with the
 * reason as its warning, and the image servers are none: the UI stays up.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui.h"
#include "../remote/client/client.h"

#define BACKENDS_FILE	"lxdeck-backends.so"

/* The entry points, by name: to add one, add a member and a row. */
static struct {
	bool		 tried;
	void		*h;
	char		 why[512];

	struct backend	*(*local_create)(struct uv_loop_s *, const char *,
			     struct err *);
	struct backend	*(*remote_create)(struct uv_loop_s *,
			     const struct remote_conf *, struct err *);
	bool		 (*remote_reachable)(struct backend *, char *, size_t);
	void		 (*remotes_load)(struct remotes *, char *, size_t);
	void		 (*remotes_free)(struct remotes *);
	const struct remote_conf *(*remotes_find)(const struct remotes *,
			     const char *);
	const char	*(*remote_conf_source)(const struct remote_conf *);
	int		 (*remotes_client_cert)(struct remotes *, struct err *);
	int		 (*remotes_add)(struct remotes *, const char *, const char *,
			     bool, bool, const char *, FILE *, FILE *, struct err *);
	void		 (*image_install)(void);
	int		 (*image_server_resolve)(const char *, struct image_server *,
			     struct err *);
	void		 (*image_server_free)(struct image_server *);
	void		 (*image_server_copy)(struct image_server *,
			     const struct image_server *);
	void		 (*image_server_names)(struct strv *);
	int		 (*image_server_list)(struct image_server *, struct image **,
			     size_t *, struct err *);
	int		 (*image_server_secret)(const struct image_server *,
			     const char *, char **, struct err *);
} backends;

#define BACKENDS_SYM(member, name)	\
	{ name, (void **)(void *)&backends.member }

static bool
backends_load(void)
{
	static const struct { const char *name; void **p; } syms[] = {
		BACKENDS_SYM(local_create, "backend_local_create"),
		BACKENDS_SYM(remote_create, "backend_remote_create"),
		BACKENDS_SYM(remote_reachable, "backend_remote_reachable"),
		BACKENDS_SYM(remotes_load, "remotes_load"),
		BACKENDS_SYM(remotes_free, "remotes_free"),
		BACKENDS_SYM(remotes_find, "remotes_find"),
		BACKENDS_SYM(remote_conf_source, "remote_conf_source"),
		BACKENDS_SYM(remotes_client_cert, "remotes_client_cert"),
		BACKENDS_SYM(remotes_add, "remotes_add"),
		BACKENDS_SYM(image_install, "image_fetch_install"),
		BACKENDS_SYM(image_server_resolve, "image_server_resolve"),
		BACKENDS_SYM(image_server_free, "image_server_free_contents"),
		BACKENDS_SYM(image_server_copy, "image_server_copy"),
		BACKENDS_SYM(image_server_names, "image_server_names"),
		BACKENDS_SYM(image_server_list, "image_server_list"),
		BACKENDS_SYM(image_server_secret, "image_server_secret"),
	};
	const char *env = getenv("LXDECK_BACKENDS");
	/* Beside the binary (the build tree), then where make install puts
	 * it: PREFIX/lib/lxdeck for PREFIX/bin/lxdeck. */
	static const char *const rel[] = { "", "../lib/lxdeck/" };
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n;
	size_t i;

	if (backends.tried)
		return backends.h != NULL;
	backends.tried = true;
	if (env != NULL && *env != '\0') {
		snprintf(path, sizeof path, "%s", env);
		backends.h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			slash[1] = '\0';
		for (i = 0; i < ARRAY_SIZE(rel) && backends.h == NULL; i++) {
			snprintf(path, sizeof path, "%s%s%s", exe, rel[i],
			    BACKENDS_FILE);
			if (i == 0 || access(path, F_OK) == 0)
				backends.h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		}
	}
	if (backends.h == NULL) {
		snprintf(backends.why, sizeof backends.why, "Failed to load the "
		    "engine and REST client: %s", dlerror());
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(syms); i++)
		if ((*syms[i].p = dlsym(backends.h, syms[i].name)) == NULL) {
			snprintf(backends.why, sizeof backends.why, "Failed to load "
			    "the engine and REST client: \"%.300s\" has no %s", path,
			    syms[i].name);
			dlclose(backends.h);
			backends.h = NULL;
			return false;
		}
	/* The embedded engine pulls from image servers. */
	backends.image_install();
	return true;
}

struct backend *
backends_local_create(struct uv_loop_s *loop, const char *dir, struct err *e)
{
	if (!backends_load()) {
		err_set(e, 500, "%s", backends.why);
		return NULL;
	}
	return backends.local_create(loop, dir, e);
}

struct backend *
backends_remote_create(struct uv_loop_s *loop, const struct remote_conf *rc,
    struct err *e)
{
	if (!backends_load()) {
		err_set(e, 500, "%s", backends.why);
		return NULL;
	}
	return backends.remote_create(loop, rc, e);
}

/* Only a remote backend (made by this library) can be unreachable. */
bool
backends_remote_reachable(struct backend *b, char *why, size_t len)
{
	if (backends.h == NULL)
		return true;
	return backends.remote_reachable(b, why, len);
}

void
backends_remotes_load(struct remotes *rs, char *warn, size_t wl)
{
	if (!backends_load()) {
		memset(rs, 0, sizeof *rs);
		if (warn != NULL && wl > 0)
			snprintf(warn, wl, "%s", backends.why);
		return;
	}
	backends.remotes_load(rs, warn, wl);
}

void
backends_remotes_free(struct remotes *rs)
{
	if (backends.h != NULL)
		backends.remotes_free(rs);
}

const struct remote_conf *
backends_remotes_find(const struct remotes *rs, const char *name)
{
	return backends.h != NULL ? backends.remotes_find(rs, name) : NULL;
}

/* Only a loaded library hands out remote_confs. */
const char *
backends_remote_conf_source(const struct remote_conf *rc)
{
	return backends.remote_conf_source(rc);
}

int
backends_remotes_client_cert(struct remotes *rs, struct err *e)
{
	if (!backends_load())
		return err_set(e, 500, "%s", backends.why);
	return backends.remotes_client_cert(rs, e);
}

int
backends_remotes_add(struct remotes *rs, const char *name, const char *target,
    bool accept, bool public, const char *password, FILE *in, FILE *out,
    struct err *e)
{
	if (!backends_load())
		return err_set(e, 500, "%s", backends.why);
	return backends.remotes_add(rs, name, target, accept, public, password, in,
	    out, e);
}

int
backends_image_server_resolve(const char *spec, struct image_server *out,
    struct err *e)
{
	memset(out, 0, sizeof *out);
	if (!backends_load())
		return err_set(e, 500, "%s", backends.why);
	return backends.image_server_resolve(spec, out, e);
}

/* Only a loaded library fills a struct image_server. */
void
backends_image_server_free(struct image_server *s)
{
	if (backends.h != NULL)
		backends.image_server_free(s);
}

void
backends_image_server_copy(struct image_server *dst, const struct image_server *src)
{
	memset(dst, 0, sizeof *dst);
	if (backends.h != NULL)
		backends.image_server_copy(dst, src);
}

void
backends_image_server_names(struct strv *out)
{
	if (backends_load())
		backends.image_server_names(out);
}

int
backends_image_server_list(struct image_server *s, struct image **out, size_t *n,
    struct err *e)
{
	*out = NULL;
	*n = 0;
	if (!backends_load())
		return err_set(e, 500, "%s", backends.why);
	return backends.image_server_list(s, out, n, e);
}

int
backends_image_server_secret(const struct image_server *s, const char *fp,
    char **secret, struct err *e)
{
	*secret = NULL;
	if (!backends_load())
		return err_set(e, 500, "%s", backends.why);
	return backends.image_server_secret(s, fp, secret, e);
}

/*
 * Choosing a backend.  This is the one place that decides what a remote
 * name opens; app.c (the list's remote, `:remote`) and lxdeck-main.c
 * (--fake, the remote subcommands) ask here.
 */

bool
backends_want_fake(bool asked)
{
	const char *env = getenv("LXDECK_BACKEND");

	return asked || (env != NULL && strcmp(env, "fake") == 0);
}

/* The backend of one remote: local: (the engine, or the fake) or one from
 * the lxc client's config and lxdeck's own.  NULL with e set. */
static struct backend *
backends_open_one(struct uv_loop_s *loop, const char *remote, bool fake,
    bool read_only, struct err *e)
{
	struct backend *b = NULL;
	const char *dir;

	if (strcmp(remote, "local") != 0) {
		struct remotes rs;
		const struct remote_conf *rc;

		backends_remotes_load(&rs, NULL, 0);
		rc = backends_remotes_find(&rs, remote);
		if (rc == NULL)
			err_set(e, 404, "Remote \"%s\" not found", remote);
		else if (rc->public || (rc->protocol && strcmp(rc->protocol, "lxd") != 0))
			err_set(e, 400, "Remote \"%s\" is an image server, not a "
			    "host", remote);
		else if (strncmp(rc->addr, "https://", 8) == 0 &&
		    backends_remotes_client_cert(&rs, e) < 0)
			;
		else if ((rc = backends_remotes_find(&rs, remote)) != NULL &&
		    (b = backends_remote_create(loop, rc, e)) != NULL &&
		    rc->read_only)
			b->read_only = true;
		backends_remotes_free(&rs);
	} else if (fake)
		b = backend_fake_create(loop, e);
	else {
		dir = getenv("LXDECK_DIR");
		b = backends_local_create(loop, dir && *dir ? dir :
		    "/var/lib/lxdeck", e);
	}
	if (b != NULL)
		b->read_only = read_only || b->read_only;
	return b;
}

static bool
backends_is_merged(const char *spec)
{
	return strchr(spec, ',') != NULL || strcmp(spec, "*") == 0 ||
	    strcmp(spec, "*:") == 0;
}

/* What `:remote a,b` or `:remote *` names: the remotes, each once, without
 * a trailing ':'; "*" is local and every host remote that answers now. */
static void
backends_merged_names(const char *spec, struct strv *out, bool *all)
{
	struct strv w = { 0 };
	size_t i, l;

	*all = strcmp(spec, "*") == 0 || strcmp(spec, "*:") == 0;
	if (*all) {
		struct remotes rs;

		strv_push(out, "local");
		backends_remotes_load(&rs, NULL, 0);
		for (i = 0; i < rs.n; i++)
			if (!rs.v[i].public && (rs.v[i].protocol == NULL ||
			    strcmp(rs.v[i].protocol, "lxd") == 0) &&
			    strv_index(out, rs.v[i].name) < 0)
				strv_push(out, rs.v[i].name);
		backends_remotes_free(&rs);
		return;
	}
	strv_split(&w, spec, ',');
	for (i = 0; i < w.n; i++) {
		l = strlen(w.v[i]);
		if (l > 0 && w.v[i][l - 1] == ':')
			w.v[i][--l] = '\0';
		if (l > 0 && strv_index(out, w.v[i]) < 0)
			strv_push(out, w.v[i]);
	}
	strv_free(&w);
}

/*
 * The merged list (`:remote a,b`, `:remote *`): a multi backend over the
 * remotes that could be reached (core/backend-multi.c).  Those that could
 * not go to failed; `*` leaves them out silently, as it means "all
 * reachable".  With one left it is that remote's own backend: the
 * single-remote path, unchanged.
 */
static struct backend *
backends_open_merged(struct uv_loop_s *loop, const char *spec, bool fake,
    bool read_only, struct strv *failed, struct err *e)
{
	struct strv names = { 0 }, why = { 0 };
	struct backend **v = NULL, *b = NULL;
	struct server_info si;
	struct err me;
	size_t i, n = 0;
	bool all;
	char *msg;

	backends_merged_names(spec, &names, &all);
	v = xcalloc(names.n + 1, sizeof *v);
	for (i = 0; i < names.n; i++) {
		memset(&me, 0, sizeof me);
		memset(&si, 0, sizeof si);
		if ((b = backends_open_one(loop, names.v[i], fake, read_only,
		    &me)) != NULL && all && b->ops->server_info(b, &si, &me) < 0) {
			b->ops->free(b);
			b = NULL;
		}
		server_info_free_contents(&si);
		if (b == NULL) {
			if (!all) {
				msg = xasprintf("%s: %s", names.v[i], me.msg);
				strv_push(&why, msg);
				free(msg);
			}
			continue;
		}
		v[n++] = b;
	}
	b = NULL;
	if (n == 0)
		err_set(e, 503, "No remote of %s could be reached%s%s", spec,
		    why.n ? ": " : "", why.n ? why.v[0] : "");
	else if (n == 1)
		b = v[0];
	else
		b = backend_multi_create(loop, v, n, e);
	if (b != NULL)
		for (i = 0; i < why.n; i++)
			strv_push(failed, why.v[i]);
	free(v);
	strv_free(&names);
	strv_free(&why);
	return b;
}

struct backend *
backends_open(struct uv_loop_s *loop, const char *spec, bool fake,
    bool read_only, char **name, struct strv *failed, struct err *e)
{
	struct backend *b;

	if (!backends_is_merged(spec)) {
		*name = xstrdup(spec);
		return backends_open_one(loop, spec, fake, read_only, e);
	}
	b = backends_open_merged(loop, spec, fake, read_only, failed, e);
	*name = xstrdup(b != NULL ? b->name : spec);
	return b;
}
