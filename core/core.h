/*
 * core.h - the contract between the layers, and the map of core/.
 *
 * The TUI and the API server see containers only through this file: the
 * model (instances, snapshots, profiles, images, operations, events) and a
 * vtable, struct backend_ops, implemented three times:
 *
 *   engine/backend-local.c          the embedded engine (liblxc on this host, local:)
 *   remote/client/backend-remote.c  the LXD REST API (lxdeckd, LXD, Incus)
 *   core/backend-fake.c             a deterministic in-memory fake for screen tests
 *
 * and combined by core/backend-multi.c, one backend over several remotes.
 * The rest of core/:
 *
 *   model.c       freeing and copying the model's value types
 *   name.c        what an instance, snapshot or profile may be called
 *   config-key.c  which config keys exist and what values they take
 *
 * name.c and config-key.c are LXD 5.0.2's rules, the one set every backend
 * and the TUI's forms use: the fake accepts and refuses exactly what the
 * engine does, with the same message.
 *
 * Rules of the contract:
 * - Every method takes the backend first and a struct err * last, returns 0
 *   on success and -1 with the error set (code = HTTP status, message names
 *   the object) on failure.
 * - Objects handed out (struct instance *, arrays of them, char * ids) belong
 *   to the caller, who frees them with the matching *_free function below.
 *   Objects passed in are borrowed for the duration of the call.
 * - Slow actions (create, start, stop, delete, snapshot, restore, image
 *   import, publish, ...) are operations: the method returns at once with the
 *   operation id in *op_id (caller frees; op_id may be NULL when the caller
 *   does not care).  Completion is reported by an EV_OPERATION event whose
 *   op has a final status (>= 200), and op_wait() blocks (running the
 *   backend's loop) until then.  A method that fails before the operation
 *   starts (bad name, unknown key, ...) returns -1 and creates no operation.
 * - Events are delivered on the loop the backend was created with, from
 *   within uv_run(); subscribers must not block.
 */
#ifndef LXDECK_BACKEND_H
#define LXDECK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/common.h"

/* LXD status codes (lxd-api.md 1.2); instance and operation status use them. */
enum status_code {
	STATUS_NONE		= 0,
	STATUS_CREATED		= 100,
	STATUS_STARTED		= 101,
	STATUS_STOPPED		= 102,
	STATUS_RUNNING		= 103,
	STATUS_CANCELLING	= 104,
	STATUS_PENDING		= 105,
	STATUS_STARTING		= 106,
	STATUS_STOPPING		= 107,
	STATUS_ABORTING		= 108,
	STATUS_FREEZING		= 109,
	STATUS_FROZEN		= 110,
	STATUS_THAWED		= 111,
	STATUS_ERROR		= 112,
	STATUS_READY		= 113,
	STATUS_SUCCESS		= 200,
	STATUS_FAILURE		= 400,
	STATUS_CANCELLED	= 401,
};
/* "Running", "Stopped", ... as LXD spells them; "" for unknown codes. */
const char *status_code_name(int code);

struct nic_addr {
	char	*family;	/* inet, inet6 */
	char	*address;
	char	*netmask;	/* prefix length as text, "24" */
	char	*scope;		/* global, link, local */
};

struct nic_state {
	char		*name;		/* eth0 */
	char		*type;		/* broadcast, loopback */
	char		*state;		/* up, down */
	char		*hwaddr;
	char		*host_name;	/* host side veth */
	int		 mtu;
	int64_t		 bytes_received, bytes_sent;
	int64_t		 packets_received, packets_sent;
	size_t		 naddrs;
	struct nic_addr	*addrs;
};

struct instance_state {
	int		 status;	/* STATUS_RUNNING, STATUS_STOPPED, ... */
	pid_t		 pid;		/* init's pid on the host, 0 if stopped */
	int64_t		 processes;
	int64_t		 memory_usage, memory_peak;	/* bytes */
	int64_t		 swap_usage, swap_peak;
	int64_t		 cpu_usage_ns;
	int64_t		 disk_usage;	/* root disk bytes, -1 unknown */
	size_t		 nnics;
	struct nic_state *nics;
};

struct snapshot {
	char		*name;		/* bare name, "snap0" */
	char		*architecture;
	char		*description;
	bool		 stateful;
	bool		 ephemeral;
	int64_t		 created_ns;
	int64_t		 last_used_ns;
	int64_t		 expires_ns;	/* 0: never */
	int64_t		 size;		/* bytes, -1 unknown */
	struct strv	 profiles;
	struct strmap	 config;
	struct devmap	 devices;
	struct strmap	 expanded_config;
	struct devmap	 expanded_devices;
};

