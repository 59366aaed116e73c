/*
 * app.c - the program's state and its one event loop.
 *
 * struct tui owns the backend of the current remote (which backends.c
 * opens), the instance cache all views read, and the libuv handles:
 * SIGWINCH/SIGTERM/SIGINT (uv_signal), a uv_prepare that is the "before
 * sleep" draw pass, and the timers; stdin's uv_poll is input.c's to start.  Backend events never redraw directly: a lifecycle event asks
 * for a refresh, and refreshes are coalesced on a timer so a burst of events
 * fetches the list at most ~10 times a second; a slow fallback poll (15 s,
 * LXDECK_POLL_MS overrides it) catches what no event announces: changes
 * made by another process (until the engine forwards those) and DHCP leases.
 * Addresses arrive a second or two after a start, so while a running
 * instance with a nic has no IPv4 a "settle" timer re-fetches with backoff
 * (0.5, 1, 2, 4 s, at most APP_SETTLE_TRIES times per lifecycle change).
 * When nothing happens, no handle is due and the process sleeps in the
 * kernel.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"
#include "../remote/client/client.h"

#define APP_COALESCE_MS		100	/* at most ~10 fetches a second */
#define APP_GATHER_MS		15	/* let a burst arrive before fetching */
#define APP_POLL_MS		15000	/* fallback poll */
#define APP_POLL_MIN_MS		100	/* LXDECK_POLL_MS is clamped to this */
#define APP_SETTLE_FIRST_MS	500
#define APP_SETTLE_MAX_MS	4000
#define APP_SETTLE_TRIES	8

static uint64_t
app_now_ms(struct tui *t)
{
	uv_update_time(t->loop);
	return uv_now(t->loop);
}

static void
app_record_event(struct tui *t, const struct event *ev)
{
	char ts[40], *line = NULL;
	const char *src;

	time_format_rfc3339(ev->timestamp_ns, ts, sizeof ts);
	ts[19] = '\0';	/* seconds are enough on screen */
	if (ev->type == EVENT_LIFECYCLE) {
		src = ev->source ? ev->source : "";
		line = xasprintf("%s lifecycle %-28s %s", ts + 11,
		    ev->action ? ev->action : "", src);
	} else if (ev->type == EVENT_OPERATION && ev->op != NULL) {
		char *res = NULL;
		const char *r = strmap_get(&ev->op->resources, "instances");

		if (r != NULL)
			res = xstrdup(r);
		line = xasprintf("%s operation %-28s %-8s %s%s%s", ts + 11,
		    ev->op->description ? ev->op->description : "",
		    status_code_name(ev->op->status), res ? res : "",
		    ev->op->err && *ev->op->err ? " error: " : "",
		    ev->op->err ? ev->op->err : "");
		free(res);
	} else if (ev->type == EVENT_LOGGING)
		line = xasprintf("%s log %s %s", ts + 11, ev->level ? ev->level : "",
		    ev->message ? ev->message : "");
	if (line == NULL)
		return;
	if (t->events.n >= TUI_EVENTS_MAX) {
		free(t->events.v[0]);
		memmove(t->events.v, t->events.v + 1,
		    (t->events.n - 1) * sizeof *t->events.v);
		t->events.n--;
	}
	strv_push(&t->events, line);
	free(line);
}

static struct tui_op *
app_find_op(struct tui *t, const char *id, struct tui_op ***prevp)
{
	struct tui_op **pp;

	for (pp = &t->ops; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->id, id) == 0) {
			if (prevp != NULL)
				*prevp = pp;
			return *pp;
		}
	return NULL;
}

static void
app_op_free(struct tui_op *o)
{
	free(o->id);
	free(o->what);
	free(o->then_start);
	free(o->progress);
	free(o);
}

/* Keeps the op's latest progress text ("Unpack: 42%") for the status line. */
static void
app_op_progress(struct tui_op *o, const struct op_info *op)
{
	size_t i, l;

	for (i = 0; i < op->metadata.n; i++) {
		l = strlen(op->metadata.keys[i]);
		if (l > 9 && strcmp(op->metadata.keys[i] + l - 9, "_progress") == 0) {
			free(o->progress);
			o->progress = xstrdup(op->metadata.vals[i]);
		}
	}
}

