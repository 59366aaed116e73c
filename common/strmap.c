/*
 * strmap.c - the small value types of the model.
 *
 * strv is an ordered list (an instance's profiles), strmap a string map kept
 * sorted by key (config), devmap a map from device name to its properties
 * (devices).  Keeping maps sorted makes iteration stable, which the JSON
 * codec relies on for LXD-compatible ETags, and makes lookups a binary
 * search.  Every value is owned by its container; setters copy.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

void
strv_push(struct strv *sv, const char *s)
{
	sv->v = xreallocarray(sv->v, sv->n + 2, sizeof *sv->v);
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void
strv_free(struct strv *sv)
{
	size_t i;

	if (sv == NULL)
		return;
	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

void
strv_copy(struct strv *dst, const struct strv *src)
{
	size_t i;

	strv_free(dst);
	for (i = 0; i < src->n; i++)
		strv_push(dst, src->v[i]);
}

int
strv_index(const struct strv *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return (int)i;
	return -1;
}

bool
strv_equal(const struct strv *a, const struct strv *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

void
strv_split(struct strv *sv, const char *s, char sep)
{
	const char *p, *q;
	char *field;

	if (s == NULL)
		return;
	for (p = s; *p != '\0'; p = (*q == '\0') ? q : q + 1) {
		q = strchr(p, sep);
		if (q == NULL)
			q = p + strlen(p);
		if (q > p) {
			field = xstrndup(p, (size_t)(q - p));
			strv_push(sv, field);
			free(field);
		}
	}
}

char *
strv_join(const struct strv *sv, const char *sep)
{
	size_t i, len = 1, seplen = strlen(sep);
	char *out;

	for (i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + seplen;
	out = xmalloc(len);
	out[0] = '\0';
	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			strcat(out, sep);
		strcat(out, sv->v[i]);
	}
	return out;
}

/* Index of key in the sorted keys[0..n), or -(insertion point) - 1: the
 * search both maps (strmap's keys, devmap's names) share. */
static long
sorted_find(char *const *keys, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(keys[mid], key);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static long
strmap_find(const struct strmap *m, const char *key)
{
	return sorted_find(m->keys, m->n, key);
}

const char *
strmap_get(const struct strmap *m, const char *key)
{
	long i = strmap_find(m, key);

	return i >= 0 ? m->vals[i] : NULL;
}

void
strmap_set(struct strmap *m, const char *key, const char *val)
{
	long i = strmap_find(m, key);
	size_t at;

	if (i >= 0) {
		char *v = xstrdup(val);

		free(m->vals[i]);
		m->vals[i] = v;
		return;
	}
	at = (size_t)(-i - 1);
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->keys = xreallocarray(m->keys, m->cap, sizeof *m->keys);
		m->vals = xreallocarray(m->vals, m->cap, sizeof *m->vals);
	}
	memmove(m->keys + at + 1, m->keys + at, (m->n - at) * sizeof *m->keys);
	memmove(m->vals + at + 1, m->vals + at, (m->n - at) * sizeof *m->vals);
	m->keys[at] = xstrdup(key);
	m->vals[at] = xstrdup(val);
	m->n++;
}

bool
strmap_unset(struct strmap *m, const char *key)
{
	long i = strmap_find(m, key);
	size_t at;

	if (i < 0)
		return false;
	at = (size_t)i;
	free(m->keys[at]);
	free(m->vals[at]);
	memmove(m->keys + at, m->keys + at + 1, (m->n - at - 1) * sizeof *m->keys);
	memmove(m->vals + at, m->vals + at + 1, (m->n - at - 1) * sizeof *m->vals);
	m->n--;
	return true;
}

void
strmap_free(struct strmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

void
strmap_copy(struct strmap *dst, const struct strmap *src)
{
	strmap_free(dst);
	strmap_merge(dst, src);
}

void
strmap_merge(struct strmap *dst, const struct strmap *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		strmap_set(dst, src->keys[i], src->vals[i]);
}

bool
strmap_equal(const struct strmap *a, const struct strmap *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->keys[i], b->keys[i]) != 0 ||
		    strcmp(a->vals[i], b->vals[i]) != 0)
			return false;
	return true;
}

static long
devmap_find(const struct devmap *d, const char *name)
{
	return sorted_find(d->names, d->n, name);
}

struct strmap *
devmap_get(const struct devmap *d, const char *name)
{
	long i = devmap_find(d, name);

	return i >= 0 ? &d->props[i] : NULL;
}

void
devmap_set(struct devmap *d, const char *name, const struct strmap *props)
{
	long i = devmap_find(d, name);
	struct strmap copy = { 0 };
	size_t at;

	strmap_copy(&copy, props);
	if (i >= 0) {
		strmap_free(&d->props[i]);
		d->props[i] = copy;
		return;
	}
	at = (size_t)(-i - 1);
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 4;
		d->names = xreallocarray(d->names, d->cap, sizeof *d->names);
		d->props = xreallocarray(d->props, d->cap, sizeof *d->props);
	}
	memmove(d->names + at + 1, d->names + at, (d->n - at) * sizeof *d->names);
	memmove(d->props + at + 1, d->props + at, (d->n - at) * sizeof *d->props);
	d->names[at] = xstrdup(name);
	d->props[at] = copy;
	d->n++;
}

bool
devmap_unset(struct devmap *d, const char *name)
{
	long i = devmap_find(d, name);
	size_t at;

	if (i < 0)
		return false;
	at = (size_t)i;
	free(d->names[at]);
	strmap_free(&d->props[at]);
	memmove(d->names + at, d->names + at + 1, (d->n - at - 1) * sizeof *d->names);
	memmove(d->props + at, d->props + at + 1, (d->n - at - 1) * sizeof *d->props);
	d->n--;
	return true;
}

void
devmap_free(struct devmap *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->names[i]);
		strmap_free(&d->props[i]);
	}
	free(d->names);
	free(d->props);
	memset(d, 0, sizeof *d);
}

void
devmap_copy(struct devmap *dst, const struct devmap *src)
{
	devmap_free(dst);
	devmap_merge(dst, src);
}

void
devmap_merge(struct devmap *dst, const struct devmap *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		devmap_set(dst, src->names[i], &src->props[i]);
}

bool
devmap_equal(const struct devmap *a, const struct devmap *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->names[i], b->names[i]) != 0 ||
		    !strmap_equal(&a->props[i], &b->props[i]))
			return false;
	return true;
}
