/* net-update on the model, with virsh/libvirt semantics: add-first,
 * add-last, delete and modify of one element in a section. The edit is made
 * on a copy, validated, and only then swapped in, so on error the caller's
 * definition is unchanged. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define UPD_SRC "<update>"

typedef struct upd {
    netdef *def; /* the working copy */
    netdef_update_cmd cmd;
    int parent_index;
    xmlNodePtr node;
    nd_ctx c;
} upd;

static bool is_add(const upd *u)
{
    return u->cmd == NETDEF_UPDATE_ADD_FIRST || u->cmd == NETDEF_UPDATE_ADD_LAST;
}

static int ufail(const upd *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ufail(const upd *u, const char *fmt, ...)
{
    char msg[VERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return nd_node_err(&u->c, u->node, NULL, "%s", msg);
}

/* Make room for one element at the front or the back; returns the slot. */
static void *arr_insert(void *arrp, size_t *n, size_t size, bool first)
{
    void *slot = xarray_push(arrp, n, size);
    if (first) {
        char *base = *(char **)arrp;
        memmove(base + size, base, (*n - 1) * size);
        memset(base, 0, size);
        slot = base;
    }
    return slot;
}

static void arr_remove(void *arr, size_t *n, size_t size, size_t idx)
{
    char *base = arr;
    memmove(base + idx * size, base + (idx + 1) * size, (*n - idx - 1) * size);
    (*n)--;
}

static int check_name(const upd *u, const char *want)
{
    if (u->node->ns || !streq((const char *)u->node->name, want))
        return ufail(u, "expected a <%s> element for this section", want);
    return 0;
}

/* The <ip> to edit: the given index, or the one that already has DHCP, or
 * the first IPv4, then IPv6 (libvirt's choice). */
static netdef_ip *target_ip(const upd *u)
{
    netdef *def = u->def;
    if (u->parent_index >= 0) {
        if ((size_t)u->parent_index >= def->n_ips) {
            ufail(u, "the network has no <ip> at index %d", u->parent_index);
            return NULL;
        }
        return &def->ips[u->parent_index];
    }
    for (size_t i = 0; i < def->n_ips; i++)
        if (def->ips[i].n_ranges || def->ips[i].n_hosts)
            return &def->ips[i];
    for (int fam = AF_INET;; fam = AF_INET6) {
        for (size_t i = 0; i < def->n_ips; i++)
            if (def->ips[i].family == fam)
                return &def->ips[i];
        if (fam == AF_INET6)
            break;
    }
    ufail(u, "the network has no <ip> element");
    return NULL;
}

/* ------------------------------------------------------------ dhcp host */

static bool host_matches_any(const netdef_dhcp_host *a, const netdef_dhcp_host *b)
{
    return (a->mac && b->mac && streq(a->mac, b->mac)) ||
           (a->name && b->name && streq(a->name, b->name)) ||
           (vnet_addr_is_set(&a->ip) && vnet_addr_equal(&a->ip, &b->ip));
}

static bool host_matches_all(const netdef_dhcp_host *a, const netdef_dhcp_host *b)
{
    return (!a->mac || !b->mac || streq(a->mac, b->mac)) &&
           (!a->name || (b->name && streq(a->name, b->name))) &&
           (!vnet_addr_is_set(&a->ip) || vnet_addr_equal(&a->ip, &b->ip));
}

static int upd_dhcp_host(upd *u)
{
    netdef_ip *ip = target_ip(u);
    netdef_dhcp_host h;
    size_t i;
    bool partial = u->cmd == NETDEF_UPDATE_DELETE;

    if (!ip || check_name(u, "host") < 0 ||
        nd_parse_dhcp_host(&u->c, u->node, ip->family, partial, &h) < 0)
        return -1;
    if (!partial && h.ip.family != ip->family) {
        netdef_dhcp_host_clear(&h);
        return ufail(u, "the host's address family differs from its <ip>");
    }
    for (i = 0; i < ip->n_hosts; i++)
        if (partial ? host_matches_all(&h, &ip->hosts[i]) : host_matches_any(&h, &ip->hosts[i]))
            break;
    if (u->cmd == NETDEF_UPDATE_MODIFY || u->cmd == NETDEF_UPDATE_DELETE) {
        if (i == ip->n_hosts) {
            netdef_dhcp_host_clear(&h);
            return ufail(u, "no matching DHCP host to %s",
                         u->cmd == NETDEF_UPDATE_MODIFY ? "modify" : "delete");
        }
        netdef_dhcp_host_clear(&ip->hosts[i]);
        if (u->cmd == NETDEF_UPDATE_MODIFY) {
            ip->hosts[i] = h;
        } else {
            netdef_dhcp_host_clear(&h);
            arr_remove(ip->hosts, &ip->n_hosts, sizeof(h), i);
        }
        return 0;
    }
    if (i < ip->n_hosts) {
        netdef_dhcp_host_clear(&h);
        return ufail(u, "a DHCP host with the same mac, name or ip already exists");
    }
    *(netdef_dhcp_host *)arr_insert(&ip->hosts, &ip->n_hosts, sizeof(h),
                                    u->cmd == NETDEF_UPDATE_ADD_FIRST) = h;
    return 0;
}

/* ----------------------------------------------------------- dhcp range */

static int upd_dhcp_range(upd *u)
{
    netdef_ip *ip = target_ip(u);
    netdef_dhcp_range r;
    char a[VNET_ADDR_STRLEN], b[VNET_ADDR_STRLEN], n[VNET_ADDR_STRLEN];
    size_t i;

    if (!ip)
        return -1;
    if (u->cmd == NETDEF_UPDATE_MODIFY)
        return ufail(u, "DHCP ranges cannot be modified, only added or deleted");
    if (check_name(u, "range") < 0 || nd_parse_dhcp_range(&u->c, u->node, &r) < 0)
        return -1;
    if (r.start.family != ip->family || r.end.family != ip->family)
        return ufail(u, "the range's address family differs from its <ip>");
    if (!vnet_addr_in_subnet(&r.start, &ip->address, ip->prefix) ||
        !vnet_addr_in_subnet(&r.end, &ip->address, ip->prefix))
        return ufail(u, "%s - %s is not inside network %s/%u", vnet_addr_str(&r.start, a),
                     vnet_addr_str(&r.end, b), vnet_addr_str(&ip->address, n), ip->prefix);
    for (i = 0; i < ip->n_ranges; i++)
        if (vnet_addr_equal(&r.start, &ip->ranges[i].start) &&
            vnet_addr_equal(&r.end, &ip->ranges[i].end))
            break;
    if (u->cmd == NETDEF_UPDATE_DELETE) {
        if (i == ip->n_ranges)
            return ufail(u, "no matching DHCP range to delete");
        arr_remove(ip->ranges, &ip->n_ranges, sizeof(r), i);
        return 0;
    }
    if (i < ip->n_ranges)
        return ufail(u, "the DHCP range %s - %s already exists", vnet_addr_str(&r.start, a),
                     vnet_addr_str(&r.end, b));
    *(netdef_dhcp_range *)arr_insert(&ip->ranges, &ip->n_ranges, sizeof(r),
                                     u->cmd == NETDEF_UPDATE_ADD_FIRST) = r;
    return 0;
}

/* ---------------------------------------------------- forward interface */

static int upd_forward_iface(upd *u)
{
    netdef *def = u->def;
    _cleanup_free_ char *dev = NULL;
    size_t i;

    if (check_name(u, "interface") < 0)
        return -1;
    dev = nd_prop(u->node, "dev");
    if (!dev)
        return nd_node_err(&u->c, u->node, "dev", "missing");
    if (u->cmd == NETDEF_UPDATE_MODIFY)
        return ufail(u, "forward interfaces cannot be modified, only added or deleted");
    for (i = 0; i < def->n_forward_ifaces; i++)
        if (streq(def->forward_ifaces[i], dev))
            break;
    if (u->cmd == NETDEF_UPDATE_DELETE) {
        if (i == def->n_forward_ifaces)
            return ufail(u, "no forward interface '%s' to delete", dev);
        free(def->forward_ifaces[i]);
        arr_remove(def->forward_ifaces, &def->n_forward_ifaces, sizeof(char *), i);
    } else {
        if (i < def->n_forward_ifaces)
            return ufail(u, "forward interface '%s' is already listed", dev);
        *(char **)arr_insert(&def->forward_ifaces, &def->n_forward_ifaces, sizeof(char *),
                             u->cmd == NETDEF_UPDATE_ADD_FIRST) = TAKE_PTR(dev);
    }
    free(def->forward_dev);
    def->forward_dev = def->n_forward_ifaces ? xstrdup(def->forward_ifaces[0]) : NULL;
    return 0;
}

/* ------------------------------------------------------------ portgroup */

static int upd_portgroup(upd *u)
{
    struct netdef_extra *x = netdef_extra_get(u->def);
    netdef_portgroup pg;
    ssize_t found = -1, dflt = -1;

    if (check_name(u, "portgroup") < 0)
        return -1;
    if (nd_parse_portgroup(&u->c, u->node, &pg) < 0) {
        netdef_portgroup_clear(&pg);
        return -1;
    }
    for (size_t i = 0; i < x->n_portgroups; i++) {
        if (streq(x->portgroups[i].name, pg.name))
            found = (ssize_t)i;
        if (x->portgroups[i].is_default)
            dflt = (ssize_t)i;
    }
    int r = 0;
    if (found < 0 && !is_add(u))
        r = ufail(u, "no portgroup named '%s'", pg.name);
    else if (found >= 0 && is_add(u))
        r = ufail(u, "a portgroup named '%s' already exists", pg.name);
    else if (u->cmd != NETDEF_UPDATE_DELETE && pg.is_default && dflt >= 0 && dflt != found)
        r = ufail(u, "portgroup '%s' is already the default; only one may be",
                  x->portgroups[dflt].name);
    if (r < 0) {
        netdef_portgroup_clear(&pg);
        return -1;
    }
    if (u->cmd == NETDEF_UPDATE_MODIFY) {
        netdef_portgroup_clear(&x->portgroups[found]);
        x->portgroups[found] = pg;
    } else if (u->cmd == NETDEF_UPDATE_DELETE) {
        netdef_portgroup_clear(&x->portgroups[found]);
        arr_remove(x->portgroups, &x->n_portgroups, sizeof(pg), (size_t)found);
        netdef_portgroup_clear(&pg);
    } else {
        *(netdef_portgroup *)arr_insert(&x->portgroups, &x->n_portgroups, sizeof(pg),
                                        u->cmd == NETDEF_UPDATE_ADD_FIRST) = pg;
    }
    return 0;
}

/* ------------------------------------------------------------------ dns */

static bool dns_host_match(const netdef_dns_host *a, const netdef_dns_host *b, bool names)
{
    if (vnet_addr_is_set(&a->ip) && vnet_addr_equal(&a->ip, &b->ip))
        return true;
    /* adding: only the address must be new; one name on several addresses is fine */
    for (size_t j = 0; names && j < a->n_hostnames; j++)
        for (size_t k = 0; k < b->n_hostnames; k++)
            if (streq(a->hostnames[j], b->hostnames[k]))
                return true;
    return false;
}

static int upd_dns_host(upd *u)
{
    netdef_dns *d = &u->def->dns;
    netdef_dns_host h;
    size_t count = 0, idx = 0;

    if (check_name(u, "host") < 0 || nd_parse_dns_host(&u->c, u->node, !is_add(u), &h) < 0)
        return -1;
    for (size_t i = 0; i < d->n_hosts; i++)
        if (dns_host_match(&h, &d->hosts[i], !is_add(u))) {
            count++;
            idx = i;
        }
    int r = 0;
    if (u->cmd == NETDEF_UPDATE_MODIFY)
        r = ufail(u, "DNS host records cannot be modified, only added or deleted");
    else if (is_add(u) && count)
        r = ufail(u, "a DNS host record with the same address already exists");
    else if (!is_add(u) && count == 0)
        r = ufail(u, "no matching DNS host record to delete");
    else if (!is_add(u) && count > 1)
        r = ufail(u, "more than one DNS host record matches; be more specific");
    if (r < 0 || !is_add(u)) {
        netdef_dns_host_clear(&h);
        if (r < 0)
            return -1;
        netdef_dns_host_clear(&d->hosts[idx]);
        arr_remove(d->hosts, &d->n_hosts, sizeof(h), idx);
        return 0;
    }
    *(netdef_dns_host *)arr_insert(&d->hosts, &d->n_hosts, sizeof(h),
                                   u->cmd == NETDEF_UPDATE_ADD_FIRST) = h;
    return 0;
}

static int upd_dns_txt(upd *u)
{
    netdef_dns *d = &u->def->dns;
    netdef_dns_txt t;
    size_t i;
    int r = 0;

    if (check_name(u, "txt") < 0 || nd_parse_dns_txt(&u->c, u->node, !is_add(u), &t) < 0)
        return -1;
    for (i = 0; i < d->n_txts; i++)
        if (streq(d->txts[i].name, t.name))
            break;
    if (u->cmd == NETDEF_UPDATE_MODIFY)
        r = ufail(u, "DNS TXT records cannot be modified, only added or deleted");
    else if (is_add(u) && i < d->n_txts)
        r = ufail(u, "a DNS TXT record named '%s' already exists", t.name);
    else if (!is_add(u) && i == d->n_txts)
        r = ufail(u, "no DNS TXT record named '%s' to delete", t.name);
    if (r < 0 || !is_add(u)) {
        netdef_dns_txt_clear(&t);
        if (r < 0)
            return -1;
        netdef_dns_txt_clear(&d->txts[i]);
        arr_remove(d->txts, &d->n_txts, sizeof(t), i);
        return 0;
    }
    *(netdef_dns_txt *)arr_insert(&d->txts, &d->n_txts, sizeof(t),
                                  u->cmd == NETDEF_UPDATE_ADD_FIRST) = t;
    return 0;
}

static bool opt_eq(const char *want, const char *have)
{
    return !want || (have && streq(want, have));
}

static int upd_dns_srv(upd *u)
{
    netdef_dns *d = &u->def->dns;
    netdef_dns_srv s;
    size_t count = 0, idx = 0;
    int r = 0;

    if (check_name(u, "srv") < 0 || nd_parse_dns_srv(&u->c, u->node, !is_add(u), &s) < 0)
        return -1;
    for (size_t i = 0; i < d->n_srvs; i++) {
        const netdef_dns_srv *o = &d->srvs[i];
        if (opt_eq(s.domain, o->domain) && opt_eq(s.service, o->service) &&
            opt_eq(s.protocol, o->protocol) && opt_eq(s.target, o->target)) {
            count++;
            idx = i;
        }
    }
    if (u->cmd == NETDEF_UPDATE_MODIFY)
        r = ufail(u, "DNS SRV records cannot be modified, only added or deleted");
    else if (is_add(u) && count)
        r = ufail(u, "a DNS SRV record matching all given fields already exists");
    else if (!is_add(u) && count == 0)
        r = ufail(u, "no matching DNS SRV record to delete");
    else if (!is_add(u) && count > 1)
        r = ufail(u, "more than one DNS SRV record matches; be more specific");
    if (r < 0 || !is_add(u)) {
        netdef_dns_srv_clear(&s);
        if (r < 0)
            return -1;
        netdef_dns_srv_clear(&d->srvs[idx]);
        arr_remove(d->srvs, &d->n_srvs, sizeof(s), idx);
        return 0;
    }
    *(netdef_dns_srv *)arr_insert(&d->srvs, &d->n_srvs, sizeof(s),
                                  u->cmd == NETDEF_UPDATE_ADD_FIRST) = s;
    return 0;
}

static int apply(upd *u, netdef_section section)
{
    switch (section) {
    case NETDEF_SECTION_IP_DHCP_HOST:
        return upd_dhcp_host(u);
    case NETDEF_SECTION_IP_DHCP_RANGE:
        return upd_dhcp_range(u);
    case NETDEF_SECTION_FORWARD_INTERFACE:
        return upd_forward_iface(u);
    case NETDEF_SECTION_PORTGROUP:
        return upd_portgroup(u);
    case NETDEF_SECTION_DNS_HOST:
        return upd_dns_host(u);
    case NETDEF_SECTION_DNS_TXT:
        return upd_dns_txt(u);
    case NETDEF_SECTION_DNS_SRV:
        return upd_dns_srv(u);
    default:
        return verr_set(u->c.err, VERR_UNSUPPORTED,
                        "net-update of section '%s' is not supported; edit the whole "
                        "definition instead (net-edit / net-define)",
                        netdef_section_name(section));
    }
}

/* Swap the edited copy into the caller's struct (same pointer for them). */
static void swap_in(netdef *def, netdef *copy)
{
    netdef tmp = *def;
    *def = *copy;
    *copy = tmp;
    netdef_free(copy);
}

int netdef_update(netdef *def, netdef_update_cmd cmd, netdef_section section, int parent_index,
                  const char *xml, verr *err)
{
    upd u = {.cmd = cmd, .parent_index = parent_index, .c = {.source = UPD_SRC, .err = err}};
    xmlDocPtr doc;
    int r;

    if ((unsigned)cmd > NETDEF_UPDATE_MODIFY)
        return verr_set(err, VERR_INVALID, "unknown net-update command %d", (int)cmd);
    if (!xml)
        return verr_set(err, VERR_INVALID, "net-update needs an XML element");
    doc = nd_read_doc(xml, strlen(xml), UPD_SRC, err);
    if (!doc)
        return -1;
    u.node = xmlDocGetRootElement(doc);
    u.def = netdef_dup(def);
    r = apply(&u, section);
    xmlFreeDoc(doc);
    /* The new element's lines point into the snippet: messages name the
     * operation instead (netdef_validate_edit). */
    if (r == 0) {
        _cleanup_free_ char *what = xasprintf("net-update of network '%s'", def->name);
        r = netdef_validate_edit(def, u.def, what, err);
    }
    if (r < 0) {
        netdef_free(u.def);
        return -1;
    }
    swap_in(def, u.def);
    return 0;
}
