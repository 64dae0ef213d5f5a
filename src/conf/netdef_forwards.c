/* Port forwards as changes: append one, remove by (proto, host address,
 * port), and the one-line form of each change that the daemon's forward
 * journal keeps (replayed onto the saved definition at load).
 *
 * Journal lines (space separated, addresses "-" when absent):
 *   + PROTO HOSTADDR START END TO GUEST
 *   - PROTO HOSTADDR PORT
 * Replay is idempotent: an add whose range is already there (or whose ports
 * another range now holds) and a delete of an absent port change nothing, so
 * replaying onto a definition that already contains the journal's changes
 * (a crash between saving the compacted definition and deleting the
 * journal) gives the same definition.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "util/strbuf.h"

void netdef_forward_append(netdef *def, const netdef_port_forward *pf, size_t range)
{
    netdef_port_forward *slot =
        xarray_push(&def->port_forwards, &def->n_port_forwards, sizeof(*slot));
    *slot = *pf;
    slot->ranges = xmalloc(sizeof(*slot->ranges));
    slot->ranges[0] = pf->ranges[range];
    slot->n_ranges = 1;
}

void netdef_forward_remove(netdef *def, int proto, const vnet_addr *addr, unsigned port,
                           netdef_port_forward **ret, size_t *n_ret)
{
    for (size_t i = 0; i < def->n_port_forwards;) {
        netdef_port_forward *o = &def->port_forwards[i];
        size_t k = 0;
        while (o->proto == proto && vnet_addr_equal(&o->address, addr) && k < o->n_ranges) {
            if (o->ranges[k].start != port) {
                k++;
                continue;
            }
            if (ret) {
                netdef_port_forward *r = xarray_push(ret, n_ret, sizeof(**ret));
                *r = *o;
                r->ranges = xmalloc(sizeof(*r->ranges));
                r->ranges[0] = o->ranges[k];
                r->n_ranges = 1;
            }
            memmove(o->ranges + k, o->ranges + k + 1, (o->n_ranges - k - 1) * sizeof(*o->ranges));
            o->n_ranges--;
        }
        if (o->n_ranges == 0) {
            free(o->ranges);
            memmove(o, o + 1, (def->n_port_forwards - i - 1) * sizeof(*o));
            def->n_port_forwards--;
        } else {
            i++;
        }
    }
}

static const char *addr_or_dash(const vnet_addr *a, char buf[VNET_ADDR_STRLEN])
{
    return vnet_addr_is_set(a) ? vnet_addr_str(a, buf) : "-";
}

char *netdef_forward_journal_add(const netdef_port_forward *pf)
{
    char h[VNET_ADDR_STRLEN], g[VNET_ADDR_STRLEN];
    const netdef_pf_range *r = &pf->ranges[0];
    return xasprintf("+ %s %s %u %u %u %s", netdef_proto_name(pf->proto),
                     addr_or_dash(&pf->address, h), r->start, r->end, r->to ? r->to : r->start,
                     vnet_addr_str(&pf->guest, g));
}

char *netdef_forward_journal_del(int proto, const vnet_addr *addr, unsigned port)
{
    char h[VNET_ADDR_STRLEN];
    return xasprintf("- %s %s %u", netdef_proto_name(proto), addr_or_dash(addr, h), port);
}

static int parse_proto(const char *s)
{
    if (streq(s, "tcp"))
        return IPPROTO_TCP;
    if (streq(s, "udp"))
        return IPPROTO_UDP;
    return -1;
}

static int parse_host(const char *s, vnet_addr *a)
{
    memset(a, 0, sizeof(*a));
    return streq(s, "-") ? 0 : vnet_addr_parse(s, a);
}

static bool range_present(const netdef *def, const netdef_port_forward *pf)
{
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *o = &def->port_forwards[i];
        if (o->proto != pf->proto || !vnet_addr_equal(&o->address, &pf->address) ||
            !vnet_addr_equal(&o->guest, &pf->guest))
            continue;
        for (size_t k = 0; k < o->n_ranges; k++) {
            unsigned to = o->ranges[k].to ? o->ranges[k].to : o->ranges[k].start;
            if (o->ranges[k].start == pf->ranges[0].start &&
                o->ranges[k].end == pf->ranges[0].end && to == pf->ranges[0].to)
                return true;
        }
    }
    return false;
}

static bool range_taken(const netdef *def, const netdef_port_forward *pf)
{
    for (size_t i = 0; i < def->n_port_forwards; i++)
        for (size_t k = 0; k < def->port_forwards[i].n_ranges; k++)
            if (netdef_pf_clash(&def->port_forwards[i], k, pf, 0))
                return true;
    return false;
}

int netdef_forward_journal_apply(netdef *def, const char *line, verr *err)
{
    char op[2], proto[8], host[VNET_ADDR_STRLEN + 1], guest[VNET_ADDR_STRLEN + 1];
    unsigned a = 0, b = 0, c = 0;
    netdef_pf_range range = {0};
    netdef_port_forward pf = {.ranges = &range, .n_ranges = 1};
    int n = sscanf(line, "%1s %7s %46s %u %u %u %46s", op, proto, host, &a, &b, &c, guest);
    if (n < 4 || (pf.proto = parse_proto(proto)) < 0 || parse_host(host, &pf.address) < 0 ||
        a == 0 || a > 65535)
        return verr_set(err, VERR_INVALID, "bad forward journal line '%s'", line);
    if (streq(op, "-") && n == 4) {
        netdef_forward_remove(def, pf.proto, &pf.address, a, NULL, NULL);
        return 0;
    }
    if (!streq(op, "+") || n != 7 || b < a || b > 65535 || c == 0 || c > 65535 ||
        vnet_addr_parse(guest, &pf.guest) < 0)
        return verr_set(err, VERR_INVALID, "bad forward journal line '%s'", line);
    range.start = a;
    range.end = b;
    range.to = c;
    if (range_present(def, &pf) || range_taken(def, &pf))
        return 0; /* already applied (or superseded): replay is idempotent */
    if (c == a)
        range.to = 0; /* as the command wrote it: no `to` means the same port */
    netdef_forward_append(def, &pf, 0);
    return 0;
}
