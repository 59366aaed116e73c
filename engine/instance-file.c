/*
 * instance-file.c - files inside an instance (lxc file pull/push/delete).
 *
 * Nothing here touches an instance's files from the daemon itself.  Each
 * operation runs in a helper process forked for it (LXD's forkfile model):
 * for a running container the helper joins the container's user and mount
 * namespaces (setns), takes the container's root as its own (chroot) and
 * becomes the container's root user, so the kernel checks every open,
 * write and chown as it would for the container's root: a host object the
 * container bound into its own mount tree (a sysfs attribute, a host file)
 * stays out of reach, as it is for the container.  For a stopped instance
 * the helper works on the rootfs on disk (an overlay instance's layers are
 * mounted for the time of the call), whose owners are the container's own
 * ids; nobody but the daemon changes that tree while it is stopped.
 *
 * Paths are resolved with openat2(RESOLVE_IN_ROOT), so "..", absolute
 * symlinks and symlinks that point outside stay inside the root.  The last
 * component is never followed: it is opened O_PATH|O_NOFOLLOW and fstat'ed,
 * and only a regular file or a directory is then reopened for I/O, through
 * the host's /proc/self/fd of that very descriptor (same inode, no second
 * lookup, no open of a FIFO or a device at all).  A FIFO, socket or device
 * is refused (400).  A pulled symlink gives the link itself, as LXD does.
 *
 * The helper talks over one socketpair: a struct fx_head (status, type,
 * owner, mode, mtime, payload size), then the payload: an error message, a
 * symlink's target, a directory's names (NUL-separated) or a regular file's
 * content, streamed in bounded chunks; a push reads the daemon's spool file
 * the same way.  So memory stays flat whatever the size, and the daemon's
 * loop never waits: instance_file_start() reports on the loop through a
 * uv_poll and hands a pull's socket to the caller as the content's stream.
 * Every step of the helper on the container's files runs under an alarm
 * (FX_IO_TIMEOUT_S): a FUSE server in the container that never answers
 * kills the helper, not the daemon.  The helper dies with the daemon
 * (PR_SET_PDEATHSIG) and is reaped from the loop through its pidfd.
 * instance_file_get/put/delete are the same, waited for with bounded polls
 * (engctl and other callers without a loop).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <lxc/lxccontainer.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "engine.h"

#define FX_CHUNK		(1024 * 1024)	/* one read or write of content */
#define FX_PROBE		(64 * 1024)	/* read before a pull's size is told */
#define FX_MAX_SMALL		(16 * 1024 * 1024)	/* a sizeless (procfs) file */
#define FX_MAX_LISTING		(64 * 1024 * 1024)	/* a directory's names */
#define FX_MAX_MESSAGE		4096
#define FX_MAX_SYNC_PULL	(1024LL * 1024 * 1024)	/* read whole (engctl) */
#define FX_IO_TIMEOUT_S		120	/* one step on the container's files */
#define FX_SYNC_WAIT_MS		(FX_IO_TIMEOUT_S * 1000 + 5000)

/* What the helper sends first. */
struct fx_head {
	int32_t		 code;		/* 0, or an HTTP-style error */
	int32_t		 type;		/* enum file_type */
	uint32_t	 uid, gid, mode;
	uint32_t	 pad;
	int64_t		 mtime_ns;
	int64_t		 size;		/* payload bytes that follow */
};

/* Where the helper works and what it does (set up in the parent). */
struct fx_spec {
	enum file_op_kind op;
	char		*name;
	char		*path;
	struct file_info info;		/* push: type, ids, mode, link target */
	bool		 append;
	int		 data_fd;	/* push of a regular file: the data */
	int		 root_fd;	/* the instance's root directory */
	int		 userns_fd;	/* running: namespaces to join (-1: none) */
	int		 mntns_fd;
	int		 proc_fd;	/* the host's /proc */
	bool		 mounted;	/* we mounted the overlay: unmount after */
};

