/*
 * snapshot-diff.c - the files an instance changed since one of its snapshots.
 *
 * Only overlay storage can tell cheaply.  There the image's rootfs is the
 * shared lower layer, and both the instance (containers/NAME/ov/upper) and
 * each of its snapshots (snapshots/NAME/SNAP/upper, a copy of the upper
 * layer when it was taken) hold nothing but what differs from it.  So the
 * walk visits the union of the two upper directories, O(changes), and looks
 * into the lower layer only to see what a path was when one upper lacks it.
 *
 * Each path gets its effective entry in both views, as overlayfs would show
 * it: the upper entry if there is one (a whiteout - char device 0:0, or a
 * zero-size file carrying overlay.whiteout - meaning "absent"), else the
 * lower one unless an ancestor hides the lower layer (a whiteout, a
 * non-directory, or an opaque directory: overlay.opaque = "y").  The two are
 * compared on type, owner and mode, plus size and mtime for files, the
 * target for symlinks and the device for device nodes; directories are not
 * compared on mtime, which only says their contents changed.  A file copied
 * up but left unchanged keeps its lower mtime and size, so it is not listed.
 *
 * Lines are "M path", "A path" or "D path" (modified, added, deleted since
 * the snapshot), sorted by path, directories with a trailing "/".  An added
 * directory is listed with what it holds; a deleted one is a single line.
 * The dir driver would need a walk of two whole root filesystems: it gets
 * 501 instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine.h"

enum { VIEW_SNAP, VIEW_NOW, VIEW_LOWER };

struct snapshot_diff_walk {
	struct strv	*out;
	size_t		 max;		/* lines listed before "... N more" */
	size_t		 listed;
	size_t		 more;
};

/* One path as one view (snapshot or now) shows it. */
struct snapshot_diff_ent {
	bool		 present;
	bool		 in_upper;	/* the upper layer has something there */
	bool		 hides;		/* its children do not come from lower */
	struct stat	 st;
	int		 dirfd;		/* where st came from */
};

/* The overlay xattr name (trusted. or user. namespace) on dirfd/name,
 * equal to want ('\0': any value).  Opened without following links and
 * only for directories and regular files (O_NONBLOCK against a swapped-in
 * FIFO). */
static bool
snapshot_diff_xattr_is(int dirfd, const char *name, const char *attr, char want)
{
	const char *ns[] = { "trusted.", "user." };
	char key[64], v[4];
	bool found = false;
	size_t i;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);

	if (fd < 0)
		return false;
	for (i = 0; i < ARRAY_SIZE(ns) && !found; i++) {
		ssize_t n;

		snprintf(key, sizeof key, "%soverlay.%s", ns[i], attr);
		n = fgetxattr(fd, key, v, sizeof v);
		found = n >= 0 && (want == '\0' || (n >= 1 && v[0] == want));
	}
	close(fd);
	return found;
}

/* name in the directory a view's upper layer has here (fd, or -1 when it
 * has no directory here), else in the lower one unless hidden. */
static void
snapshot_diff_lookup(int upfd, int lowfd, const char *name, bool hidden,
    struct snapshot_diff_ent *out)
{
	memset(out, 0, sizeof *out);
	out->dirfd = -1;
	if (upfd >= 0 && fstatat(upfd, name, &out->st, AT_SYMLINK_NOFOLLOW) == 0) {
		out->in_upper = true;
		out->dirfd = upfd;
		if ((S_ISCHR(out->st.st_mode) && out->st.st_rdev == makedev(0, 0)) ||
		    (S_ISREG(out->st.st_mode) && out->st.st_size == 0 &&
		    snapshot_diff_xattr_is(upfd, name, "whiteout", '\0'))) {
			out->hides = true;	/* a whiteout: deleted */
		} else {
			out->present = true;
			out->hides = hidden || !S_ISDIR(out->st.st_mode) ||
			    snapshot_diff_xattr_is(upfd, name, "opaque", 'y');
		}
		return;
	}
	out->hides = true;
	if (hidden || lowfd < 0)
		return;
	if (fstatat(lowfd, name, &out->st, AT_SYMLINK_NOFOLLOW) == 0) {
		out->present = true;
		out->dirfd = lowfd;
		out->hides = !S_ISDIR(out->st.st_mode);
	}
}

