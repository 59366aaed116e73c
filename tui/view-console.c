/*
 * view-console.c - console and shell panes, live next to the list.
 *
 * One console view holds every pane (at most VIEW_CONSOLE_PANES).  A pane is
 * a session the backend started (console_attach: the instance's
 * /dev/console; exec_start: a login shell) whose pty master is watched with
 * a uv_poll, a struct term (term.c, libvterm) that keeps its screen and
 * scrollback, and its place on screen.  The view lives on the stack above
 * the instance list and draws it: split, the list takes the top ~40% and the
 * panes share the rest, each under a title bar that always shows the detach
 * key; zoomed, the focused pane takes the whole body.  Keys go to the
 * focused pane; after the prefix (Ctrl-a) they drive the panes: q detaches
 * (the list gets the keys, the sessions keep running and stay in view), z
 * zooms, n cycles, [ scrolls and copies, x closes, a sends a literal Ctrl-a.
 * With the list focused every key goes to the list (Tab goes back), so the
 * list, the detail view and the others keep working while sessions run;
 * the panes are closed only when the console view goes (q asks first).
 *
 * Output never redraws directly: reading the pty feeds libvterm, which
 * records damaged rows, and a ~10 ms timer (neovim's refresh timer) marks
 * the view dirty, so a flood of output costs one frame per 10 ms and only
 * damaged rows are repainted.  When the session ends (the shell exits, the
 * console closes because the instance stopped) the pane says why and offers
 * r to reconnect; nothing else is affected.  Only backend_ops is used, so
 * a remote backend's sessions work the same.
 *
 * While a pane has the keyboard, Ctrl-C is remapped with define_key() to a
 * private key code so it reaches the pane (as byte 3) instead of quitting.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curses.h>

#include "tui.h"

#define VIEW_CONSOLE_PANES	6
#define VIEW_CONSOLE_DAMAGE_MS	10
#define VIEW_CONSOLE_SCROLLBACK	10000
#define VIEW_CONSOLE_READ_MAX	(512 * 1024)	/* per wake-up, then yield */
#define VIEW_CONSOLE_KEY_INTR	0x6003		/* Ctrl-C while in a pane */
#define VIEW_CONSOLE_OSC52_MAX	(256 * 1024)

/* Runs bash when the image has it, else sh; a failed exec would end sh. */
static const char view_console_shell[] =
	"if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi";

struct view_console_pane {
	struct view		*v;
	char			*inst;
	bool			 shell;
	struct backend		*b;		/* the backend h belongs to */
	struct exec_handle	*h;
	uv_poll_t		*poll;		/* NULL once the pty closed */
	int			 fd;
	bool			 want_write;
	char			*wbuf;		/* input the pty did not take yet */
	size_t			 wlen;
	struct term		*term;

	bool			 ended;
	bool			 eof;
	bool			 noted;		/* the pane said the instance stopped */
	char			 why[200];
	char			 brief[32];	/* "exited 0", "closed" */
	bool			 bell;

	int			 y, rows;	/* title row, term rows */
	bool			 visible;

	bool			 copy;		/* copy mode */
	int64_t			 cur, mark;
};

struct view_console_data {
	struct view_console_pane *panes[VIEW_CONSOLE_PANES];
	int			 n;
	int			 focus;		/* -1: the list has the keys */
	int			 last;		/* the pane focused last */
	bool			 zoom;
	bool			 prefix;
	int			 list_rows;
	bool			 partial_ok;	/* only damage since the last frame */
	chtype			 sentinel;	/* what we left at sentinel_y */
	int			 sentinel_y;
	uv_timer_t		*damage;
	uint64_t		 flushed_ms;	/* when damage last became a frame */
	char			 title[320];
	char			 hint[640];
};

static void	view_console_pane_io(uv_poll_t *, int, int);

static struct view_console_data *
view_console_data(struct view *v)
{
	return v->data;
}

/* The view under the console view: the list it shares the screen with. */
static struct view *
view_console_below(struct view *v)
{
	struct tui *t = v->tui;
	int i;

	for (i = 1; i < t->depth; i++)
		if (t->stack[i] == v)
			return t->stack[i - 1];
	return NULL;
}

static struct view *
view_console_find(struct tui *t)
{
	return view_find(t, &view_console_type);
}

static void
view_console_full(struct view *v)
{
	view_console_data(v)->partial_ok = false;
	v->dirty = true;
	v->tui->chrome_dirty = true;
}

