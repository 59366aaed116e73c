/*
 * engine-open.c - opening the engine on its directory, and closing it.
 *
 * engine_open() makes the directory tree, opens the database (migrating
 * it), learns what the host can do (overlayfs, idmapped mounts, cgroup
 * layout, the subordinate id range root owns), makes sure the default
 * profiles exist, removes what a killed process left half made, closes
 * what an older lxdeck left open and starts the watcher.  It is the roof
 * of engine/: it calls the rooms below and none of them calls it (the
 * ground they share, engine_path() and the config table, is engine.c).
 * The same directory may be open in several processes (lxdeck and
 * lxdeckd); nothing here assumes it is alone.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"

/* root's range in /etc/subuid, else LXD's usual 1000000. */
static void
engine_open_read_subuid(struct engine *e)
{
	char *text = util_read_file("/etc/subuid", NULL), *line, *save = NULL;
	unsigned long base, count;

	e->idmap_base = 1000000;
	e->idmap_range = ENGINE_IDMAP_RANGE;
	if (text == NULL)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "root:%lu:%lu", &base, &count) == 2 &&
		    count >= ENGINE_IDMAP_RANGE) {
			e->idmap_base = (uint32_t)base;
			break;
		}
	}
	free(text);
}

static bool
engine_open_has_fs(const char *fs)
{
	char *text = util_read_file("/proc/filesystems", NULL);
	char *needle = xasprintf("\t%s\n", fs);
	bool ok = text != NULL && strstr(text, needle) != NULL;

	free(text);
	free(needle);
	return ok;
}

/*
 * Can the containers' root (host uid and gid base, no other group) search
 * every directory down to the lxcpath?  liblxc's child checks just that as
 * the container's root and aborts the start when it cannot ("Received
 * container state ABORTING"), so an engine on such a directory is refused
 * at open, naming the directory and the fix.  A child takes the ids and
 * asks access(X_OK) of each prefix, as liblxc does: modes, ACLs and
 * whatever else the kernel checks are honoured.  Its exit status is the
 * number of the first component it cannot search (0: all reachable).
 */
static int
engine_open_check_reach(struct engine *e, struct err *err)
{
	char *path = engine_path(e, "containers"), *p, *bad = NULL;
	int status = 0, n = 0, rc = 0;
	struct stat st;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		log_warn("cannot check that containers can reach %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		gid_t g = (gid_t)e->idmap_base;
		uid_t u = (uid_t)e->idmap_base;

		if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 ||
		    setresuid(u, u, u) < 0)
			_exit(0);	/* cannot tell: let liblxc say it */
		for (p = path + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			n++;
			{
				char c = *p;

				*p = '\0';
				if (access(path, X_OK) < 0)
					_exit(n > 250 ? 250 : n);
				*p = c;
			}
			if (*p == '\0')
				_exit(0);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 0)
		goto out;
	/* The prefix of path with WEXITSTATUS(status) components. */
	n = WEXITSTATUS(status);
	bad = xstrdup(path);
	for (p = bad + 1; *p != '\0'; p++) {
		if (*p == '/' && --n == 0) {
			*p = '\0';
			break;
		}
	}
	if (stat(bad, &st) < 0)
		st.st_mode = 0;
	rc = err_set(err, 500, "Unprivileged containers cannot reach \"%s\": "
	    "their root (host uid %u) cannot search \"%s\" (mode %04o). Fix: "
	    "chmod o+x \"%s\" or choose another LXDECK_DIR", e->dir,
	    (unsigned)e->idmap_base, bad, (unsigned)(st.st_mode & 07777), bad);
out:
	free(path);
	free(bad);
	return rc;
}

/* The watch timer's chores: expired snapshots, and then (not at the first
 * turn) the image cache's expiry and auto-updates. */
static void
engine_open_chores(struct engine *e, bool first)
{
	snapshot_op_expire(e);
	if (!first)
		image_cache_tick(e);
}

struct engine *
engine_open(uv_loop_t *loop, const char *dir, struct err *err)
{
	struct engine *e = xcalloc(1, sizeof *e);
	/* Who may walk where: see storage.c. */
	const struct { const char *name; mode_t mode; } subdirs[] = {
		{ "", 0711 }, { "containers", 0711 }, { "snapshots", 0700 },
		{ "images", 0700 },
	};
	struct utsname u;
	char *path;
	size_t i;

	e->loop = loop;
	e->dir = xstrdup(dir);
	for (i = 0; i < ARRAY_SIZE(subdirs); i++) {
		struct stat st;

		path = engine_path(e, "%s", subdirs[i].name);
		if (util_mkdir_p(path, subdirs[i].mode) < 0) {
			err_set(err, 500, "Failed to create \"%s\": %s", path,
			    strerror(errno));
			free(path);
			goto fail;
		}
		/* An older lxdeck made snapshots/ and images/ 0711. */
		if (i > 0 && stat(path, &st) == 0 &&
		    (st.st_mode & 07777) != subdirs[i].mode &&
		    chmod(path, subdirs[i].mode) < 0)
			log_warn("chmod %s: %s", path, strerror(errno));
		free(path);
	}
	/* Unprivileged containers (host uid 1000000+) must traverse it. */
	{
		struct stat st;

		if (stat(e->dir, &st) == 0 && (st.st_mode & 0011) != 0011)
			chmod(e->dir, (st.st_mode & 07777) | 0011);
	}
	e->lxcpath = engine_path(e, "containers");
	path = engine_path(e, "lxdeck.db");
	if (db_open(path, &e->db, err) < 0) {
		free(path);
		goto fail;
	}
	free(path);
	uname(&u);
	e->arch = xstrdup(u.machine);
	engine_open_read_subuid(e);
	e->has_overlay = engine_open_has_fs("overlay") && getenv("LXDECK_NO_OVERLAY") == NULL;
	idmap_probe_host(e);	/* user namespaces, idmapped mounts */
	if (e->unpriv_missing == NULL && geteuid() == 0 &&
	    engine_open_check_reach(e, err) < 0)
		goto fail;
	if (!e->has_idmapped_mounts)
		e->has_overlay = false;	/* unprivileged overlay needs it */
	e->cgroup2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	warning_check_host(e);
	path = engine_path(e, "seccomp.policy");
	if (config_write_seccomp(path, err) < 0) {
		free(path);
		goto fail;
	}
	free(path);
	if (profile_edit_defaults(e, err) < 0)
		goto fail;
	instance_op_recover(e);
	storage_protect_all(e);
	watch_start(e, engine_open_chores);
	return e;
fail:
	engine_close(e);
	return NULL;
}

void
engine_close(struct engine *e)
{
	if (e == NULL)
		return;
	watch_stop(e);
	op_free_all(e);
	event_free_all(e);
	db_close(e->db);
	free(e->dir);
	free(e->lxcpath);
	free(e->arch);
	free(e->criu_reason);
	free(e->unpriv_reason);
	free(e->base.name);
	free(e);
}
