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

#include "server.h"

#define TRUST_MAX_TOKENS	64
#define TRUST_NAME_MAX		255

struct trust_cert {
	char	fp[65];
	char	*name;
	char	*pem;
};

struct trust_token {
	char		 op_id[37];
	char		 secret[65];
	char		*name;
	char		*server_fp;
	struct strv	 addresses;
	int64_t		 created_ns;
	int64_t		 expires_ns;	/* 0: never */
};

struct trust {
	char			*dir;
	struct trust_cert	*certs;
	size_t			 ncerts;
	struct trust_token	 tokens[TRUST_MAX_TOKENS];
	size_t			 ntokens;
};

static void trust_token_drop(struct trust *, size_t);

void
trust_random_hex(char *out, size_t bytes)
{
	unsigned char raw[64];
	size_t i;

	RAND_bytes(raw, (int)bytes);
	for (i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

bool
trust_secret_equal(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return false;
	n = strlen(a);
	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
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

/* path is <fp>.crt: a file whose certificate is not the one its name
 * says is refused, whatever else it holds. */
static void
trust_load_file(struct trust *t, const char *path, const char *want_fp)
{
	char *text = cert_read_file(path), *name = NULL, *pem;
	char fp[65];

	if (text == NULL)
		return;
	if (strncmp(text, "# name: ", 8) == 0) {
		size_t n = strcspn(text + 8, "\n");

		name = xstrndup(text + 8, n);
	}
	pem = strstr(text, "-----BEGIN CERTIFICATE-----");
	if (pem == NULL || cert_pem_fingerprint(pem, fp) < 0) {
		log_warn("Ignoring %s: not a PEM certificate", path);
		free(name);
		free(text);
		return;
	}
	if (strncmp(fp, want_fp, 64) != 0) {
		log_warn("Ignoring %s: its certificate has fingerprint %s", path, fp);
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
		trust_load_file(t, path, de->d_name);
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
	while (t->ntokens > 0)
		trust_token_drop(t, t->ntokens - 1);
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
trust_name_check(const char *name, struct err *e)
{
	const unsigned char *p;

	if (name == NULL)
		return 0;
	if (strlen(name) > TRUST_NAME_MAX)
		return err_set(e, 400, "Invalid certificate name, name must not be longer "
		    "than %d bytes", TRUST_NAME_MAX);
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, 400, "Invalid certificate name, name must not "
			    "contain control characters");
	if (name[0] == '-' || strchr(name, '/') != NULL)
		return err_set(e, 400, "Invalid certificate name \"%s\", name must not "
		    "start with a hyphen or contain forward slashes", name);
	return 0;
}

/* A certificate's CN as a name: control characters become '_'. */
static char *
trust_cn_name(const char *pem)
{
	char *cn = cert_pem_cn(pem);
	unsigned char *p;

	if (cn == NULL)
		return NULL;
	if (strlen(cn) > TRUST_NAME_MAX)
		cn[TRUST_NAME_MAX] = '\0';
	for (p = (unsigned char *)cn; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '_';
	return cn;
}

int
trust_add(struct trust *t, const char *pem, const char *name, struct err *e)
{
	char fp[65], *path, *tmp;
	FILE *f;
	char *cn = NULL;

	if (pem == NULL || cert_pem_fingerprint(pem, fp) < 0)
		return err_set(e, 400, "Invalid certificate");
	if (trust_has(t, fp))
		return err_set(e, 409, "Certificate already in trust store");
	if (trust_name_check(name, e) < 0)
		return -1;
	if (name == NULL || *name == '\0')
		name = cn = trust_cn_name(pem);
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

/* "1H", "10M", "1d 3H": space-separated numbers with a unit as LXD takes
 * them (S, M, H, d, w; m and y as 30 and 365 days). */
int
trust_expiry_parse(const char *s, int64_t *ns)
{
	int64_t total = 0;
	int terms = 0;

	while (*s != '\0') {
		unsigned long long n = 0;
		int64_t unit;
		int digits = 0;

		if (*s == ' ') {
			s++;
			continue;
		}
		while (*s >= '0' && *s <= '9') {
			if (n > 1000000000ULL)
				return -ERANGE;
			n = n * 10 + (unsigned long long)(*s++ - '0');
			digits++;
		}
		switch (digits > 0 ? *s : '\0') {
		case 'S': unit = 1; break;
		case 'M': unit = 60; break;
		case 'H': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		case 'm': unit = 30 * 86400; break;
		case 'y': unit = 365 * 86400; break;
		default: return -EINVAL;
		}
		s++;
		if (*s != '\0' && *s != ' ')
			return -EINVAL;
		if ((int64_t)n > (INT64_C(100) * 365 * 86400) / unit)
			return -ERANGE;
		total += (int64_t)n * unit;
		if (total > INT64_C(100) * 365 * 86400)
			return -ERANGE;
		terms++;
	}
	if (terms == 0)
		return -EINVAL;
	*ns = total * INT64_C(1000000000);
	return 0;
}

static void
trust_token_drop(struct trust *t, size_t i)
{
	free(t->tokens[i].name);
	free(t->tokens[i].server_fp);
	strv_free(&t->tokens[i].addresses);
	memmove(&t->tokens[i], &t->tokens[i + 1],
	    (t->ntokens - i - 1) * sizeof t->tokens[0]);
	t->ntokens--;
}

static json_object *
trust_token_op_json(const struct trust_token *tk)
{
	json_object *op, *meta, *req, *addrs;
	char now[40], exp[40];
	size_t i;

	time_format_rfc3339(tk->created_ns, now, sizeof now);
	addrs = json_object_new_array();
	for (i = 0; i < tk->addresses.n; i++)
		json_object_array_add(addrs, codec_string(tk->addresses.v[i]));
	req = json_object_new_object();
	json_object_object_add(req, "name", codec_string(tk->name));
	json_object_object_add(req, "type", codec_string("client"));
	json_object_object_add(req, "restricted", json_object_new_boolean(0));
	json_object_object_add(req, "projects", NULL);
	json_object_object_add(req, "certificate", codec_string(""));
	json_object_object_add(req, "password", codec_string(""));
	json_object_object_add(req, "token", json_object_new_boolean(1));
	meta = json_object_new_object();
	json_object_object_add(meta, "request", req);
	json_object_object_add(meta, "secret", codec_string(tk->secret));
	json_object_object_add(meta, "fingerprint", codec_string(tk->server_fp));
	json_object_object_add(meta, "addresses", addrs);
	/* LXD's key: `lxc config trust list-tokens` shows it. */
	if (tk->expires_ns != 0)
		json_object_object_add(meta, "expiresAt", codec_string(
		    time_format_rfc3339(tk->expires_ns, exp, sizeof exp)));
	op = json_object_new_object();
	json_object_object_add(op, "id", codec_string(tk->op_id));
	json_object_object_add(op, "class", codec_string("token"));
	json_object_object_add(op, "description", codec_string("Executing operation"));
	json_object_object_add(op, "created_at", codec_string(now));
	json_object_object_add(op, "updated_at", codec_string(now));
	json_object_object_add(op, "status", codec_string("Running"));
	json_object_object_add(op, "status_code", json_object_new_int(STATUS_RUNNING));
	json_object_object_add(op, "resources", json_object_new_object());
	json_object_object_add(op, "metadata", meta);
	json_object_object_add(op, "may_cancel", json_object_new_boolean(1));
	json_object_object_add(op, "err", codec_string(""));
	json_object_object_add(op, "location", codec_string("none"));
	return op;
}

json_object *
trust_token_create(struct trust *t, const char *name, const char *server_fp,
    const struct strv *addresses, int64_t lifetime_ns, char **token)
{
	struct trust_token *tk;
	json_object *tj, *addrs;
	char exp[40];
	unsigned char *b64;
	char *js;
	size_t i, n;

	if (t->ntokens == TRUST_MAX_TOKENS)
		trust_token_drop(t, 0);
	tk = &t->tokens[t->ntokens++];
	memset(tk, 0, sizeof *tk);
	trust_uuid(tk->op_id);
	trust_random_hex(tk->secret, 32);
	tk->name = xstrdup(name ? name : "");
	tk->server_fp = xstrdup(server_fp ? server_fp : "");
	strv_copy(&tk->addresses, addresses);
	tk->created_ns = time_now_ns();
	tk->expires_ns = lifetime_ns > 0 ? tk->created_ns + lifetime_ns : 0;

	addrs = json_object_new_array();
	for (i = 0; i < addresses->n; i++)
		json_object_array_add(addrs, codec_string(addresses->v[i]));
	tj = json_object_new_object();
	json_object_object_add(tj, "client_name", codec_string(tk->name));
	json_object_object_add(tj, "fingerprint", codec_string(tk->server_fp));
	json_object_object_add(tj, "addresses", addrs);
	json_object_object_add(tj, "secret", codec_string(tk->secret));
	json_object_object_add(tj, "expires_at", codec_string(
	    time_format_rfc3339(tk->expires_ns, exp, sizeof exp)));
	js = codec_to_string(tj, false);
	json_object_put(tj);
	n = strlen(js);
	b64 = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock(b64, (const unsigned char *)js, (int)n);
	free(js);
	*token = (char *)b64;
	return trust_token_op_json(tk);
}

json_object *
trust_tokens_json(struct trust *t)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < t->ntokens; i++)
		json_object_array_add(a, trust_token_op_json(&t->tokens[i]));
	return a;
}

json_object *
trust_token_op(struct trust *t, const char *op_id)
{
	size_t i;

	for (i = 0; i < t->ntokens; i++)
		if (strcmp(t->tokens[i].op_id, op_id) == 0)
			return trust_token_op_json(&t->tokens[i]);
	return NULL;
}

bool
trust_token_cancel(struct trust *t, const char *op_id)
{
	size_t i;

	for (i = 0; i < t->ntokens; i++) {
		if (strcmp(t->tokens[i].op_id, op_id) == 0) {
			log_info("Revoked the trust token for \"%s\"", t->tokens[i].name);
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

int
trust_token_redeem(struct trust *t, const char *password, char **name,
    struct err *e)
{
	char *secret;
	size_t i;
	int rc = 0;

	*name = NULL;
	if (password == NULL || *password == '\0')
		return 0;
	secret = trust_token_secret(password);
	for (i = 0; i < t->ntokens; i++) {
		if (!trust_secret_equal(t->tokens[i].secret, secret))
			continue;
		/* Single use: spent now, whether it still worked or not. */
		if (t->tokens[i].expires_ns != 0 &&
		    time_now_ns() >= t->tokens[i].expires_ns) {
			log_warn("Refused the expired trust token for \"%s\"",
			    t->tokens[i].name);
			err_set(e, 403, "Token has expired");
			rc = -1;
		} else {
			*name = xstrdup(t->tokens[i].name);
			rc = 1;
		}
		trust_token_drop(t, i);
		break;
	}
	free(secret);
	return rc;
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

bool
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