/* The instance an op created: its "instances" resource (caller frees). */
static char *
app_op_instance(const struct op_info *op)
{
	const char *r = strmap_get(&op->resources, "instances"), *p;
	size_t l;

	if (r == NULL || (p = strstr(r, "/1.0/instances/")) == NULL)
		return NULL;
	p += strlen("/1.0/instances/");
	l = strcspn(p, ",/?");
	return l > 0 ? xstrndup(p, l) : NULL;
}

/* The second half of a launch: start what the create op made. */
static void
app_launch_start(struct tui *t, const char *name, const char *what)
{
	struct err e = { 0 };
	char *op = NULL, *w;

	if (t->b == NULL)
		return;
	if (t->b->ops->instance_action(t->b, name, "start", -1, false, false, &op,
	    &e) < 0) {
		status_set(t, STATUS_ERR, "%s: created, but failed to start "
		    "instance \"%s\": %s", what, name, e.msg);
		return;
	}
	if (strstr(what, name) == NULL)	/* the name was generated */
		w = xasprintf("%s as \"%s\" (starting)", what, name);
	else
		w = xasprintf("%s (starting)", what);
	if (op != NULL)
		app_track_op(t, op, w, NULL);
	status_set(t, STATUS_INFO, "%s", w);
	free(w);
}

static void
app_op_event(struct tui *t, const struct op_info *op)
{
	struct tui_op *o, **pp = NULL;
	char *then = NULL;

	if ((o = app_find_op(t, op->id, &pp)) == NULL)
		return;
	o->status = op->status;
	t->chrome_dirty = true;
	app_op_progress(o, op);
	if (op->status < 200)
		return;
	*pp = o->next;
	if (op->status == STATUS_SUCCESS) {
		if (o->then_start == NULL)
			status_set(t, STATUS_INFO, "%s: done", o->what);
		then = o->then_start;
		o->then_start = NULL;
		if (then != NULL && *then == '\0') {
			free(then);
			then = app_op_instance(op);
		}
	} else
		status_set(t, STATUS_ERR, "%s: %s", o->what,
		    op->err && *op->err ? op->err : status_code_name(op->status));
	if (then != NULL)
		app_launch_start(t, then, o->what);
	app_op_free(o);
	free(then);
}

static void
app_event_cb(const struct event *ev, void *arg)
{
	struct tui *t = arg;
	struct view *v = view_top(t);

	app_record_event(t, ev);
	if (ev->type == EVENT_OPERATION && ev->op != NULL) {
		app_op_event(t, ev->op);
		if (ev->op->status >= 200)
			app_request_refresh(t);
	} else if (ev->type == EVENT_LIFECYCLE) {
		t->settle_tries = 0;
		app_request_refresh(t);
	}
	if (v != NULL && strcmp(v->type->name, "ops") == 0 && v->type->update)
		v->type->update(v);
}

void
app_track_op(struct tui *t, char *id, const char *what, const char *then_start)
{
	struct tui_op *o = xcalloc(1, sizeof *o);

	o->id = id;
	o->what = xstrdup(what);
	o->then_start = xstrdup(then_start);
	o->status = STATUS_PENDING;
	o->next = t->ops;
	t->ops = o;
	t->chrome_dirty = true;
}

/* A running instance with a nic whose DHCP lease has not shown up yet. */
static bool
app_awaits_address(const struct instance *in)
{
	size_t i;
	const char *type;

	if (in->status != STATUS_RUNNING || *filter_ipv4(in) != '\0')
		return false;
	for (i = 0; i < in->expanded_devices.n; i++)
		if ((type = strmap_get(&in->expanded_devices.props[i], "type")) != NULL &&
		    strcmp(type, "nic") == 0)
			return true;
	return false;
}

/* Whether the cache (before a re-fetch replaces it) has in running. */
static bool
app_was_running(struct tui *t, const struct instance *in)
{
	const struct instance *was;
	char ref[INST_REF_MAX];

	was = inst_cache_find(t, inst_cache_ref(in, ref, sizeof ref));
	return was != NULL && was->status == STATUS_RUNNING;
}

