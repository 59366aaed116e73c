/*
 * api-networks.c - /1.0/networks: the host's interfaces and the server's
 * own bridge, read-only.
 *
 * `lxc network list/show/info/list-leases` work as on LXD.  lxdeckd runs
 * exactly one network of its own (the engine's bridge, made at the first
 * start of an instance on it), so creating, changing, renaming or deleting
 * networks through the API is refused with 501 and a message saying so.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int
api_networks_backend(struct request *r, struct backend **be, struct err *e)
{
	*be = server_backend(r->srv);
	if ((*be)->ops->network_list == NULL)
		return err_set(e, 501, "This server has no networks to show");
	return 0;
}

int
api_networks_list(struct request *r, struct err *e)
{
	struct network *list = NULL;
	struct backend *be;
	json_object *out;
	size_t n = 0, i;

	if (api_networks_backend(r, &be, e) < 0 ||
	    be->ops->network_list(be, &list, &n, e) < 0)
		return -1;
	out = json_object_new_array();
	for (i = 0; i < n; i++)
		api_filter_add(NULL, r, out, codec_network_encode(&list[i]),
		    "/1.0/networks/%s", list[i].name);
	network_array_free(list, n);
	response_sync(r, out, NULL);
	return 0;
}

int
api_networks_get(struct request *r, struct err *e)
{
	struct network *list = NULL;
	struct backend *be;
	size_t n = 0, i;

	if (api_networks_backend(r, &be, e) < 0 ||
	    be->ops->network_list(be, &list, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(list[i].name, r->params[0]) == 0)
			break;
	if (i == n) {
		network_array_free(list, n);
		return err_set(e, 404, "Network \"%s\" not found", r->params[0]);
	}
	response_sync(r, codec_network_encode(&list[i]), NULL);
	network_array_free(list, n);
	return 0;
}

int
api_networks_state(struct request *r, struct err *e)
{
	struct network_state st;
	struct backend *be;

	if (api_networks_backend(r, &be, e) < 0 ||
	    be->ops->network_state(be, r->params[0], &st, e) < 0)
		return -1;
	response_sync(r, codec_network_state_encode(&st), NULL);
	network_state_free_contents(&st);
	return 0;
}

int
api_networks_leases(struct request *r, struct err *e)
{
	struct network_lease *list = NULL;
	struct backend *be;
	json_object *out;
	size_t n = 0, i;

	if (api_networks_backend(r, &be, e) < 0 ||
	    be->ops->network_leases(be, r->params[0], &list, &n, e) < 0)
		return -1;
	out = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(out, codec_network_lease_encode(&list[i]));
	network_lease_array_free(list, n);
	response_sync(r, out, NULL);
	return 0;
}

int
api_networks_create(struct request *r, struct err *e)
{
	return err_set(e, 501, "Creating networks is not supported: lxdeckd "
	    "runs only its own bridge");
}

int
api_networks_change(struct request *r, struct err *e)
{
	return err_set(e, 501, "Network \"%s\" cannot be changed through "
	    "lxdeckd: it runs only its own bridge, as it made it", r->params[0]);
}
