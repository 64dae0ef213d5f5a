/* OVN northbound objects of an OVN network: the desired rows (a small plan of
 * objects with parent references), read what vnet owns, and one transaction
 * that inserts what is missing and updates what is present. */
#include <arpa/inet.h>
#include <string.h>

#include "ovn/ovn_nb.h"
#include "util/cleanup.h"
#include "util/ipaddr.h"
#include "util/strbuf.h"

#define MAC_KEY_PREFIX "vnet-mac-"
#define HOST_KEY_PREFIX "vnet-host-"

char *ovn_nb_shared_xml(const netdef *def)
{
    _cleanup_(netdef_freep) netdef *d = netdef_dup(def);
    for (size_t i = 0; i < d->n_port_forwards; i++) /* each host's own */
        free(d->port_forwards[i].ranges);
    free(d->port_forwards);
    d->port_forwards = NULL;
    d->n_port_forwards = 0;
    free(d->bridge_name); /* unused by OVN; each host names its own */
    d->bridge_name = NULL;
    return netdef_format(d, NETDEF_FORMAT_INACTIVE);
}

/* Record the definition on the logical switch, for `vnet import` on other
 * hosts (a map mutation does not replace a key: delete it, then insert). */
static json_t *definition_op(json_t *ls_ref, const netdef *def)
{
    _cleanup_free_ char *xml = ovn_nb_shared_xml(def);
    json_t *mut = json_pack("[[sso][sso]]", "external_ids", "delete",
                            ovsdb_set(json_pack("[s]", OVN_NB_DEFINITION_KEY)), "external_ids",
                            "insert", ovsdb_map(json_pack("{ss}", OVN_NB_DEFINITION_KEY, xml)));
    return json_pack("[{sssssoso}]", "op", "mutate", "table", "Logical_Switch", "where",
                     json_pack("[o]", ovsdb_cond("_uuid", "==", ls_ref)), "mutations", mut);
}

typedef struct nb_obj {
    const char *table;
    char *key;   /* external_ids:vnet-object */
    json_t *row; /* desired columns, without external_ids */
    int parent;  /* index of the referencing object, -1: a root row */
    const char *parent_col;
    int parent2; /* a second referencing object (a load balancer's switch), or -1 */
    const char *parent2_col;
    int link; /* index of an object whose uuid goes into link_col, or -1 */
    const char *link_col;
    bool ref_only; /* must exist; not written */
    char *uuid;    /* the existing row, or NULL */
} nb_obj;

typedef struct nb_plan {
    const char *network;
    const char *host; /* this host (owner of its forwards' load balancers), or NULL */
    char uuid[37];
    nb_obj *o;
    size_t n;
} nb_plan;

static const char *const nb_tables[] = {"Logical_Switch",
                                        "DHCP_Options",
                                        "DNS",
                                        "Logical_Router",
                                        "Logical_Router_Port",
                                        "Logical_Switch_Port",
                                        "NAT",
                                        "Gateway_Chassis",
                                        "Logical_Router_Static_Route",
                                        "Load_Balancer"};

static int plan_add(nb_plan *p, const char *table, char *key, json_t *row, int parent,
                    const char *parent_col)
{
    nb_obj *o = xarray_push(&p->o, &p->n, sizeof(*o));
    *o = (nb_obj){.table = table,
                  .key = key,
                  .row = row,
                  .parent = parent,
                  .parent_col = parent_col,
                  .parent2 = -1,
                  .link = -1};
    return (int)(p->n - 1);
}

static void plan_clear(nb_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->o[i].key);
        json_decref(p->o[i].row);
        free(p->o[i].uuid);
    }
    free(p->o);
    p->o = NULL;
    p->n = 0;
}

void ovn_nb_router_mac(const netdef *def, uint8_t mac[6])
{
    /* locally administered, from the network's UUID: the same on every host */
    mac[0] = 0x0a;
    memcpy(mac + 1, def->uuid, 5);
}

static json_t *tags(const nb_plan *p, const char *key)
{
    json_t *m =
        json_pack("{ssssss}", "vnet-network", p->network, "vnet-uuid", p->uuid, "vnet-object", key);
    return ovsdb_map(m);
}

static json_t *where_network(const char *network)
{
    return json_pack("[o]", ovsdb_cond("external_ids", "includes",
                                       ovsdb_map(json_pack("{ss}", "vnet-network", network))));
}

/* The network's <ip> of a family (one each at most), or NULL. */
static const netdef_ip *ip_of(const netdef *def, int family)
{
    for (size_t i = 0; i < def->n_ips; i++)
        if (def->ips[i].family == family)
            return &def->ips[i];
    return NULL;
}

static char *ls_name(const char *network)
{
    return xasprintf("vnet-%s", network);
}

/* ---- the desired objects ---- */