static void
view_console_damage_cb(uv_timer_t *h)
{
	struct view *v = h->data;
	struct view_console_data *d = view_console_data(v);
	struct tui *t = v->tui;
	bool any = false, bell = false;
	int i;

	for (i = 0; i < d->n; i++) {
		struct view_console_pane *p = d->panes[i];

		if (term_take_damage(p->term) && p->visible)
			any = true;
		if (term_take_bell(p->term)) {
			bell = true;
			if (i != d->focus) {
				p->bell = true;
				any = true;
			}
		}
	}
	if (bell && view_top(t) == v)
		beep();
	if (!any || view_top(t) != v)
		return;
	d->flushed_ms = uv_now(t->loop);
	if (!v->dirty && !t->full_redraw)
		d->partial_ok = true;
	v->dirty = true;
}

/* Damage becomes a frame at once when none was made in the last 10 ms (a
 * key's echo shows without delay), else when the timer fires: a flood of
 * output costs at most one frame per 10 ms. */
static void
view_console_damaged(struct view *v)
{
	struct view_console_data *d;
	uint64_t now, since;

	if (v == NULL)
		return;
	d = view_console_data(v);
	if (uv_is_active((uv_handle_t *)d->damage))
		return;
	now = uv_now(v->tui->loop);
	since = now - d->flushed_ms;
	if (since >= VIEW_CONSOLE_DAMAGE_MS) {
		view_console_damage_cb(d->damage);
		/* Output that follows within 10 ms waits for the timer. */
		uv_timer_start(d->damage, view_console_damage_cb,
		    VIEW_CONSOLE_DAMAGE_MS, 0);
	} else
		uv_timer_start(d->damage, view_console_damage_cb,
		    VIEW_CONSOLE_DAMAGE_MS - since, 0);
}

/* Ctrl-C reaches the pane only while a pane has the keyboard. */
static void
view_console_set_focus(struct view *v, int focus)
{
	struct view_console_data *d = view_console_data(v);

	if (focus >= d->n)
		focus = d->n - 1;
	d->focus = focus;
	if (focus >= 0) {
		d->last = focus;
		d->panes[focus]->bell = false;
		define_key("\003", VIEW_CONSOLE_KEY_INTR);
	} else {
		define_key("\003", 0);
		d->zoom = false;
	}
	d->prefix = false;
	view_console_full(v);
}

/* ---- sessions ---- */

static void
view_console_poll_closed(uv_handle_t *h)
{
	free(h);
}

static void
view_console_pane_stop_io(struct view_console_pane *p)
{
	if (p->poll != NULL) {
		uv_poll_stop(p->poll);
		uv_close((uv_handle_t *)p->poll, view_console_poll_closed);
		p->poll = NULL;
	}
	free(p->wbuf);
	p->wbuf = NULL;
	p->wlen = 0;
	p->want_write = false;
}

static void
view_console_pane_events(struct view_console_pane *p)
{
	if (p->poll != NULL)
		uv_poll_start(p->poll, UV_READABLE | (p->want_write ? UV_WRITABLE : 0),
		    view_console_pane_io);
}

/* The session is over: say why in the pane and in the status line. */
static void
view_console_pane_finish(struct view_console_pane *p)
{
	struct tui *t;
	struct instance_state *st = NULL;
	struct err e = { 0 };
	char state[96] = "", msg[320];

	if (p->ended)
		return;
	p->ended = true;
	view_console_pane_stop_io(p);
	if (p->v == NULL)
		return;
	t = p->v->tui;
	if (p->b != NULL &&
	    p->b->ops->instance_state(p->b, p->inst, &st, &e) == 0 && st != NULL &&
	    st->status != STATUS_RUNNING)
		snprintf(state, sizeof state, "; instance \"%s\" is %s", p->inst,
		    status_code_name(st->status));
	instance_state_free(st);
	if (p->shell && p->h != NULL && p->h->exited && p->h->status >= 0) {
		snprintf(p->why, sizeof p->why, "shell exited with status %d",
		    p->h->status);
		snprintf(p->brief, sizeof p->brief, "exited %d", p->h->status);
	} else {
		snprintf(p->why, sizeof p->why, "%s closed", p->shell ? "shell" :
		    "console");
		snprintf(p->brief, sizeof p->brief, "closed");
	}
	p->noted = *state != '\0';
	/* Leave a full-screen program's screen so the message shows. */
	snprintf(msg, sizeof msg, "%s\033[m\033[?25h\r\n\033[7m[%s%s: r "
	    "reconnects, x closes]\033[m\r\n", term_is_altscreen(p->term) ?
	    "\033[?1049l" : "", p->why, state);
	term_write(p->term, msg, strlen(msg));
	status_set(t, STATUS_INFO, "%s \"%s\": %s%s", p->shell ? "Shell in" :
	    "Console of", p->inst, p->why, state);
	snprintf(p->why + strlen(p->why), sizeof p->why - strlen(p->why), "%s",
	    state);
	app_request_refresh(t);
	view_console_damaged(p->v);
	view_console_full(p->v);
}

