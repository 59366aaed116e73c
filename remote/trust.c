/*
 * trust.c - lxdeckd's trust store, trust tokens and core.trust_password.
 *
 * The store is a directory, $LXDECK_DIR/trust/, of one PEM file per
 * trusted client certificate named by its SHA-256 fingerprint
 * (<fp>.crt), with the certificate's name in a leading "# name:" line that
 * PEM readers skip.  It is read once and kept in memory; additions and
 * removals write through (a temp file renamed into place), so lxdeckd needs
 * no database of its own and the engine's stays the engine's.
 *
 * Tokens (`lxc config trust add`) live in memory, as pending "token"
 * operations of this file, never of the engine: each has a random secret;
 * the user-facing token is base64(JSON{client_name, fingerprint, addresses,
 * secret, expires_at}) as LXD makes it.  A token is single use.
 *
 * core.trust_password is stored in the server config as a salted scrypt
 * hash ("scrypt$SALT$HASH"), never in clear.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "remote.h"

#define TRUST_MAX_TOKENS	64

struct trust_cert {
	char	fp[65];
	char	*name;
	char	*pem;
};

struct trust_token {
	char	*op_id;
	char	*secret;
	char	*name;
	int64_t	 created_ns;
	json_object *op;	/* the token operation as listed */
};

struct trust {
	char			*dir;
	struct trust_cert	*certs;
	size_t			 ncerts;
	struct trust_token	 tokens[TRUST_MAX_TOKENS];
	size_t			 ntokens;
};

void
trust_random_hex(char *out, size_t bytes)
{
	unsigned char raw[64];
	size_t i;

	RAND_bytes(raw, (int)bytes);
	for (i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

void
trust_uuid(char out[37])
{
	unsigned char r[16];

	RAND_bytes(r, sizeof r);
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6],
	    r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

static void
trust_load_file(struct trust *t, const char *path)
{
	char *text = tls_read_file(path), *name = NULL, *pem;
	char fp[65];

	if (text == NULL)
		return;
	if (strncmp(text, "# name: ", 8) == 0) {
		size_t n = strcspn(text + 8, "\n");

		name = xstrndup(text + 8, n);
	}
	pem = strstr(text, "-----BEGIN CERTIFICATE-----");
	if (pem == NULL || tls_pem_fingerprint(pem, fp) < 0) {
		log_warn("Ignoring %s: not a PEM certificate", path);
		free(name);
		free(text);
		return;
	}
	t->certs = xreallocarray(t->certs, t->ncerts + 1, sizeof *t->certs);
	memcpy(t->certs[t->ncerts].fp, fp, 65);
	t->certs[t->ncerts].name = name ? name : xstrdup("");
	t->certs[t->ncerts].pem = xstrdup(pem);
	t->ncerts++;
	free(text);
}

struct trust *
trust_open(const char *dir, struct err *e)
{
	struct trust *t = xcalloc(1, sizeof *t);
	DIR *d;
	struct dirent *de;

	t->dir = xasprintf("%s/trust", dir);
	if (mkdir(t->dir, 0700) < 0 && errno != EEXIST) {
		log_warn("Failed to create the trust store %s: %s", t->dir, strerror(errno));
		return t;
	}
	d = opendir(t->dir);
	if (d == NULL)
		return t;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char *path;

		if (n != 68 || strcmp(de->d_name + 64, ".crt") != 0)
			continue;
		path = xasprintf("%s/%s", t->dir, de->d_name);
		trust_load_file(t, path);
		free(path);
	}
	closedir(d);
	return t;
}

void
trust_free(struct trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncerts; i++) {
		free(t->certs[i].name);
		free(t->certs[i].pem);
	}
	for (i = 0; i < t->ntokens; i++) {
		free(t->tokens[i].op_id);
		free(t->tokens[i].secret);
		free(t->tokens[i].name);
		json_object_put(t->tokens[i].op);
	}
	free(t->certs);
	free(t->dir);
	free(t);
}

