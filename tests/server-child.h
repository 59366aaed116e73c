/*
 * server-child.h - lxdeckd's server over the fake backend, in a forked
 * child, for unit tests whose client side blocks (libcurl) in the test
 * process.  The child serves the unix socket sock and, when listen is
 * given, HTTPS on it (the server certificate is made in dir); it runs
 * until killed.  server_child_start() returns once the socket exists.
 */
#ifndef LXDECK_SERVER_CHILD_H
#define LXDECK_SERVER_CHILD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

/* Does something accept TCP connections on "HOST:PORT" (IPv4)? */
static int
server_child_listening(const char *listen)
{
	struct sockaddr_in sa;
	char host[64];
	const char *colon = strrchr(listen, ':');
	int fd, rc;

	if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
		return 1;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return 1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return rc;
}

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
	/* Waits for what the test will use, not for a fixed time: a busy
	 * machine makes the certificate slowly.  The 30 s are a bound for a
	 * child that died, not a timing goal. */
	for (i = 0; pid > 0 && i < 1500 && access(sock, F_OK) != 0; i++)
		usleep(20000);
	for (; pid > 0 && listen != NULL && i < 1500 &&
	    !server_child_listening(listen); i++)
		usleep(20000);
	return pid;
}

#endif
