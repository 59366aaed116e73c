/*
 * api-operations.c - /1.0/operations: list, get, cancel, wait, websocket.
 *
 * Operations live in the backend, except the tokens the server keeps
 * itself (image download tokens in image-secret.c, trust tokens in
 * trust.c), which the list, GET, DELETE and /wait also reach (a token's
 * /wait answers at once: it never ends on its own); this file shows them
 * in LXD's shapes and
 * keeps the requests that wait for one to end: GET .../wait (with its
 * timeout, after which it answers 200 with the op as it is, as LXD does)
 * and handlers that answer synchronously for an operation the backend
 * runs asynchronously (instance PATCH).  Waiters are woken by the
 * backend's operation events; a waiter whose client leaves is dropped
 * through the request's on_abort.
 *
 * An untrusted caller reaches only /wait with ?secret= (server.c), and, as
 * in LXD 5.0, only for an operation whose metadata.secret is that secret,
 * i.e. a token it already holds; an exec's websocket secrets do not open
 * its operation, and a missing operation answers as a hidden one does (403
 * "not authorized", where LXD says 404 "Operation not found").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "server.h"

struct op_waiter {
	struct ops_state	*st;
	struct request		*req;
	char			*op_id;
	op_done_cb		 cb;
	void			*arg;
	uv_timer_t		*timer;		/* /wait with a timeout */
	struct op_waiter	*next, *prev;
};

struct ops_state {
	struct op_waiter	*waiters;
};

static struct ops_state *
api_operations_state(struct server *s)
{
	struct ops_state **st = (struct ops_state **)server_api_state(s,
	    &api_operations_family);

	if (*st == NULL)
		*st = xcalloc(1, sizeof **st);
	return *st;
}

static void
api_operations_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
api_operations_unlink(struct op_waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		w->st->waiters = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	if (w->timer != NULL)
		uv_close((uv_handle_t *)w->timer, api_operations_timer_closed);
	if (w->req != NULL) {
		w->req->on_abort = NULL;
		w->req->abort_arg = NULL;
	}
	free(w->op_id);
	free(w);
}

static void
api_operations_abort(struct request *r, void *arg)
{
	api_operations_unlink(arg);
}

/* server_free: the waiters still there (nobody will be told now) and the
 * state. */
static void
api_operations_free_all(struct server *srv)
{
	struct ops_state **slot = (struct ops_state **)server_api_state(srv,
	    &api_operations_family);
	struct ops_state *st = *slot;

	if (st == NULL)
		return;
	while (st->waiters != NULL)
		api_operations_unlink(st->waiters);
	free(st);
	*slot = NULL;
}

/* A waiter of op_id; of request r too, when r is not NULL (told if its
 * client leaves). */
static struct op_waiter *
api_operations_add_waiter(struct server *s, struct request *r, const char *op_id,
    op_done_cb cb, void *arg)
{
	struct ops_state *st = api_operations_state(s);
	struct op_waiter *w = xcalloc(1, sizeof *w);

	w->st = st;
	w->req = r;
	w->op_id = xstrdup(op_id);
	w->cb = cb;
	w->arg = arg;
	w->next = st->waiters;
	if (st->waiters != NULL)
		st->waiters->prev = w;
	st->waiters = w;
	if (r != NULL) {
		r->on_abort = api_operations_abort;
		r->abort_arg = w;
	}
	return w;
}

/* cb now when op_id is final, else once it is. */
static int
api_operations_follow(struct server *s, struct request *r, const char *op_id,
    op_done_cb cb, void *arg, struct err *e)
{
	struct backend *be = server_backend(s);
	struct op_info op = { 0 };

	if (be->ops->op_get(be, op_id, &op, e) < 0)
		return -1;
	if (op.status >= 200) {
		cb(s, &op, arg);
		op_info_free_contents(&op);
		return 0;
	}
	op_info_free_contents(&op);
	api_operations_add_waiter(s, r, op_id, cb, arg);
	return 0;
}

