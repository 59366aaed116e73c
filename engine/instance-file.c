/*
 * instance-file.c - files inside an instance (lxc file pull/push/delete).
 *
 * Every path is resolved inside the instance's root with openat2() and
 * RESOLVE_IN_ROOT: "..", absolute symlinks and symlinks pointing outside
 * all stay inside the container, so a hostile container cannot make the
 * engine read or write a host file.  The final component is never followed
 * (O_NOFOLLOW): pulling a symlink gives the link itself, as LXD does.
 *
 * The root is the running container's own view (/proc/PID/root), whose
 * owners are host ids (base+uid for an unprivileged container, read back
 * through its uid_map), or for a stopped one the files on disk (mounting
 * an overlay instance's layers for the time of the call), whose owners are
 * the container's own ids.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <lxc/lxccontainer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine.h"

struct froot {
	int	 fd;		/* the root directory */
	long	 shift;		/* host id = container id + shift */
	bool	 mounted;	/* we mounted the overlay: unmount after */
	char	*name;
};

static long
uid_shift(pid_t pid)
{
	char *path = xasprintf("/proc/%d/uid_map", (int)pid), *text;
	long inside, outside, count, shift = 0;

	text = util_read_file(path, NULL);
	free(path);
	if (text != NULL && sscanf(text, "%ld %ld %ld", &inside, &outside, &count) == 3 &&
	    inside == 0)
		shift = outside;
	free(text);
	return shift;
}

static int
froot_open(struct engine *e, const char *name, struct froot *r, struct err *err)
{
	struct lxc_container *c;
	char *storage = NULL, *base = NULL, *path = NULL;
	pid_t pid = -1;
	int64_t id;

	memset(r, 0, sizeof *r);
	r->fd = -1;
	if (instance_id(e, name, &id, &storage, &base, err) < 0)
		return -1;
	c = lxc_container_new(name, e->lxcpath);
	if (c != NULL && c->is_running(c))
		pid = c->init_pid(c);
	lxc_container_put(c);
	if (pid > 0) {
		path = xasprintf("/proc/%d/root", (int)pid);
		r->shift = uid_shift(pid);
	} else {
		path = engine_path(e, "containers/%s/rootfs", name);
		if (strcmp(storage, "overlay") == 0 && !util_is_mountpoint(path)) {
			bool idmap;

			if (storage_mount(e, storage, name, base, true, &idmap, err) < 0)
				goto out;
			r->mounted = true;
		}
	}
	r->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0) {
		err_set(err, 500, "Failed to open the root of instance \"%s\": %s", name,
		    strerror(errno));
		if (r->mounted)
			storage_umount(e, name);
	}
	r->name = xstrdup(name);
out:
	free(storage);
	free(base);
	free(path);
	return r->fd < 0 ? -1 : 0;
}

static void
froot_close(struct engine *e, struct froot *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->mounted)
		storage_umount(e, r->name);
	free(r->name);
}

/* openat2 inside the root; path relative or absolute (both from "/"). */
static int
open_in(int root, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *p = path;

	while (*p == '/')
		p++;
	if (*p == '\0')
		p = ".";
	return (int)syscall(SYS_openat2, root, p, &how, sizeof how);
}

static int
split_path(const char *path, char **dir, char **base)
{
	char *a = xstrdup(path), *b = xstrdup(path);

	*dir = xstrdup(dirname(a));
	*base = xstrdup(basename(b));
	free(a);
	free(b);
	if (strcmp(*base, "/") == 0 || strcmp(*base, ".") == 0 ||
	    strcmp(*base, "..") == 0) {
		free(*dir);
		free(*base);
		return -1;
	}
	return 0;
}

int
instance_file_get(struct engine *e, const char *name, const char *path,
    struct file_info *out, struct err *err)
{
	struct froot r;
	struct stat st;
	int fd = -1, rc = -1;

