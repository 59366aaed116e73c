/*
 * test-engine.c - the engine's core without containers: the database
 * (schema, key/value and device tables, two processes at once), operations
 * run in helper processes (result, metadata, progress, failure, a helper
 * that dies), events, and cross-process lifecycle events.  Needs root only
 * for engine_open (it probes idmapped mounts); skips otherwise.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../engine/engine.h"
#include "../harness.h"

static char dir[] = "/tmp/lxdeck-unit-engine.XXXXXX";

TEST(db_schema_and_maps)
{
	struct err err = { 0 };
	struct strmap m = { 0 }, back = { 0 };
	struct devmap d = { 0 }, dback = { 0 };
	struct strmap props = { 0 };
	sqlite3 *db = NULL;
	char *path = xasprintf("%s/unit.db", dir);

	CHECK(db_open(path, &db, &err) == 0);
	CHECK(db_schema_version(db) == 3);
	CHECK(db_exec(db, "INSERT INTO profiles (name) VALUES ('p')", &err) == 0);
	strmap_set(&m, "limits.memory", "64MiB");
	strmap_set(&m, "user.note", "with 'quotes' and\nnewline");
	CHECK(db_map_save(db, "profile_config", "profile_id", 1, &m, &err) == 0);
	CHECK(db_map_load(db, "profile_config", "profile_id", 1, &back, &err) == 0);
	CHECK(strmap_equal(&m, &back));
	strmap_set(&props, "type", "disk");
	strmap_set(&props, "path", "/mnt");
	devmap_set(&d, "data", &props);
	CHECK(db_devices_save(db, "profile_devices", "profile_id", 1, &d, &err) == 0);
	CHECK(db_devices_load(db, "profile_devices", "profile_id", 1, &dback, &err) == 0);
	CHECK(devmap_equal(&d, &dback));
	CHECK(db_exec(db, "SELECT nonsense FROM nowhere", &err) == -1);
	CHECK(err.code == 500 && strstr(err.msg, "Database error") != NULL);
	db_close(db);
	/* Reopening an up-to-date database migrates nothing and keeps data. */
	CHECK(db_open(path, &db, &err) == 0);
	strmap_free(&back);
	CHECK(db_map_load(db, "profile_config", "profile_id", 1, &back, &err) == 0);
	CHECK_STR(strmap_get(&back, "limits.memory"), "64MiB");
	db_close(db);
	/* A database from the future is refused, not damaged. */
	CHECK(db_open(path, &db, &err) == 0);
	CHECK(db_exec(db, "PRAGMA user_version = 99", &err) == 0);
	db_close(db);
	CHECK(db_open(path, &db, &err) == -1);
	CHECK(strstr(err.msg, "newer") != NULL);
	strmap_free(&m);
	strmap_free(&back);
	strmap_free(&props);
	devmap_free(&d);
	devmap_free(&dback);
	free(path);
}

static int events_seen;
static char last_action[64];

static void
on_event(const struct event *ev, void *arg)
{
	events_seen++;
	if (ev->type == EVENT_LIFECYCLE)
		snprintf(last_action, sizeof last_action, "%s", ev->action);
}

static int
work_ok(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	op_progress(res, "unit_stage", "50%");
	strmap_set(&res->metadata, "fingerprint", "abc");
	res->has_return = true;
	res->ret = 7;
	/* The helper has its own database connection. */
	return db_exec(e->db, "INSERT INTO config (key, value) VALUES ('user.w', '1')",
	    err);
}

static int
work_fail(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	return err_set(err, 409, "Instance \"x\" already exists");
}

static int
work_die(struct engine *e, void *arg, struct op_result *res, struct err *err)
{
	raise(SIGKILL);
	return 0;
}

/* The warning store: counted once per boot, resolved when the condition
 * goes, new again when it comes back; ack, bad status, delete. */
TEST(warnings)
{
	struct engine e = { .dir = dir };
	struct err err = { 0 };
	struct warning *w = NULL;
	char *path = xasprintf("%s/warn.db", dir);
	char *marker = xasprintf("%s/warnings-criu.boot", dir);
	char uuid[37];
	size_t n = 0;

	CHECK(db_open(path, &e.db, &err) == 0);
	warning_criu(&e, false, "criu check failed");
	warning_criu(&e, false, "criu check failed");	/* same boot: once */
	CHECK(warning_list(&e, &w, &n, &err) == 0);
	CHECK(n == 1);
	if (n != 1)
		goto out;
	CHECK_STR(w[0].type, "CRIU is not usable");
	CHECK_STR(w[0].message, "criu check failed");
	CHECK_STR(w[0].status, "new");
	CHECK(w[0].count == 1);
	memcpy(uuid, w[0].uuid, sizeof uuid);
	warning_array_free(w, n);
	w = NULL;
	unlink(marker);		/* as if the host had rebooted: the condition is gone */
	warning_criu(&e, true, "");
	CHECK(warning_list(&e, &w, &n, &err) == 0 && n == 1);
	CHECK_STR(w[0].status, "resolved");
	warning_array_free(w, n);
	w = NULL;
	unlink(marker);		/* and back */
	warning_criu(&e, false, "again");
	CHECK(warning_list(&e, &w, &n, &err) == 0 && n == 1);
	CHECK_STR(w[0].status, "new");
	CHECK_STR(w[0].message, "again");
	CHECK(w[0].count == 2);
	CHECK_STR(w[0].uuid, uuid);
	CHECK(warning_set_status(&e, uuid, "acknowledged", &err) == 0);
	CHECK(warning_set_status(&e, uuid, "resolved", &err) < 0 && err.code == 400);
	CHECK(warning_set_status(&e, "nosuch", "new", &err) < 0 && err.code == 404);
	CHECK(warning_delete(&e, uuid, &err) == 0);
	CHECK(warning_delete(&e, uuid, &err) < 0 && err.code == 404);
out:
	warning_array_free(w, n);
	db_close(e.db);
	free(marker);
	free(path);
}

