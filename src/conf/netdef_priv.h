/* conf-private parts of the definition model: the libvirt features vnet keeps
 * only to format them back (forward pools, portgroups, vlan, virtualport,
 * bandwidth), source line numbers for messages, and helpers shared by the
 * parse / format / validate / update files. Not for other layers. */
#pragma once

#include <libxml/tree.h>

#include "conf/netdef.h"
#include "util/strbuf.h"

#define NETDEF_DNSMASQ_NS "http://libvirt.org/schemas/network/dnsmasq/1.0"
#define NETDEF_VNET_NS "urn:vnet:network:1"

typedef struct netdef_pci_addr {
    unsigned domain, bus, slot, function;
    unsigned line;
} netdef_pci_addr;

/* <virtualport type=..><parameters .../></virtualport> */
typedef struct netdef_vport {
    char *type; /* NULL: no type attribute */
    bool has_managerid, has_typeid, has_typeidversion;
    unsigned managerid, typeid, typeidversion;
    char *instanceid, *interfaceid, *profileid;
} netdef_vport;

typedef enum {
    NETDEF_VLAN_NATIVE_NONE = 0,
    NETDEF_VLAN_NATIVE_TAGGED,
    NETDEF_VLAN_NATIVE_UNTAGGED
} netdef_vlan_native;

typedef struct netdef_vlan {
    bool trunk;
    unsigned *tags;
    size_t n_tags;
    netdef_vlan_native native_mode;
    unsigned native_tag;
} netdef_vlan;

typedef struct netdef_rate {
    bool present;
    uint64_t average, peak, burst, floor;
} netdef_rate;

typedef struct netdef_bandwidth {
    bool present;
    netdef_rate in, out;
} netdef_bandwidth;

typedef struct netdef_portgroup {
    char *name;
    bool is_default;
    vtristate trust_guest_rx_filters;
    netdef_vlan vlan;
    netdef_vport *vport;
    netdef_bandwidth bandwidth;
    unsigned line;
} netdef_portgroup;

/* A port's vlan / virtualport / bandwidth (netport.c, netplug.c). */
struct netport_extra {
    netdef_vlan vlan;
    netdef_vport *vport;
    netdef_bandwidth bandwidth;
};

struct netdef_extra {
    char *source; /* name used in messages ("FILE", "<stdin>") */
    /* source lines of single elements, 0 when absent */
    unsigned line_network, line_name, line_uuid, line_bridge, line_mac, line_mtu, line_domain,
        line_forward, line_dns, line_vlan, line_bandwidth, line_dnsmasq;

    char *forward_driver; /* <driver name=..> */
    char *forward_pf;     /* <pf dev=..> */
    netdef_pci_addr *addrs;
    size_t n_addrs;

    netdef_vport *vport;
    netdef_vlan vlan;
    netdef_bandwidth bandwidth;
    netdef_portgroup *portgroups;
    size_t n_portgroups;
};

/* ---- netdef.c helpers ---- */
struct netdef_extra *netdef_extra_get(netdef *def); /* allocates on first use */
void netdef_ip_clear(netdef_ip *ip);
void netdef_dhcp_host_clear(netdef_dhcp_host *h);
void netdef_dns_host_clear(netdef_dns_host *h);
void netdef_dns_txt_clear(netdef_dns_txt *t);
void netdef_dns_srv_clear(netdef_dns_srv *s);
void netdef_portgroup_clear(netdef_portgroup *pg);
void netdef_vport_free(netdef_vport *vp);
void netdef_vlan_clear(netdef_vlan *v);
void netdef_port_forward_clear(netdef_port_forward *pf);
void netdef_strv_free(char **v, size_t n);
/* Effective prefix of an <ip>: written prefix, netmask, or the classful /
 * /64 default libvirt uses. 0 when none can be derived. */
unsigned netdef_ip_effective_prefix(const netdef_ip *ip);
const char *netdef_source(const netdef *def);
void netdef_forget_lines(netdef *def);

/* ---- errors ---- */
/* "SOURCE:LINE: <elem> attribute 'attr': message" (attr may be NULL; LINE
 * left out when 0). Always returns -1. */
int netdef_err(verr *err, const char *source, unsigned line, const char *elem, const char *attr,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* ---- parse context and element parsers (netdef_parse*.c) ---- */
typedef struct nd_ctx {
    const char *source;
    verr *err;
} nd_ctx;

int nd_node_err(const nd_ctx *c, xmlNodePtr node, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
unsigned nd_line(xmlNodePtr node);
bool nd_is(xmlNodePtr node, const char *name);    /* element without namespace named `name` */
char *nd_prop(xmlNodePtr node, const char *name); /* malloc'd or NULL */
char *nd_text(xmlNodePtr node);                   /* malloc'd text content */
int nd_prop_tristate(const nd_ctx *c, xmlNodePtr node, const char *name, vtristate *ret);
int nd_prop_uint(const nd_ctx *c, xmlNodePtr node, const char *name, unsigned long long max,
                 bool *present, unsigned long long *ret);
int nd_prop_addr(const nd_ctx *c, xmlNodePtr node, const char *name, int family, vnet_addr *ret);

int nd_parse_ip(const nd_ctx *c, xmlNodePtr node, netdef_ip *ret);
int nd_parse_dhcp_range(const nd_ctx *c, xmlNodePtr node, netdef_dhcp_range *ret);
int nd_parse_dhcp_host(const nd_ctx *c, xmlNodePtr node, int family, bool partial,
                       netdef_dhcp_host *ret);
int nd_parse_route(const nd_ctx *c, xmlNodePtr node, netdef_route *ret);
int nd_parse_dns(const nd_ctx *c, xmlNodePtr node, netdef_dns *ret);
int nd_parse_dns_host(const nd_ctx *c, xmlNodePtr node, bool partial, netdef_dns_host *ret);
int nd_parse_dns_txt(const nd_ctx *c, xmlNodePtr node, bool partial, netdef_dns_txt *ret);
int nd_parse_dns_srv(const nd_ctx *c, xmlNodePtr node, bool partial, netdef_dns_srv *ret);
int nd_parse_portgroup(const nd_ctx *c, xmlNodePtr node, netdef_portgroup *ret);
int nd_parse_vport(const nd_ctx *c, xmlNodePtr node, netdef_vport **ret);
int nd_parse_vlan(const nd_ctx *c, xmlNodePtr node, netdef_vlan *ret);
int nd_parse_bandwidth(const nd_ctx *c, xmlNodePtr node, netdef_bandwidth *ret);
int nd_parse_port_forward(const nd_ctx *c, xmlNodePtr node, netdef_port_forward *ret);

/* Parse a standalone XML snippet (update payloads) safely; caller frees with xmlFreeDoc. */
xmlDocPtr nd_read_doc(const char *xml, size_t len, const char *source, verr *err);

/* ---- format pieces (netdef_format.c) ---- */
void nd_fmt_portgroup(strbuf *b, int indent, const netdef_portgroup *pg);
void nd_fmt_vlan(strbuf *b, int indent, const netdef_vlan *v);
void nd_fmt_vport(strbuf *b, int indent, const netdef_vport *vp);
void nd_fmt_bandwidth(strbuf *b, int indent, const netdef_bandwidth *bw, unsigned class_id);
void nd_esc(strbuf *b, const char *s);                        /* text content */
void nd_attr(strbuf *b, const char *name, const char *value); /* " name='value'" or nothing */