static json_t *dhcp_options(const netdef *def, const netdef_ip *ip)
{
    char a[VNET_ADDR_STRLEN], macs[18];
    uint8_t mac[6];
    ovn_nb_router_mac(def, mac);
    int64_t lease = ip->n_ranges ? netdef_lease_seconds(&ip->ranges[0].lease) : -1;
    if (lease < 0)
        lease = 3600; /* libvirt's default: one hour */
    if (lease == 0)
        lease = 0xffffffffLL; /* infinite */
    /* option values are strings; guests get an MTU that leaves room for Geneve */
    _cleanup_free_ char *l = xasprintf("%lld", (long long)lease);
    _cleanup_free_ char *m = xasprintf("%u", def->mtu ? def->mtu : 1400);
    json_t *o = json_pack("{ssssssss}", "server_id", vnet_addr_str(&ip->address, a), "server_mac",
                          vnet_mac_str(mac, macs), "lease_time", l, "mtu", m);
    if (def->forward_mode == NETDEF_FWD_NAT || def->forward_mode == NETDEF_FWD_ROUTE)
        json_object_set_new(o, "router", json_string(a));
    if (def->dns.n_hosts || def->domain)
        json_object_set_new(o, "dns_server", json_string(a));
    if (def->domain) {
        _cleanup_free_ char *d = xasprintf("\"%s\"", def->domain);
        json_object_set_new(o, "domain_name", json_string(d));
    }
    return o;
}

static char *cidr(const netdef_ip *ip)
{
    vnet_addr net;
    char a[VNET_ADDR_STRLEN];
    vnet_addr_network(&ip->address, ip->prefix, &net);
    return xasprintf("%s/%u", vnet_addr_str(&net, a), ip->prefix);
}

static json_t *dns_records(const netdef *def)
{
    json_t *r = json_object();
    char a[VNET_ADDR_STRLEN];
    for (size_t i = 0; i < def->dns.n_hosts; i++) {
        const netdef_dns_host *h = &def->dns.hosts[i];
        vnet_addr_str(&h->ip, a);
        for (size_t j = 0; j < h->n_hostnames; j++) {
            json_object_set_new(r, h->hostnames[j], json_string(a));
            if (def->domain) {
                _cleanup_free_ char *fq = xasprintf("%s.%s", h->hostnames[j], def->domain);
                json_object_set_new(r, fq, json_string(a));
            }
        }
    }
    return r;
}

/* The key of this host's load balancer for proto: the forwards are each
 * host's own (vnet forward-add changes one host's definition), so hosts
 * sharing a network do not undo each other's. */
static char *lb_key(const nb_plan *p, const char *proto)
{
    return p->host ? xasprintf("lb-%s-%s", proto, p->host) : xasprintf("lb-%s", proto);
}

/* vnet port forwards as one OVN load balancer per protocol on the router:
 * a VIP "ADDRESS:PORT" (the forward's address, else the gateway port's) for
 * every host port, to "GUEST:TO". OVN applies it on the gateway chassis for
 * the upstream; on the network's switch too, so that guests reach forwards
 * (their own included: OVN SNATs such hairpin traffic to the VIP). */
static void plan_forwards(nb_plan *p, const netdef *def, int lr, int ls)
{
    static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP};
    char a[VNET_ADDR_STRLEN], g[VNET_ADDR_STRLEN];
    for (size_t k = 0; k < ARRAY_SIZE(protos); k++) {
        const char *proto = netdef_proto_name(protos[k]);
        json_t *vips = json_object();
        for (size_t i = 0; i < def->n_port_forwards; i++) {
            const netdef_port_forward *pf = &def->port_forwards[i];
            if (pf->proto != protos[k])
                continue;
            vnet_addr_str(vnet_addr_is_set(&pf->address) ? &pf->address : &def->ovn.external, a);
            vnet_addr_str(&pf->guest, g);
            for (size_t j = 0; j < pf->n_ranges; j++) {
                const netdef_pf_range *r = &pf->ranges[j];
                for (unsigned port = r->start; port <= r->end; port++) {
                    _cleanup_free_ char *vip = xasprintf("%s:%u", a, port);
                    _cleanup_free_ char *to =
                        xasprintf("%s:%u", g, (r->to ? r->to : r->start) + (port - r->start));
                    json_object_set_new(vips, vip, json_string(to));
                }
            }
        }
        if (json_object_size(vips) == 0) {
            json_decref(vips);
            continue;
        }
        _cleanup_free_ char *key = lb_key(p, proto);
        _cleanup_free_ char *name = xasprintf("vnet-%s-%s", def->name, key + 3);
        int lb = plan_add(
            p, "Load_Balancer", xstrdup(key),
            json_pack("{ssssso}", "name", name, "protocol", proto, "vips", ovsdb_map(vips)), lr,
            "load_balancer");
        p->o[lb].parent2 = ls; /* guests reach the forwards too (DNAT in the switch) */
        p->o[lb].parent2_col = "load_balancer";
    }
}

/* The router's way out: a gateway port on the gateway chassis, on an
 * external switch whose localnet port reaches the chassis' bridge mapping
 * for physnet; SNAT of the subnet to the gateway port's address. */
