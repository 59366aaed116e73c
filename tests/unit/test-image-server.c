/*
 * test-image-server.c - the image servers the TUI browses (image-server.c):
 * what a name, a remote or a URL resolves to (URL, protocol, pinned server
 * certificate, client certificate only for a non-public LXD-API remote),
 * the list of names, bad input, and listing over a real TLS handshake on
 * loopback: pinned works (untrusted: public only), unpinned self-signed is
 * a 495 that says to `lxdeck remote add`, a dead port fails fast.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../harness.h"
#include "../../remote/server/server.h"
#include "../../remote/client/client-internal.h"
#include "../server-child.h"
#include "../../remote/client/client.h"

static char tmp[128];

static char *
path(const char *rel)
{
	return xasprintf("%s/%s", tmp, rel);
}

static void
mkdir_at(const char *rel)
{
	char *p = path(rel);

	mkdir(p, 0700);
	free(p);
}

/* A server certificate and its key at CRT and KEY below tmp. */
static void
cert_at(const char *crt, const char *key)
{
	char *c = path(crt), *k = path(key);
	struct err e = { 0 };

	cert_create(c, k, true, &e);
	free(c);
	free(k);
}

/* An lxc config with a host, a public LXD-API server, images:, a socket. */
static void
setup_config(const char *addr)
{
	char *lxc = path("lxc"), *own = path("xdg"), *f, *text;

	mkdir(lxc, 0700);
	mkdir_at("lxc/servercerts");
	f = path("lxc/config.yml");
	text = xasprintf("remotes:\n"
	    "  h1:\n    addr: https://10.1.1.1:8443\n    protocol: lxd\n"
	    "    public: false\n"
	    "  pub:\n    addr: https://%s\n    protocol: lxd\n    public: true\n"
	    "  images:\n    addr: https://images.linuxcontainers.org\n"
	    "    protocol: simplestreams\n    public: true\n"
	    "  local:\n    addr: unix://\n    public: false\n", addr);
	harness_write_file(f, text);
	free(text);
	free(f);
	cert_at("lxc/servercerts/h1.crt", "h1.key");	/* h1's, pinned */
	setenv("LXD_CONF", lxc, 1);
	setenv("XDG_CONFIG_HOME", own, 1);
	setenv("INCUS_CONF", "/nonexistent", 1);
	free(lxc);
	free(own);
}

TEST(resolve)
{
	struct image_server s;
	struct err e = { 0 };
	struct strv names = { 0 };

	CHECK(image_server_resolve("h1:", &s, &e) == 0);
	CHECK_STR(s.name, "h1:");
	CHECK_STR(s.remote, "h1");
	CHECK_STR(s.url, "https://10.1.1.1:8443");
	CHECK_STR(s.protocol, "lxd");
	CHECK(s.certificate != NULL && strstr(s.certificate, "BEGIN CERTIFICATE"));
	/* a host remote presents our client certificate (made on first use) */
	CHECK(s.client_crt != NULL && s.client_key != NULL &&
	    access(s.client_crt, R_OK) == 0);
	image_server_free_contents(&s);
	CHECK(image_server_resolve("h1", &s, &e) == 0 && strcmp(s.url,
	    "https://10.1.1.1:8443") == 0);
	image_server_free_contents(&s);
	/* a public image server: public images, no client certificate */
	CHECK(image_server_resolve("pub:", &s, &e) == 0);
	CHECK(s.client_crt == NULL && strcmp(s.protocol, "lxd") == 0);
	image_server_free_contents(&s);
	/* the lxc client's images: (simplestreams), and the built-in ubuntu: */
	CHECK(image_server_resolve("images:", &s, &e) == 0);
	CHECK_STR(s.protocol, "simplestreams");
	CHECK(s.certificate == NULL && s.client_crt == NULL);
	image_server_free_contents(&s);
	CHECK(image_server_resolve("ubuntu:", &s, &e) == 0);
	CHECK_STR(s.url, "https://cloud-images.ubuntu.com/releases");
	CHECK(s.remote == NULL);
	image_server_free_contents(&s);
	/* a URL: the pin and protocol of the remote at that address, never
	 * the client certificate */
	CHECK(image_server_resolve("https://10.1.1.1:8443/", &s, &e) == 0);
	CHECK_STR(s.protocol, "lxd");
	CHECK(s.certificate != NULL && s.client_crt == NULL && s.remote == NULL);
	CHECK_STR(s.name, "https://10.1.1.1:8443/");
	image_server_free_contents(&s);
	CHECK(image_server_resolve("https://10.1.1.1", &s, &e) == 0);
	CHECK(s.certificate != NULL);	/* default port 8443, as lxc */
	image_server_free_contents(&s);
	CHECK(image_server_resolve("https://10.9.9.9", &s, &e) == 0);
	CHECK(strcmp(s.protocol, "simplestreams") == 0 && s.certificate == NULL);
	image_server_free_contents(&s);
	CHECK(image_server_resolve("https://10.9.9.9 lxd", &s, &e) == 0);
	CHECK_STR(s.protocol, "lxd");
	image_server_free_contents(&s);
	CHECK(image_server_resolve("unix:///run/x.sock", &s, &e) == 0);
	CHECK_STR(s.protocol, "lxd");
	image_server_free_contents(&s);
	/* bad input: errors naming the object */
	CHECK(image_server_resolve("nosuch:", &s, &e) < 0 && e.code == 404 &&
	    strstr(e.msg, "\"nosuch:\"") != NULL);
	CHECK(s.url == NULL);
	CHECK(image_server_resolve("h1: bogus", &s, &e) < 0 && e.code == 400 &&
	    strstr(e.msg, "\"bogus\"") != NULL);
	CHECK(image_server_resolve("ubuntu: bogus", &s, &e) < 0 && e.code == 400);
	CHECK(image_server_resolve("ftp://x", &s, &e) < 0 && e.code == 400 &&
	    strstr(e.msg, "ftp://x") != NULL);
	CHECK(image_server_resolve("", &s, &e) < 0 && e.code == 400);
	CHECK(image_server_resolve("a b c", &s, &e) < 0 && e.code == 400);
	/* names: the remotes, then the built-in ones, each once */
	image_server_names(&names);
	CHECK(strv_index(&names, "h1") >= 0 && strv_index(&names, "pub") >= 0);
	CHECK(strv_index(&names, "lxd") >= 0);
	CHECK(strv_index(&names, "ubuntu") >= 0 && strv_index(&names, "ubuntu-daily") >= 0);
	CHECK(strv_index(&names, "images") >= 0);
	{
		size_t i, n = 0;

		for (i = 0; i < names.n; i++)
			n += strcmp(names.v[i], "images") == 0;
		CHECK(n == 1);
	}
	strv_free(&names);
}

