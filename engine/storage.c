/*
 * storage.c - instance root filesystems: the "dir" and "overlay" drivers.
 *
 * dir: containers/NAME/rootfs is a full copy of the image's rootfs, owned
 * by on-disk ids 0..65535; liblxc idmaps it (idmap=container) for an
 * unprivileged container.  Simple, and a snapshot copies everything.
 *
 * overlay: the image's unpacked rootfs (images/FP.d/rootfs) is the shared
 * read-only lower layer; the container owns only containers/NAME/ov/upper
 * (+ work).  Creating, copying and snapshotting cost O(changes), never
 * O(image).  The overlay is mounted on containers/NAME/rootfs before start;
 * for an unprivileged container the two layers are first mounted idmapped
 * under containers/NAME/mnt/ (see idmap.c), so on-disk ids never change and
 * a container can switch between privileged and unprivileged freely.
 *
 * Snapshots are snapshots/NAME/SNAP/rootfs (dir) or .../upper (overlay).
 *
 * Who may reach what.  Idmapped layers keep on-disk ids as the image has
 * them, so what the container's root makes (a setuid copy of a shell, say)
 * is host uid 0 on disk: no host user but root may reach any of it.
 * LXDECK_DIR and containers/ are 0711 (liblxc's child, as the container's
 * root, checks it can search the lxcpath); containers/NAME is the fence:
 * root-owned, 0710 with the container root's host gid as group for an
 * unprivileged container (an overlay rootfs is mounted there before the
 * start and the container's root must walk to it; a 0700 directory aborts
 * the start), 0700 for a privileged one.  The container's root can search
 * it but not list it and, not owning it, not chmod it (LXD makes the
 * directory 0100 owned by the root id instead).  snapshots/ and images/
 * are 0700: nothing but root reads a snapshot or an unpacked image (the
 * overlay's lower layer is mounted by root, never walked by the container).
 * To add a driver: extend storage_driver_valid() and each switch below,
 * keeping "data dir" (what a snapshot copies) and "rootfs" (what liblxc
 * boots) apart.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

bool
storage_driver_valid(const struct engine *e, const char *driver)
{
	if (strcmp(driver, "dir") == 0)
		return true;
	if (strcmp(driver, "overlay") == 0)
		return e->has_overlay;
	return false;
}

const char *
storage_default_driver(const struct engine *e)
{
	const char *env = getenv("LXDECK_STORAGE");

	if (env != NULL && storage_driver_valid(e, env))
		return env;
	return e->has_overlay ? "overlay" : "dir";
}

static bool
is_overlay(const char *driver)
{
	return strcmp(driver, "overlay") == 0;
}

char *
storage_data_dir(struct engine *e, const char *driver, const char *name)
{
	return is_overlay(driver) ?
	    engine_path(e, "containers/%s/ov/upper", name) :
	    engine_path(e, "containers/%s/rootfs", name);
}

int
storage_create(struct engine *e, const char *driver, const char *name,
    const char *fp, struct err *err)
{
	char *cdir = engine_path(e, "containers/%s", name);
	char *rootfs = engine_path(e, "containers/%s/rootfs", name);
	char *lower = NULL;
	int rc = -1;

	if (mkdir(cdir, 0700) < 0) {	/* storage_protect() opens it at start */
		err_set(err, errno == EEXIST ? 409 : 500,
		    "Failed to create the directory of instance \"%s\": %s", name,
		    strerror(errno));
		goto out;
	}
	if (is_overlay(driver)) {
		char *up = engine_path(e, "containers/%s/ov/upper", name);
		char *wk = engine_path(e, "containers/%s/ov/work", name);

		rc = (util_mkdir_p(up, 0755) < 0 || util_mkdir_p(wk, 0700) < 0 ||
		    mkdir(rootfs, 0755) < 0) ? -1 : 0;
		free(up);
		free(wk);
		if (rc < 0) {
			err_set(err, 500, "Failed to create the overlay of instance "
			    "\"%s\": %s", name, strerror(errno));
			goto out;
		}
		if (fp == NULL) {
			/* An empty instance still needs a lower layer. */
			char *empty = engine_path(e, "containers/%s/empty", name);

			mkdir(empty, 0755);
			free(empty);
		}
		rc = 0;
		goto out;
	}
	if (fp != NULL) {
		lower = image_rootfs_dir(e, fp, err);
		if (lower == NULL)
			goto out;
		if (util_copy_tree(lower, rootfs, err) < 0) {
			err_prefix(err, "Failed to copy the image into instance \"%s\"",
			    name);
			goto out;
		}
	} else if (mkdir(rootfs, 0755) < 0) {
		err_set(err, 500, "Failed to create the rootfs of instance \"%s\": %s",
		    name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(cdir);
	free(rootfs);
	free(lower);
	return rc;
}

int
storage_protect(struct engine *e, const char *name, bool privileged,
    uint32_t root_gid)
{
	char *cdir = engine_path(e, "containers/%s", name);
	int rc = 0;

	if (chown(cdir, 0, privileged ? 0 : (gid_t)root_gid) < 0 ||
	    chmod(cdir, privileged ? 0700 : 0710) < 0)
		rc = -errno;
	free(cdir);
	return rc;
}

void
storage_protect_all(struct engine *e)
{
	char *cdir = engine_path(e, "containers");
	DIR *d = opendir(cdir);
	struct dirent *de;
	struct stat st;

	/* An older lxdeck left containers/NAME 0711: close it, keeping the
	 * group an unprivileged one needs (the next start sets both). */
	while (d != NULL && (de = readdir(d)) != NULL) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", cdir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
		    ((st.st_mode & 07777) & ~0710) != 0) {
			log_info("closing %s to host users (mode %04o, now %04o)", p,
			    (unsigned)(st.st_mode & 07777), st.st_gid ? 0710 : 0700);
			if (st.st_uid != 0 && chown(p, 0, st.st_gid) < 0)
				log_warn("chown %s: %s", p, strerror(errno));
			if (chmod(p, st.st_gid ? 0710 : 0700) < 0)
				log_warn("chmod %s: %s", p, strerror(errno));
		}
		free(p);
	}
	if (d != NULL)
		closedir(d);
	free(cdir);
}

