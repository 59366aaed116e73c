/*
 * common.h - the bottom layer every other layer stands on.
 *
 * Allocation that never fails (xmalloc.c), levelled logging to stderr (log.c),
 * user-visible errors that carry an HTTP-style code and a message naming the
 * object (err.c), and the small value types the model is made of: an ordered
 * string list (strv), a sorted string map (strmap) and a sorted map of named
 * devices (devmap) (strmap.c).  Nothing here knows about containers, JSON or
 * terminals.
 */
#ifndef LXDECK_COMMON_H
#define LXDECK_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))

/*
 * A user-visible error.  code is an HTTP status (400 bad request, 404 not
 * found, 409 conflict, 412 precondition failed, 500 internal, 501 not
 * implemented, 503 unavailable); msg names the object:
 *     Failed to start instance "web1": ...
 * Every backend method and every API handler takes a struct err * last.
 */
struct err {
	int	code;
	char	msg[256];
};

/* An ordered list of owned strings. */
struct strv {
	size_t	  n;
	char	**v;
};

/* A map of owned strings kept sorted by key (so iteration order is stable). */
struct strmap {
	size_t	  n;
	size_t	  cap;
	char	**keys;
	char	**vals;
};

/* Devices: name -> properties (one of them is "type"), sorted by name. */
struct devmap {
	size_t		 n;
	size_t		 cap;
	char		**names;
	struct strmap	*props;
};

/* xmalloc.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);		/* NULL in, NULL out */
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) PRINTF_LIKE(1, 2);
char	*xvasprintf(const char *, va_list);
void	 fatal(const char *, ...) PRINTF_LIKE(1, 2) NORETURN;

/* log.c */
enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
void	 log_set_level(enum log_level);
void	 log_set_prefix(const char *);
void	 log_msg(enum log_level, const char *, ...) PRINTF_LIKE(2, 3);
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* err.c */
/* Sets e (if not NULL) and returns -1, so callers can `return err_set(...)`. */
int	 err_set(struct err *, int code, const char *, ...) PRINTF_LIKE(3, 4);
/* Prefixes the existing message: "Failed to start instance "x": <old msg>". */
int	 err_prefix(struct err *, const char *, ...) PRINTF_LIKE(2, 3);
void	 err_clear(struct err *);
bool	 err_is_set(const struct err *);

/* strmap.c: strv */
void	 strv_push(struct strv *, const char *);	/* copies */
void	 strv_free(struct strv *);			/* leaves it empty */
void	 strv_copy(struct strv *dst, const struct strv *src);
int	 strv_index(const struct strv *, const char *);	/* -1 if absent */
bool	 strv_equal(const struct strv *, const struct strv *);
/* Splits s at sep (empty fields dropped); the result is appended. */
void	 strv_split(struct strv *, const char *s, char sep);
char	*strv_join(const struct strv *, const char *sep);	/* caller frees */

/* strmap.c: strmap */
const char *strmap_get(const struct strmap *, const char *key); /* borrowed */
void	 strmap_set(struct strmap *, const char *key, const char *val);
bool	 strmap_unset(struct strmap *, const char *key);
void	 strmap_free(struct strmap *);
void	 strmap_copy(struct strmap *dst, const struct strmap *src);
/* dst gets every key of src, overwriting. */
void	 strmap_merge(struct strmap *dst, const struct strmap *src);
bool	 strmap_equal(const struct strmap *, const struct strmap *);

/* strmap.c: devmap */
struct strmap *devmap_get(const struct devmap *, const char *name); /* borrowed */
/* Replaces the device of that name whole (a copy of props). */
void	 devmap_set(struct devmap *, const char *name, const struct strmap *props);
bool	 devmap_unset(struct devmap *, const char *name);
void	 devmap_free(struct devmap *);
void	 devmap_copy(struct devmap *dst, const struct devmap *src);
void	 devmap_merge(struct devmap *dst, const struct devmap *src);
bool	 devmap_equal(const struct devmap *, const struct devmap *);

/* time.c */
int64_t	 time_now_ns(void);
/* RFC3339 with nanoseconds in UTC, as LXD prints: 2026-11-28T03:05:09.704028436Z.
 * ns == 0 gives 0001-01-01T00:00:00Z.  buf must hold 40 bytes. */
char	*time_format_rfc3339(int64_t ns, char *buf, size_t len);
/* Parses RFC3339 (fractional seconds and offsets optional); 0 or -EINVAL. */
int	 time_parse_rfc3339(const char *, int64_t *ns);

#endif
