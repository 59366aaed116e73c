/*
 * util.c - running host tools and small file helpers for the engine.
 *
 * The engine leans on the host's own tools where they are the well-kept
 * implementation (tar, cp, rm, ip, dnsmasq), the way LXD does.  They run
 * with fork/exec, never through a shell, so names and paths are never
 * interpreted, and with nothing of ours but stdin, stdout and stderr open
 * (a daemon it starts, dnsmasq, must not hold the daemon's sockets, an op
 * worker's report socket or a lock).  A command's output is read until
 * the command exits, not until every process that inherited its stdout
 * closes it: a background child it left behind would hold us for ever.
 * rm never crosses a mount: an overlay rootfs still mounted
 * over an image's files must not take the image with it; util_rm_rf is
 * the one tree remover of engine/.  Children of our own (exec and file
 * helpers) are reaped from the loop through their pidfd (util_reap).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"

/*
 * The last telling line of a child's stderr, for error messages: tar ends
 * with "Exiting with failure status..." after saying what went wrong.
 */
static void
util_last_line(int fd, char *buf, size_t len)
{
	static const char *noise[] = { "Exiting with failure status",
	    "Error is not recoverable", "Child returned status" };
	char tail[1024], *line, *save = NULL;
	const char *best = "";
	ssize_t n;
	off_t end;
	size_t i, l;

	buf[0] = '\0';
	end = lseek(fd, 0, SEEK_END);
	if (end <= 0)
		return;
	n = pread(fd, tail, sizeof tail - 1, end > (off_t)sizeof tail - 1 ?
	    end - (off_t)(sizeof tail - 1) : 0);
	if (n <= 0)
		return;
	tail[n] = '\0';
	for (line = strtok_r(tail, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		bool skip = line[strspn(line, " \t")] == '\0';

		for (i = 0; i < ARRAY_SIZE(noise) && !skip; i++)
			skip = strstr(line, noise[i]) != NULL;
		if (!skip || best[0] == '\0')
			best = line;
	}
	l = strlen(best);
	if (l >= len)
		l = len - 1;
	memcpy(buf, best, l);
	buf[l] = '\0';
}

/*
 * Runs argv (no shell) with stdin on /dev/null.  stdout goes into *out (at
 * most max bytes, NUL terminated, caller frees) when out is not NULL, else to
 * /dev/null.  A failure sets e to 500 with the program's last stderr line;
 * callers that ran it on user input turn that into 400.
 */
int
util_exec(const char *const *argv, char **out, size_t max, struct err *e)
{
	int errfd = -1, pipefd[2] = { -1, -1 }, pidfd = -1, status, rc = -1;
	pid_t parent = getpid();
	char *buf = NULL, line[200];
	size_t len = 0;
	bool too_big = false;
	pid_t pid;

	if (out != NULL)
		*out = NULL;
	errfd = memfd_create("lxdeck-stderr", MFD_CLOEXEC);
	if (errfd < 0) {
		err_set(e, 500, "Failed to run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if (out != NULL && pipe2(pipefd, O_CLOEXEC) < 0) {
		err_set(e, 500, "Failed to run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err_set(e, 500, "Failed to run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0) {
		sigset_t all;
		int null = open("/dev/null", O_RDWR);

		/* A cp or tar of an operation dies with it (kill -9 of the
		 * daemon): nothing goes on writing into what recovery removes.
		 * Daemons it starts (dnsmasq) fork away and are not affected. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(null, 0);
		dup2(out != NULL ? pipefd[1] : null, 1);
		dup2(errfd, 2);
		syscall(SYS_close_range, 3U, ~0U, 0U);
		execvp(argv[0], (char *const *)argv);
		/* the reason, as the last line of stderr: the error names it */
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (out != NULL) {
		struct pollfd pfd[2] = { { .fd = pipefd[0], .events = POLLIN },
		    { .fd = -1, .events = POLLIN } };
		bool exited = false;

		close(pipefd[1]);
		pipefd[1] = -1;
		/* The pidfd says when the command is done; -1 (old kernel):
		 * read to the end of file as before. */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		pfd[1].fd = pidfd;
		buf = xmalloc(max + 1);
		for (;;) {
			char chunk[8192];
			ssize_t n;

			if (pidfd >= 0 && !exited) {
				if (poll(pfd, 2, -1) < 0 && errno != EINTR)
					break;
				if (pfd[1].revents != 0) {
					/* What it wrote is in the pipe: drain
					 * that, without waiting for whoever
					 * else holds the write end. */
					exited = true;
					fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
				}
				if (!exited && pfd[0].revents == 0)
					continue;
			}
			n = read(pipefd[0], chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (len + (size_t)n > max) {
				too_big = true;	/* keep draining */
				continue;
			}
			memcpy(buf + len, chunk, (size_t)n);
			len += (size_t)n;
		}
		buf[len] = '\0';
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err_set(e, 500, "Failed to wait for %s: %s", argv[0],
			    strerror(errno));
			goto out;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		util_last_line(errfd, line, sizeof line);
		if (WIFSIGNALED(status))
			err_set(e, 500, "%s was killed by signal %d", argv[0],
			    WTERMSIG(status));
		else
			err_set(e, 500, "%s failed (status %d)%s%s", argv[0],
			    WEXITSTATUS(status), line[0] ? ": " : "", line);
		goto out;
	}
	if (too_big) {
		err_set(e, 400, "%s printed more than %zu bytes", argv[0], max);
		goto out;
	}
	if (out != NULL) {
		*out = buf;
		buf = NULL;
	}
	rc = 0;
out:
	free(buf);
	if (errfd >= 0)
		close(errfd);
	if (pidfd >= 0)
		close(pidfd);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	return rc;
}

int
util_run(const char *const *argv, struct err *e)
{
	return util_exec(argv, NULL, 0, e);
}

int
util_run_output(const char *const *argv, char **out, struct err *e)
{
	return util_exec(argv, out, 64 << 20, e);
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

	if (path == NULL || (lstat(path, &st) < 0 && errno == ENOENT))
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

void
util_uuid_v4(char out[37])
{
	unsigned char b[16];
	FILE *f = fopen("/dev/urandom", "re");

	if (f == NULL || fread(b, 1, sizeof b, f) != sizeof b)
		fatal("cannot read /dev/urandom");
	fclose(f);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/*
 * Reaping a child without waiting on the loop: a killed process may not
 * end at once (a frozen container's stays frozen, SIGKILL or not, until it
 * is thawed; a file helper may still stream after its answer), so it is
 * reaped when its pidfd says it ended.
 */
struct util_reaper {
	uv_poll_t	 poll;
	pid_t		 pid;
	int		 pidfd;
};

static void
util_reaper_closed(uv_handle_t *h)
{
	struct util_reaper *r = h->data;

	close(r->pidfd);
	free(r);
}

static void
util_reaper_cb(uv_poll_t *h, int status, int events)
{
	struct util_reaper *r = h->data;

	if (waitpid(r->pid, NULL, WNOHANG) == 0)
		return;
	uv_poll_stop(h);
	uv_close((uv_handle_t *)h, util_reaper_closed);
}

void
util_reap(uv_loop_t *loop, pid_t pid, int pidfd)
{
	struct util_reaper *r;

	if (waitpid(pid, NULL, WNOHANG) != 0 || pidfd < 0 || loop == NULL) {
		if (pidfd < 0 || loop == NULL)
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		if (pidfd >= 0)
			close(pidfd);
		return;
	}
	r = xcalloc(1, sizeof *r);
	r->pid = pid;
	r->pidfd = pidfd;
	uv_poll_init(loop, &r->poll, pidfd);
	r->poll.data = r;
	uv_poll_start(&r->poll, UV_READABLE, util_reaper_cb);
}