struct instance {
	char		*name;
	char		*description;
	char		*architecture;	/* x86_64 */
	char		*type;		/* "container" */
	char		*location;	/* "none" unless clustered */
	char		*project;	/* "default" */
	/* The member of a merged list it comes from ("lab"), set by
	 * backend-multi.c, which addresses it as REMOTE:NAME; NULL elsewhere. */
	char		*remote;
	int		 status;	/* STATUS_RUNNING, ... */
	bool		 ephemeral;
	bool		 stateful;
	int64_t		 created_ns;
	int64_t		 last_used_ns;
	struct strv	 profiles;	/* in expansion order */
	struct strmap	 config;	/* local, includes volatile.* */
	struct devmap	 devices;	/* local */
	struct strmap	 expanded_config;
	struct devmap	 expanded_devices;

	/* Filled only when asked for with INSTANCE_WITH_STATE / _SNAPSHOTS. */
	struct instance_state *state;
	size_t		 nsnapshots;
	struct snapshot	*snapshots;
};

/* Flags for instance_list() and instance_get(). */
#define INSTANCE_WITH_STATE	0x1
#define INSTANCE_WITH_SNAPSHOTS	0x2

/* What a create request carries (POST /1.0/instances). */
enum instance_source_type {
	SOURCE_IMAGE,		/* from a local image: alias, fingerprint or prefix */
	SOURCE_COPY,		/* from an instance or "instance/snapshot" */
	SOURCE_NONE,		/* empty instance */
};

struct instance_create {
	const char	*name;		/* NULL or "": the backend picks one */
	const char	*description;
	enum instance_source_type source;
	const char	*image;		/* SOURCE_IMAGE: alias, fingerprint or unique prefix */
	const char	*image_server;	/* NULL: local; else a remote image server URL */
	const char	*image_protocol; /* "simplestreams" | "lxd" */
	const char	*image_certificate; /* PEM to pin for image_server, or NULL */
	const char	*image_secret;	/* download token of a private image, or NULL */
	const char	*copy_from;	/* SOURCE_COPY: "inst" or "inst/snap" */
	bool		 instance_only;	/* SOURCE_COPY: do not copy snapshots */
	bool		 has_profiles;	/* false: image's profiles or ["default"] */
	struct strv	 profiles;	/* used when has_profiles (may be empty) */
	struct strmap	 config;
	struct devmap	 devices;
	bool		 ephemeral;
	const char	*storage;	/* NULL: default ("overlay" where supported) */
};

/* The writable part of an instance (PUT /1.0/instances/NAME). */
struct instance_put {
	const char	*description;
	bool		 ephemeral;
	struct strv	 profiles;
	struct strmap	 config;	/* full local config, volatile.* as read */
	struct devmap	 devices;
};

struct profile {
	char		*name;
	char		*description;
	struct strmap	 config;
	struct devmap	 devices;
	struct strv	 used_by;	/* "/1.0/instances/NAME" */
};

/* A network as `lxc network` shows it: the host's interfaces (veths
 * left out, as LXD does), the server's own bridge managed. */
struct network {
	char		*name;
	char		*description;
	char		*type;		/* bridge, physical, loopback, bond, vlan, unknown */
	bool		 managed;
	char		*status;	/* managed: "Created" (or "Pending"); else "" */
	struct strmap	 config;	/* managed: ipv4.address, ipv4.nat, ipv6.address */
	struct strv	 used_by;	/* profiles, then instances (API URLs) */
};

struct network_address {
	char	*family;		/* inet, inet6 */
	char	*address;
	int	 netmask;		/* prefix length */
	char	*scope;			/* global, link, local */
};

/* GET /1.0/networks/NAME/state. */
struct network_state {
	char			*state;		/* up, down */
	char			*type;		/* broadcast, loopback, point-to-point, unknown */
	char			*hwaddr;
	int64_t			 mtu;
	struct network_address	*addresses;
	size_t			 naddresses;
	int64_t			 bytes_received, bytes_sent;
	int64_t			 packets_received, packets_sent;
	bool			 bridge;	/* the bridge_* fields mean something */
	char			*bridge_id;	/* "8000.00163e28b642" */
	int64_t			 bridge_forward_delay;
	bool			 bridge_stp;
	bool			 bridge_vlan_filtering;
	int64_t			 bridge_vlan_default;
	struct strv		 bridge_upper_devices;
};

/* A DHCP lease on a managed network (and its gateway). */
struct network_lease {
	char	*hostname;
	char	*hwaddr;
	char	*address;
	char	*type;			/* gateway, dynamic */
	char	*location;
};

