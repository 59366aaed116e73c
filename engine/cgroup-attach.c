/*
 * cgroup-attach.c - putting an exec'd process into its container's cgroups
 * without the kernel's slow path.
 *
 * liblxc's attach moves the new process by writing its pid into each
 * hierarchy's cgroup.procs.  Every such write takes the kernel's global
 * threadgroup rwsem for writing, and the first write after a quiet spell
 * waits for an RCU grace period (7-15 ms here, most of an exec).  Two
 * moves skip that lock: a process forked with clone3(CLONE_INTO_CGROUP)
 * is born in the target cgroup of the unified hierarchy, and a thread
 * that writes "0" into a v1 hierarchy's "tasks" file moves only itself.
 * So an exec runs from a helper forked into the container's unified leaf
 * (where liblxc would put it: lxc.payload.NAME/.lxc), and the attached
 * process, a descendant, moves itself into the v1 hierarchies through
 * "tasks" files the daemon opened (the kernel checks the opener's
 * credentials, so this works after the process dropped to the
 * container's root).  Anything unexpected (no unified hierarchy, a path
 * outside lxc.payload.NAME, a file that cannot be opened) makes
 * cgroup_attach_open() fail and the caller uses liblxc's own move instead.
 *
 * The cgroup mounts come from /proc/self/mountinfo, read once.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine.h"

#define CGROUP_MOUNTS_MAX	32

struct cgroup_mount {
	char	*dir;		/* /sys/fs/cgroup/cpu,cpuacct */
	char	*opts;		/* v1 super options: "rw,cpu,cpuacct"; NULL for v2 */
};

static pthread_mutex_t cgroup_mounts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cgroup_mount cgroup_mounts[CGROUP_MOUNTS_MAX];
static size_t ncgroup_mounts;
static bool cgroup_mounts_read;

/* mountinfo escapes blanks in paths as \040 and friends. */
static char *
cgroup_attach_unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* The cgroup and cgroup2 mounts of the whole hierarchy (root "/"). */
static void
cgroup_attach_read_mounts(void)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	pthread_mutex_lock(&cgroup_mounts_lock);
	if (cgroup_mounts_read)
		goto out;
	cgroup_mounts_read = true;
	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		goto out;
	while (getline(&line, &cap, f) > 0 && ncgroup_mounts < CGROUP_MOUNTS_MAX) {
		char *fields[6], *sep, *fstype, *super, *save = NULL, *tok;
		int i;

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - TYPE SRC SUPER */
		sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		tok = strtok_r(line, " ", &save);
		for (i = 0; i < 6 && tok != NULL; i++, tok = strtok_r(NULL, " ", &save))
			fields[i] = tok;
		if (i < 5 || strcmp(fields[3], "/") != 0)
			continue;
		save = NULL;
		fstype = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save);
		super = strtok_r(NULL, " \n", &save);
		if (fstype == NULL)
			continue;
		if (strcmp(fstype, "cgroup2") == 0) {
			cgroup_mounts[ncgroup_mounts].dir = cgroup_attach_unescape(fields[4]);
			cgroup_mounts[ncgroup_mounts++].opts = NULL;
		} else if (strcmp(fstype, "cgroup") == 0 && super != NULL) {
			cgroup_mounts[ncgroup_mounts].dir = cgroup_attach_unescape(fields[4]);
			cgroup_mounts[ncgroup_mounts++].opts = xstrdup(super);
		}
	}
	free(line);
	fclose(f);
out:
	pthread_mutex_unlock(&cgroup_mounts_lock);
}

/* Is every comma-separated item of ctrls ("cpu,cpuacct", "name=systemd")
 * one of the mount's super options? */
static bool
cgroup_attach_opts_match(const char *opts, const char *ctrls, size_t len)
{
	const char *c = ctrls, *end = ctrls + len;

	if (len == 0)
		return false;
	while (c < end) {
		const char *comma = memchr(c, ',', (size_t)(end - c));
		size_t n = (size_t)((comma != NULL ? comma : end) - c);
		const char *o = opts;
		bool found = false;

		while (!found && *o != '\0') {
			const char *oc = strchr(o, ',');
			size_t on = oc != NULL ? (size_t)(oc - o) : strlen(o);

			found = on == n && memcmp(o, c, n) == 0;
			o += on + (oc != NULL);
		}
		if (!found)
			return false;
		c += n + 1;
	}
	return true;
}

static const char *
cgroup_attach_mount_dir(const char *ctrls, size_t len, bool v2)
{
	size_t i;

	for (i = 0; i < ncgroup_mounts; i++) {
		if (v2 ? cgroup_mounts[i].opts == NULL :
		    cgroup_mounts[i].opts != NULL &&
		    cgroup_attach_opts_match(cgroup_mounts[i].opts, ctrls, len))
			return cgroup_mounts[i].dir;
	}
	return NULL;
}