TEST(list)
{
	struct remote_conf rc = { 0 };
	struct client *c;
	struct image_server s;
	struct image *im = NULL;
	struct err e = { 0 };
	char *sock = path("srv.socket"), *pem = NULL, fp[65], addr[64], *url;
	int port = 20000 + (int)((getpid() + 7) % 20000), status;
	size_t n = 0;
	time_t t0;
	pid_t pid;

	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	pid = server_child_start(sock, tmp, addr);
	/* pin it for "pub" as lxc remote add --public does */
	rc.name = "pub";
	rc.addr = xasprintf("https://%s", addr);
	c = client_create(&rc, &e);
	CHECK(c != NULL && client_fetch_cert(c, &pem, fp, &e) == 0);
	client_free(c);
	{
		char *crt = path("lxc/servercerts/pub.crt");

		harness_write_file(crt, pem ? pem : "");
		free(crt);
	}
	/* pinned, public: the handshake and the list work, untrusted */
	CHECK(image_server_resolve("pub:", &s, &e) == 0);
	CHECK(s.certificate != NULL);
	CHECK(image_server_list(&s, &im, &n, &e) == 0);
	CHECK(!s.trusted);
	image_array_free(im, n);
	image_server_free_contents(&s);
	/* its URL typed: the same pin */
	CHECK(image_server_resolve(rc.addr, &s, &e) == 0 && s.certificate != NULL);
	CHECK(image_server_list(&s, &im, &n, &e) == 0);
	image_array_free(im, n);
	image_server_free_contents(&s);
	/* the same server by a name nothing pins: 495, says what to do */
	url = xasprintf("https://localhost:%d lxd", port);
	CHECK(image_server_resolve(url, &s, &e) == 0 && s.certificate == NULL);
	CHECK(image_server_list(&s, &im, &n, &e) < 0 && e.code == 495);
	CHECK(strstr(e.msg, "not trusted") != NULL &&
	    strstr(e.msg, "lxdeck remote add NAME https://localhost:") != NULL);
	image_server_free_contents(&s);
	free(url);
	/* and as simplestreams (image-fetch.c): the same */
	url = xasprintf("https://localhost:%d", port);
	CHECK(image_server_resolve(url, &s, &e) == 0);
	CHECK(image_server_list(&s, &im, &n, &e) < 0 && e.code == 495 &&
	    strstr(e.msg, "lxdeck remote add") != NULL);
	image_server_free_contents(&s);
	free(url);
	/* a secret needs a trusting server: refused, naming the image */
	CHECK(image_server_resolve("pub:", &s, &e) == 0);
	CHECK(image_server_secret(&s, "0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef", &url, &e) < 0 && url == NULL &&
	    strstr(e.msg, "0123456789ab") != NULL);
	image_server_free_contents(&s);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	/* a dead port: an error at once, by the refusal and not a timeout (the
	 * 60 s is a bound for a hang only: the request timeout is 30 s) */
	t0 = time(NULL);
	CHECK(image_server_resolve(rc.addr, &s, &e) == 0);
	CHECK(image_server_list(&s, &im, &n, &e) < 0 && e.code == 503);
	CHECK(strstr(e.msg, "imed out") == NULL && strstr(e.msg, "imeout") == NULL);
	CHECK(time(NULL) - t0 < 60);
	image_server_free_contents(&s);
	free(rc.addr);
	free(pem);
	free(sock);
}

int
main(void)
{
	if (harness_mkdtemp(tmp, sizeof tmp, "/tmp/lxdeck-test-imgsrv.XXXXXX") < 0)
		return 1;
	{
		char addr[64];

		snprintf(addr, sizeof addr, "127.0.0.1:%d",
		    20000 + (int)((getpid() + 7) % 20000));
		setup_config(addr);
	}
	RUN(resolve);
	RUN(list);
	harness_rm_rf(tmp);
	return harness_done();
}
