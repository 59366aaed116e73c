/*
 * api-filter.c - the `filter=` parameter of list endpoints.
 *
 * LXD's language (shared/filter): clauses `FIELD eq VALUE` or
 * `FIELD ne VALUE`, each optionally preceded by `not`, joined by `and` /
 * `or` and evaluated left to right as LXD does (no precedence).  VALUE may
 * be quoted.  FIELD is a JSON field of the encoded object, dotted paths
 * reaching into maps whose keys contain dots themselves
 * (`config.image.os`, `devices.eth0.nictype`).  Comparison ignores case,
 * which is how `status eq running` matches "Running" on a real LXD.
 *
 * Filtering works on the JSON an endpoint is about to send, so any field
 * any codec writes can be filtered on without a list to keep in sync.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

#define FILTER_MAX_CLAUSES 64

struct api_filter_clause {
	bool	 not;
	bool	 ne;
	bool	 or;		/* joined to what precedes by "or" (else "and") */
	char	*field;
	char	*value;
};

struct api_filter {
	size_t			n;
	struct api_filter_clause	c[FILTER_MAX_CLAUSES];
};

/* Next token of s at *pos; quoted tokens lose their quotes. */
static char *
api_filter_token(const char *s, size_t *pos, bool *bad)
{
	size_t i = *pos, start;
	char *tok;

	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (s[i] == '\0') {
		*pos = i;
		return NULL;
	}
	if (s[i] == '"' || s[i] == '\'') {
		char q = s[i];
		const char *end = strchr(s + i + 1, q);

		if (end == NULL) {
			*bad = true;
			return NULL;
		}
		tok = xstrndup(s + i + 1, (size_t)(end - (s + i + 1)));
		*pos = (size_t)(end - s) + 1;
		return tok;
	}
	start = i;
	while (s[i] != '\0' && s[i] != ' ' && s[i] != '\t')
		i++;
	*pos = i;
	return xstrndup(s + start, i - start);
}

struct api_filter *
api_filter_parse(const char *expr, struct err *e)
{
	struct api_filter *f = xcalloc(1, sizeof *f);
	size_t pos = 0;
	bool bad = false, or = false;
	char *tok = NULL;

	if (expr == NULL)
		return f;
	for (;;) {
		struct api_filter_clause *c;

		tok = api_filter_token(expr, &pos, &bad);
		if (bad)
			goto fail;
		if (tok == NULL) {
			if (f->n == 0 && !or)
				return f;	/* empty filter */
			goto fail;		/* dangling and/or */
		}
		if (f->n == FILTER_MAX_CLAUSES) {
			free(tok);
			err_set(e, 400, "Invalid filter: too many clauses");
			api_filter_free(f);
			return NULL;
		}
		c = &f->c[f->n];
		c->or = or;
		if (strcasecmp(tok, "not") == 0) {
			c->not = true;
			free(tok);
			tok = api_filter_token(expr, &pos, &bad);
			if (tok == NULL)
				goto fail;
		}
		if (strcasecmp(tok, "and") == 0 || strcasecmp(tok, "or") == 0 ||
		    strcasecmp(tok, "eq") == 0 || strcasecmp(tok, "ne") == 0)
			goto fail;
		c->field = tok;
		tok = api_filter_token(expr, &pos, &bad);
		if (tok == NULL)
			goto fail_clause;
		if (strcasecmp(tok, "eq") == 0) {
			c->ne = false;
		} else if (strcasecmp(tok, "ne") == 0) {
			c->ne = true;
		} else {
			err_set(e, 400, "Invalid filter: unknown operator \"%s\"", tok);
			free(tok);
			goto out_clause;
		}
		free(tok);
		tok = NULL;
		c->value = api_filter_token(expr, &pos, &bad);
		if (c->value == NULL)
			goto fail_clause;
		f->n++;
		tok = api_filter_token(expr, &pos, &bad);
		if (bad)
			goto fail;
		if (tok == NULL)
			return f;
		if (strcasecmp(tok, "and") == 0)
			or = false;
		else if (strcasecmp(tok, "or") == 0)
			or = true;
		else
			goto fail;
		free(tok);
		tok = NULL;
	}
fail_clause:
	free(f->c[f->n].field);
	f->c[f->n].field = NULL;
fail:
	free(tok);
	err_set(e, 400, "Invalid filter: \"%s\"", expr);
	api_filter_free(f);
	return NULL;
out_clause:
	free(f->c[f->n].field);
	f->c[f->n].field = NULL;
	api_filter_free(f);
	return NULL;
}

/* Finds path in obj: an exact key first, else a key that is a dotted
 * prefix of path and holds an object to look further into. */
static json_object *
api_filter_resolve(json_object *obj, const char *path, int depth)
{
	json_object *v = NULL;
	const char *dot;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) || depth > 8)
		return NULL;
	if (json_object_object_get_ex(obj, path, &v))
		return v;
	for (dot = strchr(path, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
		char *head = xstrndup(path, (size_t)(dot - path));
		json_object *sub = NULL, *r = NULL;

		if (json_object_object_get_ex(obj, head, &sub))
			r = api_filter_resolve(sub, dot + 1, depth + 1);
		free(head);
		if (r != NULL)
			return r;
	}
	return NULL;
}

static bool
api_filter_clause_match(const struct api_filter_clause *c, json_object *obj)
{
	json_object *v = api_filter_resolve(obj, c->field, 0);
	const char *s;
	bool eq;

	switch (json_object_get_type(v)) {
	case json_type_string:
	case json_type_boolean:
	case json_type_int:
	case json_type_double:
		s = json_object_get_string(v);
		break;
	default:
		s = "";
	}
	eq = strcasecmp(s, c->value) == 0;
	if (c->ne)
		eq = !eq;
	return c->not ? !eq : eq;
}

bool
api_filter_match(const struct api_filter *f, json_object *obj)
{
	bool result = true;
	size_t i;

	if (f == NULL)
		return true;
	for (i = 0; i < f->n; i++) {
		bool m = api_filter_clause_match(&f->c[i], obj);

		if (i == 0)
			result = m;
		else if (f->c[i].or)
			result = result || m;
		else
			result = result && m;
	}
	return result;
}

/*
 * One entry of a collection's answer: obj (taken) goes into list when it
 * passes the filter, as itself with recursion >= 1, else as the URL that
 * url_fmt formats.
 */
void
api_filter_add(const struct api_filter *f, const struct request *r,
    json_object *list, json_object *obj, const char *url_fmt, ...)
{
	va_list ap;
	char *url;

	if (!api_filter_match(f, obj)) {
		json_object_put(obj);
		return;
	}
	if (request_recursion(r) >= 1) {
		json_object_array_add(list, obj);
		return;
	}
	json_object_put(obj);
	va_start(ap, url_fmt);
	if (vasprintf(&url, url_fmt, ap) < 0)
		abort();
	va_end(ap);
	json_object_array_add(list, codec_string(url));
	free(url);
}

void
api_filter_free(struct api_filter *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->c[i].field);
		free(f->c[i].value);
	}
	free(f);
}
