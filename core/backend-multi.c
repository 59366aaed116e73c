/*
 * backend-multi.c - one backend over several: the merged list across remotes.
 *
 * A multi backend owns N member backends (local:, remotes, fakes), each
 * known by its name (struct backend.name, "local", "lab").  It speaks the
 * contract of backend.h with one convention, so that nothing above it needs
 * to know it is there: every object that belongs to a member is addressed
 * as REMOTE:NAME.  Lists (instances, profiles, images, aliases, operations)
 * are the members' lists merged, with names, fingerprints and operation ids
 * prefixed, except instances: an instance keeps its name and carries its
 * member in struct instance's remote field (the list shows it in a column
 * of its own, and filters and sorts on it).  A per-object call takes the
 * prefix off, goes to that member and puts the prefix back on whatever it
 * returns.  Operation ids become
 * REMOTE:UUID, so op_get/op_wait/op_cancel find their member; resource URLs
 * ("/1.0/instances/web1") and event sources become
 * "/1.0/instances/REMOTE:web1".  LXD names never contain ':', so the prefix
 * is unambiguous.
 *
 * Events: the multi subscribes once to every member and forwards each event
 * to its own subscribers with the names rewritten.  Exec and console
 * handles stay the member's (h->op_id is the member's id, unprefixed); the
 * multi remembers which member made each handle until exec_close.
 *
 * Errors name the remote: a member's message that quotes the bare name has
 * it replaced by REMOTE:NAME, any other gets "remote REMOTE: " in front.  A
 * merged list is made of what the members that answered returned; those
 * that failed are named in backend_multi_warning() (the list fails only
 * when every member failed).  A member marked read_only refuses changes
 * with 403 here, whatever the caller checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

struct multi;

struct multi_member {
	struct backend	*b;
	int		 sub;
	struct multi	*m;
};

struct multi_sub {
	int		 id;
	event_cb	 cb;		/* NULL once unsubscribed */
	void		*arg;
};

struct multi_exec {
	struct exec_handle *h;
	struct backend	*b;
};

struct multi {
	struct backend		 b;
	struct multi_member	*v;
	size_t			 n;
	struct multi_sub	*subs;
	size_t			 nsubs;
	int			 next_sub;
	struct multi_exec	*execs;
	size_t			 nexecs;
	char			 warning[512];
};

static struct multi *
multi_of(struct backend *b)
{
	return (struct multi *)b;
}

/* "web1" -> "lab:web1" (caller frees; NULL stays NULL). */
static char *
multi_name(const struct backend *mb, const char *name)
{
	return name == NULL ? NULL : xasprintf("%s:%s", mb->name, name);
}

static void
multi_rename(const struct backend *mb, char **name)
{
	char *p = multi_name(mb, *name);

	free(*name);
	*name = p;
}

/* "/1.0/instances/web1[,...]" -> "/1.0/instances/lab:web1[,...]" (caller
 * frees): the prefix goes after the collection of each URL. */
static char *
multi_urls(const struct backend *mb, const char *urls)
{
	struct strv in = { 0 }, out = { 0 };
	char *r, *s;
	size_t i;

	strv_split(&in, urls, ',');
	for (i = 0; i < in.n; i++) {
		const char *u = in.v[i], *p = u;
		int slashes = 0;

		while (*p != '\0' && slashes < 3)
			if (*p++ == '/')
				slashes++;
		if (slashes == 3 && *p != '\0' && strncmp(u, "/1.0/", 5) == 0) {
			s = xasprintf("%.*s%s:%s", (int)(p - u), u, mb->name, p);
			strv_push(&out, s);
			free(s);
		} else
			strv_push(&out, u);
	}
	r = strv_join(&out, ",");
	strv_free(&in);
	strv_free(&out);
	return r;
}

static void
multi_fix_op(const struct backend *mb, void *el)
{
	struct op_info *op = el;
	size_t i;
	char *u;

	multi_rename(mb, &op->id);
	for (i = 0; i < op->resources.n; i++) {
		u = multi_urls(mb, op->resources.vals[i]);
		free(op->resources.vals[i]);
		op->resources.vals[i] = u;
	}
}

static void
multi_fix_profile(const struct backend *mb, void *el)
{
	struct profile *p = el;
	size_t i;
	char *u;

	multi_rename(mb, &p->name);
	for (i = 0; i < p->used_by.n; i++) {
		u = multi_urls(mb, p->used_by.v[i]);
		free(p->used_by.v[i]);
		p->used_by.v[i] = u;
	}
}

