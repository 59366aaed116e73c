/*
 * remote.h - the remote layer: LXD's /1.0 REST API, served and (later)
 * spoken.
 *
 * The map of the layer, bottom up:
 *
 *   buf.c        growable byte buffer
 *   http.c       HTTP/1.1 request parser (content-length and chunked bodies,
 *                limits), query strings, multipart splitting
 *   codec.c      JSON helpers shared by the codecs: Go-style output (what
 *                LXD prints and hashes for ETags), typed field access with
 *                Go-like error messages, strmap/devmap/strv/time
 *   codec-*.c    one codec per API object, model <-> LXD JSON, both ways
 *   api-filter.c the OData-like `filter=` language of list endpoints
 *   route.c      the URL table: path pattern -> handlers per method
 *   ws.c         websockets: libwebsockets on our libuv loop; the only file
 *                that includes <libwebsockets.h>
 *   server.c     the unix-socket listener, connections, request bodies,
 *                responses; hands websocket upgrades to ws.c
 *   response.c   LXD's envelopes (sync, async, error) and ETags
 *   api-*.c      one file per endpoint family
 *   tls.c        OpenSSL: certificates (ECDSA P-384, as LXD makes them),
 *                fingerprints, and lxdeckd's HTTPS listener, which
 *                terminates TLS and hands plain connections to server.c
 *   trust.c      lxdeckd's trust store (PEMs keyed by fingerprint), trust
 *                tokens and core.trust_password
 *   image-secret.c  download tokens that open a private image to an
 *                untrusted caller (`lxc image copy` between hosts)
 *
 * The client side (lxdeck talking to lxdeckd, LXD or Incus):
 *
 *   client.c          one remote's requests over a unix socket or HTTPS
 *                     (libcurl), envelopes, pinning, reachability
 *   client-ws.c       RFC 6455 client on the same connection
 *   client-exec.c     exec/console websockets bridged to local socketpairs
 *   console-acc.c     console logs kept whole when LXD/Incus drain them
 *   remote-config.c   remotes: the lxc client's config.yml and lxdeck's own
 *   backend-remote.c  struct backend_ops over all of the above
 *
 * Only this layer includes json-c and libwebsockets.  It sees containers
 * through struct backend_ops alone.
 */
#ifndef LXDECK_REMOTE_H
#define LXDECK_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "../common/common.h"
#include "../engine/backend.h"
#include "remotes.h"

struct server;
struct request;
struct ws;
struct upgrade;
struct uv_loop_s;

/* Called once a websocket upgrade is done; must set ws->ops (ws.c).
 * Called with ws NULL when the upgrade never completes (the client left
 * during the handshake, the daemon stops): it only frees arg then. */
typedef void (*ws_bind_cb)(struct ws *, void *arg);

/* Limits.  JSON bodies are read into memory, uploads spool to disk. */
#define HTTP_MAX_HEAD		(64 * 1024)
#define HTTP_MAX_JSON_BODY	(4 * 1024 * 1024)
/* Any body before the peer is trusted: POST /1.0/certificates with a
 * certificate, a name and a token fits many times over. */
#define HTTP_MAX_UNTRUSTED_BODY	(64 * 1024)
#define HTTP_MAX_UPLOAD		(8LL * 1024 * 1024 * 1024)
#define HTTP_MAX_FILE_PUSH	(1024LL * 1024 * 1024)
#define WS_MAX_QUEUE		(8 * 1024 * 1024)

/* buf.c */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...) PRINTF_LIKE(2, 3);
/* Gives up the data (NUL-terminated, caller frees) and leaves b empty. */
char	*buf_steal(struct buf *);
/* Room for n more bytes, exactly (no doubling): a body of known length. */
void	 buf_reserve(struct buf *, size_t n);
void	 buf_free(struct buf *);

/* http.c */
enum http_method {
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE,
	HTTP_OPTIONS, HTTP_OTHER
};

struct http_request {
	enum http_method method;
	char		*method_name;
	char		*target;	/* as sent: /1.0/x?y=z */
	char		*raw_path;	/* target before '?', still encoded */
	struct strmap	 query;		/* decoded; the last of a repeated key */
	struct strmap	 headers;	/* names in lower case */
	bool		 chunked;
	int64_t		 content_length;	/* -1: none given */
	bool		 upgrade;	/* websocket upgrade requested */
};

