/*
 * test-client.c - the client side of remotes without a network: the lxc
 * and incus config readers (and that they never write there), lxdeck's
 * own remotes file, certificates as LXD makes them, the trust store,
 * tokens and trust passwords, pinning against a real TLS handshake on loopback,
 * that a dead remote fails fast once known down, console logs kept
 * whole across the drained reads of LXD and Incus, and that frames a
 * server sends right behind its 101 reach a remote exec session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "../harness.h"
#include "../../remote/server/server.h"
#include "../../remote/client/client-internal.h"
#include "../server-child.h"

static char tmp[128];

static char *
path(const char *rel)
{
	return xasprintf("%s/%s", tmp, rel);
}

/* The lxc and incus clients' config places, as the tests set them. */
static void
unset_conf_env(void)
{
	unsetenv("LXD_CONF");
	unsetenv("INCUS_CONF");
	unsetenv("XDG_CONFIG_HOME");
}

TEST(certificates)
{
	char *crt = path("c.crt"), *key = path("c.key"), *pem, *cn;
	char fp[65], fp2[65];
	struct err e = { 0 };
	struct stat st;

	CHECK(cert_create(crt, key, true, &e) == 0);
	pem = cert_read_file(crt);
	CHECK(pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL);
	CHECK(cert_pem_fingerprint(pem, fp) == 0 && strlen(fp) == 64);
	CHECK(cert_pem_fingerprint(pem, fp2) == 0 && strcmp(fp, fp2) == 0);
	cn = cert_pem_cn(pem);
	CHECK(cn != NULL && strncmp(cn, "root@", 5) == 0);
	CHECK(stat(key, &st) == 0 && (st.st_mode & 077) == 0);
	CHECK(cert_pem_fingerprint("garbage", fp) < 0);
	free(cn);
	free(pem);
	free(crt);
	free(key);
}

TEST(trust_store)
{
	char *crt = path("t.crt"), *key = path("t.key"), *pem, *name = NULL;
	struct trust *t;
	struct err e = { 0 };
	struct strmap cfg = { 0 };
	struct strv addrs = { 0 };
	char fp[65], *token = NULL, *hash;
	json_object *op, *list;

	CHECK(cert_create(crt, key, false, &e) == 0);
	pem = cert_read_file(crt);
	cert_pem_fingerprint(pem, fp);
	t = trust_open(tmp, &e);
	CHECK(!trust_has(t, fp));
	CHECK(trust_add(t, pem, "alice", &e) == 0);
	CHECK(trust_has(t, fp));
	CHECK(trust_add(t, pem, "again", &e) < 0 && e.code == 409);
	trust_free(t);
	/* persisted, keyed by fingerprint */
	t = trust_open(tmp, &e);
	CHECK(trust_has(t, fp));
	list = trust_list_json(t, true);
	CHECK(json_object_array_length(list) == 1);
	CHECK(strstr(json_object_to_json_string(list), "alice") != NULL);
	json_object_put(list);

	/* tokens: single use, wrong ones refused */
	strv_push(&addrs, "127.0.0.1:8443");
	op = trust_token_create(t, "bob", fp, &addrs, 0, &token);
	CHECK(op != NULL && token != NULL);
	CHECK(trust_token_redeem(t, "not-the-token", &name, &e) == 0 && name == NULL);
	CHECK(trust_token_redeem(t, token, &name, &e) == 1);
	CHECK_STR(name, "bob");
	free(name);
	name = NULL;
	CHECK(trust_token_redeem(t, token, &name, &e) == 0);
	json_object_put(op);
	free(token);

	/* core.trust_password: a salted hash, checked */
	hash = trust_password_hash("s3cret");
	CHECK(hash != NULL && strncmp(hash, "scrypt$", 7) == 0 &&
	    strstr(hash, "s3cret") == NULL);
	strmap_set(&cfg, "core.trust_password", hash);
	CHECK(trust_password_matches(hash, "s3cret"));
	CHECK(!trust_password_matches(hash, "s3creT"));
	CHECK(!trust_password_matches(hash, ""));
	CHECK(trust_remove(t, fp, &e) == 0 && !trust_has(t, fp));
	CHECK(trust_remove(t, fp, &e) < 0 && e.code == 404);
	free(hash);
	strmap_free(&cfg);
	strv_free(&addrs);
	trust_free(t);
	free(pem);
	free(crt);
	free(key);
}

