/*
 * backend-local.c - the embedded engine behind struct backend_ops (local:).
 *
 * (Being built: until the engine lands, creating it reports 501.)
 */
#include "backend.h"

struct backend *
backend_local_create(struct uv_loop_s *loop, const char *dir, struct err *e)
{
	(void)loop;
	(void)dir;
	err_set(e, 501, "The local engine is not built yet");
	return NULL;
}
