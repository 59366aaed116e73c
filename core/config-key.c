/*
 * config-key.c - which config keys exist and what values they take: the one
 * set of rules the engine, the fake backend and the TUI's forms all use.
 *
 * The model is LXD 5.0.2's (lxd-api.md 3): config is a flat map of key ->
 * string, an empty value meaning "unset".  Validation refuses what LXD 5.0.2
 * refuses for the keys we know (names and value syntax are LXD's) and
 * refuses every key we do not know, except the free-form namespaces user.*,
 * environment.*, cloud-init.*, and, for instances only, the keys the engine
 * keeps for itself (volatile.*) and the image properties copied in at
 * create (image.*).  A key LXD knows but the engine would silently ignore is
 * "unknown" here on purpose: refusing it is more honest than storing a
 * setting that does nothing.  The server's own config (GET /1.0) takes the
 * core.*, images.*, network.* and user.* namespaces.
 *
 * Every refusal is a 400 whose message names the key (and the value).  The
 * value parsers are exported because the engine reads the same syntax when
 * it renders keys to an LXC config (engine/instance-config.c, which keeps
 * everything only the engine can know: lxc.* lines, cgroup items, device
 * rules and host lookups).  Pure functions but for the host's RAM, read for
 * "N%" memory sizes.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "core.h"

/* ---------------------------------------------------------------------- */
/* Scalars */

/*
 * Strict decimal numbers: signed (an optional sign, digits, nothing else)
 * or unsigned (digits only).  *out is written only on success.
 */
static int
parse_decimal(const char *s, bool is_signed, int64_t *i, uint64_t *u)
{
	char *end = NULL;
	long long v = 0;
	unsigned long long uv = 0;

	if (s == NULL || (is_signed ? *s == '\0' || isspace((unsigned char)*s) :
	    !isdigit((unsigned char)*s)))
		return -EINVAL;
	errno = 0;
	if (is_signed)
		v = strtoll(s, &end, 10);
	else
		uv = strtoull(s, &end, 10);
	if (errno != 0)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	if (is_signed)
		*i = v;
	else
		*u = uv;
	return 0;
}

int
config_key_parse_int(const char *s, int64_t *out)
{
	return parse_decimal(s, true, out, NULL);
}

int
config_key_parse_uint(const char *s, uint64_t *out)
{
	return parse_decimal(s, false, NULL, out);
}

int
config_key_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };
	size_t i;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int64_t
host_mem_total(void)
{
	struct sysinfo si;

	if (sysinfo(&si) != 0)
		return -1;
	return (int64_t)si.totalram * si.mem_unit;
}

/* Bytes with LXD's units: plain, B, kB..EB (1000-based), KiB..EiB. */
int
config_key_parse_bytes(const char *s, int64_t *bytes)
{
	static const struct {
		const char	*suffix;
		uint64_t	 mult;
	} units[] = {
		{ "", 1 }, { "B", 1 }, { " bytes", 1 },
		{ "kB", 1000ULL }, { "MB", 1000000ULL }, { "GB", 1000000000ULL },
		{ "TB", 1000000000000ULL }, { "PB", 1000000000000000ULL },
		{ "EB", 1000000000000000000ULL },
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
		{ "TiB", 1ULL << 40 }, { "PiB", 1ULL << 50 }, { "EiB", 1ULL << 60 },
	};
	const char *p = s;
	char *num = NULL;
	uint64_t v;
	size_t i;
	int rc = -EINVAL;

	if (s == NULL)
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (p == s)
		return -EINVAL;
	num = xstrndup(s, (size_t)(p - s));
	rc = config_key_parse_uint(num, &v);
	if (rc != 0)
		goto out;
	rc = -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		if (v != 0 && units[i].mult > (uint64_t)INT64_MAX / v) {
			rc = -ERANGE;
			goto out;
		}
		*bytes = (int64_t)(v * units[i].mult);
		rc = 0;
		goto out;
	}
out:
	free(num);
	return rc;
}

