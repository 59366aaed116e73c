/*
 * api-certificates.c - /1.0/certificates on the unix socket.
 *
 * Every unix-socket peer is trusted by file permissions alone, so the
 * trust store is empty here; adding certificates comes with the HTTPS
 * listener.
 */
#include "remote.h"

int
api_certificates_list(struct request *r, struct err *e)
{
	response_sync(r, json_object_new_array(), NULL);
	return 0;
}

int
api_certificates_create(struct request *r, struct err *e)
{
	return err_set(e, 501, "Adding certificates is not supported yet "
	    "(lxdeckd listens on its unix socket only)");
}
