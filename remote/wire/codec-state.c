/*
 * codec-state.c - api.InstanceState (GET .../state) and the body of
 * PUT .../state (api.InstanceStatePut).
 *
 * A stopped instance has network null, pid 0 and processes 0.  Network
 * interfaces become a map by name, each with its addresses and counters.
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static json_object *
codec_state_nic(const struct nic_state *n)
{
	json_object *o = json_object_new_object(), *addrs = json_object_new_array();
	json_object *c = json_object_new_object();
	size_t i;

	for (i = 0; i < n->naddrs; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "family", codec_string(n->addrs[i].family));
		json_object_object_add(a, "address", codec_string(n->addrs[i].address));
		json_object_object_add(a, "netmask", codec_string(n->addrs[i].netmask));
		json_object_object_add(a, "scope", codec_string(n->addrs[i].scope));
		json_object_array_add(addrs, a);
	}
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(c, "bytes_received", json_object_new_int64(n->bytes_received));
	json_object_object_add(c, "bytes_sent", json_object_new_int64(n->bytes_sent));
	json_object_object_add(c, "packets_received",
	    json_object_new_int64(n->packets_received));
	json_object_object_add(c, "packets_sent", json_object_new_int64(n->packets_sent));
	json_object_object_add(c, "errors_received", json_object_new_int64(0));
	json_object_object_add(c, "errors_sent", json_object_new_int64(0));
	json_object_object_add(c, "packets_dropped_outbound", json_object_new_int64(0));
	json_object_object_add(c, "packets_dropped_inbound", json_object_new_int64(0));
	json_object_object_add(o, "counters", c);
	json_object_object_add(o, "hwaddr", codec_string(n->hwaddr));
	json_object_object_add(o, "host_name", codec_string(n->host_name));
	json_object_object_add(o, "mtu", json_object_new_int(n->mtu));
	json_object_object_add(o, "state", codec_string(n->state));
	json_object_object_add(o, "type", codec_string(n->type));
	return o;
}

json_object *
codec_state_encode(const struct instance_state *s)
{
	json_object *o = json_object_new_object(), *disk, *mem, *cpu, *net = NULL;
	size_t i;

	json_object_object_add(o, "status", codec_string(status_code_name(s->status)));
	json_object_object_add(o, "status_code", json_object_new_int(s->status));
	disk = json_object_new_object();
	if (s->disk_usage >= 0) {
		json_object *root = json_object_new_object();

		json_object_object_add(root, "usage", json_object_new_int64(s->disk_usage));
		json_object_object_add(disk, "root", root);
	}
	json_object_object_add(o, "disk", disk);
	mem = json_object_new_object();
	json_object_object_add(mem, "usage", json_object_new_int64(s->memory_usage));
	json_object_object_add(mem, "usage_peak", json_object_new_int64(s->memory_peak));
	json_object_object_add(mem, "swap_usage", json_object_new_int64(s->swap_usage));
	json_object_object_add(mem, "swap_usage_peak", json_object_new_int64(s->swap_peak));
	json_object_object_add(o, "memory", mem);
	if (s->nnics > 0) {
		net = json_object_new_object();
		for (i = 0; i < s->nnics; i++)
			json_object_object_add(net, s->nics[i].name ? s->nics[i].name : "",
			    codec_state_nic(&s->nics[i]));
	}
	json_object_object_add(o, "network", net);
	json_object_object_add(o, "pid", json_object_new_int64(s->pid));
	json_object_object_add(o, "processes", json_object_new_int64(s->processes));
	cpu = json_object_new_object();
	json_object_object_add(cpu, "usage", json_object_new_int64(s->cpu_usage_ns));
	json_object_object_add(o, "cpu", cpu);
	return o;
}

static char *
codec_state_dup(json_object *o, const char *key, struct err *e, int *rc)
{
	const char *s = NULL;

	if (codec_get_string(o, key, &s, e) < 0)
		*rc = -1;
	return xstrdup(s ? s : "");
}

int
codec_state_decode(json_object *o, struct instance_state *s, struct err *e)
{
	json_object *mem = NULL, *cpu = NULL, *net = NULL, *disk = NULL, *root = NULL;
	int64_t code = 0, pid = 0, v = 0;
	int rc = 0;

	memset(s, 0, sizeof *s);
	s->disk_usage = -1;
	if (codec_check_object(o, "InstanceState", e) < 0)
		return -1;
	if (codec_get_int(o, "status_code", &code, e) < 0 ||
	    codec_get_int(o, "pid", &pid, e) < 0 ||
	    codec_get_int(o, "processes", &s->processes, e) < 0)
		return -1;
	s->status = (int)code;
	s->pid = (pid_t)pid;
	if (json_object_object_get_ex(o, "memory", &mem) &&
	    (codec_get_int(mem, "usage", &s->memory_usage, e) < 0 ||
	     codec_get_int(mem, "usage_peak", &s->memory_peak, e) < 0 ||
	     codec_get_int(mem, "swap_usage", &s->swap_usage, e) < 0 ||
	     codec_get_int(mem, "swap_usage_peak", &s->swap_peak, e) < 0))
		return -1;
	if (json_object_object_get_ex(o, "cpu", &cpu) &&
	    codec_get_int(cpu, "usage", &s->cpu_usage_ns, e) < 0)
		return -1;
	if (json_object_object_get_ex(o, "disk", &disk) && disk != NULL &&
	    json_object_object_get_ex(disk, "root", &root)) {
		if (codec_get_int(root, "usage", &v, e) < 0)
			return -1;
		s->disk_usage = v;
	}
	if (json_object_object_get_ex(o, "network", &net) && net != NULL) {
		size_t n;

		if (codec_check_object(net, "network", e) < 0)
			return -1;
		n = (size_t)json_object_object_length(net);
		s->nics = xcalloc(n ? n : 1, sizeof *s->nics);
		json_object_object_foreach(net, name, nic) {
			struct nic_state *ns = &s->nics[s->nnics++];
			json_object *addrs = NULL, *c = NULL;
			int64_t mtu = 0;

			ns->name = xstrdup(name);
			ns->type = codec_state_dup(nic, "type", e, &rc);
			ns->state = codec_state_dup(nic, "state", e, &rc);
			ns->hwaddr = codec_state_dup(nic, "hwaddr", e, &rc);
			ns->host_name = codec_state_dup(nic, "host_name", e, &rc);
			if (rc < 0 || codec_get_int(nic, "mtu", &mtu, e) < 0)
				goto fail;
			ns->mtu = (int)mtu;
			if (json_object_object_get_ex(nic, "counters", &c) &&
			    (codec_get_int(c, "bytes_received", &ns->bytes_received, e) < 0 ||
			     codec_get_int(c, "bytes_sent", &ns->bytes_sent, e) < 0 ||
			     codec_get_int(c, "packets_received", &ns->packets_received, e) < 0 ||
			     codec_get_int(c, "packets_sent", &ns->packets_sent, e) < 0))
				goto fail;
			if (json_object_object_get_ex(nic, "addresses", &addrs) &&
			    json_object_is_type(addrs, json_type_array)) {
				size_t i, na = json_object_array_length(addrs);

				ns->addrs = xcalloc(na ? na : 1, sizeof *ns->addrs);
				for (i = 0; i < na; i++) {
					json_object *a = json_object_array_get_idx(addrs, i);
					struct nic_addr *x = &ns->addrs[ns->naddrs++];

					x->family = codec_state_dup(a, "family", e, &rc);
					x->address = codec_state_dup(a, "address", e, &rc);
					x->netmask = codec_state_dup(a, "netmask", e, &rc);
					x->scope = codec_state_dup(a, "scope", e, &rc);
					if (rc < 0)
						goto fail;
				}
			}
		}
	}
	return 0;
fail:
	{
		size_t i;

		for (i = 0; i < s->nnics; i++)
			nic_state_free_contents(&s->nics[i]);
		free(s->nics);
		s->nics = NULL;
		s->nnics = 0;
	}
	return -1;
}

int
codec_state_put_decode(json_object *o, struct state_put *p, struct err *e)
{
	int64_t timeout = -1;

	memset(p, 0, sizeof *p);
	p->timeout = -1;
	if (codec_check_object(o, "InstanceStatePut", e) < 0)
		return -1;
	if (codec_get_string(o, "action", &p->action, e) < 0 ||
	    codec_get_int(o, "timeout", &timeout, e) < 0 ||
	    codec_get_bool(o, "force", &p->force, e) < 0 ||
	    codec_get_bool(o, "stateful", &p->stateful, e) < 0)
		return -1;
	if (timeout < -1 || timeout > 86400 * 365)
		return err_set(e, 400, "Invalid timeout %lld", (long long)timeout);
	p->timeout = (int)timeout;
	if (p->action == NULL || *p->action == '\0')
		return err_set(e, 400, "Missing action");
	return 0;
}

json_object *
codec_state_put_encode(const struct state_put *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "action", codec_string(p->action));
	json_object_object_add(o, "timeout", json_object_new_int(p->timeout));
	json_object_object_add(o, "force", json_object_new_boolean(p->force));
	json_object_object_add(o, "stateful", json_object_new_boolean(p->stateful));
	return o;
}
