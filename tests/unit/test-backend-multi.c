/*
 * test-backend-multi.c - the multi backend over two fakes ("a" and "b"):
 * merged lists (instances carrying their member in ->remote, other objects
 * named REMOTE:NAME), per-object calls to REMOTE:NAME going to the named
 * member only, REMOTE:UUID operation ids that op_get/op_wait find, events
 * forwarded with rewritten sources, errors naming the remote, read-only
 * members refusing changes.
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "../../core/core.h"
#include "../backend-test.h"
#include "../harness.h"

static struct backend *
named_fake(uv_loop_t *loop, const char *name)
{
	struct err e = { 0 };
	struct backend *b = backend_fake_create(loop, &e);

	free(b->name);
	b->name = xstrdup(name);
	return b;
}

/* The instance name of member remote (NULL: one that names no member). */
static struct instance *
find_on(struct instance *v, size_t n, const char *remote, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0 && (remote == NULL ?
		    v[i].remote == NULL : v[i].remote != NULL &&
		    strcmp(v[i].remote, remote) == 0))
			return &v[i];
	return NULL;
}

TEST(merged_list)
{
	uv_loop_t loop;
	struct err e = { 0 };
	struct backend *m[2], *b;
	struct instance *v = NULL, *one = NULL;
	struct profile *p = NULL;
	size_t n = 0, np = 0, i;
	bool used = false;

	uv_loop_init(&loop);
	unsetenv("LXDECK_FAKE_INSTANCES");
	m[0] = named_fake(&loop, "a");
	m[1] = named_fake(&loop, "b");
	b = backend_multi_create(&loop, m, 2, &e);
	CHECK(b != NULL);
	CHECK(backend_multi_is(b));
	CHECK_STR(b->name, "a,b");
	CHECK(backend_multi_count(b) == 2);
	CHECK(backend_multi_member(b, 1) == m[1]);
	CHECK(b->ops->instance_list(b, INSTANCE_WITH_STATE, &v, &n, &e) == 0);
	CHECK(n == 12);
	CHECK(find_on(v, n, "a", "web1") != NULL);
	CHECK(find_on(v, n, "b", "web1") != NULL);
	CHECK(find_on(v, n, NULL, "web1") == NULL);
	CHECK(find_on(v, n, NULL, "a:web1") == NULL);
	CHECK(find_on(v, n, "a", "a:web1") == NULL);
	CHECK(find_on(v, n, "b", "web1") != NULL &&
	    find_on(v, n, "b", "web1")->state != NULL);
	CHECK_STR(backend_multi_warning(b), "");
	instance_array_free(v, n);

	CHECK(b->ops->instance_get(b, "b:build", 0, &one, &e) == 0);
	CHECK_STR(one ? one->name : NULL, "build");
	CHECK_STR(one ? one->remote : NULL, "b");
	instance_free(one);

	CHECK(b->ops->profile_list(b, &p, &np, &e) == 0);
	for (i = 0; i < np; i++)
		if (strcmp(p[i].name, "b:docker") == 0)
			used = strv_index(&p[i].used_by, "/1.0/instances/b:build") >= 0;
	CHECK(used);
	profile_array_free(p, np);

	CHECK(backend_test_close(b, &loop) == 0);
}

