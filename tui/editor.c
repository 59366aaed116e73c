/*
 * editor.c - running the user's editor ($VISUAL, $EDITOR, then vi) on a
 * file, and the edit loop `lxc profile edit` users know.
 *
 * The TUI leaves curses mode, runs the editor in its own process group in
 * the foreground of the terminal (so a ^C there is the editor's, not ours),
 * waits for it, takes the terminal back and redraws everything.  The loop
 * blocks while the editor runs, as in every TUI: events wait in the kernel.
 *
 * editor_edit() writes a text to a temporary file, opens the editor, and
 * hands what was saved to a check function; when the check fails, the
 * editor re-opens on what the user wrote with the error as comments on top
 * (lxc asks "Press enter to open the editor again"); saving the same text
 * again, or a file that did not change at all, ends the loop without
 * applying anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <curses.h>

#include "tui.h"

#define EDITOR_ERROR_PREFIX "# Error: "

static const char *
editor_command(void)
{
	const char *v = getenv("VISUAL");

	if (v == NULL || *v == '\0')
		v = getenv("EDITOR");
	if (v == NULL || *v == '\0')
		v = "vi";
	return v;
}

int
editor_run(struct tui *t, const char *path, struct err *e)
{
	const char *cmd = editor_command();
	char *line = xasprintf("%s \"$1\"", cmd);	/* cmd may carry options */
	sigset_t block, old;
	pid_t pid, pgrp = getpgrp();
	int st = 0, tty = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;

	def_prog_mode();
	endwin();
	fflush(stdout);
	sigemptyset(&block);
	sigaddset(&block, SIGTTOU);
	sigaddset(&block, SIGTTIN);
	sigprocmask(SIG_BLOCK, &block, &old);
	if ((pid = fork()) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		reset_prog_mode();
		t->full_redraw = true;
		free(line);
		return err_set(e, 500, "Failed to run the editor \"%s\": %s", cmd,
		    strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (tty >= 0)
			tcsetpgrp(tty, getpid());
		sigprocmask(SIG_SETMASK, &old, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGWINCH, SIG_DFL);
		/* the editor gets the terminal, nothing else of ours (the
		 * database, remotes' sockets, the loop's fds) */
		syscall(SYS_close_range, 3U, ~0U, 0U);
		execl("/bin/sh", "sh", "-c", line, "sh", path, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	if (tty >= 0)
		tcsetpgrp(tty, pid);
	free(line);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (tty >= 0)
		tcsetpgrp(tty, pgrp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	reset_prog_mode();
	screen_resize(t);	/* the size may have changed meanwhile */
	t->full_redraw = true;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(e, 500, "The editor \"%s\" failed (%s %d)", cmd,
		    WIFEXITED(st) ? "exit status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

static int
editor_write(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	int rc = 0;

	if (fp == NULL)
		return -errno;
	if (fputs(text, fp) == EOF)
		rc = -EIO;
	if (fclose(fp) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* text without the error comments a previous round put on top. */
static const char *
editor_strip_error(const char *text)
{
	while (strncmp(text, EDITOR_ERROR_PREFIX, strlen(EDITOR_ERROR_PREFIX)) == 0 ||
	    strncmp(text, "#   ", 4) == 0) {
		const char *nl = strchr(text, '\n');

		if (nl == NULL)
			return text + strlen(text);
		text = nl + 1;
	}
	return text;
}

int
editor_edit(struct tui *t, const char *header, const char *text,
    editor_check_cb check, void *arg, struct err *e)
{
	char path[] = "/tmp/lxdeck-edit.XXXXXX.yaml", *cur = NULL, *got = NULL;
	char *shown = NULL;
	struct err ce = { 0 };
	int fd, rc = -1;

	if ((fd = mkstemps(path, 5)) < 0)
		return err_set(e, 500, "Failed to create a temporary file: %s",
		    strerror(errno));
	close(fd);
	shown = xasprintf("%s%s", header, text);
	for (;;) {
		if (editor_write(path, shown) < 0) {
			err_set(e, 500, "Failed to write \"%s\"", path);
			goto out;
		}
		if (editor_run(t, path, e) < 0)
			goto out;
		free(got);
		if ((got = config_read(path)) == NULL) {
			err_set(e, 500, "Failed to read \"%s\" back", path);
			goto out;
		}
		if (strcmp(got, shown) == 0) {
			/* Quit without a change (or left the error as it was). */
			rc = 1;
			goto out;
		}
		err_clear(&ce);
		if (check(t, editor_strip_error(got), arg, &ce) == 0) {
			rc = 0;
			goto out;
		}
		/* Re-open on what the user wrote, the error on top. */
		free(cur);
		cur = xstrdup(editor_strip_error(got));
		free(shown);
		shown = xasprintf(EDITOR_ERROR_PREFIX "%s\n#   Fix it and save, or "
		    "quit without saving to abandon the change.\n%s", ce.msg, cur);
	}
out:
	unlink(path);
	free(cur);
	free(got);
	free(shown);
	return rc;
}