static void
app_settle_cb(uv_timer_t *h)
{
	app_request_refresh(h->data);
}

/* Schedules the next re-fetch while an address is awaited (see the top). */
static void
app_settle(struct tui *t, bool awaiting)
{
	uint64_t ms;

	if (!awaiting || t->settle_tries >= APP_SETTLE_TRIES) {
		uv_timer_stop(&t->settle);
		return;
	}
	if (uv_is_active((uv_handle_t *)&t->settle))
		return;
	ms = (uint64_t)APP_SETTLE_FIRST_MS << (t->settle_tries < 3 ? t->settle_tries : 3);
	if (ms > APP_SETTLE_MAX_MS)
		ms = APP_SETTLE_MAX_MS;
	t->settle_tries++;
	uv_timer_start(&t->settle, app_settle_cb, ms, 0);
}

void
app_refresh_now(struct tui *t)
{
	struct instance *v = NULL;
	size_t n = 0;
	struct err e = { 0 };
	bool awaiting = false;
	int i;

	if (t->b != NULL) {
		if (t->b->ops->instance_list(t->b,
		    INSTANCE_WITH_STATE | INSTANCE_WITH_SNAPSHOTS, &v, &n, &e) < 0) {
			status_set(t, STATUS_ERR, "Failed to list instances on %s: %s",
			    t->remote, e.msg);
			v = NULL;
			n = 0;
		}
		else if (*backend_multi_warning(t->b) != '\0')
			status_set(t, STATUS_ERR, "Failed to list instances on %s",
			    backend_multi_warning(t->b));
	}
	for (i = 0; i < (int)n; i++)
		if (app_awaits_address(&v[i])) {
			awaiting = true;
			/* Started since the last fetch (maybe by another
			 * process): give its lease a fresh round of tries. */
			if (!app_was_running(t, &v[i]))
				t->settle_tries = 0;
		}
	/* The list keeps what it shows, packed (inst-cache.c): the detail
	 * and snapshot views fetch their own. */
	inst_cache_free(t->insts);
	t->insts = inst_cache_pack(v, n);
	t->ninsts = n;
	instance_array_free(v, n);
	malloc_trim(0);		/* give the fetch's transient copies back */
	t->refreshed_ms = app_now_ms(t);
	t->nrefresh++;
	app_settle(t, awaiting);
	for (i = 0; i < t->depth; i++)
		if (t->stack[i]->type->update != NULL)
			t->stack[i]->type->update(t->stack[i]);
	t->chrome_dirty = true;
}

static void
app_coalesce_cb(uv_timer_t *h)
{
	app_refresh_now(h->data);
}

void
app_request_refresh(struct tui *t)
{
	uint64_t now, delay = APP_GATHER_MS;

	if (uv_is_active((uv_handle_t *)&t->coalesce))
		return;
	now = app_now_ms(t);
	if (t->refreshed_ms + APP_COALESCE_MS > now + delay)
		delay = t->refreshed_ms + APP_COALESCE_MS - now;
	uv_timer_start(&t->coalesce, app_coalesce_cb, delay, 0);
}

static void
app_poll_cb(uv_timer_t *h)
{
	app_request_refresh(h->data);
}

static struct app_hold *
app_hold_find(struct tui *t, struct backend *b)
{
	size_t i;

	for (i = 0; i < t->nholds; i++)
		if (t->holds[i].b == b)
			return &t->holds[i];
	return NULL;
}

void
app_backend_hold(struct tui *t, struct backend *b)
{
	struct app_hold *h = app_hold_find(t, b);

	if (h == NULL) {
		t->holds = xreallocarray(t->holds, t->nholds + 1, sizeof *t->holds);
		h = &t->holds[t->nholds++];
		h->b = b;
		h->n = 0;
	}
	h->n++;
}

void
app_backend_release(struct tui *t, struct backend *b)
{
	struct app_hold *h = app_hold_find(t, b);

	if (h == NULL || --h->n > 0)
		return;
	*h = t->holds[--t->nholds];
	/* Let go of by the list too (switched away): nobody uses it now. */
	if (b != t->b)
		b->ops->free(b);
}

