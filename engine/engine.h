/*
 * engine.h - the embedded engine's own header: the map of engine/.
 *
 * The engine manages real LXC system containers the way LXD does.  Its
 * state lives under one directory (LXDECK_DIR, default /var/lib/lxdeck):
 *
 *   lxdeck.db                  sqlite3 (WAL), the source of truth
 *   containers/NAME/config     the LXC config the engine renders
 *   containers/NAME/rootfs     the root filesystem (dir) or overlay mount point
 *   containers/NAME/ov/        overlay upper + work dirs (overlay storage)
 *   containers/NAME/console.log, lxc.log
 *   snapshots/NAME/SNAP/       snapshot contents (rootfs or ov/upper)
 *   images/FP                  image file as imported (unified, or split metadata)
 *   images/FP.rootfs           split image rootfs tarball
 *   images/FP.d/               unpacked image: metadata.yaml, rootfs/, templates/
 *   seccomp.policy, server.crt/key, unix.socket
 *
 * Only engine/ includes liblxc and sqlite headers.  The TUI and the server
 * see the engine through struct backend_ops (backend-local.c).
 *
 * The rooms, from the roof down; each calls only rooms below it (the one
 * pair that calls each other: instance.c loads snapshots, snapshot.c
 * looks up instances):
 *
 *   backend-local.c     the backend_ops of the engine
 *   engine-open.c       opening and closing the engine
 *   instance-op.c snapshot-op.c profile-edit.c
 *                       what changes instances, snapshots, profiles
 *   instance-exec.c instance-file.c snapshot-diff.c network-info.c
 *   storage-info.c      what runs in or reads about instances
 *   instance-run.c      render, start, stop, freeze (inside helpers)
 *   watch.c             other processes' events, containers that stop
 *   instance.c snapshot.c profile.c   reading rows, expanded config, state
 *   image-cache.c image.c image-build.c storage.c network.c idmap.c
 *   instance-config.c warning.c cgroup-attach.c
 *                       images, storage, the host, the config language
 *   op.c op-worker.c event.c   operations, their helpers, events
 *   engine.c db.c util.c   the ground
 */
#ifndef LXDECK_ENGINE_H
#define LXDECK_ENGINE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "../common/common.h"
#include "../core/core.h"

#define ENGINE_DEFAULT_DIR	"/var/lib/lxdeck"
#define ENGINE_BRIDGE		"lxdeckbr0"
#define ENGINE_IDMAP_RANGE	65536

struct op;
struct op_result;
struct event_sub;
struct watch;
struct lxc_container;
struct sockaddr;
struct engine;

/* The watch timer's periodic work (watch.c): first at its first turn,
 * then about once a minute. */
typedef void (*watch_chores_fn)(struct engine *, bool first);

struct engine {
	struct backend	 base;		/* first: backend-local.c casts */
	char		*dir;		/* LXDECK_DIR */
	char		*lxcpath;	/* dir/containers */
	sqlite3		*db;
	uv_loop_t	*loop;

	/* Host facts found at open. */
	bool		 has_overlay;
	bool		 has_idmapped_mounts;
	/* What keeps unprivileged containers from running here ("user
	 * namespaces", "idmapped mounts"; NULL: nothing) and why (idmap.c). */
	const char	*unpriv_missing;
	char		*unpriv_reason;
	bool		 criu_works;
	char		*criu_reason;
	uint32_t	 idmap_base;	/* from root's /etc/subuid */
	uint32_t	 idmap_range;
	char		*arch;		/* x86_64 */
	bool		 cgroup2;	/* unified hierarchy only */

	/* Operations and subscribers of this process (op.c, event.c). */
	struct op	*ops;
	struct event_sub *subs;
	int		 next_sub_id;
	bool		 is_worker;	/* in a helper process: no loop, no events */

	/* profile.c: profiles memoised while a whole list is loaded
	 * (instance_load_all), so each is read once, not once per instance. */
	bool		 pcache_on;
	struct profile	*pcache;
	size_t		 npcache;

