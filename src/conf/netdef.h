/* The network definition model: libvirt's network XML as plain C structs.
 *
 * Parse and format live in netdef_parse.c / netdef_format.c (libxml2);
 * validation in netdef_validate.c; net-update edits in netdef_update.c.
 * This layer knows nothing of the host: no syscalls beyond reading a file.
 *
 * Contract for other layers (firewall/, dnsmasq/, network/, daemon/): the
 * fields documented here keep their names and meaning. The conf layer may add
 * fields, never rename these.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/ipaddr.h"

/* An XML yes/no attribute that may be absent. */
typedef enum { VT_ABSENT = 0, VT_YES, VT_NO } vtristate;

typedef enum {
    NETDEF_FWD_NONE = 0, /* no <forward>: isolated */
    NETDEF_FWD_NAT,
    NETDEF_FWD_ROUTE,
    NETDEF_FWD_OPEN,
    NETDEF_FWD_BRIDGE,
    NETDEF_FWD_PRIVATE,
    NETDEF_FWD_VEPA,
    NETDEF_FWD_PASSTHROUGH,
    NETDEF_FWD_HOSTDEV,
} netdef_forward_mode;

const char *netdef_forward_mode_name(netdef_forward_mode m); /* "nat", ...; "none" for NONE */

/* Lease time: <lease expiry='N' unit='seconds|minutes|hours'/> */
typedef enum { NETDEF_UNIT_ABSENT = 0, NETDEF_UNIT_SECONDS, NETDEF_UNIT_MINUTES, NETDEF_UNIT_HOURS } netdef_lease_unit;
typedef struct netdef_lease {
    bool present;
    uint64_t expiry;        /* as written, in `unit`; 0 = infinite */
    netdef_lease_unit unit; /* ABSENT: libvirt's default, minutes */
} netdef_lease;
/* Lease length in seconds; 0 = infinite; -1 = not given. */
int64_t netdef_lease_seconds(const netdef_lease *l);

