/*
 * route.c - the URL table of the API.
 *
 * Each row is a path pattern (segments, "*" matching one segment, which
 * becomes a parameter, percent-decoded) and the handler of each method.
 * /1.0/containers/... is served as /1.0/instances/... .  Routing happens
 * on the request head, before the body, because the route decides where
 * the body goes (ROUTE_UPLOAD: spool to disk) and whether a websocket
 * upgrade is allowed (ROUTE_WS).  There is one project, "default": the
 * methods a row marks ROUTE_PROJECT_* answer 404 for any other before their
 * handler runs (route_project_only); the others serve every project, most
 * with an empty list.
 *
 * To add an endpoint: write the handler in the api-*.c file of its family,
 * declare it in server.h, add a row here, advertise any API extension it
 * completes in api-server.c, and cover it in tests/api.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static const struct route route_table[] = {
	{ "/", 0, api_server_root, NULL, NULL, NULL, NULL },
	{ "/1.0", 0, api_server_get, api_server_put, api_server_patch, NULL, NULL },
	{ "/1.0/events", ROUTE_WS, api_events_get, NULL, NULL, NULL, NULL },
	{ "/1.0/operations", 0, api_operations_list, NULL, NULL, NULL, NULL },
	{ "/1.0/operations/*", 0, api_operations_get, NULL, NULL, NULL,
	  api_operations_delete },
	{ "/1.0/operations/*/wait", 0, api_operations_wait, NULL, NULL, NULL, NULL },
	{ "/1.0/operations/*/websocket", ROUTE_WS, api_operations_websocket, NULL,
	  NULL, NULL, NULL },
	{ "/1.0/instances", ROUTE_PROJECT_POST, api_instances_list, NULL, NULL, api_instances_create,
	  NULL },
	{ "/1.0/instances/*", ROUTE_PROJECT, api_instances_get, api_instances_put,
	  api_instances_patch, api_instances_rename, api_instances_delete },
	{ "/1.0/instances/*/state", ROUTE_PROJECT, api_instances_state_get,
	  api_instances_state_put, NULL, NULL, NULL },
	{ "/1.0/instances/*/snapshots", ROUTE_PROJECT, api_snapshots_list, NULL, NULL,
	  api_snapshots_create, NULL },
	{ "/1.0/instances/*/snapshots/*", ROUTE_PROJECT, api_snapshots_get, api_snapshots_put,
	  api_snapshots_put, api_snapshots_rename, api_snapshots_delete },
	{ "/1.0/instances/*/exec", ROUTE_PROJECT, NULL, NULL, NULL, api_exec_post, NULL },
	{ "/1.0/instances/*/console",
	  ROUTE_PROJECT_GET | ROUTE_PROJECT_POST, api_exec_console_get, NULL, NULL,
	  api_exec_console_post, api_exec_console_delete },
	{ "/1.0/instances/*/files", ROUTE_UPLOAD | ROUTE_PROJECT, api_files_get, NULL, NULL,
	  api_files_post, api_files_delete },
	{ "/1.0/instances/*/logs", ROUTE_PROJECT, api_logs_list, NULL, NULL, NULL, NULL },
	{ "/1.0/instances/*/logs/*", ROUTE_PROJECT, api_logs_get, NULL, NULL, NULL, NULL },
	{ "/1.0/profiles", ROUTE_PROJECT_POST, api_profiles_list, NULL, NULL, api_profiles_create,
	  NULL },
	{ "/1.0/profiles/*", ROUTE_PROJECT, api_profiles_get, api_profiles_put,
	  api_profiles_patch, api_profiles_rename, api_profiles_delete },
	{ "/1.0/images", ROUTE_UPLOAD | ROUTE_PROJECT_POST, api_images_list, NULL, NULL,
	  api_images_create, NULL },
	{ "/1.0/images/aliases", ROUTE_PROJECT_POST, api_images_aliases_list, NULL, NULL,
	  api_images_aliases_create, NULL },
	{ "/1.0/images/aliases/*", ROUTE_PROJECT, api_images_aliases_get,
	  api_images_aliases_put, api_images_aliases_put, api_images_aliases_rename,
	  api_images_aliases_delete },
	{ "/1.0/images/*", ROUTE_PROJECT, api_images_get, api_images_put, api_images_patch,
	  NULL, api_images_delete },
	{ "/1.0/images/*/export", ROUTE_PROJECT, api_images_export, NULL, NULL, NULL, NULL },
	{ "/1.0/images/*/secret", ROUTE_PROJECT, NULL, NULL, NULL, api_images_secret, NULL },
	{ "/1.0/storage-pools", 0, api_storage_pools_list, NULL, NULL,
	  api_storage_refuse, NULL },
	{ "/1.0/storage-pools/*", 0, api_storage_pools_get, api_storage_refuse,
	  api_storage_refuse, api_storage_refuse, api_storage_refuse },
	{ "/1.0/storage-pools/*/resources", 0, api_storage_pools_resources, NULL,
	  NULL, NULL, NULL },
	{ "/1.0/storage-pools/*/volumes", 0, api_storage_volumes_list, NULL, NULL,
	  api_storage_refuse, NULL },
	{ "/1.0/storage-pools/*/volumes/*", 0, api_storage_volumes_list, NULL,
	  NULL, api_storage_refuse, NULL },
	{ "/1.0/storage-pools/*/volumes/*/*", 0, api_storage_volumes_get,
	  api_storage_refuse, api_storage_refuse, api_storage_refuse,
	  api_storage_refuse },
	{ "/1.0/storage-pools/*/volumes/*/*/snapshots", 0, api_storage_volumes_list,
	  NULL, NULL, api_storage_refuse, NULL },
	{ "/1.0/storage-pools/*/volumes/*/*/snapshots/*", 0, api_storage_volumes_get,
	  api_storage_refuse, api_storage_refuse, api_storage_refuse,
	  api_storage_refuse },
	{ "/1.0/networks", 0, api_networks_list, NULL, NULL, api_networks_create,
	  NULL },
	{ "/1.0/networks/*", 0, api_networks_get, api_networks_change,
	  api_networks_change, api_networks_change, api_networks_change },
	{ "/1.0/networks/*/state", 0, api_networks_state, NULL, NULL, NULL, NULL },
	{ "/1.0/networks/*/leases", 0, api_networks_leases, NULL, NULL, NULL, NULL },
	{ "/1.0/warnings", 0, api_warnings_list, NULL, NULL, NULL, NULL },
	{ "/1.0/warnings/*", 0, api_warnings_get, api_warnings_put,
	  api_warnings_put, NULL, api_warnings_delete },
	{ "/1.0/projects", 0, api_projects_list, NULL, NULL, NULL, NULL },
	{ "/1.0/projects/*", 0, api_projects_get, NULL, NULL, NULL, NULL },
	{ "/1.0/certificates", 0, api_certificates_list, NULL, NULL,
	  api_certificates_create, NULL },
	{ "/1.0/certificates/*", 0, api_certificates_get, NULL, NULL, NULL,
	    api_certificates_delete },
};