	/* watch.c: what other processes and the containers themselves do. */
	uv_timer_t	*watch_timer;
	watch_chores_fn	 watch_chores;
	int		 watch_ms;
	int64_t		 last_event_id;
	int		 data_version;
	struct watch	*watches;

	/* image-cache.c: the periodic expiry/update of pulled images. */
	int64_t		 image_checked_ns;	/* last auto-update check */
	bool		 image_refreshing;	/* an "Updating images" op runs */
};

/*
 * Everything the LXC config of one container is rendered from.  Paths are
 * absolute.  expanded_* are the result of config_expand(); local_config
 * holds volatile.* keys (hwaddr, host_name) the engine keeps per instance.
 */
struct lxc_render {
	const char		*name;
	const char		*rootfs;	/* directory to use as rootfs */
	bool			 rootfs_idmap;	/* add idmap=container (dir storage) */
	bool			 privileged;
	uint32_t		 idmap_base;
	uint32_t		 idmap_range;
	const struct strmap	*expanded_config;
	const struct devmap	*expanded_devices;
	const struct strmap	*local_config;	/* volatile.<nic>.hwaddr, ... */
	const char		*log_file;
	const char		*console_log;
	const char		*seccomp_policy;
	const char		*hook_dir;	/* lxdeck hooks (may be NULL) */
	bool			 cgroup2;	/* unified hierarchy only */
};

/* db.c */
int	 db_open(const char *path, sqlite3 **out, struct err *);
void	 db_close(sqlite3 *);
/* A cached prepared statement for sql (hot read paths); give it back with
 * db_finish(), which resets it (or finalizes an uncached one). */
int	 db_prepare(sqlite3 *, const char *sql, sqlite3_stmt **out);
void	 db_finish(sqlite3_stmt *);
int	 db_exec(sqlite3 *, const char *sql, struct err *);
int	 db_begin(sqlite3 *, struct err *);	/* BEGIN IMMEDIATE, retried */
int	 db_commit(sqlite3 *, struct err *);
void	 db_rollback(sqlite3 *);
int	 db_schema_version(sqlite3 *);
/* key/value child tables: table(owner_col, key, value). */
int	 db_map_load(sqlite3 *, const char *table, const char *owner_col,
	    int64_t owner, struct strmap *out, struct err *);
int	 db_map_save(sqlite3 *, const char *table, const char *owner_col,
	    int64_t owner, const struct strmap *m, struct err *);
/* device child tables: table(owner_col, name, key, value). */
int	 db_devices_load(sqlite3 *, const char *table, const char *owner_col,
	    int64_t owner, struct devmap *out, struct err *);
int	 db_devices_save(sqlite3 *, const char *table, const char *owner_col,
	    int64_t owner, const struct devmap *d, struct err *);

/* instance-config.c: the config language (keys, values, devices, expansion,
 * translation to LXC).  Pure functions but for the host lookups of devices. */
/* The keys are checked by the core's rules (config_key_validate_all). */
int	 devices_validate(const struct devmap *, enum config_scope, struct err *);
/* Does the running kernel have AppArmor enabled? */
bool	 config_host_has_apparmor(void);
/* profiles[i] applied in order, then the local config and devices. */
void	 config_expand(const struct profile *profiles, size_t n,
	    const struct strmap *config, const struct devmap *devices,
	    struct strmap *out_config, struct devmap *out_devices);
/* The LXC config text for one container (caller frees). */
char	*config_render_lxc(const struct lxc_render *, struct err *);
/* The cgroup items a running container gets for its expanded config, as
 * liblxc's set_cgroup_item() keys ("memory.limit_in_bytes" -> "67108864"). */
int	 config_cgroup_items(const struct strmap *expanded, bool cgroup2,
	    struct strmap *out, struct err *);
/* The host gid of the container's root group: raw.idmap's entry for
 * container gid 0, else base (the engine's subordinate range). */
uint32_t config_root_gid(const struct strmap *expanded, uint32_t base);
/* Writes the seccomp policy every container gets (LXD's deny list). */
int	 config_write_seccomp(const char *path, struct err *);

