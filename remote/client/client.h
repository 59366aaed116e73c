/*
 * client.h - the REST client, as the rest of lxdeck sees it: which remotes
 * exist, the backend that drives one (lxdeckd, LXD, Incus), and image
 * servers from the outside.  No json-c, libwebsockets or curl types here,
 * so tui/ and the daemon's engine fetcher can include it (DESIGN.md
 * "Layers"); the transport underneath is client-internal.h.
 *
 *   client.c          one remote's requests over a unix socket or HTTPS
 *                     (libcurl), envelopes, pinning, reachability
 *   client-ws.c       RFC 6455 client on the same connection
 *   client-exec.c     exec/console websockets bridged to local socketpairs
 *   console-acc.c     console logs kept whole when LXD/Incus drain them
 *   remote-config.c   remotes: the lxc client's config.yml and lxdeck's own
 *   backend-remote.c  struct backend_ops over all of the above
 *   curl-load.c       libcurl, loaded on the first transfer
 *   image-fetch.c     HTTP with libcurl (https://, http://, and unix:// for
 *                     an LXD server on a local socket), the preconfigured
 *                     remotes, the "lxd" image protocol (lxd-api.md 4.4),
 *                     the engine's fetcher (struct image_fetcher, core.h)
 *   simplestreams.c   streams/v1/index.json and the products catalog
 *                     (lxd-api.md 4.3), turned into LXD's view of images
 *   image-server.c    the servers the TUI browses: remotes, preconfigured
 *                     servers and URLs, with their certificates
 *
 * Unreachable servers fail fast: connecting (name lookup included) gives
 * up after IMAGE_FETCH_CONNECT_MS, a stalled transfer after
 * IMAGE_FETCH_STALL_S seconds without a byte.
 */
#ifndef LXDECK_CLIENT_H
#define LXDECK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../common/common.h"
#include "../../core/core.h"


/* One remote, as configured (strings owned). */
struct remote_conf {
	char	*name;
	char	*addr;		/* unix:///path or https://host:port */
	char	*protocol;	/* "lxd" | "simplestreams" */
	char	*project;
	bool	 public;	/* an image server, not a host */
	bool	 from_lxc;	/* read from the lxc client's config */
	bool	 from_incus;	/* read from the incus client's config */
	bool	 read_only;	/* lxdeck's own per-remote setting */
	char	*color;		/* lxdeck's per-remote colour cue, NULL */
	char	*client_crt;	/* paths */
	char	*client_key;
	char	*server_crt;	/* pinned certificate, PEM text, or NULL */
	char	*server_crt_path;
};

/* Every remote lxdeck knows: the lxc client's ($LXD_CONF,
 * ~/.config/lxc, ~/snap/lxd/common/config; never written), the incus
 * client's ($INCUS_CONF, ~/.config/incus; never written) and lxdeck's
 * own ($XDG_CONFIG_HOME/lxdeck/remotes.yml). */
struct remotes {
	struct remote_conf *v;
	size_t		 n;
	char		*lxc_dir;	/* NULL when none was found */
	char		*incus_dir;	/* NULL when none was found */
	char		*own_dir;
	char		*default_remote;
	char		*client_crt;	/* lxc's or lxdeck's certificate, or NULL */
	char		*client_key;
};

/* remote-config.c */
/* Loads both configs; a broken file is a warning in *warn (may be NULL),
 * never a failure. */
void	 remotes_load(struct remotes *, char *warn, size_t warnlen);
void	 remotes_free(struct remotes *);
const struct remote_conf *remotes_find(const struct remotes *, const char *name);
/* Where a remote comes from: "lxc", "incus" or "lxdeck". */
const char *remote_conf_source(const struct remote_conf *);
/* The client certificate to use (lxc's if it has one, else lxdeck's,
 * made on first use: ECDSA P-384, self-signed). */
int	 remotes_client_cert(struct remotes *, struct err *);
/* `lxdeck remote add NAME URL|TOKEN`: first contact (shows the server's
 * SHA-256 fingerprint and asks on in/out unless accept), pins the
 * certificate, becomes trusted with the password or token, saves. */
int	 remotes_add(struct remotes *, const char *name, const char *target,
	     bool accept, bool public, const char *password, FILE *in, FILE *out,
	     struct err *);
/* Sets lxdeck's own per-remote options (read_only, color) and saves. */
int	 remotes_set_option(struct remotes *, const char *name, const char *key,
	     const char *value, struct err *);

/* backend-remote.c */
struct uv_loop_s;
struct backend *backend_remote_create(struct uv_loop_s *, const struct remote_conf *,
	     struct err *);
/* false with why ("unreachable since 14:03:12 (...)") when the remote is
 * known down. */
bool	 backend_remote_reachable(struct backend *, char *why, size_t len);

#define IMAGE_FETCH_CONNECT_MS	3000
#define IMAGE_FETCH_STALL_S	30
#define IMAGE_FETCH_JSON_MAX	(64 * 1024 * 1024)

/* A preconfigured image server (`images:`, `ubuntu:`, `ubuntu-daily:`). */
struct image_fetch_remote {
	const char	*name;
	const char	*url;
	const char	*protocol;
};

