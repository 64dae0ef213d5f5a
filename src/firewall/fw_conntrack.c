/* Forgetting a port forward's connections: once its map elements are gone, an
 * existing conntrack entry would keep DNATing the flow (nat rules only see a
 * connection's first packet), so a UDP stream would never stop. The entries
 * are found by a dump through ctnetlink (libnetfilter_conntrack) and deleted
 * one by one: the kernel has no "delete matching" for these fields.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"

/* What to look for: one forward, or every forward of a network (sorted keys);
 * with `stale`, the connections to pf's host ports that were not DNATed. */
typedef struct ct_match {
    const netdef_port_forward *pf;
    bool stale;
    struct ifaddrs *local; /* the host's addresses, for `stale` */
    const netdef *def;
    const fw_key *keys;
    size_t n_keys;
    struct nf_conntrack **found;
    size_t n_found;
} ct_match;

static void nfct_closep(struct nfct_handle **h)
{
    if (*h)
        nfct_close(*h);
}

static bool ct_addr_is(const struct nf_conntrack *ct, int family, int attr4, int attr6,
                       const vnet_addr *a)
{
    if (family == AF_INET)
        return memcmp(nfct_get_attr(ct, attr4), a->bytes, 4) == 0;
    return memcmp(nfct_get_attr(ct, attr6), a->bytes, 16) == 0;
}

/* Was this connection DNATed by pf: protocol, host port in one of its ranges
 * (and host address, when pf has one), reply coming from the guest's port? */
static bool ct_is_forwarded(const struct nf_conntrack *ct, const netdef_port_forward *pf)
{
    int family = pf->guest.family;
    if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) != family ||
        nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO) != pf->proto ||
        !(nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_DST_NAT))
        return false;
    if (!ct_addr_is(ct, family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, &pf->guest))
        return false;
    if (vnet_addr_is_set(&pf->address) &&
        !ct_addr_is(ct, family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, &pf->address))
        return false;
    unsigned dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
    unsigned sport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
    for (size_t i = 0; i < pf->n_ranges; i++) {
        const netdef_pf_range *r = &pf->ranges[i];
        unsigned to = r->to ? r->to : r->start;
        if (dport >= r->start && dport <= r->end && sport == to + (dport - r->start))
            return true;
    }
    return false;
}

/* The forward of m->def whose map key the connection's original destination
 * hits (per-address map first, like the DNAT rules), or NULL. */
static const netdef_port_forward *ct_forward_of(const ct_match *m, const struct nf_conntrack *ct)
{
    int family = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
    if (family != AF_INET && family != AF_INET6)
        return NULL;
    fw_key k = {.proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO),
                .port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST))};
    k.map = family == AF_INET ? FW_MAP_4ADDR : FW_MAP_6ADDR;
    memcpy(k.addr, nfct_get_attr(ct, family == AF_INET ? ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV6_DST),
           family == AF_INET ? 4 : 16);
    const fw_key *hit = bsearch(&k, m->keys, m->n_keys, sizeof(k), fw_key_cmp);
    if (!hit) {
        k.map = family == AF_INET ? FW_MAP_4ANY : FW_MAP_6ANY;
        memset(k.addr, 0, sizeof(k.addr));
        hit = bsearch(&k, m->keys, m->n_keys, sizeof(k), fw_key_cmp);
    }
    return hit ? &m->def->port_forwards[hit->index] : NULL;
}

static bool ct_addr_is_loopback(int family, const uint8_t *a)
{
    static const uint8_t lo6[16] = {[15] = 1};
    return family == AF_INET ? a[0] == 127 : memcmp(a, lo6, 16) == 0;
}

static bool ct_addr_is_local(const ct_match *m, int family, const uint8_t *a)
{
    for (const struct ifaddrs *i = m->local; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family)
            continue;
        const void *x = family == AF_INET
                            ? (const void *)&((const struct sockaddr_in *)i->ifa_addr)->sin_addr
                            : (const void *)&((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
        if (memcmp(x, a, family == AF_INET ? 4 : 16) == 0)
            return true;
    }
    return false;
}

/* A connection to one of pf's host ports on a host address that was not
 * DNATed (it began before pf existed): its entry would keep the flow away
 * from the guest. Connections leaving the host (to a remote port of the same
 * number) are not touched: their destination is not local. */
static bool ct_is_stale(const ct_match *m, const struct nf_conntrack *ct)
{
    const netdef_port_forward *pf = m->pf;
    int family = pf->guest.family;
    if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) != family ||
        nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO) != pf->proto ||
        (nfct_get_attr_u32(ct, ATTR_STATUS) & (IPS_DST_NAT | IPS_SRC_NAT)))
        return false;
    const uint8_t *dst =
        nfct_get_attr(ct, family == AF_INET ? ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV6_DST);
    if (vnet_addr_is_set(&pf->address)) {
        if (memcmp(dst, pf->address.bytes, family == AF_INET ? 4 : 16) != 0)
            return false;
    } else if (ct_addr_is_loopback(family, dst) || !ct_addr_is_local(m, family, dst)) {
        return false; /* forwards for every address leave loopback alone */
    }
    unsigned dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
    for (size_t i = 0; i < pf->n_ranges; i++)
        if (dport >= pf->ranges[i].start && dport <= pf->ranges[i].end)
            return true;
    return false;
}