/*
 * The families with state or hooks (struct api_family), in the order the
 * core calls them: events are broadcast before operations' waiters hear
 * of the end.  To add one: a `const struct api_family api_FOO_family` in
 * its api-*.c file, declared in server.h, and a row here.
 */
const struct api_family *const api_families[] = {
	&api_events_family,
	&api_operations_family,
	&api_exec_family,
	&image_secret_family,
	&api_certificates_family,
	NULL
};

#define ROUTE_MAX_SEGS 8

/* Splits an encoded path into decoded segments; -1 when malformed. */
static int
route_split(const char *raw, char *segs[ROUTE_MAX_SEGS])
{
	const char *p = raw, *slash;
	int n = 0;

	if (*p != '/')
		return -1;
	p++;
	if (*p == '\0')
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		if (slash == NULL)
			slash = p + strlen(p);
		if (slash == p) {
			/* an empty segment: a trailing slash is tolerated */
			if (*slash == '\0')
				break;
			goto bad;
		}
		if (n == ROUTE_MAX_SEGS)
			goto bad;
		if (memmem(p, (size_t)(slash - p), "%00", 3) != NULL)
			goto bad;
		segs[n] = http_urldecode(p, (size_t)(slash - p), false);
		if (segs[n] == NULL)
			goto bad;
		if (segs[n][0] == '\0')
			goto bad_seg;
		n++;
		if (*slash == '\0')
			break;
		p = slash + 1;
	}
	return n;