/* image-fetch.c */
/* The preconfigured image servers; *n gets their count. */
const struct image_fetch_remote *image_fetch_remotes(size_t *n);
/* By name ("images", with or without the trailing ':'); NULL if unknown. */
const struct image_fetch_remote *image_fetch_remote_find(const char *name);
/* Registers the fetcher with the engine (engine_set_image_fetcher) and
 * nothing else: libcurl is loaded on the first transfer (curl-load.h).
 * Call once from main, before the loop runs. */
void	 image_fetch_install(void);
/* What a server offers / one image / a download: the fetcher's methods,
 * also usable directly (the TUI's picker lists with image_fetch_list). */
int	 image_fetch_list(const struct image_remote *, struct image **out,
	     size_t *n, struct err *);
int	 image_fetch_resolve(const struct image_remote *, const char *ref,
	     struct image *out, struct err *);
int	 image_fetch_download(const struct image_remote *, const char *fp,
	     const char *dir, char **meta_path, char **rootfs_path,
	     image_fetch_progress_fn, void *arg, struct err *);
/* GET server+path into memory (at most max bytes; NUL terminated, caller
 * frees).  *status gets the HTTP status (may be NULL); a status >= 400 is
 * not an error here, the body is returned for the caller to read. */
int	 image_fetch_get(const struct image_remote *, const char *path,
	     size_t max, char **body, size_t *len, long *status, struct err *);
/* Where a file checked by SHA-256 goes. */
struct image_fetch_file {
	const char	*path;		/* on the server, appended to its URL */
	const char	*dest;		/* local file (created) */
	const char	*sha256;	/* expected, or NULL */
	int64_t		 size;		/* expected, for progress (0: unknown) */
	const char	*what;		/* "metadata", "rootfs" (progress text) */
	char		 got_sha256[65]; /* out: what arrived hashed to */
};
/* Downloads files in order into their dest, feeding every byte to the
 * SHA-256 of the whole (checked against combined when not NULL) and of
 * each file.  On any failure (transfer, HTTP status, hash) every dest is
 * removed.  *content_type (may be NULL) gets the last reply's type. */
int	 image_fetch_files(const struct image_remote *, struct image_fetch_file *,
	     size_t n, const char *combined, char **content_type,
	     image_fetch_progress_fn, void *arg, struct err *);

/* image-server.c: the servers the TUI browses and launches from. */
struct image_server {
	char	*name;		/* as shown: "lab:", "images:", the URL */
	char	*remote;	/* the configured remote, or NULL */
	char	*url;		/* https://, http://, unix:// */
	char	*protocol;	/* "lxd" | "simplestreams" */
	char	*certificate;	/* pinned server certificate (PEM), or NULL */
	char	*client_crt;	/* our client certificate and key (paths), */
	char	*client_key;	/* presented when set */
	char	*project;
	bool	 trusted;	/* set by image_server_list: private images show */
};
/* "lab:", "images:", "URL" or "URL PROTOCOL" -> *out (free its contents). */
int	 image_server_resolve(const char *spec, struct image_server *out,
	     struct err *);
void	 image_server_free_contents(struct image_server *);
void	 image_server_copy(struct image_server *dst, const struct image_server *src);
/* Names of the servers one can browse: the configured remotes that speak
 * the LXD API or simplestreams, then the preconfigured ones (appended). */
void	 image_server_names(struct strv *out);
/* What s offers to us (private images too when it trusts our client
 * certificate: s->trusted).  A self-signed server whose certificate is not
 * pinned is a 495 saying to `lxdeck remote add` it. */
int	 image_server_list(struct image_server *s, struct image **out, size_t *n,
	     struct err *);
/* A download secret for private image fp (POST /1.0/images/FP/secret, as
 * a trusted client), for the host that pulls it; caller frees *secret. */
int	 image_server_secret(const struct image_server *, const char *fp,
	     char **secret, struct err *);

/* simplestreams.c */
struct simplestreams_item {
	char	*meta_path, *meta_sha256;	/* lxd.tar.xz, or the unified file */
	int64_t	 meta_size;
	char	*rootfs_path, *rootfs_sha256;	/* NULL: unified image */
	int64_t	 rootfs_size;
};
struct simplestreams {
	char			 *url;
	size_t			  n;
	struct image		 *images;	/* [n], as LXD shows them */
	struct simplestreams_item *items;	/* [n], where their files are */
};
/* Parses index.json: the products files of datatype image-downloads. */
int	 simplestreams_parse_index(const char *text, size_t len, struct strv *paths,
	     struct err *);
/* Parses a products:1.0 catalog into ss (appends); host_arch is the LXD
 * name of this host's architecture (aliases without "/arch"). */
int	 simplestreams_parse_products(struct simplestreams *ss, const char *text,
	     size_t len, const char *host_arch, struct err *);
/* ref: alias, fingerprint or unique prefix -> index in ss.  404 if none. */
int	 simplestreams_find(const struct simplestreams *, const char *ref,
	     size_t *idx, struct err *);
/* Fetches index and catalogs of r (cached in the process for a minute);
 * *out is borrowed until the next call. */
int	 simplestreams_get(const struct image_remote *, const struct simplestreams **out,
	     struct err *);
void	 simplestreams_free(struct simplestreams *);
#endif
