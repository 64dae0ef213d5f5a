/* Parsing libvirt network XML into the model: the document, <network> and its
 * single-instance children (bridge, mac, domain, forward, ...). Lists of
 * addresses and DNS records are in netdef_parse_ip.c, the libvirt features
 * vnet only carries through (portgroups, vlan, ...) in netdef_parse_ext.c.
 *
 * Parsing is strict about syntax (every value must have its type) and
 * leaves policy to netdef_validate.c. libxml2 runs with no network access,
 * no entity substitution, no DTD, and a size limit. */
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/netdef_priv.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

unsigned nd_line(xmlNodePtr node)
{
    long l = xmlGetLineNo(node);
    return l > 0 ? (unsigned)l : 0;
}

static void elem_name(xmlNodePtr node, char *buf, size_t len)
{
    if (node->ns && node->ns->prefix)
        snprintf(buf, len, "%s:%s", node->ns->prefix, (const char *)node->name);
    else
        snprintf(buf, len, "%s", (const char *)node->name);
}

int nd_node_err(const nd_ctx *c, xmlNodePtr node, const char *attr, const char *fmt, ...)
{
    char name[128], msg[VERR_MSG_MAX];
    va_list ap;

    elem_name(node, name, sizeof(name));
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return netdef_err(c->err, c->source, nd_line(node), name, attr, "%s", msg);
}

bool nd_is(xmlNodePtr node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && !node->ns && streq((const char *)node->name, name);
}

static bool is_ns(xmlNodePtr node, const char *href, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           streq((const char *)node->ns->href, href) && streq((const char *)node->name, name);
}

char *nd_prop(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *r;
    if (!v)
        return NULL;
    r = xstrdup((const char *)v);
    xmlFree(v);
    return r;
}

char *nd_text(xmlNodePtr node)
{
    xmlChar *v = xmlNodeGetContent(node);
    char *r = xstrdup(v ? (const char *)v : "");
    xmlFree(v);
    return r;
}

int nd_prop_tristate(const nd_ctx *c, xmlNodePtr node, const char *name, vtristate *ret)
{
    _cleanup_free_ char *v = nd_prop(node, name);
    if (!v) {
        *ret = VT_ABSENT;
        return 0;
    }
    if (streq(v, "yes"))
        *ret = VT_YES;
    else if (streq(v, "no"))
        *ret = VT_NO;
    else
        return nd_node_err(c, node, name, "'%s' is not 'yes' or 'no'", v);
    return 0;
}

/* Decimal (or 0x hex, as libvirt's virStrToLong allows) unsigned number. */
int nd_prop_uint(const nd_ctx *c, xmlNodePtr node, const char *name, unsigned long long max,
                 bool *present, unsigned long long *ret)
{
    _cleanup_free_ char *v = nd_prop(node, name);
    char *end = NULL;
    unsigned long long n;

    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    errno = 0;
    if (v[0] == '-' || v[0] == '+' || v[0] == ' ' || v[0] == '\0')
        return nd_node_err(c, node, name, "'%s' is not a number", v);
    /* base 10, or hex with 0x (PCI addresses); never octal */
    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
        n = strtoull(v + 2, &end, 16);
    else
        n = strtoull(v, &end, 10);
    if (end == v || (v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && end == v + 2))
        return nd_node_err(c, node, name, "'%s' is not a number", v);
    if (errno || *end)
        return nd_node_err(c, node, name, "'%s' is not a number", v);
    if (n > max)
        return nd_node_err(c, node, name, "%s is out of range (maximum %llu)", v, max);
    *ret = n;
    return 0;
}

int nd_prop_addr(const nd_ctx *c, xmlNodePtr node, const char *name, int family, vnet_addr *ret)
{
    _cleanup_free_ char *v = nd_prop(node, name);
    memset(ret, 0, sizeof(*ret));
    if (!v)
        return 0;
    if ((family ? vnet_addr_parse_family(v, family, ret) : vnet_addr_parse(v, ret)) < 0)
        return nd_node_err(c, node, name, "'%s' is not a valid %s address", v,
                           family == AF_INET    ? "IPv4"
                           : family == AF_INET6 ? "IPv6"
                                                : "IP");
    return 0;
}