static int ct_dump_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
    ct_match *m = data;
    const netdef_port_forward *pf = m->pf ? m->pf : ct_forward_of(m, ct);
    if (m->stale ? ct_is_stale(m, ct) : pf && ct_is_forwarded(ct, pf)) {
        struct nf_conntrack **slot = xarray_push(&m->found, &m->n_found, sizeof(*slot));
        *slot = nfct_clone(ct);
    }
    return NFCT_CB_CONTINUE;
}

/* Dump the conntrack table of `family` (AF_UNSPEC: all), then delete what
 * matched: the kernel cannot delete by these fields itself. */
/* Is the conntrack table (of this namespace) empty? A dump walks every hash
 * bucket (~15 ms with the default table size) even when nothing is there. */
static bool ct_table_empty(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_count", "re");
    unsigned long n = 1;
    return f && fscanf(f, "%lu", &n) == 1 && n == 0;
}

static int ct_forget(ct_match *m, uint32_t family, unsigned *ret_deleted, verr *err)
{
    unsigned deleted = 0;
    if (ct_table_empty()) {
        if (ret_deleted)
            *ret_deleted = 0;
        return 0;
    }
    _cleanup_(nfct_closep) struct nfct_handle *h = nfct_open(CONNTRACK, 0);
    if (!h)
        return verr_errno(err, errno, "conntrack: opening a ctnetlink socket");
    nfct_callback_register(h, NFCT_T_ALL, ct_dump_cb, m);
    int r = nfct_query(h, NFCT_Q_DUMP, &family);
    int dump_errno = errno;
    nfct_callback_unregister(h);
    for (size_t i = 0; i < m->n_found; i++) {
        if (!m->found[i])
            continue;
        if (r == 0) {
            if (nfct_query(h, NFCT_Q_DESTROY, m->found[i]) == 0) {
                deleted++;
            } else if (errno != ENOENT) { /* ENOENT: it ended meanwhile */
                r = -1;
                dump_errno = errno;
            }
        }
        nfct_destroy(m->found[i]);
    }
    free(m->found);
    m->found = NULL;
    m->n_found = 0;
    if (r < 0)
        return verr_errno(err, dump_errno, "conntrack: removing port-forwarded connections");
    if (ret_deleted)
        *ret_deleted = deleted;
    return 0;
}

int fw_conntrack_forget(const netdef_port_forward *pf, unsigned *ret_deleted, verr *err)
{
    if (pf->guest.family != AF_INET && pf->guest.family != AF_INET6)
        return verr_set(err, VERR_INVALID, "conntrack: the forward has no guest address");
    ct_match m = {.pf = pf};
    return ct_forget(&m, (uint32_t)pf->guest.family, ret_deleted, err);
}

int fw_conntrack_forget_all(const netdef *def, unsigned *ret_deleted, verr *err)
{
    if (ret_deleted)
        *ret_deleted = 0;
    if (def->n_port_forwards == 0)
        return 0;
    _cleanup_free_ fw_key *keys = NULL;
    ct_match m = {.def = def};
    m.n_keys = fw_forward_keys(def, &keys);
    m.keys = keys;
    return ct_forget(&m, AF_UNSPEC, ret_deleted, err);
}

int fw_conntrack_forget_stale(const netdef_port_forward *pf, unsigned *ret_deleted, verr *err)
{
    if (pf->guest.family != AF_INET && pf->guest.family != AF_INET6)
        return verr_set(err, VERR_INVALID, "conntrack: the forward has no guest address");
    ct_match m = {.pf = pf, .stale = true};
    if (getifaddrs(&m.local) < 0)
        return verr_errno(err, errno, "conntrack: listing the host's addresses");
    int r = ct_forget(&m, (uint32_t)pf->guest.family, ret_deleted, err);
    freeifaddrs(m.local);
    return r;
}
