/*
 * api-server.c - GET /, GET/PUT/PATCH /1.0 and the list of API extensions.
 *
 * Over HTTPS GET /1.0 shows an untrusted caller the public fields only, a
 * trusted one also the server certificate and addresses (and so does the
 * unix socket while HTTPS listens).  PUT/PATCH store core.trust_password
 * as a hash, and a changed core.https_address moves the listener.
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

/* GET /1.0 over HTTPS: public fields for untrusted callers; for trusted
 * ones the full info plus certificate and addresses. */
static int
api_server_get_https(struct request *r, struct err *e)
{
	const struct peer *peer = request_peer(r);
	struct backend *be = server_backend(r->srv);
	struct strv ext = { 0 };
	struct server_info si;
	json_object *o, *env = NULL, *addrs, *cfg;
	const char *pem = server_cert_pem(r->srv);
	char etag[65];
	struct strv a = { 0 };
	size_t i;

	api_server_extensions(r->srv, &ext);
	if (!peer->trusted) {
		o = json_object_new_object();
		json_object_object_add(o, "api_extensions", codec_strv_encode(&ext));
		json_object_object_add(o, "api_status", codec_string("stable"));
		json_object_object_add(o, "api_version", codec_string("1.0"));
		json_object_object_add(o, "auth", codec_string("untrusted"));
		json_object_object_add(o, "public", json_object_new_boolean(0));
		addrs = json_object_new_array();
		json_object_array_add(addrs, codec_string("tls"));
		json_object_object_add(o, "auth_methods", addrs);
		strv_free(&ext);
		response_sync(r, o, NULL);
		return 0;
	}
	memset(&si, 0, sizeof si);
	if (be->ops->server_info(be, &si, e) < 0) {
		strv_free(&ext);
		return -1;
	}
	cfg = codec_strmap_encode(&si.config);
	codec_etag(cfg, etag);
	json_object_put(cfg);
	if (strmap_get(&si.config, "core.trust_password") != NULL)
		strmap_set(&si.config, "core.trust_password", "true");
	o = codec_server_encode(&si, &ext);
	json_object_object_get_ex(o, "environment", &env);
	if (env != NULL && pem != NULL) {
		json_object_object_add(env, "certificate", codec_string(pem));
		json_object_object_add(env, "certificate_fingerprint",
		    codec_string(server_cert_fingerprint(r->srv)));
		server_https_urls(r->srv, &a);
		addrs = json_object_new_array();
		for (i = 0; i < a.n; i++)
			json_object_array_add(addrs, codec_string(a.v[i]));
		json_object_object_add(env, "addresses", addrs);
		strv_free(&a);
	}
	response_sync(r, o, etag);
	strv_free(&ext);
	server_info_free_contents(&si);
	return 0;
}

/* PUT/PATCH /1.0: core.trust_password is stored as a hash (the body is
 * rewritten), core.remote_token_expiry is checked. */
static int
api_server_config_filter(struct request *r, struct err *e)
{
	json_object *body, *cfg = NULL, *v = NULL;
	const char *pw;
	char *hash, *text;

	if (r->body.len == 0 || r->spool_fd >= 0)
		return 0;
	body = request_json(r, e);
	if (body == NULL)
		return -1;
	if (json_object_object_get_ex(body, "config", &cfg) && cfg != NULL &&
	    json_object_is_type(cfg, json_type_object) &&
	    json_object_object_get_ex(cfg, "core.remote_token_expiry", &v) && v != NULL) {
		const char *x = json_object_get_string(v);
		int64_t ns;

		if (!json_object_is_type(v, json_type_string) ||
		    (*x != '\0' && trust_expiry_parse(x, &ns) < 0)) {
			err_set(e, 400, "cannot set 'core.remote_token_expiry' to '%s': "
			    "Invalid expiry expression", x);
			json_object_put(body);
			return -1;
		}
	}
	v = NULL;
	if (!json_object_object_get_ex(body, "config", &cfg) || cfg == NULL ||
	    !json_object_is_type(cfg, json_type_object) ||
	    !json_object_object_get_ex(cfg, "core.trust_password", &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string)) {
		json_object_put(body);
		return 0;
	}
	pw = json_object_get_string(v);
	if (strcmp(pw, "true") == 0) {
		/* GET over HTTPS shows "true" for a set password: keep it. */
		struct backend *be = server_backend(r->srv);
		struct server_info si;
		struct err ie = { 0 };
		const char *old;

		memset(&si, 0, sizeof si);
		be->ops->server_info(be, &si, &ie);
		old = strmap_get(&si.config, "core.trust_password");
		json_object_object_add(cfg, "core.trust_password",
		    json_object_new_string(old ? old : ""));
		server_info_free_contents(&si);
		goto rewrite;
	}
	if (*pw == '\0' || strncmp(pw, "scrypt$", 7) == 0) {
		json_object_put(body);
		return 0;
	}
	hash = trust_password_hash(pw);
	if (hash == NULL) {
		json_object_put(body);
		return err_set(e, 500, "Failed to hash core.trust_password");
	}
	json_object_object_add(cfg, "core.trust_password", json_object_new_string(hash));
	free(hash);
rewrite:
	text = codec_to_string(body, false);
	buf_free(&r->body);
	buf_puts(&r->body, text);
	free(text);
	json_object_put(body);
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
	if (server_cert_pem(r->srv) != NULL ||
	    (request_peer(r)->tls && r->http->method == HTTP_GET))
		return api_server_get_https(r, e);
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

	if (api_server_config_filter(r, e) < 0)
		return -1;
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

		strmap_copy(&merged, &si.config);
		request_patch_merge(&merged, &cfg, NULL, NULL);
		strmap_free(&cfg);
		cfg = merged;
	}
	if (be->ops->server_update(be, &cfg, e) < 0)
		goto out;
	response_empty(r);
	server_config_changed(r->srv);
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
