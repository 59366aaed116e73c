/*
 * vtscreen.c - run a program in a pty and read its screen back (screen tests).
 *
 *   vtscreen [-s COLSxROWS] [-t TIMEOUT_MS] [-f SCRIPT | -c SCRIPT] -- CMD ARGS...
 *
 * The child runs on a pty of the given size (default 80x24); everything it
 * writes is fed to libvterm, so the test sees the screen a user would see,
 * without tmux.  The script (one command per line or separated by ';' on
 * -c, or stdin when neither is given) drives it:
 *
 *   wait-text TEXT       pump output until TEXT is on screen (fails after -t)
 *   wait-gone TEXT       pump output until TEXT is no longer on screen
 *   wait-match RE        pump output until a row matches the extended regex RE
 *   wait-gone-match RE   pump output until no row matches RE
 *   keys STRING          type STRING; \e \n \r \t \\ \xHH escapes
 *   key NAME             Up Down Left Right Enter Esc Space Tab PgUp PgDn
 *                        Home End BSpace F1..F12 C-x
 *   sleep MS             pump output for MS milliseconds
 *   resize COLS ROWS     resize the pty (the child gets SIGWINCH) and vterm
 *   dump                 print the screen, one line per row, trailing blanks cut
 *   row N                print row N
 *   cell ROW COL         print "fg=.. bg=.. bold=N reverse=N" of one cell
 *   attr TEXT            the same for the first cell of TEXT's first match
 *   colours              print "coloured N": cells with a non-default colour
 *   expect TEXT          fail unless TEXT is on screen now
 *   expect-not TEXT      fail if TEXT is on screen now
 *   shell CMD            run CMD with /bin/sh (e.g. poke a control FIFO);
 *                        $VT_CHILD is the child's pid
 *   wait-exit            wait for the child to exit, print "exit N"
 *   cpu-ticks            print "cpu N": the child's user+system clock ticks
 *   rss                  print "rss N": the child's resident set in kB
 *   stamp                print "ms N": a monotonic clock in milliseconds
 *
 * A failing command prints "vtscreen: ..." and the screen to stderr and exits
 * 1; the child is killed on exit.  Colours print as "default", "idx:N" or
 * "rgb:RRGGBB".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vterm.h>

/* A screen is read once the program has been quiet this long (ms), or
 * after the cap however busy it is (a pane running top never is quiet). */
#define SETTLE_MS	40
#define SETTLE_CAP_MS	400

static VTerm *vt;
static VTermScreen *vs;
static int master = -1, rows = 24, cols = 80, timeout_ms = 5000;
static pid_t child = -1;
static bool child_done;
static int child_status;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what the child wrote for up to ms milliseconds (0: what is there). */
static void
pump(int ms)
{
	long long end = now_ms() + ms;
	struct pollfd p = { .fd = master, .events = POLLIN };
	char buf[8192], out[1024];
	ssize_t n;
	size_t o;
	int left;

	for (;;) {
		left = (int)(end - now_ms());
		if (left < 0)
			left = 0;
		if (poll(&p, 1, left) > 0) {
			n = read(master, buf, sizeof buf);
			if (n > 0) {
				vterm_input_write(vt, buf, (size_t)n);
				/* Answers to queries (cursor position ...) go back. */
				while ((o = vterm_output_read(vt, out, sizeof out)) > 0)
					if (write(master, out, o) < 0)
						break;
				continue;
			}
			if (n <= 0 && !child_done) {
				if (waitpid(child, &child_status, WNOHANG) == child)
					child_done = true;
				if (n < 0 && errno == EIO && child_done)
					return;
			}
		}
		if (!child_done && waitpid(child, &child_status, WNOHANG) == child)
			child_done = true;
		if (left == 0)
			return;
	}
}

/*
 * Reads until the program has been quiet for quiet_ms (at most cap_ms in
 * all), so that what is read next is a whole frame: a wait-text that
 * matched the first bytes of a frame must not have the rest of that frame
 * missing from the dump that follows it.
 */