static void plan_gateway(nb_plan *p, const netdef *def, const netdef_ip *ip, int lr, int inner_ls)
{
    const netdef_ovn *o = &def->ovn;
    char a[VNET_ADDR_STRLEN], macs[18];
    uint8_t mac[6];
    ovn_nb_router_mac(def, mac);
    mac[5] ^= 0x01; /* the gateway port's MAC: next to the inside one */
    _cleanup_free_ char *ext_ls = xasprintf("vnet-%s-ext", def->name);
    _cleanup_free_ char *localnet = xasprintf("vnet-%s-ext-localnet", def->name);
    _cleanup_free_ char *gw = xasprintf("vnet-%s-gw", def->name);
    _cleanup_free_ char *ext_rtr = xasprintf("vnet-%s-ext-rtr", def->name);
    _cleanup_free_ char *gwc = xasprintf("vnet-%s-gw-%s", def->name, o->gateway_chassis);
    _cleanup_free_ char *net =
        xasprintf("%s/%u", vnet_addr_str(&o->external, a), o->external_prefix);
    _cleanup_free_ char *inside = cidr(ip);
    int ls = plan_add(p, "Logical_Switch", xstrdup("ls-ext"), json_pack("{ss}", "name", ext_ls), -1,
                      NULL);
    plan_add(p, "Logical_Switch_Port", xstrdup("ext-localnet"),
             json_pack("{sssssoso}", "name", localnet, "type", "localnet", "addresses",
                       ovsdb_set(json_pack("[s]", "unknown")), "options",
                       ovsdb_map(json_pack("{ss}", "network_name",
                                           o->physnet ? o->physnet : "external"))),
             ls, "ports");
    int port = plan_add(p, "Logical_Router_Port", xstrdup("lrp-gw"),
                        json_pack("{ssssso}", "name", gw, "mac", vnet_mac_str(mac, macs),
                                  "networks", ovsdb_set(json_pack("[s]", net))),
                        lr, "ports");
    plan_add(p, "Gateway_Chassis", xstrdup("gwc"),
             json_pack("{sssssi}", "name", gwc, "chassis_name", o->gateway_chassis, "priority", 20),
             port, "gateway_chassis");
    plan_add(p, "Logical_Switch_Port", xstrdup("ext-rtr"),
             json_pack("{sssssoso}", "name", ext_rtr, "type", "router", "addresses",
                       ovsdb_set(json_pack("[s]", "router")), "options",
                       ovsdb_map(json_pack("{ss}", "router-port", gw))),
             ls, "ports");
    if (def->forward_mode == NETDEF_FWD_NAT) /* route: the subnet is routed as it is */
        plan_add(p, "NAT", xstrdup("snat"),
                 json_pack("{ssssss}", "type", "snat", "external_ip",
                           vnet_addr_str(&o->external, a), "logical_ip", inside),
                 lr, "nat");
    plan_forwards(p, def, lr, inner_ls);
    if (o->external_gw.family)
        plan_add(p, "Logical_Router_Static_Route", xstrdup("route"),
                 json_pack("{ssss}", "ip_prefix", "0.0.0.0/0", "nexthop",
                           vnet_addr_str(&o->external_gw, a)),
                 lr, "static_routes");
}

static void plan_router(nb_plan *p, const netdef *def, const netdef_ip *ip, int ls)
{
    char a[VNET_ADDR_STRLEN], macs[18];
    uint8_t mac[6];
    ovn_nb_router_mac(def, mac);
    _cleanup_free_ char *lr = xasprintf("vnet-%s-lr", def->name);
    _cleanup_free_ char *lrp = xasprintf("vnet-%s-lrp", def->name);
    _cleanup_free_ char *rtr = xasprintf("vnet-%s-rtr", def->name);
    _cleanup_free_ char *net = xasprintf("%s/%u", vnet_addr_str(&ip->address, a), ip->prefix);
    int r = plan_add(p, "Logical_Router", xstrdup("lr"), json_pack("{ss}", "name", lr), -1, NULL);
    json_t *lrp_row = json_pack("{ssssso}", "name", lrp, "mac", vnet_mac_str(mac, macs), "networks",
                                ovsdb_set(json_pack("[s]", net)));
    const netdef_ip *ip6 = ip_of(def, AF_INET6);
    if (ip6) { /* guests configure themselves from the router's advertisements */
        _cleanup_free_ char *net6 =
            xasprintf("%s/%u", vnet_addr_str(&ip6->address, a), ip6->prefix);
        _cleanup_free_ char *mtu = xasprintf("%u", def->mtu ? def->mtu : 1400);
        json_object_set_new(lrp_row, "networks", ovsdb_set(json_pack("[ss]", net, net6)));
        json_object_set_new(
            lrp_row, "ipv6_ra_configs",
            ovsdb_map(json_pack("{ssssssssss}", "address_mode", "slaac", "send_periodic", "true",
                                "max_interval", "4", "min_interval", "3", "mtu", mtu)));
    }
    plan_add(p, "Logical_Router_Port", xstrdup("lrp"), lrp_row, r, "ports");
    plan_add(p, "Logical_Switch_Port", xstrdup("rtr"),
             json_pack("{sssssoso}", "name", rtr, "type", "router", "addresses",
                       ovsdb_set(json_pack("[s]", "router")), "options",
                       ovsdb_map(json_pack("{ss}", "router-port", lrp))),
             ls, "ports");
    if (def->ovn.external.family)
        plan_gateway(p, def, ip, r, ls);
}

