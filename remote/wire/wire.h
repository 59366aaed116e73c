/*
 * wire.h - the wire: how LXD's /1.0 API looks on the network, shared by
 * lxdeckd (server/) and the REST client (client/).  Nothing here listens,
 * connects or keeps state between requests.
 *
 *   buf.c        growable byte buffer
 *   http.c       HTTP/1.1 request parser (content-length and chunked bodies,
 *                limits), query strings, multipart splitting
 *   cert.c       certificates as LXD makes them (ECDSA P-384), PEM,
 *                subject names, fingerprints
 *   codec.c      JSON helpers shared by the codecs: Go-style output (what
 *                LXD prints and hashes for ETags), typed field access with
 *                Go-like error messages, strmap/devmap/strv/time, the
 *                rename body {"name"}
 *   codec-*.c    one codec per API object, model <-> LXD JSON, both ways;
 *                request bodies too (X_post/X_put _encode for the REST
 *                client, _decode for lxdeckd), so both ends share them
 *
 * With server/ and client/, the only place that includes json-c.  It sees
 * containers through the model of core/core.h alone.
 */
#ifndef LXDECK_WIRE_H
#define LXDECK_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "../../common/common.h"
#include "../../core/core.h"

struct request;

/* Limits.  JSON bodies are read into memory, uploads spool to disk. */
#define HTTP_MAX_HEAD		(64 * 1024)
#define HTTP_MAX_JSON_BODY	(4 * 1024 * 1024)
/* Any body before the peer is trusted: POST /1.0/certificates with a
 * certificate, a name and a token fits many times over. */
#define HTTP_MAX_UNTRUSTED_BODY	(64 * 1024)
#define HTTP_MAX_UPLOAD		(8LL * 1024 * 1024 * 1024)
#define HTTP_MAX_FILE_PUSH	(1024LL * 1024 * 1024)

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
/* The same into a copy: *out (freed first) gets the string, "" when
 * absent; the caller frees. */
int	 codec_get_dup(json_object *obj, const char *key, char **out, struct err *);
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
/* POST {"name": NEW}: the rename of an instance, profile or alias (a
 * snapshot's adds "migration": codec_snapshot_rename_decode).  *name
 * points into obj, NULL when absent. */
json_object *codec_rename_encode(const char *name);
int	 codec_rename_decode(json_object *, const char **name, struct err *);

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
/* POST .../snapshots; name points into obj, expires_ns 0: never. */
struct snapshot_post {
	const char	*name;		/* NULL or "": the server picks one */
	bool		 stateful;
	int64_t		 expires_ns;
};
json_object *codec_snapshot_post_encode(const struct snapshot_post *);
int	 codec_snapshot_post_decode(json_object *, struct snapshot_post *, struct err *);
/* POST .../snapshots/SNAP (the encoder is codec_rename_encode). */
int	 codec_snapshot_rename_decode(json_object *, const char **name,
	     bool *migration, struct err *);
/* PUT .../snapshots/SNAP: absent expires_at leaves *expires_ns alone. */
json_object *codec_snapshot_put_encode(int64_t expires_ns);
int	 codec_snapshot_put_decode(json_object *, int64_t *expires_ns, struct err *);
/* PUT /1.0/instances/NAME {"restore"}; decoded by codec_instance_put_decode. */
json_object *codec_snapshot_restore_encode(const char *inst, const char *snap,
	     bool stateful);

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
/* POST /1.0/profiles is codec_profile_post_encode (decoded by
 * codec_profile_decode); PUT/PATCH is codec_profile_put_*: what the body
 * sets, description NULL when absent (points into obj). */
struct profile_put {
	const char	*description;
	struct strmap	 config;
	struct devmap	 devices;
};
json_object *codec_profile_post_encode(const struct profile *);
json_object *codec_profile_put_encode(const struct profile *);
int	 codec_profile_put_decode(json_object *, struct profile_put *, struct err *);
void	 codec_profile_put_free(struct profile_put *);

/* codec-image.c */
json_object *codec_image_encode(const struct image *);
int	 codec_image_decode(json_object *, struct image *, struct err *);
void	 codec_image_etag(const struct image *, char out[65]);
json_object *codec_image_alias_encode(const struct image_alias *);
int	 codec_image_alias_decode(json_object *, struct image_alias *, struct err *);
void	 codec_image_alias_etag(const struct image_alias *, char out[65]);
/* PUT/PATCH /1.0/images/FP: fields present in obj overwrite *put (the
 * caller fills it first), properties go to *props for the caller to
 * merge or replace. */
json_object *codec_image_put_encode(const struct image *);
int	 codec_image_put_decode(json_object *, struct image *put, struct strmap *props,
	     struct err *);
/* POST /1.0/images with a JSON body: source.type ("image" is a pull, else
 * a publish; borrowed, NULL when none). */
const char *codec_image_source_type(json_object *);
/* A publish: source {type, name}; strings point into obj. */
struct image_publish {
	const char	*type;		/* "instance", "container" or "snapshot" */
	const char	*name;		/* INSTANCE or INSTANCE/SNAPSHOT */
	const char	*compression;	/* NULL: the server's default */
	bool		 public;
	struct strmap	 properties;
};
json_object *codec_image_publish_encode(const struct image_publish *);
int	 codec_image_publish_decode(json_object *, struct image_publish *,
	     struct err *);
/* A pull (source.type "image"); strings point into obj, free the rest
 * with image_pull_free_contents.  *mode: source.mode, NULL when absent. */
int	 codec_image_pull_decode(json_object *, struct image_pull *, const char **mode,
	     struct err *);
/* POST /1.0/images/aliases (decoded by codec_image_alias_decode). */
json_object *codec_image_alias_post_encode(const char *name, const char *target,
	     const char *description);
/* PUT/PATCH /1.0/images/aliases/NAME; NULL when absent (into obj). */
int	 codec_image_alias_put_decode(json_object *, const char **target,
	     const char **description, struct err *);

/* codec-warning.c */
json_object *codec_warning_encode(const struct warning *);

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


/* cert.c */
/* hex(sha256(DER)) into fp[65]. */
int	 cert_x509_fingerprint(void *x509, char fp[65]);
int	 cert_pem_fingerprint(const char *pem, char fp[65]);
/* PEM text of a certificate (X509 *), caller frees. */
char	*cert_x509_pem(void *x509);
/* The subject CN of a PEM certificate, caller frees (NULL if none). */
char	*cert_pem_cn(const char *pem);
/* Writes a self-signed ECDSA P-384 certificate and key as LXD/lxc make
 * them (O=linuxcontainers.org, CN=root@HOST, 10 years); server: EKU
 * serverAuth and SANs DNS:HOST, IP:127.0.0.1, IP:::1; else clientAuth. */
int	 cert_create(const char *crt_path, const char *key_path, bool server,
	     struct err *);
/* Reads a whole (small) file, caller frees; NULL with errno set. */
char	*cert_read_file(const char *path);
#endif