/* Parse memory into a document. The error keeps libxml2's message and line. */
xmlDocPtr nd_read_doc(const char *xml, size_t len, const char *source, verr *err)
{
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;

    if (len > NETDEF_XML_MAX) {
        verr_set(err, VERR_INVALID, "%s: document is larger than %d bytes", source, NETDEF_XML_MAX);
        return NULL;
    }
    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        verr_set(err, VERR_INTERNAL, "%s: cannot create an XML parser", source);
        return NULL;
    }
    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    if (!doc) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        char msg[512] = "malformed XML";
        if (e && e->message) {
            snprintf(msg, sizeof(msg), "%s", e->message);
            size_t l = strlen(msg);
            while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
                msg[--l] = '\0';
        }
        verr_set(err, VERR_INVALID, "%s:%d: malformed XML: %s", source, e ? e->line : 0, msg);
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    xmlFreeParserCtxt(ctxt);
    if (doc->intSubset || doc->extSubset) {
        verr_set(err, VERR_INVALID, "%s: a DOCTYPE declaration is not allowed", source);
        xmlFreeDoc(doc);
        return NULL;
    }
    if (!xmlDocGetRootElement(doc)) {
        verr_set(err, VERR_INVALID, "%s: empty document", source);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* ---------------------------------------------------------------- bridge */

static int parse_bridge(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    _cleanup_free_ char *stp = nd_prop(n, "stp");
    _cleanup_free_ char *mtm = nd_prop(n, "macTableManager");
    unsigned long long delay;

    def->bridge_name = nd_prop(n, "name");
    def->zone = nd_prop(n, "zone");
    if (stp) {
        if (streq(stp, "on"))
            def->stp = VT_YES;
        else if (streq(stp, "off"))
            def->stp = VT_NO;
        else
            return nd_node_err(c, n, "stp", "'%s' is not 'on' or 'off'", stp);
    }
    if (nd_prop_uint(c, n, "delay", UINT32_MAX, &def->has_delay, &delay) < 0)
        return -1;
    if (def->has_delay)
        def->delay = (unsigned)delay;
    if (mtm) {
        if (!streq(mtm, "kernel") && !streq(mtm, "libvirt"))
            return nd_node_err(c, n, "macTableManager", "'%s' is not 'kernel' or 'libvirt'", mtm);
        def->mac_table_manager = TAKE_PTR(mtm);
    }
    netdef_extra_get(def)->line_bridge = nd_line(n);
    return 0;
}

static int parse_mac(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    _cleanup_free_ char *v = nd_prop(n, "address");
    if (!v)
        return nd_node_err(c, n, "address", "missing");
    if (vnet_mac_parse(v, def->mac) < 0)
        return nd_node_err(c, n, "address", "'%s' is not a MAC address", v);
    def->has_mac = true;
    netdef_extra_get(def)->line_mac = nd_line(n);
    return 0;
}

static int parse_mtu(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    unsigned long long v;
    bool present;
    if (nd_prop_uint(c, n, "size", UINT32_MAX, &present, &v) < 0)
        return -1;
    if (!present)
        return nd_node_err(c, n, "size", "missing");
    def->mtu = (unsigned)v;
    if (def->mtu == 0)
        return nd_node_err(c, n, "size", "must not be 0");
    netdef_extra_get(def)->line_mtu = nd_line(n);
    return 0;
}

static int parse_domain(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    def->domain = nd_prop(n, "name");
    if (!def->domain)
        return nd_node_err(c, n, "name", "missing");
    if (nd_prop_tristate(c, n, "localOnly", &def->domain_local_only) < 0 ||
        nd_prop_tristate(c, n, "register", &def->domain_register) < 0)
        return -1;
    netdef_extra_get(def)->line_domain = nd_line(n);
    return 0;
}

/* ---------------------------------------------------------------- forward */

static int parse_nat(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    bool have_addr = false, have_port = false;

    def->nat.present = true;
    if (nd_prop_tristate(c, n, "ipv6", &def->nat.ipv6) < 0)
        return -1;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "address")) {
            if (have_addr)
                return nd_node_err(c, ch, NULL, "only one <address> is allowed in <nat>");
            have_addr = true;
            if (nd_prop_addr(c, ch, "start", AF_INET, &def->nat.addr_start) < 0 ||
                nd_prop_addr(c, ch, "end", AF_INET, &def->nat.addr_end) < 0)
                return -1;
            if (!vnet_addr_is_set(&def->nat.addr_start))
                return nd_node_err(c, ch, "start", "missing");
        } else if (nd_is(ch, "port")) {
            unsigned long long v;
            bool p;
            if (have_port)
                return nd_node_err(c, ch, NULL, "only one <port> is allowed in <nat>");
            have_port = true;
            if (nd_prop_uint(c, ch, "start", 65535, &p, &v) < 0)
                return -1;
            if (!p)
                return nd_node_err(c, ch, "start", "missing");
            def->nat.port_start = (unsigned)v;
            if (nd_prop_uint(c, ch, "end", 65535, &p, &v) < 0)
                return -1;
            if (p)
                def->nat.port_end = (unsigned)v;
        }
    }
    return 0;
}

