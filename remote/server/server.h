/*
 * server.h - lxdeckd: LXD's /1.0 API served over the engine (or any
 * backend), on a unix socket and HTTPS.
 *
 * The map of the room, bottom up:
 *
 *   route.c      the tables: URL pattern -> handlers per method (and which
 *                methods are for the default project only), and the
 *                endpoint families that hook into the core (struct
 *                api_family: events, operations' waiters, exec sessions,
 *                image tokens, password checks)
 *   ws.c         websockets: libwebsockets on our libuv loop; the only file
 *                that includes <libwebsockets.h>
 *   server.c     the unix-socket listener, connections, request bodies,
 *                responses; hands websocket upgrades to ws.c; calls the
 *                families only through api_families, never by name
 *   response.c   LXD's envelopes (sync, async, error) and ETags
 *   api-filter.c the OData-like `filter=` language of list endpoints
 *   api-*.c      one file per endpoint family
 *   tls.c        lxdeckd's HTTPS listener, which terminates TLS and hands
 *                plain connections to server.c
 *   trust.c      lxdeckd's trust store (PEMs keyed by fingerprint), trust
 *                tokens and core.trust_password
 *   trust-guard.c  back-off per source address for password checks
 *   image-secret.c  download tokens that open a private image to an
 *                untrusted caller (`lxc image copy` between hosts)
 *   lxdeckd-main.c  the daemon: flags, the engine, the listeners
 *
 * It speaks the wire of ../wire/wire.h and sees containers through struct
 * backend_ops (core/core.h) alone.
 *
 * Calls run one way: api-*.c files use the core (server.c, response.c,
 * route.c's lookups), trust*.c, ws.c and the families below them
 * (api-operations.c's waiters, image-secret.c); the core names no family,
 * and what the core or a lower family needs of a higher one (an exec
 * session's metadata in an operation, an image token among the
 * operations) goes through the families' hooks (server_op_extra, ...).
 */
#ifndef LXDECK_SERVER_H
#define LXDECK_SERVER_H

#include "../wire/wire.h"

struct server;
struct request;
struct ws;
struct upgrade;
struct uv_loop_s;

/* Called once a websocket upgrade is done; must set ws->ops (ws.c).
 * Called with ws NULL when the upgrade never completes (the client left
 * during the handshake, the daemon stops): it only frees arg then. */
typedef void (*ws_bind_cb)(struct ws *, void *arg);

#define WS_MAX_QUEUE		(8 * 1024 * 1024)

/* api-filter.c */
struct api_filter;
/* NULL expression or "" gives a filter that matches everything.  400 on
 * bad syntax. */
struct api_filter *api_filter_parse(const char *expr, struct err *);
bool	 api_filter_match(const struct api_filter *, json_object *obj);
/* Adds obj (taken) to a collection's list when it passes (a NULL filter
 * passes everything): itself with recursion >= 1, else its URL (url_fmt). */
void	 api_filter_add(const struct api_filter *, const struct request *,
	     json_object *list, json_object *obj, const char *url_fmt, ...)
	     __attribute__((format(printf, 5, 6)));
void	 api_filter_free(struct api_filter *);

/* route.c */
typedef int (*api_handler)(struct request *, struct err *);
#define ROUTE_UPLOAD	0x1	/* POST body spools to disk (large limit) */
#define ROUTE_WS	0x2	/* GET may upgrade to a websocket */
/* The method is for the default project only: any other ?project= is a
 * 404 before the handler runs. */
#define ROUTE_PROJECT_GET	0x04	/* and HEAD */
#define ROUTE_PROJECT_PUT	0x08
#define ROUTE_PROJECT_PATCH	0x10
#define ROUTE_PROJECT_POST	0x20
#define ROUTE_PROJECT_DEL	0x40
#define ROUTE_PROJECT		(ROUTE_PROJECT_GET | ROUTE_PROJECT_PUT | \
				 ROUTE_PROJECT_PATCH | ROUTE_PROJECT_POST | \
				 ROUTE_PROJECT_DEL)
struct route {
	const char	*pattern;	/* segments; "*" matches one */
	unsigned	 flags;
	api_handler	 get, put, patch, post, del;
};
#define ROUTE_MAX_PARAMS 4
/* Finds the route of an encoded path; params get decoded "*" segments
 * (caller frees each).  /1.0/containers is an alias of /1.0/instances.
 * NULL when nothing matches (or the path is malformed). */
