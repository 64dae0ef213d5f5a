/* What one local client may cost vnetd: request and reply sizes, connections
 * per uid and in total, and the descriptors that stay free for repairs.
 *
 * The control socket is open to every local user (read-only verbs), so an
 * unprivileged peer gets small limits and a share of the connections that
 * never reaches root's; root gets libvirt-like ones. The connection cap sits
 * well below RLIMIT_NOFILE, so clients cannot take the descriptors repairs
 * need (netlink, nftables, dnsmasq pidfds and pipes). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#define LIMITS_REQ_ROOT (32u * 1024 * 1024)     /* request bytes, root (libvirt: 32 MiB) */
#define LIMITS_REQ_USER (64u * 1024)            /* request bytes, other users */
#define LIMITS_CONNS_PER_USER 32                /* open connections per non-root uid */
#define LIMITS_CONNS_MAX 1024                   /* all connections (lowered to fit NOFILE) */
#define LIMITS_REPLY_USER (16u * 1024 * 1024)   /* one queued reply, non-root */
#define LIMITS_REPLIES_USER (64u * 1024 * 1024) /* queued reply bytes, all non-root peers */
#define LIMITS_REPLY_STALL_MS 5000 /* a peer that takes no reply bytes this long is dropped */
#define LIMITS_ACCEPT_BATCH 64     /* accepts per wake-up, so the loop serves others */
#define LIMITS_USER_SLOT_US 100000 /* non-root requests may keep the daemon busy for ... */
#define LIMITS_USER_BUSY_US 30000  /* ... this much of each slot; the rest wait for the next */

typedef struct limits {
    int reserve_fd;                /* kept open to shed a connection when descriptors run out */
    long long fd_short_log_ms;     /* when EMFILE/ENFILE was last logged */
    long long refused_log_ms;      /* when a refused connection was last logged */
    sd_event_source *accept_pause; /* re-enables accepting after a shortage */
    long long user_slot;           /* LIMITS_USER_SLOT_US slot the count below is for */
    long long user_busy_us;        /* time spent on non-root requests in it */
    sd_event_source *user_resume;  /* resumes parked non-root requests at the next slot */
    size_t max_conns;              /* total cap, from RLIMIT_NOFILE */
    size_t n_conns;                /* open connections */
    size_t n_user_conns;           /* ... of which from non-root peers */
    size_t user_reply_bytes;       /* reply bytes queued to non-root peers */
} limits;

/* Raise RLIMIT_NOFILE's soft limit to the hard one, size the connection cap
 * to half of it, open the reserve descriptor. Never fails (logs). */
void limits_init(limits *l);
void limits_close(limits *l);
/* The largest request accepted from a peer. */
size_t limits_request_max(uid_t uid);
/* May a new connection from uid be kept? `same_uid` is how many it has open.
 * Returns NULL when yes, else why not (for a log line). */
const char *limits_admit(const limits *l, uid_t uid, size_t same_uid);
void limits_conn_opened(limits *l, uid_t uid);
void limits_conn_closed(limits *l, uid_t uid);
/* May a reply of `len` bytes be queued to uid? NULL when yes, else why not. */
const char *limits_reply_admit(const limits *l, uid_t uid, size_t len);
void limits_reply_queued(limits *l, uid_t uid, size_t len);
void limits_reply_done(limits *l, uid_t uid, size_t len);
/* Has the daemon spent this slot's share on non-root requests (now: monotonic
 * µs)? Then a non-root request waits for the next slot (limits_user_next_slot). */
bool limits_user_busy(limits *l, long long now_us);
void limits_user_worked(limits *l, long long now_us, long long busy_us);
long long limits_user_next_slot(long long now_us);

/* accept4() failed with EMFILE/ENFILE: free the reserve, accept and close one
 * pending connection (so the listening socket stops being readable), take the
 * reserve back. Logs at most once a minute. Returns false when nothing could
 * be shed (no reserve): the caller then pauses accepting for a moment rather
 * than spin on a readable socket. */
bool limits_shed_one(limits *l, int listen_fd);
/* A connection was refused by limits_admit(): log it at most once a minute. */
void limits_log_refused(limits *l, uid_t uid, const char *why);
