/*
 * codec.c - what every JSON codec of the layer shares.
 *
 * LXD is written in Go, so "LXD JSON" is what Go's encoding/json makes:
 * compact, structs in field order, maps with sorted keys, `<`, `>`, `&`,
 * U+2028 and U+2029 escaped as \u003c and so on.  ETags are the sha256 of
 * exactly that text plus a newline, so the writer here is ours rather than
 * json-c's (which escapes '/' and keeps insertion order everywhere).  The
 * codecs build json-c objects in Go's field order and let this file print
 * them; maps come from sorted strmaps, so they are already in order.
 *
 * Reading goes the other way: typed getters that accept what Go's decoder
 * accepts for LXD's structs (absent and null mean "zero value") and reject
 * the wrong JSON type with a 400 naming the field.  The rename body
 * {"name": NEW}, the same for every object that has one, lives here too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>


#include "wire.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t
codec_utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], need, v, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		need = 1;
		v = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2;
		v = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((need == 1 && v < 0x80) || (need == 2 && v < 0x800) ||
	    (need == 3 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return need + 1;
}

static void
codec_put_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	buf_putc(b, '"');
	while (i < n) {
		unsigned char c = p[i];
		unsigned cp;
		size_t l;

		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' &&
		    c != '&' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (run > 0)
			buf_append(b, p + i - run, run);
		run = 0;
		if (c < 0x80) {
			switch (c) {
			case '"': buf_puts(b, "\\\""); break;
			case '\\': buf_puts(b, "\\\\"); break;
			case '\n': buf_puts(b, "\\n"); break;
			case '\r': buf_puts(b, "\\r"); break;
			case '\t': buf_puts(b, "\\t"); break;
			default:
				buf_puts(b, "\\u00");
				buf_putc(b, hex[c >> 4]);
				buf_putc(b, hex[c & 0xf]);
			}
			i++;
			continue;
		}
		l = codec_utf8_len(p + i, n - i, &cp);
		if (l == 0) {
			buf_puts(b, "\\ufffd");
			i++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			buf_printf(b, "\\u%04x", cp);
			i += l;
		} else {
			buf_append(b, p + i, l);
			i += l;
		}
	}
	if (run > 0)
		buf_append(b, p + i - run, run);
	buf_putc(b, '"');
}

static int
codec_key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
codec_put_int(struct buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

static void
codec_put(struct buf *b, json_object *o, bool sort_keys)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		buf_puts(b, "null");
		break;
	case json_type_boolean:
		buf_puts(b, json_object_get_boolean(o) ? "true" : "false");
		break;
	case json_type_int:
		codec_put_int(b, json_object_get_int64(o));
		break;
	case json_type_double: {
		double d = json_object_get_double(o);
		char tmp[40];
		int prec;

		for (prec = 1; prec <= 17; prec++) {
			snprintf(tmp, sizeof tmp, "%.*g", prec, d);
			if (strtod(tmp, NULL) == d)
				break;
		}
		buf_puts(b, tmp);
		break;
	}
	case json_type_string:
		codec_put_string(b, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
		break;
	case json_type_array: {
		size_t i, n = json_object_array_length(o);

		buf_putc(b, '[');
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			codec_put(b, json_object_array_get_idx(o, i), sort_keys);
		}
		buf_putc(b, ']');
		break;
	}
	case json_type_object: {
		size_t n = (size_t)json_object_object_length(o), i = 0;
		const char **keys;

		if (!sort_keys) {	/* insertion order: no lookups */
			buf_putc(b, '{');
			json_object_object_foreach(o, k, v) {
				if (i++ > 0)
					buf_putc(b, ',');
				codec_put_string(b, k, strlen(k));
				buf_putc(b, ':');
				codec_put(b, v, false);
			}
			buf_putc(b, '}');
			break;
		}
		keys = xcalloc(n ? n : 1, sizeof *keys);
		json_object_object_foreach(o, k2, v2) {
			(void)v2;
			if (i < n)
				keys[i++] = k2;
		}
		n = i;
		qsort(keys, n, sizeof *keys, codec_key_cmp);
		buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			codec_put_string(b, keys[i], strlen(keys[i]));
			buf_putc(b, ':');
			codec_put(b, json_object_object_get(o, keys[i]), sort_keys);
		}
		buf_putc(b, '}');
		free(keys);
		break;
	}
	}
}