/* image.c: local images, content addressed (lxd-api.md 4.1). */
/* Imports a unified tarball (rootfs_path NULL) or a split image; computes
 * LXD's fingerprint, reads metadata.yaml, unpacks into images/FP.d/.
 * props are added to the image's properties. */
int	 image_import(struct engine *, const char *meta_path, const char *rootfs_path,
	    const struct strmap *props, bool public, const char *filename,
	    char **fp_out, struct err *);
/* alias, full fingerprint or unique prefix -> full fingerprint. */
int	 image_resolve(struct engine *, const char *ref, char **fp_out, struct err *);
int	 image_load(struct engine *, const char *fp, struct image *out, struct err *);
int	 image_load_all(struct engine *, struct image **out, size_t *n, struct err *);
int	 image_save_props(struct engine *, const char *fp, const struct image *put,
	    struct err *);
int	 image_remove(struct engine *, const char *fp, struct err *);
/* The unpacked rootfs directory of an image (unpacks again if missing). */
char	*image_rootfs_dir(struct engine *, const char *fp, struct err *);
/* The image's stored files, opened as LXD exports them (backend
 * image_export): nothing is copied. */
int	 image_export_open(struct engine *, const char *fp,
	    struct image_export_file out[2], size_t *n, struct err *);
/* Packs metadata + a rootfs directory into a unified tarball, imports it. */
int	 image_pack(struct engine *, const char *rootfs_dir, const char *arch,
	    const struct strmap *props, const char *compression, bool public,
	    char **fp_out, struct err *);
int	 image_alias_load_all(struct engine *, struct image_alias **out, size_t *n,
	    struct err *);
int	 image_alias_load(struct engine *, const char *name, struct image_alias *out,
	    struct err *);
int	 image_alias_add(struct engine *, const char *name, const char *target,
	    const char *description, struct err *);
int	 image_alias_remove(struct engine *, const char *name, struct err *);
/* A fresh directory images/PREFIX-XXXXXX (".tmp", ".dl"), caller frees;
 * NULL and err when it cannot be made. */
char	*image_tmpdir(struct engine *, const char *prefix, struct err *);
/* sha256 of the concatenated files, lowercase hex (caller frees). */
char	*image_fingerprint_files(const char *const *paths, size_t n, struct err *);

/* image-cache.c: images pulled from image servers (the fetcher hook is in
 * backend.h).  Clock: LXDECK_NOW (unix seconds) overrides the real one. */
int64_t	 image_cache_now_ns(void);
/* A cached image for ref (alias on r, or a full fingerprint) without any
 * network: 0 and *fp_out (caller frees), or -1. */
int	 image_cache_find(struct engine *, const struct image_remote *,
	    const char *ref, char **fp_out);
/* In a helper: ref from the cache, else resolved, downloaded (progress on
 * res, may be NULL), verified and imported as cached.  *fp_out caller frees. */
int	 image_cache_fetch(struct engine *, const struct image_remote *,
	    const char *ref, struct op_result *res, char **fp_out, struct err *);
/* In a helper: `lxc image copy` (struct image_pull): resolved, downloaded,
 * verified and imported as a local image; final metadata fingerprint and
 * size go to res.  *fp_out caller frees. */
int	 image_cache_copy(struct engine *, const struct image_pull *,
	    struct op_result *res, char **fp_out, struct err *);
/* Sets last_used_ns (an instance was created from it). */
void	 image_cache_touch(struct engine *, const char *fp);
/* Deletes cached images unused for images.remote_cache_expiry days. */
int	 image_cache_expire(struct engine *, struct strv *removed, struct err *);
/* In a helper: replaces auto_update images whose source alias moved on;
 * updated gets "OLD>NEW" pairs. */
int	 image_cache_update(struct engine *, struct op_result *, struct strv *updated,
	    struct err *);
/* Starts the "Updating images" op (expiry, then updates) now. */
int	 image_cache_op_refresh(struct engine *, char **op_id, struct err *);
/* From the watch timer: starts the op when something is due. */
void	 image_cache_tick(struct engine *);