/* Something about the host the server noticed (`lxc warning`), kept
 * across restarts and counted each boot it is seen again. */
struct warning {
	char		*uuid;
	char		*type;		/* what, e.g. "AppArmor support has been disabled" */
	char		*message;	/* the last details */
	char		*severity;	/* low, moderate, high */
	char		*status;	/* new, acknowledged, resolved */
	int64_t		 count;
	int64_t		 first_seen_ns, last_seen_ns;
};

/* The one storage pool ("default") as `lxc storage` shows it. */
struct storage_pool {
	char		*name;
	char		*description;
	char		*driver;	/* dir, overlay */
	char		*status;	/* "Created" */
	struct strmap	 config;	/* source */
	struct strv	 used_by;	/* instances, then profiles (API URLs) */
};

struct storage_resources {
	uint64_t	 space_total, space_used;
	uint64_t	 inodes_total, inodes_used;
};

/* An instance's root volume, or one of its snapshots ("inst/snap"). */
struct storage_volume {
	char		*name;
	char		*type;		/* "container" */
	bool		 snapshot;
	struct strv	 used_by;
};

struct image_alias {
	char	*name;
	char	*description;
	char	*target;	/* fingerprint */
	char	*type;		/* "container" */
};

/* One file of an image as LXD exports it (image_export). */
struct image_export_file {
	char	*name;		/* FP.tar.gz, meta-FP.tar.xz, FP.squashfs, ... */
	int	 fd;		/* open for reading, at offset 0 */
	int64_t	 size;
};

struct image {
	char		*fingerprint;	/* sha256 hex, 64 chars */
	char		*filename;
	char		*architecture;
	char		*type;		/* "container" */
	int64_t		 size;
	bool		 public;
	bool		 auto_update;
	bool		 cached;	/* pulled from a server, may expire */
	struct strmap	 properties;	/* os, release, description, ... */
	struct strv	 profiles;
	size_t		 naliases;
	struct image_alias *aliases;
	int64_t		 created_ns, uploaded_ns, last_used_ns, expires_ns;
	struct strmap	 update_source;	/* server, protocol, alias, certificate */
};

enum op_class { OP_CLASS_TASK, OP_CLASS_WEBSOCKET, OP_CLASS_TOKEN };

/* A snapshot of an operation's public state (GET /1.0/operations/ID). */
struct op_info {
	char		*id;		/* UUID */
	enum op_class	 cls;
	char		*description;	/* "Creating instance" */
	int64_t		 created_ns, updated_ns;
	int		 status;	/* STATUS_PENDING, _RUNNING, _SUCCESS, ... */
	bool		 may_cancel;
	char		*err;		/* failure message, "" otherwise */
	char		*location;	/* "none" */
	/* resources: "instances" -> ["/1.0/instances/x"], "containers" -> ... */
	struct strmap	 resources;	/* value: comma-separated URLs */
	/* Free-form string metadata: "*_progress" texts, "fingerprint", ... */
	struct strmap	 metadata;
	bool		 has_return;	/* exec: metadata "return" is the exit code */
	int		 ret;
};

enum event_type { EVENT_LIFECYCLE, EVENT_OPERATION, EVENT_LOGGING };

struct event {
	enum event_type	 type;
	int64_t		 timestamp_ns;
	const char	*project;	/* "default" */
	const char	*location;	/* "none" */
	/* EVENT_LIFECYCLE */
	const char	*action;	/* "instance-started" */
	const char	*source;	/* "/1.0/instances/c1" */
	const struct strmap *context;
	/* EVENT_OPERATION */
	const struct op_info *op;
	/* EVENT_LOGGING */
	const char	*level;		/* "info", "debug", ... */
	const char	*message;
};
/* Everything an event points to is borrowed for the duration of the call. */
typedef void (*event_cb)(const struct event *, void *arg);

/*
 * A running exec or console session.  For an interactive session fds[0] is
 * the pty master (read output, write input) and fds[1], fds[2] are -1;
 * otherwise fds[0..2] are stdin (write), stdout and stderr (read).  The
 * backend owns the fds: they stay open until exec_close().  When the process
 * exits (or the console detaches), exited becomes true, status holds the
 * exit status as LXD reports it (128+signal for a signal death; -1 when it
 * is unknown, e.g. the connection to a remote dropped) and on_exit, if set,
 * is called from the loop.
 */
