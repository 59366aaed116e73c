/*
 * api-server.c - GET /, GET/PUT/PATCH /1.0 and the list of API extensions.
 *
 * The extension list says exactly what this server implements: `lxc`
 * changes what it sends depending on it (no api_filtering: `lxc list`
 * refuses to run; container_full: list with recursion=2; ...).  When an
 * endpoint or option starts working, add its extension here.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static const char *const api_server_ext[] = {
	"etag",
	"patch",
	"instances",
	"api_filtering",
	"container_full",
	"instance_get_full",
	"projects",
	"console",
	"directory_manipulation",
	"file_delete",
	"file_symlinks",
	"file_append",
	"container_exec_signal_handling",
	"container_exec_user_group_cwd",
	"container_only_migration",
	"snapshot_expiry",
	"snapshot_expiry_creation",
	"certificate_token",
};

/* Only when the backend has networks (api-networks.c)... */
static const char *const api_server_ext_network[] = {
	"network",
	"network_state",
	"network_leases",
	"network_state_bond_bridge",
};

/* ... and storage pools (api-storage.c)... */
static const char *const api_server_ext_storage[] = {
	"storage",
	"storage_api_volume_snapshots",
};

/* ... and warnings (api-warnings.c). */
static const char *const api_server_ext_warnings[] = {
	"warnings",
};

void
api_server_extensions(struct server *srv, struct strv *v)
{
	const struct backend_ops *ops = server_backend(srv)->ops;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(api_server_ext); i++)
		strv_push(v, api_server_ext[i]);
	if (ops->network_list != NULL)
		for (i = 0; i < ARRAY_SIZE(api_server_ext_network); i++)
			strv_push(v, api_server_ext_network[i]);
	if (ops->storage_pool_list != NULL)
		for (i = 0; i < ARRAY_SIZE(api_server_ext_storage); i++)
			strv_push(v, api_server_ext_storage[i]);
	if (ops->warning_list != NULL)
		for (i = 0; i < ARRAY_SIZE(api_server_ext_warnings); i++)
			strv_push(v, api_server_ext_warnings[i]);
}

int
api_server_root(struct request *r, struct err *e)
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, codec_string("/1.0"));
	response_sync(r, a, NULL);
	return 0;
}

static int
api_server_info(struct request *r, struct server_info *si, char etag[65], struct err *e)
{
	struct backend *be = server_backend(r->srv);
	json_object *cfg;

	memset(si, 0, sizeof *si);
	if (be->ops->server_info(be, si, e) < 0)
		return -1;
	cfg = codec_strmap_encode(&si->config);
	codec_etag(cfg, etag);
	json_object_put(cfg);
	return 0;
}

int
api_server_get(struct request *r, struct err *e)
{
	struct server_info si;
	struct strv ext = { 0 };
	char etag[65];

	/* Listening on HTTPS: the certificate and addresses show on the unix
	 * socket too, as LXD's (lxc image copy reads them to pick a URL the
	 * other host can pull from). */
	if (server_cert_pem(r->srv) != NULL)
		return api_certificates_server_get(r, e);
	if (api_server_info(r, &si, etag, e) < 0)
		return -1;
	api_server_extensions(r->srv, &ext);
	response_sync(r, codec_server_encode(&si, &ext), etag);
	strv_free(&ext);
	server_info_free_contents(&si);
	return 0;
}

static int
api_server_update(struct request *r, bool patch, struct err *e)
{
	struct backend *be = server_backend(r->srv);
	struct server_info si;
	struct strmap cfg = { 0 };
	json_object *body;
	char etag[65];
	int rc = -1;

	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (api_server_info(r, &si, etag, e) < 0)
		goto out;
	if (response_check_etag(r, etag, e) < 0)
		goto out;
	if (codec_get_strmap(body, "config", &cfg, NULL, e) < 0)
		goto out;
	if (patch) {
		struct strmap merged = { 0 };
		size_t i;

		strmap_copy(&merged, &si.config);
		for (i = 0; i < cfg.n; i++) {
			if (cfg.vals[i][0] == '\0')
				strmap_unset(&merged, cfg.keys[i]);
			else
				strmap_set(&merged, cfg.keys[i], cfg.vals[i]);
		}
		strmap_free(&cfg);
		cfg = merged;
	}
	if (be->ops->server_update(be, &cfg, e) < 0)
		goto out;
	response_empty(r);
	rc = 0;
out:
	strmap_free(&cfg);
	server_info_free_contents(&si);
	json_object_put(body);
	return rc;
}

int
api_server_put(struct request *r, struct err *e)
{
	return api_server_update(r, false, e);
}

int
api_server_patch(struct request *r, struct err *e)
{
	return api_server_update(r, true, e);
}