enum http_parse_state {
	HTTP_PARSE_HEAD,	/* reading the request line and headers */
	HTTP_PARSE_HEAD_DONE,	/* head parsed; caller looks, then http_parser_body() */
	HTTP_PARSE_BODY,	/* content-length body */
	HTTP_PARSE_CHUNK_SIZE,
	HTTP_PARSE_CHUNK_DATA,
	HTTP_PARSE_CHUNK_DATA_END,
	HTTP_PARSE_TRAILER,
	HTTP_PARSE_DONE,
	HTTP_PARSE_ERROR,
};

typedef void (*http_body_cb)(void *arg, const char *data, size_t len);

struct http_parser {
	enum http_parse_state state;
	struct buf	 head;		/* raw head bytes (kept for websocket hand-off) */
	struct buf	 line;		/* chunk-size / trailer line */
	struct http_request req;
	int64_t		 remaining;
	int64_t		 body_len;	/* bytes of body seen so far */
	int		 error_code;	/* HTTP status for a parse error */
	char		 error[128];
};

void	 http_parser_init(struct http_parser *);
void	 http_parser_free(struct http_parser *);
/* Consumes up to len bytes and returns how many it took; stops after the
 * head (state HEAD_DONE) and at the end of the body (DONE).  On bad input
 * the state becomes ERROR with error_code/error set. */
size_t	 http_parser_feed(struct http_parser *, const char *data, size_t len,
	     http_body_cb, void *arg);
/* After HEAD_DONE: starts reading the body (DONE at once when none). */
void	 http_parser_body(struct http_parser *);
const char *http_header(const struct http_request *, const char *lname);
/* Decodes %XX (and '+' as space when plus is true).  Caller frees; NULL
 * for a malformed escape. */
char	*http_urldecode(const char *, size_t len, bool plus);
/* Parses a query string "a=b&c=d" into m (decoded). */
void	 http_parse_query(struct strmap *m, const char *q);
/* "OK", "Not Found", ... */
const char *http_status_text(int code);
/* Splits a multipart/form-data body held in [data, data+len) by boundary
 * into parts; each part gets its name and filename and a [start, end)
 * range.  Returns the number of parts or -1 when malformed. */
struct http_part {
	char	*name;
	char	*filename;
	size_t	 start, end;
};
int	 http_multipart_split(const char *data, size_t len, const char *boundary,
	     struct http_part *parts, int max);
void	 http_part_free(struct http_part *);
/* The boundary parameter of a multipart Content-Type, caller frees. */
char	*http_multipart_boundary(const char *content_type);

/* codec.c */
/* Go's encoding/json output: compact, `<>&` escaped, sorted keys when
 * sort_keys (maps) or insertion order (structs).  Caller frees. */
char	*codec_to_string(json_object *, bool sort_keys);
/* LXD's ETag of a value: sha256(GoJSON(v) + "\n") in hex, in out[65]. */
void	 codec_etag(json_object *, char out[65]);
/* Parses a request body; 400 with Go-like text when malformed. */
json_object *codec_parse(const char *data, size_t len, struct err *);
json_object *codec_strmap_encode(const struct strmap *);
json_object *codec_devmap_encode(const struct devmap *);
json_object *codec_strv_encode(const struct strv *);
json_object *codec_time_encode(int64_t ns);
json_object *codec_string(const char *);	/* NULL -> "" */
/* Typed access to an optional field of obj (an object).  Absent or null
 * leaves *out alone and returns 0; the wrong type is a 400 naming the
 * field, as Go's decoder does. */
int	 codec_get_string(json_object *obj, const char *key, const char **out,
	     struct err *);
int	 codec_get_bool(json_object *obj, const char *key, bool *out, struct err *);
int	 codec_get_int(json_object *obj, const char *key, int64_t *out, struct err *);
int	 codec_get_strmap(json_object *obj, const char *key, struct strmap *out,
	     bool *present, struct err *);
int	 codec_get_devmap(json_object *obj, const char *key, struct devmap *out,
	     bool *present, struct err *);
int	 codec_get_strv(json_object *obj, const char *key, struct strv *out,
	     bool *present, struct err *);
