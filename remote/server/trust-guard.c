/*
 * trust-guard.c - back-off per source address for core.trust_password.
 *
 * A password check is scrypt (16 MiB, tens of milliseconds): without a
 * limit, POST /1.0/certificates is an online guessing oracle and a cheap
 * way to keep the CPUs busy.  So each source address that fails a check
 * waits before its next one: 1 s after the first failure, doubling up to
 * TRUST_GUARD_MAX_MS; an address has at most one check in flight, and the
 * server at most TRUST_GUARD_INFLIGHT.  A request that comes too early is
 * answered 429 at once, without a check (and without counting as a
 * failure).  A success forgets the address; an address quiet for twice the
 * longest back-off is forgotten too.  The table is bounded: when it is
 * full, the entry that can try again soonest makes room.
 *
 * Pure bookkeeping with the time passed in, so the unit tests drive it;
 * api-certificates.c runs the checks themselves on libuv's thread pool.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define TRUST_GUARD_SLOTS	256
#define TRUST_GUARD_BASE_MS	1000
#define TRUST_GUARD_MAX_MS	60000
#define TRUST_GUARD_INFLIGHT	8

struct trust_guard_entry {
	char		 addr[64];
	unsigned	 failures;
	bool		 inflight;
	int64_t		 until_ns;	/* no check before this */
	int64_t		 last_ns;
};

struct trust_guard {
	struct trust_guard_entry e[TRUST_GUARD_SLOTS];
	size_t			 n;
	unsigned		 inflight;
};

struct trust_guard *
trust_guard_create(void)
{
	return xcalloc(1, sizeof(struct trust_guard));
}

void
trust_guard_free(struct trust_guard *g)
{
	free(g);
}

static void
trust_guard_drop(struct trust_guard *g, size_t i)
{
	g->e[i] = g->e[--g->n];
}

static struct trust_guard_entry *
trust_guard_find(struct trust_guard *g, const char *addr, int64_t now, bool add)
{
	size_t i, victim = TRUST_GUARD_SLOTS;
	struct trust_guard_entry *en;

	for (i = 0; i < g->n; i++) {
		en = &g->e[i];
		if (strcmp(en->addr, addr) == 0)
			return en;
	}
	if (!add)
		return NULL;
	/* Forget the quiet ones, then make room if still full. */
	for (i = 0; i < g->n; ) {
		en = &g->e[i];
		if (!en->inflight && now - en->last_ns >
		    (int64_t)2 * TRUST_GUARD_MAX_MS * 1000000)
			trust_guard_drop(g, i);
		else
			i++;
	}
	if (g->n == TRUST_GUARD_SLOTS) {
		for (i = 0; i < g->n; i++)
			if (!g->e[i].inflight && (victim == TRUST_GUARD_SLOTS ||
			    g->e[i].until_ns < g->e[victim].until_ns))
				victim = i;
		if (victim == TRUST_GUARD_SLOTS)
			return NULL;
		trust_guard_drop(g, victim);
	}
	en = &g->e[g->n++];
	memset(en, 0, sizeof *en);
	snprintf(en->addr, sizeof en->addr, "%s", addr);
	en->last_ns = now;
	return en;
}

int64_t
trust_guard_begin(struct trust_guard *g, const char *addr, int64_t now)
{
	struct trust_guard_entry *en = trust_guard_find(g, addr, now, false);

	if (en != NULL && en->inflight)
		return TRUST_GUARD_BASE_MS;
	if (en != NULL && now < en->until_ns)
		return (en->until_ns - now + 999999) / 1000000;
	if (g->inflight >= TRUST_GUARD_INFLIGHT)
		return TRUST_GUARD_BASE_MS;
	en = trust_guard_find(g, addr, now, true);
	if (en == NULL)
		return TRUST_GUARD_BASE_MS;
	en->inflight = true;
	en->last_ns = now;
	g->inflight++;
	return 0;
}

void
trust_guard_end(struct trust_guard *g, const char *addr, bool ok, int64_t now)
{
	struct trust_guard_entry *en = trust_guard_find(g, addr, now, false);
	int64_t ms;

	if (en == NULL)
		return;
	if (en->inflight && g->inflight > 0)
		g->inflight--;
	en->inflight = false;
	en->last_ns = now;
	if (ok) {
		trust_guard_drop(g, (size_t)(en - g->e));
		return;
	}
	en->failures++;
	ms = TRUST_GUARD_BASE_MS;
	if (en->failures > 1 && en->failures < 16)
		ms <<= en->failures - 1;
	else if (en->failures >= 16)
		ms = TRUST_GUARD_MAX_MS;
	if (ms > TRUST_GUARD_MAX_MS)
		ms = TRUST_GUARD_MAX_MS;
	en->until_ns = now + ms * 1000000;
}
