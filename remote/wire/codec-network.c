/*
 * codec-network.c - api.Network, api.NetworkState and api.NetworkLease,
 * in the shapes LXD 5.0.2 gives them: "locations" is ["none"] for a
 * managed network and null otherwise, the state's netmask is a string,
 * and "bond", "ovn" and "vlan" are null (lxdeckd has none of them).
 */
#include <stdlib.h>
#include <string.h>

#include "wire.h"

json_object *
codec_network_encode(const struct network *nw)
{
	json_object *o = json_object_new_object(), *loc = NULL;

	if (nw->managed) {
		loc = json_object_new_array();
		json_object_array_add(loc, codec_string("none"));
	}
	json_object_object_add(o, "config", codec_strmap_encode(&nw->config));
	json_object_object_add(o, "description", codec_string(nw->description));
	json_object_object_add(o, "locations", loc);
	json_object_object_add(o, "managed", json_object_new_boolean(nw->managed));
	json_object_object_add(o, "name", codec_string(nw->name));
	json_object_object_add(o, "status", codec_string(nw->status));
	json_object_object_add(o, "type", codec_string(nw->type));
	json_object_object_add(o, "used_by", codec_strv_encode(&nw->used_by));
	return o;
}

json_object *
codec_network_state_encode(const struct network_state *st)
{
	json_object *o = json_object_new_object(), *addrs = json_object_new_array();
	json_object *ctr = json_object_new_object(), *br = NULL;
	size_t i;

	for (i = 0; i < st->naddresses; i++) {
		json_object *a = json_object_new_object();
		char mask[16];

		snprintf(mask, sizeof mask, "%d", st->addresses[i].netmask);
		json_object_object_add(a, "address", codec_string(st->addresses[i].address));
		json_object_object_add(a, "family", codec_string(st->addresses[i].family));
		json_object_object_add(a, "netmask", codec_string(mask));
		json_object_object_add(a, "scope", codec_string(st->addresses[i].scope));
		json_object_array_add(addrs, a);
	}
	if (st->bridge) {
		br = json_object_new_object();
		json_object_object_add(br, "forward_delay",
		    json_object_new_int64(st->bridge_forward_delay));
		json_object_object_add(br, "id", codec_string(st->bridge_id));
		json_object_object_add(br, "stp", json_object_new_boolean(st->bridge_stp));
		json_object_object_add(br, "upper_devices",
		    codec_strv_encode(&st->bridge_upper_devices));
		json_object_object_add(br, "vlan_default",
		    json_object_new_int64(st->bridge_vlan_default));
		json_object_object_add(br, "vlan_filtering",
		    json_object_new_boolean(st->bridge_vlan_filtering));
	}
	json_object_object_add(ctr, "bytes_received", json_object_new_int64(st->bytes_received));
	json_object_object_add(ctr, "bytes_sent", json_object_new_int64(st->bytes_sent));
	json_object_object_add(ctr, "packets_received",
	    json_object_new_int64(st->packets_received));
	json_object_object_add(ctr, "packets_sent", json_object_new_int64(st->packets_sent));
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "bond", NULL);
	json_object_object_add(o, "bridge", br);
	json_object_object_add(o, "counters", ctr);
	json_object_object_add(o, "hwaddr", codec_string(st->hwaddr));
	json_object_object_add(o, "mtu", json_object_new_int64(st->mtu));
	json_object_object_add(o, "ovn", NULL);
	json_object_object_add(o, "state", codec_string(st->state));
	json_object_object_add(o, "type", codec_string(st->type));
	json_object_object_add(o, "vlan", NULL);
	return o;
}

json_object *
codec_network_lease_encode(const struct network_lease *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "address", codec_string(l->address));
	json_object_object_add(o, "hostname", codec_string(l->hostname));
	json_object_object_add(o, "hwaddr", codec_string(l->hwaddr));
	json_object_object_add(o, "location", codec_string(l->location));
	json_object_object_add(o, "type", codec_string(l->type));
	return o;
}
