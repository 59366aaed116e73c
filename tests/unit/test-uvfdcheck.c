/*
 * test-uvfdcheck.c - the fd checker the daemon tests preload
 * (tests/preload/uvfdcheck.c) sees what it is for: this program runs
 * itself again under build/tools/uvfdcheck.so and makes each mistake once
 * (an fd closed under an active poll, a poll made on an fd another
 * watcher has, a stopped poll whose fd is closed before the handle); the
 * log must name each, and a correct close (uv_close first) must not
 * appear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "../harness.h"
#include "../../common/common.h"

static void
poll_cb(uv_poll_t *h, int status, int events)
{
}

static int
child(void)
{
	uv_loop_t *l = uv_default_loop();
	uv_poll_t a, b, c, d;
	int p[2], q[2], r[2], s[2];

	if (pipe(p) < 0 || pipe(s) < 0)
		return 1;
	/* right: the handle goes first, then the fd */
	uv_poll_init(l, &d, s[0]);
	uv_poll_start(&d, UV_READABLE, poll_cb);
	uv_close((uv_handle_t *)&d, NULL);
	uv_run(l, UV_RUN_NOWAIT);
	close(s[0]);
	/* wrong 1: closed under an active poll */
	uv_poll_init(l, &a, p[0]);
	uv_poll_start(&a, UV_READABLE, poll_cb);
	uv_run(l, UV_RUN_NOWAIT);
	close(p[0]);
	/* wrong 2: the number comes back, a second watcher on it */
	if (pipe(q) < 0)
		return 1;
	uv_poll_init(l, &b, q[0]);
	/* wrong 3: stopped, not closed, when its fd goes */
	if (pipe(r) < 0)
		return 1;
	uv_poll_init(l, &c, r[0]);
	uv_poll_start(&c, UV_READABLE, poll_cb);
	uv_poll_stop(&c);
	close(r[0]);
	return 0;
}

TEST(reports)
{
	char exe[4096], so[4200], log[] = "/tmp/lxdeck-uvfdcheck.XXXXXX";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *text = NULL, *slash;
	size_t len = 0;
	FILE *f;
	int fd, st;
	pid_t pid;

	CHECK(n > 0);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(so, sizeof so, "%s", exe);
	slash = strrchr(so, '/');
	if (slash != NULL)
		*slash = '\0';
	slash = strrchr(so, '/');
	if (slash != NULL)
		strcpy(slash, "/tools/uvfdcheck.so");
	CHECK(access(so, R_OK) == 0);
	fd = mkstemp(log);
	CHECK(fd >= 0);
	close(fd);
	pid = fork();
	if (pid == 0) {
		setenv("LD_PRELOAD", so, 1);
		setenv("UVFDCHECK_LOG", log, 1);
		setenv("UVFDCHECK_CHILD", "1", 1);
		/* a sanitizer build: the checker is not its runtime */
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=0", 1);
		execl(exe, exe, (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	f = fopen(log, "r");
	if (f != NULL) {
		char buf[4096];
		size_t k;

		while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
			text = xrealloc(text, len + k + 1);
			memcpy(text + len, buf, k);
			len += k;
			text[len] = '\0';
		}
		fclose(f);
	}
	CHECK(text != NULL && strstr(text, "still watches it") != NULL &&
	    strstr(text, "close(") != NULL);
	CHECK(text != NULL && strstr(text, "uv_poll_init(") != NULL);
	CHECK(text != NULL && strstr(text, "is not uv_close()d") != NULL);
	/* three reports, none for the correct order */
	{
		int count = 0;
		const char *p;

		for (p = text; p != NULL && (p = strstr(p, "uvfdcheck[")) != NULL; p++)
			count++;
		CHECK(count == 3);
	}
	free(text);
	unlink(log);
}

int
main(void)
{
	if (getenv("UVFDCHECK_CHILD") != NULL)
		return child();
	RUN(reports);
	return harness_done();
}
