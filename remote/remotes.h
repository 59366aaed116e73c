/*
 * remotes.h - the part of the remote layer the TUI sees: which remotes
 * exist (remote-config.c) and the backend that drives one
 * (backend-remote.c).  No json-c, libwebsockets or curl types here, so
 * tui/ can include it (DESIGN.md "Layers").
 */
#ifndef LXDECK_REMOTES_H
#define LXDECK_REMOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../engine/backend.h"

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
#endif
