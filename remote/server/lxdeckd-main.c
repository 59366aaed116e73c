/*
 * lxdeckd-main.c - lxdeckd, the LXD API daemon.
 *
 * Creates the backend (the local engine on --dir, or the in-memory fake
 * with --fake / LXDECK_BACKEND=fake), serves it on a unix socket with the
 * LXD /1.0 API (server.c) and runs the libuv loop in the foreground,
 * logging to stderr.  SIGTERM and SIGINT stop the daemon cleanly: the
 * socket goes away, open connections are dropped, containers keep
 * running.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../core/core.h"
#include "server.h"
#include "../client/client.h"

#define LXDECKD_VERSION "0.1"

struct daemon {
	uv_loop_t	*loop;
	uv_signal_t	 sigterm, sigint;
	struct server	*srv;
	struct backend	*be;
	bool		 stopping;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: lxdeckd [--dir DIR] [--socket PATH] [--group GROUP] [--fake]\n"
	    "               [--listen ADDR:PORT] [--debug] [--version]\n"
	    "Serves the LXD /1.0 API on DIR/unix.socket (default DIR is\n"
	    "$LXDECK_DIR or /var/lib/lxdeck), and on HTTPS at ADDR:PORT with\n"
	    "--listen or core.https_address.\n");
}

static void
daemon_stop(uv_signal_t *sig, int signum)
{
	struct daemon *d = sig->data;

	if (d->stopping)
		return;
	d->stopping = true;
	log_info("Signal %d: stopping (containers keep running)", signum);
	server_free(d->srv);
	d->srv = NULL;
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_stop(d->loop);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "fake", no_argument, NULL, 'f' },
		{ "listen", required_argument, NULL, 'l' },
		{ "debug", no_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { 0 };
	struct server_config cfg = { 0 };
	const char *dir = getenv("LXDECK_DIR"), *env = getenv("LXDECK_BACKEND");
	char *socket_path = NULL;
	bool fake = env != NULL && strcmp(env, "fake") == 0;
	struct err e = { 0 };
	int c, i;

	log_set_prefix("lxdeckd");
	while ((c = getopt_long(argc, argv, "d:s:g:l:fDVh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 's': cfg.socket_path = optarg; break;
		case 'g': cfg.group = optarg; break;
		case 'f': fake = true; break;
		case 'l': cfg.listen = optarg; break;
		case 'D': log_set_level(LOG_LVL_DEBUG); break;
		case 'V': printf("lxdeckd %s\n", LXDECKD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (dir == NULL || *dir == '\0')
		dir = "/var/lib/lxdeck";
	if (cfg.socket_path == NULL) {
		socket_path = xasprintf("%s/unix.socket", dir);
		cfg.socket_path = socket_path;
	}
	cfg.dir = dir;
	signal(SIGPIPE, SIG_IGN);
	image_fetch_install();	/* image servers for creates and auto-update */
	d.loop = uv_default_loop();
	d.be = fake ? backend_fake_create(d.loop, &e) :
	    backend_local_create(d.loop, dir, &e);
	if (d.be == NULL) {
		log_error("Failed to start the %s backend: %s", fake ? "fake" : "local",
		    e.msg);
		free(socket_path);
		return 1;
	}
	d.srv = server_create(d.loop, d.be, &cfg, &e);
	if (d.srv == NULL) {
		log_error("%s", e.msg);
		d.be->ops->free(d.be);
		free(socket_path);
		return 1;
	}
	uv_signal_init(d.loop, &d.sigterm);
	uv_signal_init(d.loop, &d.sigint);
	d.sigterm.data = d.sigint.data = &d;
	uv_signal_start(&d.sigterm, daemon_stop, SIGTERM);
	uv_signal_start(&d.sigint, daemon_stop, SIGINT);
	fprintf(stderr, "lxdeckd: serving the %s backend on %s\n", d.be->ops->name,
	    cfg.socket_path);
	uv_run(d.loop, UV_RUN_DEFAULT);

	if (d.srv != NULL)
		server_free(d.srv);
	d.be->ops->free(d.be);
	/* Let closing handles finish; never hang on the way out. */
	for (i = 0; i < 50 && uv_run(d.loop, UV_RUN_NOWAIT) != 0; i++)
		;
	ws_ctx_finish();
	free(socket_path);
	log_info("Stopped");
	return 0;
}
