/*
 * image-secret.c - download tokens of private images (lxd-api.md 4.2).
 *
 * An untrusted caller sees only public images.  To hand a private one to
 * another host, a trusted client asks POST /1.0/images/FP/secret: the
 * answer is an operation of class "token" (description "Image download
 * token", resources.images ["/1.0/images/FP"], metadata.secret 64 hex
 * digits), and `?secret=` then opens GET /1.0/images/FP and its export to
 * whoever holds it.  As in LXD 5.0, a token is single use in a lenient
 * way: the first request that presents it cancels the operation, and the
 * cancelled operation is kept IMAGE_SECRET_LINGER_MS, during which the
 * secret still works, so the image's GET and its export (two requests)
 * both pass; after that the secret is dead.  DELETE of the operation
 * cancels it too.
 *
 * Tokens live in memory in the server (lost on restart, as LXD's), at most
 * IMAGE_SECRET_MAX: the oldest goes first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define IMAGE_SECRET_MAX	64
#define IMAGE_SECRET_LINGER_MS	5000

struct image_secret {
	char		 id[37];
	char		 secret[65];
	char		 fp[65];
	int64_t		 created_ns, updated_ns;
	bool		 cancelled;
};

struct image_secrets {
	struct image_secret	 v[IMAGE_SECRET_MAX];
	size_t			 n;
};

static struct image_secrets *
image_secret_state(struct server *s)
{
	struct image_secrets **st = (struct image_secrets **)server_api_state(s,
	    &image_secret_family);

	if (*st == NULL)
		*st = xcalloc(1, sizeof **st);
	return *st;
}

static void
image_secret_drop(struct image_secrets *st, size_t i)
{
	memmove(&st->v[i], &st->v[i + 1], (st->n - i - 1) * sizeof st->v[0]);
	st->n--;
}

/* Forgets cancelled tokens whose grace period is over. */
static void
image_secret_expire(struct image_secrets *st)
{
	int64_t now = time_now_ns();
	size_t i = 0;

	while (i < st->n) {
		if (st->v[i].cancelled && now - st->v[i].updated_ns >
		    (int64_t)IMAGE_SECRET_LINGER_MS * 1000000)
			image_secret_drop(st, i);
		else
			i++;
	}
}

static struct image_secret *
image_secret_find(struct image_secrets *st, const char *op_id)
{
	size_t i;

	image_secret_expire(st);
	for (i = 0; i < st->n; i++)
		if (strcmp(st->v[i].id, op_id) == 0)
			return &st->v[i];
	return NULL;
}

/* The token as LXD shows it: an operation of class "token" on the image,
 * its secret the only metadata. */
static json_object *
image_secret_json(const struct image_secret *t)
{
	struct op_info op = {
		.id = (char *)t->id,
		.cls = OP_CLASS_TOKEN,
		.description = (char *)"Image download token",
		.created_ns = t->created_ns,
		.updated_ns = t->updated_ns,
		.status = t->cancelled ? STATUS_CANCELLED : STATUS_RUNNING,
		.may_cancel = true,
	};
	json_object *meta = json_object_new_object(), *o;
	char *url = xasprintf("/1.0/images/%s", t->fp);

	strmap_set(&op.resources, "images", url);
	json_object_object_add(meta, "secret", codec_string(t->secret));
	o = codec_op_encode(&op, meta);
	json_object_put(meta);
	strmap_free(&op.resources);
	free(url);
	return o;
}

json_object *
image_secret_create(struct server *s, const char *fp)
{
	struct image_secrets *st = image_secret_state(s);
	struct image_secret *t;

	image_secret_expire(st);
	if (st->n == IMAGE_SECRET_MAX)
		image_secret_drop(st, 0);
	t = &st->v[st->n++];
	memset(t, 0, sizeof *t);
	trust_uuid(t->id);
	trust_random_hex(t->secret, 32);
	snprintf(t->fp, sizeof t->fp, "%s", fp);
	t->created_ns = t->updated_ns = time_now_ns();
	return image_secret_json(t);
}

bool
image_secret_check(struct server *s, const char *fp, const char *secret)
{
	struct image_secrets *st = image_secret_state(s);
	size_t i;

	if (secret == NULL || strlen(secret) != 64)
		return false;
	image_secret_expire(st);
	for (i = 0; i < st->n; i++) {
		struct image_secret *t = &st->v[i];

		if (strcmp(t->fp, fp) != 0 || !trust_secret_equal(t->secret, secret))
			continue;
		if (!t->cancelled) {
			t->cancelled = true;
			t->updated_ns = time_now_ns();
		}
		return true;
	}
	return false;
}

/* The token operation op_id (new reference), or NULL. */
static json_object *
image_secret_op(struct server *s, const char *op_id)
{
	struct image_secret *t = image_secret_find(image_secret_state(s), op_id);

	return t != NULL ? image_secret_json(t) : NULL;
}

/* Cancels the token op_id; false if there is none. */
static bool
image_secret_cancel(struct server *s, const char *op_id)
{
	struct image_secret *t = image_secret_find(image_secret_state(s), op_id);

	if (t == NULL)
		return false;
	if (!t->cancelled) {
		t->cancelled = true;
		t->updated_ns = time_now_ns();
	}
	return true;
}

static void
image_secret_free_all(struct server *s)
{
	void **slot = server_api_state(s, &image_secret_family);

	free(*slot);
	*slot = NULL;
}

const struct api_family image_secret_family = {
	.name = "image-secret",
	.op_get = image_secret_op,
	.op_cancel = image_secret_cancel,
	.free_all = image_secret_free_all,
};