/* issue 13: token expiry, names, the back-off, a tampered store. */
TEST(trust_hardening)
{
	char *crt = path("h.crt"), *key = path("h.key"), *crt2 = path("h2.crt"),
	    *key2 = path("h2.key"), *pem, *pem2, *name = NULL, *token = NULL, *f;
	char fp[65], fp2[65];
	struct err e = { 0 };
	struct strv addrs = { 0 };
	struct trust *t;
	struct trust_guard *g;
	json_object *op;
	int64_t ns = 0, now = INT64_C(1000) * 1000000000;
	FILE *fh;

	CHECK(trust_expiry_parse("1H", &ns) == 0 && ns == INT64_C(3600) * 1000000000);
	CHECK(trust_expiry_parse("10M", &ns) == 0 && ns == INT64_C(600) * 1000000000);
	CHECK(trust_expiry_parse("1d 3H", &ns) == 0 &&
	    ns == INT64_C(27) * 3600 * 1000000000);
	CHECK(trust_expiry_parse("2S", &ns) == 0 && ns == INT64_C(2) * 1000000000);
	CHECK(trust_expiry_parse("", &ns) < 0);
	CHECK(trust_expiry_parse("0", &ns) < 0);
	CHECK(trust_expiry_parse("1h", &ns) < 0);
	CHECK(trust_expiry_parse("H", &ns) < 0);
	CHECK(trust_expiry_parse("1Hx", &ns) < 0);
	CHECK(trust_expiry_parse("99999999999999y", &ns) < 0);

	CHECK(trust_name_check("alice@host", &e) == 0);
	CHECK(trust_name_check(NULL, &e) == 0);
	CHECK(trust_name_check("a\nb", &e) < 0 && e.code == 400);
	CHECK(trust_name_check("a\x7f", &e) < 0 && e.code == 400);
	CHECK(trust_name_check("-x", &e) < 0 && e.code == 400);
	CHECK(trust_name_check("a/b", &e) < 0 && e.code == 400);

	CHECK(trust_secret_equal("abc", "abc"));
	CHECK(!trust_secret_equal("abc", "abd"));
	CHECK(!trust_secret_equal("abc", "abcd"));
	CHECK(!trust_secret_equal(NULL, "abc"));

	/* back-off: one check in flight per address, 1 s, 2 s, ...; a
	 * success forgets the address; other addresses are not held up */
	g = trust_guard_create();
	CHECK(trust_guard_begin(g, "10.0.0.1", now) == 0);
	CHECK(trust_guard_begin(g, "10.0.0.1", now) > 0);
	CHECK(trust_guard_begin(g, "10.0.0.2", now) == 0);
	trust_guard_end(g, "10.0.0.2", true, now);
	trust_guard_end(g, "10.0.0.1", false, now);
	CHECK(trust_guard_begin(g, "10.0.0.1", now + 500000000) == 500);
	CHECK(trust_guard_begin(g, "10.0.0.1", now + 1000000000) == 0);
	trust_guard_end(g, "10.0.0.1", false, now + 1000000000);
	CHECK(trust_guard_begin(g, "10.0.0.1", now + 2000000000) == 1000);
	CHECK(trust_guard_begin(g, "10.0.0.1", now + 3000000000) == 0);
	trust_guard_end(g, "10.0.0.1", true, now + 3000000000);
	CHECK(trust_guard_begin(g, "10.0.0.1", now + 3000000000) == 0);
	trust_guard_end(g, "10.0.0.1", false, now + 3000000000);
	trust_guard_free(g);

	CHECK(cert_create(crt, key, false, &e) == 0);
	CHECK(cert_create(crt2, key2, false, &e) == 0);
	pem = cert_read_file(crt);
	pem2 = cert_read_file(crt2);
	cert_pem_fingerprint(pem, fp);
	cert_pem_fingerprint(pem2, fp2);
	f = xasprintf("%s/hs", tmp);
	mkdir(f, 0700);
	t = trust_open(f, &e);
	/* an expired token is refused, and spent */
	strv_push(&addrs, "127.0.0.1:8443");
	op = trust_token_create(t, "eve", fp, &addrs, 1, &token);
	CHECK(strstr(json_object_to_json_string(op), "expiresAt") != NULL);
	json_object_put(op);
	usleep(1000);
	CHECK(trust_token_redeem(t, token, &name, &e) < 0 && e.code == 403 &&
	    strstr(e.msg, "expired") != NULL && name == NULL);
	CHECK(trust_token_redeem(t, token, &name, &e) == 0);
	free(token);
	/* revoked */
	op = trust_token_create(t, "rev", fp, &addrs, 0, &token);
	CHECK(trust_token_cancel(t, json_object_get_string(
	    json_object_object_get(op, "id"))));
	CHECK(trust_token_redeem(t, token, &name, &e) == 0);
	json_object_put(op);
	free(token);
	/* a bad name is refused; a file whose PEM is not the one its name
	 * says is ignored at load */
	CHECK(trust_add(t, pem, "x\n-----BEGIN CERTIFICATE-----", &e) < 0 && e.code == 400);
	trust_free(t);
	free(f);
	f = xasprintf("%s/hs/trust/%s.crt", tmp, fp);
	fh = fopen(f, "w");
	CHECK(fh != NULL);
	fprintf(fh, "# name: x\n%s%s", pem2, pem);
	fclose(fh);
	free(f);
	f = xasprintf("%s/hs", tmp);
	t = trust_open(f, &e);
	CHECK(!trust_has(t, fp2));
	CHECK(!trust_has(t, fp));
	trust_free(t);
	strv_free(&addrs);
	free(f);
	free(pem);
	free(pem2);
	free(crt);
	free(key);
	free(crt2);
	free(key2);
}