struct exec_handle {
	int	 fds[3];
	bool	 interactive;
	bool	 exited;
	int	 status;
	char	*op_id;			/* the operation of the session */
	void	(*on_exit)(struct exec_handle *, void *arg);
	void	*arg;
	void	*priv;			/* the backend's */
};

struct exec_req {
	struct strv	 argv;
	struct strmap	 env;		/* added to the instance's environment.* */
	bool		 interactive;
	int		 width, height;
	uid_t		 uid;
	gid_t		 gid;
	const char	*cwd;		/* NULL: /root */
};

enum file_type { FILE_REGULAR, FILE_DIRECTORY, FILE_SYMLINK };

struct file_info {
	enum file_type	 type;
	uid_t		 uid;
	gid_t		 gid;
	mode_t		 mode;		/* permission bits */
	int64_t		 mtime_ns;
	char		*content;	/* regular file (size len), symlink target */
	size_t		 len;
	struct strv	 entries;	/* directory */
};

/* A file operation run by a helper (backend file_start). */
enum file_op_kind { FILE_OP_GET, FILE_OP_PUT, FILE_OP_DELETE };
struct file_req {
	enum file_op_kind op;
	const char	*inst;
	const char	*path;
	struct file_info info;		/* PUT: type, uid, gid, mode; content
					 * (len): a symlink's target, or the data
					 * when data_fd is -1 */
	bool		 append;
	int		 data_fd;	/* PUT of a regular file: the data, read
					 * from offset 0 to its end (borrowed), or -1 */
};
struct file_op;
/* Called once, on the loop.  err->code 0: info holds the answer (borrowed
 * for the call) and, for a pulled regular file, stream_fd (the callee's
 * now, non-blocking) gives its info->len bytes of content; else -1. */
typedef void (*file_done_cb)(void *arg, const struct file_info *info,
    int stream_fd, const struct err *err);

struct server_info {
	char		*server;	/* "lxdeck" */
	char		*server_name;	/* hostname */
	char		*server_version;
	char		*kernel_version;
	char		*kernel_architecture;
	char		*os_name, *os_version;
	char		*driver, *driver_version;	/* "lxc", "5.0.2" */
	char		*storage, *storage_version;
	struct strv	 storage_drivers;		/* "dir", "overlay" */
	struct strv	 architectures;
	struct strmap	 kernel_features;
	struct strmap	 config;			/* server config */
	bool		 stateful_supported;		/* CRIU usable */
	char		*stateful_reason;		/* why not */
	pid_t		 server_pid;
};

struct backend;
struct uv_loop_s;

struct image_pull;

struct backend_ops {
	const char *name;	/* "local", "remote", "fake" */

	/* Frees the backend; closes sessions, unsubscribes everyone. */
	void	(*free)(struct backend *);

	int	(*server_info)(struct backend *, struct server_info *out, struct err *);
	/* Replaces the server config (PUT /1.0). */
	int	(*server_update)(struct backend *, const struct strmap *config, struct err *);

	/* Instances.  flags: INSTANCE_WITH_*.  *out is an array of *n. */
	int	(*instance_list)(struct backend *, unsigned flags,
		    struct instance **out, size_t *n, struct err *);
	int	(*instance_get)(struct backend *, const char *name, unsigned flags,
		    struct instance **out, struct err *);
	int	(*instance_state)(struct backend *, const char *name,
		    struct instance_state **out, struct err *);
	int	(*instance_create)(struct backend *, const struct instance_create *,
		    char **op_id, struct err *);
	/* Validates at once (unknown keys, bad values, missing profiles). */
	int	(*instance_update)(struct backend *, const char *name,
		    const struct instance_put *, char **op_id, struct err *);
	/* action: "start", "stop", "restart", "freeze", "unfreeze".
	 * timeout in seconds (-1: the default, 0: none; stop falls back to
	 * force when it expires). */
	int	(*instance_action)(struct backend *, const char *name, const char *action,
		    int timeout, bool force, bool stateful, char **op_id, struct err *);
	/* Refused with 400 while running. */
	int	(*instance_delete)(struct backend *, const char *name, char **op_id,
		    struct err *);
	int	(*instance_rename)(struct backend *, const char *name, const char *newname,
		    char **op_id, struct err *);