const struct route *route_find(const char *raw_path, char *params[ROUTE_MAX_PARAMS]);
api_handler route_handler(const struct route *, enum http_method);
/* Whether the route's method m is marked ROUTE_PROJECT_*. */
bool	 route_project_only(const struct route *, enum http_method);

/* The endpoint families that keep state per server or hear of what
 * happens to it hook into the core through this table (the rows are in
 * route.c, each family's vtable in its api-*.c file), so server.c and
 * response.c name no family.  Every hook may be NULL. */
struct api_family {
	const char	*name;
	/* Each event of the backend, in table order. */
	void		(*on_event)(struct server *, const struct event *);
	/* The family's metadata of operation op_id (borrowed), or NULL. */
	json_object	*(*op_extra)(struct server *, const char *op_id);
	/* An operation the family keeps itself (new reference), or NULL. */
	json_object	*(*op_get)(struct server *, const char *op_id);
	/* Cancels such an operation; false if the family has none of that id. */
	bool		 (*op_cancel)(struct server *, const char *op_id);
	/* GET /1.0/operations/ID/websocket: checks secret, accepts the
	 * upgrade (request_accept_upgrade), or fails with e set. */
	int		 (*op_websocket)(struct request *, const char *secret,
			     struct err *);
	/* server_free: frees what the family keeps (its server_api_state
	 * slot); before the websockets are told to close, or after when
	 * free_after_ws. */
	void		(*free_all)(struct server *);
	bool		 free_after_ws;
};
/* NULL-terminated, in the order hooks are called. */
extern const struct api_family *const api_families[];

/* ws.c */
struct ws_ops {
	/* One frame (or fragment) of a message. */
	void	(*on_message)(struct ws *, const char *data, size_t len, bool binary,
		    bool final);
	/* The send queue went below its low-water mark. */
	void	(*on_drain)(struct ws *);
	/* The connection is gone; ws is freed after this returns. */
	void	(*on_close)(struct ws *);
};
struct ws {
	void		*wsi;		/* struct lws * */
	const struct ws_ops *ops;
	void		*arg;
	struct ws_msg	*head, *tail;
	size_t		 queued;
	bool		 closing;	/* close once the queue is empty */
	bool		 closed;
	char		 peer_fp[65];	/* the client certificate's, or "" */
	struct ws_ctx	*ctx;
	struct ws	*next, *prev;	/* the context's open websockets */
};
struct ws_ctx;
struct ws_ctx *ws_ctx_create(struct uv_loop_s *, struct err *);
void	 ws_ctx_free(struct ws_ctx *);
/* Once the loop has run the closes that ws_ctx_free() started (it has
 * nothing left to do, or is not run again): ends the freed contexts. */
void	 ws_ctx_finish(void);
/* Hands an accepted socket (whose request head has been read into buf) to
 * libwebsockets; bind(ws, arg) is called once the upgrade is done and must
 * set ws->ops/arg.  fd is owned by libwebsockets afterwards. */
int	 ws_adopt(struct ws_ctx *, int fd, const char *buf, size_t len,
	     const char *peer_fp, ws_bind_cb bind, void *arg);
/* Closes now (what is queued is dropped) every websocket, open or in its
 * handshake, of the client certificate fp: it is no longer trusted. */
void	 ws_close_peer(struct ws_ctx *, const char *fp);
/* Queues a frame (copied): binary or text; an empty text frame is LXD's
 * EOF barrier.  -1 if the connection is closing. */
int	 ws_send(struct ws *, const void *, size_t, bool binary);
/* Closes after what is queued has been sent. */
void	 ws_close(struct ws *);
void	 ws_pause_rx(struct ws *, bool pause);

/* server.c */
struct server_config {
	const char	*socket_path;
	const char	*group;		/* socket group, NULL: root */
	const char	*spool_dir;	/* NULL: $TMPDIR or /tmp */
	const char	*dir;		/* server.crt/key and trust/ (HTTPS) */
	const char	*listen;	/* --listen ADDR:PORT, overrides
					 * core.https_address */
};
struct server *server_create(struct uv_loop_s *, struct backend *,
	     const struct server_config *, struct err *);
