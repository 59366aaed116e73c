/*
 * server-child.h - lxdeckd's server over the fake backend, in a forked
 * child, for unit tests whose client side blocks (libcurl) in the test
 * process.  The child serves the unix socket sock and, when listen is
 * given, HTTPS on it (the server certificate is made in dir); it runs
 * until killed.  server_child_start() returns once the socket exists.
 */
#ifndef LXDECK_SERVER_CHILD_H
#define LXDECK_SERVER_CHILD_H

#include <unistd.h>

#include <uv.h>

static pid_t
server_child_start(const char *sock, const char *dir, const char *listen)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		struct server_config cfg = { 0 };
		struct err e = { 0 };
		struct backend *fake;
		uv_loop_t loop;

		uv_loop_init(&loop);
		fake = backend_fake_create(&loop, &e);
		cfg.socket_path = sock;
		cfg.dir = dir;
		cfg.listen = listen;
		if (fake == NULL || server_create(&loop, fake, &cfg, &e) == NULL)
			_exit(1);
		uv_run(&loop, UV_RUN_DEFAULT);
		_exit(0);
	}
	for (i = 0; pid > 0 && i < 100 && access(sock, F_OK) != 0; i++)
		usleep(20000);
	usleep(100000);	/* the HTTPS listener comes up after the socket */
	return pid;
}

#endif
