/*
 * name.c - what an instance, snapshot or profile may be called.
 *
 * The rules are LXD 5.0.2's, so that a name the stock `lxc` client accepts
 * against LXD is accepted here and the other way round:
 *
 * - An instance name is a DNS host label (it becomes the container's
 *   hostname): 1-63 ASCII letters, digits and '-', not starting with a digit
 *   or '-', not ending with '-'.  A name made only of digits starts with a
 *   digit, so it is refused by that rule.
 * - A snapshot name is freer (LXD only asks that it be safe in a URL
 *   segment and hold no space): no '/', '?', '&', '+' or white space.  It is
 *   also a directory name under snapshots/INSTANCE/, so "." and ".." are
 *   refused as well, and it is capped at 255 bytes (NAME_MAX).
 * - A profile name only has to be non-empty, slash-free and not "." or ".."
 *   (LXD's checks); it is capped at 63 bytes so lists stay readable.
 *
 * Every refusal is a 400 whose message names the rejected name and says why.
 * The engine and the fake backend both call these (core.h), so they refuse
 * the same names with the same words.
 */
#include <ctype.h>
#include <string.h>

#include "core.h"

#define NAME_SNAPSHOT_MAX	255
#define NAME_PROFILE_MAX	63
#define NAME_INSTANCE_MAX	63

int
name_validate_instance(const char *name, struct err *e)
{
	const char *why = NULL;
	size_t len, i;

	if (name == NULL)
		name = "";
	len = strlen(name);
	if (len < 1 || len > NAME_INSTANCE_MAX) {
		why = "Name must be 1-63 characters long";
		goto out;
	}
	if (name[0] == '-') {
		why = "Name must not start with \"-\" character";
		goto out;
	}
	if (name[len - 1] == '-') {
		why = "Name must not end with \"-\" character";
		goto out;
	}
	if (isdigit((unsigned char)name[0])) {
		why = "Name must not start with a digit";
		goto out;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/') {
			why = "The character \"/\" is reserved for snapshots";
			goto out;
		}
		if (!(isascii(c) && isalnum(c)) && c != '-') {
			why = "Name can only contain alphanumeric and hyphen characters";
			goto out;
		}
	}
out:
	if (why != NULL)
		return err_set(e, 400, "Invalid instance name \"%.64s\": %s", name, why);
	return 0;
}

/*
 * Snapshot and profile names are free-form but for a length, "." and "..",
 * a few reserved characters and the control characters (snapshots: white
 * space too).  One row each, so the two stay alike where LXD's are.
 */
struct name_rule {
	const char	*what;		/* in "Invalid %s name" */
	size_t		 max;
	const char	*too_long;
	const char	*reserved;	/* characters refused ... */
	const char	*reserved_why;	/* ... and why */
	bool		 no_space;	/* white space refused with the controls */
	const char	*control_why;
};

static const struct name_rule name_snapshot_rule = {
	"snapshot", NAME_SNAPSHOT_MAX, "Name must be at most 255 characters long",
	"/?&+", "Name cannot contain \"/\", \"?\", \"&\" or \"+\"",
	true, "Name cannot contain spaces or control characters",
};

static const struct name_rule name_profile_rule = {
	"profile", NAME_PROFILE_MAX, "Name must be at most 63 characters long",
	"/", "Profile names may not contain slashes",
	false, "Name cannot contain control characters",
};

static int
name_validate_free_form(const struct name_rule *r, const char *name, struct err *e)
{
	const char *why = NULL;
	size_t len, i;

	if (name == NULL)
		name = "";
	len = strlen(name);
	if (len == 0) {
		why = "Name must not be empty";
		goto out;
	}
	if (len > r->max) {
		why = r->too_long;
		goto out;
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		why = "Name must not be \".\" or \"..\"";
		goto out;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (strchr(r->reserved, c) != NULL) {
			why = r->reserved_why;
			goto out;
		}
		if (iscntrl(c) || (r->no_space && isspace(c))) {
			why = r->control_why;
			goto out;
		}
	}
out:
	if (why != NULL)
		return err_set(e, 400, "Invalid %s name \"%.64s\": %s", r->what, name,
		    why);
	return 0;
}

int
name_validate_snapshot(const char *name, struct err *e)
{
	return name_validate_free_form(&name_snapshot_rule, name, e);
}

int
name_validate_profile(const char *name, struct err *e)
{
	return name_validate_free_form(&name_profile_rule, name, e);
}