char *
codec_to_string(json_object *o, bool sort_keys)
{
	struct buf b = { 0 };

	codec_put(&b, o, sort_keys);
	return buf_steal(&b);
}

void
codec_etag(json_object *o, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int i;
	char *s = codec_to_string(o, true);
	struct sha256_ctx ctx;

	/* nettle: no global initialisation (OpenSSL 3's EVP costs ~2 MB of
	 * resident memory on the first use), and lxdeckd loads it anyway. */
	sha256_init(&ctx);
	sha256_update(&ctx, strlen(s), (const uint8_t *)s);
	sha256_update(&ctx, 1, (const uint8_t *)"\n");
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, md);
	free(s);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}

json_object *
codec_parse(const char *data, size_t len, struct err *e)
{
	struct json_tokener *tok;
	json_object *o;
	enum json_tokener_error je;
	size_t i;

	for (i = 0; i < len; i++)
		if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r' &&
		    data[i] != '\n')
			break;
	if (i == len) {
		err_set(e, 400, "EOF");
		return NULL;
	}
	if (len > INT32_MAX) {
		err_set(e, 413, "Request body too large");
		return NULL;
	}
	tok = json_tokener_new_ex(64);
	if (tok == NULL)
		fatal("out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, data, (int)len);
	je = json_tokener_get_error(tok);
	if (o == NULL && je == json_tokener_continue) {
		err_set(e, 400, "Failed to parse request body: unexpected EOF");
	} else if (je != json_tokener_success) {
		err_set(e, 400, "Failed to parse request body: %s at offset %zu",
		    json_tokener_error_desc(je), json_tokener_get_parse_end(tok));
		json_object_put(o);
		o = NULL;
	} else if (o == NULL) {
		/* The body is the JSON literal null. */
		o = json_object_new_object();
	}
	json_tokener_free(tok);
	return o;
}

json_object *
codec_string(const char *s)
{
	return json_object_new_string(s ? s : "");
}

json_object *
codec_strmap_encode(const struct strmap *m)
{
	json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < m->n; i++)
		json_object_object_add(o, m->keys[i], codec_string(m->vals[i]));
	return o;
}

json_object *
codec_devmap_encode(const struct devmap *d)
{
	json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < d->n; i++)
		json_object_object_add(o, d->names[i], codec_strmap_encode(&d->props[i]));
	return o;
}

json_object *
codec_strv_encode(const struct strv *v)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_object_array_add(a, codec_string(v->v[i]));
	return a;
}

json_object *
codec_time_encode(int64_t ns)
{
	char buf[48];

	return json_object_new_string(time_format_rfc3339(ns, buf, sizeof buf));
}

static const char *
codec_type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "bool";
	case json_type_double:
	case json_type_int: return "number";
	case json_type_string: return "string";
	case json_type_array: return "array";
	case json_type_object: return "object";
	}
	return "value";
}

static int
codec_type_err(struct err *e, const char *key, json_object *v, const char *want)
{
	return err_set(e, 400, "json: cannot unmarshal %s into field \"%s\" of type %s",
	    codec_type_name(v), key, want);
}

int
codec_check_object(json_object *o, const char *what, struct err *e)
{
	if (!json_object_is_type(o, json_type_object))
		return err_set(e, 400, "json: cannot unmarshal %s into %s",
		    codec_type_name(o), what);
	return 0;
}

