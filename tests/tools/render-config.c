/*
 * render-config.c - prints the LXC config config_render_lxc() makes, from
 * command-line arguments, so shell tests can hand it to the real liblxc.
 *
 *   render-config --name N --rootfs DIR --seccomp FILE [--privileged]
 *       [--idmap BASE:RANGE] [--rootfs-idmap] [--log FILE] [--console FILE]
 *       [--cgroup2] [-c KEY=VALUE]... [-d DEV:KEY=VALUE]... [-l KEY=VALUE]...
 *   render-config --write-seccomp FILE
 *
 * -c sets an expanded config key, -d a device property (the device is made
 * on first use), -l a local config key (volatile.*).  Errors go to stderr
 * with the exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine.h"

static void
usage(void)
{
	fprintf(stderr, "usage: render-config --name N --rootfs DIR --seccomp FILE "
	    "[--privileged] [--idmap BASE:RANGE] [--rootfs-idmap] [--log FILE] "
	    "[--console FILE] [--cgroup2] [-c K=V]... [-d DEV:K=V]... [-l K=V]...\n"
	    "       render-config --write-seccomp FILE\n");
	exit(2);
}

static void
split_kv(const char *arg, struct strmap *m)
{
	const char *eq = strchr(arg, '=');
	char *k;

	if (eq == NULL)
		usage();
	k = xstrndup(arg, (size_t)(eq - arg));
	strmap_set(m, k, eq + 1);
	free(k);
}

int
main(int argc, char **argv)
{
	struct strmap config = { 0 }, local = { 0 };
	struct devmap devices = { 0 };
	struct lxc_render r;
	struct err e = { 0 };
	char *text = NULL;
	int i, rc = 1;

	memset(&r, 0, sizeof r);
	r.expanded_config = &config;
	r.expanded_devices = &devices;
	r.local_config = &local;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--privileged") == 0) {
			r.privileged = true;
			continue;
		}
		if (strcmp(a, "--rootfs-idmap") == 0) {
			r.rootfs_idmap = true;
			continue;
		}
		if (strcmp(a, "--cgroup2") == 0) {
			r.cgroup2 = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--write-seccomp") == 0) {
			if (config_write_seccomp(v, &e) != 0)
				goto out;
			rc = 0;
			goto out;
		} else if (strcmp(a, "--name") == 0) {
			r.name = v;
		} else if (strcmp(a, "--rootfs") == 0) {
			r.rootfs = v;
		} else if (strcmp(a, "--seccomp") == 0) {
			r.seccomp_policy = v;
		} else if (strcmp(a, "--log") == 0) {
			r.log_file = v;
		} else if (strcmp(a, "--console") == 0) {
			r.console_log = v;
		} else if (strcmp(a, "--idmap") == 0) {
			unsigned long base, range;

			if (sscanf(v, "%lu:%lu", &base, &range) != 2)
				usage();
			r.idmap_base = (uint32_t)base;
			r.idmap_range = (uint32_t)range;
		} else if (strcmp(a, "-c") == 0) {
			split_kv(v, &config);
		} else if (strcmp(a, "-l") == 0) {
			split_kv(v, &local);
		} else if (strcmp(a, "-d") == 0) {
			const char *colon = strchr(v, ':');
			struct strmap *p;
			char *dev;

			if (colon == NULL)
				usage();
			dev = xstrndup(v, (size_t)(colon - v));
			p = devmap_get(&devices, dev);
			if (p == NULL) {
				struct strmap empty = { 0 };

				devmap_set(&devices, dev, &empty);
				p = devmap_get(&devices, dev);
			}
			split_kv(colon + 1, p);
			free(dev);
		} else {
			usage();
		}
	}
	if (r.name == NULL)
		usage();
	text = config_render_lxc(&r, &e);
	if (text == NULL)
		goto out;
	fputs(text, stdout);
	rc = 0;
out:
	if (rc != 0 && e.code != 0)
		fprintf(stderr, "render-config: %d %s\n", e.code, e.msg);
	free(text);
	strmap_free(&config);
	strmap_free(&local);
	devmap_free(&devices);
	return rc;
}