static void
view_console_pane_eof(struct view_console_pane *p)
{
	p->eof = true;
	view_console_pane_stop_io(p);
	/* A shell's exit status comes with on_exit, right after. */
	if (!p->shell || p->h == NULL || p->h->exited)
		view_console_pane_finish(p);
}

static void
view_console_pane_read(struct view_console_pane *p)
{
	char buf[65536];
	size_t total = 0;
	ssize_t n;

	while (p->poll != NULL && total < VIEW_CONSOLE_READ_MAX) {
		n = read(p->fd, buf, sizeof buf);
		if (n > 0) {
			term_write(p->term, buf, (size_t)n);
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		view_console_pane_eof(p);	/* 0, or EIO: the other side closed */
		break;
	}
	if (total > 0)
		view_console_damaged(p->v);
}

static void
view_console_pane_flush(struct view_console_pane *p)
{
	ssize_t n;

	while (p->wlen > 0) {
		n = write(p->fd, p->wbuf, p->wlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			p->wlen = 0;
			break;
		}
		memmove(p->wbuf, p->wbuf + n, p->wlen - (size_t)n);
		p->wlen -= (size_t)n;
	}
	if (p->want_write != (p->wlen > 0)) {
		p->want_write = p->wlen > 0;
		view_console_pane_events(p);
	}
}

/* term.c's output: what keys turned into, for the session. */
static void
view_console_pane_output(const char *s, size_t len, void *arg)
{
	struct view_console_pane *p = arg;

	if (p->poll == NULL || len == 0)
		return;
	p->wbuf = xrealloc(p->wbuf, p->wlen + len);
	memcpy(p->wbuf + p->wlen, s, len);
	p->wlen += len;
	view_console_pane_flush(p);
}

static void
view_console_pane_io(uv_poll_t *h, int status, int events)
{
	struct view_console_pane *p = h->data;

	if (status < 0) {
		view_console_pane_eof(p);
		return;
	}
	if (events & UV_WRITABLE)
		view_console_pane_flush(p);
	if (events & UV_READABLE)
		view_console_pane_read(p);
}

static void
view_console_pane_exited(struct exec_handle *h, void *arg)
{
	struct view_console_pane *p = arg;

	if (p->poll != NULL)
		view_console_pane_read(p);	/* what it printed last */
	view_console_pane_finish(p);
}

static void
view_console_pane_close_session(struct view_console_pane *p, struct tui *t)
{
	view_console_pane_stop_io(p);
	/* p->b is held (app_backend_hold) while the pane lives. */
	if (p->h != NULL && p->b != NULL)
		p->b->ops->exec_close(p->b, p->h);
	p->h = NULL;
}

static int
view_console_pane_connect(struct view_console_pane *p, struct tui *t,
    struct err *e)
{
	struct exec_req req = { 0 };
	int rows, cols, rc, fl;

	view_console_pane_close_session(p, t);
	/* A session stays on the host it was opened on, whatever the list
	 * shows now: a reconnect goes there again. */
	if (p->b == NULL) {
		if (t->b == NULL)
			return err_set(e, 503, "Not connected to %s:", t->remote);
		p->b = t->b;
		app_backend_hold(t, p->b);
	}
	term_size(p->term, &rows, &cols);
	if (p->shell) {
		strv_push(&req.argv, "/bin/sh");
		strv_push(&req.argv, "-c");
		strv_push(&req.argv, view_console_shell);
		strmap_set(&req.env, "TERM", "xterm-256color");
		req.interactive = true;
		req.width = cols;
		req.height = rows;
		rc = p->b->ops->exec_start(p->b, p->inst, &req, &p->h, e);
		exec_req_free_contents(&req);
	} else
		rc = p->b->ops->console_attach(p->b, p->inst, cols, rows, &p->h, e);
	if (rc < 0) {
		p->h = NULL;
		return -1;
	}
	p->h->on_exit = view_console_pane_exited;
	p->h->arg = p;
	p->fd = p->h->fds[0];
	if ((fl = fcntl(p->fd, F_GETFL)) >= 0)
		fcntl(p->fd, F_SETFL, fl | O_NONBLOCK);
	p->poll = xmalloc(sizeof *p->poll);
	if (uv_poll_init(t->loop, p->poll, p->fd) < 0) {
		free(p->poll);
		p->poll = NULL;
		view_console_pane_close_session(p, t);
		return err_set(e, 500, "Failed to watch the %s of \"%s\"",
		    p->shell ? "shell" : "console", p->inst);
	}
	p->poll->data = p;
	p->ended = p->eof = p->noted = false;
	p->why[0] = p->brief[0] = '\0';
	view_console_pane_events(p);
	return 0;
}

static void
view_console_pane_free(struct view_console_pane *p, struct tui *t)
{
	if (p == NULL)
		return;
	view_console_pane_close_session(p, t);
	if (p->b != NULL)
		app_backend_release(t, p->b);
	term_free(p->term);
	free(p->inst);
	free(p);
}

static void
view_console_resize_pane(struct view_console_pane *p, int rows, int cols)
{
	struct err e = { 0 };
	int r, c;

	term_size(p->term, &r, &c);
	if (r == rows && c == cols)
		return;
	term_resize(p->term, rows, cols);
	if (p->h != NULL && !p->ended && p->b != NULL &&
	    p->b->ops->exec_resize(p->b, p->h, cols, rows, &e) < 0)
		status_set(p->v->tui, STATUS_ERR, "Failed to resize the %s of \"%s\": %s",
		    p->shell ? "shell" : "console", p->inst, e.msg);
}

static void
view_console_remove(struct view *v, int i)
{
	struct view_console_data *d = view_console_data(v);
	struct tui *t = v->tui;

	view_console_pane_free(d->panes[i], t);
	memmove(&d->panes[i], &d->panes[i + 1],
	    (size_t)(d->n - i - 1) * sizeof *d->panes);
	d->n--;
	if (d->n == 0) {
		define_key("\003", 0);
		view_pop(t);		/* frees v */
		return;
	}
	if (d->last >= d->n)
		d->last = d->n - 1;
	view_console_set_focus(v, d->focus >= 0 ? (i < d->n ? i : d->n - 1) : -1);
}

/* ---- layout and drawing ---- */

/* Places the panes in rows [top, top + rows); resizes their terminals. */
static void
view_console_layout(struct view *v, int top, int rows)
{
	struct view_console_data *d = view_console_data(v);
	struct view_console_pane *p;
	int i, h, y, shown, only = -1;

	for (i = 0; i < d->n; i++)
		d->panes[i]->visible = false;
	d->list_rows = 0;
	if (d->n == 0)
		return;
	if ((d->zoom && d->focus >= 0) || view_console_below(v) == NULL)
		only = d->focus >= 0 ? d->focus : d->last;
	else {
		d->list_rows = rows * 2 / 5;
		if (d->list_rows < 3)
			d->list_rows = rows >= 6 ? 3 : 0;
		if ((rows - d->list_rows) / d->n < 3)
			only = d->focus >= 0 ? d->focus : d->last;
	}
	y = top + d->list_rows;
	rows -= d->list_rows;
	shown = only >= 0 ? 1 : d->n;
	for (i = 0; i < d->n; i++) {
		if (only >= 0 && i != only)
			continue;
		p = d->panes[i];
		h = rows / shown + (i == d->n - 1 || only >= 0 ? rows % shown : 0);
		p->y = y;
		p->rows = h - 1 > 0 ? h - 1 : 1;
		p->visible = true;
		view_console_resize_pane(p, p->rows, COLS);
		y += h;
	}
}

/* The pane's instance's status from the list cache when it is not
 * running ("Stopped"), else NULL; nothing when the list shows another
 * remote than the pane's. */
static const char *
view_console_inst_status(struct tui *t, const struct view_console_pane *p)
{
	const struct instance *in;

	if (p->b != t->b || (in = inst_cache_find(t, p->inst)) == NULL)
		return NULL;
	return in->status == STATUS_RUNNING ? NULL : status_code_name(in->status);
}

/* The pane's instance as the title shows it: REMOTE:NAME when the list
 * has moved to another remote, else the bare name. */
static const char *
view_console_pane_name(const struct tui *t, const struct view_console_pane *p,
    char *buf, size_t len)
{
	if (p->b == NULL || p->b == t->b || p->b->name == NULL)
		return p->inst;
	snprintf(buf, len, "%s:%s", p->b->name, p->inst);
	return buf;
}

static void
view_console_draw_title(struct view *v, struct view_console_pane *p, int idx)
{
	struct view_console_data *d = view_console_data(v);
	struct tui *t = v->tui;
	char buf[1024], pk[32], dk[32], state[400], nb[160];
	const char *name = view_console_pane_name(t, p, nb, sizeof nb);
	bool focused = idx == d->focus;
	int64_t first, top;

	keys_name(t->keys[KA_CONSOLE_PREFIX], pk, sizeof pk);
	keys_name(t->keys[KA_CONSOLE_DETACH], dk, sizeof dk);
	if (p->copy) {
		first = term_first_line(p->term);
		top = term_live_top(p->term);
		snprintf(state, sizeof state, "copy mode, line %lld of %lld  "
		    "v select  y copy  q leave", (long long)(p->cur - first + 1),
		    (long long)(top - first + p->rows));
	} else if (p->ended) {
		const char *st = view_console_inst_status(t, p);

		snprintf(buf, sizeof buf, " %d %s %s [%s%s%s]  r reconnect  x close  "
		    "%s %s detach", idx + 1, p->shell ? "shell" : "console", name,
		    p->brief, st != NULL ? ", " : "", st != NULL ? st : "", pk, dk);
		screen_put(t, p->y, 0, COLS, focused ? TE_TITLE : TE_HINT, buf);
		return;
	} else
		snprintf(state, sizeof state, "%s%s", p->bell ? "bell! " : "",
		    *term_title(p->term) ? term_title(p->term) : "running");
	snprintf(buf, sizeof buf, " %d %s %s [%s]  %s %s detach  %s z zoom  "
	    "%s [ scroll%s%s", idx + 1, p->shell ? "shell" : "console", name,
	    state, pk, dk, pk, pk, focused ? "" : d->focus < 0 ? "  Tab focus" :
	    "  ", focused || d->focus < 0 ? "" : pk);
	if (!focused && d->focus >= 0)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " n focus");
	screen_put(t, p->y, 0, COLS, focused ? TE_TITLE : TE_HINT, buf);
}

