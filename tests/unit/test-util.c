/*
 * test-util.c - running host tools (engine/util.c): what a command gets
 * and how its end is seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "../harness.h"

/* A hang is a failure, not a stuck test run. */
static void
on_alarm(int sig)
{
	static const char msg[] = "Bail out! util_exec hung\n";
	ssize_t n = write(1, msg, sizeof msg - 1);

	(void)sig;
	(void)n;
	_exit(1);
}

/*
 * A command that leaves a background child holding its stdout: the
 * output is read until the command exits (it used to be read until the
 * child closed the pipe, i.e. its whole life).
 */
TEST(output_ends_with_the_command)
{
	const char *argv[] = { "sh", "-c", "sleep 600 & echo $!", NULL };
	struct err e = { 0 };
	char *out = NULL;
	int pid;

	alarm(120);
	CHECK(util_run_output(argv, &out, &e) == 0);
	alarm(0);
	CHECK(out != NULL && (pid = atoi(out)) > 0);
	if (out != NULL && (pid = atoi(out)) > 0)
		kill(pid, SIGKILL);
	free(out);
}

/* Nothing but 0, 1 and 2 goes to a command (a daemon it starts keeps
 * what it inherits: dnsmasq must not hold the daemon's sockets). */
TEST(no_fd_inherited)
{
	int fd = open("/dev/null", O_RDONLY);	/* no O_CLOEXEC, on purpose */
	char script[128];
	const char *argv[] = { "sh", "-c", script, NULL };
	struct err e = { 0 };
	char *out = NULL;

	CHECK(fd > 2);
	snprintf(script, sizeof script, "test -e /proc/$$/fd/%d && echo leaked || "
	    "echo clean", fd);
	CHECK(util_run_output(argv, &out, &e) == 0);
	CHECK_STR(out, "clean\n");
	free(out);
	close(fd);
}

/* A command that cannot be run says why (the errno), not only 127. */
TEST(exec_failure_says_why)
{
	const char *argv[] = { "/nonexistent/lxdeck-no-such-tool", NULL };
	struct err e = { 0 };

	CHECK(util_run(argv, &e) < 0);
	CHECK(strstr(e.msg, "No such file or directory") != NULL);
	CHECK(strstr(e.msg, "lxdeck-no-such-tool") != NULL);
}

/* Output and status as before: all of it, and a failure's last line. */
TEST(output_and_failure)
{
	const char *yes[] = { "sh", "-c", "seq 1 20000", NULL };
	const char *no[] = { "sh", "-c", "echo it went wrong >&2; exit 3", NULL };
	struct err e = { 0 };
	char *out = NULL;

	CHECK(util_run_output(yes, &out, &e) == 0);
	CHECK(out != NULL && strlen(out) == 108894);
	CHECK(out != NULL && strstr(out, "\n20000\n") != NULL);
	free(out);
	CHECK(util_run(no, &e) < 0);
	CHECK_STR(e.msg, "sh failed (status 3): it went wrong");
}

int
main(void)
{
	signal(SIGALRM, on_alarm);
	RUN(output_ends_with_the_command);
	RUN(no_fd_inherited);
	RUN(exec_failure_says_why);
	RUN(output_and_failure);
	return harness_done();
}
