/*
 * profile-yaml.c - a profile as YAML, the shape `lxc profile edit` shows:
 *
 *   config:
 *     limits.memory: 64MiB
 *   description: Default profile
 *   devices:
 *     eth0:
 *       network: lxdeckbr0
 *       type: nic
 *   name: default
 *   used_by:
 *   - /1.0/instances/web1
 *
 * Written with libyaml's emitter (so quoting is always right) and read back
 * with its document loader.  Reading takes config, description and devices;
 * name and used_by are shown for context and ignored, as lxc does.  Every
 * value is a string: a scalar such as `true` or `64` is taken as its text.
 * Errors carry 400 and say where (line, and the key) so the editor can be
 * re-opened with them on top.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "tui.h"

struct profile_yaml_buf {
	char	*s;
	size_t	 len, cap;
};

static int
profile_yaml_write(void *arg, unsigned char *data, size_t size)
{
	struct profile_yaml_buf *b = arg;

	if (b->len + size + 1 > b->cap) {
		b->cap = (b->len + size + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, data, size);
	b->len += size;
	b->s[b->len] = '\0';
	return 1;
}

static int
profile_yaml_scalar(yaml_emitter_t *em, const char *s)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
	    (int)strlen(s), 1, 1, *s == '\0' ? YAML_DOUBLE_QUOTED_SCALAR_STYLE :
	    strchr(s, '\n') != NULL ? YAML_LITERAL_SCALAR_STYLE :
	    YAML_ANY_SCALAR_STYLE);
	return yaml_emitter_emit(em, &ev);
}

static int
profile_yaml_start(yaml_emitter_t *em, bool empty_flow, bool seq)
{
	yaml_event_t ev;

	if (seq)
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, empty_flow ?
		    YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
	else
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, empty_flow ?
		    YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
	return yaml_emitter_emit(em, &ev);
}

static int
profile_yaml_end(yaml_emitter_t *em, bool seq)
{
	yaml_event_t ev;

	if (seq)
		yaml_sequence_end_event_initialize(&ev);
	else
		yaml_mapping_end_event_initialize(&ev);
	return yaml_emitter_emit(em, &ev);
}

static int
profile_yaml_map(yaml_emitter_t *em, const struct strmap *m)
{
	size_t i;

	if (!profile_yaml_start(em, m->n == 0, false))
		return 0;
	for (i = 0; i < m->n; i++)
		if (!profile_yaml_scalar(em, m->keys[i]) ||
		    !profile_yaml_scalar(em, m->vals[i]))
			return 0;
	return profile_yaml_end(em, false);
}

char *
profile_yaml_emit(const struct profile *p)
{
	struct profile_yaml_buf b = { 0 };
	yaml_emitter_t em;
	yaml_event_t ev;
	size_t i;
	int ok;

	yaml_emitter_initialize(&em);
	yaml_emitter_set_output(&em, profile_yaml_write, &b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	ok = ok && yaml_emitter_emit(&em, &ev);
	ok = ok && profile_yaml_start(&em, false, false);
	ok = ok && profile_yaml_scalar(&em, "config");
	ok = ok && profile_yaml_map(&em, &p->config);
	ok = ok && profile_yaml_scalar(&em, "description");
	ok = ok && profile_yaml_scalar(&em, p->description ? p->description : "");
	ok = ok && profile_yaml_scalar(&em, "devices");
	ok = ok && profile_yaml_start(&em, p->devices.n == 0, false);
	for (i = 0; ok && i < p->devices.n; i++) {
		ok = profile_yaml_scalar(&em, p->devices.names[i]);
		ok = ok && profile_yaml_map(&em, &p->devices.props[i]);
	}
	ok = ok && profile_yaml_end(&em, false);
	ok = ok && profile_yaml_scalar(&em, "name");
	ok = ok && profile_yaml_scalar(&em, p->name ? p->name : "");
	ok = ok && profile_yaml_scalar(&em, "used_by");
	ok = ok && profile_yaml_start(&em, p->used_by.n == 0, true);
	for (i = 0; ok && i < p->used_by.n; i++)
		ok = profile_yaml_scalar(&em, p->used_by.v[i]);
	ok = ok && profile_yaml_end(&em, true);
	ok = ok && profile_yaml_end(&em, false);
	yaml_document_end_event_initialize(&ev, 1);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_emitter_delete(&em);
	if (!ok)
		fatal("YAML emitter failed on profile \"%s\"", p->name);
	return b.s != NULL ? b.s : xstrdup("");
}

static const char *
profile_yaml_text(yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A mapping of scalars into m; what names it in errors. */
static int
profile_yaml_read_map(yaml_document_t *doc, yaml_node_t *n, const char *what,
    struct strmap *m, struct err *e)
{
	yaml_node_pair_t *pr;

