/*
 * remote-config.c - which remotes exist: the lxc client's configuration
 * and lxdeck's own, and `lxdeck remote add`.
 *
 * The lxc client keeps remotes in config.yml under $LXD_CONF, else
 * ~/.config/lxc, else ~/snap/lxd/common/config, with its client
 * certificate (client.crt/key) and the pinned server certificates
 * (servercerts/NAME.crt) beside it.  lxdeck reads that so a sysadmin's
 * hosts appear with no set-up, and never writes there.  lxdeck's own
 * remotes and per-remote options (read_only, color) live in
 * $XDG_CONFIG_HOME/lxdeck/remotes.yml (default ~/.config/lxdeck), with
 * its own servercerts/ and, when lxc has none, its own client
 * certificate, made on first HTTPS use as lxc makes it.  lxc's `local`
 * remote (its unix socket) is shown as "lxd", since lxdeck's `local` is
 * its embedded engine.
 *
 * The incus client keeps the same file in $INCUS_CONF, else
 * ~/.config/incus, read the same way and never written either: its
 * `local` is shown as "incus" (its socket: $INCUS_SOCKET, else
 * $INCUS_DIR/unix.socket, else /var/lib/incus/unix.socket), its protocol
 * "incus" is the LXD API ("lxd" here), its remotes use its own client
 * certificate and servercerts/.  A name lxc already uses for another
 * address becomes "incus-NAME"; the same name and address (the public
 * image server) is listed once.
 *
 * remotes_add() is SSH-style trust on first use: fetch the server's
 * certificate without verification, show its SHA-256 fingerprint and ask
 * once (or --accept-certificate; a token carries the fingerprint and is
 * checked against it instead), pin it, then become trusted with the
 * password or token, and save.  Later connections require the pinned
 * certificate (client.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "client-internal.h"

static char *
remotes_home_path(const char *rel)
{
	const char *home = getenv("HOME");

	return xasprintf("%s/%s", home && *home ? home : "/root", rel);
}

static bool
remotes_is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
remotes_is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void
remote_conf_free_contents(struct remote_conf *r)
{
	free(r->name);
	free(r->addr);
	free(r->protocol);
	free(r->project);
	free(r->color);
	free(r->client_crt);
	free(r->client_key);
	free(r->server_crt);
	free(r->server_crt_path);
	memset(r, 0, sizeof *r);
}

void
remotes_free(struct remotes *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		remote_conf_free_contents(&rs->v[i]);
	free(rs->v);
	free(rs->lxc_dir);
	free(rs->incus_dir);
	free(rs->own_dir);
	free(rs->client_crt);
	free(rs->client_key);
	free(rs->default_remote);
	memset(rs, 0, sizeof *rs);
}

const struct remote_conf *
remotes_find(const struct remotes *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].name, name) == 0)
			return &rs->v[i];
	return NULL;
}

static struct remote_conf *
remotes_get(struct remotes *rs, const char *name, bool create)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].name, name) == 0)
			return &rs->v[i];
	if (!create)
		return NULL;
	rs->v = xreallocarray(rs->v, rs->n + 1, sizeof *rs->v);
	memset(&rs->v[rs->n], 0, sizeof rs->v[0]);
	rs->v[rs->n].name = xstrdup(name);
	return &rs->v[rs->n++];
}

/* YAML: a tiny reader of the two-level maps both files use. */

static yaml_node_t *
yaml_map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static const char *
yaml_str(yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value :
	    NULL;
}

static bool
yaml_bool(yaml_node_t *n)
{
	const char *v = yaml_str(n);

	return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
}

static int
remotes_parse_file(const char *path, yaml_document_t *doc, char *warn, size_t wl)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t p;
	int ok;

	if (f == NULL)
		return -1;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	ok = yaml_parser_load(&p, doc);
	if (!ok && warn != NULL)
		snprintf(warn, wl, "%s: %s (line %zu)", path, p.problem ? p.problem : "invalid",
		    p.problem_mark.line + 1);
	yaml_parser_delete(&p);
	fclose(f);
	return ok ? 0 : -1;
}