static void
settle(int quiet_ms, int cap_ms)
{
	long long end = now_ms() + cap_ms;
	struct pollfd p = { .fd = master, .events = POLLIN };

	while (now_ms() < end && !child_done) {
		if (poll(&p, 1, quiet_ms) <= 0)
			return;
		pump(0);
	}
}

static char *
row_text(int r)
{
	static char line[4096];
	VTermScreenCell cell;
	VTermPos pos;
	size_t len = 0, keep = 0;
	int c, i;

	for (c = 0; c < cols; c++) {
		pos.row = r;
		pos.col = c;
		vterm_screen_get_cell(vs, pos, &cell);
		/* The right half of a wide character is (uint32_t)-1. */
		if (cell.width == 0 || cell.chars[0] == (uint32_t)-1)
			continue;
		if (cell.chars[0] == 0) {
			line[len++] = ' ';
			continue;
		}
		for (i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i]; i++) {
			uint32_t ch = cell.chars[i];

			if (len > sizeof line - 8)
				break;
			if (ch < 0x80)
				line[len++] = (char)ch;
			else if (ch < 0x800) {
				line[len++] = (char)(0xc0 | (ch >> 6));
				line[len++] = (char)(0x80 | (ch & 0x3f));
			} else if (ch < 0x10000) {
				line[len++] = (char)(0xe0 | (ch >> 12));
				line[len++] = (char)(0x80 | ((ch >> 6) & 0x3f));
				line[len++] = (char)(0x80 | (ch & 0x3f));
			} else {
				line[len++] = (char)(0xf0 | (ch >> 18));
				line[len++] = (char)(0x80 | ((ch >> 12) & 0x3f));
				line[len++] = (char)(0x80 | ((ch >> 6) & 0x3f));
				line[len++] = (char)(0x80 | (ch & 0x3f));
			}
		}
		keep = len;
	}
	line[keep] = '\0';
	return line;
}

static void
dump(FILE *fp)
{
	int r;

	for (r = 0; r < rows; r++)
		fprintf(fp, "%s\n", row_text(r));
}

/* Row and column (in cells) of text's first match, or -1. */
static int
find_text(const char *text, int *col)
{
	int r;
	char *m;

	for (r = 0; r < rows; r++) {
		char *line = row_text(r);

		if ((m = strstr(line, text)) != NULL) {
			if (col != NULL) {
				/* Count cells before the match (UTF-8 lead bytes). */
				int c = 0;
				char *p;

				for (p = line; p < m; p++)
					if (((unsigned char)*p & 0xc0) != 0x80)
						c++;
				*col = c;
			}
			return r;
		}
	}
	return -1;
}

/* Row of the first row matching re, or -1. */
static int
find_match(const regex_t *re)
{
	int r;

	for (r = 0; r < rows; r++)
		if (regexec(re, row_text(r), 0, NULL, 0) == 0)
			return r;
	return -1;
}

static void
fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "vtscreen: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n--- screen ---\n");
	dump(stderr);
	fprintf(stderr, "--------------\n");
	if (child > 0 && !child_done)
		kill(child, SIGKILL);
	exit(1);
}

static void
colour_str(VTermColor *c, bool fg, char *buf, size_t len)
{
	if ((fg && VTERM_COLOR_IS_DEFAULT_FG(c)) || (!fg && VTERM_COLOR_IS_DEFAULT_BG(c)))
		snprintf(buf, len, "default");
	else if (VTERM_COLOR_IS_INDEXED(c))
		snprintf(buf, len, "idx:%d", c->indexed.idx);
	else
		snprintf(buf, len, "rgb:%02x%02x%02x", c->rgb.red, c->rgb.green,
		    c->rgb.blue);
}

