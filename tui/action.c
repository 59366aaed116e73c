/*
 * action.c - lifecycle actions on one or more instances, one table.
 *
 * action_table[] holds each action once: the key that runs it from the
 * list, its verb (the backend's action name and the word in messages), the
 * gerund the status line shows while it runs, whether it asks first, and
 * the backend call.  To add an action: add it to enum action in tui.h and a
 * row here; the list's keys and hint bar find it by its key.
 *
 * Every destructive action asks first, naming the remote and the instances
 * (`Delete instance "web1" on local:? [y/N]`; in a merged list each
 * instance's own remote, its ->remote: `Stop 2 instances (local:web1,
 * lab:db)?`); --read-only refuses them with a status message before
 * anything reaches the backend.  Instances are named by their refs
 * (inst-cache.c): REMOTE:NAME in a merged list, which the multi backend
 * routes.  Each backend call returns an operation id that app.c tracks: its
 * progress shows in the status line and its end (or the backend's error) is
 * reported there.  Launch has its own view (view-launch.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

typedef int (*action_call)(struct backend *, const char *ref, const char *verb,
    char **op, struct err *);

static int
action_call_state(struct backend *b, const char *ref, const char *verb,
    char **op, struct err *e)
{
	/* stop: clean with the backend's default timeout, then it forces by
	 * itself. */
	return b->ops->instance_action(b, ref, verb, -1, false, false, op, e);
}

static int
action_call_delete(struct backend *b, const char *ref, const char *verb,
    char **op, struct err *e)
{
	return b->ops->instance_delete(b, ref, op, e);
}

static const struct {
	enum key_action	 key;		/* KA_NONE: run by another (freeze) */
	const char	*verb;
	const char	*gerund;
	bool		 destructive;
	action_call	 call;
} action_table[ACT__COUNT] = {
	[ACT_START]    = { KA_START, "start", "Starting", false, action_call_state },
	[ACT_STOP]     = { KA_STOP, "stop", "Stopping", true, action_call_state },
	[ACT_RESTART]  = { KA_RESTART, "restart", "Restarting", true,
			   action_call_state },
	[ACT_FREEZE]   = { KA_FREEZE, "freeze", "Freezing", false, action_call_state },
	[ACT_UNFREEZE] = { KA_NONE, "unfreeze", "Unfreezing", false,
			   action_call_state },
	[ACT_DELETE]   = { KA_DELETE, "delete", "Deleting", true, action_call_delete },
};

enum action
action_of_key(enum key_action a)
{
	int i;

	for (i = 0; i < ACT__COUNT; i++)
		if (a != KA_NONE && action_table[i].key == a)
			return (enum action)i;
	return ACT__COUNT;
}

static bool
action_refused(struct tui *t, enum action act)
{
	if (!t->read_only)
		return false;
	status_set(t, STATUS_ERR, "Read-only mode: %s is disabled "
	    "(lxdeck was started with --read-only)", action_table[act].verb);
	return true;
}

void
action_run(struct tui *t, enum action act, const struct strv *refs)
{
	const char *verb = action_table[act].verb;
	struct err e = { 0 };
	char *op, *what;
	size_t i;
	int ok = 0;

	if (!view_writable(t, verb))
		return;
	for (i = 0; i < refs->n; i++) {
		const char *n = refs->v[i];

		op = NULL;
		err_clear(&e);
		if (action_table[act].call(t->b, n, verb, &op, &e) < 0) {
			if (strstr(e.msg, n) != NULL)
				status_set(t, STATUS_ERR, "%s", e.msg);
			else
				status_set(t, STATUS_ERR, "Failed to %s instance \"%s\": %s",
				    verb, n, e.msg);
			continue;
		}
		what = xasprintf("%s instance \"%s\"", action_table[act].gerund, n);
		if (op != NULL)
			app_track_op(t, op, what, NULL);
		free(what);
		ok++;
	}
	if (ok > 0)
		status_clear_info(t);	/* an error of this run stays */
	t->chrome_dirty = true;
}

struct action_arg {
	enum action	 act;
	struct strv	 refs;
};

static void
action_arg_free(void *p)
{
	struct action_arg *a = p;

	strv_free(&a->refs);
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
	action_run(t, a->act, &a->refs);
}

/* "Stop instance "web1" on local:?", "Stop 2 instances (a:x, b:y)?" */
static char *
action_question(struct tui *t, enum action act, const struct strv *refs)
{
	const char *verb = action_table[act].verb;
	const struct instance *in;
	char *q, *list;

	if (refs->n == 1 && backend_multi_is(t->b) &&
	    (in = inst_cache_find(t, refs->v[0])) != NULL && in->remote != NULL)
		/* A merged list: the instance's own remote, not the list's. */
		return xasprintf("%c%s instance \"%s\" on %s:?", verb[0] - 32,
		    verb + 1, in->name, in->remote);
	if (refs->n == 1)
		return xasprintf("%c%s instance \"%s\" on %s:?", verb[0] - 32,
		    verb + 1, refs->v[0], t->remote);
	list = strv_join(refs, ", ");
	if (backend_multi_is(t->b))
		/* Each one as REMOTE:NAME, the way lxc names them. */
		q = xasprintf("%c%s %zu instances (%s)?", verb[0] - 32, verb + 1,
		    refs->n, list);
	else
		q = xasprintf("%c%s %zu instances (%s) on %s:?", verb[0] - 32,
		    verb + 1, refs->n, list, t->remote);
	free(list);
	return q;
}

void
action_confirm(struct tui *t, enum action act, const struct strv *refs)
{
	struct action_arg *a;
	char *q;

	if (refs->n == 0 || action_refused(t, act))
		return;
	if (!action_table[act].destructive) {
		action_run(t, act, refs);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->act = act;
	strv_copy(&a->refs, refs);
	q = action_question(t, act, refs);
	prompt_confirm(t, q, action_confirmed, a, action_arg_free);
	free(q);
}
