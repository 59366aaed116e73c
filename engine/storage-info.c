/*
 * storage-info.c - the storage pool as `lxc storage` shows it.
 *
 * The engine keeps every instance's root filesystem below
 * LXDECK_DIR/containers, with the dir or overlay driver (storage.c), so
 * it shows one pool, STORAGE_POOL, the one every root disk names: its
 * driver is the one new instances get, its source that directory, its
 * space what statvfs(3) says of the filesystem holding it.  Its volumes
 * are the instances' root volumes and their snapshots, as LXD lists them
 * ("inst" and "inst/snap", type container, content filesystem).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "engine.h"

static int
storage_info_check(const char *pool, struct err *err)
{
	if (strcmp(pool, STORAGE_POOL) != 0)
		return err_set(err, 404, "Storage pool \"%s\" not found", pool);
	return 0;
}

/* Is the root disk of these devices on the pool? */
static bool
storage_info_root_on(const struct devmap *d, const char *pool)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const char *type = strmap_get(&d->props[i], "type");
		const char *path = strmap_get(&d->props[i], "path");
		const char *p = strmap_get(&d->props[i], "pool");

		if (type != NULL && strcmp(type, "disk") == 0 && path != NULL &&
		    strcmp(path, "/") == 0 && p != NULL && strcmp(p, pool) == 0)
			return true;
	}
	return false;
}

int
storage_info_pools(struct engine *e, struct storage_pool **out, size_t *n,
    struct err *err)
{
	struct storage_pool *sp;
	struct instance *il = NULL;
	struct profile *pl = NULL;
	size_t nil = 0, npl = 0, i;

	*out = NULL;
	*n = 0;
	if (instance_load_all(e, 0, &il, &nil, err) < 0)
		return -1;
	if (profile_load_all(e, &pl, &npl, err) < 0) {
		instance_array_free(il, nil);
		return -1;
	}
	sp = xcalloc(1, sizeof *sp);
	sp->name = xstrdup(STORAGE_POOL);
	sp->description = xstrdup("");
	sp->driver = xstrdup(storage_default_driver(e));
	sp->status = xstrdup("Created");
	strmap_set(&sp->config, "source", e->lxcpath);
	/* As LXD: the instances, then the profiles. */
	for (i = 0; i < nil; i++) {
		if (storage_info_root_on(&il[i].expanded_devices, STORAGE_POOL)) {
			char *u = xasprintf("/1.0/instances/%s", il[i].name);

			strv_push(&sp->used_by, u);
			free(u);
		}
	}
	for (i = 0; i < npl; i++) {
		if (storage_info_root_on(&pl[i].devices, STORAGE_POOL)) {
			char *u = xasprintf("/1.0/profiles/%s", pl[i].name);

			strv_push(&sp->used_by, u);
			free(u);
		}
	}
	instance_array_free(il, nil);
	profile_array_free(pl, npl);
	*out = sp;
	*n = 1;
	return 0;
}

int
storage_info_resources(struct engine *e, const char *pool,
    struct storage_resources *out, struct err *err)
{
	struct statvfs sv;

	memset(out, 0, sizeof *out);
	if (storage_info_check(pool, err) < 0)
		return -1;
	if (statvfs(e->lxcpath, &sv) < 0)
		return err_set(err, 500, "Failed to read the space of storage pool "
		    "\"%s\": %s", pool, strerror(errno));
	out->space_total = (uint64_t)sv.f_blocks * sv.f_frsize;
	out->space_used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	out->inodes_total = sv.f_files;
	out->inodes_used = sv.f_files - sv.f_ffree;
	return 0;
}

int
storage_info_volumes(struct engine *e, const char *pool,
    struct storage_volume **out, size_t *n, struct err *err)
{
	struct instance *il = NULL;
	size_t nil = 0, i, k, cap = 0;

	*out = NULL;
	*n = 0;
	if (storage_info_check(pool, err) < 0 ||
	    instance_load_all(e, INSTANCE_WITH_SNAPSHOTS, &il, &nil, err) < 0)
		return -1;
	for (i = 0; i < nil; i++) {
		if (!storage_info_root_on(&il[i].expanded_devices, pool))
			continue;
		for (k = 0; k <= il[i].nsnapshots; k++) {
			struct storage_volume *v;
			char *u;

			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				*out = xreallocarray(*out, cap, sizeof **out);
			}
			v = &(*out)[(*n)++];
			memset(v, 0, sizeof *v);
			v->type = xstrdup("container");
			if (k == 0) {
				v->name = xstrdup(il[i].name);
				u = xasprintf("/1.0/instances/%s", il[i].name);
			} else {
				const char *snap = il[i].snapshots[k - 1].name;

				v->snapshot = true;
				v->name = xasprintf("%s/%s", il[i].name, snap);
				u = xasprintf("/1.0/instances/%s/snapshots/%s", il[i].name,
				    snap);
			}
			strv_push(&v->used_by, u);
			free(u);
		}
	}
	instance_array_free(il, nil);
	return 0;
}