static struct trust_cert *
trust_find(struct trust *t, const char *fp)
{
	size_t i, n = strlen(fp), hits = 0;
	struct trust_cert *found = NULL;

	if (n == 0)
		return NULL;
	for (i = 0; i < t->ncerts; i++) {
		if (strcmp(t->certs[i].fp, fp) == 0)
			return &t->certs[i];
		if (strncmp(t->certs[i].fp, fp, n) == 0) {
			found = &t->certs[i];
			hits++;
		}
	}
	return hits == 1 ? found : NULL;
}

bool
trust_has(struct trust *t, const char *fp)
{
	size_t i;

	if (t == NULL || fp == NULL || strlen(fp) != 64)
		return false;
	for (i = 0; i < t->ncerts; i++)
		if (strcmp(t->certs[i].fp, fp) == 0)
			return true;
	return false;
}

int
trust_add(struct trust *t, const char *pem, const char *name, struct err *e)
{
	char fp[65], *path, *tmp;
	FILE *f;
	char *cn = NULL;

	if (pem == NULL || tls_pem_fingerprint(pem, fp) < 0)
		return err_set(e, 400, "Invalid certificate");
	if (trust_has(t, fp))
		return err_set(e, 409, "Certificate already in trust store");
	if (name == NULL || *name == '\0')
		name = cn = tls_pem_cn(pem);
	path = xasprintf("%s/%s.crt", t->dir, fp);
	tmp = xasprintf("%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "# name: %s\n%s", name ? name : "", pem) < 0 ||
	    fclose(f) != 0 || rename(tmp, path) < 0) {
		err_set(e, 500, "Failed to write certificate \"%s\" to the trust store: %s",
		    fp, strerror(errno));
		unlink(tmp);
		free(tmp);
		free(path);
		free(cn);
		return -1;
	}
	t->certs = xreallocarray(t->certs, t->ncerts + 1, sizeof *t->certs);
	memcpy(t->certs[t->ncerts].fp, fp, 65);
	t->certs[t->ncerts].name = xstrdup(name ? name : "");
	t->certs[t->ncerts].pem = xstrdup(pem);
	t->ncerts++;
	log_info("Trusted certificate %s (%s)", fp, name ? name : "");
	free(tmp);
	free(path);
	free(cn);
	return 0;
}

int
trust_remove(struct trust *t, const char *fp, struct err *e)
{
	struct trust_cert *c = trust_find(t, fp);
	char *path;
	size_t i;

	if (c == NULL)
		return err_set(e, 404, "Certificate \"%s\" not found", fp);
	path = xasprintf("%s/%s.crt", t->dir, c->fp);
	if (unlink(path) < 0 && errno != ENOENT) {
		err_set(e, 500, "Failed to remove certificate \"%s\": %s", c->fp,
		    strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	i = (size_t)(c - t->certs);
	free(c->name);
	free(c->pem);
	memmove(&t->certs[i], &t->certs[i + 1], (t->ncerts - i - 1) * sizeof *t->certs);
	t->ncerts--;
	return 0;
}

static json_object *
trust_cert_json(const struct trust_cert *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", codec_string(c->name));
	json_object_object_add(o, "type", codec_string("client"));
	json_object_object_add(o, "restricted", json_object_new_boolean(0));
	json_object_object_add(o, "projects", json_object_new_array());
	json_object_object_add(o, "certificate", codec_string(c->pem));
	json_object_object_add(o, "fingerprint", codec_string(c->fp));
	return o;
}

json_object *
trust_list_json(struct trust *t, bool recursion)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < t->ncerts; i++) {
		if (recursion) {
			json_object_array_add(a, trust_cert_json(&t->certs[i]));
		} else {
			char *u = xasprintf("/1.0/certificates/%s", t->certs[i].fp);

			json_object_array_add(a, json_object_new_string(u));
			free(u);
		}
	}
	return a;
}