/* Stops listening, drops connections; leaves containers alone. */
void	 server_free(struct server *);
struct backend *server_backend(struct server *);

struct request {
	struct server	*srv;
	struct conn	*conn;		/* NULL once the client went away */
	struct http_request *http;
	const struct route *route;
	char		*params[ROUTE_MAX_PARAMS];
	const char	*project;	/* "default" unless ?project= */
	/* Body: in memory, or spooled to spool_path. */
	struct buf	 body;
	int		 spool_fd;
	char		*spool_path;
	int64_t		 body_len;
	int64_t		 body_limit;	/* in memory: less until trusted */
	bool		 body_too_big;
	bool		 responded;
	/* A deferred request is told when its client goes away; the server
	 * frees the request right after on_abort returns. */
	void		(*on_abort)(struct request *, void *arg);
	void		*abort_arg;
	struct upgrade	*upgrade;	/* set by request_accept_upgrade() */
};
const char *request_query(const struct request *, const char *key);
const char *request_header(const struct request *, const char *lname);
int	 request_recursion(const struct request *);
/* The body as a JSON object (400 when it is not one). */
json_object *request_json(struct request *, struct err *);
/* PATCH as LXD merges it into what is there: a key patched to "" is
 * removed, any other set; a device patched with no properties is removed,
 * any other replaced.  devices and its patch may be NULL. */
void	 request_patch_merge(struct strmap *config, const struct strmap *patch,
	     struct devmap *devices, const struct devmap *devices_patch);
bool	 request_project_is_default(const struct request *);
/* Empty sync answer: metadata {} (LXD's EmptySyncResponse). */
void	 response_empty(struct request *);
/* From a ROUTE_WS GET handler: accept the websocket upgrade; bind(ws, arg)
 * runs once the handshake is done. */
void	 request_accept_upgrade(struct request *, ws_bind_cb bind, void *arg);

struct response;
struct response *response_new(int status);
void	 response_header(struct response *, const char *name, const char *value);
void	 response_body(struct response *, const void *, size_t);
/* Appends the rest of an open file (fd taken, closed when sent). */
void	 response_file(struct response *, int fd, int64_t len);
/* Appends len bytes from a non-blocking pipe or socket (fd taken, closed
 * when sent): read as they come, never waited for on the loop. */
void	 response_stream(struct response *, int fd, int64_t len);
/* Sends r (taken) and ends the request.  Safe after the client left. */
void	 request_send(struct request *, struct response *);

/* response.c: LXD's envelopes */
void	 response_sync(struct request *, json_object *metadata, const char *etag);
/* 201 with Location: the created object's URL (printf format). */
void	 response_created(struct request *, const char *location_fmt, ...)
	     __attribute__((format(printf, 2, 3)));
/* Sync with extra headers (file listings carry X-LXD-*). */
void	 response_sync_with(struct request *, json_object *metadata,
	     const struct strmap *headers);
/* Async: 202 + Location with the operation (from the backend). */
void	 response_async(struct request *, const char *op_id);
/* Async for an operation the server keeps itself (op taken): tokens. */
void	 response_async_op(struct request *, json_object *op);
void	 response_error(struct request *, const struct err *);
/* Checks If-Match against the current ETag: 412 when it differs. */
int	 response_check_etag(struct request *, const char *etag, struct err *);

/* api-*.c: handlers (see route.c for the table). */
/* api-server.c */
int	 api_server_root(struct request *, struct err *);
int	 api_server_get(struct request *, struct err *);
int	 api_server_put(struct request *, struct err *);
int	 api_server_patch(struct request *, struct err *);
/* What this server implements, with its backend's optional parts. */
void	 api_server_extensions(struct server *, struct strv *);
/* api-events.c */
int	 api_events_get(struct request *, struct err *);
extern const struct api_family api_events_family;
/* api-operations.c */
int	 api_operations_list(struct request *, struct err *);
int	 api_operations_get(struct request *, struct err *);
int	 api_operations_delete(struct request *, struct err *);
int	 api_operations_wait(struct request *, struct err *);
int	 api_operations_websocket(struct request *, struct err *);
extern const struct api_family api_operations_family;
/* Calls cb once op_id is final (or at once if it is); -1 if unknown. */
typedef void (*op_done_cb)(struct server *, const struct op_info *, void *arg);
int	 api_operations_when_done(struct request *, const char *op_id, op_done_cb,
	     void *arg, struct err *);
