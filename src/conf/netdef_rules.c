/* One rule per concept. Every layer that judges an interface name, a
 * protocol name or a port forward asks these functions, so conf/ (at define,
 * net-update and forward-add), netdev/ (before a netlink request) and
 * firewall/ (before writing a script) can never disagree. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf/netdef_priv.h"

/* The kernel's dev_valid_name(): not empty, shorter than IFNAMSIZ (16), not
 * "." or "..", no '/', ':' or white space (its isspace() counts 0xa0 too).
 * On top of it: no '%', which the kernel reads as a name template
 * ("virbr%d") when it creates a link; and none of the characters that have a
 * meaning in the files vnet writes a name into: '"' (nft strings and dnsmasq
 * quoting cannot hold one), ',' (a dnsmasq list), '*' (a wildcard to dnsmasq
 * and, at the end, to nft), control characters (XML cannot carry them). A
 * name may start with a digit ("1br", lago's "5d3a-lago-mg"): nft scripts
 * quote interface names instead of restricting them. */
#define NETDEF_IFNAME_MAX 15

const char *netdef_ifname_problem(const char *s, char buf[static 48])
{
    if (!s || !*s)
        return "is empty";
    if (strlen(s) > NETDEF_IFNAME_MAX)
        return "is longer than 15 bytes";
    if (streq(s, ".") || streq(s, ".."))
        return "is '.' or '..'";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
            return "contains white space";
        if (*p == 0xa0) /* also inside UTF-8 sequences: the kernel looks at bytes */
            return "contains the byte 0xa0, which the kernel counts as white space";
        if (*p < 0x20 || *p == 0x7f)
            return "contains a control character";
        if (strchr("/:%\",*", *p)) {
            snprintf(buf, 48, "contains '%c'", *p);
            return buf;
        }
    }
    return NULL;
}

bool netdef_ifname_valid(const char *s)
{
    char buf[48];
    return netdef_ifname_problem(s, buf) == NULL;
}

const char *netdef_proto_name(int proto)
{
    return proto == IPPROTO_UDP ? "udp" : "tcp";
}

int netdef_proto_from_name(const char *s)
{
    if (s && streq(s, "tcp"))
        return IPPROTO_TCP;
    if (s && streq(s, "udp"))
        return IPPROTO_UDP;
    return -1;
}

bool netdef_pf_clash(const netdef_port_forward *a, size_t ia, const netdef_port_forward *b,
                     size_t ib)
{
    const netdef_pf_range *ra = &a->ranges[ia], *rb = &b->ranges[ib];
    if (a->proto != b->proto || a->guest.family != b->guest.family)
        return false;
    if (vnet_addr_is_set(&a->address) && vnet_addr_is_set(&b->address) &&
        !vnet_addr_equal(&a->address, &b->address))
        return false;
    return ra->start <= rb->end && rb->start <= ra->end;
}