TEST(lxc_config)
{
	char *lxc = path("lxc"), *own = path("xdg"), *f, *sc, *before, *after;
	struct remotes rs;
	const struct remote_conf *r;
	struct err e = { 0 };

	mkdir(lxc, 0700);
	f = path("lxc/servercerts");
	mkdir(f, 0700);
	free(f);
	f = path("lxc/config.yml");
	harness_write_file(f, "default-remote: h1\nremotes:\n"
	    "  h1:\n    addr: https://10.1.1.1:8443\n    auth_type: tls\n"
	    "    project: default\n    protocol: lxd\n    public: false\n"
	    "  images:\n    addr: https://images.linuxcontainers.org\n"
	    "    protocol: simplestreams\n    public: true\n"
	    "  local:\n    addr: unix://\n    public: false\n"
	    "aliases: {}\n");
	sc = path("lxc/servercerts/h1.crt");
	{
		char *k = path("h1.key");

		cert_create(sc, k, true, &e);
		free(k);
	}
	before = cert_read_file(f);
	setenv("LXD_CONF", lxc, 1);
	setenv("XDG_CONFIG_HOME", own, 1);
	setenv("INCUS_CONF", "/nonexistent", 1);	/* not the caller's */
	remotes_load(&rs, NULL, 0);
	r = remotes_find(&rs, "h1");
	CHECK(r != NULL && r->from_lxc && strcmp(r->addr, "https://10.1.1.1:8443") == 0);
	CHECK(r != NULL && r->server_crt != NULL);
	r = remotes_find(&rs, "images");
	CHECK(r != NULL && r->public && strcmp(r->protocol, "simplestreams") == 0);
	CHECK(remotes_find(&rs, "local") == NULL);
	r = remotes_find(&rs, "lxd");
	CHECK(r != NULL && strcmp(r->addr, "unix://") == 0);
	CHECK_STR(rs.default_remote, "h1");
	/* lxdeck's own options for an lxc remote go to lxdeck's file only */
	CHECK(remotes_set_option(&rs, "h1", "read_only", "true", &e) == 0);
	CHECK(remotes_set_option(&rs, "h1", "color", "frozen", &e) == 0);
	CHECK(remotes_set_option(&rs, "nope", "color", "x", &e) < 0 && e.code == 404);
	remotes_free(&rs);
	after = cert_read_file(f);
	CHECK(strcmp(before, after) == 0);
	remotes_load(&rs, NULL, 0);
	r = remotes_find(&rs, "h1");
	CHECK(r != NULL && r->read_only && r->color && strcmp(r->color, "frozen") == 0);
	/* no client certificate yet: one is made (ECDSA P-384) on first use */
	CHECK(rs.v[0].client_crt == NULL);
	CHECK(remotes_client_cert(&rs, &e) == 0);
	CHECK(rs.v[0].client_crt != NULL && strstr(rs.v[0].client_crt, "/xdg/lxdeck/") != NULL);
	/* adding a name that exists is refused */
	CHECK(remotes_add(&rs, "h1", "unix:///x", false, false, NULL, NULL, NULL, &e) < 0 &&
	    e.code == 409);
	CHECK(remotes_add(&rs, "bad:name", "unix:///x", false, false, NULL, NULL, NULL, &e) < 0);
	CHECK(remotes_add(&rs, "zz", "not a thing", false, false, NULL, NULL, NULL, &e) < 0 &&
	    e.code == 400);
	remotes_free(&rs);
	/* a broken file is a warning, not a failure */
	harness_write_file(f, "remotes: [unclosed\n");
	{
		char warn[256];

		remotes_load(&rs, warn, sizeof warn);
		CHECK(warn[0] != '\0');
		remotes_free(&rs);
	}
	unset_conf_env();
	free(before);
	free(after);
	free(sc);
	free(f);
	free(lxc);
	free(own);
}