static void
view_console_draw(struct view *v, int top, int rows)
{
	struct view_console_data *d = view_console_data(v);
	struct tui *t = v->tui;
	struct view *below = view_console_below(v);
	struct view_console_pane *p;
	bool full;
	int i;

	full = !d->partial_ok || mvinch(d->sentinel_y, 0) != d->sentinel;
	d->partial_ok = false;
	if (term_pairs_check(t))
		full = true;
	if (full)
		view_console_layout(v, top, rows);
	if (d->list_rows > 0 && below != NULL && (full || below->dirty)) {
		below->type->draw(below, top, d->list_rows);
		below->dirty = false;
	}
	for (i = 0; i < d->n; i++) {
		p = d->panes[i];
		if (!p->visible)
			continue;
		view_console_draw_title(v, p, i);
		term_draw(p->term, t, p->y + 1, 0, full, i == d->focus && !p->ended);
	}
	for (i = 0; i < d->n; i++)
		if (d->panes[i]->visible) {
			d->sentinel_y = d->panes[i]->y;
			break;
		}
	d->sentinel = mvinch(d->sentinel_y, 0);
}

/* ---- copy mode ---- */

/* Where copies go: $LXDECK_COPY_FILE, else $XDG_CACHE_HOME/lxdeck/copy.txt
 * or ~/.cache/lxdeck/copy.txt (directories made as needed). */