bad_seg:
	free(segs[n]);
bad:
	while (n > 0)
		free(segs[--n]);
	return -1;
}

const struct route *
route_find(const char *raw_path, char *params[ROUTE_MAX_PARAMS])
{
	char *segs[ROUTE_MAX_SEGS];
	const struct route *found = NULL;
	size_t r;
	int n, i;

	for (i = 0; i < ROUTE_MAX_PARAMS; i++)
		params[i] = NULL;
	n = route_split(raw_path, segs);
	if (n < 0)
		return NULL;
	if (n >= 2 && strcmp(segs[0], "1.0") == 0 && strcmp(segs[1], "containers") == 0) {
		free(segs[1]);
		segs[1] = xstrdup("instances");
	}
	for (r = 0; r < ARRAY_SIZE(route_table) && found == NULL; r++) {
		const char *pat = route_table[r].pattern + 1;
		int np = 0, s = 0;
		bool ok = true;

		while (*pat != '\0' && ok) {
			size_t len = strcspn(pat, "/");

			if (s >= n) {
				ok = false;
				break;
			}
			if (len == 1 && pat[0] == '*') {
				if (np < ROUTE_MAX_PARAMS)
					params[np++] = segs[s];
			} else if (strlen(segs[s]) != len ||
			    strncmp(segs[s], pat, len) != 0) {
				ok = false;
			}
			s++;
			pat += len;
			if (*pat == '/')
				pat++;
		}
		if (ok && s == n) {
			found = &route_table[r];
		} else {
			for (i = 0; i < ROUTE_MAX_PARAMS; i++)
				params[i] = NULL;
		}
	}
	/* Segments that became parameters are the caller's now. */
	for (i = 0; i < n; i++) {
		bool kept = false;
		int j;

		for (j = 0; j < ROUTE_MAX_PARAMS; j++)
			if (params[j] == segs[i])
				kept = true;
		if (!kept)
			free(segs[i]);
	}
	return found;
}

bool
route_project_only(const struct route *r, enum http_method m)
{
	unsigned bit;

	switch (m) {
	case HTTP_GET:
	case HTTP_HEAD:
		bit = ROUTE_PROJECT_GET;
		break;
	case HTTP_PUT:
		bit = ROUTE_PROJECT_PUT;
		break;
	case HTTP_PATCH:
		bit = ROUTE_PROJECT_PATCH;
		break;
	case HTTP_POST:
		bit = ROUTE_PROJECT_POST;
		break;
	case HTTP_DELETE:
		bit = ROUTE_PROJECT_DEL;
		break;
	default:
		return false;
	}
	return r != NULL && (r->flags & bit);
}

api_handler
route_handler(const struct route *r, enum http_method m)
{
	if (r == NULL)
		return NULL;
	switch (m) {
	case HTTP_GET:
	case HTTP_HEAD:
		return r->get;
	case HTTP_PUT:
		return r->put;
	case HTTP_PATCH:
		return r->patch;
	case HTTP_POST:
		return r->post;
	case HTTP_DELETE:
		return r->del;
	default:
		return NULL;
	}
}