/*
 * What the local engine's host lacks (a "high" warning of warning.c: no
 * user namespaces in a chroot, so privileged containers only), said on
 * the status line when local: opens; acknowledged warnings stay quiet.
 */
static void
app_host_warning(struct tui *t)
{
	struct warning *w = NULL;
	struct err e = { 0 };
	size_t n = 0, i;

	if (t->b == NULL || strcmp(t->b->ops->name, "local") != 0 ||
	    t->b->ops->warning_list == NULL ||
	    t->b->ops->warning_list(t->b, &w, &n, &e) < 0)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(w[i].status, "new") == 0 &&
		    strcmp(w[i].severity, "high") == 0) {
			status_set(t, STATUS_ERR, "%s", w[i].message);
			break;
		}
	warning_array_free(w, n);
}

void
app_connect(struct tui *t, const char *remote)
{
	char *name = xstrdup(remote), *msg;
	struct strv failed = { 0 };

	remote = name;
	if (t->b != NULL) {
		if (t->sub > 0)
			t->b->ops->unsubscribe(t->b, t->sub);
		/* Sessions on it keep it until they end (app_backend_release). */
		if (app_hold_find(t, t->b) == NULL)
			t->b->ops->free(t->b);
		t->b = NULL;
		t->sub = 0;
	}
	err_clear(&t->berr);
	free(t->remote);
	t->b = backends_open(t->loop, remote, t->fake, t->read_only, &t->remote,
	    &failed, &t->berr);
	if (t->b != NULL && failed.n > 0) {
		msg = strv_join(&failed, "; ");
		status_set(t, STATUS_ERR, "Not in the merged list: %s", msg);
		free(msg);
	}
	strv_free(&failed);
	if (t->b != NULL)
		t->sub = t->b->ops->subscribe(t->b, app_event_cb, t);
	else
		status_set(t, STATUS_ERR, "%s: %s", remote, t->berr.msg);
	app_refresh_now(t);
	app_host_warning(t);
	view_all_dirty(t);
	free(name);
}

void
app_quit(struct tui *t)
{
	t->quit = true;
	uv_stop(t->loop);
}

static void
app_sigwinch_cb(uv_signal_t *h, int signo)
{
	screen_resize(h->data);
}

static void
app_sigterm_cb(uv_signal_t *h, int signo)
{
	app_quit(h->data);
}

/* A stable colour per remote: local keeps the title's; others get one of
 * the theme's state colours, by their `color` option in lxdeck's
 * remotes.yml (running/stopped/frozen/busy) or by a hash of the name. */
enum theme_elem
app_remote_color(const char *remote)
{
	static const enum theme_elem palette[] = { TE_RUNNING, TE_FROZEN, TE_BUSY,
	    TE_STOPPED };
	static const char *const names[] = { "running", "frozen", "busy", "stopped" };
	static char cached_name[64];
	static int cached = -1;
	unsigned h = 5381;
	const char *p;
	size_t i;

	if (strcmp(remote, "local") == 0)
		return TE_TITLE;
	if (cached < 0 || strcmp(cached_name, remote) != 0) {
		struct remotes rs;
		const struct remote_conf *rc;

		for (p = remote; *p; p++)
			h = h * 33 + (unsigned char)*p;
		cached = (int)(h % ARRAY_SIZE(palette));
		backends_remotes_load(&rs, NULL, 0);
		rc = backends_remotes_find(&rs, remote);
		for (i = 0; rc && rc->color && i < ARRAY_SIZE(names); i++)
			if (strcmp(rc->color, names[i]) == 0)
				cached = (int)i;
		backends_remotes_free(&rs);
		snprintf(cached_name, sizeof cached_name, "%s", remote);
	}
	return palette[cached];
}

