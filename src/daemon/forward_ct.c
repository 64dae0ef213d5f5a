/* Conntrack clean-up for forward changes, before the reply.
 *
 * Dropping the stale entries of a new forward's port (so a stream already
 * knocking is DNATed at once) and a removed forward's connections (so its
 * flows stop) walks the kernel's whole conntrack table: ~10-15 ms even when
 * it holds little (every hash bucket is visited; skipped when it is empty).
 * Both are promises of the command ("reaches the guest right after
 * forward-add", "stops when forward-del returns"), so they are done before
 * the reply; deferring them after it broke exactly those promises.
 */
#include "daemon/daemon.h"
#include "firewall/firewall.h"
#include "util/log.h"

void forward_ct_forget(const char *net, const netdef_port_forward *pf, bool stale)
{
    verr e = VERR_INIT;
    unsigned n = 0;
    int r = stale ? fw_conntrack_forget_stale(pf, &n, &e) : fw_conntrack_forget(pf, &n, &e);
    if (r < 0)
        log_warn("network '%s': %s", net, e.msg);
    else if (n && stale)
        log_info("network '%s': %u earlier connection(s) to the new forward's port dropped", net,
                 n);
    else if (n)
        log_info("network '%s': %u connection(s) of the removed forward dropped", net, n);
}