static void
remotes_set_str(char **dst, const char *v)
{
	if (v == NULL)
		return;
	free(*dst);
	*dst = xstrdup(v);
}

/* The socket of the incus client's "unix://" (its local daemon). */
static char *
remotes_incus_socket(void)
{
	const char *sock = getenv("INCUS_SOCKET"), *dir = getenv("INCUS_DIR");

	if (sock != NULL && *sock != '\0')
		return xasprintf("unix://%s", sock);
	return xasprintf("unix://%s/unix.socket", dir != NULL && *dir != '\0' ? dir :
	    "/var/lib/incus");
}

/* Parses path (taken) into doc: *remotes is its "remotes" map, NULL when
 * it has none.  After a 0 the caller deletes doc. */
static int
remotes_open_file(char *path, yaml_document_t *doc, yaml_node_t **root,
    yaml_node_t **remotes, char *warn, size_t wl)
{
	int rc = remotes_parse_file(path, doc, warn, wl);

	free(path);
	if (rc < 0)
		return -1;
	*root = yaml_document_get_root_node(doc);
	*remotes = yaml_map_get(doc, *root, "remotes");
	if (*remotes != NULL && (*remotes)->type != YAML_MAPPING_NODE)
		*remotes = NULL;
	return 0;
}

/* What a remotes file says of a remote r: address, protocol, project,
 * public, and the certificate pinned as certdir/servercerts/NAME.crt. */
static void
remotes_read_entry(struct remote_conf *rc, yaml_document_t *doc, yaml_node_t *r,
    const char *addr, const char *protocol, const char *certdir, const char *name)
{
	char *crt;

	remotes_set_str(&rc->addr, addr);
	remotes_set_str(&rc->protocol, protocol);
	remotes_set_str(&rc->project, yaml_str(yaml_map_get(doc, r, "project")));
	rc->public = yaml_bool(yaml_map_get(doc, r, "public"));
	crt = xasprintf("%s/servercerts/%s.crt", certdir, name);
	if (remotes_is_file(crt)) {
		free(rc->server_crt);
		rc->server_crt = cert_read_file(crt);
		remotes_set_str(&rc->server_crt_path, crt);
	}
	free(crt);
}

/* config.yml of the lxc client (rs->lxc_dir) or of the incus client
 * (rs->incus_dir): the same format. */
static void
remotes_load_client(struct remotes *rs, bool incus, char *warn, size_t wl)
{
	const char *dir = incus ? rs->incus_dir : rs->lxc_dir;
	yaml_document_t doc;
	yaml_node_t *root, *remotes;
	yaml_node_pair_t *p;
	const char *local = incus ? "incus" : "lxd", *def;

	if (remotes_open_file(xasprintf("%s/config.yml", dir), &doc, &root, &remotes,
	    warn, wl) < 0)
		return;
	def = yaml_str(yaml_map_get(&doc, root, "default-remote"));
	if (rs->default_remote == NULL && def != NULL)
		remotes_set_str(&rs->default_remote, strcmp(def, "local") == 0 ? local : def);
	if (remotes != NULL) {
		for (p = remotes->data.mapping.pairs.start; p < remotes->data.mapping.pairs.top;
		    p++) {
			const char *name = yaml_str(yaml_document_get_node(&doc, p->key));
			yaml_node_t *r = yaml_document_get_node(&doc, p->value);
			const char *addr = yaml_str(yaml_map_get(&doc, r, "addr"));
			const char *proto = yaml_str(yaml_map_get(&doc, r, "protocol"));
			const char *cname = name;	/* the client's own name */
			struct remote_conf *rc;
			char *own = NULL, *sock = NULL;

			if (name == NULL || addr == NULL)
				continue;
			if (strcmp(name, "local") == 0)
				name = local;
			if (incus && strcmp(addr, "unix://") == 0)
				addr = sock = remotes_incus_socket();
			if (incus && (rc = remotes_get(rs, name, false)) != NULL) {
				if (rc->addr != NULL && strcmp(rc->addr, addr) == 0) {
					free(sock);
					continue;	/* the same remote, listed once */
				}
				name = own = xasprintf("incus-%s", name);
				if (remotes_get(rs, name, false) != NULL) {
					free(own);
					free(sock);
					continue;
				}
			}
			rc = remotes_get(rs, name, true);
			rc->from_lxc = !incus;
			rc->from_incus = incus;
			/* "incus" is the incus client's name for the LXD API; the
			 * client names the cert after its own name for the remote */
			remotes_read_entry(rc, &doc, r, addr, proto != NULL &&
			    strcmp(proto, "incus") == 0 ? "lxd" : proto, dir, cname);
			free(own);
			free(sock);
		}
	}
	yaml_document_delete(&doc);
}