/* image-build.c: images made with no network. */
int	 image_build_busybox(const char *out_tarball, struct err *);
int	 image_build_debootstrap(const char *out_tarball, const char *suite,
	    const char *mirror, struct err *);

/* ---- the engine core (engine.c, event.c, op.c, op-worker.c, ...) ---- */

/* engine-open.c: the roof of engine/ (it calls the rooms below, none
 * calls it): the directory tree, the database, the host's facts, the
 * default profiles, recovery, the watcher. */
struct engine *engine_open(uv_loop_t *, const char *dir, struct err *);
void	 engine_close(struct engine *);

/* engine.c: the ground every room uses (and the fetcher, see core.h). */
/* A fresh database connection for a helper process (after fork). */
int	 engine_reopen_db(struct engine *, struct err *);
char	*engine_path(const struct engine *, const char *fmt, ...) PRINTF_LIKE(2, 3);
int	 engine_config_get(struct engine *, struct strmap *out, struct err *);

/* event.c: fan-out of events to subscribers, on the loop. */
int	 event_subscribe(struct engine *, event_cb, void *arg);
void	 event_unsubscribe(struct engine *, int id);
void	 event_emit(struct engine *, const struct event *);
/* A lifecycle event; context may be NULL. */
void	 event_lifecycle(struct engine *, const char *action, const char *source,
	    const struct strmap *context);
void	 event_log(struct engine *, const char *level, const char *fmt, ...)
	    PRINTF_LIKE(3, 4);
void	 event_free_all(struct engine *);

/*
 * op.c: operations.  An op's work runs in a helper process (op-worker.c):
 * work(engine, arg, result, err) is called in a forked child with its own
 * database connection; its return, error and metadata travel back over a
 * socketpair; then done(engine, op, arg) runs in the parent on the loop
 * (events, cleanup) and the op becomes final.  Finished ops are kept 5 s.
 */
struct op_result {
	struct strmap	 metadata;
	int		 ret;		/* exec return, when has_return */
	bool		 has_return;
	int		 progress_fd;	/* child side: op_progress() writes here */
};
typedef int (*op_work_fn)(struct engine *, void *arg, struct op_result *, struct err *);
typedef void (*op_done_fn)(struct engine *, struct op_info *, void *arg);
typedef void (*op_free_fn)(void *arg);

struct op_spec {
	const char	*description;	/* "Creating instance" */
	enum op_class	 cls;
	const char	*resource_type;	/* "instances" (also adds "containers") */
	const char	*resource;	/* "/1.0/instances/x" */
	const char	*resource2;	/* a second one (copy source), or NULL */
	bool		 in_process;	/* run work in the parent (quick, no fork) */
	op_work_fn	 work;
	op_done_fn	 done;		/* may be NULL */
	op_free_fn	 free_arg;	/* may be NULL */
	void		*arg;
};
/* Starts an op; *id gets its UUID (caller frees).  0 or -1. */
int	 op_start(struct engine *, const struct op_spec *, char **id, struct err *);
/* op_start() on one instance: spec with resource_type "instances" and
 * resource /1.0/instances/INST. */
int	 op_start_instance(struct engine *, const char *inst, const struct op_spec *,
	    char **id, struct err *);
/* In the child: report progress ("create_instance_from_image_unpack", "42%"). */
void	 op_progress(struct op_result *, const char *stage, const char *text);
int	 op_list_all(struct engine *, struct op_info **out, size_t *n, struct err *);
int	 op_get_info(struct engine *, const char *id, struct op_info *out, struct err *);
int	 op_cancel_id(struct engine *, const char *id, struct err *);
int	 op_wait_id(struct engine *, const char *id, int timeout_ms, struct op_info *out,
	    struct err *);
void	 op_free_all(struct engine *);
/* Registers an op that the caller drives itself (exec/console websockets). */
struct op_info *op_register(struct engine *, const struct op_spec *);
void	 op_finish(struct engine *, const char *id, int status, const char *errmsg);
void	 op_update(struct engine *, const char *id);	/* emits an op event */
struct op_info *op_find_info(struct engine *, const char *id);