/* The network's objects; returns the index of the DHCP_Options (or -1). */
static int plan_network(nb_plan *p, const netdef *def, bool ref_only)
{
    _cleanup_free_ char *name = ls_name(def->name);
    int ls =
        plan_add(p, "Logical_Switch", xstrdup("ls"), json_pack("{ss}", "name", name), -1, NULL);
    p->o[ls].ref_only = ref_only;
    const netdef_ip *ip = ip_of(def, AF_INET);
    const netdef_ip *dip = netdef_dhcp_ip(def, AF_INET);
    int dhcp = -1;
    if (dip) {
        _cleanup_free_ char *c = cidr(dip);
        dhcp = plan_add(
            p, "DHCP_Options", xstrdup("dhcp"),
            json_pack("{ssso}", "cidr", c, "options", ovsdb_map(dhcp_options(def, dip))), -1, NULL);
        p->o[dhcp].ref_only = ref_only;
    }
    if (ref_only)
        return dhcp;
    if (def->dns.n_hosts)
        plan_add(p, "DNS", xstrdup("dns"),
                 json_pack("{so}", "records", ovsdb_map(dns_records(def))), ls, "dns_records");
    if ((def->forward_mode == NETDEF_FWD_NAT || def->forward_mode == NETDEF_FWD_ROUTE) && ip)
        plan_router(p, def, ip, ls);
    return dhcp;
}

/* ---- reading what exists ---- */

/* Rows vnet owns for the network, per table (an object of arrays). */
static int nb_read(ovsdb *c, const char *network, json_t **by_table, verr *err)
{
    json_t *ops = json_array();
    for (size_t i = 0; i < ARRAY_SIZE(nb_tables); i++) {
        json_t *cols = json_pack("[ss]", "_uuid", "external_ids");
        if (streq(nb_tables[i], "Logical_Switch_Port"))
            json_array_append_new(cols, json_string("addresses"));
        json_array_append_new(ops, json_pack("{sssssoso}", "op", "select", "table", nb_tables[i],
                                             "where", where_network(network), "columns", cols));
    }
    json_t *res = NULL;
    if (ovsdb_transact(c, OVN_NB_DB, ops, &res, err) < 0)
        return -1;
    *by_table = json_object();
    for (size_t i = 0; i < ARRAY_SIZE(nb_tables); i++)
        json_object_set(*by_table, nb_tables[i], json_object_get(json_array_get(res, i), "rows"));
    json_decref(res);
    return 0;
}

static json_t *find_row(json_t *by_table, const char *table, const char *key)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(by_table, table), i, row)
    {
        const char *k = ovsdb_map_get(json_object_get(row, "external_ids"), "vnet-object");
        if (k && streq(k, key))
            return row;
    }
    return NULL;
}

static void plan_match(nb_plan *p, json_t *by_table)
{
    for (size_t i = 0; i < p->n; i++) {
        json_t *row = find_row(by_table, p->o[i].table, p->o[i].key);
        free(p->o[i].uuid);
        p->o[i].uuid = row ? xstrdup(ovsdb_row_uuid(row)) : NULL;
    }
}

/* ---- writing ---- */

static json_t *obj_ref(const nb_plan *p, size_t i)
{
    if (p->o[i].uuid)
        return ovsdb_uuid(p->o[i].uuid);
    _cleanup_free_ char *n = xasprintf("o%zu", i);
    return ovsdb_named(n);
}

static json_t *where_uuid(json_t *ref)
{
    return json_pack("[o]", ovsdb_cond("_uuid", "==", ref));
}

/* Make object i a member of column col of object parent. */
static json_t *member_op(const nb_plan *p, size_t i, int parent, const char *col)
{
    json_t *mut = json_pack("[[sso]]", col, "insert", ovsdb_set(json_pack("[o]", obj_ref(p, i))));
    return json_pack("{sssssoso}", "op", "mutate", "table", p->o[parent].table, "where",
                     where_uuid(obj_ref(p, (size_t)parent)), "mutations", mut);
}

