/* Conntrack clean-up for forward changes, run right after the reply.
 *
 * Dropping a removed forward's connections (so its flows stop) and the stale
 * entries of a new forward's port (so a stream already knocking is DNATed)
 * walks the kernel's whole conntrack table: ~15 ms even when it is empty,
 * more with many connections. It does not decide the request's outcome (the
 * rules are in place when the reply goes out), so it runs as a deferred event
 * in the same loop, after the reply is written.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "firewall/firewall.h"
#include "util/log.h"
#include "util/strbuf.h"

typedef struct ct_job {
    char *net;
    netdef_port_forward pf;
    bool stale; /* forward added: forget stale entries; else: forget its connections */
} ct_job;

static int ct_job_run(sd_event_source *s, void *userdata)
{
    ct_job *j = userdata;
    verr e = VERR_INIT;
    unsigned n = 0;
    int r =
        j->stale ? fw_conntrack_forget_stale(&j->pf, &n, &e) : fw_conntrack_forget(&j->pf, &n, &e);
    if (r < 0)
        log_warn("network '%s': %s", j->net, e.msg);
    else if (n && j->stale)
        log_info("network '%s': %u earlier connection(s) to the new forward's port dropped", j->net,
                 n);
    else if (n)
        log_info("network '%s': %u connection(s) of the removed forward dropped", j->net, n);
    free(j->pf.ranges);
    free(j->net);
    free(j);
    sd_event_source_unref(s);
    return 0;
}

void forward_ct_later(vnetd *d, const char *net, const netdef_port_forward *pf, bool stale)
{
    ct_job *j = xcalloc(1, sizeof(*j));
    j->net = xstrdup(net);
    j->pf = *pf;
    j->pf.ranges = xmalloc(pf->n_ranges * sizeof(*pf->ranges) + 1);
    memcpy(j->pf.ranges, pf->ranges, pf->n_ranges * sizeof(*pf->ranges));
    j->stale = stale;
    sd_event_source *s = NULL;
    if (sd_event_add_defer(d->event, &s, ct_job_run, j) < 0) {
        ct_job_run(NULL, j); /* no event: do it now */
        return;
    }
    /* Below the control socket's priority: the reply (written when the
     * socket is writable, in the next iteration) goes out first. */
    sd_event_source_set_priority(s, SD_EVENT_PRIORITY_IDLE);
}