/* idmap.c: idmapped mounts without liblxc's help (overlay on idmapped layers). */
/* An fd of a user namespace mapping 0..range-1 to base.., plus host root as
 * uid/gid `range` (so the engine can manage an overlay through the mount);
 * -errno when none can be made (never waits more than a few seconds). */
int	 idmap_userns_fd(uint32_t base, uint32_t range);
/* Bind-mounts src on dst (a directory) with the userns's id mapping. */
int	 idmap_mount(const char *src, const char *dst, int userns_fd);
/* Learns at engine open whether unprivileged containers can run here: user
 * namespaces, then idmapped mounts on the directory's filesystem; sets
 * has_idmapped_mounts and, when one lacks, unpriv_missing/unpriv_reason. */
void	 idmap_probe_host(struct engine *);
/* 0 when an instance of this expanded config can run here; else a 400
 * naming the feature the host lacks (the caller names the instance). */
int	 idmap_check_instance(const struct engine *, const struct strmap *expanded,
	    struct err *);


/* util.c: running host tools and small file helpers. */
/* A random (version 4) UUID, lowercase, in out. */
void	 util_uuid_v4(char out[37]);
/* Runs argv (argv[0] looked up in PATH), waits; output to stderr.
 * 0, or -1 with err naming the command and its exit status. */
int	 util_run(const char *const *argv, struct err *);
/* Runs argv with stdin on /dev/null; stdout into *out (at most max bytes,
 * caller frees) when out is not NULL.  A failure gives 500 with the
 * program's last telling stderr line; more than max bytes gives 400. */
int	 util_exec(const char *const *argv, char **out, size_t max, struct err *);
/* Same, capturing stdout (caller frees *out). */
int	 util_run_output(const char *const *argv, char **out, struct err *);
int	 util_mkdir_p(const char *path, mode_t mode);
/* rm -rf that never follows a symlink nor crosses into another filesystem
 * (mounts), however deep the tree: 0 when path is gone (NULL: nothing to
 * do), else -1 with err naming the failure (rm's last stderr line).  The
 * one tree remover of engine/. */
int	 util_rm_rf(const char *path, struct err *);
/* cp -a (reflink where possible). */
int	 util_copy_tree(const char *src, const char *dst, struct err *);
bool	 util_is_mountpoint(const char *path);
char	*util_read_file(const char *path, size_t *len);	/* NULL on error */
int	 util_write_file(const char *path, const char *data, size_t len, mode_t mode);
/* Reaps child pid: at once when it has ended; else, with a loop and its
 * pidfd, from the loop when the pidfd says it ended (the pidfd is taken
 * and closed then); else waits for it. */
void	 util_reap(uv_loop_t *, pid_t pid, int pidfd);

/* storage.c: instance root filesystems, "dir" and "overlay". */
bool	 storage_driver_valid(const struct engine *, const char *driver);
const char *storage_default_driver(const struct engine *);
/* Creates containers/NAME's filesystem from an image (fp), or empty (fp NULL). */
int	 storage_create(struct engine *, const char *driver, const char *name,
	    const char *fp, struct err *);
/* Makes containers/NAME/rootfs ready for start; *idmap_rootfs says whether
 * liblxc must idmap it itself (dir storage, unprivileged). */
int	 storage_mount(struct engine *, const char *driver, const char *name,
	    const char *fp, bool privileged, bool *idmap_rootfs, struct err *);
void	 storage_umount(struct engine *, const char *name);
int	 storage_delete(struct engine *, const char *name, struct err *);
int	 storage_copy(struct engine *, const char *driver, const char *src,
	    const char *src_snap, const char *dst, struct err *);
int	 storage_rename(struct engine *, const char *name, const char *newname,
	    struct err *);
int	 storage_snapshot(struct engine *, const char *driver, const char *name,
	    const char *snap, struct err *);
int	 storage_restore(struct engine *, const char *driver, const char *name,
	    const char *snap, struct err *);