static int parse_forward_mode(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    _cleanup_free_ char *mode = nd_prop(n, "mode");
    def->forward_mode = NETDEF_FWD_NAT;
    if (!mode)
        return 0;
    for (int m = NETDEF_FWD_NAT; m <= NETDEF_FWD_HOSTDEV; m++) {
        if (streq(mode, netdef_forward_mode_name(m))) {
            def->forward_mode = m;
            return 0;
        }
    }
    return nd_node_err(c, n, "mode", "unknown forward mode '%s'", mode);
}

static int parse_pci_addr(const nd_ctx *c, xmlNodePtr n, netdef_pci_addr *ret)
{
    _cleanup_free_ char *type = nd_prop(n, "type");
    static const struct {
        const char *name;
        unsigned long long max;
    } fields[] = {{"domain", 0xffff}, {"bus", 0xff}, {"slot", 0x1f}, {"function", 7}};
    unsigned *out[] = {&ret->domain, &ret->bus, &ret->slot, &ret->function};

    if (!type)
        return nd_node_err(c, n, "type", "missing");
    if (!streq(type, "pci"))
        return nd_node_err(c, n, "type", "unknown address type '%s' (only 'pci')", type);
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        unsigned long long v = 0;
        bool p;
        if (nd_prop_uint(c, n, fields[i].name, fields[i].max, &p, &v) < 0)
            return -1;
        if (!p && i != 0)
            return nd_node_err(c, n, fields[i].name, "missing");
        *out[i] = (unsigned)v;
    }
    ret->line = nd_line(n);
    return 0;
}

static int parse_forward_children(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    struct netdef_extra *x = netdef_extra_get(def);
    size_t n_pf = 0;

    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "interface")) {
            char *dev = nd_prop(ch, "dev");
            if (!dev)
                return nd_node_err(c, ch, "dev", "missing");
            *(char **)xarray_push(&def->forward_ifaces, &def->n_forward_ifaces, sizeof(char *)) =
                dev;
        } else if (nd_is(ch, "address")) {
            netdef_pci_addr *a = xarray_push(&x->addrs, &x->n_addrs, sizeof(*a));
            if (parse_pci_addr(c, ch, a) < 0)
                return -1;
        } else if (nd_is(ch, "pf")) {
            if (++n_pf > 1)
                return nd_node_err(c, ch, NULL, "only one <pf> is allowed in <forward>");
            x->forward_pf = nd_prop(ch, "dev");
            if (!x->forward_pf)
                return nd_node_err(c, ch, "dev", "missing");
        } else if (nd_is(ch, "driver")) {
            free(x->forward_driver);
            x->forward_driver = nd_prop(ch, "name");
            if (x->forward_driver && !streq(x->forward_driver, "kvm") &&
                !streq(x->forward_driver, "vfio") && !streq(x->forward_driver, "default"))
                return nd_node_err(c, ch, "name", "unknown driver '%s'", x->forward_driver);
            if (x->forward_driver && streq(x->forward_driver, "default")) {
                free(x->forward_driver);
                x->forward_driver = NULL;
            }
        } else if (nd_is(ch, "nat")) {
            if (def->forward_mode != NETDEF_FWD_NAT)
                return nd_node_err(c, ch, NULL, "only allowed with forward mode 'nat'");
            if (parse_nat(c, ch, def) < 0)
                return -1;
        }
    }
    return 0;
}