/* The top bar: program, remote, view title, running operations. */
static void
app_draw_title(struct tui *t)
{
	struct view *v = view_top(t);
	char buf[512];

	int x;

	/* The remote's name in its own colour, so a destructive key is never
	 * pressed on the wrong host by mistake. */
	screen_put(t, 0, 0, COLS, TE_TITLE, " lxdeck  ");
	x = 9;
	{
		/* A merged list names each remote, each in its colour. */
		struct strv rs = { 0 };
		size_t i;

		strv_split(&rs, t->remote, ',');
		for (i = 0; i < rs.n && x < COLS; i++) {
			snprintf(buf, sizeof buf, "%s%s:", i ? " " : "", rs.v[i]);
			screen_put(t, 0, x, COLS - x, app_remote_color(rs.v[i]), buf);
			x += (int)strlen(buf);
		}
		strv_free(&rs);
	}
	if (x < COLS) {
		snprintf(buf, sizeof buf, "%s  %s",
		    t->read_only || (t->b && t->b->read_only) ? " [read-only]" : "",
		    v && v->type->title ? v->type->title(v) : "");
		screen_put(t, 0, x, COLS - x, TE_TITLE, buf);
	}
}

/* The hint bar: "k label" pairs, keys highlighted. */
static void
app_draw_hints(struct tui *t)
{
	struct view *v = view_top(t);
	const char *h = v && v->type->hint ? v->type->hint(v) : "";
	char *copy = xstrdup(h), *save = NULL, *tok;
	int x = 0;

	screen_fill(t, LINES - 1, TE_HINT);
	for (tok = strtok_r(copy, "\t", &save); tok != NULL && x < COLS;
	    tok = strtok_r(NULL, "\t", &save)) {
		char *sp = strchr(tok, ' ');
		int kl = sp ? (int)(sp - tok) : (int)strlen(tok);
		char key[32];

		snprintf(key, sizeof key, "%.*s", kl, tok);
		screen_put(t, LINES - 1, x, COLS - x, TE_HINT_KEY, key);
		x += kl;
		if (sp != NULL && x < COLS) {
			int ll = (int)strlen(sp);

			screen_put(t, LINES - 1, x, ll < COLS - x ? ll : COLS - x,
			    TE_HINT, sp);
			x += ll;
		}
		x += 2;
	}
	free(copy);
}

/* Whether what the top bar and the hint bar show changed since they were
 * drawn: a view's frame (a pane's output, a moved selection) mostly leaves
 * them as they are, and drawing them is most of a small frame's cost.  The
 * status line and the prompt mark chrome_dirty themselves when they
 * change. */
static bool
app_chrome_changed(struct tui *t)
{
	struct view *v = view_top(t);
	char sig[sizeof t->chrome_sig];

	snprintf(sig, sizeof sig, "%s\037%d%d%d\037%s\037%s", t->remote,
	    t->read_only, t->b != NULL && t->b->read_only, prompt_active(t),
	    v && v->type->title ? v->type->title(v) : "",
	    v && v->type->hint ? v->type->hint(v) : "");
	if (strcmp(sig, t->chrome_sig) == 0)
		return false;
	memcpy(t->chrome_sig, sig, sizeof sig);
	return true;
}

void
app_draw(struct tui *t)
{
	struct view *v = view_top(t);
	bool drew = false;

	if (t->full_redraw) {
		erase();
		clearok(curscr, TRUE);
		view_all_dirty(t);
		t->chrome_dirty = true;
		t->full_redraw = false;
	}
	if (LINES < 5 || COLS < 20) {
		if (t->chrome_dirty || (v && v->dirty)) {
			erase();
			mvaddnstr(0, 0, "terminal too small", COLS);
			wnoutrefresh(stdscr);
			doupdate();
			t->chrome_dirty = false;
			if (v != NULL)
				v->dirty = false;
		}
		return;
	}
	if (v != NULL && v->dirty) {
		v->type->draw(v, 1, view_body_rows(t));
		v->dirty = false;
		drew = true;
		if (app_chrome_changed(t))	/* titles carry counts */
			t->chrome_dirty = true;
	}
	if (t->chrome_dirty) {
		app_chrome_changed(t);	/* what is drawn now */
		app_draw_title(t);
		if (prompt_active(t))
			prompt_draw(t, LINES - 2);
		else
			status_draw(t, LINES - 2);
		app_draw_hints(t);
		if (prompt_active(t))
			prompt_draw(t, LINES - 2);	/* leaves the cursor there */
		t->chrome_dirty = false;
		drew = true;
	}
	if (drew) {
		wnoutrefresh(stdscr);
		doupdate();
	}
}

