/*
 * console-acc.c - the console log of a remote instance, kept whole on our
 * side when the server hands it out in drained pieces.
 *
 * LXD 5.x and Incus answer GET /1.0/instances/NAME/console for a running
 * container with liblxc's console ring buffer and empty that buffer on
 * every read: each read returns only what the console printed since the
 * previous one (LXD 5.0.2 answers an empty buffer with 500 "open : no
 * such file or directory", Incus with an empty body).  A stopped
 * container's log is the whole console.log file, every time.  lxdeckd
 * returns the whole log every time.
 *
 * So for a draining server the REST client appends each piece to a
 * per-instance accumulation and hands out the whole.  An accumulation
 * belongs to one run of the instance, keyed by its init pid: another pid
 * (a restart between two reads) starts it afresh.  It keeps the last
 * CONSOLE_ACC_MAX bytes, like a ring buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "client-internal.h"

#define CONSOLE_ACC_MAX	(1024 * 1024)

struct console_acc {
	char			*inst;
	pid_t			 pid;
	struct buf		 log;
	struct console_acc	*next;
};

static struct console_acc *
console_acc_find(struct console_acc *list, const char *inst)
{
	for (; list != NULL; list = list->next)
		if (strcmp(list->inst, inst) == 0)
			return list;
	return NULL;
}

char *
console_acc_add(struct console_acc **list, const char *inst, pid_t pid,
    const char *piece, size_t n, size_t *len)
{
	struct console_acc *a = console_acc_find(*list, inst);
	char *out;

	if (a == NULL) {
		a = xcalloc(1, sizeof *a);
		a->inst = xstrdup(inst);
		a->pid = pid;
		a->next = *list;
		*list = a;
	} else if (a->pid != pid) {
		a->log.len = 0;
		a->pid = pid;
	}
	if (n >= CONSOLE_ACC_MAX) {
		piece += n - CONSOLE_ACC_MAX;
		n = CONSOLE_ACC_MAX;
	}
	if (a->log.len + n > CONSOLE_ACC_MAX) {
		size_t drop = a->log.len + n - CONSOLE_ACC_MAX;

		memmove(a->log.data, a->log.data + drop, a->log.len - drop);
		a->log.len -= drop;
	}
	buf_append(&a->log, piece, n);
	*len = a->log.len;
	out = xmalloc(a->log.len + 1);
	memcpy(out, a->log.data, a->log.len);
	out[a->log.len] = '\0';
	return out;
}

void
console_acc_forget(struct console_acc **list, const char *inst)
{
	struct console_acc **pp, *a;

	for (pp = list; (a = *pp) != NULL; pp = &a->next) {
		if (strcmp(a->inst, inst) == 0) {
			*pp = a->next;
			free(a->inst);
			buf_free(&a->log);
			free(a);
			return;
		}
	}
}

void
console_acc_free(struct console_acc **list)
{
	while (*list != NULL)
		console_acc_forget(list, (*list)->inst);
}