	/* Snapshots of one instance, oldest first. */
	int	(*snapshot_list)(struct backend *, const char *inst,
		    struct snapshot **out, size_t *n, struct err *);
	int	(*snapshot_get)(struct backend *, const char *inst, const char *snap,
		    struct snapshot **out, struct err *);
	/* name NULL or "": next free snapN.  expires_ns 0: from snapshots.expiry
	 * or never.  stateful: refused up front where CRIU does not work. */
	int	(*snapshot_create)(struct backend *, const char *inst, const char *snap,
		    bool stateful, int64_t expires_ns, char **op_id, struct err *);
	int	(*snapshot_rename)(struct backend *, const char *inst, const char *snap,
		    const char *newname, char **op_id, struct err *);
	int	(*snapshot_delete)(struct backend *, const char *inst, const char *snap,
		    char **op_id, struct err *);
	int	(*snapshot_restore)(struct backend *, const char *inst, const char *snap,
		    bool stateful, char **op_id, struct err *);
	int	(*snapshot_update)(struct backend *, const char *inst, const char *snap,
		    int64_t expires_ns, struct err *);

	/* Profiles. */
	int	(*profile_list)(struct backend *, struct profile **out, size_t *n,
		    struct err *);
	int	(*profile_get)(struct backend *, const char *name, struct profile **out,
		    struct err *);
	int	(*profile_create)(struct backend *, const struct profile *, struct err *);
	/* Replaces config, description and devices; re-applies to used_by. */
	int	(*profile_update)(struct backend *, const char *name,
		    const struct profile *, struct err *);
	int	(*profile_rename)(struct backend *, const char *name, const char *newname,
		    struct err *);
	/* Refused with 400 while in use, naming the users. */
	int	(*profile_delete)(struct backend *, const char *name, struct err *);

	/* Images.  ref: alias, full fingerprint or unique prefix. */
	int	(*image_list)(struct backend *, struct image **out, size_t *n,
		    struct err *);
	int	(*image_get)(struct backend *, const char *ref, struct image **out,
		    struct err *);
	/* Imports a unified tarball (rootfs == NULL) or a split image from files
	 * on this host.  Final op metadata: "fingerprint", "size". */
	int	(*image_import)(struct backend *, const char *meta_path,
		    const char *rootfs_path, const struct strmap *properties,
		    bool public, char **op_id, struct err *);
	int	(*image_update)(struct backend *, const char *fingerprint,
		    const struct image *put, struct err *);
	int	(*image_delete)(struct backend *, const char *fingerprint, char **op_id,
		    struct err *);
	/* Opens the image's files as LXD exports them, copying nothing: one
	 * (unified) or two (split: the metadata, then the rootfs); *n says
	 * how many.  The caller closes the fds and frees the names. */
	int	(*image_export)(struct backend *, const char *fingerprint,
		    struct image_export_file out[2], size_t *n, struct err *);
	/* source: "inst" or "inst/snap".  Final op metadata: "fingerprint". */
	int	(*image_publish)(struct backend *, const char *source,
		    const struct strmap *properties, bool public,
		    const char *compression, char **op_id, struct err *);
	int	(*image_alias_list)(struct backend *, struct image_alias **out, size_t *n,
		    struct err *);
	int	(*image_alias_get)(struct backend *, const char *name,
		    struct image_alias **out, struct err *);
	int	(*image_alias_create)(struct backend *, const char *name,
		    const char *target, const char *description, struct err *);
	int	(*image_alias_delete)(struct backend *, const char *name, struct err *);
	/* Copies an image from an image server (`lxc image copy`): see struct
	 * image_pull.  Final op metadata: "fingerprint", "size".  Optional:
	 * NULL when the backend cannot (501). */
	int	(*image_pull)(struct backend *, const struct image_pull *,
		    char **op_id, struct err *);

	/* Exec and console. */
	int	(*exec_start)(struct backend *, const char *inst, const struct exec_req *,
		    struct exec_handle **out, struct err *);
	int	(*console_attach)(struct backend *, const char *inst, int width,
		    int height, struct exec_handle **out, struct err *);
	int	(*exec_resize)(struct backend *, struct exec_handle *, int width,
		    int height, struct err *);
	int	(*exec_signal)(struct backend *, struct exec_handle *, int signo,
		    struct err *);
	/* Kills a session still running (console: detaches) and frees h. */
	void	(*exec_close)(struct backend *, struct exec_handle *h);
	/* The console log (what the console printed), raw bytes. */
	int	(*console_log)(struct backend *, const char *inst, char **buf,
		    size_t *len, struct err *);
	/* The instance's runtime log (liblxc's lxc.log as `lxc info
	 * --show-log` shows it), raw bytes, caller frees.  Optional: NULL
	 * when the backend has none. */
	int	(*instance_log)(struct backend *, const char *inst, char **buf,
		    size_t *len, struct err *);

