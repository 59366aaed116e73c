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
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
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
	if (write(fd, text, (size_t)len) != len)
		rc = -errno;
	close(fd);
	return rc;
}

int
idmap_userns_fd(uint32_t base, uint32_t range)
{
	int go[2] = { -1, -1 }, ready[2] = { -1, -1 };
	char path[64], map[128], c;
	pid_t pid;
	int fd = -1;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (read(ready[0], &c, 1) == 1) {
		snprintf(map, sizeof map, "0 %u %u\n%u 0 1\n", base, range, range);
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
		if (write_file(path, map) == 0) {
			snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
			if (write_file(path, map) == 0) {
				snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
				fd = open(path, O_RDONLY | O_CLOEXEC);
			}
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
out:
	if (go[0] >= 0) {
		close(go[0]);
		close(go[1]);
	}
	if (ready[0] >= 0) {
		close(ready[0]);
		close(ready[1]);
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

bool
idmap_supported(const char *dir)
{
	char *src = xasprintf("%s/.idmap-probe-src", dir);
	char *dst = xasprintf("%s/.idmap-probe-dst", dir);
	bool ok = false;
	int ns;

	mkdir(src, 0700);
	mkdir(dst, 0700);
	ns = idmap_userns_fd(1000000, 65536);
	if (ns >= 0) {
		if (idmap_mount(src, dst, ns) == 0) {
			ok = true;
			umount2(dst, MNT_DETACH);
		}
		close(ns);
	}
	rmdir(dst);
	rmdir(src);
	free(src);
	free(dst);
	return ok;
}
