/*
 * api-events.c - GET /1.0/events, the events websocket.
 *
 * Every subscriber is a websocket with the event types it asked for
 * (?type=a,b; all when absent) and its project.  The server receives each
 * backend event once (server.c) and this file encodes it once and queues
 * it on every matching socket as one text frame: the JSON object and a
 * newline.  A subscriber that stops reading is dropped once its queue
 * passes WS_MAX_QUEUE rather than growing without bound.  `lxc` opens this
 * socket before every asynchronous request and learns that an operation
 * ended from it, so operation events carry the complete operation.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define EVENTS_LIFECYCLE	0x1
#define EVENTS_OPERATION	0x2
#define EVENTS_LOGGING		0x4

struct events_sub {
	struct events_state	*st;
	struct ws		*ws;
	unsigned		 types;
	char			*project;	/* NULL: all projects */
	struct events_sub	*next, *prev;
};

struct events_state {
	struct events_sub	*subs;
};

struct events_pending {
	struct server	*srv;
	unsigned	 types;
	char		*project;
};

static struct events_state *
api_events_state(struct server *s)
{
	struct events_state **st = (struct events_state **)server_api_state(s,
	    &api_events_family);

	if (*st == NULL)
		*st = xcalloc(1, sizeof **st);
	return *st;
}

static void
api_events_on_message(struct ws *ws, const char *data, size_t len, bool binary,
    bool final)
{
	/* Clients have nothing to say here. */
}

static void
api_events_on_close(struct ws *ws)
{
	struct events_sub *sub = ws->arg;

	if (sub->prev != NULL)
		sub->prev->next = sub->next;
	else
		sub->st->subs = sub->next;
	if (sub->next != NULL)
		sub->next->prev = sub->prev;
	free(sub->project);
	free(sub);
}

/* server_free, after the websockets were told to close: the state, unless
 * a subscriber's websocket is still closing (lws ends them on later turns
 * of the loop, and each then unlinks itself from it). */
static void
api_events_free_all(struct server *srv)
{
	struct events_state **slot = (struct events_state **)server_api_state(srv,
	    &api_events_family);

	if (*slot == NULL || (*slot)->subs != NULL)
		return;
	free(*slot);
	*slot = NULL;
}

static const struct ws_ops api_events_ws_ops = {
	.on_message = api_events_on_message,
	.on_close = api_events_on_close,
};

static void
api_events_bind(struct ws *ws, void *arg)
{
	struct events_pending *p = arg;
	struct events_state *st;
	struct events_sub *sub;

	if (ws == NULL) {
		free(p->project);
		free(p);
		return;
	}
	st = api_events_state(p->srv);
	sub = xcalloc(1, sizeof *sub);
	sub->st = st;
	sub->ws = ws;
	sub->types = p->types;
	sub->project = p->project;
	sub->next = st->subs;
	if (st->subs != NULL)
		st->subs->prev = sub;
	st->subs = sub;
	ws->ops = &api_events_ws_ops;
	ws->arg = sub;
	free(p);
}

int
api_events_get(struct request *r, struct err *e)
{
	const char *types = request_query(r, "type");
	const char *all = request_query(r, "all-projects");
	struct events_pending *p;
	unsigned mask = 0;

	if (!r->http->upgrade)
		return err_set(e, 400, "The events endpoint needs a websocket upgrade");
	if (types == NULL || *types == '\0') {
		mask = EVENTS_LIFECYCLE | EVENTS_OPERATION | EVENTS_LOGGING;
	} else {
		struct strv v = { 0 };
		size_t i;

		strv_split(&v, types, ',');
		for (i = 0; i < v.n; i++) {
			if (strcmp(v.v[i], "lifecycle") == 0)
				mask |= EVENTS_LIFECYCLE;
			else if (strcmp(v.v[i], "operation") == 0)
				mask |= EVENTS_OPERATION;
			else if (strcmp(v.v[i], "logging") == 0)
				mask |= EVENTS_LOGGING;
			else {
				err_set(e, 400, "Invalid event type \"%s\"", v.v[i]);
				strv_free(&v);
				return -1;
			}
		}
		strv_free(&v);
	}
	p = xcalloc(1, sizeof *p);
	p->srv = r->srv;
	p->types = mask;
	p->project = (all != NULL && strcmp(all, "true") == 0) ? NULL :
	    xstrdup(r->project);
	request_accept_upgrade(r, api_events_bind, p);
	return 0;
}

static void
api_events_broadcast(struct server *s, const struct event *ev)
{
	struct events_state *st = api_events_state(s);
	struct events_sub *sub, *next;
	unsigned bit;
	char *text = NULL;
	size_t len = 0;
	const char *project = ev->project && *ev->project ? ev->project : "default";

	bit = ev->type == EVENT_OPERATION ? EVENTS_OPERATION :
	    ev->type == EVENT_LOGGING ? EVENTS_LOGGING : EVENTS_LIFECYCLE;
	for (sub = st->subs; sub != NULL; sub = next) {
		next = sub->next;
		if (!(sub->types & bit))
			continue;
		if (sub->project != NULL && strcmp(sub->project, project) != 0)
			continue;
		if (text == NULL) {
			json_object *o = codec_event_encode(ev, ev->op ?
			    server_op_extra(s, ev->op->id) : NULL);
			char *j = codec_to_string(o, false);

			json_object_put(o);
			text = xasprintf("%s\n", j);
			len = strlen(text);
			free(j);
		}
		if (sub->ws->queued > WS_MAX_QUEUE) {
			log_warn("Dropping an events listener that does not read");
			ws_close(sub->ws);
			continue;
		}
		ws_send(sub->ws, text, len, false);
	}
	free(text);
}

const struct api_family api_events_family = {
	.name = "events",
	.on_event = api_events_broadcast,
	.free_all = api_events_free_all,
	.free_after_ws = true,
};
