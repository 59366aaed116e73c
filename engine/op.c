/*
 * op.c - operations, as LXD has them.
 *
 * Every slow action is an operation with a UUID, a status that moves
 * Pending -> Running -> Success | Failure | Cancelled, metadata (progress
 * texts, results such as a published fingerprint or an exec's return) and
 * an error text.  Each change is announced as an EVENT_OPERATION carrying
 * the whole op, so a client that follows events has the complete final op
 * in the last event.  Finished ops stay visible for OP_KEEP_MS, then go.
 *
 * The work itself runs in a helper process (op-worker.c) so that liblxc's
 * forks, waits and file locks never block the caller's loop; op_wait_id()
 * can also drive an op to its end without the loop, by reading its helper's
 * socket directly, which is what synchronous callers (tests, the CLI) use.
 * The op list is per process: ops live as long as the process that started
 * them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "op-internal.h"

#define OP_KEEP_MS	5000

struct op *
op_find(struct engine *e, const char *id)
{
	struct op *op;

	for (op = e->ops; op != NULL; op = op->next)
		if (strcmp(op->info.id, id) == 0)
			return op;
	return NULL;
}

struct op_info *
op_find_info(struct engine *e, const char *id)
{
	struct op *op = op_find(e, id);

	return op ? &op->info : NULL;
}

void
op_update(struct engine *e, const char *id)
{
	struct op *op = op_find(e, id);
	struct event ev = {
		.type = EVENT_OPERATION,
		.project = "default",
		.location = "none",
	};

	if (op == NULL)
		return;
	op->info.updated_ns = time_now_ns();
	ev.timestamp_ns = op->info.updated_ns;
	ev.op = &op->info;
	event_emit(e, &ev);
}

static void
op_handle_closed(uv_handle_t *h)
{
	free(h);
}

static void
op_unlink(struct engine *e, struct op *op)
{
	struct op **pp;

	for (pp = &e->ops; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == op) {
			*pp = op->next;
			break;
		}
	}
}

static void
op_destroy(struct op *op)
{
	if (op->poll != NULL)
		uv_close((uv_handle_t *)op->poll, op_handle_closed);
	if (op->timer != NULL)
		uv_close((uv_handle_t *)op->timer, op_handle_closed);
	if (op->fd >= 0)
		close(op->fd);
	if (op->spec.free_arg != NULL && op->spec.arg != NULL)
		op->spec.free_arg(op->spec.arg);
	free(op->rx);
	op_info_free_contents(&op->info);
	free(op);
}

static void
op_expire(uv_timer_t *t)
{
	struct op *op = t->data;
	struct engine *e = op->engine;

	op_unlink(e, op);
	op_destroy(op);
}

static void
op_deferred_event(uv_timer_t *t)
{
	struct op *op = t->data;

	op_update(op->engine, op->info.id);
	uv_timer_start(op->timer, op_expire, OP_KEEP_MS, 0);
}

/* The op is final: run done(), announce it, keep it for a while. */
void
op_finalize(struct engine *e, struct op *op, bool defer_event)
{
	if (op->final)
		return;
	op->final = true;
	op->info.may_cancel = false;
	if (op->spec.done != NULL)
		op->spec.done(e, &op->info, op->spec.arg);
	if (op->timer == NULL) {
		op->timer = xmalloc(sizeof *op->timer);
		uv_timer_init(e->loop, op->timer);
		op->timer->data = op;
	}
	if (defer_event) {
		uv_timer_start(op->timer, op_deferred_event, 0, 0);
	} else {
		op_update(e, op->info.id);
		uv_timer_start(op->timer, op_expire, OP_KEEP_MS, 0);
	}
}

void
op_finish(struct engine *e, const char *id, int status, const char *errmsg)
{
	struct op *op = op_find(e, id);

	if (op == NULL || op->final)
		return;
	op->info.status = status;
	free(op->info.err);
	op->info.err = xstrdup(errmsg ? errmsg : "");
	op_finalize(e, op, false);
}

static struct op *
op_new(struct engine *e, const struct op_spec *spec)
{
	struct op *op = xcalloc(1, sizeof *op);
	char id[37];

	util_uuid_v4(id);
	op->engine = e;
	op->fd = -1;
	op->pid = -1;
	op->spec = *spec;
	op->info.id = xstrdup(id);
	op->info.cls = spec->cls;
	op->info.description = xstrdup(spec->description);
	op->info.created_ns = op->info.updated_ns = time_now_ns();
	op->info.status = STATUS_RUNNING;
	op->info.err = xstrdup("");
	op->info.location = xstrdup("none");
	if (spec->resource_type != NULL && spec->resource != NULL) {
		char *v = spec->resource2 ?
		    xasprintf("%s,%s", spec->resource, spec->resource2) :
		    xstrdup(spec->resource);

		strmap_set(&op->info.resources, spec->resource_type, v);
		if (strcmp(spec->resource_type, "instances") == 0) {
			/* LXD lists both spellings. */
			struct strv urls = { 0 }, alias = { 0 };
			char *c;
			size_t i;

			strv_split(&urls, v, ',');
			for (i = 0; i < urls.n; i++) {
				char *u = strncmp(urls.v[i], "/1.0/instances/", 15) == 0 ?
				    xasprintf("/1.0/containers/%s", urls.v[i] + 15) :
				    xstrdup(urls.v[i]);

				strv_push(&alias, u);
				free(u);
			}
			c = strv_join(&alias, ",");
			strmap_set(&op->info.resources, "containers", c);
			free(c);
			strv_free(&urls);
			strv_free(&alias);
		}
		free(v);
	}
	op->next = e->ops;
	e->ops = op;
	return op;
}