	/* Networks (`lxc network list/show/info/list-leases`).  Optional:
	 * NULL when the backend has none (501).  *out arrays are freed with
	 * network_array_free / network_lease_array_free; state with
	 * network_state_free_contents.  404 for an unknown name. */
	int	(*network_list)(struct backend *, struct network **out, size_t *n,
		    struct err *);
	int	(*network_state)(struct backend *, const char *name,
		    struct network_state *out, struct err *);
	int	(*network_leases)(struct backend *, const char *name,
		    struct network_lease **out, size_t *n, struct err *);

	/* Storage (`lxc storage list/show/info`, `lxc storage volume list/
	 * show`).  Optional: NULL when the backend has none (501).  404 for
	 * an unknown pool.  Arrays are freed with storage_pool_array_free /
	 * storage_volume_array_free. */
	int	(*storage_pool_list)(struct backend *, struct storage_pool **out,
		    size_t *n, struct err *);
	int	(*storage_pool_resources)(struct backend *, const char *pool,
		    struct storage_resources *out, struct err *);
	int	(*storage_volume_list)(struct backend *, const char *pool,
		    struct storage_volume **out, size_t *n, struct err *);

	/* Warnings (`lxc warning list/show/ack/delete`).  Optional: NULL when
	 * the backend keeps none (501).  status: "new" or "acknowledged".
	 * 404 for an unknown uuid.  Arrays: warning_array_free. */
	int	(*warning_list)(struct backend *, struct warning **out, size_t *n,
		    struct err *);
	int	(*warning_set_status)(struct backend *, const char *uuid,
		    const char *status, struct err *);
	int	(*warning_delete)(struct backend *, const char *uuid, struct err *);

	/* Files inside an instance; paths are resolved inside its rootfs and
	 * never follow a link out of it. */
	int	(*file_get)(struct backend *, const char *inst, const char *path,
		    struct file_info *out, struct err *);
	/* info->content/len: data (or the link target); append: add to the end. */
	int	(*file_put)(struct backend *, const char *inst, const char *path,
		    const struct file_info *info, bool append, struct err *);
	int	(*file_delete)(struct backend *, const char *inst, const char *path,
		    struct err *);
	/* The same without waiting (optional: NULL when the backend has only
	 * the calls above).  The work runs in a helper joined to the
	 * instance; done reports on the loop unless file_cancel (which stops
	 * the helper) comes first.  *op: the handle for file_cancel. */
	int	(*file_start)(struct backend *, const struct file_req *,
		    file_done_cb done, void *arg, struct file_op **op, struct err *);
	void	(*file_cancel)(struct backend *, struct file_op *);

	/* Operations. */
	int	(*op_list)(struct backend *, struct op_info **out, size_t *n,
		    struct err *);
	int	(*op_get)(struct backend *, const char *id, struct op_info *out,
		    struct err *);
	int	(*op_cancel)(struct backend *, const char *id, struct err *);
	/* Runs the loop until the op is final or timeout_ms passes (-1:
	 * forever); out (may be NULL) gets the op as it then is.  Returns 0
	 * when the op succeeded, -1 with err set to the op's error when it
	 * failed, was cancelled or did not finish in time (408). */
	int	(*op_wait)(struct backend *, const char *id, int timeout_ms,
		    struct op_info *out, struct err *);

	/* Events.  Returns a subscription id (> 0) for unsubscribe. */
	int	(*subscribe)(struct backend *, event_cb, void *arg);
	void	(*unsubscribe)(struct backend *, int id);

	/* The files changed in instance inst since its snapshot snap, appended
	 * to out (caller frees with strv_free) as lines "M /path", "A /path"
	 * or "D /path" (modified, added, deleted since the snapshot), sorted
	 * by path, directories ending in "/", at most 1,000 and then one
	 * "... N more" line.  Only where the storage can tell cheaply
	 * (overlay: the upper layers); elsewhere 501 with a message saying
	 * so, as from a remote (LXD has no such API).  May be NULL. */
	int	(*snapshot_diff_files)(struct backend *, const char *inst,
		    const char *snap, struct strv *out, struct err *);
};

struct backend {
	const struct backend_ops *ops;
	char			 *name;		/* the remote's name: "local" */
	struct uv_loop_s	 *loop;
	bool			  read_only;
};

/*
 * Image servers: the engine's hook (engine/image-cache.c).
 *
 * The engine knows nothing about HTTP.  Whoever can talk to image servers
 * (remote/image-fetch.c: simplestreams and the LXD image protocol, with
 * libcurl) registers a fetcher once per process, before the engine starts
 * operations; the engine calls it from its helper processes to resolve and
 * download images for `instance_create.image_server` and for the
 * auto-update of cached images.  With no fetcher registered, a create from
 * an image server fails with 501.  Declared here rather than in engine.h so
 * that the mains (tui/, remote/) can register one without seeing sqlite.
 */
