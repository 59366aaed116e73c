/*
 * curl-load.h - libcurl loaded on first use (curl-load.c).
 *
 * lxdeckd talks to image servers rarely, and from helper processes; linked
 * in, libcurl would bring some 25 libraries (GnuTLS, Kerberos, LDAP, SSH,
 * RTMP...) into the daemon: several MB of resident memory from their
 * relocations and constructors, and more mappings for every fork() of an
 * exec or an op to copy.  A file that includes this header instead of
 * <curl/curl.h> calls the few easy-interface functions it uses through
 * pointers that curl_load() fills from the dlopen()ed library; the call
 * sites keep libcurl's names.  Call curl_load() (it loads once, and
 * curl_global_init()s) before any curl_* call; it returns false when
 * libcurl is not installed, and nothing may be called then.
 */
#ifndef LXDECK_CURL_LOAD_H
#define LXDECK_CURL_LOAD_H

#include <stdbool.h>

#include <curl/curl.h>

struct curl_load_syms {
	CURL		*(*easy_init)(void);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_perform)(CURL *);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void		 (*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	char		*(*easy_escape)(CURL *, const char *, int);
	void		 (*free)(void *);
};

extern struct curl_load_syms curl_load_syms;

bool	 curl_load(void);

/* <curl/curl.h> may define these two as type-checking macros. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_init		(*curl_load_syms.easy_init)
#define curl_easy_setopt	(*curl_load_syms.easy_setopt)
#define curl_easy_perform	(*curl_load_syms.easy_perform)
#define curl_easy_getinfo	(*curl_load_syms.easy_getinfo)
#define curl_easy_cleanup	(*curl_load_syms.easy_cleanup)
#define curl_easy_strerror	(*curl_load_syms.easy_strerror)
#define curl_easy_escape	(*curl_load_syms.easy_escape)
#define curl_free		(*curl_load_syms.free)

#endif