	memset(out, 0, sizeof *out);
	if (froot_open(e, name, &r, err) < 0)
		return -1;
	fd = open_in(r.fd, path, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err_set(err, errno == ENOENT ? 404 : 400, "Failed to open \"%s\" in "
		    "instance \"%s\": %s", path, name, strerror(errno));
		goto out;
	}
	out->uid = (uid_t)((long)st.st_uid - r.shift);
	out->gid = (gid_t)((long)st.st_gid - r.shift);
	out->mode = st.st_mode & 07777;
	out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (S_ISLNK(st.st_mode)) {
		char buf[4096];
		ssize_t n = readlinkat(fd, "", buf, sizeof buf - 1);

		if (n < 0) {
			err_set(err, 500, "Failed to read link \"%s\": %s", path,
			    strerror(errno));
			goto out;
		}
		out->type = FILE_SYMLINK;
		out->content = xstrndup(buf, (size_t)n);
		out->len = (size_t)n;
	} else if (S_ISDIR(st.st_mode)) {
		int dfd = open_in(r.fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
		struct dirent *de;

		if (d == NULL) {
			if (dfd >= 0)
				close(dfd);
			err_set(err, 500, "Failed to list \"%s\": %s", path,
			    strerror(errno));
			goto out;
		}
		out->type = FILE_DIRECTORY;
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				strv_push(&out->entries, de->d_name);
		closedir(d);
	} else if (S_ISREG(st.st_mode)) {
		int rfd = open_in(r.fd, path, O_RDONLY | O_NOFOLLOW, 0);
		char *proc;

		if (rfd < 0) {
			err_set(err, 500, "Failed to read \"%s\": %s", path, strerror(errno));
			goto out;
		}
		proc = xasprintf("/proc/self/fd/%d", rfd);
		out->content = util_read_file(proc, &out->len);
		free(proc);
		close(rfd);
		if (out->content == NULL) {
			err_set(err, 500, "Failed to read \"%s\"", path);
			goto out;
		}
		out->type = FILE_REGULAR;
	} else {
		err_set(err, 400, "\"%s\" is not a regular file, directory or symlink",
		    path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		file_info_free_contents(out);
	froot_close(e, &r);
	return rc;
}

int
instance_file_put(struct engine *e, const char *name, const char *path,
    const struct file_info *info, bool append, struct err *err)
{
	struct froot r;
	char *dir = NULL, *base = NULL;
	int dfd = -1, fd = -1, rc = -1;
	uid_t uid = (uid_t)((long)info->uid + 0);
	mode_t mode = info->mode & 07777;

	if (froot_open(e, name, &r, err) < 0)
		return -1;
	if (split_path(path, &dir, &base) < 0) {
		err_set(err, 400, "Invalid path \"%s\"", path);
		goto out;
	}
	dfd = open_in(r.fd, dir, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0) {
		err_set(err, errno == ENOENT ? 404 : 400, "Failed to open directory "
		    "\"%s\" in instance \"%s\": %s", dir, name, strerror(errno));
		goto out;
	}
	uid = (uid_t)((long)info->uid + r.shift);
	switch (info->type) {
	case FILE_DIRECTORY:
		if (mkdirat(dfd, base, mode ? mode : 0755) < 0 && errno != EEXIST) {
			err_set(err, 500, "Failed to create directory \"%s\": %s", path,
			    strerror(errno));
			goto out;
		}
		fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		break;
	case FILE_SYMLINK:
		unlinkat(dfd, base, 0);
		if (symlinkat(info->content ? info->content : "", dfd, base) < 0) {
			err_set(err, 500, "Failed to create symlink \"%s\": %s", path,
			    strerror(errno));
			goto out;
		}
		if (fchownat(dfd, base, uid, (gid_t)((long)info->gid + r.shift),
		    AT_SYMLINK_NOFOLLOW) < 0)
			log_warn("chown %s: %s", path, strerror(errno));
		rc = 0;
		goto out;
	case FILE_REGULAR: {
		size_t done = 0;

		fd = openat(dfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		    (append ? O_APPEND : O_TRUNC), mode ? mode : 0644);
		while (fd >= 0 && done < info->len) {
			ssize_t w = write(fd, info->content + done, info->len - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				err_set(err, 500, "Failed to write \"%s\": %s", path,
				    strerror(errno));
				goto out;
			}
			done += (size_t)w;
		}
		break;
	}
	}
	if (fd < 0) {
		err_set(err, errno == ELOOP ? 400 : 500, "Failed to open \"%s\" in "
		    "instance \"%s\": %s", path, name, strerror(errno));
		goto out;
	}
	if (fchown(fd, uid, (gid_t)((long)info->gid + r.shift)) < 0 ||
	    (mode && fchmod(fd, mode) < 0))
		log_warn("chown/chmod %s: %s", path, strerror(errno));
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(dir);
	free(base);
	froot_close(e, &r);
	return rc;
}

int
instance_file_delete(struct engine *e, const char *name, const char *path,
    struct err *err)
{
	struct froot r;
	char *dir = NULL, *base = NULL;
	struct stat st;
	int dfd = -1, rc = -1;

	if (froot_open(e, name, &r, err) < 0)
		return -1;
	if (split_path(path, &dir, &base) < 0) {
		err_set(err, 400, "Invalid path \"%s\"", path);
		goto out;
	}
	dfd = open_in(r.fd, dir, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0 || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		err_set(err, errno == ENOENT ? 404 : 400, "Failed to find \"%s\" in "
		    "instance \"%s\": %s", path, name, strerror(errno));
		goto out;
	}
	if (unlinkat(dfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0) {
		err_set(err, errno == ENOTEMPTY ? 400 : 500, "Failed to delete \"%s\": %s",
		    path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	free(dir);
	free(base);
	froot_close(e, &r);
	return rc;
}