int
api_operations_watch(struct server *s, const char *op_id, op_done_cb cb, void *arg,
    struct err *e)
{
	return api_operations_follow(s, NULL, op_id, cb, arg, e);
}

int
api_operations_when_done(struct request *r, const char *op_id, op_done_cb cb,
    void *arg, struct err *e)
{
	return api_operations_follow(r->srv, r, op_id, cb, arg, e);
}

static void
api_operations_on_event(struct server *s, const struct event *ev)
{
	struct ops_state *st = api_operations_state(s);
	struct op_waiter *w, *next;

	if (ev->type != EVENT_OPERATION || ev->op == NULL || ev->op->status < 200)
		return;
	for (w = st->waiters; w != NULL; w = next) {
		op_done_cb cb;
		void *arg;

		next = w->next;
		if (strcmp(w->op_id, ev->op->id) != 0)
			continue;
		cb = w->cb;
		arg = w->arg;
		api_operations_unlink(w);
		cb(s, ev->op, arg);
		/* cb may have changed the list: start over from the head. */
		next = st->waiters;
	}
}

static json_object *
api_operations_encode(struct server *s, const struct op_info *op)
{
	return codec_op_encode(op, server_op_extra(s, op->id));
}

/* A token the server keeps itself (new reference), or NULL. */
static json_object *
api_operations_token(struct server *s, const char *id)
{
	json_object *o = server_op_get(s, id);

	return o != NULL ? o : trust_token_op(server_trust(s), id);
}

static void
api_operations_list_add(json_object *out, const char *status, json_object *v)
{
	json_object *list = NULL;

	if (!json_object_object_get_ex(out, status, &list)) {
		list = json_object_new_array();
		json_object_object_add(out, status, list);
	}
	json_object_array_add(list, v);
}

int
api_operations_list(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct op_info *ops = NULL;
	size_t n = 0, i;
	json_object *out = json_object_new_object();
	int rec = request_recursion(r);

	if (request_project_is_default(r) &&
	    be->ops->op_list(be, &ops, &n, e) < 0) {
		json_object_put(out);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char key[32];
		const char *name = status_code_name(ops[i].status);
		json_object *list = NULL;
		size_t k;

		for (k = 0; name[k] != '\0' && k < sizeof key - 1; k++)
			key[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ?
			    name[k] - 'A' + 'a' : name[k]);
		key[k] = '\0';
		if (!json_object_object_get_ex(out, key, &list)) {
			list = json_object_new_array();
			json_object_object_add(out, key, list);
		}
		if (rec >= 1) {
			json_object_array_add(list, api_operations_encode(r->srv, &ops[i]));
		} else {
			char *url = xasprintf("/1.0/operations/%s", ops[i].id);

			json_object_array_add(list, codec_string(url));
			free(url);
		}
	}
	op_info_array_free(ops, n);
	/* Trust tokens: `lxc config trust list-tokens` finds them here. */
	if (request_project_is_default(r)) {
		json_object *toks = trust_tokens_json(server_trust(r->srv));
		size_t k;

		for (k = 0; k < json_object_array_length(toks); k++) {
			json_object *op = json_object_array_get_idx(toks, k);
			const char *id = json_object_get_string(
			    json_object_object_get(op, "id"));

			if (rec >= 1) {
				api_operations_list_add(out, "running", json_object_get(op));
			} else {
				char *url = xasprintf("/1.0/operations/%s", id);

				api_operations_list_add(out, "running", codec_string(url));
				free(url);
			}
		}
		json_object_put(toks);
	}
	response_sync(r, out, NULL);
	return 0;
}

/* The backend's operation params[0] into *op (1), or else a token the
 * server keeps itself, answered here (0); -1 when there is neither. */
static int
api_operations_lookup(struct request *r, struct op_info *op, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	json_object *tok;

	if (be->ops->op_get(be, r->params[0], op, e) >= 0)
		return 1;
	tok = api_operations_token(r->srv, r->params[0]);
	if (tok == NULL)
		return -1;
	err_clear(e);
	response_sync(r, tok, NULL);
	return 0;
}