struct image_remote {
	const char	*server;	/* https://images.linuxcontainers.org, unix:///x */
	const char	*protocol;	/* "simplestreams" (default) or "lxd" */
	const char	*certificate;	/* PEM to pin, NULL or "": system CAs */
	const char	*secret;	/* "lxd": download token of a private image */
};
/*
 * POST /1.0/images with source type "image": the image ref (alias,
 * fingerprint or prefix) on remote becomes a local image, not a cached
 * one.  As in LXD, the source is remembered (update_source) only when ref
 * is not the fingerprint, so auto_update can follow the alias; aliases
 * are created on the new image (an existing alias of that name moves).
 */
struct image_pull {
	struct image_remote remote;
	const char	*ref;
	bool		 public;
	bool		 auto_update;
	struct strmap	 properties;	/* added to the server's */
	struct strv	 aliases;
};
/* done and total bytes so far (total 0: unknown), bytes per second. */
typedef void (*image_fetch_progress_fn)(void *arg, const char *what, int64_t done,
    int64_t total, int64_t rate);
struct image_fetcher {
	/* Every container image the server offers: fingerprint, architecture,
	 * properties, aliases, size, created_ns, public.  *out is an array of
	 * *n (caller frees with image_array_free). */
	int	(*list)(const struct image_remote *, struct image **out, size_t *n,
		    struct err *);
	/* ref (alias, fingerprint or unique prefix) on the server; *out is
	 * filled (caller frees its contents).  404 when there is no such image. */
	int	(*resolve)(const struct image_remote *, const char *ref,
		    struct image *out, struct err *);
	/* Downloads image fp into the directory dir: *meta_path and
	 * *rootfs_path (NULL for a unified image) name the files (caller
	 * frees).  The SHA-256 of the files is checked against fp: a mismatch
	 * is a 400 and leaves no file behind. */
	int	(*download)(const struct image_remote *, const char *fp,
		    const char *dir, char **meta_path, char **rootfs_path,
		    image_fetch_progress_fn, void *arg, struct err *);
};
/* Registers the process's fetcher (borrowed for the life of the process);
 * NULL unregisters.  engine_image_fetcher() returns it (or NULL). */
void	 engine_set_image_fetcher(const struct image_fetcher *);
const struct image_fetcher *engine_image_fetcher(void);

/* model.c: freeing and copying the model (all safe on NULL). */
void	 nic_state_free_contents(struct nic_state *);
void	 instance_state_free(struct instance_state *);
void	 snapshot_free_contents(struct snapshot *);
void	 snapshot_array_free(struct snapshot *, size_t n);
void	 instance_free_contents(struct instance *);
void	 instance_free(struct instance *);
void	 instance_array_free(struct instance *, size_t n);
void	 instance_create_free_contents(struct instance_create *);
void	 profile_free_contents(struct profile *);
void	 profile_free(struct profile *);
void	 profile_array_free(struct profile *, size_t n);
void	 image_alias_free_contents(struct image_alias *);
void	 warning_array_free(struct warning *, size_t n);
void	 storage_pool_array_free(struct storage_pool *, size_t n);
void	 storage_volume_array_free(struct storage_volume *, size_t n);
void	 network_free_contents(struct network *);
void	 network_array_free(struct network *, size_t n);
void	 network_state_free_contents(struct network_state *);
void	 network_lease_array_free(struct network_lease *, size_t n);
void	 image_alias_array_free(struct image_alias *, size_t n);
void	 image_free_contents(struct image *);
void	 image_free(struct image *);
void	 image_array_free(struct image *, size_t n);
/* Frees properties and aliases (the strings are the caller's). */
void	 image_pull_free_contents(struct image_pull *);
void	 op_info_free_contents(struct op_info *);
void	 op_info_array_free(struct op_info *, size_t n);
void	 op_info_copy(struct op_info *dst, const struct op_info *src);
void	 file_info_free_contents(struct file_info *);
void	 server_info_free_contents(struct server_info *);
void	 exec_req_free_contents(struct exec_req *);
void	 instance_copy(struct instance *dst, const struct instance *src);
void	 snapshot_copy(struct snapshot *dst, const struct snapshot *src);
void	 profile_copy(struct profile *dst, const struct profile *src);
void	 image_copy(struct image *dst, const struct image *src);
void	 instance_state_copy(struct instance_state *dst, const struct instance_state *src);