/* The incus client's config.yml: the same format, its own names. */
TEST(incus_config)
{
	char *lxc = path("lxc2"), *inc = path("incus"), *own = path("xdg2"), *f, *g, *sc;
	char *before, *after, *k;
	struct remotes rs;
	const struct remote_conf *r;
	struct err e = { 0 };

	mkdir(lxc, 0700);
	mkdir(inc, 0700);
	f = path("lxc2/config.yml");
	harness_write_file(f, "default-remote: local\nremotes:\n"
	    "  h1:\n    addr: https://10.1.1.1:8443\n    protocol: lxd\n"
	    "  images:\n    addr: https://images.linuxcontainers.org\n"
	    "    protocol: simplestreams\n    public: true\n"
	    "  local:\n    addr: unix://\n    public: false\n");
	free(f);
	sc = path("incus/servercerts");
	mkdir(sc, 0700);
	free(sc);
	sc = path("incus/servercerts/h2.crt");
	k = path("h2.key");
	cert_create(sc, k, true, &e);
	free(k);
	k = path("incus/client.key");
	g = path("incus/client.crt");
	cert_create(g, k, false, &e);
	free(k);
	free(g);
	f = path("incus/config.yml");
	harness_write_file(f, "default-remote: h2\nremotes:\n"
	    "  h1:\n    addr: https://10.2.2.2:8443\n    protocol: incus\n"
	    "  h2:\n    addr: https://10.3.3.3:8443\n    auth_type: tls\n"
	    "    project: default\n    protocol: incus\n    public: false\n"
	    "  images:\n    addr: https://images.linuxcontainers.org\n"
	    "    protocol: simplestreams\n    public: true\n"
	    "  oci-hub:\n    addr: https://docker.io\n    protocol: oci\n    public: true\n"
	    "  local:\n    addr: unix://\n    public: false\n");
	before = cert_read_file(f);
	setenv("LXD_CONF", lxc, 1);
	setenv("INCUS_CONF", inc, 1);
	setenv("INCUS_SOCKET", "/run/x/incus.socket", 1);
	setenv("XDG_CONFIG_HOME", own, 1);
	remotes_load(&rs, NULL, 0);
	CHECK_STR(rs.default_remote, "lxd");	/* lxc's default comes first */
	r = remotes_find(&rs, "incus");
	CHECK(r != NULL && r->from_incus && !r->from_lxc &&
	    strcmp(r->addr, "unix:///run/x/incus.socket") == 0);
	CHECK(r != NULL && strcmp(remote_conf_source(r), "incus") == 0);
	r = remotes_find(&rs, "h1");
	CHECK(r != NULL && r->from_lxc && strcmp(r->addr, "https://10.1.1.1:8443") == 0);
	r = remotes_find(&rs, "incus-h1");
	CHECK(r != NULL && r->from_incus && strcmp(r->addr, "https://10.2.2.2:8443") == 0 &&
	    strcmp(r->protocol, "lxd") == 0);
	r = remotes_find(&rs, "h2");
	CHECK(r != NULL && r->from_incus && strcmp(r->protocol, "lxd") == 0 &&
	    r->server_crt != NULL && !r->public);
	CHECK(r != NULL && r->client_crt != NULL && strstr(r->client_crt, "/incus/client.crt"));
	r = remotes_find(&rs, "images");
	CHECK(r != NULL && r->from_lxc);	/* the same address: once */
	CHECK(remotes_find(&rs, "incus-images") == NULL);
	r = remotes_find(&rs, "oci-hub");
	CHECK(r != NULL && r->public && strcmp(r->protocol, "oci") == 0);
	/* lxc's remotes have no certificate yet: lxdeck makes its own for them */
	CHECK(rs.client_crt == NULL && remotes_find(&rs, "h1")->client_crt == NULL);
	CHECK(remotes_client_cert(&rs, &e) == 0);
	r = remotes_find(&rs, "h1");
	CHECK(r != NULL && r->client_crt != NULL && strstr(r->client_crt, "/xdg2/lxdeck/"));
	r = remotes_find(&rs, "h2");
	CHECK(r != NULL && r->client_crt != NULL && strstr(r->client_crt, "/incus/client.crt"));
	CHECK(remotes_set_option(&rs, "h2", "read_only", "true", &e) == 0);
	remotes_free(&rs);
	after = cert_read_file(f);
	CHECK(strcmp(before, after) == 0);
	remotes_load(&rs, NULL, 0);
	r = remotes_find(&rs, "h2");
	CHECK(r != NULL && r->from_incus && r->read_only &&
	    strcmp(r->addr, "https://10.3.3.3:8443") == 0);
	remotes_free(&rs);
	/* without INCUS_SOCKET: INCUS_DIR, else Debian's path */
	unsetenv("INCUS_SOCKET");
	setenv("INCUS_DIR", "/var/lib/incus-x", 1);
	remotes_load(&rs, NULL, 0);
	r = remotes_find(&rs, "incus");
	CHECK(r != NULL && strcmp(r->addr, "unix:///var/lib/incus-x/unix.socket") == 0);
	remotes_free(&rs);
	unsetenv("INCUS_DIR");
	remotes_load(&rs, NULL, 0);
	r = remotes_find(&rs, "incus");
	CHECK(r != NULL && strcmp(r->addr, "unix:///var/lib/incus/unix.socket") == 0);
	remotes_free(&rs);
	unset_conf_env();
	free(before);
	free(after);
	free(sc);
	free(f);
	free(lxc);
	free(inc);
	free(own);
}

