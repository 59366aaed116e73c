/*
 * client-internal.h - the REST client's transport, inside client/: what
 * client.c, client-ws.c, client-exec.c and console-acc.c give
 * backend-remote.c and the image fetcher.  The face the rest of lxdeck
 * sees is client.h, which includes no json-c.
 */
#ifndef LXDECK_CLIENT_INTERNAL_H
#define LXDECK_CLIENT_INTERNAL_H

#include "../wire/wire.h"
#include "client.h"

struct uv_loop_s;

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
#endif
