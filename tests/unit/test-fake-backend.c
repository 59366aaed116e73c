/*
 * test-fake-backend.c - the in-memory fake backend behaves like the contract
 * says: seeded objects, errors naming objects, async operations with events
 * delivered from the loop (never synchronously), op_wait.
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../core/core.h"
#include "../backend-test.h"
#include "../harness.h"

TEST(seed_and_errors)
{
	uv_loop_t loop;
	struct err e = { 0 };
	struct backend *b;
	struct instance *v = NULL, *one = NULL;
	size_t n = 0;
	char *op = NULL;

	uv_loop_init(&loop);
	unsetenv("LXDECK_FAKE_INSTANCES");
	b = backend_fake_create(&loop, &e);
	CHECK(b != NULL);
	CHECK(b->ops->instance_list(b, INSTANCE_WITH_STATE, &v, &n, &e) == 0);
	CHECK(n == 6);
	CHECK(backend_test_find(v, n, "web1") != NULL && backend_test_find(v, n, "web1")->state != NULL);
	CHECK(backend_test_find(v, n, "web1")->status == STATUS_RUNNING);
	CHECK(backend_test_find(v, n, "build")->status == STATUS_STOPPED);
	CHECK(backend_test_find(v, n, "cache1")->status == STATUS_FROZEN);
	CHECK_STR(backend_test_find(v, n, "web1")->state->nics[0].addrs[0].address, "10.0.3.3");
	CHECK_STR(strmap_get(&backend_test_find(v, n, "build")->expanded_config, "security.nesting"),
	    "true");
	instance_array_free(v, n);

	CHECK(b->ops->instance_get(b, "nope", 0, &one, &e) == -1);
	CHECK(e.code == 404);
	CHECK_STR(e.msg, "Instance not found");
	CHECK(b->ops->instance_action(b, "web1", "start", -1, false, false, &op, &e) == -1);
	CHECK_STR(e.msg, "The instance is already running");
	CHECK(op == NULL);
	{
		struct instance_create c = { 0 };

		c.name = "9bad";
		c.source = SOURCE_IMAGE;
		c.image = "busybox";
		CHECK(b->ops->instance_create(b, &c, &op, &e) == -1);
		CHECK(e.code == 400);
		c.name = "web1";
		CHECK(b->ops->instance_create(b, &c, &op, &e) == -1);
		CHECK(e.code == 409);
		c.name = "web9";
		c.image = "nosuch";
		CHECK(b->ops->instance_create(b, &c, &op, &e) == -1);
		CHECK(e.code == 404);
	}
	CHECK(b->ops->instance_delete(b, "web1", &op, &e) == -1);
	CHECK(e.code == 400);
	CHECK(backend_test_close(b, &loop) == 0);
}

TEST(async_ops_and_events)
{
	uv_loop_t loop;
	struct err e = { 0 };
	struct backend *b;
	struct backend_test_seen s = { 0 };
	struct instance_create c = { 0 };
	struct op_info oi = { 0 };
	struct instance *one = NULL;
	char *op = NULL;
	int sub;

	uv_loop_init(&loop);
	b = backend_fake_create(&loop, &e);
	sub = b->ops->subscribe(b, backend_test_on_event, &s);
	CHECK(sub > 0);
	CHECK(b->ops->instance_action(b, "build", "start", -1, false, false, &op, &e) == 0);
	CHECK(op != NULL && strlen(op) == 36);
	CHECK(s.lifecycle == 0 && s.ops == 0);	/* never synchronous */
	CHECK(b->ops->op_get(b, op, &oi, &e) == 0);
	CHECK(oi.status == STATUS_PENDING);
	op_info_free_contents(&oi);
	CHECK(b->ops->op_wait(b, op, 2000, &oi, &e) == 0);
	CHECK(oi.status == STATUS_SUCCESS);
	op_info_free_contents(&oi);
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK(s.lifecycle >= 1);
	CHECK_STR(s.last_action, "instance-started");
	CHECK_STR(s.last_source, "/1.0/instances/build");
	CHECK(s.ops >= 3);	/* pending, running, success */
	free(op);
	op = NULL;
	CHECK(b->ops->instance_get(b, "build", INSTANCE_WITH_STATE, &one, &e) == 0);
	CHECK(one->status == STATUS_RUNNING && one->state->pid > 0);
	instance_free(one);

	c.name = "web9";
	c.source = SOURCE_IMAGE;
	c.image = "busybox";
	CHECK(b->ops->instance_create(b, &c, &op, &e) == 0);
	CHECK(backend_test_wait(b, &op, &e) == 0);
	CHECK(b->ops->instance_get(b, "web9", 0, &one, &e) == 0);
	CHECK(one != NULL && one->status == STATUS_STOPPED);
	CHECK(one != NULL && one->profiles.n == 1);
	instance_free(one);

	CHECK(b->ops->snapshot_create(b, "web9", NULL, false, 0, &op, &e) == 0);
	CHECK(backend_test_wait(b, &op, &e) == 0);
	CHECK(b->ops->instance_get(b, "web9", INSTANCE_WITH_SNAPSHOTS, &one, &e) == 0);
	CHECK(one->nsnapshots == 1);
	CHECK_STR(one->snapshots[0].name, "snap0");
	instance_free(one);

	CHECK(b->ops->profile_delete(b, "docker", &e) == -1);
	CHECK(strstr(e.msg, "/1.0/instances/build") != NULL);

	b->ops->unsubscribe(b, sub);
	CHECK(backend_test_close(b, &loop) == 0);
}

TEST(seed_many)
{
	uv_loop_t loop;
	struct err e = { 0 };
	struct backend *b;
	struct instance *v = NULL;
	size_t n = 0, i, running = 0, stopped = 0, frozen = 0;

	uv_loop_init(&loop);
	setenv("LXDECK_FAKE_INSTANCES", "1000", 1);
	b = backend_fake_create(&loop, &e);
	unsetenv("LXDECK_FAKE_INSTANCES");
	CHECK(b->ops->instance_list(b, INSTANCE_WITH_STATE, &v, &n, &e) == 0);
	CHECK(n == 1000);
	CHECK_STR(v[0].name, "c0001");
	CHECK_STR(v[999].name, "c1000");
	for (i = 0; i < n; i++) {
		running += v[i].status == STATUS_RUNNING;
		stopped += v[i].status == STATUS_STOPPED;
		frozen += v[i].status == STATUS_FROZEN;
	}
	CHECK(running > 0 && stopped > 0 && frozen > 0);
	instance_array_free(v, n);
	CHECK(backend_test_close(b, &loop) == 0);
}

int
main(void)
{
	RUN(seed_and_errors);
	RUN(async_ops_and_events);
	RUN(seed_many);
	return harness_done();
}