/* A dead remote: the first request fails (503, names it, "unreachable
 * since"), the next ones fail at once without touching the network. */
TEST(unreachable)
{
	struct remote_conf rc;
	struct client *c;
	struct client_resp r;
	struct err e = { 0 };
	char *sock = path("no.socket");
	struct sockaddr_un sa;
	struct pollfd pfd;
	int l;

	memset(&rc, 0, sizeof rc);
	rc.name = "gone";
	rc.addr = xasprintf("unix://%s", sock);
	c = client_create(&rc, &e);
	CHECK(c != NULL);
	CHECK(client_request(c, "GET", "/1.0", NULL, NULL, &r, &e) < 0);
	CHECK(e.code == 503 && strstr(e.msg, "\"gone\"") && strstr(e.msg, "unreachable since"));
	CHECK(client_is_down(c));
	/* "At once" is checked by its cause, not a stopwatch: the socket now
	 * listens, and the next request (before the retry time, moved out of
	 * reach of a stalled machine) fails without connecting to it. */
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 8) == 0);
	c->retry_at_ns = time_now_ns() + 600 * 1000000000LL;
	CHECK(client_request(c, "GET", "/1.0", NULL, NULL, &r, &e) < 0 && e.code == 503);
	pfd.fd = l;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 0) == 0);
	close(l);
	unlink(sock);
	client_free(c);
	free(rc.addr);
	free(sock);
}