static void
remotes_load_own(struct remotes *rs, char *warn, size_t wl)
{
	yaml_document_t doc;
	yaml_node_t *root, *remotes;
	yaml_node_pair_t *p;

	if (remotes_open_file(xasprintf("%s/remotes.yml", rs->own_dir), &doc, &root,
	    &remotes, warn, wl) < 0)
		return;
	if (remotes != NULL) {
		for (p = remotes->data.mapping.pairs.start; p < remotes->data.mapping.pairs.top;
		    p++) {
			const char *name = yaml_str(yaml_document_get_node(&doc, p->key));
			yaml_node_t *r = yaml_document_get_node(&doc, p->value);
			const char *addr = yaml_str(yaml_map_get(&doc, r, "addr"));
			struct remote_conf *rc;

			if (name == NULL || strcmp(name, "local") == 0)
				continue;
			rc = remotes_get(rs, name, addr != NULL);
			if (rc == NULL)
				continue;	/* options for an lxc remote that is gone */
			if (addr != NULL && !rc->from_lxc && !rc->from_incus)
				remotes_read_entry(rc, &doc, r, addr, yaml_str(yaml_map_get(&doc,
				    r, "protocol")), rs->own_dir, name);
			rc->read_only = yaml_bool(yaml_map_get(&doc, r, "read_only"));
			remotes_set_str(&rc->color, yaml_str(yaml_map_get(&doc, r, "color")));
		}
	}
	yaml_document_delete(&doc);
}

/* dir/client.crt and dir/client.key when both exist. */
static bool
remotes_cert_in(const char *dir, char **crt, char **key)
{
	*crt = *key = NULL;
	if (dir == NULL)
		return false;
	*crt = xasprintf("%s/client.crt", dir);
	*key = xasprintf("%s/client.key", dir);
	if (remotes_is_file(*crt) && remotes_is_file(*key))
		return true;
	free(*crt);
	free(*key);
	*crt = *key = NULL;
	return false;
}

/* Points every remote at the client certificate in use (if any): the
 * incus client's for its remotes when it has one, else lxc's, else
 * lxdeck's own. */
static void
remotes_assign_cert(struct remotes *rs)
{
	char *crt, *key, *icrt, *ikey;
	size_t i;

	if (!remotes_cert_in(rs->lxc_dir, &crt, &key))
		remotes_cert_in(rs->own_dir, &crt, &key);
	remotes_cert_in(rs->incus_dir, &icrt, &ikey);
	for (i = 0; i < rs->n; i++) {
		bool incus = rs->v[i].from_incus && icrt != NULL;

		free(rs->v[i].client_crt);
		free(rs->v[i].client_key);
		rs->v[i].client_crt = xstrdup(incus ? icrt : crt);
		rs->v[i].client_key = xstrdup(incus ? ikey : key);
	}
	free(rs->client_crt);
	free(rs->client_key);
	rs->client_crt = crt;
	rs->client_key = key;
	free(icrt);
	free(ikey);
}