/* libvirt keeps dev= as the first pool interface; we do the same and keep
 * forward_dev equal to it. */
static int parse_forward(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    struct netdef_extra *x = netdef_extra_get(def);
    _cleanup_free_ char *dev = nd_prop(n, "dev");

    def->has_forward = true;
    x->line_forward = nd_line(n);
    if (parse_forward_mode(c, n, def) < 0 ||
        nd_prop_tristate(c, n, "managed", &def->forward_managed) < 0 ||
        parse_forward_children(c, n, def) < 0)
        return -1;
    if (def->n_forward_ifaces && x->n_addrs)
        return nd_node_err(c, n, NULL, "<address> and <interface> are mutually exclusive");
    if ((def->n_forward_ifaces || x->n_addrs) && x->forward_pf)
        return nd_node_err(c, n, NULL, "<pf> cannot be combined with <address> or <interface>");
    if (dev && x->forward_pf)
        return nd_node_err(c, n, "dev", "not allowed together with <pf>");
    if (dev && x->n_addrs)
        return nd_node_err(c, n, "dev", "not allowed together with <address>");
    if (dev && def->n_forward_ifaces && !streq(dev, def->forward_ifaces[0]))
        return nd_node_err(c, n, "dev", "'%s' must match the first <interface dev='%s'>", dev,
                           def->forward_ifaces[0]);
    if (dev && !def->n_forward_ifaces)
        *(char **)xarray_push(&def->forward_ifaces, &def->n_forward_ifaces, sizeof(char *)) =
            xstrdup(dev);
    if (def->n_forward_ifaces)
        def->forward_dev = xstrdup(def->forward_ifaces[0]);
    return 0;
}

/* ---------------------------------------------------------------- network */

static int parse_text_elem(const nd_ctx *c, xmlNodePtr n, char **slot)
{
    if (*slot)
        return 0; /* libvirt reads the first one */
    *slot = nd_text(n);
    return 0;
}

static int parse_uuid(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    _cleanup_free_ char *s = NULL;
    if (def->has_uuid)
        return 0;
    s = nd_text(n);
    if (netdef_uuid_parse(s, def->uuid) < 0)
        return nd_node_err(c, n, NULL, "'%s' is not a UUID", s);
    def->has_uuid = true;
    netdef_extra_get(def)->line_uuid = nd_line(n);
    return 0;
}

/* <metadata>: a copy in its own document (so namespaces declared higher up
 * come along), blank text removed, serialized indented for its place under
 * <network> (the first line without its indent). */
static void strip_blanks(xmlNodePtr n)
{
    xmlNodePtr ch = n->children;
    while (ch) {
        xmlNodePtr next = ch->next;
        if (ch->type == XML_TEXT_NODE && xmlIsBlankNode(ch)) {
            xmlUnlinkNode(ch);
            xmlFreeNode(ch);
        } else if (ch->type == XML_ELEMENT_NODE) {
            strip_blanks(ch);
        }
        ch = next;
    }
}

/* libxml2 writes namespace URIs without escaping, so a tab, CR or LF in one
 * (legal as a character reference) would read back as a space: refuse it. A
 * URI has no whitespace anyway. Returns the offending element or NULL. */
static xmlNodePtr metadata_bad_ns(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlNsPtr ns = n->nsDef; ns; ns = ns->next)
            if (ns->href && strpbrk((const char *)ns->href, "\t\r\n"))
                return n;
        xmlNodePtr bad = metadata_bad_ns(n->children);
        if (bad)
            return bad;
    }
    return NULL;
}

static int parse_metadata(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    xmlDocPtr doc;
    xmlNodePtr copy;
    xmlBufferPtr buf;

    if (def->metadata_xml)
        return 0;
    xmlNodePtr bad = metadata_bad_ns(n);
    if (bad)
        return nd_node_err(c, bad, NULL, "a namespace URI contains a tab or line break");
    doc = xmlNewDoc((const xmlChar *)"1.0");
    copy = xmlDocCopyNode(n, doc, 1);
    if (!doc || !copy) {
        xmlFreeDoc(doc);
        return nd_node_err(c, n, NULL, "cannot copy metadata");
    }
    xmlDocSetRootElement(doc, copy);
    strip_blanks(copy);
    buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, copy, 1, 1); /* indented as a child of <network> */
    def->metadata_xml = xstrdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return 0;
}

