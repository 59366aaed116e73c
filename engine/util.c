/*
 * util.c - running host tools and small file helpers for the engine.
 *
 * The engine leans on the host's own tools where they are the well-kept
 * implementation (tar, cp, rm, ip, dnsmasq), the way LXD does.  They run
 * with fork/exec, never through a shell, so names and paths are never
 * interpreted.  rm never crosses a mount: an overlay rootfs still mounted
 * over an image's files must not take the image with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"

static int
util_spawn(const char *const *argv, char **out, struct err *e)
{
	int pipefd[2] = { -1, -1 }, st = 0;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	pid_t pid, parent = getpid();

	if (out != NULL && pipe2(pipefd, O_CLOEXEC) < 0)
		return err_set(e, 500, "Failed to run \"%s\": %s", argv[0],
		    strerror(errno));
	pid = fork();
	if (pid < 0) {
		if (out != NULL) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return err_set(e, 500, "Failed to run \"%s\": %s", argv[0],
		    strerror(errno));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		/* A cp or tar of an operation dies with it (kill -9 of the
		 * daemon): nothing goes on writing into what recovery removes.
		 * Daemons it starts (dnsmasq) fork away and are not affected. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);

		dup2(devnull, 0);
		if (out != NULL)
			dup2(pipefd[1], 1);
		else
			dup2(2, 1);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "lxdeck: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (out != NULL) {
		ssize_t r;

		close(pipefd[1]);
		for (;;) {
			if (len + 4096 > cap) {
				cap = cap ? cap * 2 : 8192;
				buf = xrealloc(buf, cap);
			}
			r = read(pipefd[0], buf + len, cap - len - 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
		close(pipefd[0]);
		if (buf == NULL)
			buf = xmalloc(1);
		buf[len] = '\0';
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(buf);
		if (WIFEXITED(st))
			return err_set(e, 500, "\"%s\" failed with exit status %d",
			    argv[0], WEXITSTATUS(st));
		return err_set(e, 500, "\"%s\" was killed by signal %d", argv[0],
		    WTERMSIG(st));
	}
	if (out != NULL)
		*out = buf;
	return 0;
}

int
util_run(const char *const *argv, struct err *e)
{
	return util_spawn(argv, NULL, e);
}

int
util_run_output(const char *const *argv, char **out, struct err *e)
{
	*out = NULL;
	return util_spawn(argv, out, e);
}

int
util_mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = -errno;
			goto out;
		}
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		rc = -errno;
out:
	free(p);
	return rc;
}

int
util_rm_rf(const char *path, struct err *e)
{
	const char *argv[] = { "rm", "-rf", "--one-file-system", "--", path, NULL };
	struct stat st;

	if (lstat(path, &st) < 0 && errno == ENOENT)
		return 0;
	return util_run(argv, e);
}

int
util_copy_tree(const char *src, const char *dst, struct err *e)
{
	const char *argv[] = { "cp", "-a", "--reflink=auto", "--", src, dst, NULL };

	return util_run(argv, e);
}

bool
util_is_mountpoint(const char *path)
{
	struct stat a, b;
	char *parent;
	bool mp;

	if (stat(path, &a) < 0)
		return false;
	parent = xasprintf("%s/..", path);
	mp = stat(parent, &b) == 0 &&
	    (a.st_dev != b.st_dev || a.st_ino == b.st_ino);
	free(parent);
	if (!mp) {
		/* Same-device bind/idmapped mounts: ask mountinfo. */
		char *mi = util_read_file("/proc/self/mountinfo", NULL), *line, *save;
		char *real = realpath(path, NULL);

		if (mi != NULL && real != NULL) {
			for (line = strtok_r(mi, "\n", &save); line != NULL;
			    line = strtok_r(NULL, "\n", &save)) {
				char mnt[4096];

				if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
				    strcmp(mnt, real) == 0) {
					mp = true;
					break;
				}
			}
		}
		free(mi);
		free(real);
	}
	return mp;
}

char *
util_read_file(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

int
util_write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd, rc = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			close(fd);
			unlink(tmp);
			goto out;
		}
		data += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
out:
	free(tmp);
	return rc;
}