static void
print_cell(int r, int c)
{
	VTermScreenCell cell;
	VTermPos pos = { .row = r, .col = c };
	char fg[32], bg[32];

	vterm_screen_get_cell(vs, pos, &cell);
	colour_str(&cell.fg, true, fg, sizeof fg);
	colour_str(&cell.bg, false, bg, sizeof bg);
	printf("fg=%s bg=%s bold=%d reverse=%d underline=%d\n", fg, bg,
	    cell.attrs.bold, cell.attrs.reverse, cell.attrs.underline);
}

static void
count_colours(void)
{
	VTermScreenCell cell;
	VTermPos pos;
	int n = 0;

	for (pos.row = 0; pos.row < rows; pos.row++)
		for (pos.col = 0; pos.col < cols; pos.col++) {
			vterm_screen_get_cell(vs, pos, &cell);
			if (!VTERM_COLOR_IS_DEFAULT_FG(&cell.fg) ||
			    !VTERM_COLOR_IS_DEFAULT_BG(&cell.bg))
				n++;
		}
	printf("coloured %d\n", n);
}

static void
send(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(master, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			fail("write to the pty failed: %s", strerror(errno));
		}
		s += w;
		n -= (size_t)w;
	}
}

static void
keys(const char *s)
{
	char buf[1024];
	size_t n = 0;

	for (; *s && n < sizeof buf - 1; s++) {
		if (*s != '\\' || s[1] == '\0') {
			buf[n++] = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 'e': buf[n++] = 27; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'x':
			if (s[1] && s[2]) {
				char hex[3] = { s[1], s[2], 0 };

				buf[n++] = (char)strtol(hex, NULL, 16);
				s += 2;
			}
			break;
		default: buf[n++] = *s; break;
		}
	}
	send(buf, n);
}

/* Named keys go through libvterm, so they follow the modes the program set
 * (application cursor keys after keypad(), as a real terminal would). */
static void
key(const char *name)
{
	static const struct { const char *n; VTermKey k; } t[] = {
		{ "Up", VTERM_KEY_UP }, { "Down", VTERM_KEY_DOWN },
		{ "Right", VTERM_KEY_RIGHT }, { "Left", VTERM_KEY_LEFT },
		{ "Enter", VTERM_KEY_ENTER }, { "Esc", VTERM_KEY_ESCAPE },
		{ "Tab", VTERM_KEY_TAB }, { "PgUp", VTERM_KEY_PAGEUP },
		{ "PgDn", VTERM_KEY_PAGEDOWN }, { "Home", VTERM_KEY_HOME },
		{ "End", VTERM_KEY_END }, { "BSpace", VTERM_KEY_BACKSPACE },
		{ "Del", VTERM_KEY_DEL },
	};
	char out[64];
	size_t i, n;
	char c;

	if (strcmp(name, "Space") == 0) {
		send(" ", 1);
		return;
	}
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].n, name) == 0)
			break;
	if (i < sizeof t / sizeof t[0])
		vterm_keyboard_key(vt, t[i].k, VTERM_MOD_NONE);
	else if (name[0] == 'F' && atoi(name + 1) >= 1 && atoi(name + 1) <= 12)
		vterm_keyboard_key(vt, VTERM_KEY_FUNCTION(atoi(name + 1)),
		    VTERM_MOD_NONE);
	else if (strncmp(name, "C-", 2) == 0 && name[2] && !name[3]) {
		c = (char)(name[2] & 0x1f);
		send(&c, 1);
		return;
	} else
		fail("unknown key \"%s\"", name);
	while ((n = vterm_output_read(vt, out, sizeof out)) > 0)
		send(out, n);
}