static int plan_apply(ovsdb *c, nb_plan *p, json_t *extra_ops, bool *changed, verr *err)
{
    json_t *ops = json_array();
    bool inserted = false;
    for (size_t i = 0; i < p->n; i++) {
        nb_obj *o = &p->o[i];
        if (o->ref_only) {
            if (!o->uuid) {
                json_decref(ops);
                json_decref(extra_ops);
                return verr_set(err, VERR_NOT_FOUND,
                                "OVN network '%s': its %s row is missing from the northbound "
                                "database (start the network)",
                                p->network, o->table);
            }
            continue;
        }
        json_t *row = json_deep_copy(o->row);
        if (o->link >= 0)
            json_object_set_new(row, o->link_col, obj_ref(p, (size_t)o->link));
        if (o->uuid) {
            json_array_append_new(ops, json_pack("{sssssoso}", "op", "update", "table", o->table,
                                                 "where", where_uuid(obj_ref(p, i)), "row", row));
        } else {
            /* another host may be inserting the same object right now: insert
             * only if it is still missing when the transaction commits */
            json_t *cond = ovsdb_cond(
                "external_ids", "includes",
                ovsdb_map(json_pack("{ssss}", "vnet-network", p->network, "vnet-object", o->key)));
            json_array_append_new(ops, json_pack("{sssss[o]s[s]sssis[]}", "op", "wait", "table",
                                                 o->table, "where", cond, "columns", "_uuid",
                                                 "until", "==", "timeout", 0, "rows"));
            json_object_set_new(row, "external_ids", tags(p, o->key));
            _cleanup_free_ char *n = xasprintf("o%zu", i);
            json_array_append_new(ops, json_pack("{sssssoss}", "op", "insert", "table", o->table,
                                                 "row", row, "uuid-name", n));
            inserted = true;
        }
        if (o->parent >= 0) /* inserting a present member is a no-op */
            json_array_append_new(ops, member_op(p, i, o->parent, o->parent_col));
        if (o->parent2 >= 0)
            json_array_append_new(ops, member_op(p, i, o->parent2, o->parent2_col));
    }
    if (extra_ops)
        json_array_extend(ops, extra_ops);
    json_decref(extra_ops);
    if (changed)
        *changed = inserted;
    if (json_array_size(ops) == 0) {
        json_decref(ops);
        return 0;
    }
    return ovsdb_transact(c, OVN_NB_DB, ops, NULL, err);
}

/* Rows vnet made that the definition no longer wants (a removed forward's
 * load balancer, the SNAT of a network now routed): unlink them from the
 * network's router (and delete the roots). */
static const struct {
    const char *table, *parent_col; /* parent_col NULL: a root row, weakly referenced */
    bool per_host;                  /* only this host's rows (lb_key) */
} stale_kinds[] = {
    {"Load_Balancer", NULL, true}, {"DNS", NULL, false}, /* the last <dns><host> removed */
    {"DHCP_Options", NULL, false},                       /* <dhcp> removed */
    {"NAT", "nat", false},         {"Logical_Router_Static_Route", "static_routes", false},
};

/* A load balancer of this host's (see lb_key)? Other hosts' stay. */
static bool lb_is_mine(const nb_plan *p, const char *key)
{
    _cleanup_free_ char *tcp = lb_key(p, "tcp");
    _cleanup_free_ char *udp = lb_key(p, "udp");
    return streq(key, tcp) || streq(key, udp);
}

static bool plan_has(const nb_plan *p, const char *table, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (streq(p->o[i].table, table) && streq(p->o[i].key, key))
            return true;
    return false;
}

static json_t *stale_ops(const nb_plan *p, json_t *by_table)
{
    json_t *ops = json_array();
    json_t *lr = find_row(by_table, "Logical_Router", "lr");
    for (size_t k = 0; k < ARRAY_SIZE(stale_kinds); k++) {
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(by_table, stale_kinds[k].table), i, row)
        {
            const char *key = ovsdb_map_get(json_object_get(row, "external_ids"), "vnet-object");
            const char *uuid = ovsdb_row_uuid(row);
            if (!key || !uuid || plan_has(p, stale_kinds[k].table, key))
                continue;
            if (!stale_kinds[k].parent_col) {
                if (!stale_kinds[k].per_host || lb_is_mine(p, key))
                    json_array_append_new(ops, json_pack("{ssssso}", "op", "delete", "table",
                                                         stale_kinds[k].table, "where",
                                                         where_uuid(ovsdb_uuid(uuid))));
                continue;
            }
            if (lr) {
                json_t *mut = json_pack("[[sso]]", stale_kinds[k].parent_col, "delete",
                                        ovsdb_set(json_pack("[o]", ovsdb_uuid(uuid))));
                json_array_append_new(
                    ops, json_pack("{sssssoso}", "op", "mutate", "table", "Logical_Router", "where",
                                   where_uuid(ovsdb_uuid(ovsdb_row_uuid(lr))), "mutations", mut));
            }
        }
    }
    return ops;
}

static int plan_init(nb_plan *p, const netdef *def)
{
    memset(p, 0, sizeof(*p));
    p->network = def->name;
    netdef_uuid_str(def, p->uuid);
    return 0;
}

/* A transaction lost a race with another host (its wait failed, or a name
 * index clashed): read again and retry. */
static bool lost_race(const verr *e)
{
    return e->kind == VERR_BUSY || strstr(e->msg, "constraint violation") != NULL;
}

#define NB_ATTEMPTS 3

static int ensure_once(ovsdb *c, const netdef *def, const char *host, bool *changed, verr *err);

static json_t *host_mark_op(const char *network, const char *host)
{
    if (!host)
        return NULL;
    _cleanup_free_ char *key = xasprintf(HOST_KEY_PREFIX "%s", host);
    json_t *mut =
        json_pack("[[sso]]", "external_ids", "insert", ovsdb_map(json_pack("{ss}", key, "1")));
    json_t *where = json_pack(
        "[o]",
        ovsdb_cond("external_ids", "includes",
                   ovsdb_map(json_pack("{ssss}", "vnet-network", network, "vnet-object", "ls"))));
    return json_pack("[{sssssoso}]", "op", "mutate", "table", "Logical_Switch", "where", where,
                     "mutations", mut);
}