int
api_operations_get(struct request *r, struct err *e)
{
	struct op_info op = { 0 };
	int rc = api_operations_lookup(r, &op, e);

	if (rc <= 0)
		return rc;
	response_sync(r, api_operations_encode(r->srv, &op), NULL);
	op_info_free_contents(&op);
	return 0;
}

int
api_operations_delete(struct request *r, struct err *e)
{
	struct backend *be = server_backend(r->srv);

	if (server_op_cancel(r->srv, r->params[0]) ||
	    trust_token_cancel(server_trust(r->srv), r->params[0])) {
		response_empty(r);
		return 0;
	}
	if (be->ops->op_cancel(be, r->params[0], e) < 0)
		return -1;
	response_empty(r);
	return 0;
}

static void
api_operations_wait_done(struct server *s, const struct op_info *op, void *arg)
{
	struct request *r = arg;

	response_sync(r, api_operations_encode(s, op), NULL);
}

static void
api_operations_wait_timeout(uv_timer_t *t)
{
	struct op_waiter *w = t->data;
	struct request *r = w->req;
	struct backend *be = server_backend(r->srv);
	struct op_info op = { 0 };
	struct err e = { 0 };

	api_operations_unlink(w);
	if (be->ops->op_get(be, r->params[0], &op, &e) < 0) {
		response_error(r, &e);
		return;
	}
	response_sync(r, api_operations_encode(r->srv, &op), NULL);
	op_info_free_contents(&op);
}

/* An untrusted caller: only a token whose secret it names. */
static int
api_operations_wait_untrusted(struct request *r, struct err *e)
{
	const char *secret = request_query(r, "secret");
	json_object *tok = NULL, *meta = NULL, *s = NULL;

	if (secret != NULL && *secret != '\0')
		tok = api_operations_token(r->srv, r->params[0]);
	if (tok != NULL && json_object_object_get_ex(tok, "metadata", &meta) &&
	    json_object_object_get_ex(meta, "secret", &s) &&
	    json_object_is_type(s, json_type_string) &&
	    trust_secret_equal(json_object_get_string(s), secret)) {
		response_sync(r, tok, NULL);
		return 0;
	}
	json_object_put(tok);
	return err_set(e, 403, "not authorized");
}

int
api_operations_wait(struct request *r, struct err *e)
{
	const char *t = request_query(r, "timeout");
	struct op_info op = { 0 };
	struct op_waiter *w;
	long long timeout = -1;
	int rc;

	if (!request_peer(r)->trusted)
		return api_operations_wait_untrusted(r, e);
	if (t != NULL && *t != '\0') {
		char *end;

		errno = 0;
		timeout = strtoll(t, &end, 10);
		if (errno != 0 || *end != '\0' || timeout < -1)
			return err_set(e, 400, "Invalid timeout \"%s\"", t);
	}
	rc = api_operations_lookup(r, &op, e);
	if (rc <= 0)
		return rc;
	if (op.status >= 200 || timeout == 0) {
		response_sync(r, api_operations_encode(r->srv, &op), NULL);
		op_info_free_contents(&op);
		return 0;
	}
	op_info_free_contents(&op);
	w = api_operations_add_waiter(r->srv, r, r->params[0], api_operations_wait_done,
	    r);
	if (timeout > 0) {
		if (timeout > 86400 * 30)
			timeout = 86400 * 30;
		w->timer = xcalloc(1, sizeof *w->timer);
		uv_timer_init(server_loop(r->srv), w->timer);
		w->timer->data = w;
		uv_timer_start(w->timer, api_operations_wait_timeout,
		    (uint64_t)timeout * 1000, 0);
	}
	return 0;
}

int
api_operations_websocket(struct request *r, struct err *e)
{
	const char *secret = request_query(r, "secret");

	if (!r->http->upgrade)
		return err_set(e, 400, "This endpoint needs a websocket upgrade");
	return server_op_websocket(r, secret, e);
}

const struct api_family api_operations_family = {
	.name = "operations",
	.on_event = api_operations_on_event,
	.free_all = api_operations_free_all,
	.free_after_ws = true,
};