TEST(dispatch_ops_events)
{
	uv_loop_t loop;
	struct err e = { 0 };
	struct backend *m[2], *b;
	struct backend_test_seen s = { 0 };
	struct op_info oi = { 0 };
	struct op_info *ops = NULL;
	size_t nops = 0, i;
	bool listed = false;
	char *op = NULL;
	int sub;

	uv_loop_init(&loop);
	m[0] = named_fake(&loop, "a");
	m[1] = named_fake(&loop, "b");
	b = backend_multi_create(&loop, m, 2, &e);
	sub = b->ops->subscribe(b, backend_test_on_event, &s);
	CHECK(sub > 0);

	CHECK(b->ops->instance_action(b, "b:build", "start", -1, false, false, &op,
	    &e) == 0);
	CHECK(op != NULL && strncmp(op, "b:", 2) == 0 && strlen(op) == 38);
	CHECK(b->ops->op_get(b, op, &oi, &e) == 0);
	CHECK_STR(oi.id, op);
	op_info_free_contents(&oi);
	CHECK(b->ops->op_list(b, &ops, &nops, &e) == 0);
	for (i = 0; i < nops; i++)
		listed |= strcmp(ops[i].id, op) == 0;
	CHECK(listed);
	op_info_array_free(ops, nops);
	CHECK(b->ops->op_wait(b, op, 2000, &oi, &e) == 0);
	CHECK(oi.status == STATUS_SUCCESS);
	CHECK_STR(oi.id, op);
	op_info_free_contents(&oi);
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK(s.lifecycle >= 1);
	CHECK_STR(s.last_source, "/1.0/instances/b:build");
	CHECK(s.ops >= 3);
	CHECK_STR(s.last_op, op);
	CHECK_STR(s.last_res, "/1.0/instances/b:build");
	free(op);
	op = NULL;

	/* Only b's build started. */
	CHECK(backend_test_status(b, "b:build") == STATUS_RUNNING);
	CHECK(backend_test_status(b, "a:build") == STATUS_STOPPED);
	CHECK(backend_test_status(m[0], "build") == STATUS_STOPPED);

	/* A change made on a member directly is forwarded too. */
	s.lifecycle = 0;
	CHECK(m[0]->ops->instance_action(m[0], "build", "start", -1, false, false,
	    &op, &e) == 0);
	CHECK(backend_test_wait(m[0], &op, &e) == 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK(s.lifecycle >= 1);
	CHECK_STR(s.last_source, "/1.0/instances/a:build");

	/* Unsubscribed: nothing more arrives. */
	b->ops->unsubscribe(b, sub);
	s.lifecycle = 0;
	CHECK(b->ops->instance_action(b, "a:build", "stop", -1, true, false, &op,
	    &e) == 0);
	CHECK(backend_test_wait(b, &op, &e) == 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK(s.lifecycle == 0);

	CHECK(backend_test_close(b, &loop) == 0);
}

TEST(errors_name_the_remote)
{
	uv_loop_t loop;
	struct err e = { 0 };
	struct backend *m[2], *b;
	char *op = NULL;
	struct instance_create c = { 0 };

	uv_loop_init(&loop);
	m[0] = named_fake(&loop, "a");
	m[1] = named_fake(&loop, "b");
	b = backend_multi_create(&loop, m, 2, &e);

	CHECK(b->ops->instance_action(b, "web1", "start", -1, false, false, &op,
	    &e) == -1);
	CHECK(e.code == 400 && strstr(e.msg, "names no remote") != NULL);
	err_clear(&e);
	CHECK(b->ops->instance_action(b, "c:web1", "start", -1, false, false, &op,
	    &e) == -1);
	CHECK(e.code == 404 && strstr(e.msg, "remote \"c\"") != NULL);
	err_clear(&e);
	CHECK(b->ops->instance_action(b, "a:web1", "start", -1, false, false, &op,
	    &e) == -1);
	CHECK_STR(e.msg, "remote a: The instance is already running");
	err_clear(&e);
	CHECK(b->ops->op_get(b, "b:00000000-0000-0000-0000-000000000000", &(struct
	    op_info){ 0 }, &e) == -1);
	CHECK(e.code == 404 && strncmp(e.msg, "remote b: ", 10) == 0);
	CHECK(op == NULL);

	/* Create goes to the named remote, copies stay on it. */
	c.name = "b:web9";
	c.source = SOURCE_IMAGE;
	c.image = "busybox";
	CHECK(b->ops->instance_create(b, &c, &op, &e) == 0);
	CHECK(backend_test_wait(b, &op, &e) == 0);
	CHECK(backend_test_status(m[1], "web9") == STATUS_STOPPED);
	CHECK(backend_test_status(m[0], "web9") == -1);
	c.name = "a:web10";
	c.source = SOURCE_COPY;
	c.copy_from = "b:web9";
	err_clear(&e);
	CHECK(b->ops->instance_create(b, &c, &op, &e) == -1);
	CHECK(e.code == 400 && op == NULL);

	/* A read-only member refuses changes, reads still work. */
	m[1]->read_only = true;
	err_clear(&e);
	CHECK(b->ops->instance_action(b, "b:build", "start", -1, false, false, &op,
	    &e) == -1);
	CHECK(e.code == 403 && strstr(e.msg, "b:build") != NULL);
	CHECK(backend_test_status(b, "b:build") == STATUS_STOPPED);
	CHECK(b->ops->instance_action(b, "a:build", "start", -1, false, false, &op,
	    &e) == 0);
	CHECK(backend_test_wait(b, &op, &e) == 0);

	CHECK(backend_test_close(b, &loop) == 0);

	/* Two members with one name cannot be told apart. */
	uv_loop_init(&loop);
	m[0] = named_fake(&loop, "a");
	m[1] = named_fake(&loop, "a");
	err_clear(&e);
	CHECK(backend_multi_create(&loop, m, 2, &e) == NULL);
	CHECK(e.code == 400 && strstr(e.msg, "\"a\"") != NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(uv_loop_close(&loop) == 0);
}

int
main(void)
{
	RUN(merged_list);
	RUN(dispatch_ops_events);
	RUN(errors_name_the_remote);
	return harness_done();
}