/* Splits "cmd rest" and strips optional quotes around rest. */
static char *
arg_of(char *line, char **cmd)
{
	char *sp, *rest, *e;

	while (*line == ' ' || *line == '\t')
		line++;
	*cmd = line;
	if ((sp = strpbrk(line, " \t")) == NULL)
		return line + strlen(line);
	*sp = '\0';
	rest = sp + 1;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	e = rest + strlen(rest);
	while (e > rest && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	if (e - rest >= 2 && ((rest[0] == '"' && e[-1] == '"') ||
	    (rest[0] == '\'' && e[-1] == '\''))) {
		e[-1] = '\0';
		rest++;
	}
	return rest;
}

static void
run_line(char *line)
{
	char *cmd, *a;
	long long end;
	int r, c;

	line[strcspn(line, "\n")] = '\0';
	a = arg_of(line, &cmd);
	if (*cmd == '\0' || *cmd == '#')
		return;
	if (strcmp(cmd, "wait-text") == 0 || strcmp(cmd, "wait-gone") == 0) {
		bool gone = cmd[5] == 'g';

		end = now_ms() + timeout_ms;
		for (;;) {
			pump(0);
			if ((find_text(a, NULL) >= 0) != gone)
				return;
			if (now_ms() > end)
				fail(gone ? "timeout waiting for \"%s\" to go" :
				    "timeout waiting for \"%s\"", a);
			pump(20);
		}
	} else if (strcmp(cmd, "wait-match") == 0 ||
	    strcmp(cmd, "wait-gone-match") == 0) {
		bool gone = cmd[5] == 'g';
		regex_t re;

		if (regcomp(&re, a, REG_EXTENDED | REG_NOSUB) != 0)
			fail("bad regex \"%s\"", a);
		end = now_ms() + timeout_ms;
		for (;;) {
			pump(0);
			if ((find_match(&re) >= 0) != gone)
				break;
			if (now_ms() > end)
				fail(gone ? "timeout waiting for /%s/ to go" :
				    "timeout waiting for /%s/", a);
			pump(20);
		}
		regfree(&re);
	} else if (strcmp(cmd, "stamp") == 0)
		printf("ms %lld\n", now_ms());
	else if (strcmp(cmd, "keys") == 0)
		keys(a);
	else if (strcmp(cmd, "key") == 0)
		key(a);
	else if (strcmp(cmd, "sleep") == 0)
		pump(atoi(a));
	else if (strcmp(cmd, "resize") == 0) {
		struct winsize ws = { 0 };

		if (sscanf(a, "%d %d", &c, &r) != 2 || c < 1 || r < 1)
			fail("bad resize \"%s\"", a);
		cols = c;
		rows = r;
		ws.ws_col = (unsigned short)c;
		ws.ws_row = (unsigned short)r;
		vterm_set_size(vt, rows, cols);
		ioctl(master, TIOCSWINSZ, &ws);
	} else if (strcmp(cmd, "dump") == 0) {
		settle(SETTLE_MS, SETTLE_CAP_MS);
		dump(stdout);
	} else if (strcmp(cmd, "row") == 0) {
		settle(SETTLE_MS, SETTLE_CAP_MS);
		printf("%s\n", row_text(atoi(a)));
	} else if (strcmp(cmd, "cell") == 0) {
		settle(SETTLE_MS, SETTLE_CAP_MS);
		if (sscanf(a, "%d %d", &r, &c) != 2)
			fail("bad cell \"%s\"", a);
		print_cell(r, c);
	} else if (strcmp(cmd, "attr") == 0) {
		settle(SETTLE_MS, SETTLE_CAP_MS);
		if ((r = find_text(a, &c)) < 0)
			fail("attr: \"%s\" is not on screen", a);
		print_cell(r, c);
	} else if (strcmp(cmd, "colours") == 0 || strcmp(cmd, "colors") == 0) {
		settle(SETTLE_MS, SETTLE_CAP_MS);
		count_colours();
	} else if (strcmp(cmd, "expect") == 0) {
		settle(SETTLE_MS, SETTLE_CAP_MS);
		if (find_text(a, NULL) < 0)
			fail("expected \"%s\" on screen", a);
	} else if (strcmp(cmd, "expect-not") == 0) {
		settle(SETTLE_MS, SETTLE_CAP_MS);
		if (find_text(a, NULL) >= 0)
			fail("did not expect \"%s\" on screen", a);
	} else if (strcmp(cmd, "shell") == 0) {
		char pid[16];

		snprintf(pid, sizeof pid, "%d", (int)child);
		setenv("VT_CHILD", pid, 1);
		if (system(a) != 0)
			fail("shell command failed: %s", a);
	} else if (strcmp(cmd, "cpu-ticks") == 0 || strcmp(cmd, "rss") == 0) {
		char path[64], buf[1024], *p;
		unsigned long ut = 0, st = 0;
		long kb = -1;
		FILE *fp;

		snprintf(path, sizeof path, "/proc/%d/%s", (int)child,
		    cmd[0] == 'c' ? "stat" : "status");
		if ((fp = fopen(path, "r")) == NULL)
			fail("cannot read %s", path);
		if (cmd[0] == 'c') {
			if (fgets(buf, sizeof buf, fp) == NULL ||
			    (p = strrchr(buf, ')')) == NULL ||
			    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			    "%lu %lu", &ut, &st) != 2)
				fail("cannot parse %s", path);
			printf("cpu %lu\n", ut + st);
		} else {
			while (fgets(buf, sizeof buf, fp) != NULL)
				if (sscanf(buf, "VmRSS: %ld", &kb) == 1)
					break;
			printf("rss %ld\n", kb);
		}
		fclose(fp);
	} else if (strcmp(cmd, "wait-exit") == 0) {
		end = now_ms() + timeout_ms;
		while (!child_done && now_ms() < end)
			pump(20);
		if (!child_done)
			fail("timeout waiting for the program to exit%s", "");
		printf("exit %d\n", WIFEXITED(child_status) ?
		    WEXITSTATUS(child_status) : 128 + WTERMSIG(child_status));
	} else
		fail("unknown command \"%s\"", cmd);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char *script = NULL, *file = NULL;
	struct winsize ws = { 0 };
	char line[4096];
	FILE *fp;
	int opt;

	while ((opt = getopt(argc, argv, "s:t:c:f:")) != -1) {
		switch (opt) {
		case 's':
			if (sscanf(optarg, "%dx%d", &cols, &rows) != 2)
				return 2;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		case 'c':
			script = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			fprintf(stderr, "usage: vtscreen [-s COLSxROWS] [-t MS] "
			    "[-c SCRIPT|-f FILE] -- CMD...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vtscreen: no command\n");
		return 2;
	}
	ws.ws_col = (unsigned short)cols;
	ws.ws_row = (unsigned short)rows;
	child = forkpty(&master, NULL, NULL, &ws);
	if (child < 0) {
		perror("forkpty");
		return 1;
	}
	if (child == 0) {
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	vt = vterm_new(rows, cols);
	vterm_set_utf8(vt, 1);
	vs = vterm_obtain_screen(vt);
	vterm_screen_enable_altscreen(vs, 1);
	vterm_screen_reset(vs, 1);
	if (script != NULL) {
		char *copy = strdup(script), *save = NULL, *tok;

		/* ';' separates commands unless escaped as "\;". */
		for (tok = strtok_r(copy, ";\n", &save); tok != NULL;
		    tok = strtok_r(NULL, ";\n", &save)) {
			snprintf(line, sizeof line, "%s", tok);
			run_line(line);
		}
		free(copy);
	} else {
		fp = file ? fopen(file, "r") : stdin;
		if (fp == NULL) {
			perror(file);
			return 1;
		}
		while (fgets(line, sizeof line, fp) != NULL)
			run_line(line);
	}
	if (!child_done) {
		kill(child, SIGTERM);
		pump(50);
		if (!child_done)
			kill(child, SIGKILL);
		waitpid(child, &child_status, 0);
	}
	vterm_free(vt);
	return 0;
}