void
storage_umount(struct engine *e, const char *name)
{
	const char *sub[] = { "rootfs", "mnt/ov", "mnt/lower" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sub); i++) {
		char *p = engine_path(e, "containers/%s/%s", name, sub[i]);
		int tries = 0;

		while (util_is_mountpoint(p) && tries++ < 8)
			umount2(p, MNT_DETACH);
		free(p);
	}
}

int
storage_mount(struct engine *e, const char *driver, const char *name,
    const char *fp, bool privileged, bool *idmap_rootfs, struct err *err)
{
	char *rootfs = engine_path(e, "containers/%s/rootfs", name);
	char *ov = engine_path(e, "containers/%s/ov", name);
	char *mlower = engine_path(e, "containers/%s/mnt/lower", name);
	char *mov = engine_path(e, "containers/%s/mnt/ov", name);
	char *lower = NULL, *opts = NULL;
	int rc = -1, ns = -1;

	*idmap_rootfs = false;
	if (!is_overlay(driver)) {
		*idmap_rootfs = !privileged;
		rc = 0;
		goto out;
	}
	storage_umount(e, name);	/* a stale mount from an earlier life */
	if (fp != NULL && *fp != '\0') {
		lower = image_rootfs_dir(e, fp, err);
		if (lower == NULL)
			goto out;
	} else {
		lower = engine_path(e, "containers/%s/empty", name);
		mkdir(lower, 0755);
	}
	if (privileged) {
		opts = xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
		    lower, ov, ov);
	} else {
		if (util_mkdir_p(mlower, 0700) < 0 || util_mkdir_p(mov, 0700) < 0) {
			err_set(err, 500, "Failed to create mount points of instance "
			    "\"%s\": %s", name, strerror(errno));
			goto out;
		}
		ns = idmap_userns_fd(e->idmap_base, e->idmap_range);
		if (ns < 0) {
			err_set(err, 500, "Failed to create an id mapping for instance "
			    "\"%s\"", name);
			goto out;
		}
		if ((rc = idmap_mount(lower, mlower, ns)) < 0 ||
		    (rc = idmap_mount(ov, mov, ns)) < 0) {
			err_set(err, 500, "Failed to mount the layers of instance \"%s\" "
			    "idmapped: %s", name, strerror(-rc));
			storage_umount(e, name);
			rc = -1;
			goto out;
		}
		opts = xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
		    mlower, mov, mov);
	}
	if (mount("overlay", rootfs, "overlay", 0, opts) < 0) {
		err_set(err, 500, "Failed to mount the overlay of instance \"%s\": %s",
		    name, strerror(errno));
		storage_umount(e, name);
		goto out;
	}
	rc = 0;
out:
	if (ns >= 0)
		close(ns);
	free(rootfs);
	free(ov);
	free(mlower);
	free(mov);
	free(lower);
	free(opts);
	return rc;
}

int
storage_delete(struct engine *e, const char *name, struct err *err)
{
	char *cdir = engine_path(e, "containers/%s", name);
	char *sdir = engine_path(e, "snapshots/%s", name);
	int rc;

	storage_umount(e, name);
	rc = util_rm_rf(cdir, err);
	if (rc == 0)
		rc = util_rm_rf(sdir, err);
	free(cdir);
	free(sdir);
	return rc;
}