int	 codec_get_time(json_object *obj, const char *key, int64_t *out, struct err *);
/* Requires obj to be a JSON object (a request body). */
int	 codec_check_object(json_object *obj, const char *what, struct err *);

/* codec-server.c: GET /1.0 */
json_object *codec_server_encode(const struct server_info *, const struct strv *extensions);
int	 codec_server_decode(json_object *, struct server_info *, struct strv *extensions,
	     struct err *);

/* codec-instance.c */
/* full: InstanceFull (state + snapshots + backups) from inst->state/snapshots. */
json_object *codec_instance_encode(const struct instance *, bool full);
int	 codec_instance_decode(json_object *, struct instance *, struct err *);
/* The ETag value: [architecture, config, devices, ephemeral, profiles]. */
void	 codec_instance_etag(const struct instance *, char out[65]);
/* POST /1.0/instances; strings in c point into obj (keep obj alive). */
int	 codec_instance_create_decode(json_object *, struct instance_create *,
	     struct err *);
json_object *codec_instance_create_encode(const struct instance_create *);
/* PUT /1.0/instances/NAME; *restore gets "restore" (into obj) or NULL. */
int	 codec_instance_put_decode(json_object *, struct instance_put *,
	     const char **restore, struct err *);
json_object *codec_instance_put_encode(const struct instance_put *);
void	 codec_instance_put_free(struct instance_put *);

/* codec-state.c */
json_object *codec_state_encode(const struct instance_state *);
int	 codec_state_decode(json_object *, struct instance_state *, struct err *);
/* PUT .../state */
struct state_put {
	const char	*action;
	int		 timeout;
	bool		 force;
	bool		 stateful;
};
int	 codec_state_put_decode(json_object *, struct state_put *, struct err *);
json_object *codec_state_put_encode(const struct state_put *);

/* codec-snapshot.c */
json_object *codec_snapshot_encode(const struct snapshot *);
int	 codec_snapshot_decode(json_object *, struct snapshot *, struct err *);
void	 codec_snapshot_etag(const struct snapshot *, char out[65]);

/* codec-network.c */
json_object *codec_network_encode(const struct network *);
json_object *codec_network_state_encode(const struct network_state *);
json_object *codec_network_lease_encode(const struct network_lease *);

/* codec-storage.c */
json_object *codec_storage_pool_encode(const struct storage_pool *);
json_object *codec_storage_resources_encode(const struct storage_resources *);
json_object *codec_storage_volume_encode(const struct storage_volume *);
json_object *codec_storage_snapshot_encode(const struct storage_volume *);

/* codec-profile.c */
json_object *codec_profile_encode(const struct profile *);
/* Name optional (PUT has none). */
int	 codec_profile_decode(json_object *, struct profile *, struct err *);
void	 codec_profile_etag(const struct profile *, char out[65]);

/* codec-image.c */
json_object *codec_image_encode(const struct image *);
int	 codec_image_decode(json_object *, struct image *, struct err *);
void	 codec_image_etag(const struct image *, char out[65]);
json_object *codec_image_alias_encode(const struct image_alias *);
int	 codec_image_alias_decode(json_object *, struct image_alias *, struct err *);
void	 codec_image_alias_etag(const struct image_alias *, char out[65]);

/* codec-op.c */
/* extra (borrowed, may be NULL): JSON merged into metadata (exec fds). */
json_object *codec_op_encode(const struct op_info *, json_object *extra);
int	 codec_op_decode(json_object *, struct op_info *, struct err *);
const char *codec_op_class_name(enum op_class);

/* codec-event.c */
json_object *codec_event_encode(const struct event *, json_object *op_extra);
/* Decoded events own their strings: free with codec_event_free(). */
int	 codec_event_decode(json_object *, struct event *, struct err *);
void	 codec_event_free(struct event *);
const char *codec_event_type_name(enum event_type);

/* codec-exec.c */
int	 codec_exec_decode(json_object *, struct exec_req *, bool *wait_for_ws,
	     struct err *);