void
remotes_load(struct remotes *rs, char *warn, size_t wl)
{
	const char *env = getenv("LXD_CONF"), *xdg = getenv("XDG_CONFIG_HOME");
	char *p;

	memset(rs, 0, sizeof *rs);
	if (warn != NULL && wl > 0)
		warn[0] = '\0';
	if (env != NULL && *env != '\0') {
		rs->lxc_dir = xstrdup(env);
	} else {
		p = remotes_home_path(".config/lxc");
		if (remotes_is_dir(p)) {
			rs->lxc_dir = p;
		} else {
			free(p);
			p = remotes_home_path("snap/lxd/common/config");
			if (remotes_is_dir(p))
				rs->lxc_dir = p;
			else
				free(p);
		}
	}
	rs->own_dir = xdg != NULL && *xdg != '\0' ? xasprintf("%s/lxdeck", xdg) :
	    remotes_home_path(".config/lxdeck");
	env = getenv("INCUS_CONF");
	if (env != NULL && *env != '\0') {
		rs->incus_dir = xstrdup(env);
	} else {
		p = remotes_home_path(".config/incus");
		if (remotes_is_dir(p))
			rs->incus_dir = p;
		else
			free(p);
	}
	if (rs->lxc_dir != NULL)
		remotes_load_client(rs, false, warn, wl);
	if (rs->incus_dir != NULL)
		remotes_load_client(rs, true, warn && warn[0] == '\0' ? warn : NULL, wl);
	remotes_load_own(rs, warn && warn[0] == '\0' ? warn : NULL, wl);
	remotes_assign_cert(rs);
}

static int
remotes_mkdirs(const char *dir, struct err *e)
{
	char *tmp = xstrdup(dir), *p;

	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0700);
		*p = '/';
	}
	free(tmp);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, 500, "Failed to create \"%s\": %s", dir, strerror(errno));
	return 0;
}

int
remotes_client_cert(struct remotes *rs, struct err *e)
{
	char *crt, *key;
	int rc = 0;

	if (rs->client_crt != NULL)
		return 0;
	crt = xasprintf("%s/client.crt", rs->own_dir);
	key = xasprintf("%s/client.key", rs->own_dir);
	if (!remotes_is_file(crt) || !remotes_is_file(key)) {
		if (remotes_mkdirs(rs->own_dir, e) < 0 ||
		    cert_create(crt, key, false, e) < 0)
			rc = -1;
		else
			log_info("Generated a client certificate in %s", crt);
	}
	free(crt);
	free(key);
	if (rc == 0)
		remotes_assign_cert(rs);
	/* With no remote loaded yet, the next load picks it up. */
	return rc;
}