static void
multi_fix_image(const struct backend *mb, void *el)
{
	struct image *im = el;
	size_t i;

	multi_rename(mb, &im->fingerprint);
	for (i = 0; i < im->naliases; i++)
		multi_rename(mb, &im->aliases[i].target);
}

/* An instance keeps its own name and carries its member's in ->remote. */
static void
multi_fix_instance(const struct backend *mb, void *el)
{
	struct instance *in = el;

	free(in->remote);
	in->remote = xstrdup(mb->name);
}

static void
multi_fix_alias(const struct backend *mb, void *el)
{
	struct image_alias *a = el;

	multi_rename(mb, &a->name);
	multi_rename(mb, &a->target);
}

/* Makes the member's error name the remote (see the top). */
static int
multi_err(const struct backend *mb, const char *bare, struct err *e)
{
	char quoted[300], *p, buf[sizeof e->msg];

	if (e == NULL)
		return -1;
	if (e->code == 0)
		e->code = 500;
	if (bare != NULL && *bare != '\0') {
		snprintf(quoted, sizeof quoted, "\"%s\"", bare);
		if ((p = strstr(e->msg, quoted)) != NULL) {
			snprintf(buf, sizeof buf, "%.*s\"%s:%s\"%s", (int)(p - e->msg),
			    e->msg, mb->name, bare, p + strlen(quoted));
			memcpy(e->msg, buf, sizeof buf);
			return -1;
		}
	}
	return err_prefix(e, "remote %s", mb->name);
}

static struct backend *
multi_find(struct multi *m, const char *remote, size_t len)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strlen(m->v[i].b->name) == len &&
		    strncmp(m->v[i].b->name, remote, len) == 0)
			return m->v[i].b;
	return NULL;
}

/*
 * The member a REMOTE:NAME belongs to, *bare pointing past the prefix.
 * what names the kind of object for the error ("Instance").  write: the
 * call changes something (refused on a read-only member).
 */
static struct backend *
multi_route(struct backend *b, const char *name, const char **bare,
    const char *what, bool write, struct err *e)
{
	struct multi *m = multi_of(b);
	const char *colon = name ? strchr(name, ':') : NULL;
	struct backend *mb;

	if (colon == NULL) {
		err_set(e, 400, "%s \"%s\" names no remote (REMOTE:NAME in a "
		    "merged list of %s)", what, name ? name : "", b->name);
		return NULL;
	}
	if ((mb = multi_find(m, name, (size_t)(colon - name))) == NULL) {
		err_set(e, 404, "%s \"%s\": remote \"%.*s\" is not in this list (%s)",
		    what, name, (int)(colon - name), name, b->name);
		return NULL;
	}
	if (write && mb->read_only) {
		err_set(e, 403, "%s \"%s\": remote %s is read-only", what, name,
		    mb->name);
		return NULL;
	}
	*bare = colon + 1;
	return mb;
}

/* Another name for the same member: "lab:x" or "x" -> "x"; a different
 * remote is a 400 (nothing moves between remotes here). */
static const char *
multi_same(const struct backend *mb, const char *name, const char *what,
    struct err *e)
{
	size_t l = strlen(mb->name);
	const char *colon;

	if (name == NULL || (colon = strchr(name, ':')) == NULL)
		return name;
	if ((size_t)(colon - name) == l && strncmp(name, mb->name, l) == 0)
		return colon + 1;
	err_set(e, 400, "%s \"%s\" is on another remote than %s: (not supported "
	    "in a merged list)", what, name, mb->name);
	return NULL;
}

/* The member's op id, prefixed, into *op_id (or freed). */
static void
multi_op_id(const struct backend *mb, char *id, char **op_id)
{
	if (op_id != NULL)
		*op_id = multi_name(mb, id);
	free(id);
}

static void
multi_warn(struct multi *m, const struct backend *mb, const struct err *e)
{
	size_t l = strlen(m->warning);

	snprintf(m->warning + l, sizeof m->warning - l, "%sremote %s: %s",
	    l ? "; " : "", mb->name, e->msg);
}