/*
 * The rules every backend and the TUI's forms share (LXD 5.0.2's): what an
 * object may be called and which config keys exist.  Every refusal is a 400
 * naming the object; the fake refuses exactly what the engine refuses.
 */

/* name.c: instance names are DNS labels (1-63 letters, digits and '-', not
 * starting with a digit or '-', not ending with '-'); snapshot names hold no
 * '/', '?', '&', '+' or space; profile names no '/'. */
int	 name_validate_instance(const char *, struct err *);
int	 name_validate_snapshot(const char *, struct err *);
int	 name_validate_profile(const char *, struct err *);

/* config-key.c: the config keys, their values and the server's namespaces. */
/* Profiles may not hold the instance-only volatile.* and image.* keys. */
enum config_scope { CONFIG_INSTANCE, CONFIG_PROFILE };
/* A value checker returns NULL when the value is fine, or why it is not
 * (borrowed, static text). */
typedef const char *(*config_key_check_fn)(const char *);
/* One raw.idmap entry: kind 'u' or 'g', count ids from host and cont on. */
struct config_key_idmap {
	char		kind;
	uint64_t	host;
	uint64_t	cont;
	uint64_t	count;
};
/* key = value under LXD's rules: 0, or -1 and a 400 naming the key. */
int	 config_key_validate(const char *key, const char *value, enum config_scope,
	    struct err *);
/* The same, but a key these rules do not know is left to the backend (a
 * remote LXD may know it): the TUI's forms check with this. */
int	 config_key_validate_known(const char *key, const char *value,
	    enum config_scope, struct err *);
/* Every key of m (NULL: none), stopping at the first refusal. */
int	 config_key_validate_all(const struct strmap *, enum config_scope,
	    struct err *);
/* The server's config (core.*, images.*, network.*, user.*). */
int	 config_key_validate_server(const struct strmap *, struct err *);
/* The i-th known key, then the namespaces ("user."), NULL past the end
 * (borrowed). */
const char *config_key_name(size_t i);
/* A 400 "Invalid value for KEY: VALUE: why", the value shortened. */
int	 config_key_bad_value(struct err *, const char *key, const char *value,
	    const char *why);
/* The value parsers the checkers use, for those who read the values:
 * 0, or -EINVAL (-ERANGE when out of range). */
int	 config_key_parse_int(const char *, int64_t *);
int	 config_key_parse_uint(const char *, uint64_t *);
/* true/1/yes/on, false/0/no/off, any case. */
int	 config_key_parse_bool(const char *, bool *);
/* "64MiB", "1GB", "512" with LXD's units (no percentage). */
int	 config_key_parse_bytes(const char *, int64_t *bytes);
/* The same or "50%" (of host RAM; -EIO when it cannot be read). */
int	 config_key_parse_size(const char *, int64_t *bytes);
/* limits.cpu.allowance: "N%" (*pct) or "Qms/Pms" (*quota_ms, *period_ms);
 * the others are -1. */
int	 config_key_parse_allowance(const char *, int64_t *pct, int64_t *quota_ms,
	    int64_t *period_ms);
/* raw.idmap's lines; "both" gives two entries.  *out (caller frees) and *n
 * are set only when it returns 0; out may be NULL to only check. */
int	 config_key_parse_idmap(const char *, struct config_key_idmap **out,
	    size_t *n);
const char *config_key_check_bool(const char *);
const char *config_key_check_oneline(const char *);

/* Constructors of the three backends.  NULL with err set on failure. */
struct backend *backend_local_create(struct uv_loop_s *, const char *dir, struct err *);
struct backend *backend_fake_create(struct uv_loop_s *, struct err *);

/*
 * backend-multi.c: one backend merging several (the TUI's `:remote a,b`).
 * Objects are named REMOTE:NAME (instances, profiles, images, aliases,
 * operation ids; URLs "/1.0/instances/REMOTE:NAME"); see the file's top.
 * Takes the members (each named by its b->name, unique, without ':' or
 * ','), also on failure.  Its b->name is "a,b".
 */
struct backend *backend_multi_create(struct uv_loop_s *, struct backend **members,
    size_t n, struct err *);
bool	 backend_multi_is(const struct backend *);
size_t	 backend_multi_count(struct backend *);
/* Member i (borrowed), NULL past the end or when b is no multi. */
struct backend *backend_multi_member(struct backend *, size_t i);
/* Which members failed the last merged list ("remote a: ...; ..."), "" if
 * none or b is no multi (borrowed). */
const char *backend_multi_warning(struct backend *);
#endif
