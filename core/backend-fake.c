/*
 * backend-fake.c - a deterministic in-memory backend (struct backend_ops).
 *
 * The fake holds every object of the model in plain arrays owned by struct
 * fake: instances (each with its state, snapshots and a few files), profiles
 * (`default`, `docker`), one busybox image with its alias, the server config,
 * operations and event subscribers.  Nothing touches the host: it exists so
 * that screen tests and API tests run without root and give the same answers
 * every time.
 *
 * Slow actions behave like the real thing: the method validates at once
 * (404 "Instance not found", 409 already exists, 400 bad name, "The instance
 * is already running", ...) and returns an operation id; the operation goes
 * Pending -> Running -> Success/Failure on later loop iterations (a few ms
 * apart, LXDECK_FAKE_DELAY_MS), its work is done when it ends, and it stays
 * listed for ~5 s after.  Events (lifecycle and operation) are queued and
 * delivered from one uv timer, never synchronously from inside the call that
 * caused them.  That single timer also drives the operations, so an idle
 * fake costs no CPU.
 *
 * Seeding: a fixed set of six instances by default; LXDECK_FAKE_INSTANCES=N
 * seeds c0001..cN instead (mixed Running/Stopped/Frozen, varied memory and
 * CPU), for benchmarks.
 *
 * Changes "from outside": LXDECK_FAKE_CONTROL=/path names a FIFO (created if
 * missing) from which lines like `start c0002`, `stop web1`, `create web9`,
 * `delete web9`, `snapshot db1 s1`, `set web1 user.k v`, `rename a b` are
 * read and applied through the same operations, so subscribers see the
 * events a real concurrent client would cause.
 *
 * Names and config keys are checked with the engine's own rules (core/name.c,
 * core/config-key.c): what the engine refuses, the fake refuses with the
 * same message.  Devices are not checked.
 *
 * Exec and console are not simulated: they return 501.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "core.h"

#define FAKE_OP_KEEP_NS		(5LL * 1000 * 1000 * 1000)
#define FAKE_BASE_NS		(1704067200LL * 1000 * 1000 * 1000) /* 2024-01-01 */
#define FAKE_MIB		(1024LL * 1024)
#define FAKE_IMAGE_FP \
	"3f1a9c2e8b7d6054a1e2f3c4b5a69788d9e0f1a2b3c4d5e6f708192a3b4c5d6e"

struct fake_inst {
	struct instance	 in;		/* state and snapshots always filled */
	int		 ipn;		/* eth0 is 10.0.3.ipn */
	struct strmap	 files;		/* path -> content */
};

enum fake_job {
	JOB_CREATE, JOB_ACTION, JOB_DELETE, JOB_RENAME, JOB_UPDATE,
	JOB_SNAP_CREATE, JOB_SNAP_RENAME, JOB_SNAP_DELETE, JOB_SNAP_RESTORE,
	JOB_IMAGE_DELETE, JOB_IMAGE_IMPORT, JOB_PUBLISH,
};

struct fake_op {
	struct op_info	 info;
	enum fake_job	 job;
	char		*inst;		/* instance the job acts on */
	char		*arg;		/* action, new name, snapshot, ... */
	char		*arg2;		/* snapshot new name */
	bool		 stateful;
	struct instance	*newinst;	/* JOB_CREATE, JOB_UPDATE */
	uint64_t	 due_ms;	/* next stage, uv_now() time */
	int64_t		 ended_ns;	/* 0 while running */
};

struct fake_event {
	struct event	 ev;
	char		*action, *source, *level, *message;
	struct strmap	 context;
	struct op_info	 op;
	struct fake_event *next;
};

struct fake_sub {
	int		 id;
	event_cb	 cb;
	void		*arg;
};

struct fake {
	struct backend	 b;		/* first: a struct backend * is a struct fake * */
	struct fake_inst *insts;
	size_t		 ninsts;
	struct profile	*profiles;
	size_t		 nprofiles;
	struct image	*images;
	size_t		 nimages;
	struct strmap	 server_config;

	struct fake_op	**ops;
	size_t		 nops;
	uint64_t	 op_seq;
	int		 next_ipn;
	int		 next_auto_name;
	unsigned	 delay_ms;

	struct fake_sub	*subs;
	size_t		 nsubs;
	int		 next_sub;
	struct fake_event *evhead, *evtail;

	uv_timer_t	 timer;
	bool		 has_control;
	uv_poll_t	 control;
	int		 control_fd;
	char		 control_buf[1024];
	size_t		 control_len;
	int		 nhandles;	/* open uv handles; freed when 0 */
	bool		 freed;
};

static const struct backend_ops fake_ops;
static void	fake_kick(struct fake *);

/* ---- small helpers ---- */

static struct fake *
fake_of(struct backend *b)
{
	return (struct fake *)b;
}

static struct fake_inst *
fake_find_inst(struct fake *f, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < f->ninsts; i++)
		if (strcmp(f->insts[i].in.name, name) == 0)
			return &f->insts[i];
	return NULL;
}

static struct profile *
fake_find_profile(struct fake *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nprofiles; i++)
		if (strcmp(f->profiles[i].name, name) == 0)
			return &f->profiles[i];
	return NULL;
}

static struct snapshot *
fake_find_snap(struct fake_inst *fi, const char *name)
{
	size_t i;

	for (i = 0; i < fi->in.nsnapshots; i++)
		if (strcmp(fi->in.snapshots[i].name, name) == 0)
			return &fi->in.snapshots[i];
	return NULL;
}

/* The image a reference names: alias, full fingerprint or unique prefix. */
static struct image *
fake_find_image(struct fake *f, const char *ref)
{
	struct image *found = NULL;
	size_t i, j, len;

	if (ref == NULL || *ref == '\0')
		return NULL;
	for (i = 0; i < f->nimages; i++)
		for (j = 0; j < f->images[i].naliases; j++)
			if (strcmp(f->images[i].aliases[j].name, ref) == 0)
				return &f->images[i];
	len = strlen(ref);
	for (i = 0; i < f->nimages; i++) {
		if (strncmp(f->images[i].fingerprint, ref, len) != 0)
			continue;
		if (found != NULL)
			return NULL;	/* ambiguous prefix */
		found = &f->images[i];
	}
	return found;
}

static int
fake_check_profiles(struct fake *f, const struct strv *p, struct err *e)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (fake_find_profile(f, p->v[i]) == NULL)
			return err_set(e, 404, "Profile \"%s\" not found", p->v[i]);
	return 0;
}

/* Profiles in order, then the local config and devices, later winning. */
static void
fake_expand(struct fake *f, struct instance *in)
{
	size_t i;

	strmap_free(&in->expanded_config);
	devmap_free(&in->expanded_devices);
	for (i = 0; i < in->profiles.n; i++) {
		struct profile *p = fake_find_profile(f, in->profiles.v[i]);

		if (p == NULL)
			continue;
		strmap_merge(&in->expanded_config, &p->config);
		devmap_merge(&in->expanded_devices, &p->devices);
	}
	strmap_merge(&in->expanded_config, &in->config);
	devmap_merge(&in->expanded_devices, &in->devices);
}

/* Running state numbers derive from ipn, so every run shows the same. */
static void
fake_set_state(struct fake_inst *fi, int status)
{
	struct instance_state *s = fi->in.state;
	struct nic_state *n;
	size_t i;

	for (i = 0; i < s->nnics; i++)
		nic_state_free_contents(&s->nics[i]);
	free(s->nics);
	memset(s, 0, sizeof *s);
	s->status = status;
	fi->in.status = status;
	s->disk_usage = (int64_t)(3 + fi->ipn % 7) * FAKE_MIB;
	if (status != STATUS_RUNNING && status != STATUS_FROZEN)
		return;
	s->pid = 10000 + fi->ipn * 17;
	s->processes = 4 + fi->ipn % 23;
	s->memory_usage = (int64_t)(12 + (fi->ipn * 37) % 500) * FAKE_MIB;
	s->memory_peak = s->memory_usage + 4 * FAKE_MIB;
	s->cpu_usage_ns = (int64_t)((fi->ipn * 7919) % 9000 + 100) * 1000000LL;
	s->nnics = 2;
	s->nics = xcalloc(2, sizeof *s->nics);
	n = &s->nics[0];
	n->name = xstrdup("eth0");
	n->type = xstrdup("broadcast");
	n->state = xstrdup("up");
	n->hwaddr = xasprintf("00:16:3e:00:%02x:%02x", (fi->ipn >> 8) & 0xff,
	    fi->ipn & 0xff);
	n->host_name = xasprintf("veth%04x", fi->ipn);
	n->mtu = 1500;
	n->bytes_received = 1000LL * fi->ipn;
	n->bytes_sent = 700LL * fi->ipn;
	n->naddrs = 2;
	n->addrs = xcalloc(2, sizeof *n->addrs);
	n->addrs[0].family = xstrdup("inet");
	n->addrs[0].address = xasprintf("10.0.%d.%d", 3 + fi->ipn / 250,
	    fi->ipn % 250 + 2);
	n->addrs[0].netmask = xstrdup("24");
	n->addrs[0].scope = xstrdup("global");
	n->addrs[1].family = xstrdup("inet6");
	n->addrs[1].address = xasprintf("fe80::216:3eff:fe00:%x", fi->ipn);
	n->addrs[1].netmask = xstrdup("64");
	n->addrs[1].scope = xstrdup("link");
	n = &s->nics[1];
	n->name = xstrdup("lo");
	n->type = xstrdup("loopback");
	n->state = xstrdup("up");
	n->hwaddr = xstrdup("");
	n->host_name = xstrdup("");
	n->mtu = 65536;
	n->naddrs = 1;
	n->addrs = xcalloc(1, sizeof *n->addrs);
	n->addrs[0].family = xstrdup("inet");
	n->addrs[0].address = xstrdup("127.0.0.1");
	n->addrs[0].netmask = xstrdup("8");
	n->addrs[0].scope = xstrdup("local");
}