json_object *
trust_get_json(struct trust *t, const char *fp)
{
	struct trust_cert *c = trust_find(t, fp);

	return c ? trust_cert_json(c) : NULL;
}

/* Tokens */

static void
trust_token_drop(struct trust *t, size_t i)
{
	free(t->tokens[i].op_id);
	free(t->tokens[i].secret);
	free(t->tokens[i].name);
	json_object_put(t->tokens[i].op);
	memmove(&t->tokens[i], &t->tokens[i + 1],
	    (t->ntokens - i - 1) * sizeof t->tokens[0]);
	t->ntokens--;
}

json_object *
trust_token_create(struct trust *t, const char *name, const char *server_fp,
    const struct strv *addresses, char **token)
{
	struct trust_token *tk;
	json_object *op, *meta, *req, *res, *addrs, *tj;
	char id[37], secret[65], now[40];
	unsigned char *b64;
	char *js;
	size_t i, n;

	if (t->ntokens == TRUST_MAX_TOKENS)
		trust_token_drop(t, 0);
	tk = &t->tokens[t->ntokens++];
	trust_uuid(id);
	trust_random_hex(secret, 32);
	tk->op_id = xstrdup(id);
	tk->secret = xstrdup(secret);
	tk->name = xstrdup(name ? name : "");
	tk->created_ns = time_now_ns();
	time_format_rfc3339(tk->created_ns, now, sizeof now);

	addrs = json_object_new_array();
	for (i = 0; i < addresses->n; i++)
		json_object_array_add(addrs, json_object_new_string(addresses->v[i]));
	req = json_object_new_object();
	json_object_object_add(req, "name", codec_string(name));
	json_object_object_add(req, "type", codec_string("client"));
	json_object_object_add(req, "restricted", json_object_new_boolean(0));
	json_object_object_add(req, "projects", NULL);
	json_object_object_add(req, "certificate", codec_string(""));
	json_object_object_add(req, "password", codec_string(""));
	json_object_object_add(req, "token", json_object_new_boolean(1));
	meta = json_object_new_object();
	json_object_object_add(meta, "request", req);
	json_object_object_add(meta, "secret", codec_string(secret));
	json_object_object_add(meta, "fingerprint", codec_string(server_fp));
	json_object_object_add(meta, "addresses", json_object_get(addrs));
	res = json_object_new_object();
	op = json_object_new_object();
	json_object_object_add(op, "id", codec_string(id));
	json_object_object_add(op, "class", codec_string("token"));
	json_object_object_add(op, "description", codec_string("Executing operation"));
	json_object_object_add(op, "created_at", codec_string(now));
	json_object_object_add(op, "updated_at", codec_string(now));
	json_object_object_add(op, "status", codec_string("Running"));
	json_object_object_add(op, "status_code", json_object_new_int(103));
	json_object_object_add(op, "resources", res);
	json_object_object_add(op, "metadata", meta);
	json_object_object_add(op, "may_cancel", json_object_new_boolean(1));
	json_object_object_add(op, "err", codec_string(""));
	json_object_object_add(op, "location", codec_string("none"));
	tk->op = json_object_get(op);

	tj = json_object_new_object();
	json_object_object_add(tj, "client_name", codec_string(name));
	json_object_object_add(tj, "fingerprint", codec_string(server_fp));
	json_object_object_add(tj, "addresses", addrs);
	json_object_object_add(tj, "secret", codec_string(secret));
	json_object_object_add(tj, "expires_at", codec_string("0001-01-01T00:00:00Z"));
	js = codec_to_string(tj, false);
	json_object_put(tj);
	n = strlen(js);
	b64 = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock(b64, (const unsigned char *)js, (int)n);
	free(js);
	*token = (char *)b64;
	return op;
}

json_object *
trust_tokens_json(struct trust *t)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < t->ntokens; i++)
		json_object_array_add(a, json_object_get(t->tokens[i].op));
	return a;
}