int	 storage_snapshot_delete(struct engine *, const char *name, const char *snap,
	    struct err *);
int	 storage_snapshot_rename(struct engine *, const char *name, const char *snap,
	    const char *newname, struct err *);
/* The directory holding the writable files: rootfs (dir) or ov/upper. */
char	*storage_data_dir(struct engine *, const char *driver, const char *name);
/* Makes containers/NAME reachable by the container's root alone before a
 * start: root-owned, 0710 with group root_gid (unprivileged), 0700 when
 * privileged.  0 or -errno. */
int	 storage_protect(struct engine *, const char *name, bool privileged,
	    uint32_t root_gid);
/* At open: the tree's modes as storage_protect() and engine_open() want
 * them, for directories an older lxdeck made open to every host user. */
void	 storage_protect_all(struct engine *);
int64_t	 storage_usage(struct engine *, const char *driver, const char *name);

/* network.c: the default bridge and its dnsmasq. */
int	 network_ensure(struct engine *, const char *bridge, struct err *);
/* Is there a Linux bridge of that name? */
bool	 network_bridge_exists(const char *name);
/* The bridge's "10.x.y.1/24": its address, or the one kept for it before
 * it exists (caller frees); NULL when none was picked yet. */
char	*network_ipv4(struct engine *, const char *bridge);
/* The prefix length of a netmask (255.255.255.0 -> 24; NULL -> 0). */
int	 network_prefix_len(const struct sockaddr *mask);
/* The dnsmasq lease file of a bridge (caller frees). */
char	*network_leases_path(const char *bridge);

/* Releases the DHCP lease of mac on the bridge (instance deleted). */
void	 network_release(const char *bridge, const char *mac);
/* Releases the leases of every nic of an instance on the engine's bridge. */
void	 network_release_instance(const struct instance *);

/* profile.c: reading profiles. */
int	 profile_load(struct engine *, const char *name, struct profile *out,
	    struct err *);
int	 profile_load_all(struct engine *, struct profile **out, size_t *n,
	    struct err *);
/* Loads the profiles named in list, in order (without used_by: what
 * expansion needs); 404 naming a missing one. */
int	 profile_load_list(struct engine *, const struct strv *names,
	    struct profile **out, struct err *);
/* Starts/ends memoising profile contents (see struct engine). */
void	 profile_cache_begin(struct engine *);
void	 profile_cache_end(struct engine *);
/* The id (and description, caller frees, when desc is not NULL) of a
 * profile; 404 naming it when there is none. */
int	 profile_row(struct engine *, const char *name, int64_t *id, char **desc,
	    struct err *);
/* Appends the URLs of the instances using profile id. */
void	 profile_used_by(struct engine *, int64_t id, struct strv *out);

/* profile-edit.c: writing profiles. */
/* Makes `default` and `docker` when missing (at open). */
int	 profile_edit_defaults(struct engine *, struct err *);
int	 profile_edit_add(struct engine *, const struct profile *, struct err *);
/* Replaces a profile's description, config and devices; re-renders every
 * instance using it. */
int	 profile_edit_replace(struct engine *, const char *name,
	    const struct profile *, struct err *);
int	 profile_edit_rename(struct engine *, const char *name, const char *newname,
	    struct err *);
int	 profile_edit_remove(struct engine *, const char *name, struct err *);

/* cgroup-attach.c: an exec's process into the container's cgroups without
 * the kernel's global migration lock (see the file).  A filled struct holds
 * the unified leaf (lxc.payload.NAME/.lxc) and each v1 hierarchy's "tasks";
 * open fails (-errno) when any of it is not as liblxc made it. */
#define CGROUP_ATTACH_V1_MAX	16
struct cgroup_attach {
	int	 unified_fd;
	int	 v1_fds[CGROUP_ATTACH_V1_MAX];
	size_t	 nv1;
};
int	 cgroup_attach_open(pid_t init, struct cgroup_attach *);
void	 cgroup_attach_close(struct cgroup_attach *);
/* fork() into the unified leaf: 0 in the child; in the parent the child's
 * pid, its pidfd in *pidfd (close-on-exec), or -1 (errno; EBUSY when the
 * process has other threads: a raw clone3 is not fork-safe then). */