/* "/lxc.payload.c1/init.scope" -> "/lxc.payload.c1" (caller frees), or
 * NULL when the path is not in a payload cgroup. */
static char *
cgroup_attach_payload(const char *path, size_t len)
{
	char *rel = xstrndup(path, len), *p = strstr(rel, "/lxc.payload."), *slash;

	if (p == NULL) {
		free(rel);
		return NULL;
	}
	slash = strchr(p + 1, '/');
	if (slash != NULL)
		*slash = '\0';
	return rel;
}

/*
 * The unified leaf is liblxc's: its first attach makes .lxc, 0755, from
 * inside the container's user namespace, so owned by the container's
 * root.  Made the same way here so that the first exec into a container
 * is not the slow one: the owner is the init's (what /proc/PID is owned
 * by), which is the container's root.
 */
static int
cgroup_attach_make_leaf(const char *leaf, pid_t init)
{
	char proc[32];
	struct stat st;

	snprintf(proc, sizeof proc, "/proc/%d", (int)init);
	if (stat(proc, &st) < 0)
		return -errno;
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (chown(leaf, st.st_uid, st.st_gid) < 0)
		return -errno;
	return 0;
}

void
cgroup_attach_close(struct cgroup_attach *ca)
{
	size_t i;

	if (ca->unified_fd >= 0)
		close(ca->unified_fd);
	ca->unified_fd = -1;
	for (i = 0; i < ca->nv1; i++)
		close(ca->v1_fds[i]);
	ca->nv1 = 0;
}

int
cgroup_attach_open(pid_t init, struct cgroup_attach *ca)
{
	char path[64], *text, *line, *end, *rel = NULL, *file = NULL;
	int rc = 0;

	ca->unified_fd = -1;
	ca->nv1 = 0;
	if (init <= 0)
		return -ESRCH;
	cgroup_attach_read_mounts();
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)init);
	text = util_read_file(path, NULL);
	if (text == NULL)
		return -ESRCH;
	for (line = text; rc == 0 && *line != '\0'; line = end + (*end != '\0')) {
		const char *c1, *c2, *dir;
		bool v2;
		int fd;

		end = strchrnul(line, '\n');
		c1 = memchr(line, ':', (size_t)(end - line));
		c2 = c1 != NULL ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2 == NULL)
			continue;
		v2 = c2 == c1 + 1 && c1 - line == 1 && line[0] == '0';
		if (c2 == c1 + 1 && !v2)
			continue;	/* a v1 hierarchy without controllers */
		dir = cgroup_attach_mount_dir(c1 + 1, (size_t)(c2 - c1 - 1), v2);
		rel = cgroup_attach_payload(c2 + 1, (size_t)(end - c2 - 1));
		if (dir == NULL || rel == NULL)
			rc = -ENOENT;
		else if (!v2 && ca->nv1 == CGROUP_ATTACH_V1_MAX)
			rc = -E2BIG;
		else {
			file = xasprintf(v2 ? "%s%s/.lxc" : "%s%s/tasks", dir, rel);
			fd = open(file, v2 ? O_RDONLY | O_DIRECTORY | O_CLOEXEC :
			    O_WRONLY | O_CLOEXEC);
			if (fd < 0 && errno == ENOENT && v2 &&
			    cgroup_attach_make_leaf(file, init) == 0)
				fd = open(file, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				rc = -errno;
			else if (v2)
				ca->unified_fd = fd;
			else
				ca->v1_fds[ca->nv1++] = fd;
		}
		free(file);
		free(rel);
		file = rel = NULL;
	}
	free(text);
	if (rc == 0 && ca->unified_fd < 0)
		rc = -ENOENT;
	if (rc != 0)
		cgroup_attach_close(ca);
	return rc;
}

/*
 * A raw clone3() runs none of glibc's fork handlers: had another thread
 * held a lock (malloc's, stdio's, liblxc's) at that moment, the child
 * would find it held forever.  So only a process with one thread forks
 * this way (lxdeckd and lxdeck always are when they exec; the list's
 * state threads are joined before anything else runs); /proc/self/task
 * has a link per thread besides "." and "..".
 */
static bool
cgroup_attach_single_threaded(void)
{
	struct stat st;

	return stat("/proc/self/task", &st) == 0 && st.st_nlink == 3;
}

pid_t
cgroup_attach_fork(const struct cgroup_attach *ca, int *pidfd)
{
	struct clone_args args;

	if (!cgroup_attach_single_threaded()) {
		errno = EBUSY;
		return -1;
	}
	memset(&args, 0, sizeof args);
	args.flags = CLONE_INTO_CGROUP | CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	args.cgroup = (uint64_t)ca->unified_fd;
	return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

int
cgroup_attach_join_v1(const struct cgroup_attach *ca)
{
	size_t i;

	for (i = 0; i < ca->nv1; i++)
		if (write(ca->v1_fds[i], "0", 1) != 1)
			return -errno;
	return 0;
}