bool
trust_token_cancel(struct trust *t, const char *op_id)
{
	size_t i;

	for (i = 0; i < t->ntokens; i++) {
		if (strcmp(t->tokens[i].op_id, op_id) == 0) {
			trust_token_drop(t, i);
			return true;
		}
	}
	return false;
}

/* The secret of a token string (base64 JSON), or the string itself. */
static char *
trust_token_secret(const char *password)
{
	size_t n = strlen(password);
	unsigned char *raw;
	int len;
	json_object *o;
	const char *s = NULL;
	char *out = NULL;
	struct err e = { 0 };

	if (n == 0 || n % 4 != 0 || n > 8192)
		return xstrdup(password);
	raw = xmalloc(n);
	len = EVP_DecodeBlock(raw, (const unsigned char *)password, (int)n);
	if (len > 0) {
		while (len > 0 && raw[len - 1] == '\0')
			len--;
		{
			char *txt = xstrndup((char *)raw, (size_t)len);

			o = json_tokener_parse(txt);
			free(txt);
		}
		if (o != NULL && json_object_is_type(o, json_type_object) &&
		    codec_get_string(o, "secret", &s, &e) == 0 && s != NULL)
			out = xstrdup(s);
		if (o != NULL)
			json_object_put(o);
	}
	free(raw);
	return out ? out : xstrdup(password);
}

/* Password hashing: "scrypt$<salt hex>$<hash hex>". */
static int
trust_scrypt(const char *password, const unsigned char *salt, size_t saltlen,
    unsigned char out[32])
{
	return EVP_PBE_scrypt(password, strlen(password), salt, saltlen, 1 << 14, 8, 1,
	    64 * 1024 * 1024, out, 32) == 1 ? 0 : -1;
}

char *
trust_password_hash(const char *password)
{
	unsigned char salt[16], h[32];
	char salthex[33], hhex[65];
	size_t i;

	RAND_bytes(salt, sizeof salt);
	if (trust_scrypt(password, salt, sizeof salt, h) < 0)
		return NULL;
	for (i = 0; i < sizeof salt; i++)
		snprintf(salthex + 2 * i, 3, "%02x", salt[i]);
	for (i = 0; i < sizeof h; i++)
		snprintf(hhex + 2 * i, 3, "%02x", h[i]);
	return xasprintf("scrypt$%s$%s", salthex, hhex);
}

static bool
trust_password_matches(const char *stored, const char *password)
{
	unsigned char salt[16], want[32], got[32];
	size_t i;
	unsigned int v;

	if (strncmp(stored, "scrypt$", 7) != 0 || strlen(stored) != 7 + 32 + 1 + 64)
		return false;
	for (i = 0; i < 16; i++) {
		if (sscanf(stored + 7 + 2 * i, "%2x", &v) != 1)
			return false;
		salt[i] = (unsigned char)v;
	}
	for (i = 0; i < 32; i++) {
		if (sscanf(stored + 40 + 2 * i, "%2x", &v) != 1)
			return false;
		want[i] = (unsigned char)v;
	}
	if (trust_scrypt(password, salt, sizeof salt, got) < 0)
		return false;
	return CRYPTO_memcmp(want, got, sizeof got) == 0;
}

bool
trust_check_password(struct trust *t, const struct strmap *config,
    const char *password, char **name)
{
	const char *stored = config ? strmap_get(config, "core.trust_password") : NULL;
	char *secret;
	size_t i;
	bool ok = false;

	*name = NULL;
	if (password == NULL || *password == '\0')
		return false;
	secret = trust_token_secret(password);
	for (i = 0; i < t->ntokens; i++) {
		if (strlen(t->tokens[i].secret) == strlen(secret) &&
		    CRYPTO_memcmp(t->tokens[i].secret, secret, strlen(secret)) == 0) {
			*name = xstrdup(t->tokens[i].name);
			trust_token_drop(t, i);
			ok = true;
			break;
		}
	}
	free(secret);
	if (!ok && stored != NULL && *stored != '\0')
		ok = trust_password_matches(stored, password);
	return ok;
}