/* lxdeck's file: only what lxdeck owns (its remotes, and options). */
static void
yaml_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static int
remotes_save(struct remotes *rs, struct err *e)
{
	char *path, *tmp;
	FILE *f;
	size_t i;

	if (remotes_mkdirs(rs->own_dir, e) < 0)
		return -1;
	path = xasprintf("%s/remotes.yml", rs->own_dir);
	tmp = xasprintf("%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL) {
		err_set(e, 500, "Failed to write \"%s\": %s", tmp, strerror(errno));
		free(tmp);
		free(path);
		return -1;
	}
	fprintf(f, "# lxdeck's remotes and per-remote options; the lxc and incus\n"
	    "# clients' remotes are read from their own config.yml and not\n"
	    "# repeated here.\n"
	    "remotes:\n");
	for (i = 0; i < rs->n; i++) {
		struct remote_conf *r = &rs->v[i];

		if ((r->from_lxc || r->from_incus) && !r->read_only && r->color == NULL)
			continue;
		fprintf(f, "  ");
		yaml_quote(f, r->name);
		fprintf(f, ":\n");
		if (!r->from_lxc && !r->from_incus) {
			fprintf(f, "    addr: ");
			yaml_quote(f, r->addr);
			fprintf(f, "\n    protocol: ");
			yaml_quote(f, r->protocol ? r->protocol : "lxd");
			fprintf(f, "\n");
			if (r->project != NULL) {
				fprintf(f, "    project: ");
				yaml_quote(f, r->project);
				fprintf(f, "\n");
			}
			if (r->public)
				fprintf(f, "    public: true\n");
		}
		if (r->read_only)
			fprintf(f, "    read_only: true\n");
		if (r->color != NULL) {
			fprintf(f, "    color: ");
			yaml_quote(f, r->color);
			fprintf(f, "\n");
		}
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		err_set(e, 500, "Failed to write \"%s\": %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		free(path);
		return -1;
	}
	free(tmp);
	free(path);
	return 0;
}

const char *
remote_conf_source(const struct remote_conf *r)
{
	return r->from_lxc ? "lxc" : r->from_incus ? "incus" : "lxdeck";
}

int
remotes_set_option(struct remotes *rs, const char *name, const char *key,
    const char *value, struct err *e)
{
	struct remote_conf *r = remotes_get(rs, name, false);

	if (r == NULL)
		return err_set(e, 404, "Remote \"%s\" not found", name);
	if (strcmp(key, "read_only") == 0)
		r->read_only = value && strcmp(value, "true") == 0;
	else if (strcmp(key, "color") == 0)
		remotes_set_str(&r->color, value);
	else
		return err_set(e, 400, "Unknown remote option \"%s\"", key);
	return remotes_save(rs, e);
}

/* remote add */

static bool
remotes_ask(FILE *in, FILE *out, const char *question)
{
	char line[64];

	fprintf(out, "%s", question);
	fflush(out);
	if (in == NULL || fgets(line, sizeof line, in) == NULL)
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* Decodes an lxc trust token: addresses and the server fingerprint. */
static int
remotes_token_decode(const char *token, struct strv *addrs, char fp[65])
{
	size_t n = strlen(token);
	unsigned char *raw;
	int len;
	json_object *o = NULL, *a;
	const char *f = NULL;
	struct err e = { 0 };
	char *txt;
	size_t i;
	int rc = -1;

	if (n < 16 || n % 4 != 0)
		return -1;
	raw = xmalloc(n);
	len = EVP_DecodeBlock(raw, (const unsigned char *)token, (int)n);
	while (len > 0 && raw[len - 1] == '\0')
		len--;
	if (len <= 0) {
		free(raw);
		return -1;
	}
	txt = xstrndup((char *)raw, (size_t)len);
	free(raw);
	o = json_tokener_parse(txt);
	free(txt);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		goto out;
	if (codec_get_string(o, "fingerprint", &f, &e) < 0 || f == NULL || strlen(f) != 64)
		goto out;
	snprintf(fp, 65, "%s", f);
	if (!json_object_object_get_ex(o, "addresses", &a) ||
	    !json_object_is_type(a, json_type_array))
		goto out;
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);

		if (json_object_is_type(s, json_type_string))
			strv_push(addrs, json_object_get_string(s));
	}
	rc = addrs->n > 0 ? 0 : -1;
out:
	if (o != NULL)
		json_object_put(o);
	return rc;
}

static int
remotes_write_file(const char *path, const char *data, struct err *e)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(data, f) < 0 || fclose(f) != 0)
		return err_set(e, 500, "Failed to write \"%s\": %s", path, strerror(errno));
	return 0;
}