/* Pinning against a real handshake: lxdeckd's TLS listener on loopback. */
TEST(pinning)
{
	struct remote_conf rc;
	struct client *c;
	struct err e = { 0 };
	char *sock = path("srv.socket"), *pem = NULL, fp[65], *other, *ok_pem;
	char addr[64];
	int port = 20000 + (int)(getpid() % 20000);
	pid_t pid;
	int status;

	/* The server runs in a child with its own loop; the client (blocking
	 * libcurl) in this process. */
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	pid = server_child_start(sock, tmp, addr);
	memset(&rc, 0, sizeof rc);
	rc.name = "pinned";
	rc.addr = xasprintf("https://%s", addr);
	c = client_create(&rc, &e);
	CHECK(client_fetch_cert(c, &pem, fp, &e) == 0 && strlen(fp) == 64);
	client_free(c);
	/* the right pin: untrusted, but the handshake and GET /1.0 work */
	ok_pem = pem;
	rc.server_crt = ok_pem;
	c = client_create(&rc, &e);
	{
		struct server_info si;
		char auth[32] = "";

		memset(&si, 0, sizeof si);
		CHECK(client_server_get(c, &si, NULL, auth, sizeof auth, &e) == 0);
		CHECK_STR(auth, "untrusted");
		server_info_free_contents(&si);
	}
	client_free(c);
	/* another certificate pinned: refused loudly, naming the remote */
	{
		char *k = path("o.key"), *crt = path("o.crt");

		cert_create(crt, k, true, &e);
		other = cert_read_file(crt);
		free(k);
		free(crt);
	}
	rc.server_crt = other;
	c = client_create(&rc, &e);
	{
		struct client_resp r;

		err_clear(&e);
		CHECK(client_request(c, "GET", "/1.0", NULL, NULL, &r, &e) < 0);
		CHECK(strstr(e.msg, "\"pinned\"") != NULL && strstr(e.msg, "CHANGED") != NULL);
		CHECK(strstr(e.msg, fp) != NULL);
		CHECK(!client_is_down(c));	/* a wrong certificate is not "down" */
	}
	client_free(c);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	free(other);
	free(ok_pem);
	free(rc.addr);
	free(sock);
}

/*
 * A websocket server in a child that answers each upgrade with its 101
 * and, on the stream whose path has "secret=out", a binary frame in the
 * same write, then stays silent: what lxdeckd does when a shell's prompt
 * waits in the pty as the websocket attaches.  The client reads both with
 * the handshake; nothing more ever makes its socket readable.
 */
static pid_t
ws_burst_server(const char *sock, int nconns)
{
	struct sockaddr_un sa;
	int l, i;
	pid_t pid;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 8) < 0)
		return -1;
	pid = fork();
	if (pid != 0) {
		close(l);
		return pid;
	}
	for (i = 0; i < nconns; i++) {
		static const char head[] = "HTTP/1.1 101 Switching Protocols\r\n"
		    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: x\r\n\r\n";
		char req[4096], out[512];
		size_t got = 0, n = 0;
		int fd = accept(l, NULL, NULL);

		if (fd < 0)
			_exit(1);
		while (got < sizeof req - 1 && strstr(req, "\r\n\r\n") == NULL) {
			ssize_t r = read(fd, req + got, sizeof req - 1 - got);

			if (r <= 0)
				_exit(1);
			got += (size_t)r;
			req[got] = '\0';
		}
		memcpy(out, head, sizeof head - 1);
		n = sizeof head - 1;
		if (strstr(req, "secret=out") != NULL) {
			out[n++] = (char)0x82;		/* FIN, binary */
			out[n++] = 8;
			memcpy(out + n, "prompt# ", 8);
			n += 8;
		}
		if (write(fd, out, n) != (ssize_t)n)
			_exit(1);
		/* keep fd open: the client must not need more */
	}
	pause();
	_exit(0);
}

static void
ws_burst_wake(uv_timer_t *t)
{
}