	if (n->type == YAML_SCALAR_NODE && *profile_yaml_text(n) == '\0')
		return 0;	/* "config:" with nothing: empty */
	if (n->type != YAML_MAPPING_NODE)
		return err_set(e, 400, "Line %lu: %s must be a mapping of keys to "
		    "values", (unsigned long)n->start_mark.line + 1, what);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(doc, pr->value);

		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
			return err_set(e, 400, "Line %lu: %s: keys must be plain "
			    "text", (unsigned long)(k ? k->start_mark.line + 1 : 0), what);
		if (v->type != YAML_SCALAR_NODE)
			return err_set(e, 400, "Line %lu: %s: the value of \"%s\" must "
			    "be text, not a %s", (unsigned long)v->start_mark.line + 1,
			    what, profile_yaml_text(k), v->type == YAML_MAPPING_NODE ?
			    "mapping" : "list");
		strmap_set(m, profile_yaml_text(k), profile_yaml_text(v));
	}
	return 0;
}

int
profile_yaml_parse(const char *text, struct profile *out, struct err *e)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *k, *v;
	yaml_node_pair_t *pr;
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->description = xstrdup("");
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		err_set(e, 400, "YAML error at line %lu, column %lu: %s%s%s",
		    (unsigned long)parser.problem_mark.line + 1,
		    (unsigned long)parser.problem_mark.column + 1,
		    parser.problem ? parser.problem : "invalid YAML",
		    parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		profile_free_contents(out);
		return -1;
	}
	if ((root = yaml_document_get_root_node(&doc)) == NULL) {
		rc = 0;		/* an empty file: an empty profile */
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		err_set(e, 400, "Line %lu: expected a mapping with config, description "
		    "and devices", (unsigned long)root->start_mark.line + 1);
		goto out;
	}
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
	    pr++) {
		const char *key;

		k = yaml_document_get_node(&doc, pr->key);
		v = yaml_document_get_node(&doc, pr->value);
		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
			continue;
		key = profile_yaml_text(k);
		if (strcmp(key, "config") == 0) {
			if (profile_yaml_read_map(&doc, v, "config", &out->config, e) < 0)
				goto out;
		} else if (strcmp(key, "description") == 0) {
			if (v->type != YAML_SCALAR_NODE) {
				err_set(e, 400, "Line %lu: description must be text",
				    (unsigned long)v->start_mark.line + 1);
				goto out;
			}
			free(out->description);
			out->description = xstrdup(profile_yaml_text(v));
		} else if (strcmp(key, "devices") == 0) {
			yaml_node_pair_t *dp;

			if (v->type == YAML_SCALAR_NODE && *profile_yaml_text(v) == '\0')
				continue;
			if (v->type != YAML_MAPPING_NODE) {
				err_set(e, 400, "Line %lu: devices must be a mapping of "
				    "device names to their properties",
				    (unsigned long)v->start_mark.line + 1);
				goto out;
			}
			for (dp = v->data.mapping.pairs.start;
			    dp < v->data.mapping.pairs.top; dp++) {
				yaml_node_t *dk = yaml_document_get_node(&doc, dp->key);
				yaml_node_t *dv = yaml_document_get_node(&doc, dp->value);
				struct strmap props = { 0 };
				char *what;

				if (dk == NULL || dv == NULL || dk->type != YAML_SCALAR_NODE) {
					err_set(e, 400, "devices: names must be plain text");
					goto out;
				}
				what = xasprintf("device \"%s\"", profile_yaml_text(dk));
				if (profile_yaml_read_map(&doc, dv, what, &props, e) < 0) {
					free(what);
					strmap_free(&props);
					goto out;
				}
				free(what);
				devmap_set(&out->devices, profile_yaml_text(dk), &props);
				strmap_free(&props);
			}
		} else if (strcmp(key, "name") == 0 && v->type == YAML_SCALAR_NODE) {
			free(out->name);
			out->name = xstrdup(profile_yaml_text(v));
		} else if (strcmp(key, "used_by") == 0) {
			continue;	/* shown, never written back */
		} else {
			err_set(e, 400, "Line %lu: unknown field \"%s\" (a profile has "
			    "config, description, devices, name, used_by)",
			    (unsigned long)k->start_mark.line + 1, key);
			goto out;
		}
	}
	rc = 0;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc < 0)
		profile_free_contents(out);
	return rc;
}