static char *
snapshot_diff_readlink(int dirfd, const char *name)
{
	char buf[4096];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);

	if (n < 0)
		return xstrdup("");
	buf[n] = '\0';
	return xstrdup(buf);
}

static bool
snapshot_diff_same(const char *name, const struct snapshot_diff_ent *a,
    const struct snapshot_diff_ent *b)
{
	const struct stat *x = &a->st, *y = &b->st;

	if (a->dirfd == b->dirfd)
		return true;		/* both from the lower layer */
	if ((x->st_mode & S_IFMT) != (y->st_mode & S_IFMT) ||
	    x->st_uid != y->st_uid || x->st_gid != y->st_gid)
		return false;
	if (S_ISLNK(x->st_mode)) {
		char *ta = snapshot_diff_readlink(a->dirfd, name);
		char *tb = snapshot_diff_readlink(b->dirfd, name);
		bool same = strcmp(ta, tb) == 0;

		free(ta);
		free(tb);
		return same;
	}
	if ((x->st_mode & 07777) != (y->st_mode & 07777))
		return false;
	if (S_ISREG(x->st_mode))
		return x->st_size == y->st_size &&
		    x->st_mtim.tv_sec == y->st_mtim.tv_sec &&
		    x->st_mtim.tv_nsec == y->st_mtim.tv_nsec;
	if (S_ISCHR(x->st_mode) || S_ISBLK(x->st_mode))
		return x->st_rdev == y->st_rdev;
	return true;
}

static void
snapshot_diff_emit(struct snapshot_diff_walk *w, char what, const char *rel,
    bool dir)
{
	char *line;

	if (w->listed >= w->max) {
		w->more++;
		return;
	}
	line = xasprintf("%c %s%s", what, rel, dir ? "/" : "");
	strv_push(w->out, line);
	free(line);
	w->listed++;
}