int
storage_copy(struct engine *e, const char *driver, const char *src,
    const char *src_snap, const char *dst, struct err *err)
{
	char *from, *to = storage_data_dir(e, driver, dst);
	int rc;

	if (src_snap != NULL)
		from = engine_path(e, "snapshots/%s/%s/%s", src, src_snap,
		    is_overlay(driver) ? "upper" : "rootfs");
	else
		from = storage_data_dir(e, driver, src);
	/* The destination exists (storage_create made it empty). */
	util_rm_rf(to, NULL);
	rc = util_copy_tree(from, to, err);
	if (rc < 0)
		err_prefix(err, "Failed to copy the files of \"%s\"", src);
	free(from);
	free(to);
	return rc;
}

int
storage_rename(struct engine *e, const char *name, const char *newname,
    struct err *err)
{
	char *a = engine_path(e, "containers/%s", name);
	char *b = engine_path(e, "containers/%s", newname);
	char *sa = engine_path(e, "snapshots/%s", name);
	char *sb = engine_path(e, "snapshots/%s", newname);
	int rc = 0;

	storage_umount(e, name);
	if (rename(a, b) < 0) {
		rc = err_set(err, 500, "Failed to rename instance \"%s\": %s", name,
		    strerror(errno));
	} else if (rename(sa, sb) < 0 && errno != ENOENT) {
		rc = err_set(err, 500, "Failed to rename the snapshots of \"%s\": %s",
		    name, strerror(errno));
		rename(b, a);
	}
	free(a);
	free(b);
	free(sa);
	free(sb);
	return rc;
}

int
storage_snapshot(struct engine *e, const char *driver, const char *name,
    const char *snap, struct err *err)
{
	char *dir = engine_path(e, "snapshots/%s/%s", name, snap);
	char *from = storage_data_dir(e, driver, name);
	char *to = engine_path(e, "snapshots/%s/%s/%s", name, snap,
	    is_overlay(driver) ? "upper" : "rootfs");
	int rc = -1;

	if (util_mkdir_p(dir, 0700) < 0) {
		err_set(err, 500, "Failed to create snapshot \"%s/%s\": %s", name, snap,
		    strerror(errno));
		goto out;
	}
	rc = util_copy_tree(from, to, err);
	if (rc < 0) {
		err_prefix(err, "Failed to copy instance \"%s\" into snapshot \"%s\"",
		    name, snap);
		util_rm_rf(dir, NULL);
	}
out:
	free(dir);
	free(from);
	free(to);
	return rc;
}

int
storage_restore(struct engine *e, const char *driver, const char *name,
    const char *snap, struct err *err)
{
	char *data = storage_data_dir(e, driver, name);
	char *from = engine_path(e, "snapshots/%s/%s/%s", name, snap,
	    is_overlay(driver) ? "upper" : "rootfs");
	char *tmp = xasprintf("%s.restore", data);
	char *old = xasprintf("%s.old", data);
	int rc = -1;

	storage_umount(e, name);
	util_rm_rf(tmp, NULL);
	util_rm_rf(old, NULL);
	/* Copy first, swap after: a failed copy leaves the instance as it was. */
	if (util_copy_tree(from, tmp, err) < 0) {
		err_prefix(err, "Failed to restore snapshot \"%s/%s\"", name, snap);
		util_rm_rf(tmp, NULL);
		goto out;
	}
	if (rename(data, old) < 0 || rename(tmp, data) < 0) {
		err_set(err, 500, "Failed to restore snapshot \"%s/%s\": %s", name, snap,
		    strerror(errno));
		rename(old, data);
		goto out;
	}
	util_rm_rf(old, NULL);
	if (is_overlay(driver)) {
		/* The work dir must be empty for a fresh mount. */
		char *wk = engine_path(e, "containers/%s/ov/work", name);

		util_rm_rf(wk, NULL);
		mkdir(wk, 0700);
		free(wk);
	}
	rc = 0;
out:
	free(data);
	free(from);
	free(tmp);
	free(old);
	return rc;
}

int
storage_snapshot_delete(struct engine *e, const char *name, const char *snap,
    struct err *err)
{
	char *dir = engine_path(e, "snapshots/%s/%s", name, snap);
	int rc = util_rm_rf(dir, err);

	free(dir);
	return rc;
}

int
storage_snapshot_rename(struct engine *e, const char *name, const char *snap,
    const char *newname, struct err *err)
{
	char *a = engine_path(e, "snapshots/%s/%s", name, snap);
	char *b = engine_path(e, "snapshots/%s/%s", name, newname);
	int rc = 0;

	if (rename(a, b) < 0 && errno != ENOENT)
		rc = err_set(err, 500, "Failed to rename snapshot \"%s/%s\": %s", name,
		    snap, strerror(errno));
	free(a);
	free(b);
	return rc;
}

int64_t
storage_usage(struct engine *e, const char *driver, const char *name)
{
	(void)e;
	(void)driver;
	(void)name;
	return -1;	/* du on every list is too slow; quotas come with btrfs/zfs */
}
