/*
 * fuzz-server.c - whole requests through lxdeckd: the input is what a
 * client writes on the unix socket (one or more HTTP requests, heads and
 * bodies, chunked or not), and the server of remote/server.c reads it as it
 * reads `lxc`: the head parser, the body collector, the router, and then
 * every api-*.c handler's own decoding of its body, headers and query
 * (instances POST/PUT/PATCH/POST-rename/state, snapshots, profiles,
 * networks and storage refusals, certificates with their base64 DER and
 * tokens, images and aliases, exec, file push headers, operations' wait
 * timeout, warnings, /1.0 PUT), with the fake backend behind.
 *
 * Each input gets a new fake backend and a new server in a private
 * directory, so an input's outcome depends on nothing before it (what the
 * corpus replay in `make test` needs).  The input is written in pieces (the
 * first byte says how large), the client then shuts its side and reads
 * whatever comes back; requests left waiting (an operation's wait, the
 * events websocket) are dropped when the connection goes.  Afterwards no
 * libwebsockets context may be left (remote/ws.c is #included to see).
 * The server may not listen on TCP here: tls_listen is wrapped (-Wl,--wrap)
 * to refuse, so a core.https_address in a PUT /1.0 opens no port.
 * FUZZ_SERVER_ECHO=1 copies the answers to stderr (to check a seed).
 * libFuzzer entry point; see run-fuzz for plain corpus replay with gcc.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "../../core/core.h"
#include "../../remote/server/ws.c"	/* ws_dying: every lws context must end */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
struct tls_listener;
struct tls_listener *__wrap_tls_listen(struct server *, const char *, const char *,
    struct err *);

struct tls_listener *
__wrap_tls_listen(struct server *srv, const char *addr, const char *dir,
    struct err *e)
{
	(void)srv;
	(void)dir;
	err_set(e, 500, "Failed to listen on \"%s\": not while fuzzing", addr);
	return NULL;
}

static char fuzz_dir[64], fuzz_sock[128];

static void
fuzz_server_init(void)
{
	char spool[128];

	if (fuzz_dir[0] != '\0')
		return;
	signal(SIGPIPE, SIG_IGN);
	snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/lxdeck-fuzz-server.XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	snprintf(fuzz_sock, sizeof fuzz_sock, "%s/unix.socket", fuzz_dir);
	snprintf(spool, sizeof spool, "%s/spool", fuzz_dir);
	mkdir(spool, 0700);
	setenv("TMPDIR", spool, 1);
	log_set_level(LOG_LVL_ERROR);
	setenv("LXDECK_FAKE_DELAY_MS", "0", 1);	/* operations end at once */
}

/* Removes what an input left behind (trust/, spool files) but the
 * directory itself and its spool/. */
static int
fuzz_server_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level == 0 || (ftw->level == 1 && strcmp(path + ftw->base, "spool") == 0))
		return 0;
	remove(path);
	return 0;
}

/* Turns the loop until fd has nothing more to say (EOF) or it goes
 * quiet; what comes back is read and dropped. */
static void
fuzz_server_drain(uv_loop_t *loop, int fd)
{
	char buf[65536];
	int quiet = 0, i;

	for (i = 0; i < 4000 && quiet < 50; i++) {
		ssize_t n;

		if (uv_run(loop, UV_RUN_NOWAIT) == 0)
			quiet++;
		n = read(fd, buf, sizeof buf);
		if (n == 0)
			return;
		if (n > 0) {
			if (getenv("FUZZ_SERVER_ECHO") != NULL)
				fwrite(buf, 1, (size_t)n, stderr);
			quiet = 0;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			return;
		quiet++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_config cfg = { 0 };
	struct err e = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uv_loop_t loop;
	struct backend *be;
	struct server *srv;
	size_t off = 0, step;
	int fd, i;

	fuzz_server_init();
	if (size == 0)
		return 0;
	step = (size_t)data[0] * 16 + 1;
	data++;
	size--;
	uv_loop_init(&loop);
	be = backend_fake_create(&loop, &e);
	if (be == NULL)
		abort();
	cfg.socket_path = fuzz_sock;
	cfg.dir = fuzz_dir;
	srv = server_create(&loop, be, &cfg, &e);
	if (srv == NULL) {
		fprintf(stderr, "fuzz-server: %s\n", e.msg);
		abort();
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", fuzz_sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		abort();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (off < size) {
		size_t len = size - off < step ? size - off : step;
		ssize_t n = write(fd, data + off, len);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;	/* the server hung up */
		fuzz_server_drain(&loop, fd);
	}
	shutdown(fd, SHUT_WR);
	fuzz_server_drain(&loop, fd);
	close(fd);
	for (i = 0; i < 20; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	server_free(srv);
	be->ops->free(be);
	for (i = 0; i < 200 && uv_run(&loop, UV_RUN_NOWAIT) != 0; i++)
		;
	ws_ctx_finish();
	if (ws_dying != NULL)
		abort();	/* a libwebsockets context left behind */
	if (uv_loop_close(&loop) != 0) {
		/* Handles still open would be a leak of the server or the fake. */
		uv_print_all_handles(&loop, stderr);
		abort();
	}
	nftw(fuzz_dir, fuzz_server_rm, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