/*
 * Merged lists.  Every kind (instances, profiles, images, aliases,
 * operations) is merged the same way: each member's list with its elements
 * renamed by the kind's fix, in member order; members that fail are named
 * in the warning, and the list fails only when every member failed.
 */
enum multi_list {
	MULTI_INSTANCES, MULTI_PROFILES, MULTI_IMAGES, MULTI_ALIASES,
	MULTI_OPERATIONS
};

static const struct {
	size_t	 size;		/* of one element */
	void	 (*fix)(const struct backend *, void *elem);
} multi_kinds[] = {
	[MULTI_INSTANCES]  = { sizeof(struct instance), multi_fix_instance },
	[MULTI_PROFILES]   = { sizeof(struct profile), multi_fix_profile },
	[MULTI_IMAGES]     = { sizeof(struct image), multi_fix_image },
	[MULTI_ALIASES]    = { sizeof(struct image_alias), multi_fix_alias },
	[MULTI_OPERATIONS] = { sizeof(struct op_info), multi_fix_op },
};

/* The member's list of that kind into *(T **)out (flags: instances'). */
static int
multi_member_list(struct backend *mb, enum multi_list k, unsigned flags,
    void *out, size_t *n, struct err *e)
{
	switch (k) {
	case MULTI_INSTANCES:
		return mb->ops->instance_list(mb, flags, out, n, e);
	case MULTI_PROFILES:
		return mb->ops->profile_list(mb, out, n, e);
	case MULTI_IMAGES:
		return mb->ops->image_list(mb, out, n, e);
	case MULTI_ALIASES:
		return mb->ops->image_alias_list(mb, out, n, e);
	case MULTI_OPERATIONS:
		return mb->ops->op_list(mb, out, n, e);
	}
	return err_set(e, 500, "Unknown list");
}

static void
multi_list_free(enum multi_list k, void *v, size_t n)
{
	switch (k) {
	case MULTI_INSTANCES:
		instance_array_free(v, n);
		break;
	case MULTI_PROFILES:
		profile_array_free(v, n);
		break;
	case MULTI_IMAGES:
		image_array_free(v, n);
		break;
	case MULTI_ALIASES:
		image_alias_array_free(v, n);
		break;
	case MULTI_OPERATIONS:
		op_info_array_free(v, n);
		break;
	}
}

static int
multi_merge(struct backend *b, enum multi_list kind, unsigned flags, void *out,
    size_t *n, struct err *e)
{
	size_t size = multi_kinds[kind].size;
	struct multi *m = multi_of(b);
	char *all = NULL, *v;
	size_t nall = 0, nv, i, j, failed = 0;
	struct err me;

	m->warning[0] = '\0';
	for (i = 0; i < m->n; i++) {
		struct backend *mb = m->v[i].b;

		v = NULL;
		nv = 0;
		memset(&me, 0, sizeof me);
		if (multi_member_list(mb, kind, flags, &v, &nv, &me) < 0) {
			multi_warn(m, mb, &me);
			if (++failed == m->n)
				*e = me;
			continue;
		}
		all = xreallocarray(all, nall + nv + 1, size);
		for (j = 0; j < nv; j++, nall++) {
			multi_kinds[kind].fix(mb, v + j * size);
			memcpy(all + nall * size, v + j * size, size);
		}
		free(v);	/* the contents moved into all */
	}
	if (failed == m->n && m->n > 0) {
		multi_list_free(kind, all, nall);
		return multi_err(m->v[m->n - 1].b, NULL, e);
	}
	*(void **)out = all;
	*n = nall;
	return 0;
}

/*
 * The body every per-object call shares: MULTI_ROUTE finds the member NAME
 * belongs to (mb, the bare name in bare) or fails; MULTI_TRY makes the call
 * there and names the remote in its error; MULTI_OP does the same for a
 * method that starts an operation and hands back its id, prefixed.
 */
#define MULTI_ROUTE(name, what, write)					\
	const char *bare;						\
	struct backend *mb = multi_route(b, (name), &bare, (what), (write), e); \
	if (mb == NULL)							\
		return -1

#define MULTI_TRY(call) do {						\
	if ((call) < 0)							\
		return multi_err(mb, bare, e);				\
} while (0)