struct file_op {
	struct engine	*e;
	struct fx_spec	 spec;
	pid_t		 pid;
	int		 pidfd;
	int		 sock;
	uv_poll_t	*poll;
	struct fx_head	 head;
	size_t		 got;		/* bytes of head read */
	char		*payload;
	size_t		 plen;
	file_done_cb	 done;
	void		*arg;
};

/* The helper */

static void fx_fail(int sock, int code, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

static int
fx_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
fx_send(int sock, const struct fx_head *h, const void *payload)
{
	if (fx_write_all(sock, h, sizeof *h) < 0 ||
	    (h->size > 0 && fx_write_all(sock, payload, (size_t)h->size) < 0))
		_exit(1);
}

static void
fx_fail(int sock, int code, const char *fmt, ...)
{
	struct fx_head h = { .code = code };
	char msg[FX_MAX_MESSAGE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	h.size = n < 0 ? 0 : n >= (int)sizeof msg ? (int)sizeof msg - 1 : n;
	fx_send(sock, &h, msg);
	_exit(0);
}

/* An HTTP-style status for a failed step on the container's files. */
static int
fx_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EACCES:
	case EPERM:
	case EROFS:
		return 403;
	case ELOOP:
	case EINVAL:
	case EISDIR:
	case ENOTEMPTY:
	case EEXIST:
	case EXDEV:
		return 400;
	}
	return 500;
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

/*
 * Opens the inode behind an O_PATH fd for I/O, through the host's procfs:
 * no second lookup of the name, so what was fstat'ed is what is opened.
 * -1 with errno; EXDEV when it is somehow not the same inode.
 */
static int
fx_reopen(const struct fx_spec *s, int pathfd, const struct stat *was, int flags)
{
	char link[64];
	struct stat st;
	int fd;

	snprintf(link, sizeof link, "self/fd/%d", pathfd);
	fd = openat(s->proc_fd, link, flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_dev != was->st_dev || st.st_ino != was->st_ino) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
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
		*dir = *base = NULL;
		return -1;
	}
	return 0;
}