static int
snapshot_diff_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the entries of the directory fd (if >= 0) to names. */
static void
snapshot_diff_list(int fd, struct strv *names)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	if (fd < 0 || (dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_push(names, de->d_name);
	closedir(d);
}

/* A real directory name under fd (never through a link), or -1. */
static int
snapshot_diff_open(int fd, const char *name)
{
	if (fd < 0)
		return -1;
	return openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* The directory rel ("" for the root, else "/a/b") in the three layers:
 * fd[VIEW_*] is that layer's directory there, or -1 when it has none.
 * hidden_*: whether the lower layer is hidden here in each view.  Every
 * step goes through directory fds opened with O_NOFOLLOW, so a symlink an
 * instance made in its upper layer never leads the walk out of it. */
static void
snapshot_diff_dir(struct snapshot_diff_walk *w, const char *rel, const int fd[3],
    bool hidden_s, bool hidden_n)
{
	struct strv names = { 0 };
	size_t i;

	snapshot_diff_list(fd[VIEW_SNAP], &names);
	snapshot_diff_list(fd[VIEW_NOW], &names);
	/* One view sees the lower layer here and the other does not (an opaque
	 * or replaced directory): what only the lower holds differs too. */
	if (hidden_s != hidden_n)
		snapshot_diff_list(fd[VIEW_LOWER], &names);
	if (names.n > 1)
		qsort(names.v, names.n, sizeof *names.v, snapshot_diff_cmp);
	for (i = 0; i < names.n; i++) {
		const char *name = names.v[i];
		struct snapshot_diff_ent s, n;
		char *p;
		bool sdir, ndir;

		if (i > 0 && strcmp(name, names.v[i - 1]) == 0)
			continue;
		p = xasprintf("%s/%s", rel, name);
		snapshot_diff_lookup(fd[VIEW_SNAP], fd[VIEW_LOWER], name, hidden_s, &s);
		snapshot_diff_lookup(fd[VIEW_NOW], fd[VIEW_LOWER], name, hidden_n, &n);
		sdir = s.present && S_ISDIR(s.st.st_mode);
		ndir = n.present && S_ISDIR(n.st.st_mode);
		if (!s.present && n.present)
			snapshot_diff_emit(w, 'A', p, ndir);
		else if (s.present && !n.present)
			snapshot_diff_emit(w, 'D', p, sdir);
		else if (s.present && n.present && !snapshot_diff_same(name, &s, &n))
			snapshot_diff_emit(w, 'M', p, ndir);
		/* Below: only where an upper layer has something; a deleted
		 * directory stays one line, a file turned directory is walked. */
		if (ndir && (s.in_upper || n.in_upper)) {
			int sub[3], k;

			sub[VIEW_SNAP] = snapshot_diff_open(fd[VIEW_SNAP], name);
			sub[VIEW_NOW] = snapshot_diff_open(fd[VIEW_NOW], name);
			sub[VIEW_LOWER] = snapshot_diff_open(fd[VIEW_LOWER], name);
			snapshot_diff_dir(w, p, sub, s.hides, n.hides);
			for (k = 0; k < 3; k++)
				if (sub[k] >= 0)
					close(sub[k]);
		}
		free(p);
	}
	strv_free(&names);
}

int
snapshot_diff_files(struct engine *e, const char *inst, const char *snap,
    size_t max, struct strv *out, struct err *err)
{
	struct snapshot sn = { 0 };
	char *storage = NULL, *base = NULL, *lower = NULL, *supper = NULL;
	char *nupper = NULL;
	struct snapshot_diff_walk w = { .out = out, .max = max };
	struct stat st;
	int fd[3] = { -1, -1, -1 }, k;
	int64_t iid;
	int rc = -1;

	if (snapshot_load(e, inst, snap, &sn, err) < 0)
		return err_prefix(err, "Failed to compare snapshot \"%s/%s\" with the "
		    "instance", inst, snap);
	snapshot_free_contents(&sn);
	if (instance_id(e, inst, &iid, &storage, &base, err) < 0)
		goto out;
	if (strcmp(storage, "overlay") != 0) {
		err_set(err, 501, "File changes are only tracked cheaply on overlay "
		    "storage: instance \"%s\" uses \"%s\"", inst, storage);
		goto out;
	}
	supper = engine_path(e, "snapshots/%s/%s/upper", inst, snap);
	nupper = engine_path(e, "containers/%s/ov/upper", inst);
	if (lstat(supper, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    lstat(nupper, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_set(err, 500, "Failed to compare snapshot \"%s/%s\" with the "
		    "instance: its files are missing on disk", inst, snap);
		goto out;
	}
	if (base != NULL && *base != '\0') {
		lower = image_rootfs_dir(e, base, err);
		if (lower == NULL) {
			err_prefix(err, "Failed to compare snapshot \"%s/%s\" with the "
			    "instance", inst, snap);
			goto out;
		}
	} else {
		lower = engine_path(e, "containers/%s/empty", inst);
	}
	fd[VIEW_SNAP] = open(supper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd[VIEW_NOW] = open(nupper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd[VIEW_LOWER] = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd[VIEW_SNAP] < 0 || fd[VIEW_NOW] < 0) {
		err_set(err, 500, "Failed to compare snapshot \"%s/%s\" with the "
		    "instance: %s", inst, snap, strerror(errno));
		goto out;
	}
	snapshot_diff_dir(&w, "", fd, false, false);
	if (w.more > 0) {
		char *line = xasprintf("... %zu more", w.more);

		strv_push(out, line);
		free(line);
	}
	rc = 0;
out:
	for (k = 0; k < 3; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	free(storage);
	free(base);
	free(lower);
	free(supper);
	free(nupper);
	return rc;
}