pid_t	 cgroup_attach_fork(const struct cgroup_attach *, int *pidfd);
/* In the process to move: joins every v1 hierarchy ("0" into tasks). */
int	 cgroup_attach_join_v1(const struct cgroup_attach *);

/* warning.c: what the engine noticed about its host (struct warning). */
/* Looks at the host (AppArmor, overlay) once per boot: at engine open. */
void	 warning_check_host(struct engine *);
/* The outcome of the CRIU check (snapshot.c), once per boot. */
void	 warning_criu(struct engine *, bool works, const char *reason);
int	 warning_list(struct engine *, struct warning **out, size_t *n,
	    struct err *);
int	 warning_set_status(struct engine *, const char *uuid, const char *status,
	    struct err *);
int	 warning_delete(struct engine *, const char *uuid, struct err *);

/* storage-info.c: the read side of `lxc storage` (see struct storage_pool). */
#define STORAGE_POOL	"default"
int	 storage_info_pools(struct engine *, struct storage_pool **out, size_t *n,
	    struct err *);
int	 storage_info_resources(struct engine *, const char *pool,
	    struct storage_resources *out, struct err *);
int	 storage_info_volumes(struct engine *, const char *pool,
	    struct storage_volume **out, size_t *n, struct err *);

/* network-info.c: the read side of `lxc network` (see struct network). */
int	 network_info_list(struct engine *, struct network **out, size_t *n,
	    struct err *);
int	 network_info_state(struct engine *, const char *name,
	    struct network_state *out, struct err *);
int	 network_info_leases(struct engine *, const char *name,
	    struct network_lease **out, size_t *n, struct err *);

/* instance.c: rows, expanded config and state (reads only). */
int	 instance_load(struct engine *, const char *name, unsigned flags,
	    struct instance *out, struct err *);
int	 instance_load_all(struct engine *, unsigned flags, struct instance **out,
	    size_t *n, struct err *);
int	 instance_read_state(struct engine *, const char *name,
	    struct instance_state *out, struct err *);
int	 instance_id(struct engine *, const char *name, int64_t *id, char **storage,
	    char **base_image, struct err *);
bool	 instance_is_running(struct engine *, const char *name);
/* The running instance's init pid, or 0. */
pid_t	 instance_init_pid(struct engine *, const char *name);
/* liblxc's handle of the container (caller puts it), and its status
 * (STATUS_*) as liblxc tells it; a NULL or undefined one is stopped. */
struct lxc_container *instance_lxc(struct engine *, const char *name);
int	 instance_lxc_status(struct lxc_container *);
/* Records the init (pid > 0) of a started container, or a stop (0). */
void	 instance_runtime_write(struct engine *, const char *name, pid_t pid);

/* instance-run.c: the lifecycle primitives, run inside helpers (instance
 * ops and snapshot restores); they start no op and emit no event. */
/* Re-renders the LXC config of an instance (after a profile change) and
 * pushes changed limits into a running one. */
int	 instance_run_apply(struct engine *, const char *name, struct err *);
int	 instance_run_start(struct engine *, const char *name, struct err *);
int	 instance_run_stop(struct engine *, const char *name, int timeout, bool force,
	    struct err *);
/* Freezes (freeze) or unfreezes a container; 400 when it is not running
 * (not frozen). */
int	 instance_run_freeze(struct engine *, const char *name, bool freeze,
	    struct err *);

/* instance-op.c: the operations on instances. */
int	 instance_op_create(struct engine *, const struct instance_create *,
	    char **op_id, struct err *);
int	 instance_op_update(struct engine *, const char *name,
	    const struct instance_put *, char **op_id, struct err *);
int	 instance_op_action(struct engine *, const char *name, const char *action,
	    int timeout, bool force, bool stateful, char **op_id, struct err *);
int	 instance_op_delete(struct engine *, const char *name, char **op_id,
	    struct err *);