/* Over HTTPS with the pinned certificate: GET /1.0, become trusted. */
static int
remotes_trust(struct remotes *rs, struct remote_conf *rc, const char *password,
    bool token, FILE *in, FILE *out, struct err *e)
{
	struct client *c;
	struct server_info si;
	struct client_resp r;
	char auth[32] = "";
	int ret = -1;

	c = client_create(rc, e);
	if (c == NULL)
		return -1;
	memset(&si, 0, sizeof si);
	if (client_server_get(c, &si, NULL, auth, sizeof auth, e) < 0)
		goto out;
	server_info_free_contents(&si);
	if (strcmp(auth, "trusted") != 0) {
		json_object *body = json_object_new_object();
		char pw[256] = "";

		if (password == NULL) {
			if (in == NULL || out == NULL) {
				err_set(e, 403, "Remote \"%s\" does not trust this client: "
				    "give --password or a token", rc->name);
				json_object_put(body);
				goto out;
			}
			fprintf(out, "Admin password (or token) for %s: ", rc->name);
			fflush(out);
			if (fgets(pw, sizeof pw, in) == NULL)
				pw[0] = '\0';
			pw[strcspn(pw, "\r\n")] = '\0';
			password = pw;
		}
		json_object_object_add(body, "type", codec_string("client"));
		json_object_object_add(body, "password", codec_string(password));
		/* LXD 5.0 takes a token as the password; Incus (which has no
		 * trust password) only in trust_token, which LXD ignores. */
		if (token)
			json_object_object_add(body, "trust_token", codec_string(password));
		json_object_object_add(body, "token", json_object_new_boolean(0));
		ret = client_request(c, "POST", "/1.0/certificates", body, NULL, &r, e);
		json_object_put(body);
		client_resp_free(&r);
		if (ret < 0) {
			err_prefix(e, "Remote \"%s\" refused the %s: ", rc->name,
			    token ? "token" : "password");
			goto out;
		}
		ret = -1;
		memset(&si, 0, sizeof si);
		if (client_server_get(c, &si, NULL, auth, sizeof auth, e) < 0)
			goto out;
		server_info_free_contents(&si);
		if (!token && strcmp(auth, "trusted") != 0) {
			err_set(e, 403, "Server doesn't trust us after authentication");
			goto out;
		}
	}
	ret = 0;
out:
	client_free(c);
	return ret;
}

/* unix://PATH: a server that answers GET /1.0 there. */
static int
remotes_add_unix(struct remote_conf *rc, const char *target, struct err *e)
{
	struct client *c;
	struct server_info si;
	int ret = -1;

	rc->addr = xstrdup(target);
	c = client_create(rc, e);
	memset(&si, 0, sizeof si);
	if (c != NULL && client_server_get(c, &si, NULL, NULL, 0, e) == 0) {
		server_info_free_contents(&si);
		ret = 0;
	}
	client_free(c);
	return ret;
}

/* Where target says to go: https://ADDR, a trust token (its addresses and
 * the fingerprint it names; *token true) or a bare ADDR. */
static int
remotes_add_target(const char *target, struct strv *addrs, char want_fp[65],
    bool *token, struct err *e)
{
	if (strncmp(target, "https://", 8) == 0)
		strv_push(addrs, target + 8);
	else if (remotes_token_decode(target, addrs, want_fp) == 0)
		*token = true;
	else if (strchr(target, '/') == NULL && strchr(target, '.') != NULL)
		strv_push(addrs, target);
	else
		return err_set(e, 400, "\"%s\" is neither an address (unix://, https://) "
		    "nor a trust token", target);
	return 0;
}

/* The server's certificate (PEM into *pem, its fingerprint into fp) from
 * each address in turn, as lxc does with a token; rc->addr is left on the
 * one that answered. */
static int
remotes_add_fetch_cert(struct remote_conf *rc, const struct strv *addrs, char **pem,
    char fp[65], struct err *e)
{
	size_t i;
	int ret = -1;

	for (i = 0; i < addrs->n; i++) {
		struct client *c;

		free(rc->addr);
		rc->addr = xasprintf("https://%s", addrs->v[i]);
		c = client_create(rc, e);
		if (c == NULL)
			return -1;
		ret = client_fetch_cert(c, pem, fp, e);
		client_free(c);
		if (ret == 0)
			break;
	}
	return ret;
}

/* The certificate is the one the token names, or the user takes it
 * (accept: without being asked). */
static int
remotes_add_check_cert(const struct remote_conf *rc, const char *fp,
    const char *want_fp, bool token, bool accept, FILE *in, FILE *out, struct err *e)
{
	if (token) {
		if (strcmp(fp, want_fp) != 0)
			return err_set(e, 403, "REFUSED: the certificate of \"%s\" (SHA-256 "
			    "%s) is not the one the token names (%s)", rc->addr, fp, want_fp);
	} else if (!accept) {
		char q[256];

		if (out != NULL)
			fprintf(out, "Certificate fingerprint: %s\n", fp);
		snprintf(q, sizeof q, "ok (y/n)? ");
		if (!remotes_ask(in, out, q))
			return err_set(e, 403, "Certificate of remote \"%s\" not accepted",
			    rc->name);
	}
	return 0;
}