int
config_key_parse_size(const char *s, int64_t *bytes)
{
	size_t len;
	int64_t pct, total;
	char *num = NULL;
	int rc;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	len = strlen(s);
	if (s[len - 1] != '%')
		return config_key_parse_bytes(s, bytes);
	num = xstrndup(s, len - 1);
	rc = config_key_parse_int(num, &pct);
	free(num);
	if (rc != 0 || pct < 0 || pct > 100 || !isdigit((unsigned char)*s))
		return -EINVAL;
	total = host_mem_total();
	if (total <= 0)
		return -EIO;
	*bytes = total / 100 * pct;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Value checkers for config keys */

static const char *
check_any(const char *v)
{
	(void)v;
	return NULL;
}

const char *
config_key_check_oneline(const char *v)
{
	return strchr(v, '\n') != NULL ? "must be a single line" : NULL;
}

const char *
config_key_check_bool(const char *v)
{
	bool b;

	if (config_key_parse_bool(v, &b) != 0)
		return "must be a boolean (true/false, yes/no, on/off, 1/0)";
	return NULL;
}

static const char *
check_int(const char *v)
{
	int64_t n;

	return config_key_parse_int(v, &n) == 0 ? NULL : "must be an integer";
}

static const char *
check_positive_int(const char *v)
{
	int64_t n;

	if (config_key_parse_int(v, &n) != 0 || n < 1)
		return "must be an integer of at least 1";
	return NULL;
}

/* A CPU count ("2") or a cpuset list ("0-1,3") naming each CPU once. */
static const char *
check_cpuset(const char *v)
{
	struct strv items = { 0 };
	const char *why = NULL;
	size_t i, j;
	uint64_t (*r)[2] = NULL;

	if (*v == '\0' || v[strlen(v) - 1] == ',' || *v == ',' ||
	    strstr(v, ",,") != NULL) {
		why = "must be a CPU count or a set such as 0-1,3";
		goto out;
	}
	strv_split(&items, v, ',');
	r = xcalloc(items.n, sizeof *r);
	for (i = 0; i < items.n; i++) {
		char *dash = strchr(items.v[i], '-');

		if (dash != NULL)
			*dash = '\0';
		if (config_key_parse_uint(items.v[i], &r[i][0]) != 0 ||
		    (dash != NULL && config_key_parse_uint(dash + 1, &r[i][1]) != 0)) {
			why = "must be a CPU count or a set such as 0-1,3";
			goto out;
		}
		if (dash == NULL)
			r[i][1] = r[i][0];
		if (r[i][0] > r[i][1] || r[i][1] > 65535) {
			why = "invalid CPU range";
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (r[i][0] <= r[j][1] && r[j][0] <= r[i][1]) {
				why = "a CPU is listed more than once";
				goto out;
			}
		}
	}
	if (items.n == 1 && strchr(v, '-') == NULL && r[0][0] == 0)
		why = "a CPU count must be at least 1 (pin to CPU 0 with 0-0)";
out:
	free(r);
	strv_free(&items);
	return why;
}

/* "N%" or "Nms/Mms" (the "ms" suffixes optional, as LXD). */
int
config_key_parse_allowance(const char *v, int64_t *pct, int64_t *quota_ms, int64_t *period_ms)
{
	char *copy = NULL, *slash, *a, *b;
	size_t len = strlen(v);
	int rc = -EINVAL;

	*pct = *quota_ms = *period_ms = -1;
	copy = xstrdup(v);
	if (len > 1 && copy[len - 1] == '%') {
		copy[len - 1] = '\0';
		if (isdigit((unsigned char)copy[0]) && config_key_parse_int(copy, pct) == 0)
			rc = 0;
		goto out;
	}
	slash = strchr(copy, '/');
	if (slash == NULL)
		goto out;
	*slash = '\0';
	a = copy;
	b = slash + 1;
	if (strlen(a) > 2 && strcmp(a + strlen(a) - 2, "ms") == 0)
		a[strlen(a) - 2] = '\0';
	if (strlen(b) > 2 && strcmp(b + strlen(b) - 2, "ms") == 0)
		b[strlen(b) - 2] = '\0';
	if (!isdigit((unsigned char)*a) || !isdigit((unsigned char)*b) ||
	    config_key_parse_int(a, quota_ms) != 0 || config_key_parse_int(b, period_ms) != 0)
		goto out;
	if (*quota_ms < 1 || *period_ms < 1 || *period_ms > 1000)
		goto out;
	rc = 0;
out:
	free(copy);
	return rc;
}

static const char *
check_allowance(const char *v)
{
	int64_t pct, q, p;

	if (config_key_parse_allowance(v, &pct, &q, &p) != 0)
		return "must be a percentage (50%) or a quota/period such as 25ms/100ms "
		    "(period 1-1000ms)";
	return NULL;
}

static const char *
check_memory(const char *v)
{
	int64_t n;
	int rc;

	rc = config_key_parse_size(v, &n);
	if (rc == -ERANGE)
		return "too large";
	if (rc != 0)
		return "must be a size such as 64MiB or 1GB, or a percentage of host RAM";
	if (n == 0)
		return "memory limit can't be 0";
	return NULL;
}

static const char *
check_enforce(const char *v)
{
	if (strcmp(v, "hard") == 0 || strcmp(v, "soft") == 0)
		return NULL;
	return "must be \"hard\" or \"soft\"";
}

/* One cron field: a comma list of *, ?, N, N-M, each with an optional /step. */
static bool
cron_field_ok(const char *field, int lo, int hi, const char *const *names)
{
	struct strv items = { 0 };
	bool ok = false;
	size_t i;

	if (*field == '\0' || field[strlen(field) - 1] == ',' || *field == ',' ||
	    strstr(field, ",,") != NULL)
		return false;
	strv_split(&items, field, ',');
	for (i = 0; i < items.n; i++) {
		char *item = items.v[i], *step, *dash;
		int64_t a, b, s;
		int k;

		step = strchr(item, '/');
		if (step != NULL) {
			*step++ = '\0';
			if (!isdigit((unsigned char)*step) || config_key_parse_int(step, &s) != 0 ||
			    s < 1)
				goto out;
		}
		if (strcmp(item, "*") == 0 || strcmp(item, "?") == 0)
			continue;
		dash = strchr(item, '-');
		if (dash != NULL)
			*dash++ = '\0';
		for (k = 0; k < 2; k++) {
			const char *t = k == 0 ? item : dash;
			int64_t *out = k == 0 ? &a : &b;
			int n;

			if (k == 1 && dash == NULL) {
				b = a;
				break;
			}
			if (isdigit((unsigned char)*t) && config_key_parse_int(t, out) == 0)
				continue;
			if (names == NULL)
				goto out;
			for (n = 0; names[n] != NULL; n++) {
				if (strcasecmp(t, names[n]) == 0)
					break;
			}
			if (names[n] == NULL)
				goto out;
			*out = n + lo;
		}
		if (a < lo || b > hi || a > b)
			goto out;
	}
	ok = true;
out:
	strv_free(&items);
	return ok;
}

static const char *
check_cron_one(const char *v)
{
	static const char *const aliases[] = { "@hourly", "@daily", "@midnight",
	    "@weekly", "@monthly", "@annually", "@yearly", "@startup", "@never" };
	static const char *const months[] = { "jan", "feb", "mar", "apr", "may",
	    "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL };
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu",
	    "fri", "sat", NULL };
	static const int lo[] = { 0, 0, 1, 1, 0 }, hi[] = { 59, 23, 31, 12, 6 };
	const char *const *names[] = { NULL, NULL, NULL, months, days };
	const char *why = NULL;
	char *copy = NULL, *p, *f[6];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(aliases); i++) {
		if (strcasecmp(v, aliases[i]) == 0)
			return NULL;
	}
	copy = xstrdup(v);
	for (p = copy; n < ARRAY_SIZE(f); n++) {
		f[n] = p;
		p = strchr(p, ' ');
		if (p == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n != 5) {
		why = "must be of the form <minute> <hour> <day-of-month> <month> "
		    "<day-of-week>, or @hourly, @daily, @weekly, @monthly, @yearly, "
		    "@startup or @never";
		goto out;
	}
	for (i = 0; i < 5; i++) {
		if (!cron_field_ok(f[i], lo[i], hi[i], names[i])) {
			why = "a field of the schedule is out of range or malformed";
			goto out;
		}
	}
out:
	free(copy);
	return why;
}

/* A list of schedules is separated by ", " (a bare comma is cron syntax). */
static const char *
check_cron(const char *v)
{
	const char *p = v, *sep;
	const char *why = NULL;
	char *one;

	for (;;) {
		sep = strstr(p, ", ");
		one = sep != NULL ? xstrndup(p, (size_t)(sep - p)) : xstrdup(p);
		why = check_cron_one(one);
		free(one);
		if (why != NULL || sep == NULL)
			return why;
		p = sep + 2;
	}
}

/* LXD's expiry: space separated <N><unit>, unit one of S M H d w m y, each
 * unit at most once. */
static const char *
check_expiry(const char *v)
{
	const char *why = "must look like \"1M 2H 3d 4w 5m 6y\" (each unit once)";
	struct strv parts = { 0 };
	char *copy = NULL, *s, *e;
	bool seen[7] = { false };
	const char *units = "SMHdwmy";
	size_t i;

	copy = xstrdup(v);
	for (s = copy; isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	if (*s == '\0' || strstr(s, "  ") != NULL)
		goto out;
	strv_split(&parts, s, ' ');
	for (i = 0; i < parts.n; i++) {
		char *t = parts.v[i], *u;
		size_t len = strlen(t);
		int64_t n;

		if (len < 2)
			goto out;
		u = strchr(units, t[len - 1]);
		if (u == NULL || t[len - 1] == '\0')
			goto out;
		t[len - 1] = '\0';
		if (!isdigit((unsigned char)*t) || config_key_parse_int(t, &n) != 0 ||
		    n > INT32_MAX || seen[u - units])
			goto out;
		seen[u - units] = true;
	}
	why = NULL;
out:
	strv_free(&parts);
	free(copy);
	return why;
}

/* Keys raw.lxc may not set: the engine's own bookkeeping and the ones LXD
 * refuses.  lxc.net.* is handled apart (only per-nic ipv4/ipv6 addresses). */
static const char *const raw_lxc_refused[] = {
	"lxc.logfile", "lxc.log.file", "lxc.syslog", "lxc.log.syslog",
	"lxc.ephemeral", "lxc.rootfs", "lxc.rootfs.path", "lxc.console.logfile",
};

static const char *
raw_lxc_key_why(const char *key)
{
	size_t i;

	if (strncmp(key, "lxc.", 4) != 0 || key[4] == '\0')
		return "keys must start with \"lxc.\"";
	for (i = 0; i < ARRAY_SIZE(raw_lxc_refused); i++) {
		if (strcmp(key, raw_lxc_refused[i]) == 0)
			return "the engine sets this key itself";
	}
	if (strncmp(key, "lxc.prlimit.", 12) == 0)
		return "process limits cannot be set through raw.lxc";
	if (strncmp(key, "lxc.net.", 8) == 0) {
		const char *p = key + 8, *rest;

		while (isdigit((unsigned char)*p))
			p++;
		rest = p;
		if (p == key + 8 || *rest != '.' ||
		    (strcmp(rest, ".ipv4.address") != 0 &&
		    strcmp(rest, ".ipv4.gateway") != 0 &&
		    strcmp(rest, ".ipv6.address") != 0 &&
		    strcmp(rest, ".ipv6.gateway") != 0))
			return "only lxc.net.N.ipv4/ipv6 address and gateway keys "
			    "may be set; use nic devices";
	}
	return NULL;
}

static __thread char raw_lxc_why[200];

static const char *
check_raw_lxc(const char *v)
{
	struct strv lines = { 0 };
	const char *why = NULL;
	size_t i;

	strv_split(&lines, v, '\n');
	for (i = 0; i < lines.n; i++) {
		char *l = lines.v[i], *eq, *k, *end;
		const char *bad;

		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '\0' || *l == '#' || *l == '\r')
			continue;
		eq = strchr(l, '=');
		if (eq == NULL) {
			snprintf(raw_lxc_why, sizeof raw_lxc_why,
			    "line \"%.60s\" is not of the form lxc.key = value", l);
			why = raw_lxc_why;
			goto out;
		}
		*eq = '\0';
		for (end = eq; end > l && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		for (k = l; *k != '\0'; k++)
			*k = (char)tolower((unsigned char)*k);
		bad = raw_lxc_key_why(l);
		if (bad != NULL) {
			snprintf(raw_lxc_why, sizeof raw_lxc_why, "%.60s: %s", l, bad);
			why = raw_lxc_why;
			goto out;
		}
	}
out:
	strv_free(&lines);
	return why;
}

/*
 * raw.idmap: lines "uid|gid|both HOST[-END] CONTAINER[-END]".  Each parsed
 * entry is (kind 'u'/'g', host, container, count); "both" gives two.
 */
static int
idmap_range(const char *s, uint64_t *first, uint64_t *count)
{
	const char *dash = strchr(s, '-');
	char *a = NULL;
	uint64_t last;
	int rc = -EINVAL;

	a = dash != NULL ? xstrndup(s, (size_t)(dash - s)) : xstrdup(s);
	if (config_key_parse_uint(a, first) != 0 || *first > UINT32_MAX)
		goto out;
	last = *first;
	if (dash != NULL && (config_key_parse_uint(dash + 1, &last) != 0 ||
	    last > UINT32_MAX || last < *first))
		goto out;
	*count = last - *first + 1;
	rc = 0;
out:
	free(a);
	return rc;
}

int
config_key_parse_idmap(const char *v, struct config_key_idmap **out, size_t *n)
{
	struct strv lines = { 0 };
	struct config_key_idmap *ents = NULL;
	size_t i, m = 0;
	int rc = -EINVAL;

	strv_split(&lines, v, '\n');
	ents = xcalloc(lines.n * 2 + 1, sizeof *ents);
	for (i = 0; i < lines.n; i++) {
		struct strv f = { 0 };
		uint64_t h, hc, c, cc;
		bool ok;

		strv_split(&f, lines.v[i], ' ');
		if (f.n == 0) {
			strv_free(&f);
			continue;
		}
		ok = f.n == 3 && idmap_range(f.v[1], &h, &hc) == 0 &&
		    idmap_range(f.v[2], &c, &cc) == 0 && hc == cc &&
		    (strcmp(f.v[0], "uid") == 0 || strcmp(f.v[0], "gid") == 0 ||
		    strcmp(f.v[0], "both") == 0);
		if (ok && strcmp(f.v[0], "gid") != 0)
			ents[m++] = (struct config_key_idmap){ 'u', h, c, hc };
		if (ok && strcmp(f.v[0], "uid") != 0)
			ents[m++] = (struct config_key_idmap){ 'g', h, c, hc };
		strv_free(&f);
		if (!ok)
			goto out;
	}
	rc = 0;
out:
	strv_free(&lines);
	if (rc == 0 && out != NULL) {
		*out = ents;
		*n = m;
	} else {
		free(ents);
	}
	return rc;
}

static const char *
check_raw_idmap(const char *v)
{
	if (config_key_parse_idmap(v, NULL, NULL) != 0)
		return "each line must be \"uid|gid|both HOST[-END] CONTAINER[-END]\" "
		    "with ranges of equal length";
	return NULL;
}

static const char *
check_kernel_modules(const char *v)
{
	struct strv mods = { 0 };
	const char *why = NULL;
	size_t i;
	const char *p;

	strv_split(&mods, v, ',');
	for (i = 0; i < mods.n && why == NULL; i++) {
		const char *s = mods.v[i];
		size_t len;

		while (*s == ' ')
			s++;
		len = strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == 0)
			why = "must be a comma separated list of module names";
		for (p = s; p < s + len && why == NULL; p++) {
			if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
				why = "module names hold only letters, digits, '_' and '-'";
		}
	}
	if (mods.n == 0)
		why = "must be a comma separated list of module names";
	strv_free(&mods);
	return why;
}

/*
 * The keys.  To add a new key:
 *  1. add a row here (exact keys) or to config_prefixes (namespaces);
 *  2. give it a checker (reuse one above when the syntax exists);
 *  3. render it in engine/instance-config.c (config_render_lxc() or
 *     config_limit_items()), or say in its comment which part of the
 *     engine reads it: the fake and the TUI take it from here at once;
 *  4. add a good and a bad value to tests/unit/test-config.c.
 */
static const struct config_key {
	const char		*key;
	config_key_check_fn	 check;
} config_keys[] = {
	{ "boot.autostart",		config_key_check_bool },
	{ "boot.autostart.delay",	check_int },	/* read by the autostarter */
	{ "boot.autostart.priority",	check_int },
	{ "boot.host_shutdown_timeout",	check_int },
	{ "limits.cpu",			check_cpuset },
	{ "limits.cpu.allowance",	check_allowance },
	{ "limits.memory",		check_memory },
	{ "limits.memory.enforce",	check_enforce },
	{ "limits.memory.swap",		config_key_check_bool },
	{ "limits.processes",		check_positive_int },
	{ "linux.kernel_modules",	check_kernel_modules },	/* loaded before start */
	{ "raw.idmap",			check_raw_idmap },
	{ "raw.lxc",			check_raw_lxc },
	{ "security.nesting",		config_key_check_bool },
	{ "security.privileged",	config_key_check_bool },
	{ "security.protection.delete",	config_key_check_bool }, /* checked by delete */
	{ "snapshots.expiry",		check_expiry },	/* read by snapshot.c */
	{ "snapshots.pattern",		config_key_check_oneline },
	{ "snapshots.schedule",		check_cron },
};

static const struct config_prefix {
	const char		*prefix;
	config_key_check_fn	 check;
	bool			 instance_only;
} config_prefixes[] = {
	{ "user.",		check_any,	false },
	{ "environment.",	config_key_check_oneline, false },
	{ "cloud-init.",	check_any,	false },
	{ "volatile.",		check_any,	true },
	{ "image.",		check_any,	true },
};

/* A value written into the key's error message, shortened to fit. */
int
config_key_bad_value(struct err *e, const char *key, const char *value, const char *why)
{
	return err_set(e, 400, "Invalid value for \"%.80s\": \"%.60s%s\": %s", key,
	    value, strlen(value) > 60 ? "..." : "", why);
}

/*
 * The rule of key: 1 and its checker when the key is known (exactly or by
 * its namespace), 0 when it is not, -1 with a 400 when the key itself is
 * refused (empty, an instance-only key in a profile, a bad variable name).
 */
static int
config_key_rule(const char *key, enum config_scope scope, config_key_check_fn *check,
    struct err *e)
{
	size_t i;

	if (key == NULL || *key == '\0')
		return err_set(e, 400, "Empty configuration key");
	for (i = 0; i < ARRAY_SIZE(config_keys); i++) {
		if (strcmp(key, config_keys[i].key) == 0) {
			*check = config_keys[i].check;
			return 1;
		}
	}
	for (i = 0; i < ARRAY_SIZE(config_prefixes); i++) {
		const struct config_prefix *p = &config_prefixes[i];
		size_t len = strlen(p->prefix);

		if (strncmp(key, p->prefix, len) != 0)
			continue;
		if (key[len] == '\0')
			return 0;	/* "user." alone is no key */
		if (p->instance_only && scope == CONFIG_PROFILE)
			return err_set(e, 400, "Key \"%.80s\" is not allowed in "
			    "profiles (%s* keys belong to instances)", key, p->prefix);
		if (strcmp(p->prefix, "environment.") == 0 &&
		    strpbrk(key + len, "= \t\n") != NULL)
			return err_set(e, 400, "Invalid environment variable name "
			    "in \"%.80s\"", key);
		*check = p->check;
		return 1;
	}
	return 0;
}

static int
config_key_check(const char *key, const char *value, config_key_check_fn check,
    struct err *e)
{
	const char *why;

	if (value == NULL || *value == '\0' || check == NULL)
		return 0;	/* unset, or any value */
	why = check(value);
	if (why != NULL)
		return config_key_bad_value(e, key, value, why);
	return 0;
}

int
config_key_validate(const char *key, const char *value, enum config_scope scope,
    struct err *e)
{
	config_key_check_fn check = NULL;
	int rc = config_key_rule(key, scope, &check, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, 400, "Unknown configuration key: \"%.100s\"", key);
	return config_key_check(key, value, check, e);
}

int
config_key_validate_known(const char *key, const char *value,
    enum config_scope scope, struct err *e)
{
	config_key_check_fn check = NULL;
	int rc = config_key_rule(key, scope, &check, e);

	if (rc <= 0)
		return rc;
	return config_key_check(key, value, check, e);
}

int
config_key_validate_all(const struct strmap *m, enum config_scope scope, struct err *e)
{
	size_t i;

	if (m == NULL)
		return 0;
	for (i = 0; i < m->n; i++) {
		if (config_key_validate(m->keys[i], m->vals[i], scope, e) != 0)
			return -1;
	}
	return 0;
}

/* The server's config namespaces (lxdeckd and the engine keep network.*
 * for the engine's bridge). */
static const char *const config_server_prefixes[] = {
	"core.", "images.", "network.", "user.",
};

int
config_key_validate_server(const struct strmap *m, struct err *e)
{
	size_t i, j;

	for (i = 0; m != NULL && i < m->n; i++) {
		const char *k = m->keys[i];

		for (j = 0; j < ARRAY_SIZE(config_server_prefixes); j++) {
			if (strncmp(k, config_server_prefixes[j],
			    strlen(config_server_prefixes[j])) == 0)
				break;
		}
		if (j == ARRAY_SIZE(config_server_prefixes))
			return err_set(e, 400, "Unknown server configuration key: "
			    "\"%s\"", k);
	}
	return 0;
}

const char *
config_key_name(size_t i)
{
	if (i < ARRAY_SIZE(config_keys))
		return config_keys[i].key;
	i -= ARRAY_SIZE(config_keys);
	if (i < ARRAY_SIZE(config_prefixes))
		return config_prefixes[i].prefix;
	return NULL;
}