TEST(ws_frames_with_handshake)
{
	struct remote_conf rc;
	struct client *c;
	struct client_ws *w;
	struct client_exec *x;
	struct exec_handle *h = NULL;
	struct op_info op;
	struct err e = { 0 };
	char *sock = path("burst.socket"), got[64] = "";
	size_t have = 0;
	uv_loop_t loop;
	uv_timer_t t;
	int64_t deadline;
	pid_t pid;
	int st;

	pid = ws_burst_server(sock, 3);
	CHECK(pid > 0);
	memset(&rc, 0, sizeof rc);
	rc.name = "burst";
	rc.addr = xasprintf("unix://%s", sock);
	c = client_create(&rc, &e);
	CHECK(c != NULL);

	/* the websocket itself: the frame is in memory, and readable now */
	w = client_ws_open(c, "/1.0/operations/x/websocket?secret=out", &e);
	CHECK(w != NULL);
	CHECK(w != NULL && client_ws_ready(w));

	/* a remote shell: its prompt reaches the pane's end of the pty */
	memset(&op, 0, sizeof op);
	op.id = "burst-op";
	strmap_set(&op.metadata, "fds", "{\"0\": \"out\", \"control\": \"ctl\"}");
	uv_loop_init(&loop);
	uv_timer_init(&loop, &t);
	x = client_exec_start(c, &loop, &op, true, &h, &e);
	CHECK(x != NULL && h != NULL);
	/* a bound for a hang only: the prompt comes in milliseconds */
	deadline = time_now_ns() + 30000 * 1000000LL;
	while (x != NULL && h != NULL && strstr(got, "prompt# ") == NULL &&
	    time_now_ns() < deadline) {
		ssize_t n;

		uv_timer_start(&t, ws_burst_wake, 20, 0);
		uv_run(&loop, UV_RUN_ONCE);
		n = recv(h->fds[0], got + have, sizeof got - 1 - have, MSG_DONTWAIT);
		if (n > 0) {
			have += (size_t)n;
			got[have] = '\0';
		}
	}
	CHECK_STR(got, "prompt# ");
	client_exec_free(x);
	client_ws_free(w);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	strmap_free(&op.metadata);
	client_free(c);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	free(rc.addr);
	free(sock);
}

/* Pieces of one run add up; another init pid starts afresh; the tail of
 * at most 1 MiB is kept. */
/* Adds DATA (N bytes) to INST's log (init PID): the log is then WANT
 * (WANTLEN bytes)? */
static bool
acc_is(struct console_acc **acc, const char *inst, pid_t pid, const char *data,
    size_t n, size_t wantlen, const char *want)
{
	size_t len;
	char *log = console_acc_add(acc, inst, pid, data, n, &len);
	bool ok = len == wantlen && strcmp(log, want) == 0;

	free(log);
	return ok;
}

TEST(console_acc)
{
	struct console_acc *acc = NULL;
	char *log, *big;
	size_t len;

	CHECK(acc_is(&acc, "c1", 100, "boot\n", 5, 5, "boot\n"));
	CHECK(acc_is(&acc, "c1", 100, "", 0, 5, "boot\n"));
	log = console_acc_add(&acc, "c2", 200, "other", 5, &len);
	CHECK_STR(log, "other");
	free(log);
	CHECK(acc_is(&acc, "c1", 100, "# ls\n", 5, 10, "boot\n# ls\n"));
	CHECK(acc_is(&acc, "c1", 101, "again", 5, 5, "again"));
	big = xmalloc(1024 * 1024 + 1);
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	log = console_acc_add(&acc, "c1", 101, big, 1024 * 1024, &len);
	CHECK(len == 1024 * 1024 && log[0] == 'x');
	free(log);
	log = console_acc_add(&acc, "c1", 101, "end", 3, &len);
	CHECK(len == 1024 * 1024 && strcmp(log + len - 3, "end") == 0 && log[0] == 'x');
	free(log);
	free(big);
	console_acc_forget(&acc, "c1");
	log = console_acc_add(&acc, "c1", 101, "new", 3, &len);
	CHECK(len == 3);
	free(log);
	console_acc_free(&acc);
	CHECK(acc == NULL);
}

int
main(void)
{
	if (harness_mkdtemp(tmp, sizeof tmp, "/tmp/lxdeck-test-client.XXXXXX") < 0)
		return 1;
	RUN(certificates);
	RUN(trust_store);
	RUN(trust_hardening);
	RUN(lxc_config);
	RUN(incus_config);
	RUN(unreachable);
	RUN(pinning);
	RUN(ws_frames_with_handshake);
	RUN(console_acc);
	harness_rm_rf(tmp);
	return harness_done();
}