#define MULTI_OP(method, ...) do {					\
	char *id_ = NULL;						\
	MULTI_TRY(mb->ops->method(mb, bare, ##__VA_ARGS__, &id_, e));	\
	multi_op_id(mb, id_, op_id);					\
} while (0)


/* Events. */

static void
multi_event_cb(const struct event *ev, void *arg)
{
	struct multi_member *mm = arg;
	struct multi *m = mm->m;
	struct event out = *ev;
	struct op_info op;
	char *source = NULL;
	size_t i, n;

	memset(&op, 0, sizeof op);
	if (ev->source != NULL)
		out.source = source = multi_urls(mm->b, ev->source);
	if (ev->op != NULL) {
		op_info_copy(&op, ev->op);
		multi_fix_op(mm->b, &op);
		out.op = &op;
	}
	/* A subscriber may subscribe or unsubscribe from its callback: go by
	 * index over those there now. */
	n = m->nsubs;
	for (i = 0; i < n && i < m->nsubs; i++)
		if (m->subs[i].cb != NULL)
			m->subs[i].cb(&out, m->subs[i].arg);
	op_info_free_contents(&op);
	free(source);
}

static int
multi_subscribe(struct backend *b, event_cb cb, void *arg)
{
	struct multi *m = multi_of(b);

	m->subs = xreallocarray(m->subs, m->nsubs + 1, sizeof *m->subs);
	m->subs[m->nsubs].id = ++m->next_sub;
	m->subs[m->nsubs].cb = cb;
	m->subs[m->nsubs].arg = arg;
	m->nsubs++;
	return m->next_sub;
}

static void
multi_unsubscribe(struct backend *b, int id)
{
	struct multi *m = multi_of(b);
	size_t i;

	for (i = 0; i < m->nsubs; i++)
		if (m->subs[i].id == id)
			m->subs[i].cb = NULL;
}

static void
multi_free(struct backend *b)
{
	struct multi *m;
	size_t i;

	if (b == NULL)
		return;
	m = multi_of(b);
	for (i = 0; i < m->nexecs; i++)
		m->execs[i].b->ops->exec_close(m->execs[i].b, m->execs[i].h);
	for (i = 0; i < m->n; i++) {
		if (m->v[i].sub > 0)
			m->v[i].b->ops->unsubscribe(m->v[i].b, m->v[i].sub);
		m->v[i].b->ops->free(m->v[i].b);
	}
	free(m->v);
	free(m->subs);
	free(m->execs);
	free(m->b.name);
	free(m);
}

/* Server: the first member that answers speaks for the list. */

static int
multi_server_info(struct backend *b, struct server_info *out, struct err *e)
{
	struct multi *m = multi_of(b);
	size_t i;

	for (i = 0; i < m->n; i++) {
		err_clear(e);
		if (m->v[i].b->ops->server_info(m->v[i].b, out, e) == 0)
			return 0;
	}
	return err_prefix(e, "No remote of %s answered", b->name);
}

static int
multi_server_update(struct backend *b, const struct strmap *config, struct err *e)
{
	return err_set(e, 400, "Server config cannot be changed on a merged list "
	    "(%s): switch to one remote", b->name);
}

/* Instances. */

static int
multi_instance_list(struct backend *b, unsigned flags, struct instance **out,
    size_t *n, struct err *e)
{
	return multi_merge(b, MULTI_INSTANCES, flags, out, n, e);
}

static int
multi_instance_get(struct backend *b, const char *name, unsigned flags,
    struct instance **out, struct err *e)
{
	MULTI_ROUTE(name, "Instance", false);

	MULTI_TRY(mb->ops->instance_get(mb, bare, flags, out, e));
	multi_fix_instance(mb, *out);
	return 0;
}

static int
multi_instance_state(struct backend *b, const char *name,
    struct instance_state **out, struct err *e)
{
	MULTI_ROUTE(name, "Instance", false);

	MULTI_TRY(mb->ops->instance_state(mb, bare, out, e));
	return 0;
}

static int
multi_instance_create(struct backend *b, const struct instance_create *c,
    char **op_id, struct err *e)
{
	struct instance_create bc = *c;
	char *id = NULL;
	MULTI_ROUTE(c->name, "Instance", true);

	bc.name = bare;
	if (c->source == SOURCE_COPY &&
	    (bc.copy_from = multi_same(mb, c->copy_from, "Source", e)) == NULL)
		return -1;
	MULTI_TRY(mb->ops->instance_create(mb, &bc, &id, e));
	multi_op_id(mb, id, op_id);
	return 0;
}

static int
multi_instance_update(struct backend *b, const char *name,
    const struct instance_put *put, char **op_id, struct err *e)
{
	MULTI_ROUTE(name, "Instance", true);

	MULTI_OP(instance_update, put);
	return 0;
}

static int
multi_instance_action(struct backend *b, const char *name, const char *action,
    int timeout, bool force, bool stateful, char **op_id, struct err *e)
{
	MULTI_ROUTE(name, "Instance", true);

	MULTI_OP(instance_action, action, timeout, force, stateful);
	return 0;
}

static int
multi_instance_delete(struct backend *b, const char *name, char **op_id,
    struct err *e)
{
	MULTI_ROUTE(name, "Instance", true);

	MULTI_OP(instance_delete);
	return 0;
}

static int
multi_instance_rename(struct backend *b, const char *name, const char *newname,
    char **op_id, struct err *e)
{
	const char *nb;
	MULTI_ROUTE(name, "Instance", true);

	if ((nb = multi_same(mb, newname, "New name", e)) == NULL)
		return -1;
	MULTI_OP(instance_rename, nb);
	return 0;
}

/* Snapshots: the instance carries the remote, snapshot names are bare. */

static int
multi_snapshot_list(struct backend *b, const char *inst, struct snapshot **out,
    size_t *n, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", false);

	MULTI_TRY(mb->ops->snapshot_list(mb, bare, out, n, e));
	return 0;
}

static int
multi_snapshot_get(struct backend *b, const char *inst, const char *snap,
    struct snapshot **out, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", false);

	MULTI_TRY(mb->ops->snapshot_get(mb, bare, snap, out, e));
	return 0;
}

static int
multi_snapshot_create(struct backend *b, const char *inst, const char *snap,
    bool stateful, int64_t expires_ns, char **op_id, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_OP(snapshot_create, snap, stateful, expires_ns);
	return 0;
}

static int
multi_snapshot_rename(struct backend *b, const char *inst, const char *snap,
    const char *newname, char **op_id, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_OP(snapshot_rename, snap, newname);
	return 0;
}

static int
multi_snapshot_delete(struct backend *b, const char *inst, const char *snap,
    char **op_id, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_OP(snapshot_delete, snap);
	return 0;
}

static int
multi_snapshot_restore(struct backend *b, const char *inst, const char *snap,
    bool stateful, char **op_id, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_OP(snapshot_restore, snap, stateful);
	return 0;
}

static int
multi_snapshot_update(struct backend *b, const char *inst, const char *snap,
    int64_t expires_ns, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_TRY(mb->ops->snapshot_update(mb, bare, snap, expires_ns, e));
	return 0;
}

static int
multi_snapshot_diff_files(struct backend *b, const char *inst, const char *snap,
    struct strv *out, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", false);

	if (mb->ops->snapshot_diff_files == NULL)
		return err_set(e, 501, "Files changed since a snapshot: not "
		    "available on remote %s", mb->name);
	MULTI_TRY(mb->ops->snapshot_diff_files(mb, bare, snap, out, e));
	return 0;
}

/* Profiles: REMOTE:NAME, used_by rewritten. */

static int
multi_profile_list(struct backend *b, struct profile **out, size_t *n,
    struct err *e)
{
	return multi_merge(b, MULTI_PROFILES, 0, out, n, e);
}

static int
multi_profile_get(struct backend *b, const char *name, struct profile **out,
    struct err *e)
{
	MULTI_ROUTE(name, "Profile", false);

	MULTI_TRY(mb->ops->profile_get(mb, bare, out, e));
	multi_fix_profile(mb, *out);
	return 0;
}

static int
multi_profile_create(struct backend *b, const struct profile *p, struct err *e)
{
	struct profile bp = *p;
	MULTI_ROUTE(p->name, "Profile", true);

	bp.name = (char *)bare;	/* borrowed for the call, never freed */
	MULTI_TRY(mb->ops->profile_create(mb, &bp, e));
	return 0;
}

static int
multi_profile_update(struct backend *b, const char *name, const struct profile *p,
    struct err *e)
{
	struct profile bp = *p;
	MULTI_ROUTE(name, "Profile", true);

	bp.name = (char *)bare;
	MULTI_TRY(mb->ops->profile_update(mb, bare, &bp, e));
	return 0;
}

static int
multi_profile_rename(struct backend *b, const char *name, const char *newname,
    struct err *e)
{
	const char *nb;
	MULTI_ROUTE(name, "Profile", true);

	if ((nb = multi_same(mb, newname, "New name", e)) == NULL)
		return -1;
	MULTI_TRY(mb->ops->profile_rename(mb, bare, nb, e));
	return 0;
}

static int
multi_profile_delete(struct backend *b, const char *name, struct err *e)
{
	MULTI_ROUTE(name, "Profile", true);

	MULTI_TRY(mb->ops->profile_delete(mb, bare, e));
	return 0;
}

/* Images: REMOTE:FINGERPRINT; aliases REMOTE:NAME -> REMOTE:FINGERPRINT. */

static int
multi_image_list(struct backend *b, struct image **out, size_t *n, struct err *e)
{
	return multi_merge(b, MULTI_IMAGES, 0, out, n, e);
}

static int
multi_image_get(struct backend *b, const char *ref, struct image **out,
    struct err *e)
{
	MULTI_ROUTE(ref, "Image", false);

	MULTI_TRY(mb->ops->image_get(mb, bare, out, e));
	multi_fix_image(mb, *out);
	return 0;
}

static int
multi_image_import(struct backend *b, const char *meta_path,
    const char *rootfs_path, const struct strmap *properties, bool public,
    char **op_id, struct err *e)
{
	return err_set(e, 400, "Importing an image needs one remote, not a merged "
	    "list (%s): switch with :remote NAME", b->name);
}

static int
multi_image_update(struct backend *b, const char *fingerprint,
    const struct image *put, struct err *e)
{
	MULTI_ROUTE(fingerprint, "Image", true);

	MULTI_TRY(mb->ops->image_update(mb, bare, put, e));
	return 0;
}

static int
multi_image_delete(struct backend *b, const char *fingerprint, char **op_id,
    struct err *e)
{
	MULTI_ROUTE(fingerprint, "Image", true);

	MULTI_OP(image_delete);
	return 0;
}

static int
multi_image_export(struct backend *b, const char *fingerprint,
    struct image_export_file out[2], size_t *n, struct err *e)
{
	MULTI_ROUTE(fingerprint, "Image", false);

	MULTI_TRY(mb->ops->image_export(mb, bare, out, n, e));
	return 0;
}

static int
multi_image_publish(struct backend *b, const char *source,
    const struct strmap *properties, bool public, const char *compression,
    char **op_id, struct err *e)
{
	MULTI_ROUTE(source, "Instance", true);

	MULTI_OP(image_publish, properties, public, compression);
	return 0;
}

static int
multi_image_alias_list(struct backend *b, struct image_alias **out, size_t *n,
    struct err *e)
{
	return multi_merge(b, MULTI_ALIASES, 0, out, n, e);
}

static int
multi_image_alias_get(struct backend *b, const char *name,
    struct image_alias **out, struct err *e)
{
	MULTI_ROUTE(name, "Alias", false);

	MULTI_TRY(mb->ops->image_alias_get(mb, bare, out, e));
	multi_rename(mb, &(*out)->name);
	multi_rename(mb, &(*out)->target);
	return 0;
}

static int
multi_image_alias_create(struct backend *b, const char *name, const char *target,
    const char *description, struct err *e)
{
	const char *tb;
	MULTI_ROUTE(name, "Alias", true);

	if ((tb = multi_same(mb, target, "Target", e)) == NULL)
		return -1;
	MULTI_TRY(mb->ops->image_alias_create(mb, bare, tb, description, e));
	return 0;
}

static int
multi_image_alias_delete(struct backend *b, const char *name, struct err *e)
{
	MULTI_ROUTE(name, "Alias", true);

	MULTI_TRY(mb->ops->image_alias_delete(mb, bare, e));
	return 0;
}

/* Exec and console: the handle is the member's; remember whose. */

static void
multi_exec_add(struct multi *m, struct backend *mb, struct exec_handle *h)
{
	m->execs = xreallocarray(m->execs, m->nexecs + 1, sizeof *m->execs);
	m->execs[m->nexecs].h = h;
	m->execs[m->nexecs].b = mb;
	m->nexecs++;
}

static struct backend *
multi_exec_member(struct multi *m, struct exec_handle *h, bool remove)
{
	struct backend *mb;
	size_t i;

	for (i = 0; i < m->nexecs; i++)
		if (m->execs[i].h == h) {
			mb = m->execs[i].b;
			if (remove)
				m->execs[i] = m->execs[--m->nexecs];
			return mb;
		}
	return NULL;
}

static int
multi_exec_start(struct backend *b, const char *inst, const struct exec_req *req,
    struct exec_handle **out, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_TRY(mb->ops->exec_start(mb, bare, req, out, e));
	multi_exec_add(multi_of(b), mb, *out);
	return 0;
}

static int
multi_console_attach(struct backend *b, const char *inst, int width, int height,
    struct exec_handle **out, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_TRY(mb->ops->console_attach(mb, bare, width, height, out, e));
	multi_exec_add(multi_of(b), mb, *out);
	return 0;
}

static int
multi_exec_resize(struct backend *b, struct exec_handle *h, int width, int height,
    struct err *e)
{
	struct backend *mb = multi_exec_member(multi_of(b), h, false);

	if (mb == NULL)
		return err_set(e, 404, "No such session");
	return mb->ops->exec_resize(mb, h, width, height, e);
}

static int
multi_exec_signal(struct backend *b, struct exec_handle *h, int signo,
    struct err *e)
{
	struct backend *mb = multi_exec_member(multi_of(b), h, false);

	if (mb == NULL)
		return err_set(e, 404, "No such session");
	return mb->ops->exec_signal(mb, h, signo, e);
}

static void
multi_exec_close(struct backend *b, struct exec_handle *h)
{
	struct backend *mb = multi_exec_member(multi_of(b), h, true);

	if (mb != NULL)
		mb->ops->exec_close(mb, h);
}

static int
multi_console_log(struct backend *b, const char *inst, char **buf, size_t *len,
    struct err *e)
{
	MULTI_ROUTE(inst, "Instance", false);

	MULTI_TRY(mb->ops->console_log(mb, bare, buf, len, e));
	return 0;
}

static int
multi_instance_log(struct backend *b, const char *inst, char **buf, size_t *len,
    struct err *e)
{
	MULTI_ROUTE(inst, "Instance", false);

	if (mb->ops->instance_log == NULL)
		return err_set(e, 501, "Remote %s keeps no instance log", mb->name);
	MULTI_TRY(mb->ops->instance_log(mb, bare, buf, len, e));
	return 0;
}

/* Files. */

static int
multi_file_get(struct backend *b, const char *inst, const char *path,
    struct file_info *out, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", false);

	MULTI_TRY(mb->ops->file_get(mb, bare, path, out, e));
	return 0;
}

static int
multi_file_put(struct backend *b, const char *inst, const char *path,
    const struct file_info *info, bool append, struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_TRY(mb->ops->file_put(mb, bare, path, info, append, e));
	return 0;
}

static int
multi_file_delete(struct backend *b, const char *inst, const char *path,
    struct err *e)
{
	MULTI_ROUTE(inst, "Instance", true);

	MULTI_TRY(mb->ops->file_delete(mb, bare, path, e));
	return 0;
}

/* Operations: REMOTE:UUID. */

static int
multi_op_list(struct backend *b, struct op_info **out, size_t *n, struct err *e)
{
	return multi_merge(b, MULTI_OPERATIONS, 0, out, n, e);
}

static int
multi_op_get(struct backend *b, const char *id, struct op_info *out,
    struct err *e)
{
	MULTI_ROUTE(id, "Operation", false);

	MULTI_TRY(mb->ops->op_get(mb, bare, out, e));
	multi_fix_op(mb, out);
	return 0;
}

static int
multi_op_cancel(struct backend *b, const char *id, struct err *e)
{
	MULTI_ROUTE(id, "Operation", true);

	MULTI_TRY(mb->ops->op_cancel(mb, bare, e));
	return 0;
}

static int
multi_op_wait(struct backend *b, const char *id, int timeout_ms,
    struct op_info *out, struct err *e)
{
	int rc;
	MULTI_ROUTE(id, "Operation", false);

	rc = mb->ops->op_wait(mb, bare, timeout_ms, out, e);
	if (out != NULL && out->id != NULL)
		multi_fix_op(mb, out);
	/* The op's own failure is the instance's message: keep it as it is,
	 * with the remote in front. */
	return rc < 0 ? multi_err(mb, NULL, e) : 0;
}

static const struct backend_ops multi_ops = {
	.name = "multi",
	.free = multi_free,
	.server_info = multi_server_info,
	.server_update = multi_server_update,
	.instance_list = multi_instance_list,
	.instance_get = multi_instance_get,
	.instance_state = multi_instance_state,
	.instance_create = multi_instance_create,
	.instance_update = multi_instance_update,
	.instance_action = multi_instance_action,
	.instance_delete = multi_instance_delete,
	.instance_rename = multi_instance_rename,
	.snapshot_list = multi_snapshot_list,
	.snapshot_get = multi_snapshot_get,
	.snapshot_create = multi_snapshot_create,
	.snapshot_rename = multi_snapshot_rename,
	.snapshot_delete = multi_snapshot_delete,
	.snapshot_restore = multi_snapshot_restore,
	.snapshot_update = multi_snapshot_update,
	.profile_list = multi_profile_list,
	.profile_get = multi_profile_get,
	.profile_create = multi_profile_create,
	.profile_update = multi_profile_update,
	.profile_rename = multi_profile_rename,
	.profile_delete = multi_profile_delete,
	.image_list = multi_image_list,
	.image_get = multi_image_get,
	.image_import = multi_image_import,
	.image_update = multi_image_update,
	.image_delete = multi_image_delete,
	.image_export = multi_image_export,
	.image_publish = multi_image_publish,
	.image_alias_list = multi_image_alias_list,
	.image_alias_get = multi_image_alias_get,
	.image_alias_create = multi_image_alias_create,
	.image_alias_delete = multi_image_alias_delete,
	.exec_start = multi_exec_start,
	.console_attach = multi_console_attach,
	.exec_resize = multi_exec_resize,
	.exec_signal = multi_exec_signal,
	.exec_close = multi_exec_close,
	.console_log = multi_console_log,
	.instance_log = multi_instance_log,
	.file_get = multi_file_get,
	.file_put = multi_file_put,
	.file_delete = multi_file_delete,
	.op_list = multi_op_list,
	.op_get = multi_op_get,
	.op_cancel = multi_op_cancel,
	.op_wait = multi_op_wait,
	.subscribe = multi_subscribe,
	.unsubscribe = multi_unsubscribe,
	.snapshot_diff_files = multi_snapshot_diff_files,
};

struct backend *
backend_multi_create(struct uv_loop_s *loop, struct backend **members, size_t n,
    struct err *e)
{
	struct multi *m = NULL;
	struct strv names = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		const char *nm = members[i]->name;

		if (nm == NULL || *nm == '\0' || strpbrk(nm, ":,") != NULL) {
			err_set(e, 400, "Remote name \"%s\" cannot be merged (no ':' "
			    "or ',' allowed)", nm ? nm : "");
			goto fail;
		}
		if (strv_index(&names, nm) >= 0) {
			err_set(e, 400, "Remote \"%s\" is listed twice", nm);
			goto fail;
		}
		strv_push(&names, nm);
	}
	if (n == 0) {
		err_set(e, 400, "A merged list needs at least one remote");
		goto fail;
	}
	m = xcalloc(1, sizeof *m);
	m->b.ops = &multi_ops;
	m->b.name = strv_join(&names, ",");
	m->b.loop = loop;
	m->v = xcalloc(n, sizeof *m->v);
	m->n = n;
	for (i = 0; i < n; i++) {
		m->v[i].b = members[i];
		m->v[i].m = m;
		m->v[i].sub = members[i]->ops->subscribe(members[i], multi_event_cb,
		    &m->v[i]);
	}
	strv_free(&names);
	return &m->b;
fail:
	for (i = 0; i < n; i++)
		members[i]->ops->free(members[i]);
	strv_free(&names);
	return NULL;
}

bool
backend_multi_is(const struct backend *b)
{
	return b != NULL && b->ops == &multi_ops;
}

size_t
backend_multi_count(struct backend *b)
{
	return backend_multi_is(b) ? multi_of(b)->n : 0;
}

struct backend *
backend_multi_member(struct backend *b, size_t i)
{
	return backend_multi_is(b) && i < multi_of(b)->n ? multi_of(b)->v[i].b : NULL;
}

const char *
backend_multi_warning(struct backend *b)
{
	return backend_multi_is(b) ? multi_of(b)->warning : "";
}