static void
fx_head_stat(struct fx_head *h, const struct stat *st)
{
	h->uid = st->st_uid;
	h->gid = st->st_gid;
	h->mode = st->st_mode & 07777;
	h->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* read() under the alarm; the whole chunk unless the end comes first. */
static ssize_t
fx_read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		alarm(FX_IO_TIMEOUT_S);
		n = read(fd, buf + got, len - got);
		alarm(0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void
fx_child_get(const struct fx_spec *s, int root, int sock)
{
	struct fx_head h = { 0 };
	struct stat st;
	int fd, rfd;

	alarm(FX_IO_TIMEOUT_S);
	fd = open_in(root, s->path, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0 || fstat(fd, &st) < 0)
		fx_fail(sock, errno == ENOENT ? 404 : fx_code(errno), "Failed to open "
		    "\"%s\" in instance \"%s\": %s", s->path, s->name, strerror(errno));
	fx_head_stat(&h, &st);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(fd, "", target, sizeof target);

		alarm(0);
		if (n < 0)
			fx_fail(sock, 500, "Failed to read link \"%s\": %s", s->path,
			    strerror(errno));
		h.type = FILE_SYMLINK;
		h.size = n;
		fx_send(sock, &h, target);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		struct buf_names { char *p; size_t len, cap; } b = { 0 };
		struct dirent *de;
		DIR *d;

		rfd = fx_reopen(s, fd, &st, O_RDONLY | O_DIRECTORY);
		d = rfd >= 0 ? fdopendir(rfd) : NULL;
		if (d == NULL)
			fx_fail(sock, fx_code(errno), "Failed to list \"%s\": %s", s->path,
			    strerror(errno));
		while ((de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name) + 1;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (b.len + n > FX_MAX_LISTING)
				fx_fail(sock, 500, "Directory \"%s\" has too many entries",
				    s->path);
			if (b.len + n > b.cap) {
				b.cap = (b.len + n) * 2;
				b.p = xrealloc(b.p, b.cap);
			}
			memcpy(b.p + b.len, de->d_name, n);
			b.len += n;
		}
		alarm(0);
		h.type = FILE_DIRECTORY;
		h.size = (int64_t)b.len;
		fx_send(sock, &h, b.p);
		return;
	}
	if (!S_ISREG(st.st_mode))
		fx_fail(sock, 400, "\"%s\" in instance \"%s\" is not a regular file, "
		    "directory or symlink", s->path, s->name);

	/* A regular file: tell its size, then stream it. */
	{
		char *buf = xmalloc(FX_CHUNK);
		ssize_t n;
		int64_t left;

		rfd = fx_reopen(s, fd, &st, O_RDONLY | O_NONBLOCK);
		if (rfd < 0)
			fx_fail(sock, fx_code(errno), "Failed to read \"%s\": %s", s->path,
			    strerror(errno));
		alarm(0);
		n = fx_read_full(rfd, buf, FX_PROBE);
		if (n < 0)
			fx_fail(sock, 500, "Failed to read \"%s\": %s", s->path,
			    strerror(errno));
		h.type = FILE_REGULAR;
		if (n < FX_PROBE) {
			h.size = n;		/* all of it (sysfs, procfs, small) */
		} else if (st.st_size == 0) {
			/* procfs and the like tell no size: read it whole. */
			size_t cap = FX_PROBE * 2, len = (size_t)n;

			for (;;) {
				ssize_t m;

				buf = xrealloc(buf, cap);
				m = fx_read_full(rfd, buf + len, cap - len);
				if (m < 0)
					fx_fail(sock, 500, "Failed to read \"%s\": %s",
					    s->path, strerror(errno));
				len += (size_t)m;
				if (len < cap)
					break;
				if (cap >= FX_MAX_SMALL)
					fx_fail(sock, 400, "\"%s\" tells no size and is larger "
					    "than %d bytes", s->path, FX_MAX_SMALL);
				cap *= 2;
			}
			h.size = (int64_t)len;
			fx_send(sock, &h, buf);
			return;
		} else {
			h.size = st.st_size;
		}
		if (n > h.size)
			n = (ssize_t)h.size;
		if (fx_write_all(sock, &h, sizeof h) < 0)
			_exit(1);
		if (n > 0 && fx_write_all(sock, buf, (size_t)n) < 0)
			_exit(1);
		for (left = h.size - n; left > 0; left -= n) {
			n = fx_read_full(rfd, buf, left < FX_CHUNK ? (size_t)left : FX_CHUNK);
			if (n <= 0)
				_exit(1);	/* shrank: the daemon sees it cut */
			if (fx_write_all(sock, buf, (size_t)n) < 0)
				_exit(1);
		}
	}
}

/* Opens (or creates) the regular file base in dfd for a push. */
static int
fx_open_for_push(const struct fx_spec *s, int dfd, const char *base, int sock)
{
	int tries;

	for (tries = 0; tries < 4; tries++) {
		struct stat st;
		int pfd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC), fd;

		if (pfd < 0 && errno != ENOENT)
			break;
		if (pfd < 0) {
			fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_NONBLOCK | O_CLOEXEC, s->info.mode ? s->info.mode : 0644);
			if (fd >= 0 || errno != EEXIST)
				return fd;
			continue;	/* made meanwhile: look again */
		}
		if (fstat(pfd, &st) < 0)
			break;
		if (!S_ISREG(st.st_mode))
			fx_fail(sock, 400, "\"%s\" in instance \"%s\" exists and is not a "
			    "regular file", s->path, s->name);
		fd = fx_reopen(s, pfd, &st, O_WRONLY | O_NONBLOCK |
		    (s->append ? O_APPEND : O_TRUNC));
		close(pfd);
		return fd;
	}
	return -1;
}

