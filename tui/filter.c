/*
 * filter.c - the instance list's `/` filter, like `lxc list` arguments.
 *
 * An expression is terms separated by spaces; a row must match every term.
 * A term is:
 *   text        case-insensitive substring of the name (REMOTE:NAME in a
 *               merged list); when it contains
 *               regex characters (^$*+?[]()|\) and compiles, a regex on it
 *   ~re         an extended regex on the name (case-insensitive)
 *   key=value   a field (name, status/state, ipv4, profile, type, location,
 *               description, remote in a merged list) or a config key (expanded config, so
 *               limits.* set by a profile count), value compared without
 *               case, or a regex when it starts with ~
 *   !term       the negation of any of the above
 * A filter is compiled once per expression and matched per row.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui.h"

struct filter_term {
	bool		 negate;
	char		*key;		/* NULL: the name */
	char		*text;		/* substring or exact value */
	bool		 is_regex;
	regex_t		 re;
};

struct filter {
	size_t			 n;
	struct filter_term	*terms;
};

const char *
filter_ipv4(const struct instance *in)
{
	size_t i, j;

	if (in->state == NULL)
		return "";
	for (i = 0; i < in->state->nnics; i++) {
		const struct nic_state *n = &in->state->nics[i];

		if (n->name != NULL && strcmp(n->name, "lo") == 0)
			continue;
		for (j = 0; j < n->naddrs; j++)
			if (n->addrs[j].family != NULL &&
			    strcmp(n->addrs[j].family, "inet") == 0 &&
			    n->addrs[j].address != NULL)
				return n->addrs[j].address;
	}
	return "";
}

void
filter_free(struct filter *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->terms[i].key);
		free(f->terms[i].text);
		if (f->terms[i].is_regex)
			regfree(&f->terms[i].re);
	}
	free(f->terms);
	free(f);
}

static int
filter_compile(struct filter_term *ft, const char *re, struct err *e)
{
	char msg[128];
	int rc;

	rc = regcomp(&ft->re, re, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &ft->re, msg, sizeof msg);
		regfree(&ft->re);
		return err_set(e, 400, "Invalid filter regex \"%s\": %s", re, msg);
	}
	ft->is_regex = true;
	return 0;
}

struct filter *
filter_create(const char *expr, struct err *e)
{
	struct filter *f = xcalloc(1, sizeof *f);
	struct strv words = { 0 };
	size_t i;

	strv_split(&words, expr ? expr : "", ' ');
	f->terms = xcalloc(words.n ? words.n : 1, sizeof *f->terms);
	for (i = 0; i < words.n; i++) {
		struct filter_term *ft = &f->terms[f->n++];
		char *w = words.v[i], *eq;

		if (*w == '!') {
			ft->negate = true;
			w++;
		}
		if ((eq = strchr(w, '=')) != NULL && eq != w && *w != '~') {
			ft->key = xstrndup(w, (size_t)(eq - w));
			w = eq + 1;
			if (*w == '~') {
				if (filter_compile(ft, w + 1, e) < 0)
					goto fail;
			} else
				ft->text = xstrdup(w);
			continue;
		}
		if (*w == '~') {
			if (filter_compile(ft, w + 1, e) < 0)
				goto fail;
			continue;
		}
		if (strpbrk(w, "^$*+?[]()|\\") != NULL &&
		    filter_compile(ft, w, NULL) == 0)
			continue;
		ft->text = xstrdup(w);
	}
	strv_free(&words);
	return f;
fail:
	strv_free(&words);
	filter_free(f);
	return NULL;
}

/* The value a key=value term compares against; NULL when absent. */
static const char *
filter_field(const struct instance *in, const char *key, char *buf, size_t len)
{
	const char *v;

	if (strcasecmp(key, "name") == 0)
		return in->name;
	/* Set in a merged list only (core/backend-multi.c). */
	if (strcasecmp(key, "remote") == 0)
		return in->remote;
	if (strcasecmp(key, "status") == 0 || strcasecmp(key, "state") == 0)
		return status_code_name(in->status);
	if (strcasecmp(key, "ipv4") == 0)
		return filter_ipv4(in);
	if (strcasecmp(key, "type") == 0)
		return in->type ? in->type : "container";
	if (strcasecmp(key, "location") == 0)
		return in->location ? in->location : "none";
	if (strcasecmp(key, "description") == 0)
		return in->description ? in->description : "";
	if (strcasecmp(key, "profile") == 0 || strcasecmp(key, "profiles") == 0) {
		char *j = strv_join(&in->profiles, ",");

		snprintf(buf, len, ",%s,", j);
		free(j);
		return buf;
	}
	if ((v = strmap_get(&in->expanded_config, key)) != NULL)
		return v;
	return strmap_get(&in->config, key);
}

static bool
filter_term_match(const struct filter_term *ft, const struct instance *in)
{
	char buf[512];
	const char *v;

	if (ft->key == NULL) {
		/* The name as the list addresses it: REMOTE:NAME when merged. */
		v = inst_cache_ref(in, buf, sizeof buf);
		if (ft->is_regex)
			return regexec(&ft->re, v, 0, NULL, 0) == 0;
		return strcasestr(v, ft->text) != NULL;
	}
	if ((v = filter_field(in, ft->key, buf, sizeof buf)) == NULL)
		return false;
	if (ft->is_regex)
		return regexec(&ft->re, v, 0, NULL, 0) == 0;
	if (strcasecmp(ft->key, "profile") == 0 || strcasecmp(ft->key, "profiles") == 0) {
		char want[300];

		snprintf(want, sizeof want, ",%s,", ft->text);
		return strcasestr(v, want) != NULL;
	}
	return strcasecmp(v, ft->text) == 0;
}

bool
filter_match(const struct filter *f, const struct instance *in)
{
	size_t i;

	if (f == NULL)
		return true;
	for (i = 0; i < f->n; i++)
		if (filter_term_match(&f->terms[i], in) == f->terms[i].negate)
			return false;
	return true;
}
