/*
 * action.c - lifecycle actions on one or more instances.
 *
 * Every destructive action asks first, naming the remote and the instances
 * (`Delete instance "web1" on local:? [y/N]`; in a merged list each
 * instance's own remote: `Stop 2 instances (local:web1, lab:db)?`);
 * --read-only refuses them with a status message before anything reaches
 * the backend.  Each backend call
 * returns an operation id that app.c tracks: its progress shows in the status
 * line and its end (or the backend's error) is reported there.  Launch has
 * its own view (view-launch.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

struct action_arg {
	char		*verb;
	struct strv	 names;
};

static const char *
action_gerund(const char *verb)
{
	if (strcmp(verb, "start") == 0)
		return "Starting";
	if (strcmp(verb, "stop") == 0)
		return "Stopping";
	if (strcmp(verb, "restart") == 0)
		return "Restarting";
	if (strcmp(verb, "freeze") == 0)
		return "Freezing";
	if (strcmp(verb, "unfreeze") == 0)
		return "Unfreezing";
	if (strcmp(verb, "delete") == 0)
		return "Deleting";
	if (strcmp(verb, "snapshot") == 0)
		return "Snapshotting";
	return "Changing";
}

bool
action_is_destructive(const char *verb)
{
	return strcmp(verb, "stop") == 0 || strcmp(verb, "restart") == 0 ||
	    strcmp(verb, "delete") == 0;
}

void
action_run(struct tui *t, const char *verb, const struct strv *names)
{
	struct err e = { 0 };
	char *op, *what;
	size_t i;
	int rc, ok = 0;

	if (t->b == NULL) {
		status_set(t, STATUS_ERR, "%s: %s", t->remote, t->berr.msg);
		return;
	}
	if (t->read_only) {
		status_set(t, STATUS_ERR, "Read-only mode: %s is disabled "
		    "(lxdeck was started with --read-only)", verb);
		return;
	}
	for (i = 0; i < names->n; i++) {
		const char *n = names->v[i];

		op = NULL;
		err_clear(&e);
		if (strcmp(verb, "delete") == 0)
			rc = t->b->ops->instance_delete(t->b, n, &op, &e);
		else if (strcmp(verb, "snapshot") == 0)
			rc = t->b->ops->snapshot_create(t->b, n, NULL, false, 0, &op, &e);
		else
			/* stop: clean with the backend's default timeout, then
			 * it forces by itself. */
			rc = t->b->ops->instance_action(t->b, n, verb, -1, false,
			    false, &op, &e);
		if (rc < 0) {
			if (strstr(e.msg, n) != NULL)
				status_set(t, STATUS_ERR, "%s", e.msg);
			else
				status_set(t, STATUS_ERR, "Failed to %s instance \"%s\": %s",
				    verb, n, e.msg);
			continue;
		}
		what = xasprintf("%s instance \"%s\"", action_gerund(verb), n);
		if (op != NULL)
			app_track_op(t, op, what, NULL);
		free(what);
		ok++;
	}
	if (ok > 0 && !(t->status_msg != NULL && t->status_level == STATUS_ERR &&
	    app_now_ms(t) < t->status_until_ms)) {
		free(t->status_msg);
		t->status_msg = NULL;
	}
	t->chrome_dirty = true;
}

static void
action_arg_free(void *p)
{
	struct action_arg *a = p;

	free(a->verb);
	strv_free(&a->names);
	free(a);
}

static void
action_confirmed(struct tui *t, const char *answer, void *p)
{
	struct action_arg *a = p;

	if (answer == NULL) {
		status_set(t, STATUS_INFO, "Cancelled: nothing was changed");
		return;
	}
	action_run(t, a->verb, &a->names);
}

void
action_confirm(struct tui *t, const char *verb, const struct strv *names)
{
	struct action_arg *a;
	const char *colon;
	char *q, *list;

	if (names->n == 0)
		return;
	if (t->read_only) {
		status_set(t, STATUS_ERR, "Read-only mode: %s is disabled "
		    "(lxdeck was started with --read-only)", verb);
		return;
	}
	if (!action_is_destructive(verb)) {
		action_run(t, verb, names);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->verb = xstrdup(verb);
	strv_copy(&a->names, names);
	if (names->n == 1 && backend_multi_is(t->b) &&
	    (colon = strchr(names->v[0], ':')) != NULL)
		/* A merged list: the instance's own remote, not the list's. */
		q = xasprintf("%c%s instance \"%s\" on %.*s:?", verb[0] - 32,
		    verb + 1, colon + 1, (int)(colon - names->v[0]), names->v[0]);
	else if (names->n == 1)
		q = xasprintf("%c%s instance \"%s\" on %s:?", verb[0] - 32, verb + 1,
		    names->v[0], t->remote);
	else if (backend_multi_is(t->b)) {
		/* Each one as REMOTE:NAME, the way lxc names them. */
		list = strv_join(names, ", ");
		q = xasprintf("%c%s %zu instances (%s)?", verb[0] - 32, verb + 1,
		    names->n, list);
		free(list);
	} else {
		list = strv_join(names, ", ");
		q = xasprintf("%c%s %zu instances (%s) on %s:?", verb[0] - 32,
		    verb + 1, names->n, list, t->remote);
		free(list);
	}
	prompt_confirm(t, q, action_confirmed, a, action_arg_free);
	free(q);
}