static int parse_dnsmasq_options(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (!is_ns(ch, NETDEF_DNSMASQ_NS, "option"))
            continue;
        char *v = nd_prop(ch, "value");
        if (!v)
            return nd_node_err(c, ch, "value", "missing");
        *(char **)xarray_push(&def->dnsmasq_options, &def->n_dnsmasq_options, sizeof(char *)) = v;
    }
    return 0;
}

static int parse_port(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    return nd_prop_tristate(c, n, "isolated", &def->port_isolated);
}

static int parse_child(const nd_ctx *c, xmlNodePtr ch, netdef *def)
{
    struct netdef_extra *x = netdef_extra_get(def);

    if (is_ns(ch, NETDEF_DNSMASQ_NS, "options")) {
        x->line_dnsmasq = nd_line(ch);
        return parse_dnsmasq_options(c, ch, def);
    }
    if (is_ns(ch, NETDEF_VNET_NS, "portForward")) {
        netdef_port_forward *pf =
            xarray_push(&def->port_forwards, &def->n_port_forwards, sizeof(*pf));
        return nd_parse_port_forward(c, ch, pf);
    }
    if (ch->type == XML_ELEMENT_NODE && ch->ns && ch->ns->href &&
        streq((const char *)ch->ns->href, NETDEF_VNET_NS))
        return nd_node_err(c, ch, NULL, "unknown vnet element");
    if (ch->type != XML_ELEMENT_NODE || ch->ns)
        return 0;

    const char *name = (const char *)ch->name;
    if (streq(name, "name")) {
        if (!x->line_name)
            x->line_name = nd_line(ch);
        return parse_text_elem(c, ch, &def->name);
    }
    if (streq(name, "uuid"))
        return parse_uuid(c, ch, def);
    if (streq(name, "title"))
        return parse_text_elem(c, ch, &def->title);
    if (streq(name, "description"))
        return parse_text_elem(c, ch, &def->description);
    if (streq(name, "metadata"))
        return parse_metadata(c, ch, def);
    if (streq(name, "forward"))
        return def->has_forward ? 0 : parse_forward(c, ch, def);
    if (streq(name, "bridge"))
        return x->line_bridge ? 0 : parse_bridge(c, ch, def);
    if (streq(name, "mac"))
        return def->has_mac ? 0 : parse_mac(c, ch, def);
    if (streq(name, "mtu"))
        return def->mtu ? 0 : parse_mtu(c, ch, def);
    if (streq(name, "domain"))
        return def->domain ? 0 : parse_domain(c, ch, def);
    if (streq(name, "dns")) {
        if (def->has_dns)
            return 0;
        def->has_dns = true;
        x->line_dns = nd_line(ch);
        return nd_parse_dns(c, ch, &def->dns);
    }
    if (streq(name, "ip")) {
        netdef_ip *ip = xarray_push(&def->ips, &def->n_ips, sizeof(*ip));
        return nd_parse_ip(c, ch, ip);
    }
    if (streq(name, "route")) {
        netdef_route *r = xarray_push(&def->routes, &def->n_routes, sizeof(*r));
        return nd_parse_route(c, ch, r);
    }
    if (streq(name, "vlan")) {
        if (x->line_vlan)
            return 0;
        x->line_vlan = nd_line(ch);
        return nd_parse_vlan(c, ch, &x->vlan);
    }
    if (streq(name, "bandwidth")) {
        if (x->line_bandwidth)
            return 0;
        x->line_bandwidth = nd_line(ch);
        return nd_parse_bandwidth(c, ch, &x->bandwidth);
    }
    if (streq(name, "virtualport"))
        return x->vport ? 0 : nd_parse_vport(c, ch, &x->vport);
    if (streq(name, "portgroup")) {
        netdef_portgroup *pg = xarray_push(&x->portgroups, &x->n_portgroups, sizeof(*pg));
        return nd_parse_portgroup(c, ch, pg);
    }
    if (streq(name, "port"))
        return parse_port(c, ch, def);
    return 0; /* unknown elements are ignored, as libvirt does */
}