/* The field's value, or NULL when absent or null. */
static json_object *
codec_field(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/*
 * The field's value when it has JSON type t.  NULL when it is absent or
 * null (*rc 0) or of another type (*rc -1: a 400 naming the field and
 * want, Go's type, as Go's decoder says it).  present, when given, tells
 * whether the field was there at all.
 */
static json_object *
codec_typed(json_object *obj, const char *key, json_type t, const char *want,
    bool *present, int *rc, struct err *e)
{
	json_object *v = codec_field(obj, key);

	if (present != NULL)
		*present = v != NULL;
	*rc = 0;
	if (v == NULL)
		return NULL;
	if (!json_object_is_type(v, t)) {
		*rc = codec_type_err(e, key, v, want);
		return NULL;
	}
	return v;
}

/* A string, bool or int64 field into *out (const char *, bool, int64_t). */
static int
codec_get_scalar(json_object *obj, const char *key, json_type t, void *out,
    struct err *e)
{
	static const char *const go_type[] = {
		[json_type_boolean] = "bool",
		[json_type_int] = "int",
		[json_type_string] = "string",
	};
	int rc;
	json_object *v = codec_typed(obj, key, t, go_type[t], NULL, &rc, e);

	if (v == NULL)
		return rc;
	switch (t) {
	case json_type_boolean:
		*(bool *)out = json_object_get_boolean(v);
		break;
	case json_type_int:
		errno = 0;
		*(int64_t *)out = json_object_get_int64(v);
		if (errno != 0)
			return err_set(e, 400, "json: number out of range in field \"%s\"",
			    key);
		break;
	default:
		*(const char **)out = json_object_get_string(v);
		break;
	}
	return 0;
}

int
codec_get_string(json_object *obj, const char *key, const char **out, struct err *e)
{
	return codec_get_scalar(obj, key, json_type_string, out, e);
}

int
codec_get_bool(json_object *obj, const char *key, bool *out, struct err *e)
{
	return codec_get_scalar(obj, key, json_type_boolean, out, e);
}

int
codec_get_int(json_object *obj, const char *key, int64_t *out, struct err *e)
{
	return codec_get_scalar(obj, key, json_type_int, out, e);
}

int
codec_get_dup(json_object *obj, const char *key, char **out, struct err *e)
{
	const char *s = NULL;

	if (codec_get_string(obj, key, &s, e) < 0)
		return -1;
	free(*out);
	*out = xstrdup(s ? s : "");
	return 0;
}

static int
codec_strmap_from(json_object *v, const char *key, struct strmap *out, struct err *e)
{
	strmap_free(out);
	json_object_object_foreach(v, k, val) {
		if (val == NULL) {
			strmap_set(out, k, "");
			continue;
		}
		if (!json_object_is_type(val, json_type_string)) {
			strmap_free(out);
			return err_set(e, 400,
			    "json: cannot unmarshal %s into field \"%s\" of type "
			    "map[string]string", codec_type_name(val), key);
		}
		strmap_set(out, k, json_object_get_string(val));
	}
	return 0;
}

int
codec_get_strmap(json_object *obj, const char *key, struct strmap *out,
    bool *present, struct err *e)
{
	int rc;
	json_object *v = codec_typed(obj, key, json_type_object, "map[string]string",
	    present, &rc, e);

	return v == NULL ? rc : codec_strmap_from(v, key, out, e);
}

int
codec_get_devmap(json_object *obj, const char *key, struct devmap *out,
    bool *present, struct err *e)
{
	int rc;
	json_object *v = codec_typed(obj, key, json_type_object,
	    "map[string]map[string]string", present, &rc, e);

	if (v == NULL)
		return rc;
	devmap_free(out);
	json_object_object_foreach(v, name, dev) {
		struct strmap props = { 0 };

		if (dev != NULL && !json_object_is_type(dev, json_type_object)) {
			devmap_free(out);
			return codec_type_err(e, key, dev, "map[string]map[string]string");
		}
		if (dev != NULL && codec_strmap_from(dev, key, &props, e) < 0) {
			devmap_free(out);
			return -1;
		}
		devmap_set(out, name, &props);
		strmap_free(&props);
	}
	return 0;
}

int
codec_get_strv(json_object *obj, const char *key, struct strv *out, bool *present,
    struct err *e)
{
	int rc;
	json_object *v = codec_typed(obj, key, json_type_array, "[]string", present,
	    &rc, e);
	size_t i, n;

	if (v == NULL)
		return rc;
	strv_free(out);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);

		if (s == NULL) {
			strv_push(out, "");
			continue;
		}
		if (!json_object_is_type(s, json_type_string)) {
			strv_free(out);
			return codec_type_err(e, key, s, "[]string");
		}
		strv_push(out, json_object_get_string(s));
	}
	return 0;
}

int
codec_get_time(json_object *obj, const char *key, int64_t *out, struct err *e)
{
	const char *s = NULL;

	if (codec_get_string(obj, key, &s, e) < 0)
		return -1;
	if (s == NULL)
		return 0;
	if (time_parse_rfc3339(s, out) < 0)
		return err_set(e, 400, "Invalid time in field \"%s\": \"%s\"", key, s);
	/* 1970-01-01T00:00:00Z ("never" for images) is 0 too. */
	return 0;
}

json_object *
codec_rename_encode(const char *name)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", codec_string(name));
	return o;
}

int
codec_rename_decode(json_object *o, const char **name, struct err *e)
{
	*name = NULL;
	return codec_get_string(o, "name", name, e);
}