/* The same without a request (cleanups after an operation). */
int	 api_operations_watch(struct server *, const char *op_id, op_done_cb,
	     void *arg, struct err *);
/* api-instances.c */
int	 api_instances_list(struct request *, struct err *);
int	 api_instances_create(struct request *, struct err *);
int	 api_instances_get(struct request *, struct err *);
int	 api_instances_put(struct request *, struct err *);
int	 api_instances_patch(struct request *, struct err *);
int	 api_instances_rename(struct request *, struct err *);
int	 api_instances_delete(struct request *, struct err *);
int	 api_instances_state_get(struct request *, struct err *);
int	 api_instances_state_put(struct request *, struct err *);
/* api-snapshots.c */
int	 api_snapshots_list(struct request *, struct err *);
int	 api_snapshots_create(struct request *, struct err *);
int	 api_snapshots_get(struct request *, struct err *);
int	 api_snapshots_put(struct request *, struct err *);
int	 api_snapshots_rename(struct request *, struct err *);
int	 api_snapshots_delete(struct request *, struct err *);
/* api-profiles.c */
int	 api_profiles_list(struct request *, struct err *);
int	 api_profiles_create(struct request *, struct err *);
int	 api_profiles_get(struct request *, struct err *);
int	 api_profiles_put(struct request *, struct err *);
int	 api_profiles_patch(struct request *, struct err *);
int	 api_profiles_rename(struct request *, struct err *);
int	 api_profiles_delete(struct request *, struct err *);
/* api-images.c */
int	 api_images_list(struct request *, struct err *);
int	 api_images_create(struct request *, struct err *);
int	 api_images_get(struct request *, struct err *);
int	 api_images_put(struct request *, struct err *);
int	 api_images_patch(struct request *, struct err *);
int	 api_images_delete(struct request *, struct err *);
int	 api_images_export(struct request *, struct err *);
int	 api_images_secret(struct request *, struct err *);
int	 api_images_aliases_list(struct request *, struct err *);
int	 api_images_aliases_create(struct request *, struct err *);
int	 api_images_aliases_get(struct request *, struct err *);
int	 api_images_aliases_put(struct request *, struct err *);
int	 api_images_aliases_rename(struct request *, struct err *);
int	 api_images_aliases_delete(struct request *, struct err *);
/* api-exec.c: exec and console sessions */
int	 api_exec_post(struct request *, struct err *);
int	 api_exec_console_post(struct request *, struct err *);
int	 api_exec_console_get(struct request *, struct err *);
int	 api_exec_console_delete(struct request *, struct err *);
/* Its family: the fds/command/... metadata of a session's operation, the
 * websockets of its streams (by secret: 404, 403, 409). */
extern const struct api_family api_exec_family;
/* api-files.c */
int	 api_files_get(struct request *, struct err *);
int	 api_files_post(struct request *, struct err *);
int	 api_files_delete(struct request *, struct err *);
/* api-logs.c */
int	 api_logs_list(struct request *, struct err *);
int	 api_logs_get(struct request *, struct err *);
/* api-networks.c */
int	 api_networks_list(struct request *, struct err *);
int	 api_networks_get(struct request *, struct err *);
int	 api_networks_state(struct request *, struct err *);
int	 api_networks_leases(struct request *, struct err *);
int	 api_networks_create(struct request *, struct err *);
int	 api_networks_change(struct request *, struct err *);
/* api-storage.c */
int	 api_storage_pools_list(struct request *, struct err *);
int	 api_storage_pools_get(struct request *, struct err *);
int	 api_storage_pools_resources(struct request *, struct err *);
int	 api_storage_volumes_list(struct request *, struct err *);
int	 api_storage_volumes_get(struct request *, struct err *);
int	 api_storage_refuse(struct request *, struct err *);
/* api-warnings.c */
int	 api_warnings_list(struct request *, struct err *);
int	 api_warnings_get(struct request *, struct err *);
int	 api_warnings_put(struct request *, struct err *);
int	 api_warnings_delete(struct request *, struct err *);
/* api-projects.c */
int	 api_projects_list(struct request *, struct err *);
int	 api_projects_get(struct request *, struct err *);
/* api-certificates.c */
int	 api_certificates_list(struct request *, struct err *);
int	 api_certificates_create(struct request *, struct err *);
int	 api_certificates_get(struct request *, struct err *);
int	 api_certificates_delete(struct request *, struct err *);
/* Its family: the password checks in flight. */
extern const struct api_family api_certificates_family;


