/*
 * inst-cache.c - the instance list's cache, packed into one block.
 *
 * The list re-fetches every instance on each change (app.c), and with a
 * thousand of them what a fetch returns is mostly what the list never shows:
 * local and expanded devices, snapshots, every address of every NIC, each
 * string in its own allocation.  inst_cache_pack() keeps what the list, its
 * sort and its filter read (names, status, profiles, the config the filter
 * matches on, the state's counters and the one IPv4 address the IPV4 column
 * shows) in a single allocation: struct instance records first, then their
 * states, arrays and strings, each distinct string once (a fleet shares its
 * config keys, image fingerprints and profile names).  The block is large,
 * so malloc gives it its own mapping: the fetch's many small allocations
 * are all freed right after, and the heap can shrink back.
 *
 * The records are ordinary struct instance values for readers; only their
 * owner frees them, with inst_cache_free() (never instance_free()).
 *
 * A record is addressed by its ref: the name, or in a merged list
 * REMOTE:NAME, the member's name in ->remote (core/backend-multi.c).  The
 * list keeps its selection and marks as refs and hands them to the backend
 * and the other views; refs are made and compared here, never taken apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

struct inst_cache_str {
	const char	*s;	/* the source's string, alive while packing */
	size_t		 off;	/* in the string area */
};

struct inst_cache_pack {
	struct inst_cache_str	*tab;		/* open addressing */
	size_t			 cap, used;
	size_t			 bytes;		/* string area size */
	char			*area;		/* pass 2: where strings go */
};

