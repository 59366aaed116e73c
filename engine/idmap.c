/*
 * idmap.c - idmapped mounts, for unprivileged containers on shared layers.
 *
 * An unprivileged container runs as host uids base..base+range-1 while its
 * files stay owned by 0..range-1 on disk: nothing is chowned at creation.
 * liblxc can idmap a plain directory rootfs itself (idmap=container), but
 * not an overlay, and the kernel cannot idmap an overlay mount either.  So
 * for overlay storage the engine idmaps the *layers* (the image's rootfs
 * and the container's upper/work directory) and mounts the overlay on top.
 * The mapping also maps host root to id `range`: overlayfs does its
 * internal work (work dir, copy-up) with the mounter's credentials, which
 * must be representable in the layer's mapping.
 *
 * Without user namespaces (a chroot, user.max_user_namespaces=0) or
 * idmapped mounts (a filesystem that cannot be idmapped) no unprivileged
 * container can run: engine_open learns which is missing
 * (idmap_probe_host) and creation, update and start say so
 * (idmap_check_instance) instead of liblxc aborting later.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/mount.h>

#include "engine.h"

static int
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text);
	int rc = 0;

	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, text, (size_t)len) != len)
		rc = errno != 0 ? -errno : -EIO;
	close(fd);
	return rc;
}

/* How long the parent waits for the child's word: it only has to unshare. */
#define IDMAP_CHILD_WAIT_MS	5000

/*
 * A child process makes the user namespace (a process cannot put itself in
 * one while multi-threaded, and the daemon may be) and says so over `ready`:
 * 0, or the errno of its unshare.  Each side closes the ends it does not
 * use, so a child that dies early is an end of file, not a wait forever
 * (which it was, in a chroot or with user.max_user_namespaces=0: the
 * parent held the write end it was reading from).  The child then waits
 * for `go` to close: the parent's close after it took the namespace's fd,
 * or its death.
 */
int
idmap_userns_fd(uint32_t base, uint32_t range)
{
	int go[2] = { -1, -1 }, ready[2] = { -1, -1 };
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	char path[64], map[128], c;
	int word = 0, fd = -1, rc;
	ssize_t n;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		fd = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		fd = -errno;
		goto out;
	}
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		word = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
		if (write(ready[1], &word, sizeof word) != (ssize_t)sizeof word ||
		    word != 0)
			_exit(1);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	ready[1] = go[0] = -1;
	pfd.fd = ready[0];
	while ((rc = poll(&pfd, 1, IDMAP_CHILD_WAIT_MS)) < 0 && errno == EINTR)
		;
	n = rc > 0 ? read(ready[0], &word, sizeof word) : -1;
	if (rc == 0)
		fd = -ETIMEDOUT;
	else if (n != (ssize_t)sizeof word)
		fd = -ECHILD;		/* it died without a word */
	else if (word != 0)
		fd = -word;
	else {
		snprintf(map, sizeof map, "0 %u %u\n%u 0 1\n", base, range, range);
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
		if ((fd = write_file(path, map)) == 0) {
			snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
			fd = write_file(path, map);
		}
		if (fd == 0) {
			snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				fd = -errno;
		}
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
out:
	for (rc = 0; rc < 2; rc++) {
		if (go[rc] >= 0)
			close(go[rc]);
		if (ready[rc] >= 0)
			close(ready[rc]);
	}
	return fd;
}

int
idmap_mount(const char *src, const char *dst, int userns_fd)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP,
		.userns_fd = (uint64_t)userns_fd,
	};
	int tree, rc = 0;

	tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 ||
	    move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		rc = -errno;
	close(tree);
	return rc;
}

/* Can dir's filesystem be mounted with ns's mapping?  0 or -errno. */
static int
idmap_probe_mount(const char *dir, int ns)
{
	char *src = xasprintf("%s/.idmap-probe-src", dir);
	char *dst = xasprintf("%s/.idmap-probe-dst", dir);
	int rc;

	mkdir(src, 0700);
	mkdir(dst, 0700);
	rc = idmap_mount(src, dst, ns);
	if (rc == 0)
		umount2(dst, MNT_DETACH);
	rmdir(dst);
	rmdir(src);
	free(src);
	free(dst);
	return rc;
}

void
idmap_probe_host(struct engine *e)
{
	struct statfs fs;
	char *cache = NULL;
	int ns, rc;

	e->has_idmapped_mounts = false;
	e->unpriv_missing = NULL;
	free(e->unpriv_reason);
	e->unpriv_reason = NULL;
	/* Asked at each open: a chroot or a container platform denies user
	 * namespaces to some processes of a host that has them. */
	ns = idmap_userns_fd(e->idmap_base, e->idmap_range);
	if (ns < 0) {
		e->unpriv_missing = "user namespaces";
		e->unpriv_reason = xasprintf("cannot create one: %s", strerror(-ns));
		return;
	}
	/* A property of the kernel and of the filesystem type (it allows
	 * idmapping or not): probed once per boot and type, as it mounts. */
	if (statfs(e->dir, &fs) == 0)
		cache = xasprintf("/run/lxdeck/idmapped-mounts.%llx",
		    (unsigned long long)fs.f_type);
	if (cache != NULL && access(cache, F_OK) == 0)
		e->has_idmapped_mounts = true;
	else if ((rc = idmap_probe_mount(e->dir, ns)) == 0) {
		e->has_idmapped_mounts = true;
		if (cache != NULL && util_mkdir_p("/run/lxdeck", 0755) == 0)
			util_write_file(cache, "1\n", 2, 0644);
	} else {
		e->unpriv_missing = "idmapped mounts";
		e->unpriv_reason = xasprintf("the kernel cannot idmap a mount "
		    "on %s: %s", e->dir, strerror(-rc));
	}
	close(ns);
	free(cache);
}

int
idmap_check_instance(const struct engine *e, const struct strmap *expanded,
    struct err *err)
{
	const char *v = strmap_get(expanded, "security.privileged");
	bool privileged = false;

	if (e->unpriv_missing == NULL)
		return 0;
	if (v != NULL)
		config_key_parse_bool(v, &privileged);
	if (privileged)
		return 0;
	return err_set(err, 400, "Unprivileged containers need %s, which this "
	    "host lacks (%s): only privileged containers "
	    "(security.privileged=true) can run here", e->unpriv_missing,
	    e->unpriv_reason);
}