/* tls.c */
struct tls_listener;
/* Listens on ADDR:PORT ("127.0.0.1:8443", "[::1]:8443", ":8443") with the
 * server certificate in dir (made on first use); each connection is
 * handshaken here and handed to server_adopt() as a plain socket. */
struct tls_listener *tls_listen(struct server *, const char *addr,
	     const char *dir, struct err *);
void	 tls_listener_free(struct tls_listener *);
/* The server certificate's PEM (borrowed) and fingerprint. */
const char *tls_listener_cert(struct tls_listener *);
const char *tls_listener_fingerprint(struct tls_listener *);

/* trust.c */
struct trust;
struct trust *trust_open(const char *dir, struct err *);
void	 trust_free(struct trust *);
bool	 trust_has(struct trust *, const char *fp);
/* Adds a PEM certificate; 409 if already there, 400 for a bad name (NULL
 * or "": the certificate's CN). */
int	 trust_add(struct trust *, const char *pem, const char *name, struct err *);
/* A certificate's name (given with a token, a password or a certificate):
 * at most 255 bytes, no control characters, no leading '-' nor '/' (as
 * later LXD); 400 otherwise.  NULL passes. */
int	 trust_name_check(const char *name, struct err *);
int	 trust_remove(struct trust *, const char *fp, struct err *);
/* The certificates as LXD lists them (new reference). */
json_object *trust_list_json(struct trust *, bool recursion);
json_object *trust_get_json(struct trust *, const char *fp);
/* Tokens: a new pending token op for name, valid for lifetime_ns (0:
 * forever); returns its op object (new reference) and the user-facing
 * token in *token (caller frees). */
json_object *trust_token_create(struct trust *, const char *name,
	     const char *server_fp, const struct strv *addresses,
	     int64_t lifetime_ns, char **token);
/* core.remote_token_expiry ("1H", "10M", "1d 3H": S M H d w m y) as ns;
 * -EINVAL/-ERANGE otherwise. */
int	 trust_expiry_parse(const char *, int64_t *ns);
/* A password that is a pending token (the token string or its secret):
 * 1 and *name (caller frees) the token's client name, the token spent; 0
 * when no token has that secret; -1 and a 403 in e when it had expired
 * (spent too). */
int	 trust_token_redeem(struct trust *, const char *password, char **name,
	     struct err *);
/* Whether password matches a stored core.trust_password hash.  Slow (scrypt,
 * 16 MiB) and touches nothing shared: for a worker thread. */
bool	 trust_password_matches(const char *stored, const char *password);
/* The value stored for core.trust_password (a salted scrypt hash). */
char	*trust_password_hash(const char *password);
/* The pending tokens as operations (new reference each). */
json_object *trust_tokens_json(struct trust *);
json_object *trust_token_op(struct trust *, const char *op_id);
bool	 trust_token_cancel(struct trust *, const char *op_id);
/* bytes (at most 64) random bytes as hex into out[2 * bytes + 1]. */
void	 trust_random_hex(char *out, size_t bytes);
/* Whether two secrets (websocket secrets, tokens) are equal, in time that
 * does not depend on where they differ; NULL equals nothing. */
bool	 trust_secret_equal(const char *a, const char *b);
/* A random (version 4) UUID, the id of an operation. */
void	 trust_uuid(char out[37]);

/* trust-guard.c: back-off per source address for password checks. */
struct trust_guard;
struct trust_guard *trust_guard_create(void);
void	 trust_guard_free(struct trust_guard *);
/* May addr start a password check now?  0: yes, and it is in flight until
 * trust_guard_end; else the milliseconds to wait (answer 429). */
int64_t	 trust_guard_begin(struct trust_guard *, const char *addr, int64_t now_ns);
/* The check addr began is over: a failure lengthens its back-off. */
void	 trust_guard_end(struct trust_guard *, const char *addr, bool ok,
	     int64_t now_ns);

