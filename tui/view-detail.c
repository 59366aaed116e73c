/*
 * view-detail.c - everything about one instance (Enter on the list).
 *
 * Fetched with instance_get(WITH_STATE | WITH_SNAPSHOTS) when opened and on
 * every refresh, so it follows the event stream like the list; laid out as a
 * scrollable text: config (local and expanded), devices, profiles, snapshots,
 * state (pid, processes, memory, addresses) and the instance's recent events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

struct view_detail_data {
	struct view_lines	 l;
	char			 title[128];
};

static void
view_detail_map(struct view_lines *l, const struct strmap *m)
{
	size_t i;

	if (m->n == 0)
		view_lines_add(l, TE_DIM, "    (none)");
	for (i = 0; i < m->n; i++)
		view_lines_add(l, TE_NORMAL, "    %s: %s", m->keys[i], m->vals[i]);
}

static void
view_detail_devices(struct view_lines *l, const struct devmap *d)
{
	size_t i, j;

	if (d->n == 0)
		view_lines_add(l, TE_DIM, "    (none)");
	for (i = 0; i < d->n; i++) {
		view_lines_add(l, TE_NORMAL, "    %s:", d->names[i]);
		for (j = 0; j < d->props[i].n; j++)
			view_lines_add(l, TE_NORMAL, "      %s: %s", d->props[i].keys[j],
			    d->props[i].vals[j]);
	}
}

static void
view_detail_build(struct view *v)
{
	struct view_detail_data *d = v->data;
	struct tui *t = v->tui;
	struct instance *in = NULL;
	struct err e = { 0 };
	char buf[64], buf2[64], ref[INST_REF_MAX], *p, *src;
	size_t i, j, sl;

	view_lines_clear(&d->l);
	if (t->b == NULL) {
		view_lines_add(&d->l, TE_ERROR, "%s", t->berr.msg);
		return;
	}
	if (t->b->ops->instance_get(t->b, v->arg, INSTANCE_WITH_STATE |
	    INSTANCE_WITH_SNAPSHOTS, &in, &e) < 0) {
		view_lines_add(&d->l, TE_ERROR, "Instance \"%s\": %s", v->arg, e.msg);
		return;
	}
	/* As the list addresses it: REMOTE:NAME in a merged list. */
	inst_cache_ref(in, ref, sizeof ref);
	view_lines_add(&d->l, TE_HEADER, "Instance %s on %s:", ref, t->remote);
	view_lines_add(&d->l, TE_NORMAL, "  Status:       %s",
	    status_code_name(in->status));
	view_lines_add(&d->l, TE_NORMAL, "  Type:         %s%s", in->type ? in->type :
	    "container", in->ephemeral ? " (ephemeral)" : "");
	view_lines_add(&d->l, TE_NORMAL, "  Architecture: %s",
	    in->architecture ? in->architecture : "");
	view_lines_add(&d->l, TE_NORMAL, "  Location:     %s",
	    in->location ? in->location : "none");
	view_lines_add(&d->l, TE_NORMAL, "  Created:      %s",
	    view_fmt_time(in->created_ns, buf, sizeof buf));
	view_lines_add(&d->l, TE_NORMAL, "  Last used:    %s",
	    view_fmt_time(in->last_used_ns, buf, sizeof buf));
	view_lines_add(&d->l, TE_NORMAL, "  Description:  %s",
	    in->description ? in->description : "");
	p = strv_join(&in->profiles, ", ");
	view_lines_add(&d->l, TE_NORMAL, "  Profiles:     %s", p);
	free(p);
	if (in->state != NULL) {
		view_lines_add(&d->l, TE_HEADER, "State");
		view_lines_add(&d->l, TE_NORMAL, "  PID:          %d", (int)in->state->pid);
		view_lines_add(&d->l, TE_NORMAL, "  Processes:    %lld",
		    (long long)in->state->processes);
		view_lines_add(&d->l, TE_NORMAL, "  Memory:       %s (peak %s)",
		    view_fmt_bytes(in->state->memory_usage, buf, sizeof buf),
		    view_fmt_bytes(in->state->memory_peak, buf2, sizeof buf2));
		view_lines_add(&d->l, TE_NORMAL, "  CPU usage:    %.2fs",
		    (double)in->state->cpu_usage_ns / 1e9);
		view_lines_add(&d->l, TE_NORMAL, "  Disk:         %s",
		    view_fmt_bytes(in->state->disk_usage, buf, sizeof buf));
		for (i = 0; i < in->state->nnics; i++) {
			const struct nic_state *n = &in->state->nics[i];

			view_lines_add(&d->l, TE_NORMAL, "  %s (%s, %s):", n->name,
			    n->type ? n->type : "", n->state ? n->state : "");
			for (j = 0; j < n->naddrs; j++)
				view_lines_add(&d->l, TE_NORMAL, "    %-6s %s/%s  %s",
				    n->addrs[j].family, n->addrs[j].address,
				    n->addrs[j].netmask, n->addrs[j].scope);
		}
	}
	view_lines_add(&d->l, TE_HEADER, "Config");
	view_detail_map(&d->l, &in->config);
	view_lines_add(&d->l, TE_HEADER, "Expanded config");
	view_detail_map(&d->l, &in->expanded_config);
	view_lines_add(&d->l, TE_HEADER, "Devices");
	view_detail_devices(&d->l, &in->devices);
	view_lines_add(&d->l, TE_HEADER, "Expanded devices");
	view_detail_devices(&d->l, &in->expanded_devices);
	view_lines_add(&d->l, TE_HEADER, "Snapshots (%zu)", in->nsnapshots);
	for (i = 0; i < in->nsnapshots; i++)
		view_lines_add(&d->l, TE_NORMAL, "    %-20s %s%s", in->snapshots[i].name,
		    view_fmt_time(in->snapshots[i].created_ns, buf, sizeof buf),
		    in->snapshots[i].stateful ? "  stateful" : "");
	view_lines_add(&d->l, TE_HEADER, "Recent events");
	src = xasprintf("/1.0/instances/%s", ref);
	sl = strlen(src);
	for (i = t->events.n; i-- > 0; ) {
		const char *m = strstr(t->events.v[i], src);

		if (m != NULL && (m[sl] == '\0' || m[sl] == '/' || m[sl] == ' ' ||
		    m[sl] == ','))
			view_lines_add(&d->l, TE_DIM, "    %s", t->events.v[i]);
	}
	free(src);
	instance_free(in);
}

static void
view_detail_init(struct view *v)
{
	v->data = xcalloc(1, sizeof(struct view_detail_data));
	view_detail_build(v);
}

static void
view_detail_refresh(struct view *v)
{
	view_detail_build(v);
	v->dirty = true;
}

static const char *
view_detail_title(struct view *v)
{
	struct view_detail_data *d = v->data;

	snprintf(d->title, sizeof d->title, "Instance %s", v->arg);
	return d->title;
}

static const char *
view_detail_hint(struct view *v)
{
	return "Up/Down scroll\tq back";
}

const struct view_type view_detail_type = {
	.name = "detail",
	.init = view_detail_init,
	.free = view_lines_view_free,
	.draw = view_lines_view_draw,
	.key = view_lines_view_key,
	.update = view_detail_refresh,
	.title = view_detail_title,
	.hint = view_detail_hint,
};