static void
app_frame_cb(uv_prepare_t *h)
{
	struct tui *t = h->data;

	if (!t->quit)
		app_draw(t);
}

struct tui *
app_create(uv_loop_t *loop, const char *remote, bool fake, bool read_only)
{
	struct tui *t = xcalloc(1, sizeof *t);

	t->loop = loop;
	t->fake = fake;
	t->read_only = read_only;
	t->remote = xstrdup(remote);
	keys_default(t->keys);
	theme_default(&t->theme);
	uv_timer_init(loop, &t->coalesce);
	uv_timer_init(loop, &t->poll);
	uv_timer_init(loop, &t->status_timer);
	uv_timer_init(loop, &t->settle);
	uv_prepare_init(loop, &t->frame);
	uv_signal_init(loop, &t->sigwinch);
	uv_signal_init(loop, &t->sigterm);
	uv_signal_init(loop, &t->sigint);
	t->coalesce.data = t->poll.data = t->status_timer.data = t->settle.data = t;
	t->frame.data = t->sigwinch.data = t->sigterm.data = t->sigint.data = t;
	return t;
}

/* The fallback poll interval: LXDECK_POLL_MS or APP_POLL_MS. */
static uint64_t
app_poll_ms(void)
{
	const char *env = getenv("LXDECK_POLL_MS");
	char *end = NULL;
	unsigned long long ms;

	if (env == NULL || *env == '\0')
		return APP_POLL_MS;
	ms = strtoull(env, &end, 10);
	if (end == NULL || *end != '\0')
		return APP_POLL_MS;
	return ms < APP_POLL_MIN_MS ? APP_POLL_MIN_MS : ms;
}

/* Starts the UI: signals first, so ncurses leaves SIGWINCH to libuv. */
int
app_start(struct tui *t)
{
	uv_signal_start(&t->sigwinch, app_sigwinch_cb, SIGWINCH);
	uv_signal_start(&t->sigterm, app_sigterm_cb, SIGTERM);
	uv_signal_start(&t->sigint, app_sigterm_cb, SIGINT);
	screen_init(t);
	uv_prepare_start(&t->frame, app_frame_cb);
	uv_timer_start(&t->poll, app_poll_cb, app_poll_ms(), app_poll_ms());
	view_push(t, &view_list_type, NULL);
	app_connect(t, t->remote);
	if (t->warnings.n > 0 && t->b != NULL)
		status_set(t, STATUS_ERR, "%s", t->warnings.v[t->warnings.n - 1]);
	return 0;
}

void
app_free(struct tui *t)
{
	struct tui_op *o;

	if (t == NULL)
		return;
	prompt_free(t);
	while (t->depth > 0)
		view_pop(t);
	if (t->b != NULL) {
		if (t->sub > 0)
			t->b->ops->unsubscribe(t->b, t->sub);
		t->b->ops->free(t->b);
		t->b = NULL;
	}
	screen_end(t);
	uv_close((uv_handle_t *)&t->coalesce, NULL);
	uv_close((uv_handle_t *)&t->poll, NULL);
	uv_close((uv_handle_t *)&t->status_timer, NULL);
	uv_close((uv_handle_t *)&t->settle, NULL);
	uv_close((uv_handle_t *)&t->frame, NULL);
	uv_close((uv_handle_t *)&t->sigwinch, NULL);
	uv_close((uv_handle_t *)&t->sigterm, NULL);
	uv_close((uv_handle_t *)&t->sigint, NULL);
	if (uv_is_active((uv_handle_t *)&t->stdin_poll) ||
	    t->stdin_poll.data == t)
		uv_close((uv_handle_t *)&t->stdin_poll, NULL);
	uv_run(t->loop, UV_RUN_DEFAULT);
	while ((o = t->ops) != NULL) {
		t->ops = o->next;
		app_op_free(o);
	}
	inst_cache_free(t->insts);
	free(t->holds);
	free(t->remote);
	free(t->status_msg);
	free(t->theme_arg);
	strv_free(&t->cmd_history);
	strv_free(&t->filter_history);
	strv_free(&t->events);
	strv_free(&t->warnings);
	theme_free(&t->theme);
	free(t);
}