static struct fake_inst *
fake_add_inst(struct fake *f, const char *name)
{
	struct fake_inst *fi;

	f->insts = xreallocarray(f->insts, f->ninsts + 1, sizeof *f->insts);
	fi = &f->insts[f->ninsts++];
	memset(fi, 0, sizeof *fi);
	fi->in.name = xstrdup(name);
	fi->in.description = xstrdup("");
	fi->in.architecture = xstrdup("x86_64");
	fi->in.type = xstrdup("container");
	fi->in.location = xstrdup("none");
	fi->in.project = xstrdup("default");
	fi->in.state = xcalloc(1, sizeof *fi->in.state);
	fi->ipn = f->next_ipn++;
	fi->in.created_ns = FAKE_BASE_NS + (int64_t)fi->ipn * 3600LL * 1000000000LL;
	fake_set_state(fi, STATUS_STOPPED);
	return fi;
}

static void
fake_remove_inst(struct fake *f, struct fake_inst *fi)
{
	size_t i = (size_t)(fi - f->insts);

	instance_free_contents(&fi->in);
	strmap_free(&fi->files);
	memmove(&f->insts[i], &f->insts[i + 1],
	    (f->ninsts - i - 1) * sizeof *f->insts);
	f->ninsts--;
}

static void
fake_add_snapshot(struct fake_inst *fi, const char *name, bool stateful,
    int64_t created_ns, int64_t expires_ns)
{
	struct snapshot *s;

	fi->in.snapshots = xreallocarray(fi->in.snapshots, fi->in.nsnapshots + 1,
	    sizeof *fi->in.snapshots);
	s = &fi->in.snapshots[fi->in.nsnapshots++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	s->architecture = xstrdup(fi->in.architecture);
	s->description = xstrdup("");
	s->stateful = stateful;
	s->created_ns = created_ns;
	s->expires_ns = expires_ns;
	s->size = (int64_t)(1 + fi->ipn % 5) * FAKE_MIB;
	strv_copy(&s->profiles, &fi->in.profiles);
	strmap_copy(&s->config, &fi->in.config);
	devmap_copy(&s->devices, &fi->in.devices);
	strmap_copy(&s->expanded_config, &fi->in.expanded_config);
	devmap_copy(&s->expanded_devices, &fi->in.expanded_devices);
}

/* ---- events ---- */

static struct fake_event *
fake_event_new(struct fake *f, enum event_type type)
{
	struct fake_event *fe = xcalloc(1, sizeof *fe);

	fe->ev.type = type;
	fe->ev.timestamp_ns = time_now_ns();
	fe->ev.project = "default";
	fe->ev.location = "none";
	if (f->evtail != NULL)
		f->evtail->next = fe;
	else
		f->evhead = fe;
	f->evtail = fe;
	return fe;
}

static void
fake_event_free(struct fake_event *fe)
{
	free(fe->action);
	free(fe->source);
	free(fe->level);
	free(fe->message);
	strmap_free(&fe->context);
	op_info_free_contents(&fe->op);
	free(fe);
}

/* Queues a lifecycle event; ctx_key/ctx_val may be NULL. */
static void
fake_lifecycle(struct fake *f, const char *action, const char *source,
    const char *ctx_key, const char *ctx_val)
{
	struct fake_event *fe;

	if (f->nsubs == 0)
		return;
	fe = fake_event_new(f, EVENT_LIFECYCLE);
	fe->action = xstrdup(action);
	fe->source = xstrdup(source);
	if (ctx_key != NULL)
		strmap_set(&fe->context, ctx_key, ctx_val);
	fe->ev.action = fe->action;
	fe->ev.source = fe->source;
	fe->ev.context = &fe->context;
	fake_kick(f);
}

/* A lifecycle event of /1.0/COLLECTION/NAME (profiles, images, ...). */
static void
fake_object_event(struct fake *f, const char *action, const char *collection,
    const char *name, const char *ctx_key, const char *ctx_val)
{
	char *src = xasprintf("/1.0/%s/%s", collection, name);

	fake_lifecycle(f, action, src, ctx_key, ctx_val);
	free(src);
}

static void
fake_inst_event(struct fake *f, const char *action, const char *inst,
    const char *snap, const char *ctx_key, const char *ctx_val)
{
	char *src;

	if (snap != NULL)
		src = xasprintf("/1.0/instances/%s/snapshots/%s", inst, snap);
	else
		src = xasprintf("/1.0/instances/%s", inst);
	fake_lifecycle(f, action, src, ctx_key, ctx_val);
	free(src);
}

static void
fake_op_event(struct fake *f, const struct fake_op *op)
{
	struct fake_event *fe;

	if (f->nsubs == 0)
		return;
	fe = fake_event_new(f, EVENT_OPERATION);
	op_info_copy(&fe->op, &op->info);
	fe->ev.op = &fe->op;
	fake_kick(f);
}

static void
fake_deliver_events(struct fake *f)
{
	struct fake_event *fe;
	size_t i;

	while ((fe = f->evhead) != NULL && !f->freed) {
		f->evhead = fe->next;
		if (f->evhead == NULL)
			f->evtail = NULL;
		/* Subscribers may (un)subscribe from their callback. */
		for (i = 0; i < f->nsubs && !f->freed; i++) {
			if (f->subs[i].id > 0)
				f->subs[i].cb(&fe->ev, f->subs[i].arg);
		}
		fake_event_free(fe);
	}
	for (i = 0; i < f->nsubs; ) {
		if (f->subs[i].id <= 0) {
			memmove(&f->subs[i], &f->subs[i + 1],
			    (f->nsubs - i - 1) * sizeof *f->subs);
			f->nsubs--;
		} else
			i++;
	}
}

/* ---- operations ---- */

static char *
fake_uuid(struct fake *f)
{
	uint64_t a, b;

	/* splitmix64 of a counter: deterministic yet UUID-shaped. */
	a = (++f->op_seq) * 0x9e3779b97f4a7c15ULL;
	a = (a ^ (a >> 30)) * 0xbf58476d1ce4e5b9ULL;
	a = (a ^ (a >> 27)) * 0x94d049bb133111ebULL;
	a ^= a >> 31;
	b = a * 0x9e3779b97f4a7c15ULL + f->op_seq;
	return xasprintf("%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

static void
fake_op_free(struct fake_op *op)
{
	op_info_free_contents(&op->info);
	free(op->inst);
	free(op->arg);
	free(op->arg2);
	instance_free(op->newinst);
	free(op);
}

/* Drops ops that ended more than FAKE_OP_KEEP_NS ago. */
static void
fake_op_expire(struct fake *f)
{
	int64_t now = time_now_ns();
	size_t i;

	for (i = 0; i < f->nops; ) {
		if (f->ops[i]->ended_ns != 0 &&
		    now - f->ops[i]->ended_ns > FAKE_OP_KEEP_NS) {
			fake_op_free(f->ops[i]);
			memmove(&f->ops[i], &f->ops[i + 1],
			    (f->nops - i - 1) * sizeof *f->ops);
			f->nops--;
		} else
			i++;
	}
}

static struct fake_op *
fake_find_op(struct fake *f, const char *id)
{
	size_t i;

	for (i = 0; i < f->nops; i++)
		if (strcmp(f->ops[i]->info.id, id) == 0)
			return f->ops[i];
	return NULL;
}

/* Starts an operation on inst (NULL: none); the caller fills job fields. */
static struct fake_op *
fake_op_new(struct fake *f, enum fake_job job, const char *desc,
    const char *inst, char **op_id)
{
	struct fake_op *op = xcalloc(1, sizeof *op);
	char *url;

	fake_op_expire(f);
	op->job = job;
	op->info.id = fake_uuid(f);
	op->info.cls = OP_CLASS_TASK;
	op->info.description = xstrdup(desc);
	op->info.created_ns = op->info.updated_ns = time_now_ns();
	op->info.status = STATUS_PENDING;
	op->info.err = xstrdup("");
	op->info.location = xstrdup("none");
	if (inst != NULL) {
		op->inst = xstrdup(inst);
		url = xasprintf("/1.0/instances/%s", inst);
		strmap_set(&op->info.resources, "instances", url);
		strmap_set(&op->info.resources, "containers", url);
		free(url);
	}
	op->due_ms = uv_now(f->b.loop) + f->delay_ms;
	f->ops = xreallocarray(f->ops, f->nops + 1, sizeof *f->ops);
	f->ops[f->nops++] = op;
	if (op_id != NULL)
		*op_id = xstrdup(op->info.id);
	fake_op_event(f, op);
	fake_kick(f);
	return op;
}

static void
fake_action_apply(struct fake *f, struct fake_inst *fi, const char *action,
    struct err *e)
{
	const char *n = fi->in.name;

	if (strcmp(action, "start") == 0) {
		if (fi->in.status == STATUS_RUNNING || fi->in.status == STATUS_FROZEN) {
			err_set(e, 400, "The instance is already running");
			return;
		}
		fake_set_state(fi, STATUS_RUNNING);
		fi->in.last_used_ns = time_now_ns();
		fake_inst_event(f, "instance-started", n, NULL, NULL, NULL);
	} else if (strcmp(action, "stop") == 0) {
		if (fi->in.status == STATUS_STOPPED) {
			err_set(e, 400, "The instance is already stopped");
			return;
		}
		fake_set_state(fi, STATUS_STOPPED);
		fake_inst_event(f, "instance-stopped", n, NULL, NULL, NULL);
		if (fi->in.ephemeral) {
			fake_inst_event(f, "instance-deleted", n, NULL, NULL, NULL);
			fake_remove_inst(f, fi);
		}
	} else if (strcmp(action, "restart") == 0) {
		if (fi->in.status != STATUS_RUNNING) {
			err_set(e, 400, "The instance isn't running");
			return;
		}
		fake_set_state(fi, STATUS_RUNNING);
		fi->in.last_used_ns = time_now_ns();
		fake_inst_event(f, "instance-restarted", n, NULL, NULL, NULL);
	} else if (strcmp(action, "freeze") == 0) {
		if (fi->in.status != STATUS_RUNNING) {
			err_set(e, 400, "The instance isn't running");
			return;
		}
		fake_set_state(fi, STATUS_FROZEN);
		fake_inst_event(f, "instance-paused", n, NULL, NULL, NULL);
	} else if (strcmp(action, "unfreeze") == 0) {
		if (fi->in.status != STATUS_FROZEN) {
			err_set(e, 400, "The instance is not frozen");
			return;
		}
		fake_set_state(fi, STATUS_RUNNING);
		fake_inst_event(f, "instance-resumed", n, NULL, NULL, NULL);
	}
}

/* The instance's profiles, config and devices become these, expanded again. */
static void
fake_inst_set_config(struct fake *f, struct fake_inst *fi, const struct strv *profiles,
    const struct strmap *config, const struct devmap *devices)
{
	strv_free(&fi->in.profiles);
	strv_copy(&fi->in.profiles, profiles);
	strmap_free(&fi->in.config);
	strmap_copy(&fi->in.config, config);
	devmap_free(&fi->in.devices);
	devmap_copy(&fi->in.devices, devices);
	fake_expand(f, &fi->in);
}

/* The end of an instance job (fi is NULL only for JOB_CREATE). */
static void
fake_job_instance(struct fake *f, struct fake_op *op, struct fake_inst *fi,
    struct err *e)
{
	switch (op->job) {
	case JOB_CREATE:
		if (fake_find_inst(f, op->newinst->name) != NULL) {
			err_set(e, 409, "Instance \"%s\" already exists",
			    op->newinst->name);
			return;
		}
		fi = fake_add_inst(f, op->newinst->name);
		instance_free_contents(&fi->in);
		instance_copy(&fi->in, op->newinst);
		if (fi->in.state == NULL)
			fi->in.state = xcalloc(1, sizeof *fi->in.state);
		fi->in.created_ns = time_now_ns();
		fake_expand(f, &fi->in);
		fake_set_state(fi, STATUS_STOPPED);
		fake_inst_event(f, "instance-created", fi->in.name, NULL, NULL, NULL);
		break;
	case JOB_ACTION:
		fake_action_apply(f, fi, op->arg, e);
		break;
	case JOB_DELETE:
		if (fi->in.status != STATUS_STOPPED) {
			err_set(e, 400, "Instance is running");
			return;
		}
		fake_inst_event(f, "instance-deleted", fi->in.name, NULL, NULL, NULL);
		fake_remove_inst(f, fi);
		break;
	case JOB_RENAME:
		if (fake_find_inst(f, op->arg) != NULL) {
			err_set(e, 409, "Instance \"%s\" already exists", op->arg);
			return;
		}
		fake_inst_event(f, "instance-renamed", op->arg, NULL, "old_name",
		    fi->in.name);
		free(fi->in.name);
		fi->in.name = xstrdup(op->arg);
		break;
	case JOB_UPDATE:
		fi->in.ephemeral = op->newinst->ephemeral;
		free(fi->in.description);
		fi->in.description = xstrdup(op->newinst->description);
		fake_inst_set_config(f, fi, &op->newinst->profiles,
		    &op->newinst->config, &op->newinst->devices);
		fake_inst_event(f, "instance-updated", fi->in.name, NULL, NULL, NULL);
		break;
	default:
		break;
	}
}

/* The end of a snapshot job: op->arg names the snapshot. */
static void
fake_job_snapshot(struct fake *f, struct fake_op *op, struct fake_inst *fi,
    struct err *e)
{
	struct snapshot *s = fake_find_snap(fi, op->arg);
	const char *action = NULL;
	size_t i;

	if (op->job == JOB_SNAP_CREATE && s != NULL) {
		err_set(e, 409, "Snapshot \"%s\" already exists", op->arg);
		return;
	}
	if (op->job != JOB_SNAP_CREATE && s == NULL) {
		err_set(e, 404, "Snapshot not found");
		return;
	}
	switch (op->job) {
	case JOB_SNAP_CREATE:
		fake_add_snapshot(fi, op->arg, op->stateful, time_now_ns(), 0);
		action = "instance-snapshot-created";
		break;
	case JOB_SNAP_RENAME:
		free(s->name);
		s->name = xstrdup(op->arg2);
		fake_inst_event(f, "instance-snapshot-renamed", fi->in.name,
		    op->arg2, "old_name", op->arg);
		return;
	case JOB_SNAP_DELETE:
		i = (size_t)(s - fi->in.snapshots);
		snapshot_free_contents(s);
		memmove(&fi->in.snapshots[i], &fi->in.snapshots[i + 1],
		    (fi->in.nsnapshots - i - 1) * sizeof *s);
		fi->in.nsnapshots--;
		action = "instance-snapshot-deleted";
		break;
	case JOB_SNAP_RESTORE:
		fake_inst_set_config(f, fi, &s->profiles, &s->config, &s->devices);
		action = "instance-snapshot-restored";
		break;
	default:
		return;
	}
	fake_inst_event(f, action, fi->in.name, op->arg, NULL, NULL);
}

/* The end of an image job: a deleted record, or a new one (import,
 * publish) with a fingerprint derived from the op's number. */
static void
fake_job_image(struct fake *f, struct fake_op *op, struct err *e)
{
	struct image *im;
	size_t i;

	if (op->job == JOB_IMAGE_DELETE) {
		for (i = 0; i < f->nimages; i++)
			if (strcmp(f->images[i].fingerprint, op->arg) == 0)
				break;
		if (i == f->nimages) {
			err_set(e, 404, "Image not found");
			return;
		}
		image_free_contents(&f->images[i]);
		memmove(&f->images[i], &f->images[i + 1],
		    (f->nimages - i - 1) * sizeof *f->images);
		f->nimages--;
		fake_object_event(f, "image-deleted", "images",
		    op->arg, NULL, NULL);
		return;
	}
	f->images = xreallocarray(f->images, f->nimages + 1, sizeof *f->images);
	im = &f->images[f->nimages++];
	image_copy(im, &f->images[0]);
	free(im->fingerprint);
	im->fingerprint = xasprintf("%016llx%048d",
	    (unsigned long long)f->op_seq * 0x9e3779b97f4a7c15ULL, 0);
	image_alias_array_free(im->aliases, im->naliases);
	im->aliases = NULL;
	im->naliases = 0;
	im->created_ns = im->uploaded_ns = time_now_ns();
	strmap_set(&op->info.metadata, "fingerprint", im->fingerprint);
	strmap_set(&op->info.metadata, "size", "1048576");
	fake_object_event(f, "image-created", "images",
	    im->fingerprint, NULL, NULL);
}

/* Does the op's work, at its end; e is set when it fails.  Publishing
 * and the instance and snapshot jobs need their instance still there. */
static void
fake_op_run(struct fake *f, struct fake_op *op, struct err *e)
{
	struct fake_inst *fi = fake_find_inst(f, op->inst);

	switch (op->job) {
	case JOB_IMAGE_DELETE:
	case JOB_IMAGE_IMPORT:
		fake_job_image(f, op, e);
		return;
	case JOB_CREATE:
		fake_job_instance(f, op, NULL, e);
		return;
	default:
		break;
	}
	if (fi == NULL) {	/* gone since the op was made */
		err_set(e, 404, "Instance not found");
		return;
	}
	switch (op->job) {
	case JOB_PUBLISH:
		fake_job_image(f, op, e);
		break;
	case JOB_SNAP_CREATE:
	case JOB_SNAP_RENAME:
	case JOB_SNAP_DELETE:
	case JOB_SNAP_RESTORE:
		fake_job_snapshot(f, op, fi, e);
		break;
	default:
		fake_job_instance(f, op, fi, e);
		break;
	}
}

/* Moves an op one stage on: Pending -> Running -> final. */
static void
fake_op_step(struct fake *f, struct fake_op *op)
{
	struct err e = { 0 };

	if (op->info.status == STATUS_PENDING) {
		op->info.status = STATUS_RUNNING;
		op->due_ms = uv_now(f->b.loop) + f->delay_ms;
	} else {
		fake_op_run(f, op, &e);
		if (err_is_set(&e)) {
			op->info.status = STATUS_FAILURE;
			free(op->info.err);
			op->info.err = xstrdup(e.msg);
		} else
			op->info.status = STATUS_SUCCESS;
		op->ended_ns = time_now_ns();
	}
	op->info.updated_ns = time_now_ns();
	fake_op_event(f, op);
}

static void
fake_timer_cb(uv_timer_t *t)
{
	struct fake *f = t->data;
	uint64_t now = uv_now(f->b.loop);
	size_t i;

	for (i = 0; i < f->nops; i++) {
		struct fake_op *op = f->ops[i];

		if (op->ended_ns == 0 && op->due_ms <= now)
			fake_op_step(f, op);
	}
	fake_deliver_events(f);
	if (!f->freed)
		fake_kick(f);
}

/* Arms the one timer for the next thing due: events at once, else an op. */
static void
fake_kick(struct fake *f)
{
	uint64_t now, next = UINT64_MAX;
	size_t i;

	if (f->freed)
		return;
	now = uv_now(f->b.loop);
	if (f->evhead != NULL)
		next = now;
	for (i = 0; i < f->nops; i++)
		if (f->ops[i]->ended_ns == 0 && f->ops[i]->due_ms < next)
			next = f->ops[i]->due_ms;
	if (next == UINT64_MAX) {
		uv_timer_stop(&f->timer);
		return;
	}
	uv_timer_start(&f->timer, fake_timer_cb, next > now ? next - now : 0, 0);
}

/* ---- seeding ---- */

static void
fake_seed_profiles(struct fake *f)
{
	struct strmap props = { 0 };
	struct profile *p;

	f->nprofiles = 2;
	f->profiles = xcalloc(2, sizeof *f->profiles);
	p = &f->profiles[0];
	p->name = xstrdup("default");
	p->description = xstrdup("Default lxdeck profile");
	strmap_set(&props, "type", "nic");
	strmap_set(&props, "nictype", "bridged");
	strmap_set(&props, "parent", "lxdeckbr0");
	strmap_set(&props, "name", "eth0");
	devmap_set(&p->devices, "eth0", &props);
	strmap_free(&props);
	strmap_set(&props, "type", "disk");
	strmap_set(&props, "path", "/");
	strmap_set(&props, "pool", "default");
	devmap_set(&p->devices, "root", &props);
	strmap_free(&props);
	p = &f->profiles[1];
	p->name = xstrdup("docker");
	p->description = xstrdup("Profile supporting docker in containers");
	strmap_set(&p->config, "security.nesting", "true");
	strmap_set(&p->config, "linux.kernel_modules",
	    "bridge,ip_tables,ip6_tables,netlink_diag,nf_nat,overlay");
	strmap_set(&props, "type", "unix-char");
	strmap_set(&props, "path", "/dev/fuse");
	devmap_set(&p->devices, "fuse", &props);
	strmap_free(&props);
}

static void
fake_seed_image(struct fake *f)
{
	struct image *im;

	f->nimages = 1;
	f->images = xcalloc(1, sizeof *f->images);
	im = &f->images[0];
	im->fingerprint = xstrdup(FAKE_IMAGE_FP);
	im->filename = xstrdup("busybox.tar.xz");
	im->architecture = xstrdup("x86_64");
	im->type = xstrdup("container");
	im->size = 1048576;
	im->public = false;
	strmap_set(&im->properties, "os", "busybox");
	strmap_set(&im->properties, "release", "1.35");
	strmap_set(&im->properties, "architecture", "x86_64");
	strmap_set(&im->properties, "description", "Busybox 1.35 x86_64");
	strv_push(&im->profiles, "default");
	im->naliases = 1;
	im->aliases = xcalloc(1, sizeof *im->aliases);
	im->aliases[0].name = xstrdup("busybox");
	im->aliases[0].description = xstrdup("");
	im->aliases[0].target = xstrdup(FAKE_IMAGE_FP);
	im->aliases[0].type = xstrdup("container");
	im->created_ns = im->uploaded_ns = FAKE_BASE_NS;
}

static struct fake_inst *
fake_seed_one(struct fake *f, const char *name, int status, const char *profiles,
    int nsnaps)
{
	struct fake_inst *fi = fake_add_inst(f, name);
	int i;

	strv_split(&fi->in.profiles, profiles, ',');
	strmap_set(&fi->in.config, "image.os", "busybox");
	strmap_set(&fi->in.config, "image.release", "1.35");
	strmap_set(&fi->in.config, "volatile.base_image", FAKE_IMAGE_FP);
	fake_expand(f, &fi->in);
	for (i = 0; i < nsnaps; i++) {
		char sn[16];

		snprintf(sn, sizeof sn, "snap%d", i);
		fake_add_snapshot(fi, sn, false,
		    fi->in.created_ns + (int64_t)(i + 1) * 86400LL * 1000000000LL, 0);
	}
	fake_set_state(fi, status);
	return fi;
}

static void
fake_seed(struct fake *f)
{
	const char *env = getenv("LXDECK_FAKE_INSTANCES");
	struct fake_inst *fi;
	long i, n;

	fake_seed_profiles(f);
	fake_seed_image(f);
	strmap_set(&f->server_config, "core.https_address", "");
	if (env != NULL && *env != '\0') {
		static const int states[] = {
			STATUS_RUNNING, STATUS_STOPPED, STATUS_RUNNING,
			STATUS_FROZEN, STATUS_RUNNING, STATUS_STOPPED,
		};
		n = strtol(env, NULL, 10);
		if (n < 0)
			n = 0;
		for (i = 1; i <= n; i++) {
			char name[32];

			snprintf(name, sizeof name, "c%04ld", i);
			fi = fake_seed_one(f, name, states[i % 6],
			    i % 7 == 0 ? "default,docker" : "default", (int)(i % 4));
			if (i % 5 == 0) {
				strmap_set(&fi->in.config, "user.role", "db");
				fake_expand(f, &fi->in);
			}
		}
		return;
	}
	fi = fake_seed_one(f, "web1", STATUS_RUNNING, "default", 1);
	strmap_set(&fi->in.config, "user.role", "web");
	fake_expand(f, &fi->in);
	fi = fake_seed_one(f, "web2", STATUS_RUNNING, "default", 0);
	strmap_set(&fi->in.config, "user.role", "web");
	fake_expand(f, &fi->in);
	fi = fake_seed_one(f, "db1", STATUS_RUNNING, "default", 3);
	strmap_set(&fi->in.config, "user.role", "db");
	strmap_set(&fi->in.config, "limits.memory", "2GiB");
	fake_expand(f, &fi->in);
	fake_seed_one(f, "cache1", STATUS_FROZEN, "default", 0);
	fi = fake_seed_one(f, "build", STATUS_STOPPED, "default,docker", 2);
	fi = fake_seed_one(f, "old-test", STATUS_STOPPED, "default", 0);
	fi->in.description = (free(fi->in.description), xstrdup("left over"));
}

/* ---- backend_ops: server ---- */

static void
fake_free(struct backend *b)
{
	struct fake *f = fake_of(b);
	struct fake_event *fe;
	size_t i;

	if (f == NULL || f->freed)
		return;
	f->freed = true;
	for (i = 0; i < f->ninsts; i++) {
		instance_free_contents(&f->insts[i].in);
		strmap_free(&f->insts[i].files);
	}
	free(f->insts);
	profile_array_free(f->profiles, f->nprofiles);
	image_array_free(f->images, f->nimages);
	strmap_free(&f->server_config);
	for (i = 0; i < f->nops; i++)
		fake_op_free(f->ops[i]);
	free(f->ops);
	free(f->subs);
	while ((fe = f->evhead) != NULL) {
		f->evhead = fe->next;
		fake_event_free(fe);
	}
	free(f->b.name);
	uv_timer_stop(&f->timer);
	if (f->has_control)
		uv_poll_stop(&f->control);
	/* The struct itself goes when the loop has closed our handles. */
}

static void
fake_handle_closed(uv_handle_t *h)
{
	struct fake *f = h->data;

	if (--f->nhandles == 0) {
		if (f->control_fd >= 0)
			close(f->control_fd);
		free(f);
	}
}

/* The public free: frees contents now, the struct once handles are closed. */
static void
fake_backend_free(struct backend *b)
{
	struct fake *f = fake_of(b);

	if (f == NULL || f->freed)
		return;
	fake_free(b);
	uv_close((uv_handle_t *)&f->timer, fake_handle_closed);
	if (f->has_control)
		uv_close((uv_handle_t *)&f->control, fake_handle_closed);
}

static int
fake_server_info(struct backend *b, struct server_info *out, struct err *e)
{
	struct fake *f = fake_of(b);

	memset(out, 0, sizeof *out);
	out->server = xstrdup("lxdeck");
	out->server_name = xstrdup("fakehost");
	out->server_version = xstrdup("0.1");
	out->kernel_version = xstrdup("6.1.0-fake");
	out->kernel_architecture = xstrdup("x86_64");
	out->os_name = xstrdup("Debian GNU/Linux");
	out->os_version = xstrdup("12");
	out->driver = xstrdup("lxc");
	out->driver_version = xstrdup("5.0.2");
	out->storage = xstrdup("dir");
	out->storage_version = xstrdup("1");
	strv_push(&out->storage_drivers, "dir");
	strv_push(&out->storage_drivers, "overlay");
	strv_push(&out->architectures, "x86_64");
	strmap_set(&out->kernel_features, "idmapped_mounts", "true");
	strmap_set(&out->kernel_features, "seccomp_listener", "true");
	strmap_copy(&out->config, &f->server_config);
	out->stateful_supported = false;
	out->stateful_reason = xstrdup("CRIU is not available in the fake backend");
	out->server_pid = getpid();
	return 0;
}

static int
fake_server_update(struct backend *b, const struct strmap *config, struct err *e)
{
	struct fake *f = fake_of(b);

	if (config_key_validate_server(config, e) < 0)
		return -1;
	strmap_free(&f->server_config);
	strmap_copy(&f->server_config, config);
	return 0;
}

/* ---- backend_ops: instances ---- */

static void
fake_copy_out(struct instance *dst, const struct instance *src, unsigned flags)
{
	instance_copy(dst, src);
	if (!(flags & INSTANCE_WITH_STATE)) {
		instance_state_free(dst->state);
		dst->state = NULL;
	}
	if (!(flags & INSTANCE_WITH_SNAPSHOTS)) {
		snapshot_array_free(dst->snapshots, dst->nsnapshots);
		dst->snapshots = NULL;
		dst->nsnapshots = 0;
	}
}

static int
fake_instance_list(struct backend *b, unsigned flags, struct instance **out,
    size_t *n, struct err *e)
{
	struct fake *f = fake_of(b);
	size_t i;

	*out = f->ninsts ? xcalloc(f->ninsts, sizeof **out) : NULL;
	*n = f->ninsts;
	for (i = 0; i < f->ninsts; i++)
		fake_copy_out(&(*out)[i], &f->insts[i].in, flags);
	return 0;
}

static int
fake_instance_get(struct backend *b, const char *name, unsigned flags,
    struct instance **out, struct err *e)
{
	struct fake_inst *fi = fake_find_inst(fake_of(b), name);

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	*out = xcalloc(1, sizeof **out);
	fake_copy_out(*out, &fi->in, flags);
	return 0;
}

static int
fake_instance_state(struct backend *b, const char *name,
    struct instance_state **out, struct err *e)
{
	struct fake_inst *fi = fake_find_inst(fake_of(b), name);

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	*out = xcalloc(1, sizeof **out);
	instance_state_copy(*out, fi->in.state);
	return 0;
}

/* The record a create makes: a copy of src (without its state, and without
 * its snapshots for instance_only or a snapshot source) or a new one, with
 * the image's properties, then what the request says. */
static struct instance *
fake_create_record(const struct instance_create *c, const char *name,
    const struct fake_inst *src, bool from_snapshot, const struct image *im)
{
	struct instance *ni;

	ni = xcalloc(1, sizeof *ni);
	if (src != NULL) {
		instance_copy(ni, &src->in);
		free(ni->name);
		instance_state_free(ni->state);
		ni->state = NULL;
		if (c->instance_only || from_snapshot) {
			snapshot_array_free(ni->snapshots, ni->nsnapshots);
			ni->snapshots = NULL;
			ni->nsnapshots = 0;
		}
	} else {
		ni->description = xstrdup("");
		ni->architecture = xstrdup("x86_64");
		ni->type = xstrdup("container");
		ni->location = xstrdup("none");
		ni->project = xstrdup("default");
	}
	ni->name = xstrdup(name);
	free(ni->description);
	ni->description = xstrdup(c->description ? c->description : "");
	ni->ephemeral = c->ephemeral;
	if (c->has_profiles) {
		strv_free(&ni->profiles);
		strv_copy(&ni->profiles, &c->profiles);
	} else if (src == NULL) {
		if (im != NULL && im->profiles.n > 0)
			strv_copy(&ni->profiles, &im->profiles);
		else
			strv_push(&ni->profiles, "default");
	}
	if (im != NULL) {
		const char *os = strmap_get(&im->properties, "os");
		const char *rel = strmap_get(&im->properties, "release");

		if (os != NULL)
			strmap_set(&ni->config, "image.os", os);
		if (rel != NULL)
			strmap_set(&ni->config, "image.release", rel);
		strmap_set(&ni->config, "volatile.base_image", im->fingerprint);
	}
	strmap_merge(&ni->config, &c->config);
	devmap_merge(&ni->devices, &c->devices);
	return ni;
}

static int
fake_instance_create(struct backend *b, const struct instance_create *c,
    char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	struct instance *ni = NULL;
	struct fake_inst *src = NULL;
	struct image *im = NULL;
	struct fake_op *op;
	char *name = NULL, *copy_inst = NULL, *slash = NULL;
	int rc = -1;

	if (c->name == NULL || *c->name == '\0') {
		do {
			free(name);
			name = xasprintf("fake-%d", ++f->next_auto_name);
		} while (fake_find_inst(f, name) != NULL);
	} else
		name = xstrdup(c->name);
	if (name_validate_instance(name, e) < 0) {
		err_prefix(e, "Failed to create instance \"%s\"", name);
		goto out;
	}
	if (fake_find_inst(f, name) != NULL) {
		err_set(e, 409, "Instance \"%s\" already exists", name);
		goto out;
	}
	if (config_key_validate_all(&c->config, CONFIG_INSTANCE, e) < 0) {
		err_prefix(e, "Failed to create instance \"%s\"", name);
		goto out;
	}
	if (c->has_profiles && fake_check_profiles(f, &c->profiles, e) < 0)
		goto out;
	if (c->source == SOURCE_IMAGE) {
		if ((im = fake_find_image(f, c->image)) == NULL) {
			err_set(e, 404, "Failed to create instance \"%s\": Image \"%s\" not found",
			    name, c->image ? c->image : "");
			goto out;
		}
	} else if (c->source == SOURCE_COPY) {
		copy_inst = xstrdup(c->copy_from ? c->copy_from : "");
		if ((slash = strchr(copy_inst, '/')) != NULL)
			*slash = '\0';
		if ((src = fake_find_inst(f, copy_inst)) == NULL) {
			err_set(e, 404, "Instance not found");
			goto out;
		}
		if (slash != NULL && fake_find_snap(src, slash + 1) == NULL) {
			err_set(e, 404, "Snapshot not found");
			goto out;
		}
	}

	ni = fake_create_record(c, name, src, slash != NULL, im);
	op = fake_op_new(f, JOB_CREATE, "Creating instance", name, op_id);
	op->newinst = ni;
	ni = NULL;
	rc = 0;
out:
	instance_free(ni);
	free(name);
	free(copy_inst);
	return rc;
}

static int
fake_instance_update(struct backend *b, const char *name,
    const struct instance_put *put, char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_inst *fi = fake_find_inst(f, name);
	struct fake_op *op;
	struct instance *ni;

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	if (config_key_validate_all(&put->config, CONFIG_INSTANCE, e) < 0 ||
	    fake_check_profiles(f, &put->profiles, e) < 0)
		return err_prefix(e, "Failed to update instance \"%s\"", name);
	ni = xcalloc(1, sizeof *ni);
	ni->description = xstrdup(put->description ? put->description : "");
	ni->ephemeral = put->ephemeral;
	strv_copy(&ni->profiles, &put->profiles);
	strmap_copy(&ni->config, &put->config);
	devmap_copy(&ni->devices, &put->devices);
	op = fake_op_new(f, JOB_UPDATE, "Updating instance", name, op_id);
	op->newinst = ni;
	return 0;
}

static int
fake_instance_action(struct backend *b, const char *name, const char *action,
    int timeout, bool force, bool stateful, char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_inst *fi = fake_find_inst(f, name);
	struct fake_op *op;
	int st;
	char *desc;

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	st = fi->in.status;
	if (strcmp(action, "start") == 0) {
		if (st == STATUS_RUNNING)
			return err_set(e, 400, "The instance is already running");
		if (st == STATUS_FROZEN)
			return err_set(e, 400, "The instance is frozen; unfreeze it first");
	} else if (strcmp(action, "stop") == 0) {
		if (st == STATUS_STOPPED)
			return err_set(e, 400, "The instance is already stopped");
	} else if (strcmp(action, "restart") == 0) {
		if (st != STATUS_RUNNING)
			return err_set(e, 400, "The instance isn't running");
	} else if (strcmp(action, "freeze") == 0) {
		if (st == STATUS_FROZEN)
			return err_set(e, 400, "The instance is already frozen");
		if (st != STATUS_RUNNING)
			return err_set(e, 400, "The instance isn't running");
	} else if (strcmp(action, "unfreeze") == 0) {
		if (st != STATUS_FROZEN)
			return err_set(e, 400, "The instance is not frozen");
	} else
		return err_set(e, 400, "Unknown action \"%s\"", action);
	if (stateful)
		return err_set(e, 400, "Failed to %s instance \"%s\": stateful "
		    "actions need CRIU, which the fake backend does not have",
		    action, name);
	desc = xasprintf("%c%s instance", action[0] - 'a' + 'A', action + 1);
	if (strcmp(action, "stop") == 0) {
		free(desc);
		desc = xstrdup("Stopping instance");
	} else if (strcmp(action, "start") == 0) {
		free(desc);
		desc = xstrdup("Starting instance");
	}
	op = fake_op_new(f, JOB_ACTION, desc, name, op_id);
	op->arg = xstrdup(action);
	free(desc);
	return 0;
}

static int
fake_instance_delete(struct backend *b, const char *name, char **op_id,
    struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_inst *fi = fake_find_inst(f, name);

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	if (fi->in.status != STATUS_STOPPED)
		return err_set(e, 400, "Failed to delete instance \"%s\": "
		    "Instance is running", name);
	fake_op_new(f, JOB_DELETE, "Deleting instance", name, op_id);
	return 0;
}

static int
fake_instance_rename(struct backend *b, const char *name, const char *newname,
    char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_inst *fi = fake_find_inst(f, name);
	struct fake_op *op;

	if (name_validate_instance(newname, e) < 0)
		return -1;	/* first, as the engine */
	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	if (fi->in.status != STATUS_STOPPED)
		return err_set(e, 400, "Renaming of running instance not allowed");
	if (fake_find_inst(f, newname) != NULL)
		return err_set(e, 409, "Instance \"%s\" already exists", newname);
	op = fake_op_new(f, JOB_RENAME, "Renaming instance", name, op_id);
	op->arg = xstrdup(newname);
	return 0;
}

/* ---- backend_ops: snapshots ---- */

/* The instance holding snapshot inst/snap, or NULL with a 404 naming what
 * is missing. */
static struct fake_inst *
fake_snap_owner(struct fake *f, const char *inst, const char *snap, struct err *e)
{
	struct fake_inst *fi = fake_find_inst(f, inst);

	if (fi == NULL) {
		err_set(e, 404, "Instance not found");
		return NULL;
	}
	if (fake_find_snap(fi, snap) == NULL) {
		err_set(e, 404, "Snapshot not found");
		return NULL;
	}
	return fi;
}

static int
fake_snapshot_list(struct backend *b, const char *inst, struct snapshot **out,
    size_t *n, struct err *e)
{
	struct fake_inst *fi = fake_find_inst(fake_of(b), inst);
	size_t i;

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	*n = fi->in.nsnapshots;
	*out = *n ? xcalloc(*n, sizeof **out) : NULL;
	for (i = 0; i < *n; i++)
		snapshot_copy(&(*out)[i], &fi->in.snapshots[i]);
	return 0;
}

static int
fake_snapshot_get(struct backend *b, const char *inst, const char *snap,
    struct snapshot **out, struct err *e)
{
	struct fake_inst *fi = fake_snap_owner(fake_of(b), inst, snap, e);

	if (fi == NULL)
		return -1;
	*out = xcalloc(1, sizeof **out);
	snapshot_copy(*out, fake_find_snap(fi, snap));
	return 0;
}

static int
fake_snapshot_create(struct backend *b, const char *inst, const char *snap,
    bool stateful, int64_t expires_ns, char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_inst *fi = fake_find_inst(f, inst);
	struct fake_op *op;
	char *name = NULL;
	int i;

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	if (stateful)
		return err_set(e, 400, "Failed to snapshot instance \"%s\": "
		    "stateful snapshots need CRIU, which is not available", inst);
	if (snap == NULL || *snap == '\0') {
		for (i = 0; ; i++) {
			name = xasprintf("snap%d", i);
			if (fake_find_snap(fi, name) == NULL)
				break;
			free(name);
		}
	} else {
		if (name_validate_snapshot(snap, e) < 0)
			return -1;
		if (fake_find_snap(fi, snap) != NULL)
			return err_set(e, 409, "Snapshot \"%s\" already exists", snap);
		name = xstrdup(snap);
	}
	op = fake_op_new(f, JOB_SNAP_CREATE, "Snapshotting instance", inst, op_id);
	op->arg = name;
	(void)expires_ns;
	return 0;
}

static int
fake_snapshot_rename(struct backend *b, const char *inst, const char *snap,
    const char *newname, char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_inst *fi = fake_snap_owner(f, inst, snap, e);
	struct fake_op *op;

	if (fi == NULL)
		return -1;
	if (name_validate_snapshot(newname, e) < 0)
		return -1;
	if (fake_find_snap(fi, newname) != NULL)
		return err_set(e, 409, "Snapshot \"%s\" already exists", newname);
	op = fake_op_new(f, JOB_SNAP_RENAME, "Renaming snapshot", inst, op_id);
	op->arg = xstrdup(snap);
	op->arg2 = xstrdup(newname);
	return 0;
}

static int
fake_snapshot_delete(struct backend *b, const char *inst, const char *snap,
    char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_op *op;

	if (fake_snap_owner(f, inst, snap, e) == NULL)
		return -1;
	op = fake_op_new(f, JOB_SNAP_DELETE, "Deleting snapshot", inst, op_id);
	op->arg = xstrdup(snap);
	return 0;
}

static int
fake_snapshot_restore(struct backend *b, const char *inst, const char *snap,
    bool stateful, char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_op *op;

	if (fake_snap_owner(f, inst, snap, e) == NULL)
		return -1;
	if (stateful)
		return err_set(e, 400, "Stateful restore is not available");
	op = fake_op_new(f, JOB_SNAP_RESTORE, "Restoring snapshot", inst, op_id);
	op->arg = xstrdup(snap);
	return 0;
}

static int
fake_snapshot_update(struct backend *b, const char *inst, const char *snap,
    int64_t expires_ns, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_inst *fi = fake_snap_owner(f, inst, snap, e);

	if (fi == NULL)
		return -1;
	fake_find_snap(fi, snap)->expires_ns = expires_ns;
	fake_inst_event(f, "instance-snapshot-updated", inst, snap, NULL, NULL);
	return 0;
}

/* The same three changes for every snapshot: enough to draw the section. */
static int
fake_snapshot_diff_files(struct backend *b, const char *inst, const char *snap,
    struct strv *out, struct err *e)
{
	if (fake_snap_owner(fake_of(b), inst, snap, e) == NULL)
		return -1;
	strv_push(out, "M /etc/hostname");
	strv_push(out, "A /root/notes.txt");
	strv_push(out, "D /tmp/build.log");
	return 0;
}

/* ---- backend_ops: profiles ---- */

static void
fake_profile_used_by(struct fake *f, struct profile *p)
{
	size_t i;

	strv_free(&p->used_by);
	for (i = 0; i < f->ninsts; i++)
		if (strv_index(&f->insts[i].in.profiles, p->name) >= 0) {
			char *u = xasprintf("/1.0/instances/%s", f->insts[i].in.name);

			strv_push(&p->used_by, u);
			free(u);
		}
}

static int
fake_profile_list(struct backend *b, struct profile **out, size_t *n,
    struct err *e)
{
	struct fake *f = fake_of(b);
	size_t i;

	*n = f->nprofiles;
	*out = xcalloc(f->nprofiles ? f->nprofiles : 1, sizeof **out);
	for (i = 0; i < f->nprofiles; i++) {
		fake_profile_used_by(f, &f->profiles[i]);
		profile_copy(&(*out)[i], &f->profiles[i]);
	}
	return 0;
}

static int
fake_profile_get(struct backend *b, const char *name, struct profile **out,
    struct err *e)
{
	struct fake *f = fake_of(b);
	struct profile *p = fake_find_profile(f, name);

	if (p == NULL)
		return err_set(e, 404, "Profile not found");
	fake_profile_used_by(f, p);
	*out = xcalloc(1, sizeof **out);
	profile_copy(*out, p);
	return 0;
}

static int
fake_profile_create(struct backend *b, const struct profile *p, struct err *e)
{
	struct fake *f = fake_of(b);
	struct profile *np;

	if (name_validate_profile(p->name, e) < 0)
		return -1;
	if (config_key_validate_all(&p->config, CONFIG_PROFILE, e) < 0)
		return err_prefix(e, "Invalid profile \"%s\"", p->name);
	if (fake_find_profile(f, p->name) != NULL)
		return err_set(e, 409, "Profile \"%s\" already exists", p->name);
	f->profiles = xreallocarray(f->profiles, f->nprofiles + 1,
	    sizeof *f->profiles);
	np = &f->profiles[f->nprofiles++];
	profile_copy(np, p);
	strv_free(&np->used_by);
	if (np->description == NULL)
		np->description = xstrdup("");
	fake_object_event(f, "profile-created", "profiles",
	    p->name, NULL, NULL);
	return 0;
}

static int
fake_profile_update(struct backend *b, const char *name, const struct profile *p,
    struct err *e)
{
	struct fake *f = fake_of(b);
	struct profile *cur = fake_find_profile(f, name);
	size_t i;

	if (cur == NULL)
		return err_set(e, 404, "Profile not found");
	if (config_key_validate_all(&p->config, CONFIG_PROFILE, e) < 0)
		return err_prefix(e, "Invalid profile \"%s\"", name);
	free(cur->description);
	cur->description = xstrdup(p->description ? p->description : "");
	strmap_free(&cur->config);
	strmap_copy(&cur->config, &p->config);
	devmap_free(&cur->devices);
	devmap_copy(&cur->devices, &p->devices);
	for (i = 0; i < f->ninsts; i++)
		if (strv_index(&f->insts[i].in.profiles, name) >= 0)
			fake_expand(f, &f->insts[i].in);
	fake_object_event(f, "profile-updated", "profiles", name, NULL, NULL);
	return 0;
}

static int
fake_profile_rename(struct backend *b, const char *name, const char *newname,
    struct err *e)
{
	struct fake *f = fake_of(b);
	struct profile *cur = fake_find_profile(f, name);
	size_t i, j;

	if (cur == NULL)
		return err_set(e, 404, "Profile not found");
	if (strcmp(name, "default") == 0)
		return err_set(e, 403, "The \"default\" profile cannot be renamed");
	if (name_validate_profile(newname, e) < 0)
		return -1;
	if (fake_find_profile(f, newname) != NULL)
		return err_set(e, 409, "Profile \"%s\" already exists", newname);
	for (i = 0; i < f->ninsts; i++) {
		struct strv *pv = &f->insts[i].in.profiles;

		for (j = 0; j < pv->n; j++)
			if (strcmp(pv->v[j], name) == 0) {
				free(pv->v[j]);
				pv->v[j] = xstrdup(newname);
			}
	}
	fake_object_event(f, "profile-renamed", "profiles",
	    newname, "old_name", name);
	free(cur->name);
	cur->name = xstrdup(newname);
	return 0;
}

static int
fake_profile_delete(struct backend *b, const char *name, struct err *e)
{
	struct fake *f = fake_of(b);
	struct profile *cur = fake_find_profile(f, name);
	size_t i;
	char *users;

	if (cur == NULL)
		return err_set(e, 404, "Profile not found");
	if (strcmp(name, "default") == 0)
		return err_set(e, 403, "The \"default\" profile cannot be deleted");
	fake_profile_used_by(f, cur);
	if (cur->used_by.n > 0) {
		users = strv_join(&cur->used_by, ", ");
		err_set(e, 400, "Profile \"%s\" is currently in use by %s", name, users);
		free(users);
		return -1;
	}
	i = (size_t)(cur - f->profiles);
	profile_free_contents(cur);
	memmove(&f->profiles[i], &f->profiles[i + 1],
	    (f->nprofiles - i - 1) * sizeof *f->profiles);
	f->nprofiles--;
	fake_object_event(f, "profile-deleted", "profiles", name, NULL, NULL);
	return 0;
}

/* ---- backend_ops: images ---- */

static int
fake_image_list(struct backend *b, struct image **out, size_t *n, struct err *e)
{
	struct fake *f = fake_of(b);
	size_t i;

	*n = f->nimages;
	*out = xcalloc(f->nimages ? f->nimages : 1, sizeof **out);
	for (i = 0; i < f->nimages; i++)
		image_copy(&(*out)[i], &f->images[i]);
	return 0;
}

static int
fake_image_get(struct backend *b, const char *ref, struct image **out,
    struct err *e)
{
	struct image *im = fake_find_image(fake_of(b), ref);

	if (im == NULL)
		return err_set(e, 404, "Image not found");
	*out = xcalloc(1, sizeof **out);
	image_copy(*out, im);
	return 0;
}

static int
fake_image_import(struct backend *b, const char *meta_path, const char *rootfs_path,
    const struct strmap *properties, bool public, char **op_id, struct err *e)
{
	struct stat st;

	if (meta_path == NULL || stat(meta_path, &st) < 0)
		return err_set(e, 400, "Failed to import image \"%s\": %s",
		    meta_path ? meta_path : "", strerror(errno));
	fake_op_new(fake_of(b), JOB_IMAGE_IMPORT, "Downloading image", NULL, op_id);
	return 0;
}

static int
fake_image_update(struct backend *b, const char *fingerprint,
    const struct image *put, struct err *e)
{
	struct fake *f = fake_of(b);
	struct image *im = fake_find_image(f, fingerprint);

	if (im == NULL)
		return err_set(e, 404, "Image not found");
	im->public = put->public;
	im->auto_update = put->auto_update;
	strmap_free(&im->properties);
	strmap_copy(&im->properties, &put->properties);
	strv_free(&im->profiles);
	strv_copy(&im->profiles, &put->profiles);
	fake_object_event(f, "image-updated", "images",
	    im->fingerprint, NULL, NULL);
	return 0;
}

static int
fake_image_delete(struct backend *b, const char *fingerprint, char **op_id,
    struct err *e)
{
	struct fake *f = fake_of(b);
	struct image *im = fake_find_image(f, fingerprint);
	struct fake_op *op;

	if (im == NULL)
		return err_set(e, 404, "Image not found");
	op = fake_op_new(f, JOB_IMAGE_DELETE, "Deleting image", NULL, op_id);
	op->arg = xstrdup(im->fingerprint);
	return 0;
}

static int
fake_image_export(struct backend *b, const char *fingerprint,
    struct image_export_file out[2], size_t *n, struct err *e)
{
	return err_set(e, 501, "Image export is not implemented by the fake backend");
}

static int
fake_image_publish(struct backend *b, const char *source,
    const struct strmap *properties, bool public, const char *compression,
    char **op_id, struct err *e)
{
	struct fake *f = fake_of(b);
	char *inst = xstrdup(source ? source : ""), *slash;
	struct fake_inst *fi;
	struct fake_op *op;

	if ((slash = strchr(inst, '/')) != NULL)
		*slash = '\0';
	if ((fi = fake_find_inst(f, inst)) == NULL) {
		free(inst);
		return err_set(e, 404, "Instance not found");
	}
	if (slash == NULL && fi->in.status != STATUS_STOPPED) {
		free(inst);
		return err_set(e, 400, "The instance is running");
	}
	op = fake_op_new(f, JOB_PUBLISH, "Publishing image", inst, op_id);
	(void)op;
	free(inst);
	return 0;
}

static int
fake_image_alias_list(struct backend *b, struct image_alias **out, size_t *n,
    struct err *e)
{
	struct fake *f = fake_of(b);
	size_t i, j, k = 0, total = 0;

	for (i = 0; i < f->nimages; i++)
		total += f->images[i].naliases;
	*out = xcalloc(total ? total : 1, sizeof **out);
	for (i = 0; i < f->nimages; i++)
		for (j = 0; j < f->images[i].naliases; j++, k++) {
			const struct image_alias *a = &f->images[i].aliases[j];

			(*out)[k].name = xstrdup(a->name);
			(*out)[k].description = xstrdup(a->description);
			(*out)[k].target = xstrdup(a->target);
			(*out)[k].type = xstrdup(a->type);
		}
	*n = total;
	return 0;
}

static struct image_alias *
fake_find_alias(struct fake *f, const char *name, struct image **owner)
{
	size_t i, j;

	for (i = 0; i < f->nimages; i++)
		for (j = 0; j < f->images[i].naliases; j++)
			if (strcmp(f->images[i].aliases[j].name, name) == 0) {
				if (owner != NULL)
					*owner = &f->images[i];
				return &f->images[i].aliases[j];
			}
	return NULL;
}

static int
fake_image_alias_get(struct backend *b, const char *name,
    struct image_alias **out, struct err *e)
{
	struct image_alias *a = fake_find_alias(fake_of(b), name, NULL);

	if (a == NULL)
		return err_set(e, 404, "Image alias not found");
	*out = xcalloc(1, sizeof **out);
	(*out)->name = xstrdup(a->name);
	(*out)->description = xstrdup(a->description);
	(*out)->target = xstrdup(a->target);
	(*out)->type = xstrdup(a->type);
	return 0;
}

static int
fake_image_alias_create(struct backend *b, const char *name, const char *target,
    const char *description, struct err *e)
{
	struct fake *f = fake_of(b);
	struct image *im;
	struct image_alias *a;

	if (fake_find_alias(f, name, NULL) != NULL)
		return err_set(e, 409, "Alias \"%s\" already exists", name);
	if ((im = fake_find_image(f, target)) == NULL)
		return err_set(e, 404, "Image not found");
	im->aliases = xreallocarray(im->aliases, im->naliases + 1, sizeof *im->aliases);
	a = &im->aliases[im->naliases++];
	a->name = xstrdup(name);
	a->description = xstrdup(description ? description : "");
	a->target = xstrdup(im->fingerprint);
	a->type = xstrdup("container");
	fake_object_event(f, "image-alias-created", "images/aliases",
	    name, NULL, NULL);
	return 0;
}

static int
fake_image_alias_delete(struct backend *b, const char *name, struct err *e)
{
	struct fake *f = fake_of(b);
	struct image *im = NULL;
	struct image_alias *a = fake_find_alias(f, name, &im);
	size_t i;

	if (a == NULL)
		return err_set(e, 404, "Image alias not found");
	i = (size_t)(a - im->aliases);
	image_alias_free_contents(a);
	memmove(&im->aliases[i], &im->aliases[i + 1],
	    (im->naliases - i - 1) * sizeof *a);
	im->naliases--;
	fake_object_event(f, "image-alias-deleted", "images/aliases",
	    name, NULL, NULL);
	return 0;
}

/* ---- backend_ops: exec, console, files ---- */

static int
fake_exec_start(struct backend *b, const char *inst, const struct exec_req *req,
    struct exec_handle **out, struct err *e)
{
	return err_set(e, 501, "Failed to exec in instance \"%s\": "
	    "the fake backend does not run processes", inst);
}

static int
fake_console_attach(struct backend *b, const char *inst, int width, int height,
    struct exec_handle **out, struct err *e)
{
	return err_set(e, 501, "Failed to attach to the console of \"%s\": "
	    "the fake backend has no consoles", inst);
}

static int
fake_exec_resize(struct backend *b, struct exec_handle *h, int width, int height,
    struct err *e)
{
	return err_set(e, 501, "The fake backend has no exec sessions");
}

static int
fake_exec_signal(struct backend *b, struct exec_handle *h, int signo,
    struct err *e)
{
	return err_set(e, 501, "The fake backend has no exec sessions");
}

static void
fake_exec_close(struct backend *b, struct exec_handle *h)
{
	(void)b;
	(void)h;
}

static int
fake_console_log(struct backend *b, const char *inst, char **buf, size_t *len,
    struct err *e)
{
	struct fake_inst *fi = fake_find_inst(fake_of(b), inst);

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	*buf = xasprintf("fake console of %s\r\n%s\r\n", inst,
	    fi->in.status == STATUS_STOPPED ? "" : "/ # ");
	*len = strlen(*buf);
	return 0;
}

static int
fake_instance_log(struct backend *b, const char *inst, char **buf, size_t *len,
    struct err *e)
{
	struct fake_inst *fi = fake_find_inst(fake_of(b), inst);

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	*buf = xasprintf("lxc %s 20260101000000.000 WARN     fake - "
	    "the fake backend runs no container\n", inst);
	*len = strlen(*buf);
	return 0;
}

static int
fake_file_get(struct backend *b, const char *inst, const char *path,
    struct file_info *out, struct err *e)
{
	struct fake_inst *fi = fake_find_inst(fake_of(b), inst);
	const char *c;
	size_t i, plen;

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	memset(out, 0, sizeof *out);
	if ((c = strmap_get(&fi->files, path)) != NULL) {
		out->type = FILE_REGULAR;
		out->mode = 0644;
		out->content = xstrdup(c);
		out->len = strlen(c);
		return 0;
	}
	/* A directory is any prefix of a stored path ("/" always exists). */
	plen = strlen(path);
	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	out->type = FILE_DIRECTORY;
	out->mode = 0755;
	for (i = 0; i < fi->files.n; i++) {
		const char *k = fi->files.keys[i], *rest, *slash;
		char *ent;

		if (strncmp(k, path, plen) != 0)
			continue;
		rest = k + plen;
		if (plen > 1) {
			if (*rest != '/')
				continue;
			rest++;
		} else if (*rest == '/')
			rest++;
		slash = strchr(rest, '/');
		ent = slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
		if (strv_index(&out->entries, ent) < 0)
			strv_push(&out->entries, ent);
		free(ent);
	}
	if (out->entries.n == 0 && strcmp(path, "/") != 0)
		return err_set(e, 404, "Not found");
	return 0;
}

static int
fake_file_put(struct backend *b, const char *inst, const char *path,
    const struct file_info *info, bool append, struct err *e)
{
	struct fake_inst *fi = fake_find_inst(fake_of(b), inst);
	const char *old;
	char *data;

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	if (path[0] != '/')
		return err_set(e, 400, "Path \"%s\" must be absolute", path);
	if (info->type != FILE_REGULAR)
		return 0;	/* directories are implied by files */
	data = xstrndup(info->content ? info->content : "", info->len);
	if (append && (old = strmap_get(&fi->files, path)) != NULL) {
		char *joined = xasprintf("%s%s", old, data);

		free(data);
		data = joined;
	}
	strmap_set(&fi->files, path, data);
	free(data);
	return 0;
}

static int
fake_file_delete(struct backend *b, const char *inst, const char *path,
    struct err *e)
{
	struct fake_inst *fi = fake_find_inst(fake_of(b), inst);

	if (fi == NULL)
		return err_set(e, 404, "Instance not found");
	if (!strmap_unset(&fi->files, path))
		return err_set(e, 404, "Not found");
	return 0;
}

/* ---- backend_ops: operations and events ---- */

static int
fake_op_list(struct backend *b, struct op_info **out, size_t *n, struct err *e)
{
	struct fake *f = fake_of(b);
	size_t i;

	fake_op_expire(f);
	*n = f->nops;
	*out = xcalloc(f->nops ? f->nops : 1, sizeof **out);
	for (i = 0; i < f->nops; i++)
		op_info_copy(&(*out)[i], &f->ops[i]->info);
	return 0;
}

static int
fake_op_get(struct backend *b, const char *id, struct op_info *out,
    struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_op *op;

	fake_op_expire(f);
	if ((op = fake_find_op(f, id)) == NULL)
		return err_set(e, 404, "Operation not found");
	op_info_copy(out, &op->info);
	return 0;
}

static int
fake_op_cancel(struct backend *b, const char *id, struct err *e)
{
	struct fake_op *op = fake_find_op(fake_of(b), id);

	if (op == NULL)
		return err_set(e, 404, "Operation not found");
	if (op->ended_ns != 0)
		return err_set(e, 400, "Operation \"%s\" has already finished", id);
	return err_set(e, 403, "This operation can't be cancelled");
}

static int
fake_op_wait(struct backend *b, const char *id, int timeout_ms,
    struct op_info *out, struct err *e)
{
	struct fake *f = fake_of(b);
	struct fake_op *op;
	uint64_t start;

	uv_update_time(f->b.loop);
	start = uv_now(f->b.loop);
	for (;;) {
		if ((op = fake_find_op(f, id)) == NULL)
			return err_set(e, 404, "Operation not found");
		if (op->ended_ns != 0)
			break;
		if (timeout_ms >= 0 && uv_now(f->b.loop) - start >= (uint64_t)timeout_ms)
			break;
		uv_run(f->b.loop, UV_RUN_ONCE);
	}
	if (out != NULL)
		op_info_copy(out, &op->info);
	if (op->info.status == STATUS_SUCCESS)
		return 0;
	if (op->ended_ns == 0)
		return err_set(e, 408, "Timed out waiting for operation \"%s\"", id);
	return err_set(e, op->info.status == STATUS_CANCELLED ? 400 : 400, "%s",
	    op->info.err);
}

static int
fake_subscribe(struct backend *b, event_cb cb, void *arg)
{
	struct fake *f = fake_of(b);

	f->subs = xreallocarray(f->subs, f->nsubs + 1, sizeof *f->subs);
	f->subs[f->nsubs].id = ++f->next_sub;
	f->subs[f->nsubs].cb = cb;
	f->subs[f->nsubs].arg = arg;
	return f->subs[f->nsubs++].id;
}

static void
fake_unsubscribe(struct backend *b, int id)
{
	struct fake *f = fake_of(b);
	size_t i;

	for (i = 0; i < f->nsubs; i++)
		if (f->subs[i].id == id)
			f->subs[i].id = 0;	/* compacted after delivery */
	if (f->evhead == NULL) {
		for (i = 0; i < f->nsubs; ) {
			if (f->subs[i].id == 0) {
				memmove(&f->subs[i], &f->subs[i + 1],
				    (f->nsubs - i - 1) * sizeof *f->subs);
				f->nsubs--;
			} else
				i++;
		}
	}
}

/* ---- the control FIFO ---- */

/* Applies one control line; problems are logged, never fatal. */
static void
fake_control_line(struct fake *f, char *line)
{
	struct backend *b = &f->b;
	struct err e = { 0 };
	char *argv[4] = { NULL, NULL, NULL, NULL };
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r", &save); tok != NULL && argc < 4;
	    tok = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = tok;
	if (argc < 2)
		return;
	if (strcmp(argv[0], "start") == 0 || strcmp(argv[0], "stop") == 0 ||
	    strcmp(argv[0], "restart") == 0 || strcmp(argv[0], "freeze") == 0 ||
	    strcmp(argv[0], "unfreeze") == 0)
		fake_instance_action(b, argv[1], argv[0], -1, true, false, NULL, &e);
	else if (strcmp(argv[0], "create") == 0) {
		struct instance_create c = { 0 };

		c.name = argv[1];
		c.source = SOURCE_IMAGE;
		c.image = argv[2] ? argv[2] : "busybox";
		fake_instance_create(b, &c, NULL, &e);
	} else if (strcmp(argv[0], "delete") == 0)
		fake_instance_delete(b, argv[1], NULL, &e);
	else if (strcmp(argv[0], "rename") == 0 && argc >= 3)
		fake_instance_rename(b, argv[1], argv[2], NULL, &e);
	else if (strcmp(argv[0], "snapshot") == 0)
		fake_snapshot_create(b, argv[1], argv[2], false, 0, NULL, &e);
	else if (strcmp(argv[0], "set") == 0 && argc >= 3) {
		struct fake_inst *fi = fake_find_inst(f, argv[1]);
		struct instance_put put = { 0 };

		if (fi == NULL) {
			err_set(&e, 404, "Instance not found");
		} else {
			put.description = fi->in.description;
			put.ephemeral = fi->in.ephemeral;
			put.profiles = fi->in.profiles;
			strmap_copy(&put.config, &fi->in.config);
			if (argv[3] != NULL)
				strmap_set(&put.config, argv[2], argv[3]);
			else
				strmap_unset(&put.config, argv[2]);
			put.devices = fi->in.devices;
			fake_instance_update(b, argv[1], &put, NULL, &e);
			strmap_free(&put.config);
		}
	} else
		err_set(&e, 400, "Unknown control command \"%s\"", argv[0]);
	if (err_is_set(&e))
		log_debug("fake control: %s", e.msg);
}

static void
fake_control_cb(uv_poll_t *h, int status, int events)
{
	struct fake *f = h->data;
	ssize_t r;
	char *nl;

	if (status < 0 || f->freed)
		return;
	r = read(f->control_fd, f->control_buf + f->control_len,
	    sizeof f->control_buf - f->control_len - 1);
	if (r <= 0)
		return;
	f->control_len += (size_t)r;
	f->control_buf[f->control_len] = '\0';
	while ((nl = strchr(f->control_buf, '\n')) != NULL) {
		*nl = '\0';
		fake_control_line(f, f->control_buf);
		if (f->freed)
			return;
		f->control_len -= (size_t)(nl + 1 - f->control_buf);
		memmove(f->control_buf, nl + 1, f->control_len + 1);
	}
	if (f->control_len == sizeof f->control_buf - 1)
		f->control_len = 0;	/* an overlong line is dropped */
}

static int
fake_control_open(struct fake *f, const char *path, struct err *e)
{
	struct stat st;

	if (stat(path, &st) < 0 && mkfifo(path, 0600) < 0)
		return err_set(e, 500, "Failed to create control FIFO \"%s\": %s",
		    path, strerror(errno));
	/* O_RDWR keeps a writer open, so the FIFO never reports EOF/HUP. */
	f->control_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (f->control_fd < 0)
		return err_set(e, 500, "Failed to open control FIFO \"%s\": %s",
		    path, strerror(errno));
	uv_poll_init(f->b.loop, &f->control, f->control_fd);
	f->control.data = f;
	f->has_control = true;
	f->nhandles++;
	uv_poll_start(&f->control, UV_READABLE, fake_control_cb);
	return 0;
}

/* ---- constructor ---- */

static const struct backend_ops fake_ops = {
	.name = "fake",
	.free = fake_backend_free,
	.server_info = fake_server_info,
	.server_update = fake_server_update,
	.instance_list = fake_instance_list,
	.instance_get = fake_instance_get,
	.instance_state = fake_instance_state,
	.instance_create = fake_instance_create,
	.instance_update = fake_instance_update,
	.instance_action = fake_instance_action,
	.instance_delete = fake_instance_delete,
	.instance_rename = fake_instance_rename,
	.snapshot_list = fake_snapshot_list,
	.snapshot_get = fake_snapshot_get,
	.snapshot_create = fake_snapshot_create,
	.snapshot_rename = fake_snapshot_rename,
	.snapshot_delete = fake_snapshot_delete,
	.snapshot_restore = fake_snapshot_restore,
	.snapshot_update = fake_snapshot_update,
	.profile_list = fake_profile_list,
	.profile_get = fake_profile_get,
	.profile_create = fake_profile_create,
	.profile_update = fake_profile_update,
	.profile_rename = fake_profile_rename,
	.profile_delete = fake_profile_delete,
	.image_list = fake_image_list,
	.image_get = fake_image_get,
	.image_import = fake_image_import,
	.image_update = fake_image_update,
	.image_delete = fake_image_delete,
	.image_export = fake_image_export,
	.image_publish = fake_image_publish,
	.image_alias_list = fake_image_alias_list,
	.image_alias_get = fake_image_alias_get,
	.image_alias_create = fake_image_alias_create,
	.image_alias_delete = fake_image_alias_delete,
	.exec_start = fake_exec_start,
	.console_attach = fake_console_attach,
	.exec_resize = fake_exec_resize,
	.exec_signal = fake_exec_signal,
	.exec_close = fake_exec_close,
	.console_log = fake_console_log,
	.instance_log = fake_instance_log,
	.file_get = fake_file_get,
	.file_put = fake_file_put,
	.file_delete = fake_file_delete,
	.op_list = fake_op_list,
	.op_get = fake_op_get,
	.op_cancel = fake_op_cancel,
	.op_wait = fake_op_wait,
	.subscribe = fake_subscribe,
	.unsubscribe = fake_unsubscribe,
	.snapshot_diff_files = fake_snapshot_diff_files,
};

struct backend *
backend_fake_create(struct uv_loop_s *loop, struct err *e)
{
	struct fake *f = xcalloc(1, sizeof *f);
	const char *env;

	f->b.ops = &fake_ops;
	f->b.name = xstrdup("local");
	f->b.loop = loop;
	f->control_fd = -1;
	f->next_ipn = 1;
	f->delay_ms = 5;
	if ((env = getenv("LXDECK_FAKE_DELAY_MS")) != NULL && *env != '\0')
		f->delay_ms = (unsigned)strtoul(env, NULL, 10);
	uv_timer_init(loop, &f->timer);
	f->timer.data = f;
	f->nhandles = 1;
	fake_seed(f);
	if ((env = getenv("LXDECK_FAKE_CONTROL")) != NULL && *env != '\0' &&
	    fake_control_open(f, env, e) < 0) {
		fake_backend_free(&f->b);
		return NULL;
	}
	return &f->b;
}