int	 instance_op_rename(struct engine *, const char *name, const char *newname,
	    char **op_id, struct err *);
/* Removes half-made instances left by a killed process. */
void	 instance_op_recover(struct engine *);

/* instance-exec.c */
int	 instance_exec(struct engine *, const char *name, const struct exec_req *,
	    struct exec_handle **out, struct err *);
int	 instance_console(struct engine *, const char *name, int w, int h,
	    struct exec_handle **out, struct err *);
int	 instance_exec_resize(struct engine *, struct exec_handle *, int w, int h,
	    struct err *);
int	 instance_exec_signal(struct engine *, struct exec_handle *, int sig,
	    struct err *);
void	 instance_exec_close(struct engine *, struct exec_handle *);

/* snapshot.c: reading snapshots. */
int	 snapshot_load_all(struct engine *, const char *inst, struct snapshot **out,
	    size_t *n, struct err *);
int	 snapshot_load(struct engine *, const char *inst, const char *snap,
	    struct snapshot *out, struct err *);
/* The row of snapshot snap of instance inst_id: its id, and the snapshot
 * without config (out may be NULL); 404 when there is none. */
int	 snapshot_row(struct engine *, int64_t inst_id, const char *snap, int64_t *id,
	    struct snapshot *out, struct err *);
bool	 snapshot_exists(struct engine *, int64_t inst_id, const char *snap);
/* Copies an instance's snapshot rows to another instance (copy). */
int	 snapshot_copy_rows(struct engine *, int64_t from_id, int64_t to_id,
	    struct err *);
/* CRIU usable here?  Cached; reason filled when not. */
bool	 snapshot_stateful_supported(struct engine *);

/* snapshot-op.c: what changes snapshots. */
int	 snapshot_op_create(struct engine *, const char *inst, const char *snap,
	    bool stateful, int64_t expires_ns, char **op_id, struct err *);
int	 snapshot_op_rename(struct engine *, const char *inst, const char *snap,
	    const char *newname, char **op_id, struct err *);
int	 snapshot_op_delete(struct engine *, const char *inst, const char *snap,
	    char **op_id, struct err *);
int	 snapshot_op_restore(struct engine *, const char *inst, const char *snap,
	    bool stateful, char **op_id, struct err *);
int	 snapshot_op_set_expiry(struct engine *, const char *inst, const char *snap,
	    int64_t expires_ns, struct err *);
/* Deletes expired snapshots (run from the watch timer). */
void	 snapshot_op_expire(struct engine *);

/* snapshot-diff.c */
#define SNAPSHOT_DIFF_MAX	1000	/* lines before "... N more" */
/* Appends to out "M|A|D /path" lines (directories end in "/"), the files
 * changed since the snapshot, sorted, at most max then "... N more".
 * Overlay storage only: 501 on dir, 404 for an unknown instance/snapshot. */
int	 snapshot_diff_files(struct engine *, const char *inst, const char *snap,
	    size_t max, struct strv *out, struct err *);
/* watch.c */
/* Starts following other processes' events (through the database) and
 * the running containers' init processes (a container that stops by itself
 * is reported, and deleted when ephemeral). */
void	 watch_start(struct engine *, watch_chores_fn);
void	 watch_stop(struct engine *);
/* Watches one running instance's init (after a start). */
void	 watch_instance(struct engine *, const char *name);
/* event.c: records a lifecycle event for the other processes. */
void	 event_record(struct engine *, const char *action, const char *source,
	    const struct strmap *context);
/* instance-file.c */
int	 instance_file_get(struct engine *, const char *name, const char *path,
	    struct file_info *out, struct err *);
int	 instance_file_put(struct engine *, const char *name, const char *path,
	    const struct file_info *info, bool append, struct err *);
int	 instance_file_delete(struct engine *, const char *name, const char *path,
	    struct err *);
/* The same on the loop (backend file_start/file_cancel). */
int	 instance_file_start(struct engine *, const struct file_req *,
	    file_done_cb done, void *arg, struct file_op **out, struct err *);
void	 instance_file_cancel(struct file_op *);
#endif