struct op_info *
op_register(struct engine *e, const struct op_spec *spec)
{
	struct op *op = op_new(e, spec);

	op_update(e, op->info.id);
	return &op->info;
}

/* What the helper wrote: each progress line is an op event, its end
 * finalizes the op. */
static void
op_read(struct engine *e, struct op *op)
{
	int r;

	while ((r = op_worker_read(e, op)) == OP_WORKER_PROGRESS)
		op_update(e, op->info.id);
	if (r == OP_WORKER_END)
		op_finalize(e, op, false);
}

static void
op_readable(uv_poll_t *h, int status, int events)
{
	struct op *op = h->data;

	op_read(op->engine, op);
}

int
op_start(struct engine *e, const struct op_spec *spec, char **id, struct err *err)
{
	struct op *op;

	if (id != NULL)
		*id = NULL;
	op = op_new(e, spec);
	if (spec->in_process) {
		struct op_result res = { .progress_fd = -1 };
		struct err werr = { 0 };

		if (spec->work(e, spec->arg, &res, &werr) < 0) {
			op->info.status = STATUS_FAILURE;
			free(op->info.err);
			op->info.err = xstrdup(werr.msg);
		} else {
			op->info.status = STATUS_SUCCESS;
		}
		strmap_merge(&op->info.metadata, &res.metadata);
		op->info.has_return = res.has_return;
		op->info.ret = res.ret;
		strmap_free(&res.metadata);
		if (id != NULL)
			*id = xstrdup(op->info.id);
		op_finalize(e, op, true);
		return 0;
	}
	if (op_worker_spawn(e, op, op_readable, err) < 0) {
		op_unlink(e, op);
		op_destroy(op);
		return -1;
	}
	if (id != NULL)
		*id = xstrdup(op->info.id);
	op_update(e, op->info.id);
	return 0;
}

int
op_start_instance(struct engine *e, const char *inst, const struct op_spec *tmpl,
    char **id, struct err *err)
{
	struct op_spec spec = *tmpl;
	char *url = xasprintf("/1.0/instances/%s", inst);
	int rc;

	spec.resource_type = "instances";
	spec.resource = url;
	rc = op_start(e, &spec, id, err);
	free(url);
	return rc;
}

int
op_list_all(struct engine *e, struct op_info **out, size_t *n, struct err *err)
{
	struct op *op;
	size_t count = 0, i = 0;

	for (op = e->ops; op != NULL; op = op->next)
		count++;
	*out = count ? xcalloc(count, sizeof **out) : NULL;
	for (op = e->ops; op != NULL; op = op->next)
		op_info_copy(&(*out)[i++], &op->info);
	*n = count;
	return 0;
}

int
op_get_info(struct engine *e, const char *id, struct op_info *out, struct err *err)
{
	struct op *op = op_find(e, id);

	if (op == NULL)
		return err_set(err, 404, "Operation not found");
	op_info_copy(out, &op->info);
	return 0;
}

int
op_cancel_id(struct engine *e, const char *id, struct err *err)
{
	struct op *op = op_find(e, id);

	if (op == NULL)
		return err_set(err, 404, "Operation not found");
	if (op->final)
		return err_set(err, 400, "Operation \"%s\" has already finished", id);
	if (!op->info.may_cancel)
		return err_set(err, 400, "Operation \"%s\" can't be cancelled", id);
	if (op->pid > 0)
		kill(op->pid, SIGTERM);
	op->info.status = STATUS_CANCELLED;
	free(op->info.err);
	op->info.err = xstrdup("Operation cancelled");
	op->cancelled = true;
	if (op->pid <= 0)
		op_finalize(e, op, false);
	return 0;
}

int
op_wait_id(struct engine *e, const char *id, int timeout_ms, struct op_info *out,
    struct err *err)
{
	struct op *op = op_find(e, id);
	int64_t deadline = timeout_ms < 0 ? INT64_MAX :
	    time_now_ns() + (int64_t)timeout_ms * 1000000;

	if (op == NULL)
		return err_set(err, 404, "Operation not found");
	while (!op->final) {
		int64_t left = deadline - time_now_ns();

		if (left <= 0)
			break;
		if (op->fd >= 0) {
			struct pollfd pfd = { .fd = op->fd, .events = POLLIN };
			int ms = left / 1000000 > 1000 ? 1000 : (int)(left / 1000000) + 1;

			if (poll(&pfd, 1, ms) > 0)
				op_read(e, op);
		} else {
			/* Driven by someone else (exec): let the loop turn. */
			uv_run(e->loop, UV_RUN_NOWAIT);
			usleep(2000);
		}
	}
	if (out != NULL)
		op_info_copy(out, &op->info);
	if (!op->final)
		return err_set(err, 408, "Timed out waiting for operation \"%s\"", id);
	if (op->info.status != STATUS_SUCCESS)
		return err_set(err, op->info.status == STATUS_CANCELLED ? 400 :
		    (op->err_code ? op->err_code : 500), "%s", op->info.err);
	return 0;
}

void
op_free_all(struct engine *e)
{
	struct op *op, *next;

	for (op = e->ops; op != NULL; op = next) {
		next = op->next;
		op_destroy(op);
	}
	e->ops = NULL;
}