static void
fx_child_put(const struct fx_spec *s, int root, int sock)
{
	struct fx_head h = { 0 };
	char *dir = NULL, *base = NULL;
	uid_t uid = s->info.uid;
	gid_t gid = s->info.gid;
	mode_t mode = s->info.mode & 07777;
	int dfd, fd = -1;

	if (split_path(s->path, &dir, &base) < 0)
		fx_fail(sock, 400, "Invalid path \"%s\"", s->path);
	alarm(FX_IO_TIMEOUT_S);
	dfd = open_in(root, dir, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		fx_fail(sock, errno == ENOENT ? 404 : fx_code(errno), "Failed to open "
		    "directory \"%s\" in instance \"%s\": %s", dir, s->name,
		    strerror(errno));
	switch (s->info.type) {
	case FILE_DIRECTORY: {
		struct stat st;
		int pfd;

		if (mkdirat(dfd, base, mode ? mode : 0755) < 0 && errno != EEXIST)
			fx_fail(sock, fx_code(errno), "Failed to create directory \"%s\": "
			    "%s", s->path, strerror(errno));
		pfd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (pfd < 0 || fstat(pfd, &st) < 0)
			fx_fail(sock, fx_code(errno), "Failed to open \"%s\" in instance "
			    "\"%s\": %s", s->path, s->name, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			fx_fail(sock, 400, "\"%s\" in instance \"%s\" exists and is not a "
			    "directory", s->path, s->name);
		fd = fx_reopen(s, pfd, &st, O_RDONLY | O_DIRECTORY);
		break;
	}
	case FILE_SYMLINK:
		if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
			fx_fail(sock, fx_code(errno), "Failed to replace \"%s\": %s",
			    s->path, strerror(errno));
		if (symlinkat(s->info.content ? s->info.content : "", dfd, base) < 0)
			fx_fail(sock, fx_code(errno), "Failed to create symlink \"%s\": "
			    "%s", s->path, strerror(errno));
		if (fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			fx_fail(sock, fx_code(errno), "Failed to set the owner of \"%s\": "
			    "%s", s->path, strerror(errno));
		alarm(0);
		fx_send(sock, &h, NULL);
		return;
	case FILE_REGULAR:
		fd = fx_open_for_push(s, dfd, base, sock);
		break;
	}
	if (fd < 0)
		fx_fail(sock, fx_code(errno), "Failed to open \"%s\" in instance \"%s\": "
		    "%s", s->path, s->name, strerror(errno));
	if (fchown(fd, uid, gid) < 0 || (mode && fchmod(fd, mode) < 0))
		fx_fail(sock, fx_code(errno), "Failed to set the owner and mode of "
		    "\"%s\": %s", s->path, strerror(errno));
	alarm(0);
	if (s->info.type == FILE_REGULAR && s->data_fd >= 0) {
		char *buf = xmalloc(FX_CHUNK);
		off_t off = 0;

		for (;;) {
			ssize_t n = pread(s->data_fd, buf, FX_CHUNK, off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				fx_fail(sock, 500, "Failed to read the pushed data: %s",
				    strerror(errno));
			if (n == 0)
				break;
			alarm(FX_IO_TIMEOUT_S);
			if (fx_write_all(fd, buf, (size_t)n) < 0)
				fx_fail(sock, fx_code(errno), "Failed to write \"%s\": %s",
				    s->path, strerror(errno));
			alarm(0);
			off += n;
		}
	} else if (s->info.type == FILE_REGULAR && s->info.len > 0) {
		alarm(FX_IO_TIMEOUT_S);
		if (fx_write_all(fd, s->info.content, s->info.len) < 0)
			fx_fail(sock, fx_code(errno), "Failed to write \"%s\": %s",
			    s->path, strerror(errno));
	}
	alarm(FX_IO_TIMEOUT_S);
	if (close(fd) < 0)
		fx_fail(sock, fx_code(errno), "Failed to write \"%s\": %s", s->path,
		    strerror(errno));
	alarm(0);
	fx_send(sock, &h, NULL);
}

static void
fx_child_delete(const struct fx_spec *s, int root, int sock)
{
	struct fx_head h = { 0 };
	char *dir = NULL, *base = NULL;
	struct stat st;
	int dfd;

	if (split_path(s->path, &dir, &base) < 0)
		fx_fail(sock, 400, "Invalid path \"%s\"", s->path);
	alarm(FX_IO_TIMEOUT_S);
	dfd = open_in(root, dir, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0 || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		fx_fail(sock, errno == ENOENT ? 404 : fx_code(errno), "Failed to find "
		    "\"%s\" in instance \"%s\": %s", s->path, s->name, strerror(errno));
	if (unlinkat(dfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		fx_fail(sock, errno == ENOTEMPTY ? 400 : fx_code(errno), "Failed to "
		    "delete \"%s\": %s", s->path, strerror(errno));
	alarm(0);
	fx_send(sock, &h, NULL);
}

/* Becomes the container's root in its namespaces (running instances). */
static void
fx_child_enter(const struct fx_spec *s, int sock)
{
	if (s->userns_fd >= 0 && setns(s->userns_fd, CLONE_NEWUSER) < 0)
		fx_fail(sock, 500, "Failed to enter the user namespace of instance "
		    "\"%s\": %s", s->name, strerror(errno));
	if (s->mntns_fd >= 0 && setns(s->mntns_fd, CLONE_NEWNS) < 0)
		fx_fail(sock, 500, "Failed to enter the mount namespace of instance "
		    "\"%s\": %s", s->name, strerror(errno));
	if (s->mntns_fd >= 0 && (fchdir(s->root_fd) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0))
		fx_fail(sock, 500, "Failed to enter the root of instance \"%s\": %s",
		    s->name, strerror(errno));
	if (s->userns_fd >= 0) {
		/* setgroups may be denied in the namespace: then there are none
		 * to drop. */
		if (setgroups(0, NULL) < 0 && errno != EPERM)
			fx_fail(sock, 500, "setgroups: %s", strerror(errno));
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			fx_fail(sock, 500, "Failed to become root of instance \"%s\": %s",
			    s->name, strerror(errno));
	}
	/* A changed uid makes the process dumpable again: the container's
	 * processes must not ptrace it and take the host's /proc from it. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void __attribute__((noreturn))
fx_child(struct fx_spec *s, int sock, pid_t parent)
{
	int keep[] = { 0, 1, 2, sock, s->data_fd, s->root_fd, s->userns_fd,
	    s->mntns_fd, s->proc_fd };
	sigset_t none;
	int sig, root, fd, next = 3;
	size_t i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Nothing of the daemon's (its loop's signal pipe included). */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Every descriptor but ours: close the gaps between them. */
	for (fd = 3; fd >= 0 && fd < 1 << 20; fd = next) {
		int low = -1;

		for (i = 0; i < ARRAY_SIZE(keep); i++)
			if (keep[i] >= fd && (low < 0 || keep[i] < low))
				low = keep[i];
		if (low < 0) {
			syscall(SYS_close_range, (unsigned)fd, ~0U, 0U);
			break;
		}
		if (low > fd)
			syscall(SYS_close_range, (unsigned)fd, (unsigned)low - 1, 0U);
		next = low + 1;
	}

	fx_child_enter(s, sock);
	if (s->mntns_fd >= 0) {
		root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			fx_fail(sock, 500, "Failed to open the root of instance \"%s\": %s",
			    s->name, strerror(errno));
		close(s->root_fd);
	} else {
		root = s->root_fd;
	}
	if (s->userns_fd >= 0)
		close(s->userns_fd);
	if (s->mntns_fd >= 0)
		close(s->mntns_fd);
	switch (s->op) {
	case FILE_OP_GET:
		fx_child_get(s, root, sock);
		break;
	case FILE_OP_PUT:
		fx_child_put(s, root, sock);
		break;
	case FILE_OP_DELETE:
		fx_child_delete(s, root, sock);
		break;
	}
	_exit(0);
}

/* The parent */

static void
fx_spec_clear(struct engine *e, struct fx_spec *s)
{
	int *fds[] = { &s->root_fd, &s->userns_fd, &s->mntns_fd, &s->proc_fd };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (s->mounted && s->name != NULL)
		storage_umount(e, s->name);
	s->mounted = false;
	free(s->name);
	free(s->path);
	free(s->info.content);
	s->name = s->path = s->info.content = NULL;
}

static bool
same_ns(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino;
}

/* Finds where the instance's files are and what the helper must join. */
static int
fx_spec_open(struct engine *e, const struct file_req *q, struct fx_spec *s,
    struct err *err)
{
	struct lxc_container *c;
	char *storage = NULL, *base = NULL, *path = NULL;
	pid_t pid = -1;
	int64_t id;
	int rc = -1;

	memset(s, 0, sizeof *s);
	s->root_fd = s->userns_fd = s->mntns_fd = s->proc_fd = -1;
	s->data_fd = q->data_fd;
	s->op = q->op;
	s->append = q->append;
	s->info = q->info;
	s->info.content = NULL;
	if (q->info.content != NULL) {
		s->info.content = xmalloc(q->info.len + 1);
		memcpy(s->info.content, q->info.content, q->info.len);
		s->info.content[q->info.len] = '\0';
	}
	memset(&s->info.entries, 0, sizeof s->info.entries);
	s->name = xstrdup(q->inst);
	s->path = xstrdup(q->path);
	if (instance_id(e, q->inst, &id, &storage, &base, err) < 0)
		goto out;
	c = lxc_container_new(q->inst, e->lxcpath);
	if (c != NULL && c->is_running(c))
		pid = c->init_pid(c);
	lxc_container_put(c);
	if (pid > 0) {
		char ns[64];

		path = xasprintf("/proc/%d/root", (int)pid);
		snprintf(ns, sizeof ns, "/proc/%d/ns/mnt", (int)pid);
		s->mntns_fd = open(ns, O_RDONLY | O_CLOEXEC);
		snprintf(ns, sizeof ns, "/proc/%d/ns/user", (int)pid);
		if (!same_ns(ns, "/proc/self/ns/user"))
			s->userns_fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (s->mntns_fd < 0 || (s->userns_fd < 0 &&
		    !same_ns(ns, "/proc/self/ns/user"))) {
			err_set(err, 500, "Failed to open the namespaces of instance "
			    "\"%s\": %s", q->inst, strerror(errno));
			goto out;
		}
	} else {
		path = engine_path(e, "containers/%s/rootfs", q->inst);
		if (strcmp(storage, "overlay") == 0 && !util_is_mountpoint(path)) {
			bool idmap;

			if (storage_mount(e, storage, q->inst, base, true, &idmap, err) < 0)
				goto out;
			s->mounted = true;
		}
	}
	s->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	s->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0 || s->proc_fd < 0) {
		err_set(err, 500, "Failed to open the root of instance \"%s\": %s",
		    q->inst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		fx_spec_clear(e, s);
	free(storage);
	free(base);
	free(path);
	return rc;
}

/* Forks the helper; *sock gets the daemon's end (close-on-exec). */
static pid_t
fx_spawn(struct fx_spec *s, int *sock, int *pidfd, struct err *err)
{
	pid_t pid, parent = getpid();
	int sv[2];

	*sock = *pidfd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err_set(err, 500, "Failed to create a helper socket: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err_set(err, 500, "Failed to fork a file helper: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		fx_child(s, sv[1], parent);
	}
	close(sv[1]);
	*sock = sv[0];
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0U);
	return pid;
}

static void
fx_kill(pid_t pid, int pidfd)
{
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0U);
	else
		kill(pid, SIGKILL);
}

/* Checks a head from the helper; the payload it announces must fit. */
static int
fx_head_check(const struct fx_head *h, enum file_op_kind op, struct err *err)
{
	if (h->size < 0)
		return err_set(err, 500, "The file helper sent a bad answer");
	if (h->code != 0)
		return h->size > FX_MAX_MESSAGE ?
		    err_set(err, 500, "The file helper sent a bad answer") : 0;
	if (h->type != FILE_REGULAR && h->type != FILE_DIRECTORY &&
	    h->type != FILE_SYMLINK)
		return err_set(err, 500, "The file helper sent a bad answer");
	if (op == FILE_OP_GET && h->type == FILE_REGULAR)
		return 0;
	if (h->size > FX_MAX_LISTING)
		return err_set(err, 500, "The file helper sent a bad answer");
	return 0;
}

/* Fills info from a complete head and payload; err for a failure. */
static void
fx_result(const struct fx_head *h, char *payload, size_t plen, struct file_info *info,
    struct err *err)
{
	memset(info, 0, sizeof *info);
	if (h->code != 0) {
		err_set(err, h->code >= 400 && h->code < 600 ? h->code : 500, "%.*s",
		    (int)plen, payload ? payload : "");
		return;
	}
	info->type = (enum file_type)h->type;
	info->uid = h->uid;
	info->gid = h->gid;
	info->mode = h->mode;
	info->mtime_ns = h->mtime_ns;
	if (h->type == FILE_DIRECTORY) {
		size_t off = 0;

		while (off < plen) {
			size_t n = strnlen(payload + off, plen - off);

			if (off + n < plen)
				strv_push(&info->entries, payload + off);
			off += n + 1;
		}
	} else if (h->type == FILE_SYMLINK) {
		info->content = xstrndup(payload ? payload : "", plen);
		info->len = plen;
	} else {
		info->len = (size_t)h->size;
	}
}

static void
fx_op_poll_closed(uv_handle_t *h)
{
	free(h);
}

static void
fx_op_free(struct file_op *op, bool kill_helper)
{
	if (op->poll != NULL) {
		uv_poll_stop(op->poll);
		uv_close((uv_handle_t *)op->poll, fx_op_poll_closed);
		op->poll = NULL;
	}
	if (op->sock >= 0)
		close(op->sock);
	if (op->pid > 0) {
		if (kill_helper)
			fx_kill(op->pid, op->pidfd);
		util_reap(op->e->loop, op->pid, op->pidfd);
	}
	fx_spec_clear(op->e, &op->spec);
	free(op->payload);
	free(op);
}

static void
fx_op_finish(struct file_op *op, const struct err *fail)
{
	struct file_info info = { 0 };
	struct err err = { 0 };
	int stream = -1;
	bool streams = false;

	if (fail != NULL) {
		err = *fail;
	} else {
		fx_result(&op->head, op->payload, op->plen, &info, &err);
		streams = err.code == 0 && op->spec.op == FILE_OP_GET &&
		    info.type == FILE_REGULAR;
	}
	if (streams) {
		/* The rest of the socket is the content: the caller's now. */
		stream = fcntl(op->sock, F_DUPFD_CLOEXEC, 3);
		if (stream < 0) {
			err_set(&err, 500, "Failed to pass the file on: %s",
			    strerror(errno));
			file_info_free_contents(&info);
		}
	}
	op->done(op->arg, err.code == 0 ? &info : NULL, stream, &err);
	file_info_free_contents(&info);
	fx_op_free(op, err.code != 0 && fail != NULL);
}

static void
fx_op_poll_cb(uv_poll_t *h, int status, int events)
{
	struct file_op *op = h->data;
	struct err err = { 0 };

	(void)status;
	(void)events;
	for (;;) {
		ssize_t n;

		if (op->got < sizeof op->head) {
			n = read(op->sock, (char *)&op->head + op->got,
			    sizeof op->head - op->got);
		} else {
			size_t want = (size_t)op->head.size - op->plen;

			if (op->payload == NULL)
				op->payload = xmalloc((size_t)op->head.size + 1);
			n = want == 0 ? 0 : read(op->sock, op->payload + op->plen, want);
			if (want == 0)
				break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			err_set(&err, 500, "The file helper of instance \"%s\" ended "
			    "without an answer", op->spec.name);
			fx_op_finish(op, &err);
			return;
		}
		if (op->got < sizeof op->head) {
			op->got += (size_t)n;
			if (op->got < sizeof op->head)
				continue;
			if (fx_head_check(&op->head, op->spec.op, &err) < 0) {
				fx_op_finish(op, &err);
				return;
			}
			if (op->head.code == 0 && op->spec.op == FILE_OP_GET &&
			    op->head.type == FILE_REGULAR)
				break;		/* the content streams */
		} else {
			op->plen += (size_t)n;
		}
	}
	fx_op_finish(op, NULL);
}

int
instance_file_start(struct engine *e, const struct file_req *q, file_done_cb done,
    void *arg, struct file_op **out, struct err *err)
{
	struct file_op *op = xcalloc(1, sizeof *op);

	*out = NULL;
	op->e = e;
	op->sock = op->pidfd = -1;
	op->done = done;
	op->arg = arg;
	if (fx_spec_open(e, q, &op->spec, err) < 0) {
		free(op);
		return -1;
	}
	op->pid = fx_spawn(&op->spec, &op->sock, &op->pidfd, err);
	if (op->pid < 0) {
		op->pid = 0;
		fx_op_free(op, false);
		return -1;
	}
	fcntl(op->sock, F_SETFL, fcntl(op->sock, F_GETFL) | O_NONBLOCK);
	op->poll = xmalloc(sizeof *op->poll);
	uv_poll_init(e->loop, op->poll, op->sock);
	op->poll->data = op;
	uv_poll_start(op->poll, UV_READABLE, fx_op_poll_cb);
	*out = op;
	return 0;
}

void
instance_file_cancel(struct file_op *op)
{
	if (op != NULL)
		fx_op_free(op, true);
}

/* Blocking use (no loop, or a caller that wants the whole answer). */

static int
fx_read_wait(int fd, void *buf, size_t len, struct err *err)
{
	char *p = buf;

	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int rc = poll(&pfd, 1, FX_SYNC_WAIT_MS);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return err_set(err, 504, "The file helper did not answer in time");
		n = read(fd, p, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return err_set(err, 500, "The file helper ended without an answer");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fx_run_sync(struct engine *e, const struct file_req *q, struct file_info *out,
    struct err *err)
{
	struct fx_spec s;
	struct fx_head h;
	char *payload = NULL;
	size_t plen = 0;
	int sock = -1, pidfd = -1, rc = -1;
	pid_t pid;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (fx_spec_open(e, q, &s, err) < 0)
		return -1;
	pid = fx_spawn(&s, &sock, &pidfd, err);
	if (pid < 0)
		goto out;
	if (fx_read_wait(sock, &h, sizeof h, err) < 0 ||
	    fx_head_check(&h, q->op, err) < 0)
		goto out;
	if (h.code == 0 && q->op == FILE_OP_GET && h.type == FILE_REGULAR &&
	    h.size > (int64_t)FX_MAX_SYNC_PULL) {
		err_set(err, 413, "\"%s\" is too large to read at once", q->path);
		goto out;
	}
	plen = (size_t)h.size;
	payload = xmalloc(plen + 1);
	if (fx_read_wait(sock, payload, plen, err) < 0)
		goto out;
	payload[plen] = '\0';
	if (h.code == 0 && q->op == FILE_OP_GET && h.type == FILE_REGULAR) {
		fx_result(&h, NULL, 0, out, err);
		out->content = payload;
		out->len = plen;
		payload = NULL;
		rc = 0;
		goto out;
	}
	if (out != NULL) {
		fx_result(&h, payload, plen, out, err);
	} else {
		struct file_info tmp;

		fx_result(&h, payload, plen, &tmp, err);
		file_info_free_contents(&tmp);
	}
	rc = err->code == 0 ? 0 : -1;
out:
	if (sock >= 0)
		close(sock);
	if (pid > 0) {
		if (rc < 0)
			fx_kill(pid, pidfd);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (pidfd >= 0)
		close(pidfd);
	free(payload);
	fx_spec_clear(e, &s);
	return rc;
}

int
instance_file_get(struct engine *e, const char *name, const char *path,
    struct file_info *out, struct err *err)
{
	struct file_req q = { .op = FILE_OP_GET, .inst = name, .path = path,
	    .data_fd = -1 };

	return fx_run_sync(e, &q, out, err);
}

int
instance_file_put(struct engine *e, const char *name, const char *path,
    const struct file_info *info, bool append, struct err *err)
{
	struct file_req q = { .op = FILE_OP_PUT, .inst = name, .path = path,
	    .info = *info, .append = append, .data_fd = -1 };

	return fx_run_sync(e, &q, NULL, err);
}

int
instance_file_delete(struct engine *e, const char *name, const char *path,
    struct err *err)
{
	struct file_req q = { .op = FILE_OP_DELETE, .inst = name, .path = path,
	    .data_fd = -1 };

	return fx_run_sync(e, &q, NULL, err);
}