/* image-secret.c: download tokens of private images (lxd-api.md 4.2). */
/* A token for image fp (full fingerprint): the "token" operation as LXD
 * shows it (new reference), its secret in metadata.secret. */
json_object *image_secret_create(struct server *, const char *fp);
/* Whether secret opens image fp.  The first use cancels the token; it
 * stays usable while the cancelled operation is kept (a few seconds), so
 * the GET of the image and its export both pass, as with LXD. */
bool	 image_secret_check(struct server *, const char *fp, const char *secret);
/* Its family: the tokens are operations (op_get, op_cancel). */
extern const struct api_family image_secret_family;

/* The caller of a request as the listener saw it. */
struct peer {
	bool	 tls;			/* over HTTPS */
	bool	 trusted;		/* unix socket, or a trusted certificate */
	char	 fp[65];		/* client certificate fingerprint, "" */
	char	*cert_pem;		/* client certificate, NULL if none */
	char	 addr[64];
};
/* server.c: a connection whose TLS has been terminated by tls.c; fd is a
 * plain stream socket (taken), peer is copied.  Refused (503, then closed)
 * when its kind of connection is at its limit. */
void	 server_adopt(struct server *, int fd, const struct peer *);
/* What lxdeckd holds for whom, and how long (server.c, tls.c: issue 13
 * section 4).  Each kind has its own count: HTTPS callers never take what
 * the unix socket needs. */
struct server_limits {
	size_t		 unix_conns;		/* unix socket */
	size_t		 https_conns;		/* HTTPS, trusted certificate */
	size_t		 untrusted;		/* HTTPS, not (yet) trusted */
	size_t		 untrusted_per_addr;
	size_t		 handshakes;		/* TLS handshakes in flight */
	size_t		 handshakes_per_addr;
	uint64_t	 untrusted_ms;		/* head + body, untrusted */
	uint64_t	 handshake_ms;
	uint64_t	 idle_ms;		/* a body or response that stalls */
};
const struct server_limits *server_limits(struct server *);
/* Why a connection was refused or cut; counted, and logged at most once
 * every few seconds (a flood must not flood the log too). */
enum server_refusal {
	REFUSED_HANDSHAKES,		/* handshakes in flight at the limit */
	REFUSED_HANDSHAKES_ADDR,	/* ... from that address */
	EVICTED_HANDSHAKE,		/* the oldest made room */
	CUT_HANDSHAKE,			/* not done by the deadline */
	REFUSED_UNTRUSTED,
	REFUSED_UNTRUSTED_ADDR,
	EVICTED_UNTRUSTED,
	CUT_UNTRUSTED,			/* head + body not done by the deadline */
	REFUSED_HTTPS,			/* trusted, at the limit */
	REFUSED_UNIX,
	REFUSED__COUNT
};
void	 server_refused(struct server *, enum server_refusal, const char *addr);
struct trust *server_trust(struct server *);
const struct peer *request_peer(const struct request *);
/* Starts/stops/moves the HTTPS listener (core.https_address); "" stops. */
int	 server_listen_https(struct server *, const char *addr, struct err *);
const char *server_https_address(struct server *);
const char *server_cert_fingerprint(struct server *);
const char *server_cert_pem(struct server *);
/* The addresses a client on another host may reach the HTTPS listener
 * at (a wildcard becomes loopback, a missing port 8443), pushed onto out. */
void	 server_https_urls(struct server *, struct strv *out);
/* After PUT/PATCH /1.0 changed the configuration: follows
 * core.https_address. */
void	 server_config_changed(struct server *);

/* A family's slot of per-server state (server.c holds the slots, each
 * family allocates and frees what its own points to). */
void	**server_api_state(struct server *, const struct api_family *);
/* The families' hooks, over the whole table: the first answer counts. */
json_object *server_op_extra(struct server *, const char *op_id);
json_object *server_op_get(struct server *, const char *op_id);
bool	 server_op_cancel(struct server *, const char *op_id);
/* 404 when no family has websockets for operation params[0]. */
int	 server_op_websocket(struct request *, const char *secret, struct err *);
struct uv_loop_s *server_loop(struct server *);
const char *server_spool_dir(struct server *);
struct ws_ctx *server_ws_ctx(struct server *);
#endif