json_object *codec_exec_encode(const struct exec_req *);
/* A control message: "window-resize" (width/height) or "signal". */
struct exec_control {
	char	command[32];
	int	width, height;
	int	signal;
};
int	 codec_exec_control_decode(const char *data, size_t len,
	     struct exec_control *, struct err *);

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
bool	 request_project_is_default(const struct request *);
/* 404 unless the request is for the default project (the only one). */
int	 request_check_project(const struct request *, struct err *);
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
void	 response_created(struct request *, const char *location);
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
void	 api_events_broadcast(struct server *, const struct event *);
/* api-operations.c */
int	 api_operations_list(struct request *, struct err *);
int	 api_operations_get(struct request *, struct err *);
int	 api_operations_delete(struct request *, struct err *);
int	 api_operations_wait(struct request *, struct err *);
int	 api_operations_websocket(struct request *, struct err *);
void	 api_operations_on_event(struct server *, const struct event *);
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
/* Websocket of a session: checks the secret (403). */
int	 api_exec_ws_check(struct server *, const char *op_id, const char *secret,
	     struct err *);
/* What api_exec_ws_bind() gets: which session and stream (freed by bind). */
void	*api_exec_ws_arg(struct server *, const char *op_id, const char *secret);
void	 api_exec_ws_bind(struct ws *, void *arg);
/* The fds/command/... metadata of a session's op (borrowed) or NULL. */
json_object *api_exec_op_extra(struct server *, const char *op_id);
void	 api_exec_free_all(struct server *);
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
/* GET /1.0 over HTTPS: public fields for untrusted callers; for trusted
 * ones the full info plus certificate and addresses. */
int	 api_certificates_server_get(struct request *, struct err *);
/* PUT/PATCH /1.0: core.trust_password is stored as a hash. */
int	 api_certificates_config_filter(struct request *, struct err *);

/* tls.c */
/* hex(sha256(DER)) into fp[65]. */
int	 tls_x509_fingerprint(void *x509, char fp[65]);
int	 tls_pem_fingerprint(const char *pem, char fp[65]);
/* PEM text of a certificate (X509 *), caller frees. */
char	*tls_x509_pem(void *x509);
/* The subject CN of a PEM certificate, caller frees (NULL if none). */
char	*tls_pem_cn(const char *pem);
/* Writes a self-signed ECDSA P-384 certificate and key as LXD/lxc make
 * them (O=linuxcontainers.org, CN=root@HOST, 10 years); server: EKU
 * serverAuth and SANs DNS:HOST, IP:127.0.0.1, IP:::1; else clientAuth. */
int	 tls_cert_create(const char *crt_path, const char *key_path, bool server,
	     struct err *);
/* Reads a whole (small) file, caller frees; NULL with errno set. */
char	*tls_read_file(const char *path);
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
/* The token operation op_id (new reference), or NULL. */
json_object *image_secret_op(struct server *, const char *op_id);
/* Cancels the token op_id; false if there is none. */
bool	 image_secret_cancel(struct server *, const char *op_id);
void	 image_secret_free_all(struct server *);

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

/* client.c */
struct client {
	char	*name;
	char	*project;
	char	*base;		/* http://unix.socket or https://host:port */
	char	*socket_path;
	bool	 https;
	char	*client_crt, *client_key;
	char	*pinned_pem;
	char	 pinned_fp[65];
	int	 connect_timeout_ms, timeout_ms;
	/* The last TLS handshake: the certificate seen, pin verdict. */
	bool	 capture_only;
	bool	 pin_mismatch;
	char	 seen_fp[65];
	char	*seen_pem;
	/* Reachability. */
	int64_t	 down_since_ns, retry_at_ns;
	int	 backoff_ms;
	char	 down_reason[128];
};
struct client_req {
	const char	*method;
	const char	*path;
	json_object	*json;		/* body, borrowed */
	const char	*data;		/* or raw body */
	size_t		 data_len;
	const char	*upload_path;	/* or a file */
	int64_t		 upload_len;
	const struct strmap *headers;
	const char	*if_match;	/* ETag without quotes */
	bool		 raw;		/* a non-JSON answer is fine */
	int		 timeout_ms;	/* 0: the client's */
};
struct client_resp {
	int		 http;
	bool		 async;
	bool		 raw;
	char		 path[256];
	json_object	*root;
	json_object	*metadata;	/* borrowed from root */
	struct buf	 body;
	struct strmap	 headers;	/* lower-case names */
};
struct client *client_create(const struct remote_conf *, struct err *);
void	 client_free(struct client *);
void	*client_curl(struct client *, const char *path, bool verify);
bool	 client_is_down(const struct client *);
void	 client_mark_up(struct client *);
void	 client_mark_down(struct client *, const char *why);
const char *client_down_text(const struct client *, char *buf, size_t len);
int	 client_check_reachable(struct client *, struct err *);
int	 client_pin_error(struct client *, struct err *);
/* One request; *r is the caller's to free with client_resp_free() after a
 * success; after a failure (-1, e says why) it holds nothing. */
