/* The host's resolv.conf, watched once for every network.
 *
 * Each dnsmasq takes its upstream servers from one shared servers-file
 * (dnsmasq_servers.c) instead of watching resolv.conf itself, which would cost
 * one inotify instance per network (fs.inotify.max_user_instances is 128 by
 * default). Here one inotify instance watches resolv.conf (the file, which
 * also catches in-place writes to a bind-mounted file) and its directory, and
 * that of its symlink target (replacement by rename, as resolvconf and
 * systemd-resolved do). A burst of events is coalesced; when the servers
 * actually change, the file is re-written and every dnsmasq that uses it gets
 * SIGHUP, on which dnsmasq re-reads it.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <linux/limits.h> /* PATH_MAX */
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "dnsmasq/dnsmasq.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

#define RESOLV_DELAY_USEC (100ULL * 1000ULL) /* coalesce a burst of writes */
#define DIR_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)
#define FILE_MASK (IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

struct resolv_watch {
    int fd;
    int file_wd;
    char *names[2]; /* basenames that matter in the watched directories */
    char *servers_path;
    sd_event_source *io;
    sd_event_source *timer;
};

static void watch_dir_of(resolv_watch *w, const char *path, size_t slot)
{
    _cleanup_free_ char *a = xstrdup(path);
    _cleanup_free_ char *b = xstrdup(path);
    free(w->names[slot]);
    w->names[slot] = xstrdup(basename(a));
    if (inotify_add_watch(w->fd, dirname(b), DIR_MASK) < 0)
        log_debug("resolv watch: cannot watch the directory of %s: %s", path, strerror(errno));
}

/* (Re)watch the file and the directories; the file may be a new inode now. */
static void arm(resolv_watch *w)
{
    watch_dir_of(w, DNSMASQ_RESOLV_CONF, 0);
    char target[PATH_MAX];
    if (realpath(DNSMASQ_RESOLV_CONF, target) && !streq(target, DNSMASQ_RESOLV_CONF))
        watch_dir_of(w, target, 1);
    int wd = inotify_add_watch(w->fd, DNSMASQ_RESOLV_CONF, FILE_MASK);
    if (w->file_wd >= 0 && wd != w->file_wd)
        inotify_rm_watch(w->fd, w->file_wd); /* the old inode (harmless if gone) */
    w->file_wd = wd;
}

/* Re-write the servers file; SIGHUP the dnsmasq processes that use it. */
static void refresh(vnetd *d)
{
    resolv_watch *w = d->resolv;
    bool changed = false;
    verr err = VERR_INIT;
    if (dnsmasq_servers_update(DNSMASQ_RESOLV_CONF, w->servers_path, false, &changed, &err) < 0) {
        log_warn("updating the upstream DNS servers: %s", err.msg);
        return;
    }
    if (!changed)
        return;
    log_info("%s changed: upstream DNS servers re-read by every network's dnsmasq",
             DNSMASQ_RESOLV_CONF);
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if (!net_active(n) || !dnsmasq_uses_servers_file(n->live))
            continue;
        pid_t pid = n->run.dnsmasq_pid;
        verr e = VERR_INIT;
        if (pid > 0 && dnsmasq_reload(pid, &e) < 0)
            log_warn("network '%s': %s", n->name, e.msg);
    }
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    vnetd *d = userdata;
    d->resolv->timer = sd_event_source_unref(d->resolv->timer);
    arm(d->resolv);
    refresh(d);
    return 0;
}

static bool event_matters(const resolv_watch *w, const struct inotify_event *ev)
{
    if (ev->wd == w->file_wd || ev->len == 0)
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(w->names); i++)
        if (w->names[i] && streq(ev->name, w->names[i]))
            return true;
    return false;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    vnetd *d = userdata;
    resolv_watch *w = d->resolv;
    bool matters = false;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if ((ev->mask & IN_Q_OVERFLOW) || event_matters(w, ev))
                matters = true;
            p += sizeof(*ev) + ev->len;
        }
    }
    if (matters && !w->timer &&
        sd_event_add_time_relative(d->event, &w->timer, CLOCK_MONOTONIC, RESOLV_DELAY_USEC, 0,
                                   on_timer, d) < 0) {
        arm(w); /* no timer: refresh now */
        refresh(d);
    }
    return 0;
}

int resolv_watch_setup(vnetd *d, verr *err)
{
    resolv_watch *w = xcalloc(1, sizeof(*w));
    w->file_wd = -1;
    w->servers_path = dnsmasq_servers_path(d->paths.dnsmasq_dir);
    d->resolv = w;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0)
        return verr_errno(err, errno, "creating an inotify instance to watch %s",
                          DNSMASQ_RESOLV_CONF);
    arm(w);
    int r = sd_event_add_io(d->event, &w->io, w->fd, EPOLLIN, on_inotify, d);
    if (r < 0)
        return verr_errno(err, -r, "watching %s", DNSMASQ_RESOLV_CONF);
    /* Current before any network starts (they read it at start). */
    if (dnsmasq_servers_update(DNSMASQ_RESOLV_CONF, w->servers_path, false, NULL, err) < 0)
        return verr_prefix(err, "writing the upstream DNS servers file");
    return 0;
}

void resolv_watch_close(vnetd *d)
{
    resolv_watch *w = d->resolv;
    if (!w)
        return;
    sd_event_source_disable_unref(w->io);
    sd_event_source_disable_unref(w->timer);
    if (w->fd >= 0)
        close(w->fd);
    for (size_t i = 0; i < ARRAY_SIZE(w->names); i++)
        free(w->names[i]);
    free(w->servers_path);
    free(w);
    d->resolv = NULL;
}