static char *
view_console_copy_path(void)
{
	const char *env = getenv("LXDECK_COPY_FILE"), *c, *h;
	char *path, *s;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if ((c = getenv("XDG_CACHE_HOME")) != NULL && *c != '\0')
		path = xasprintf("%s/lxdeck/copy.txt", c);
	else if ((h = getenv("HOME")) != NULL && *h != '\0')
		path = xasprintf("%s/.cache/lxdeck/copy.txt", h);
	else
		path = xasprintf("/tmp/lxdeck-copy-%d.txt", (int)getuid());
	for (s = strchr(path + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	return path;
}

/* OSC 52: the outer terminal puts the text on the clipboard. */
static void
view_console_osc52(const char *s, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out, *o;
	size_t i;
	uint32_t v;

	if (len > VIEW_CONSOLE_OSC52_MAX)
		return;
	out = o = xmalloc(len / 3 * 4 + 16);
	memcpy(o, "\033]52;c;", 7);
	o += 7;
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)(unsigned char)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)s[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o++ = '\a';
	fflush(stdout);
	/* The clipboard is a bonus, the file is the copy: ignore failures. */
	if (write(STDOUT_FILENO, out, (size_t)(o - out)) < 0)
		errno = 0;
	free(out);
}

static void
view_console_copy(struct view *v, struct view_console_pane *p, int64_t a,
    int64_t b)
{
	struct tui *t = v->tui;
	char *text = term_text(p->term, a, b), *path = view_console_copy_path();
	size_t len = strlen(text);
	FILE *fp;
	int n = (int)(a > b ? a - b : b - a) + 1;

	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(text, 1, len, fp) != len) {
		status_set(t, STATUS_ERR, "Failed to write the copy to \"%s\": %s",
		    path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
	} else {
		fclose(fp);
		view_console_osc52(text, len);
		status_set(t, STATUS_INFO, "Copied %d line%s to %s (and the "
		    "terminal's clipboard)", n, n == 1 ? "" : "s", path);
	}
	free(path);
	free(text);
}

static void
view_console_copy_view(struct view_console_pane *p)
{
	int64_t top = term_view_top(p->term);

	if (p->cur < top)
		top = p->cur;
	if (p->cur >= top + p->rows)
		top = p->cur - p->rows + 1;
	term_set_view(p->term, top, p->cur, p->mark, p->mark >= 0 ? p->cur : -1);
}

static void
view_console_copy_leave(struct view *v, struct view_console_pane *p)
{
	p->copy = false;
	p->mark = p->cur = -1;
	term_set_view(p->term, -1, -1, -1, -1);
	view_console_full(v);
}

static void
view_console_copy_enter(struct view *v, struct view_console_pane *p)
{
	p->copy = true;
	p->mark = -1;
	p->cur = term_live_top(p->term) + p->rows - 1;
	/* Start on the last line with text, not on blank rows below it. */
	while (p->cur > term_live_top(p->term)) {
		char *s = term_text(p->term, p->cur, p->cur);
		bool blank = s[0] == '\n';

		free(s);
		if (!blank)
			break;
		p->cur--;
	}
	view_console_copy_view(p);
	view_console_full(v);
}

static bool
view_console_copy_key(struct view *v, struct view_console_pane *p, int key)
{
	int64_t first = term_first_line(p->term);
	int64_t last = term_live_top(p->term) + p->rows - 1;

	switch (key) {
	case KEY_UP: case 'k':		p->cur--; break;
	case KEY_DOWN: case 'j':	p->cur++; break;
	case KEY_PPAGE: case 2:		p->cur -= p->rows; break;	/* C-b */
	case KEY_NPAGE: case 6:		p->cur += p->rows; break;	/* C-f */
	case KEY_HOME: case 'g':	p->cur = first; break;
	case KEY_END: case 'G':		p->cur = last; break;
	case 'v': case ' ':
		p->mark = p->mark >= 0 ? -1 : p->cur;
		break;
	case 'y': case '\n':
		view_console_copy(v, p, p->mark >= 0 ? p->mark : p->cur, p->cur);
		view_console_copy_leave(v, p);
		return true;
	case 'q': case 27:
		view_console_copy_leave(v, p);
		return true;
	default:
		return true;
	}
	if (p->cur < first)
		p->cur = first;
	if (p->cur > last)
		p->cur = last;
	view_console_copy_view(p);
	view_console_full(v);
	return true;
}

/* ---- keys ---- */

static void
view_console_close_all_done(struct tui *t, const char *answer, void *arg)
{
	struct view *v = arg;

	if (answer == NULL || view_console_find(t) != v)
		return;
	while (view_top(t) != v)
		view_pop(t);
	define_key("\003", 0);
	view_pop(t);
}

static void
view_console_reconnect(struct view *v, struct view_console_pane *p)
{
	struct tui *t = v->tui;
	struct err e = { 0 };
	static const char reset[] = "\033[!p\033[m\r\n";

	if (view_console_pane_connect(p, t, &e) < 0) {
		status_set(t, STATUS_ERR, "%s", e.msg);
		return;
	}
	term_write(p->term, reset, sizeof reset - 1);
	status_set(t, STATUS_INFO, "Reconnected to the %s of \"%s\"",
	    p->shell ? "shell" : "console", p->inst);
	view_console_damaged(v);
	view_console_full(v);
}

static bool
view_console_prefix_key(struct view *v, int key)
{
	struct view_console_data *d = view_console_data(v);
	struct tui *t = v->tui;
	int prefix = t->keys[KA_CONSOLE_PREFIX];
	struct view_console_pane *p = d->focus >= 0 ? d->panes[d->focus] : NULL;
	char c = (char)prefix, pk[32];

	if (key == prefix || (prefix > 0 && prefix < 32 && key == (prefix | 0x60))) {
		if (p != NULL && !p->ended)
			term_send(p->term, &c, 1);
		return true;
	}
	if (key == t->keys[KA_CONSOLE_DETACH]) {
		if (p != NULL)
			status_set(t, STATUS_INFO, "Detached from the %s of \"%s\": "
			    "it keeps running (Tab goes back)", p->shell ? "shell" :
			    "console", p->inst);
		view_console_set_focus(v, -1);
		return true;
	}
	switch (key) {
	case 'z':
		if (d->focus < 0)
			view_console_set_focus(v, d->last);
		d->zoom = !d->zoom;
		view_console_full(v);
		return true;
	case 'n':
	case 'o':
	case '\t':
		view_console_set_focus(v, d->focus < 0 ? d->last :
		    (d->focus + 1) % d->n);
		return true;
	case 'p':
		view_console_set_focus(v, d->focus < 0 ? d->last :
		    (d->focus + d->n - 1) % d->n);
		return true;
	case '[':
		if (d->focus < 0)
			view_console_set_focus(v, d->last);
		view_console_copy_enter(v, d->panes[d->focus]);
		return true;
	case 'x':
		view_console_remove(v, d->focus >= 0 ? d->focus : d->last);
		return true;
	case 'r':
		p = d->panes[d->focus >= 0 ? d->focus : d->last];
		if (p->ended)
			view_console_reconnect(v, p);
		return true;
	default:
		keys_name(prefix, pk, sizeof pk);
		status_set(t, STATUS_INFO, "After %s: q detach, z zoom, n next pane, "
		    "[ scroll/copy, x close, r reconnect, a send %s", pk, pk);
		return true;
	}
}

static bool
view_console_key(struct view *v, int key)
{
	struct view_console_data *d = view_console_data(v);
	struct tui *t = v->tui;
	struct view *below = view_console_below(v);
	struct view_console_pane *p;
	bool used;
	char q[96];

	if (d->prefix) {
		d->prefix = false;
		t->chrome_dirty = true;
		return view_console_prefix_key(v, key);
	}
	if (key == t->keys[KA_CONSOLE_PREFIX]) {
		d->prefix = true;
		t->chrome_dirty = true;
		return true;
	}
	if (d->focus < 0) {
		if (key == '\t') {
			view_console_set_focus(v, d->last);
			return true;
		}
		if (keys_action(t, key) == KA_QUIT) {
			snprintf(q, sizeof q, "Close %d console pane%s? [y/N]", d->n,
			    d->n == 1 ? "" : "s");
			prompt_confirm(t, q, view_console_close_all_done, v, NULL);
			return true;
		}
		if (below == NULL || below->type->key == NULL)
			return false;
		used = below->type->key(below, key);
		if (view_top(t) == v && below->dirty) {
			if (!v->dirty && !t->full_redraw)
				d->partial_ok = true;
			v->dirty = true;
		}
		return used;
	}
	p = d->panes[d->focus];
	if (key == KEY_RESIZE || key == KEY_MOUSE)
		return true;
	if (p->copy)
		return view_console_copy_key(v, p, key);
	if (p->ended) {
		if (key == 'r')
			view_console_reconnect(v, p);
		else if (key == 'x' || key == 'q')
			view_console_remove(v, d->focus);
		return true;
	}
	if (key == VIEW_CONSOLE_KEY_INTR)
		key = 3;
	if (p->bell) {
		p->bell = false;
		view_console_full(v);
	}
	term_key(p->term, key);
	return true;
}

/* ---- the view ---- */

static void
view_console_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
view_console_init(struct view *v)
{
	struct view_console_data *d = xcalloc(1, sizeof *d);

	d->focus = d->last = -1;
	d->damage = xmalloc(sizeof *d->damage);
	uv_timer_init(v->tui->loop, d->damage);
	d->damage->data = v;
	v->data = d;
}

static void
view_console_free(struct view *v)
{
	struct view_console_data *d = view_console_data(v);
	int i;

	define_key("\003", 0);
	for (i = 0; i < d->n; i++)
		view_console_pane_free(d->panes[i], v->tui);
	uv_timer_stop(d->damage);
	uv_close((uv_handle_t *)d->damage, view_console_timer_closed);
	free(d);
}

static void
view_console_update(struct view *v)
{
	struct view_console_data *d = view_console_data(v);
	const char *st;
	char msg[160];
	int i;

	/* A stop ends a shell before the instance is down: say it when the
	 * list learns it. */
	for (i = 0; i < d->n; i++) {
		struct view_console_pane *p = d->panes[i];

		if (!p->ended || p->noted ||
		    (st = view_console_inst_status(v->tui, p)) == NULL)
			continue;
		p->noted = true;
		snprintf(msg, sizeof msg, "\033[7m[instance \"%s\" is %s]\033[m\r\n",
		    p->inst, st);
		term_write(p->term, msg, strlen(msg));
		view_console_damaged(v);
	}

	if (!v->dirty && !v->tui->full_redraw && d->list_rows > 0)
		d->partial_ok = true;
	v->dirty = true;
}

static const char *
view_console_title(struct view *v)
{
	struct view_console_data *d = view_console_data(v);
	struct view *below = view_console_below(v);
	struct view_console_pane *p;
	char nb[160];

	if (d->focus < 0 && below != NULL && below->type->title != NULL) {
		snprintf(d->title, sizeof d->title, "%s  [%d pane%s]",
		    below->type->title(below), d->n, d->n == 1 ? "" : "s");
		return d->title;
	}
	p = d->panes[d->focus >= 0 ? d->focus : d->last];
	snprintf(d->title, sizeof d->title, "%s %s%s%s", p->shell ? "Shell in" :
	    "Console of", view_console_pane_name(v->tui, p, nb, sizeof nb),
	    d->n > 1 ? "  (more panes: C-a n)" : "",
	    d->zoom ? "  [zoomed]" : "");
	return d->title;
}

static const char *
view_console_hint(struct view *v)
{
	struct view_console_data *d = view_console_data(v);
	struct view *below = view_console_below(v);
	struct tui *t = v->tui;
	struct view_console_pane *p = d->focus >= 0 ? d->panes[d->focus] : NULL;
	char pk[32], dk[32];

	keys_name(t->keys[KA_CONSOLE_PREFIX], pk, sizeof pk);
	keys_name(t->keys[KA_CONSOLE_DETACH], dk, sizeof dk);
	if (d->prefix)
		snprintf(d->hint, sizeof d->hint, "%s detach\tz zoom\tn next pane\t"
		    "[ scroll/copy\tx close\tr reconnect\ta send %s", dk, pk);
	else if (p == NULL)
		snprintf(d->hint, sizeof d->hint, "Tab pane\t%s",
		    below && below->type->hint ? below->type->hint(below) : "");
	else if (p->copy)
		snprintf(d->hint, sizeof d->hint, "j/k/PgUp/PgDn move\tv select\t"
		    "y copy\tq leave");
	else if (p->ended)
		snprintf(d->hint, sizeof d->hint, "r reconnect\tx close\t%s "
		    "%s detach", pk, dk);
	else
		snprintf(d->hint, sizeof d->hint, "%s %s detach\t%s z zoom\t"
		    "%s n next\t%s [ scroll\t%s x close\t%s a send %s", pk, dk, pk,
		    pk, pk, pk, pk, pk);
	return d->hint;
}

const struct view_type view_console_type = {
	.name = "console",
	.init = view_console_init,
	.free = view_console_free,
	.draw = view_console_draw,
	.key = view_console_key,
	.update = view_console_update,
	.title = view_console_title,
	.hint = view_console_hint,
};

void
view_console_open(struct tui *t, const char *inst, bool shell)
{
	struct view *v = view_console_find(t);
	struct view_console_data *d = v ? view_console_data(v) : NULL;
	struct view_console_pane *p;
	struct err e = { 0 };
	char intro[256], pk[32], dk[32];
	int i, rows, body = view_body_rows(t);

	if (t->read_only) {
		status_set(t, STATUS_ERR, "Read-only: no %s in \"%s\"",
		    shell ? "shell" : "console", inst);
		return;
	}
	if (d != NULL && !shell)
		for (i = 0; i < d->n; i++)
			if (!d->panes[i]->shell && d->panes[i]->b == t->b &&
			    strcmp(d->panes[i]->inst, inst) == 0) {
				view_console_set_focus(v, i);
				if (d->panes[i]->ended)
					view_console_reconnect(v, d->panes[i]);
				return;
			}
	if (d != NULL && d->n >= VIEW_CONSOLE_PANES) {
		status_set(t, STATUS_ERR, "Failed to open a %s in \"%s\": %d panes "
		    "at most (C-a x closes one)", shell ? "shell" : "console", inst,
		    VIEW_CONSOLE_PANES);
		return;
	}
	/* The size the layout will give it, so the session starts right. */
	rows = (body - body * 2 / 5) / ((d ? d->n : 0) + 1) - 1;
	p = xcalloc(1, sizeof *p);
	p->inst = xstrdup(inst);
	p->shell = shell;
	p->fd = -1;
	p->mark = p->cur = -1;
	p->term = term_create(rows > 0 ? rows : 1, COLS, VIEW_CONSOLE_SCROLLBACK,
	    view_console_pane_output, p);
	if (view_console_pane_connect(p, t, &e) < 0) {
		status_set(t, STATUS_ERR, "%s", e.msg);
		view_console_pane_free(p, t);
		return;
	}
	keys_name(t->keys[KA_CONSOLE_PREFIX], pk, sizeof pk);
	keys_name(t->keys[KA_CONSOLE_DETACH], dk, sizeof dk);
	if (!shell) {
		snprintf(intro, sizeof intro, "\033[2m[console of %s: Enter for a "
		    "prompt, %s %s detaches]\033[m\r\n", inst, pk, dk);
		term_write(p->term, intro, strlen(intro));
	}
	if (v == NULL) {
		v = view_push(t, &view_console_type, NULL);
		if (v == NULL) {
			status_set(t, STATUS_ERR, "Failed to open a pane: too many views");
			view_console_pane_free(p, t);
			return;
		}
		d = view_console_data(v);
	}
	p->v = v;
	d->panes[d->n++] = p;
	view_console_set_focus(v, d->n - 1);
	view_console_damaged(v);
	status_set(t, STATUS_INFO, "%s \"%s\": %s %s detaches", shell ?
	    "Shell in" : "Console of", inst, pk, dk);
}