static size_t
inst_cache_hash(const char *s)
{
	size_t h = 5381;

	for (; *s != '\0'; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static void
inst_cache_grow(struct inst_cache_pack *p)
{
	struct inst_cache_str *old = p->tab;
	size_t oldcap = p->cap, i, j;

	p->cap = p->cap ? p->cap * 2 : 1024;
	p->tab = xcalloc(p->cap, sizeof *p->tab);
	for (i = 0; i < oldcap; i++) {
		if (old[i].s == NULL)
			continue;
		for (j = inst_cache_hash(old[i].s) & (p->cap - 1); p->tab[j].s != NULL;
		    j = (j + 1) & (p->cap - 1))
			;
		p->tab[j] = old[i];
	}
	free(old);
}

/* Pass 1 (area NULL): counts s once.  Pass 2: returns its copy. */
static char *
inst_cache_str(struct inst_cache_pack *p, const char *s)
{
	size_t j;

	if (s == NULL)
		return NULL;
	if (p->used * 2 >= p->cap)
		inst_cache_grow(p);
	for (j = inst_cache_hash(s) & (p->cap - 1); p->tab[j].s != NULL;
	    j = (j + 1) & (p->cap - 1))
		if (strcmp(p->tab[j].s, s) == 0)
			return p->area ? p->area + p->tab[j].off : NULL;
	/* Pass 2 meets only strings pass 1 counted. */
	if (p->area != NULL)
		fatal("inst_cache: string missed in the first pass");
	p->tab[j].s = s;
	p->tab[j].off = p->bytes;
	p->bytes += strlen(s) + 1;
	p->used++;
	return NULL;
}

/* The first IPv4 address of a NIC other than lo (filter_ipv4()'s rule). */
static bool
inst_cache_ipv4(const struct instance_state *st, size_t *nic, size_t *addr)
{
	size_t i, j;

	for (i = 0; st != NULL && i < st->nnics; i++) {
		const struct nic_state *n = &st->nics[i];

		if (n->name != NULL && strcmp(n->name, "lo") == 0)
			continue;
		for (j = 0; j < n->naddrs; j++)
			if (n->addrs[j].family != NULL &&
			    strcmp(n->addrs[j].family, "inet") == 0 &&
			    n->addrs[j].address != NULL) {
				*nic = i;
				*addr = j;
				return true;
			}
	}
	return false;
}

/* The config the filter needs: the expanded one, else the local one. */
static const struct strmap *
inst_cache_config(const struct instance *in)
{
	return in->expanded_config.n > 0 ? &in->expanded_config : &in->config;
}

/* A bump allocator over the block. */
static void *
inst_cache_take(char **at, size_t size)
{
	void *r = *at;

	*at += (size + 7) & ~(size_t)7;
	return r;
}

static void
inst_cache_strings(struct inst_cache_pack *p, const struct instance *in)
{
	const struct strmap *cfg = inst_cache_config(in);
	size_t i, nic, addr;

	inst_cache_str(p, in->name);
	inst_cache_str(p, in->description);
	inst_cache_str(p, in->architecture);
	inst_cache_str(p, in->type);
	inst_cache_str(p, in->location);
	inst_cache_str(p, in->project);
	inst_cache_str(p, in->remote);
	for (i = 0; i < in->profiles.n; i++)
		inst_cache_str(p, in->profiles.v[i]);
	for (i = 0; i < cfg->n; i++) {
		inst_cache_str(p, cfg->keys[i]);
		inst_cache_str(p, cfg->vals[i]);
	}
	if (inst_cache_ipv4(in->state, &nic, &addr)) {
		inst_cache_str(p, in->state->nics[nic].name);
		inst_cache_str(p, in->state->nics[nic].addrs[addr].family);
		inst_cache_str(p, in->state->nics[nic].addrs[addr].address);
	}
}

/* The size of one record's arrays and state (strings apart). */
static size_t
inst_cache_extra(const struct instance *in)
{
	size_t sz = 0, nic, addr;

	sz += ((in->profiles.n + 1) * sizeof(char *) + 7) & ~(size_t)7;
	sz += (2 * inst_cache_config(in)->n * sizeof(char *) + 7) & ~(size_t)7;
	if (in->state != NULL) {
		sz += (sizeof(struct instance_state) + 7) & ~(size_t)7;
		if (inst_cache_ipv4(in->state, &nic, &addr))
			sz += ((sizeof(struct nic_state) + 7) & ~(size_t)7) +
			    ((sizeof(struct nic_addr) + 7) & ~(size_t)7);
	}
	return sz;
}

static void
inst_cache_fill(struct inst_cache_pack *p, struct instance *out,
    const struct instance *in, char **at)
{
	const struct strmap *cfg = inst_cache_config(in);
	struct instance_state *st;
	struct nic_state *n;
	size_t i, nic, addr;

	memset(out, 0, sizeof *out);
	out->name = inst_cache_str(p, in->name);
	out->description = inst_cache_str(p, in->description);
	out->architecture = inst_cache_str(p, in->architecture);
	out->type = inst_cache_str(p, in->type);
	out->location = inst_cache_str(p, in->location);
	out->project = inst_cache_str(p, in->project);
	out->remote = inst_cache_str(p, in->remote);
	out->status = in->status;
	out->ephemeral = in->ephemeral;
	out->stateful = in->stateful;
	out->created_ns = in->created_ns;
	out->last_used_ns = in->last_used_ns;
	out->nsnapshots = in->nsnapshots;
	out->profiles.n = in->profiles.n;
	out->profiles.v = inst_cache_take(at, (in->profiles.n + 1) * sizeof(char *));
	for (i = 0; i < in->profiles.n; i++)
		out->profiles.v[i] = inst_cache_str(p, in->profiles.v[i]);
	out->profiles.v[i] = NULL;
	/* Stored as the expanded config: the filter looks there first. */
	out->expanded_config.n = out->expanded_config.cap = cfg->n;
	out->expanded_config.keys = inst_cache_take(at, 2 * cfg->n * sizeof(char *));
	out->expanded_config.vals = out->expanded_config.keys + cfg->n;
	for (i = 0; i < cfg->n; i++) {
		out->expanded_config.keys[i] = inst_cache_str(p, cfg->keys[i]);
		out->expanded_config.vals[i] = inst_cache_str(p, cfg->vals[i]);
	}
	if (in->state == NULL)
		return;
	st = out->state = inst_cache_take(at, sizeof *st);
	*st = *in->state;
	st->nnics = 0;
	st->nics = NULL;
	if (!inst_cache_ipv4(in->state, &nic, &addr))
		return;
	n = st->nics = inst_cache_take(at, sizeof *n);
	memset(n, 0, sizeof *n);
	st->nnics = 1;
	n->name = inst_cache_str(p, in->state->nics[nic].name);
	n->mtu = in->state->nics[nic].mtu;
	n->naddrs = 1;
	n->addrs = inst_cache_take(at, sizeof *n->addrs);
	memset(n->addrs, 0, sizeof *n->addrs);
	n->addrs[0].family = inst_cache_str(p, in->state->nics[nic].addrs[addr].family);
	n->addrs[0].address = inst_cache_str(p,
	    in->state->nics[nic].addrs[addr].address);
}

struct instance *
inst_cache_pack(const struct instance *v, size_t n)
{
	struct inst_cache_pack p = { 0 };
	struct instance *out;
	size_t i, recs, extra = 0;
	char *block, *at;

	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++) {
		inst_cache_strings(&p, &v[i]);
		extra += inst_cache_extra(&v[i]);
	}
	recs = (n * sizeof *out + 7) & ~(size_t)7;
	block = xmalloc(recs + extra + p.bytes);
	p.area = block + recs + extra;
	for (i = 0; i < p.cap; i++)
		if (p.tab[i].s != NULL)
			memcpy(p.area + p.tab[i].off, p.tab[i].s, strlen(p.tab[i].s) + 1);
	out = (struct instance *)block;
	at = block + recs;
	for (i = 0; i < n; i++)
		inst_cache_fill(&p, &out[i], &v[i], &at);
	free(p.tab);
	return out;
}

void
inst_cache_free(struct instance *v)
{
	free(v);
}

const char *
inst_cache_ref(const struct instance *in, char *buf, size_t len)
{
	if (in->remote != NULL)
		snprintf(buf, len, "%s:%s", in->remote, in->name);
	else
		snprintf(buf, len, "%s", in->name);
	return buf;
}

bool
inst_cache_is(const struct instance *in, const char *ref)
{
	size_t l;

	if (in->remote == NULL)
		return strcmp(in->name, ref) == 0;
	l = strlen(in->remote);
	return strncmp(ref, in->remote, l) == 0 && ref[l] == ':' &&
	    strcmp(ref + l + 1, in->name) == 0;
}

const struct instance *
inst_cache_find(struct tui *t, const char *ref)
{
	size_t i;

	for (i = 0; i < t->ninsts; i++)
		if (inst_cache_is(&t->insts[i], ref))
			return &t->insts[i];
	return NULL;
}