typedef struct netdef_dhcp_range {
    vnet_addr start, end;
    netdef_lease lease;
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_dhcp_range;

typedef struct netdef_dhcp_host {
    char *mac;      /* lower-case "aa:bb:..." or NULL (IPv4 hosts) */
    char *id;       /* DUID / client id or NULL */
    char *name;     /* hostname or NULL */
    vnet_addr ip;   /* family 0 when absent */
    netdef_lease lease;
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_dhcp_host;

typedef struct netdef_ip {
    int family;              /* AF_INET or AF_INET6 (effective) */
    bool family_written;     /* family='..' attribute was present */
    vnet_addr address;       /* the bridge's own address on this subnet */
    unsigned prefix;         /* effective prefix length */
    bool has_prefix;         /* prefix='N' written */
    bool has_netmask;        /* netmask='a.b.c.d' written */
    vtristate local_ptr;     /* localPtr='yes' */
    char *tftp_root;         /* <tftp root=..>, NULL if absent */
    bool has_dhcp;           /* a <dhcp> element exists */
    netdef_dhcp_range *ranges;
    size_t n_ranges;
    netdef_dhcp_host *hosts;
    size_t n_hosts;
    char *bootp_file;        /* <bootp file= server=> */
    char *bootp_server;
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_ip;

typedef struct netdef_route {
    int family;
    bool family_written;
    vnet_addr address;
    unsigned prefix;
    bool has_prefix, has_netmask;
    vnet_addr gateway;
    bool has_metric;
    unsigned metric;
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_route;

typedef struct netdef_dns_forwarder {
    char *addr;   /* may be NULL */
    char *domain; /* may be NULL */
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_dns_forwarder;

typedef struct netdef_dns_host {
    vnet_addr ip;
    char **hostnames;
    size_t n_hostnames;
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_dns_host;

typedef struct netdef_dns_txt {
    char *name;
    char *value;
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_dns_txt;

typedef struct netdef_dns_srv {
    char *service, *protocol, *domain, *target; /* NULL when absent */
    bool has_port, has_priority, has_weight;
    unsigned port, priority, weight;
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_dns_srv;

typedef struct netdef_dns {
    vtristate enable;
    vtristate forward_plain_names;
    netdef_dns_forwarder *forwarders;
    size_t n_forwarders;
    netdef_dns_host *hosts;
    size_t n_hosts;
    netdef_dns_txt *txts;
    size_t n_txts;
    netdef_dns_srv *srvs;
    size_t n_srvs;
} netdef_dns;

typedef struct netdef_nat {
    bool present;          /* a <nat> element exists */
    vnet_addr addr_start;  /* <address start end>; family 0 when absent */
    vnet_addr addr_end;
    unsigned port_start;   /* <port start end>; 0 when absent */
    unsigned port_end;
    vtristate ipv6;        /* <nat ipv6='yes'> */
} netdef_nat;

/* vnet extension (xmlns:vnet='urn:vnet:network:1'): port forwards.
 *   <vnet:portForward proto='tcp' [address='HOSTADDR'] guest='GUESTADDR'>
 *     <vnet:range start='8080' [end='8089'] [to='80']/>
 *   </vnet:portForward>
 * Shaped after libvirt's domain <portForward>. `to` is the first guest port
 * (default: same as start); a range maps start..end onto to..to+(end-start). */
typedef struct netdef_pf_range {
    unsigned start, end; /* host ports; end == start for a single port */
    unsigned to;         /* first guest port; 0 when not written (= start) */
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_pf_range;

typedef struct netdef_port_forward {
    int proto;          /* IPPROTO_TCP or IPPROTO_UDP */
    vnet_addr address;  /* host address; family 0 = every host address */
    vnet_addr guest;    /* guest address */
    netdef_pf_range *ranges;
    size_t n_ranges;
    unsigned line;          /* source line of the element (0: unknown), for messages */
} netdef_port_forward;

/* ---- One rule per concept (netdef_rules.c); every layer asks these ---- */

/* Interface names (bridge, forward dev): the kernel's rule (1-15 bytes, not
 * "." or "..", no '/', ':' or white space), less '%' (a kernel name template)
 * and the characters with a meaning in the files vnet writes names into
 * ('"', ',', '*', control characters). A leading digit is fine ("1br").
 * NULL when `s` is valid, else what is wrong ("contains ':'"), possibly
 * written into buf. */
const char *netdef_ifname_problem(const char *s, char buf[static 48]);
bool netdef_ifname_valid(const char *s);

/* "tcp" or "udp". */
const char *netdef_proto_name(int proto);
/* IPPROTO_TCP or IPPROTO_UDP for "tcp" or "udp"; -1 for anything else. */
int netdef_proto_from_name(const char *s);
/* Do range ia of a and range ib of b claim the same host port? Same protocol
 * and address family (IPv4 and IPv6 forwards live in separate maps), the same
 * host address or either for every address, and overlapping host ports. The
 * one rule for validation and for the daemon's checks across networks. */
bool netdef_pf_clash(const netdef_port_forward *a, size_t ia, const netdef_port_forward *b,
                     size_t ib);

/* vnet extension: an OVN-backed network.
 *   <vnet:ovn nb='unix:/run/ovn/ovnnb_db.sock'
 *             [gateway-chassis='hostA' external='198.51.100.10/24'
 *              [external-gateway='198.51.100.1'] [physnet='external']]/>
 * The network lives in OVN's northbound database instead of a host bridge:
 * <ip>/<dhcp> become a logical switch with OVN native DHCP, <forward
 * mode='nat'> a logical router whose gateway port (address `external`, on
 * the chassis `gateway-chassis`, reaching the upstream through the chassis'
 * bridge mapping for `physnet`) SNATs the subnet. */
typedef struct netdef_ovn {
    char *nb;              /* NB database remote, "unix:PATH"; NULL = not OVN */
    char *gateway_chassis; /* chassis name for the router's gateway port, or NULL */
    vnet_addr external;    /* the gateway port's address (family 0: absent) */
    unsigned external_prefix;
    vnet_addr external_gw; /* upstream next hop (family 0: absent) */
    char *physnet;         /* localnet network name, or NULL (= "external") */
    unsigned line;
} netdef_ovn;

struct netdef_extra; /* forward pools, portgroups, bandwidth, vlan, virtualport, ... (conf-private) */

typedef struct netdef {
    char *name;
    bool has_uuid;
    uint8_t uuid[16];
    char *title;
    char *description;
    char *metadata_xml;      /* <metadata> subtree, serialized, kept verbatim; NULL if absent */
                             /* (indented for its place under <network>) */
    vtristate ipv6;          /* <network ipv6='yes'> */
    vtristate trust_guest_rx_filters;
    uint64_t connections;    /* live-only attribute; 0 when absent */

    /* <bridge> */
    char *bridge_name;       /* NULL when absent (assigned at define time) */
    vtristate stp;           /* effective default: on */
    bool has_delay;
    unsigned delay;          /* seconds, at most NETDEF_STP_DELAY_MAX */
    char *mac_table_manager; /* "kernel" | "libvirt" | NULL */
    char *zone;              /* firewalld zone or NULL */

    unsigned mtu;            /* 0 when absent */
    bool has_mac;
    uint8_t mac[6];          /* bridge MAC */

    /* <domain> */
    char *domain;
    vtristate domain_local_only;
    vtristate domain_register;

    /* <forward> */
    bool has_forward;        /* element present (mode may still default to nat) */
    netdef_forward_mode forward_mode;
    char *forward_dev;       /* dev='..' or NULL; equals forward_ifaces[0] when there
                                are interfaces (libvirt keeps dev= as the first one) */
    vtristate forward_managed;
    netdef_nat nat;
    char **forward_ifaces;   /* <interface dev=..> list */
    size_t n_forward_ifaces;

    netdef_ip *ips;
    size_t n_ips;
    netdef_route *routes;
    size_t n_routes;
    bool has_dns;            /* a <dns> element exists */
    netdef_dns dns;

    vtristate port_isolated; /* <port isolated='yes'/> */

    char **dnsmasq_options;  /* <dnsmasq:options><dnsmasq:option value=..> */
    size_t n_dnsmasq_options;

    netdef_port_forward *port_forwards;
    size_t n_port_forwards;

    netdef_ovn ovn; /* <vnet:ovn>; ovn.nb NULL when absent */

    struct netdef_extra *extra;
} netdef;

static inline bool netdef_is_ovn(const netdef *def)
{
    return def->ovn.nb != NULL;
}

/* Forward changes (netdef_forwards.c). Append range `range` of pf as a
 * one-range forward; remove every range starting at `port` with this
 * protocol and host address, each removed range appended to *ret (when ret
 * is not NULL) as a one-range forward. */
void netdef_forward_append(netdef *def, const netdef_port_forward *pf, size_t range);
void netdef_forward_remove(netdef *def, int proto, const vnet_addr *addr, unsigned port,
                           netdef_port_forward **ret, size_t *n_ret);
/* The daemon's forward journal: one line per change (no newline), and its
 * idempotent replay onto a definition. */
char *netdef_forward_journal_add(const netdef_port_forward *pf);
char *netdef_forward_journal_del(int proto, const vnet_addr *addr, unsigned port);
int netdef_forward_journal_apply(netdef *def, const char *line, verr *err);

/* Parsing. `source` names the input in error messages ("FILE" or "<stdin>").
 * Errors: VERR_INVALID with "SOURCE:LINE: <element> attribute 'x': what is wrong". */
int netdef_parse_file(const char *path, netdef **ret, verr *err);
/* The largest <bridge delay='...'> in seconds: its milliseconds fit 32 bits,
 * as the bridge layer hands them on. */
#define NETDEF_STP_DELAY_MAX 4294967u

int netdef_parse_string(const char *xml, const char *source, netdef **ret, verr *err);
/* The XML document `text` as UTF-8: a copy when it already is, else decoded
 * per its encoding declaration and re-serialized (netdef_encoding.c). */
int netdef_xml_to_utf8(const char *text, const char *source, char **ret, verr *err);

enum {
    /* Only the checks libvirt 9.9 makes while parsing (no define-time
     * validation): what libvirt's networkxml2xml test expects. */
    NETDEF_PARSE_LIBVIRT_ONLY = 1 << 0,
    /* No validation at all: re-reading a definition vnet formatted itself,
     * which may hold edits made by net-update. */
    NETDEF_PARSE_NO_VALIDATE = 1 << 1,
};
int netdef_parse_string_flags(const char *xml, const char *source, unsigned flags, netdef **ret,
                              verr *err);
/* Largest document accepted (bytes). */
#define NETDEF_XML_MAX (16 * 1024 * 1024) /* room for ~150,000 port forwards */

enum {
    NETDEF_FORMAT_INACTIVE = 1 << 0, /* omit live-only data (connections) */
};
/* Format as libvirt does (2-space indent, single quotes). Returns malloc'd text. */
char *netdef_format(const netdef *def, unsigned flags);

/* Structural + semantic validation (what libvirt refuses, plus injection and
 * subnet checks). Parse already calls this; exposed for edited definitions. */
int netdef_validate(const netdef *def, verr *err);
/* Only the checks libvirt makes at parse time (see NETDEF_PARSE_LIBVIRT_ONLY). */
int netdef_validate_libvirt(const netdef *def, verr *err);

/* Validate `edited`, an edit of `orig` (net-update, forward-add/-del), before
 * it is saved or applied: as strictly as netdef_validate() when orig passes
 * it, else at the level orig was accepted at (netdef_validate_libvirt; an old
 * definition stays usable). Messages name `what` ("forward-add to network
 * 'web'") instead of a file and line. */
int netdef_validate_edit(const netdef *orig, netdef *edited, const char *what, verr *err);

/* A deep copy of the struct, as data (no XML round trip). Never fails. */
netdef *netdef_dup(const netdef *def);
/* <metadata> children by namespace URI: the element (malloc'd XML) or NULL;
 * set replaces it (xml NULL removes it), putting it in namespace uri under
 * prefix key. VERR_INVALID when xml is not well-formed. */
char *netdef_metadata_get(const netdef *def, const char *uri);
int netdef_metadata_set(netdef *def, const char *xml, const char *key, const char *uri,
                        verr *err);
void netdef_free(netdef *def);
static inline void netdef_freep(netdef **p)
{
    if (*p)
        netdef_free(*p);
}

/* The built-in default network (libvirt's default.xml): name default, virbr0,
 * 192.168.122.1/24, DHCP .2-.254, NAT. Never fails. */
netdef *netdef_builtin_default(void);
const char *netdef_builtin_default_xml(void);

/* Warnings about what parses and validates but is probably not meant, one
 * "SOURCE:LINE: <elem> attribute 'x': ..." line each; NULL when none. */
char *netdef_warnings(const netdef *def);

/* Helpers for runtime layers. */
/* The metric a static route gets on the host: written, or libvirt's 1. */
unsigned netdef_route_metric(const netdef_route *r);
/* Effective mode: has_forward without mode => NAT. */
static inline netdef_forward_mode netdef_mode(const netdef *d) { return d->forward_mode; }
/* True for modes where vnet owns a bridge, addresses and services (none/nat/route/open). */
bool netdef_is_managed_bridge(const netdef *def);
/* The first IPv4 (or IPv6) <ip> that has <dhcp>, or NULL. DHCP counts as on
 * when there are ranges or static hosts: an empty <dhcp/> does nothing (libvirt). */
const netdef_ip *netdef_dhcp_ip(const netdef *def, int family);
/* UUID as 36-char lower-case text (buf >= 37). */
const char *netdef_uuid_str(const netdef *def, char buf[37]);
int netdef_uuid_parse(const char *s, uint8_t ret[16]);

/* net-update (virsh net-update semantics) on the model. */
typedef enum { NETDEF_UPDATE_ADD_LAST = 0, NETDEF_UPDATE_ADD_FIRST, NETDEF_UPDATE_DELETE, NETDEF_UPDATE_MODIFY } netdef_update_cmd;
typedef enum {
    NETDEF_SECTION_BRIDGE = 0,
    NETDEF_SECTION_DOMAIN,
    NETDEF_SECTION_IP,
    NETDEF_SECTION_IP_DHCP_HOST,
    NETDEF_SECTION_IP_DHCP_RANGE,
    NETDEF_SECTION_FORWARD,
    NETDEF_SECTION_FORWARD_INTERFACE,
    NETDEF_SECTION_FORWARD_PF,
    NETDEF_SECTION_PORTGROUP,
    NETDEF_SECTION_DNS_HOST,
    NETDEF_SECTION_DNS_TXT,
    NETDEF_SECTION_DNS_SRV,
} netdef_section;
int netdef_update_cmd_from_string(const char *s);     /* "add-last", "add", "add-first", "delete", "modify"; -1 */
int netdef_section_from_string(const char *s);        /* "ip-dhcp-host", ...; -1 */
const char *netdef_section_name(int section);          /* "ip-dhcp-host", ...; "?" */
/* Apply `xml` (one element) to def in place. parent_index selects the <ip>
 * (-1: the first one that fits). On error def is unchanged. */
int netdef_update(netdef *def, netdef_update_cmd cmd, netdef_section section, int parent_index,
                  const char *xml, verr *err);