int ovn_nb_ensure(ovsdb *c, const netdef *def, const char *host, bool *changed, verr *err)
{
    verr e = VERR_INIT;
    int r = -1;
    for (int i = 0; i < NB_ATTEMPTS && r < 0; i++) {
        verr_clear(&e);
        r = ensure_once(c, def, host, changed, &e);
        if (r == 0 && host)
            r = ovsdb_transact(c, OVN_NB_DB, host_mark_op(def->name, host), NULL, &e);
        if (r < 0 && !lost_race(&e))
            break;
    }
    if (r < 0 && err)
        *err = e;
    return r;
}

static int ensure_once(ovsdb *c, const netdef *def, const char *host, bool *changed, verr *err)
{
    nb_plan p;
    plan_init(&p, def);
    p.host = host;
    plan_network(&p, def, false);
    json_t *by_table = NULL;
    int r = nb_read(c, def->name, &by_table, err);
    if (r == 0) {
        plan_match(&p, by_table);
        json_t *extra = stale_ops(&p, by_table);
        json_t *ls = find_row(by_table, "Logical_Switch", "ls");
        const char *had = ovsdb_map_get(json_object_get(ls, "external_ids"), OVN_NB_DEFINITION_KEY);
        _cleanup_free_ char *xml = ovn_nb_shared_xml(def);
        if (!had || !streq(had, xml)) {
            json_t *dop = definition_op(obj_ref(&p, 0), def);
            json_array_extend(extra, dop);
            json_decref(dop);
        }
        r = plan_apply(c, &p, extra, changed, err);
    }
    json_decref(by_table);
    plan_clear(&p);
    if (r < 0)
        verr_prefix(err, "OVN network '%s'", def->name);
    return r;
}

int ovn_nb_check(ovsdb *c, const netdef *def, const char *host, bool *complete, verr *err)
{
    nb_plan p;
    plan_init(&p, def);
    p.host = host;
    plan_network(&p, def, false);
    json_t *by_table = NULL;
    int r = nb_read(c, def->name, &by_table, err);
    if (r == 0) {
        plan_match(&p, by_table);
        *complete = true;
        for (size_t i = 0; i < p.n; i++)
            if (!p.o[i].uuid)
                *complete = false;
    }
    json_decref(by_table);
    plan_clear(&p);
    return r;
}

static json_t *remove_ops(const char *network)
{
    static const char *const roots[] = {"Logical_Switch", "Logical_Router", "DHCP_Options", "DNS",
                                        "Load_Balancer"};
    json_t *ops = json_array();
    for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
        json_array_append_new(ops, json_pack("{ssssso}", "op", "delete", "table", roots[i], "where",
                                             where_network(network)));
    return ops;
}

static json_t *own_lb_delete_ops(const char *network, const char *host)
{
    json_t *ops = json_array();
    static const char *const protos[] = {"tcp", "udp"};
    for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
        _cleanup_free_ char *key = xasprintf("lb-%s-%s", protos[i], host);
        json_t *where =
            json_pack("[o]", ovsdb_cond("external_ids", "includes",
                                        ovsdb_map(json_pack("{ssss}", "vnet-network", network,
                                                            "vnet-object", key))));
        json_array_append_new(
            ops, json_pack("{ssssso}", "op", "delete", "table", "Load_Balancer", "where", where));
    }
    return ops;
}

int ovn_nb_release(ovsdb *c, const char *network, const char *host, bool *removed, verr *err)
{
    if (removed)
        *removed = false;
    if (!host) {
        if (removed)
            *removed = true;
        return ovn_nb_remove(c, network, err);
    }
    for (int attempt = 0; attempt < NB_ATTEMPTS; attempt++) {
        _cleanup_free_ char *key = xasprintf(HOST_KEY_PREFIX "%s", host);
        json_t *where =
            json_pack("[o]", ovsdb_cond("external_ids", "includes",
                                        ovsdb_map(json_pack("{ssss}", "vnet-network", network,
                                                            "vnet-object", "ls"))));
        json_t *ops =
            json_pack("[{sssssOs[[sso]]},{sssssos[ss]}]", "op", "mutate", "table", "Logical_Switch",
                      "where", where, "mutations", "external_ids", "delete",
                      ovsdb_set(json_pack("[s]", key)), "op", "select", "table", "Logical_Switch",
                      "where", where, "columns", "_uuid", "external_ids");
        json_t *res = NULL;
        if (ovsdb_transact(c, OVN_NB_DB, ops, &res, err) < 0)
            return verr_prefix(err, "OVN network '%s': releasing it", network);
        json_t *row = json_array_get(json_object_get(json_array_get(res, 1), "rows"), 0);
        bool others = false;
        size_t i;
        json_t *kv;
        json_array_foreach(json_array_get(json_object_get(row, "external_ids"), 1), i, kv)
        {
            const char *k = json_string_value(json_array_get(kv, 0));
            if (k && strncmp(k, HOST_KEY_PREFIX, strlen(HOST_KEY_PREFIX)) == 0)
                others = true;
        }
        if (others || !row) {
            json_decref(res);
            if (!row) { /* the switch is gone: remove whatever else is left */
                if (removed)
                    *removed = true;
                return ovn_nb_remove(c, network, err);
            }
            /* the network stays for the others; this host's forwards go */
            if (ovsdb_transact(c, OVN_NB_DB, own_lb_delete_ops(network, host), NULL, err) < 0)
                return verr_prefix(err, "OVN network '%s': removing this host's forwards", network);
            return 0;
        }
        /* the last host: remove, unless another host joined since (wait) */
        json_t *wait =
            json_pack("{sssss[[sso]]s[s]sssis[{sO}]}", "op", "wait", "table", "Logical_Switch",
                      "where", "_uuid", "==", json_incref(json_object_get(row, "_uuid")), "columns",
                      "external_ids", "until", "==", "timeout", 0, "rows", "external_ids",
                      json_object_get(row, "external_ids"));
        json_decref(res);
        json_t *del = remove_ops(network);
        json_array_insert_new(del, 0, wait);
        verr e = VERR_INIT;
        if (ovsdb_transact(c, OVN_NB_DB, del, NULL, &e) == 0) {
            if (removed)
                *removed = true;
            return 0;
        }
        if (e.kind != VERR_BUSY) {
            if (err)
                *err = e;
            return verr_prefix(err, "OVN network '%s': removing it", network);
        }
    }
    return verr_set(err, VERR_BUSY, "OVN network '%s': other hosts keep changing it", network);
}