static int parse_network(const nd_ctx *c, xmlNodePtr root, netdef *def)
{
    struct netdef_extra *x = netdef_extra_get(def);
    unsigned long long conn;
    bool present;

    x->source = xstrdup(c->source);
    x->line_network = nd_line(root);
    if (root->ns || !streq((const char *)root->name, "network"))
        return nd_node_err(c, root, NULL, "the root element must be <network>");
    if (nd_prop_tristate(c, root, "ipv6", &def->ipv6) < 0 ||
        nd_prop_tristate(c, root, "trustGuestRxFilters", &def->trust_guest_rx_filters) < 0 ||
        nd_prop_uint(c, root, "connections", UINT32_MAX, &present, &conn) < 0)
        return -1;
    if (present)
        def->connections = conn;
    for (xmlNodePtr ch = root->children; ch; ch = ch->next)
        if (parse_child(c, ch, def) < 0)
            return -1;
    if (!def->name)
        return nd_node_err(c, root, NULL, "missing <name>");
    return 0;
}

/* Checks libvirt makes only when reading a whole document, not after a
 * net-update (which may legitimately leave a state these refuse). */
static int parse_time_checks(const nd_ctx *c, const netdef *def)
{
    const struct netdef_extra *x = def->extra;
    unsigned line = x ? x->line_forward : 0;

    if ((def->forward_mode == NETDEF_FWD_NAT || def->forward_mode == NETDEF_FWD_ROUTE) &&
        def->n_forward_ifaces > 1)
        return netdef_err(c->err, c->source, line, "forward", NULL,
                          "mode '%s' takes at most one <interface>",
                          netdef_forward_mode_name(def->forward_mode));
    if (x && x->vport && !x->vport->type)
        return netdef_err(c->err, c->source, 0, "virtualport", "type", "missing");
    return 0;
}

int netdef_parse_string_flags(const char *xml, const char *source, unsigned flags, netdef **ret,
                              verr *err)
{
    nd_ctx c = {.source = source ? source : "<network>", .err = err};
    xmlDocPtr doc;
    netdef *def;
    int r;

    if (!xml)
        return verr_set(err, VERR_INVALID, "%s: no XML given", c.source);
    doc = nd_read_doc(xml, strlen(xml), c.source, err);
    if (!doc)
        return -1;
    def = xcalloc(1, sizeof(*def));
    r = parse_network(&c, xmlDocGetRootElement(doc), def);
    xmlFreeDoc(doc);
    if (r == 0 && !(flags & NETDEF_PARSE_NO_VALIDATE))
        r = parse_time_checks(&c, def);
    if (r == 0 && !(flags & NETDEF_PARSE_NO_VALIDATE))
        r = (flags & NETDEF_PARSE_LIBVIRT_ONLY) ? netdef_validate_libvirt(def, err)
                                                : netdef_validate(def, err);
    if (r < 0) {
        netdef_free(def);
        return -1;
    }
    *ret = def;
    return 0;
}

int netdef_parse_string(const char *xml, const char *source, netdef **ret, verr *err)
{
    return netdef_parse_string_flags(xml, source, 0, ret, err);
}

int netdef_parse_file(const char *path, netdef **ret, verr *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    strbuf b = STRBUF_INIT;
    char chunk[8192];
    ssize_t n;
    int r;

    if (fd < 0)
        return verr_errno(err, errno, "cannot open %s", path);
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            strbuf_free(&b);
            return verr_errno(err, errno, "cannot read %s", path);
        }
        if (b.len + (size_t)n > NETDEF_XML_MAX) {
            strbuf_free(&b);
            return verr_set(err, VERR_INVALID, "%s: document is larger than %d bytes", path,
                            NETDEF_XML_MAX);
        }
        if (memchr(chunk, '\0', (size_t)n)) {
            strbuf_free(&b);
            return verr_set(err, VERR_INVALID, "%s: contains a NUL byte", path);
        }
        strbuf_addn(&b, chunk, (size_t)n);
    }
    r = netdef_parse_string(strbuf_str(&b), path, ret, err);
    strbuf_free(&b);
    return r;
}
