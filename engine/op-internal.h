/*
 * op-internal.h - what op.c and op-worker.c share about an operation.
 */
#ifndef LXDECK_OP_INTERNAL_H
#define LXDECK_OP_INTERNAL_H

#include "engine.h"

struct op {
	struct op	*next;
	struct engine	*engine;
	struct op_info	 info;
	struct op_spec	 spec;
	pid_t		 pid;		/* helper process, -1 when none */
	int		 fd;		/* parent's end of the helper's socket */
	uv_poll_t	*poll;
	uv_timer_t	*timer;		/* deferred event, then expiry */
	char		*rx;		/* partial line from the helper */
	size_t		 rxlen;
	bool		 final;
	bool		 cancelled;
	bool		 got_result;
	int		 err_code;	/* HTTP-style code of a failure */
};

/* op.c */
struct op *op_find(struct engine *, const char *id);
void	 op_finalize(struct engine *, struct op *, bool defer_event);

/* op-worker.c: the helper's side; it calls nothing of op.c. */
/* Forks the helper; readable runs on the loop when it wrote. */
int	 op_worker_spawn(struct engine *, struct op *, uv_poll_cb readable,
	    struct err *);
/* Takes what the helper wrote, up to a progress line (OP_WORKER_PROGRESS:
 * report it, then call again), until nothing more is there yet
 * (OP_WORKER_MORE) or the helper is gone and reaped (OP_WORKER_END: its
 * result is in op->info, the op is to be finalized). */
enum { OP_WORKER_MORE, OP_WORKER_PROGRESS, OP_WORKER_END };
int	 op_worker_read(struct engine *, struct op *);
#endif