int ovn_nb_remove(ovsdb *c, const char *network, verr *err)
{
    if (ovsdb_transact(c, OVN_NB_DB, remove_ops(network), NULL, err) < 0)
        return verr_prefix(err, "OVN network '%s': removing its northbound objects", network);
    return 0;
}

/* ---- guest ports ---- */

typedef struct addr_pool {
    vnet_addr start;
    uint64_t size;
    vnet_addr *used;
    size_t n_used;
} addr_pool;

static void pool_use(addr_pool *a, const char *ip)
{
    vnet_addr v;
    if (ip && vnet_addr_parse_family(ip, AF_INET, &v) == 0)
        *(vnet_addr *)xarray_push(&a->used, &a->n_used, sizeof(v)) = v;
}

static bool pool_is_used(const addr_pool *a, const vnet_addr *v)
{
    for (size_t i = 0; i < a->n_used; i++)
        if (vnet_addr_equal(&a->used[i], v))
            return true;
    return false;
}

static void pool_range(addr_pool *a, const netdef_ip *ip)
{
    if (ip->n_ranges) {
        a->start = ip->ranges[0].start;
        a->size = vnet_addr_range_size(&ip->ranges[0].start, &ip->ranges[0].end);
        return;
    }
    vnet_addr last;
    vnet_addr_network(&ip->address, ip->prefix, &a->start);
    vnet_addr_add(&a->start, 1);
    vnet_addr_last(&ip->address, ip->prefix, &last);
    a->size = vnet_addr_range_size(&a->start, &last) - 1; /* not the broadcast */
}

static uint64_t mac_hash(const uint8_t mac[6])
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 1099511628211ULL;
    return h;
}

/* Addresses taken by others: ports' addresses, other MACs' reservations and
 * static hosts, the server's own address. */
static void pool_fill(addr_pool *a, const netdef_ip *ip, json_t *by_table, const char *macs,
                      const char *lsp)
{
    char buf[VNET_ADDR_STRLEN];
    pool_use(a, vnet_addr_str(&ip->address, buf));
    for (size_t i = 0; i < ip->n_hosts; i++)
        if (!ip->hosts[i].mac || strcasecmp(ip->hosts[i].mac, macs) != 0)
            pool_use(a, vnet_addr_str(&ip->hosts[i].ip, buf));
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(by_table, "Logical_Switch_Port"), i, row)
    {
        const char *k = ovsdb_map_get(json_object_get(row, "external_ids"), "vnet-object");
        if (k && strncmp(k, "port:", 5) == 0 && streq(k + 5, lsp))
            continue;
        json_t *addrs = ovsdb_set_members(json_object_get(row, "addresses"));
        size_t j;
        json_t *ad;
        json_array_foreach(addrs, j, ad)
        {
            const char *s = json_string_value(ad);
            const char *sp = s ? strchr(s, ' ') : NULL;
            if (sp)
                pool_use(a, sp + 1);
        }
        json_decref(addrs);
    }
    json_t *ls = find_row(by_table, "Logical_Switch", "ls");
    json_array_foreach(json_array_get(json_object_get(ls, "external_ids"), 1), i, row)
    {
        const char *k = json_string_value(json_array_get(row, 0));
        if (k && strncmp(k, MAC_KEY_PREFIX, strlen(MAC_KEY_PREFIX)) == 0 &&
            strcasecmp(k + strlen(MAC_KEY_PREFIX), macs) != 0)
            pool_use(a, json_string_value(json_array_get(row, 1)));
    }
}