/* Pins the server's certificate as servercerts/NAME.crt. */
static int
remotes_add_pin(struct remotes *rs, struct remote_conf *rc, struct err *e)
{
	char *path = xasprintf("%s/servercerts", rs->own_dir);
	int ret = remotes_mkdirs(path, e);

	free(path);
	if (ret < 0)
		return -1;
	path = xasprintf("%s/servercerts/%s.crt", rs->own_dir, rc->name);
	if (remotes_write_file(path, rc->server_crt, e) < 0) {
		free(path);
		return -1;
	}
	rc->server_crt_path = path;
	return 0;
}

/* https: the server's certificate, checked, then (unless public) our
 * client certificate trusted there, then the pin. */
static int
remotes_add_https(struct remotes *rs, struct remote_conf *rc, const char *target,
    bool accept, const char *password, FILE *in, FILE *out, struct err *e)
{
	struct strv addrs = { 0 };
	char want_fp[65] = "", fp[65], *pem = NULL;
	bool token = false;
	int ret = -1;

	if (remotes_add_target(target, &addrs, want_fp, &token, e) < 0)
		goto out;
	if (token)
		password = target;
	if (rc->public && token) {
		err_set(e, 400, "A public remote (an image server) takes an "
		    "address, not a trust token");
		goto out;
	}
	if (!rc->public && remotes_client_cert(rs, e) < 0)
		goto out;
	if (remotes_add_fetch_cert(rc, &addrs, &pem, fp, e) < 0 ||
	    remotes_add_check_cert(rc, fp, want_fp, token, accept, in, out, e) < 0)
		goto out;
	rc->server_crt = pem;
	pem = NULL;
	/* A public remote is an image server read as anyone: pinned, but
	 * never asked to trust us (lxc remote add --public).  Pin only what
	 * is trusted both ways (or public). */
	if (!rc->public) {
		rc->client_crt = xstrdup(rs->client_crt);
		rc->client_key = xstrdup(rs->client_key);
		if (rc->client_crt == NULL) {
			rc->client_crt = xasprintf("%s/client.crt", rs->own_dir);
			rc->client_key = xasprintf("%s/client.key", rs->own_dir);
		}
		if (remotes_trust(rs, rc, password, token, in, out, e) < 0)
			goto out;
	}
	ret = remotes_add_pin(rs, rc, e);
out:
	strv_free(&addrs);
	free(pem);
	return ret;
}

int
remotes_add(struct remotes *rs, const char *name, const char *target, bool accept,
    bool public, const char *password, FILE *in, FILE *out, struct err *e)
{
	struct remote_conf rc, *nr;
	int ret;

	memset(&rc, 0, sizeof rc);
	if (*name == '\0' || strchr(name, '/') || strchr(name, ':') || strchr(name, ' '))
		return err_set(e, 400, "Invalid remote name \"%s\"", name);
	if (strcmp(name, "local") == 0 || remotes_find(rs, name) != NULL)
		return err_set(e, 409, "Remote \"%s\" already exists", name);
	rc.name = xstrdup(name);
	rc.protocol = xstrdup("lxd");
	rc.public = public;
	if (strncmp(target, "unix://", 7) == 0)
		ret = remotes_add_unix(&rc, target, e);
	else
		ret = remotes_add_https(rs, &rc, target, accept, password, in, out, e);
	if (ret == 0) {
		nr = remotes_get(rs, name, true);
		free(nr->name);
		*nr = rc;
		memset(&rc, 0, sizeof rc);
		ret = remotes_save(rs, e);
	}
	remote_conf_free_contents(&rc);
	return ret;
}
