/* Bounds on what control-socket clients may cost (see limits.h). */
#include "daemon/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

static int open_reserve(void)
{
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void limits_init(limits *l)
{
    struct rlimit rl;
    *l = (limits){.reserve_fd = -1, .max_conns = LIMITS_CONNS_MAX};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rlim_t old = rl.rlim_cur;
            rl.rlim_cur = rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
                log_warn("cannot raise the open-files limit from %llu: %s", (unsigned long long)old,
                         strerror(errno));
                rl.rlim_cur = old;
            }
        }
        /* half of the descriptors stay for networks: netlink, nftables, pidfds */
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < l->max_conns)
            l->max_conns = rl.rlim_cur / 2;
    }
    l->reserve_fd = open_reserve();
}

void limits_close(limits *l)
{
    if (l->reserve_fd >= 0)
        close(l->reserve_fd);
    l->reserve_fd = -1;
    l->accept_pause = sd_event_source_disable_unref(l->accept_pause);
    l->user_resume = sd_event_source_disable_unref(l->user_resume);
}

size_t limits_request_max(uid_t uid)
{
    return uid == 0 ? LIMITS_REQ_ROOT : LIMITS_REQ_USER;
}

const char *limits_admit(const limits *l, uid_t uid, size_t same_uid)
{
    if (l->n_conns >= l->max_conns)
        return "too many connections";
    if (uid == 0)
        return NULL;
    /* other users together never take more than half, so root always gets in */
    if (l->n_user_conns >= l->max_conns / 2)
        return "too many connections from unprivileged users";
    if (same_uid >= LIMITS_CONNS_PER_USER)
        return "too many connections from this user";
    return NULL;
}

void limits_conn_opened(limits *l, uid_t uid)
{
    l->n_conns++;
    if (uid != 0)
        l->n_user_conns++;
}

void limits_conn_closed(limits *l, uid_t uid)
{
    l->n_conns--;
    if (uid != 0)
        l->n_user_conns--;
}

const char *limits_reply_admit(const limits *l, uid_t uid, size_t len)
{
    if (uid == 0)
        return NULL;
    if (l->user_reply_bytes >= LIMITS_REPLIES_USER)
        return "server busy: too many unread replies to unprivileged callers";
    if (len > LIMITS_REPLY_USER)
        return "reply too large for an unprivileged caller";
    if (l->user_reply_bytes + len > LIMITS_REPLIES_USER)
        return "server busy: too many unread replies to unprivileged callers";
    return NULL;
}

void limits_reply_queued(limits *l, uid_t uid, size_t len)
{
    if (uid != 0)
        l->user_reply_bytes += len;
}

void limits_reply_done(limits *l, uid_t uid, size_t len)
{
    if (uid != 0)
        l->user_reply_bytes -= len;
}

bool limits_user_busy(limits *l, long long now_us)
{
    if (now_us / LIMITS_USER_SLOT_US != l->user_slot)
        return false;
    return l->user_busy_us >= LIMITS_USER_BUSY_US;
}

void limits_user_worked(limits *l, long long now_us, long long busy_us)
{
    long long slot = now_us / LIMITS_USER_SLOT_US;
    if (slot != l->user_slot) {
        l->user_slot = slot;
        l->user_busy_us = 0;
    }
    l->user_busy_us += busy_us;
}

long long limits_user_next_slot(long long now_us)
{
    return (now_us / LIMITS_USER_SLOT_US + 1) * LIMITS_USER_SLOT_US;
}

/* true (and remember now) when the last such line is a minute old */
static bool log_due(long long *last_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long now = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
    if (*last_ms != 0 && now - *last_ms < 60000)
        return false;
    *last_ms = now;
    return true;
}

bool limits_shed_one(limits *l, int listen_fd)
{
    int saved = errno;
    if (log_due(&l->fd_short_log_ms))
        log_warn("control socket: out of file descriptors (%s); shedding new connections",
                 strerror(saved));
    if (l->reserve_fd < 0) {
        l->reserve_fd = open_reserve();
        return false;
    }
    close(l->reserve_fd);
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0)
        close(fd);
    l->reserve_fd = open_reserve();
    return fd >= 0;
}

void limits_log_refused(limits *l, uid_t uid, const char *why)
{
    if (log_due(&l->refused_log_ms))
        log_warn("control socket: refusing a connection from uid %u: %s (%zu open, %zu from "
                 "unprivileged users)",
                 (unsigned)uid, why, l->n_conns, l->n_user_conns);
}
