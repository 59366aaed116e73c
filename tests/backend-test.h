/*
 * backend-test.h - what the programs that drive a struct backend in the
 * tests share (the unit tests of the fake and multi backends, rctl against
 * a remote): an event recorder to subscribe with, an instance's status in
 * one call, a list lookup, the end of an operation and of a backend.
 * Static functions only: include it in one .c file per program, after
 * core/core.h.
 */
#ifndef LXDECK_BACKEND_TEST_H
#define LXDECK_BACKEND_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

/* What backend_test_on_event saw: counts and the last of each kind. */
struct backend_test_seen {
	int	 lifecycle;		/* lifecycle events */
	int	 ops;			/* operation events */
	int	 final_ok;		/* operation events with STATUS_SUCCESS */
	char	 last_action[64];	/* the last lifecycle event's action */
	char	 last_source[128];	/* and its source */
	char	 last_op[128];		/* the last operation event's id */
	char	 last_res[256];		/* and its "instances" resource */
	char	 actions[2048];		/* every lifecycle action, space-separated */
};

/* An event callback; ARG is a struct backend_test_seen. */
static inline void
backend_test_on_event(const struct event *ev, void *arg)
{
	struct backend_test_seen *s = arg;
	const char *r;

	if (ev->type == EVENT_LIFECYCLE) {
		s->lifecycle++;
		snprintf(s->last_action, sizeof s->last_action, "%s", ev->action);
		snprintf(s->last_source, sizeof s->last_source, "%s", ev->source);
		if (strlen(s->actions) + strlen(ev->action) + 2 < sizeof s->actions) {
			strcat(s->actions, ev->action);
			strcat(s->actions, " ");
		}
	} else if (ev->type == EVENT_OPERATION) {
		s->ops++;
		if (ev->op == NULL)	/* a remote may send one without */
			return;
		if (ev->op->status == STATUS_SUCCESS)
			s->final_ok++;
		snprintf(s->last_op, sizeof s->last_op, "%s", ev->op->id);
		r = strmap_get(&ev->op->resources, "instances");
		snprintf(s->last_res, sizeof s->last_res, "%s", r ? r : "");
	}
}

/* The instance NAME in the list V of N, or NULL (borrowed). */
static inline struct instance *
backend_test_find(struct instance *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* NAME's status code on B, or -1 when B cannot get it. */
static inline int
backend_test_status(struct backend *b, const char *name)
{
	struct instance *in = NULL;
	struct err e = { 0 };
	int st;

	if (b->ops->instance_get(b, name, 0, &in, &e) < 0)
		return -1;
	st = in->status;
	instance_free(in);
	return st;
}

/* Waits up to 2 s for the operation *OPP and frees it (*OPP is NULL
 * after).  Returns what op_wait returned. */
static inline int
backend_test_wait(struct backend *b, char **opp, struct err *e)
{
	int rc = b->ops->op_wait(b, *opp, 2000, NULL, e);

	free(*opp);
	*opp = NULL;
	return rc;
}

/* Frees B, lets LOOP run what that left and closes it: uv_loop_close's
 * answer (0 when nothing was left open). */
static inline int
backend_test_close(struct backend *b, uv_loop_t *loop)
{
	b->ops->free(b);
	uv_run(loop, UV_RUN_DEFAULT);
	return uv_loop_close(loop);
}
#endif