/* Runs SPEC with WORK, which fails: the operation starts, and its wait
 * fails with it.  Returns the operation's id (the caller frees). */
static char *
start_failing(struct engine *e, struct op_spec *spec, op_work_fn work,
    struct op_info *info, struct err *err)
{
	char *id = NULL;

	spec->work = work;
	CHECK(op_start(e, spec, &id, err) == 0);
	CHECK(op_wait_id(e, id, 10000, info, err) == -1);
	CHECK(info->status == STATUS_FAILURE);
	return id;
}

TEST(operations_in_helpers)
{
	struct err err = { 0 };
	uv_loop_t loop;
	struct engine *e;
	struct op_info info = { 0 };
	struct strmap cfg = { 0 };
	char *id = NULL;
	struct op_spec spec = { .description = "Unit work", .cls = OP_CLASS_TASK,
	    .resource_type = "instances", .resource = "/1.0/instances/u1",
	    .work = work_ok };

	uv_loop_init(&loop);
	e = engine_open(&loop, dir, &err);
	CHECK(e != NULL);
	if (e == NULL)
		return;
	event_subscribe(e, on_event, NULL);
	CHECK(op_start(e, &spec, &id, &err) == 0);
	CHECK(id != NULL && strlen(id) == 36);
	CHECK(op_wait_id(e, id, 10000, &info, &err) == 0);
	CHECK(info.status == STATUS_SUCCESS);
	CHECK_STR(strmap_get(&info.metadata, "fingerprint"), "abc");
	CHECK_STR(strmap_get(&info.metadata, "unit_stage_progress"), "50%");
	CHECK(info.has_return && info.ret == 7);
	CHECK_STR(strmap_get(&info.resources, "containers"), "/1.0/containers/u1");
	CHECK(events_seen >= 2);	/* created, final (and progress) */
	engine_config_get(e, &cfg, &err);
	CHECK_STR(strmap_get(&cfg, "user.w"), "1");
	op_info_free_contents(&info);
	free(id);

	id = start_failing(e, &spec, work_fail, &info, &err);
	CHECK(err.code == 409);
	CHECK_STR(info.err, "Instance \"x\" already exists");
	op_info_free_contents(&info);
	free(id);

	id = start_failing(e, &spec, work_die, &info, &err);
	CHECK(strstr(info.err, "killed by signal 9") != NULL);
	op_info_free_contents(&info);
	CHECK(op_cancel_id(e, id, &err) == -1 && err.code == 400);
	CHECK(op_get_info(e, "no-such-op", &info, &err) == -1 && err.code == 404);
	free(id);
	strmap_free(&cfg);
	engine_close(e);
	uv_run(&loop, UV_RUN_NOWAIT);	/* the closed handles' callbacks */
	CHECK(uv_loop_close(&loop) == 0);
}

TEST(events_between_processes)
{
	struct err err = { 0 };
	uv_loop_t loop;
	struct engine *e;
	pid_t pid;
	int i;

	uv_loop_init(&loop);
	setenv("LXDECK_WATCH_MS", "20", 1);
	e = engine_open(&loop, dir, &err);
	CHECK(e != NULL);
	if (e == NULL)
		return;
	event_subscribe(e, on_event, NULL);
	last_action[0] = '\0';
	pid = fork();
	if (pid == 0) {
		uv_loop_t l2;
		struct engine *other;

		uv_loop_init(&l2);
		other = engine_open(&l2, dir, &err);
		if (other == NULL)
			_exit(1);
		event_lifecycle(other, "instance-started", "/1.0/instances/far", NULL);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	for (i = 0; i < 100 && last_action[0] == '\0'; i++) {
		uv_timer_t keep;

		/* The watch timer is unref'd: keep the loop turning for it. */
		uv_timer_init(&loop, &keep);
		uv_timer_start(&keep, NULL, 0, 0);
		uv_run(&loop, UV_RUN_NOWAIT);
		uv_close((uv_handle_t *)&keep, NULL);
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(10000);
	}
	CHECK_STR(last_action, "instance-started");
	engine_close(e);
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK(uv_loop_close(&loop) == 0);
}

int
main(void)
{
	char *cmd;

	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(db_schema_and_maps);
	RUN(warnings);
	if (geteuid() == 0) {
		RUN(operations_in_helpers);
		RUN(events_between_processes);
	} else {
		printf("# skipping engine_open tests: not root\n");
	}
	cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", dir);
	free(cmd);
	return harness_done();
}