static int pick_address(const netdef *def, json_t *by_table, const char *macs, const uint8_t mac[6],
                        const char *lsp, char *ip_out, verr *err)
{
    const netdef_ip *ip = ip_of(def, AF_INET);
    if (!ip)
        return verr_set(err, VERR_UNSUPPORTED,
                        "OVN network '%s' has no IPv4 <ip>: no address to give a port", def->name);
    for (size_t i = 0; i < ip->n_hosts; i++)
        if (ip->hosts[i].mac && strcasecmp(ip->hosts[i].mac, macs) == 0 && ip->hosts[i].ip.family) {
            vnet_addr_str(&ip->hosts[i].ip, ip_out);
            return 0;
        }
    _cleanup_free_ char *key = xasprintf(MAC_KEY_PREFIX "%s", macs);
    json_t *ls = find_row(by_table, "Logical_Switch", "ls");
    const char *had = ovsdb_map_get(json_object_get(ls, "external_ids"), key);
    if (had) {
        snprintf(ip_out, VNET_ADDR_STRLEN, "%s", had);
        return 0;
    }
    addr_pool a = {0};
    pool_range(&a, ip);
    pool_fill(&a, ip, by_table, macs, lsp);
    int r = -1;
    uint64_t first = a.size ? mac_hash(mac) % a.size : 0;
    for (uint64_t k = 0; a.size && k <= a.n_used && k < a.size; k++) {
        vnet_addr v = a.start;
        vnet_addr_add(&v, (first + k) % a.size);
        if (!pool_is_used(&a, &v)) {
            vnet_addr_str(&v, ip_out);
            r = 0;
            break;
        }
    }
    free(a.used);
    if (r < 0)
        return verr_set(err, VERR_BUSY, "OVN network '%s': no free address left for %s", def->name,
                        macs);
    return 0;
}

static int port_ensure_once(ovsdb *c, const netdef *def, const char *lsp, const uint8_t mac[6],
                            char *ip, verr *err);

int ovn_nb_port_ensure(ovsdb *c, const netdef *def, const char *lsp, const uint8_t mac[6], char *ip,
                       verr *err)
{
    verr e = VERR_INIT;
    int r = -1;
    for (int i = 0; i < NB_ATTEMPTS && r < 0; i++) {
        verr_clear(&e);
        r = port_ensure_once(c, def, lsp, mac, ip, &e);
        if (r < 0 && !lost_race(&e))
            break;
    }
    if (r < 0 && err)
        *err = e;
    return r;
}

static int port_ensure_once(ovsdb *c, const netdef *def, const char *lsp, const uint8_t mac[6],
                            char *ip, verr *err)
{
    char macs[18];
    vnet_mac_str(mac, macs);
    nb_plan p;
    plan_init(&p, def);
    int dhcp = plan_network(&p, def, true);
    json_t *by_table = NULL;
    int r = nb_read(c, def->name, &by_table, err);
    if (r == 0)
        r = pick_address(def, by_table, macs, mac, lsp, ip, err);
    if (r == 0) {
        _cleanup_free_ char *addr = xasprintf("%s %s", macs, ip);
        _cleanup_free_ char *key = xasprintf("port:%s", lsp);
        int o = plan_add(
            &p, "Logical_Switch_Port", xstrdup(key),
            json_pack("{ssso}", "name", lsp, "addresses", ovsdb_set(json_pack("[s]", addr))), 0,
            "ports");
        if (dhcp >= 0) {
            p.o[o].link = dhcp;
            p.o[o].link_col = "dhcpv4_options";
        }
        plan_match(&p, by_table);
        /* remember MAC -> address on the switch, for a move to another host */
        _cleanup_free_ char *mkey = xasprintf(MAC_KEY_PREFIX "%s", macs);
        json_t *extra = NULL;
        if (p.o[0].uuid) {
            json_t *mut = json_pack("[[sso]]", "external_ids", "insert",
                                    ovsdb_map(json_pack("{ss}", mkey, ip)));
            extra = json_pack("[{sssssoso}]", "op", "mutate", "table", "Logical_Switch", "where",
                              where_uuid(ovsdb_uuid(p.o[0].uuid)), "mutations", mut);
        }
        r = plan_apply(c, &p, extra, NULL, err);
    }
    json_decref(by_table);
    plan_clear(&p);
    if (r < 0)
        verr_prefix(err, "OVN port %s", lsp);
    return r;
}

int ovn_nb_port_remove(ovsdb *c, const char *network, const char *lsp, verr *err)
{
    json_t *by_table = NULL;
    if (nb_read(c, network, &by_table, err) < 0)
        return verr_prefix(err, "OVN port %s", lsp);
    _cleanup_free_ char *key = xasprintf("port:%s", lsp);
    json_t *port = find_row(by_table, "Logical_Switch_Port", key);
    json_t *ls = find_row(by_table, "Logical_Switch", "ls");
    int r = 0;
    if (port && ls) {
        json_t *mut = json_pack("[[sso]]", "ports", "delete",
                                ovsdb_set(json_pack("[o]", ovsdb_uuid(ovsdb_row_uuid(port)))));
        json_t *ops = json_pack("[{sssssoso}]", "op", "mutate", "table", "Logical_Switch", "where",
                                where_uuid(ovsdb_uuid(ovsdb_row_uuid(ls))), "mutations", mut);
        r = ovsdb_transact(c, OVN_NB_DB, ops, NULL, err);
    }
    json_decref(by_table);
    if (r < 0)
        verr_prefix(err, "OVN port %s", lsp);
    return r;
}
