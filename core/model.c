/*
 * model.c - freeing and copying the objects of the model (backend.h).
 *
 * The model is plain data shared by every backend and every view; these
 * helpers are the only place that knows which fields own memory.  To add a
 * field to a model struct: free it in *_free_contents, copy it in *_copy,
 * and teach the codec in remote/ to carry it.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"

const char *
status_code_name(int code)
{
	switch (code) {
	case STATUS_CREATED:	return "Operation created";
	case STATUS_STARTED:	return "Started";
	case STATUS_STOPPED:	return "Stopped";
	case STATUS_RUNNING:	return "Running";
	case STATUS_CANCELLING:	return "Cancelling";
	case STATUS_PENDING:	return "Pending";
	case STATUS_STARTING:	return "Starting";
	case STATUS_STOPPING:	return "Stopping";
	case STATUS_ABORTING:	return "Aborting";
	case STATUS_FREEZING:	return "Freezing";
	case STATUS_FROZEN:	return "Frozen";
	case STATUS_THAWED:	return "Thawed";
	case STATUS_ERROR:	return "Error";
	case STATUS_READY:	return "Ready";
	case STATUS_SUCCESS:	return "Success";
	case STATUS_FAILURE:	return "Failure";
	case STATUS_CANCELLED:	return "Cancelled";
	default:		return "";
	}
}

void
nic_state_free_contents(struct nic_state *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->naddrs; i++) {
		free(n->addrs[i].family);
		free(n->addrs[i].address);
		free(n->addrs[i].netmask);
		free(n->addrs[i].scope);
	}
	free(n->addrs);
	free(n->name);
	free(n->type);
	free(n->state);
	free(n->hwaddr);
	free(n->host_name);
	memset(n, 0, sizeof *n);
}

void
instance_state_free(struct instance_state *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nnics; i++)
		nic_state_free_contents(&s->nics[i]);
	free(s->nics);
	free(s);
}

void
instance_state_copy(struct instance_state *dst, const struct instance_state *src)
{
	size_t i, j;

	*dst = *src;
	dst->nics = src->nnics ? xcalloc(src->nnics, sizeof *dst->nics) : NULL;
	for (i = 0; i < src->nnics; i++) {
		const struct nic_state *s = &src->nics[i];
		struct nic_state *d = &dst->nics[i];

		*d = *s;
		d->name = xstrdup(s->name);
		d->type = xstrdup(s->type);
		d->state = xstrdup(s->state);
		d->hwaddr = xstrdup(s->hwaddr);
		d->host_name = xstrdup(s->host_name);
		d->addrs = s->naddrs ? xcalloc(s->naddrs, sizeof *d->addrs) : NULL;
		for (j = 0; j < s->naddrs; j++) {
			d->addrs[j].family = xstrdup(s->addrs[j].family);
			d->addrs[j].address = xstrdup(s->addrs[j].address);
			d->addrs[j].netmask = xstrdup(s->addrs[j].netmask);
			d->addrs[j].scope = xstrdup(s->addrs[j].scope);
		}
	}
}

void
snapshot_free_contents(struct snapshot *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->architecture);
	free(s->description);
	strv_free(&s->profiles);
	strmap_free(&s->config);
	devmap_free(&s->devices);
	strmap_free(&s->expanded_config);
	devmap_free(&s->expanded_devices);
	memset(s, 0, sizeof *s);
}

void
snapshot_array_free(struct snapshot *s, size_t n)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < n; i++)
		snapshot_free_contents(&s[i]);
	free(s);
}

void
snapshot_copy(struct snapshot *dst, const struct snapshot *src)
{
	memset(dst, 0, sizeof *dst);
	dst->name = xstrdup(src->name);
	dst->architecture = xstrdup(src->architecture);
	dst->description = xstrdup(src->description);
	dst->stateful = src->stateful;
	dst->ephemeral = src->ephemeral;
	dst->created_ns = src->created_ns;
	dst->last_used_ns = src->last_used_ns;
	dst->expires_ns = src->expires_ns;
	dst->size = src->size;
	strv_copy(&dst->profiles, &src->profiles);
	strmap_copy(&dst->config, &src->config);
	devmap_copy(&dst->devices, &src->devices);
	strmap_copy(&dst->expanded_config, &src->expanded_config);
	devmap_copy(&dst->expanded_devices, &src->expanded_devices);
}

void
instance_free_contents(struct instance *i)
{
	if (i == NULL)
		return;
	free(i->name);
	free(i->description);
	free(i->architecture);
	free(i->type);
	free(i->location);
	free(i->project);
	free(i->remote);
	strv_free(&i->profiles);
	strmap_free(&i->config);
	devmap_free(&i->devices);
	strmap_free(&i->expanded_config);
	devmap_free(&i->expanded_devices);
	instance_state_free(i->state);
	snapshot_array_free(i->snapshots, i->nsnapshots);
	memset(i, 0, sizeof *i);
}

void
instance_free(struct instance *i)
{
	if (i == NULL)
		return;
	instance_free_contents(i);
	free(i);
}

void
instance_array_free(struct instance *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		instance_free_contents(&a[i]);
	free(a);
}

void
instance_copy(struct instance *dst, const struct instance *src)
{
	size_t i;

	memset(dst, 0, sizeof *dst);
	dst->name = xstrdup(src->name);
	dst->description = xstrdup(src->description);
	dst->architecture = xstrdup(src->architecture);
	dst->type = xstrdup(src->type);
	dst->location = xstrdup(src->location);
	dst->project = xstrdup(src->project);
	dst->remote = xstrdup(src->remote);
	dst->status = src->status;
	dst->ephemeral = src->ephemeral;
	dst->stateful = src->stateful;
	dst->created_ns = src->created_ns;
	dst->last_used_ns = src->last_used_ns;
	strv_copy(&dst->profiles, &src->profiles);
	strmap_copy(&dst->config, &src->config);
	devmap_copy(&dst->devices, &src->devices);
	strmap_copy(&dst->expanded_config, &src->expanded_config);
	devmap_copy(&dst->expanded_devices, &src->expanded_devices);
	if (src->state != NULL) {
		dst->state = xcalloc(1, sizeof *dst->state);
		instance_state_copy(dst->state, src->state);
	}
	dst->nsnapshots = src->nsnapshots;
	if (src->nsnapshots > 0) {
		dst->snapshots = xcalloc(src->nsnapshots, sizeof *dst->snapshots);
		for (i = 0; i < src->nsnapshots; i++)
			snapshot_copy(&dst->snapshots[i], &src->snapshots[i]);
	}
}

void
instance_create_free_contents(struct instance_create *c)
{
	if (c == NULL)
		return;
	strv_free(&c->profiles);
	strmap_free(&c->config);
	devmap_free(&c->devices);
}

void
image_pull_free_contents(struct image_pull *p)
{
	if (p == NULL)
		return;
	strmap_free(&p->properties);
	strv_free(&p->aliases);
}

void
profile_free_contents(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->description);
	strmap_free(&p->config);
	devmap_free(&p->devices);
	strv_free(&p->used_by);
	memset(p, 0, sizeof *p);
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	profile_free_contents(p);
	free(p);
}

void
profile_array_free(struct profile *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		profile_free_contents(&a[i]);
	free(a);
}

void
profile_copy(struct profile *dst, const struct profile *src)
{
	memset(dst, 0, sizeof *dst);
	dst->name = xstrdup(src->name);
	dst->description = xstrdup(src->description);
	strmap_copy(&dst->config, &src->config);
	devmap_copy(&dst->devices, &src->devices);
	strv_copy(&dst->used_by, &src->used_by);
}

void
image_alias_free_contents(struct image_alias *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->description);
	free(a->target);
	free(a->type);
	memset(a, 0, sizeof *a);
}

void
warning_array_free(struct warning *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(a[i].uuid);
		free(a[i].type);
		free(a[i].message);
		free(a[i].severity);
		free(a[i].status);
	}
	free(a);
}

void
storage_pool_array_free(struct storage_pool *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].description);
		free(a[i].driver);
		free(a[i].status);
		strmap_free(&a[i].config);
		strv_free(&a[i].used_by);
	}
	free(a);
}

void
storage_volume_array_free(struct storage_volume *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].type);
		strv_free(&a[i].used_by);
	}
	free(a);
}

void
network_free_contents(struct network *nw)
{
	if (nw == NULL)
		return;
	free(nw->name);
	free(nw->description);
	free(nw->type);
	free(nw->status);
	strmap_free(&nw->config);
	strv_free(&nw->used_by);
	memset(nw, 0, sizeof *nw);
}

void
network_array_free(struct network *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		network_free_contents(&a[i]);
	free(a);
}

void
network_state_free_contents(struct network_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	free(st->state);
	free(st->type);
	free(st->hwaddr);
	for (i = 0; i < st->naddresses; i++) {
		free(st->addresses[i].family);
		free(st->addresses[i].address);
		free(st->addresses[i].scope);
	}
	free(st->addresses);
	free(st->bridge_id);
	strv_free(&st->bridge_upper_devices);
	memset(st, 0, sizeof *st);
}

void
network_lease_array_free(struct network_lease *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(a[i].hostname);
		free(a[i].hwaddr);
		free(a[i].address);
		free(a[i].type);
		free(a[i].location);
	}
	free(a);
}

void
image_alias_array_free(struct image_alias *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		image_alias_free_contents(&a[i]);
	free(a);
}

void
image_free_contents(struct image *im)
{
	if (im == NULL)
		return;
	free(im->fingerprint);
	free(im->filename);
	free(im->architecture);
	free(im->type);
	strmap_free(&im->properties);
	strv_free(&im->profiles);
	image_alias_array_free(im->aliases, im->naliases);
	strmap_free(&im->update_source);
	memset(im, 0, sizeof *im);
}

void
image_free(struct image *im)
{
	if (im == NULL)
		return;
	image_free_contents(im);
	free(im);
}

void
image_array_free(struct image *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		image_free_contents(&a[i]);
	free(a);
}

void
image_copy(struct image *dst, const struct image *src)
{
	size_t i;

	memset(dst, 0, sizeof *dst);
	dst->fingerprint = xstrdup(src->fingerprint);
	dst->filename = xstrdup(src->filename);
	dst->architecture = xstrdup(src->architecture);
	dst->type = xstrdup(src->type);
	dst->size = src->size;
	dst->public = src->public;
	dst->auto_update = src->auto_update;
	dst->cached = src->cached;
	strmap_copy(&dst->properties, &src->properties);
	strv_copy(&dst->profiles, &src->profiles);
	dst->naliases = src->naliases;
	if (src->naliases > 0) {
		dst->aliases = xcalloc(src->naliases, sizeof *dst->aliases);
		for (i = 0; i < src->naliases; i++) {
			dst->aliases[i].name = xstrdup(src->aliases[i].name);
			dst->aliases[i].description = xstrdup(src->aliases[i].description);
			dst->aliases[i].target = xstrdup(src->aliases[i].target);
			dst->aliases[i].type = xstrdup(src->aliases[i].type);
		}
	}
	dst->created_ns = src->created_ns;
	dst->uploaded_ns = src->uploaded_ns;
	dst->last_used_ns = src->last_used_ns;
	dst->expires_ns = src->expires_ns;
	strmap_copy(&dst->update_source, &src->update_source);
}

void
op_info_free_contents(struct op_info *o)
{
	if (o == NULL)
		return;
	free(o->id);
	free(o->description);
	free(o->err);
	free(o->location);
	strmap_free(&o->resources);
	strmap_free(&o->metadata);
	memset(o, 0, sizeof *o);
}

void
op_info_array_free(struct op_info *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		op_info_free_contents(&a[i]);
	free(a);
}

void
op_info_copy(struct op_info *dst, const struct op_info *src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = xstrdup(src->id);
	dst->cls = src->cls;
	dst->description = xstrdup(src->description);
	dst->created_ns = src->created_ns;
	dst->updated_ns = src->updated_ns;
	dst->status = src->status;
	dst->may_cancel = src->may_cancel;
	dst->err = xstrdup(src->err ? src->err : "");
	dst->location = xstrdup(src->location ? src->location : "none");
	strmap_copy(&dst->resources, &src->resources);
	strmap_copy(&dst->metadata, &src->metadata);
	dst->has_return = src->has_return;
	dst->ret = src->ret;
}

void
file_info_free_contents(struct file_info *f)
{
	if (f == NULL)
		return;
	free(f->content);
	strv_free(&f->entries);
	memset(f, 0, sizeof *f);
}

void
server_info_free_contents(struct server_info *s)
{
	if (s == NULL)
		return;
	free(s->server);
	free(s->server_name);
	free(s->server_version);
	free(s->kernel_version);
	free(s->kernel_architecture);
	free(s->os_name);
	free(s->os_version);
	free(s->driver);
	free(s->driver_version);
	free(s->storage);
	free(s->storage_version);
	strv_free(&s->storage_drivers);
	strv_free(&s->architectures);
	strmap_free(&s->kernel_features);
	strmap_free(&s->config);
	free(s->stateful_reason);
	memset(s, 0, sizeof *s);
}

void
exec_req_free_contents(struct exec_req *r)
{
	if (r == NULL)
		return;
	strv_free(&r->argv);
	strmap_free(&r->env);
}