int	 client_request(struct client *, const char *method, const char *path,
	     json_object *json, const char *if_match, struct client_resp *,
	     struct err *);
int	 client_request_ex(struct client *, const struct client_req *,
	     struct client_resp *, struct err *);
void	 client_resp_free(struct client_resp *);
const char *client_resp_header(const struct client_resp *, const char *lname);
void	 client_resp_etag(const struct client_resp *, char out[65]);
int	 client_fetch_cert(struct client *, char **pem, char fp[65], struct err *);
/* auth (may be NULL) gets "trusted"/"untrusted". */
int	 client_server_get(struct client *, struct server_info *, struct strv *ext,
	     char *auth, size_t authlen, struct err *);

/* client-ws.c */
struct client_ws;
typedef void (*client_ws_msg_cb)(void *arg, int opcode, const char *data,
	     size_t len);
#define WS_OP_TEXT	1
#define WS_OP_BINARY	2
struct client_ws *client_ws_start(struct client *, const char *path, struct err *);
int	 client_ws_step(struct client_ws *, struct err *);
struct client_ws *client_ws_open(struct client *, const char *path, struct err *);
int	 client_ws_fd(const struct client_ws *);
bool	 client_ws_is_open(const struct client_ws *);
bool	 client_ws_pending(const struct client_ws *);
int	 client_ws_send(struct client_ws *, int opcode, const void *, size_t);
int	 client_ws_write_ready(struct client_ws *);
int	 client_ws_read(struct client_ws *, client_ws_msg_cb, void *arg);
/* Whole frames wait in memory (they came with the handshake): read them
 * now, the fd will not say so. */
bool	 client_ws_ready(const struct client_ws *);
void	 client_ws_free(struct client_ws *);

/* client-exec.c */
struct client_exec;
/* Connects the websockets of a session whose op (class websocket) carries
 * metadata "fds", and bridges them to socketpairs in *out. */
struct client_exec *client_exec_start(struct client *, struct uv_loop_s *,
	     const struct op_info *op, bool interactive, struct exec_handle **out,
	     struct err *);
struct exec_handle *client_exec_handle(struct client_exec *);
int	 client_exec_control(struct client_exec *, const char *json, struct err *);
/* Holds the caller's input (it waits, unread) for ms milliseconds. */
void	 client_exec_hold_input(struct client_exec *, unsigned int ms);
/* The session's operation ended: exit status (128+signal) or -1. */
void	 client_exec_finished(struct client_exec *, int status);
const char *client_exec_op_id(const struct client_exec *);
void	 client_exec_free(struct client_exec *);

/* console-acc.c */
struct console_acc;
/* Appends a piece read from inst while its init was pid (another pid
 * starts afresh) and returns the whole log so far (caller frees). */
char	*console_acc_add(struct console_acc **, const char *inst, pid_t pid,
	     const char *piece, size_t n, size_t *len);
void	 console_acc_forget(struct console_acc **, const char *inst);
void	 console_acc_free(struct console_acc **);

/* Per-server state of the api files that keep some (server.c holds it,
 * each api file allocates and frees its own part). */
struct api_state {
	struct events_state	*events;
	struct ops_state	*ops;
	struct exec_state	*exec;
	struct image_secrets	*image_secrets;
	struct cert_checks	*cert_checks;
};
struct api_state *server_api_state(struct server *);
/* server_free's: what api-operations.c and api-events.c keep per server. */
void	 api_operations_free_all(struct server *);
void	 api_events_free_all(struct server *);
void	 api_certificates_free_all(struct server *);
struct uv_loop_s *server_loop(struct server *);
const char *server_spool_dir(struct server *);
struct ws_ctx *server_ws_ctx(struct server *);
#endif
