#include "util/ipaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int vnet_addr_parse_family(const char *s, int family, vnet_addr *ret)
{
    vnet_addr a = {0};
    if (!s)
        return -1;
    if (family == AF_INET && inet_pton(AF_INET, s, &a.v4) == 1) {
        a.family = AF_INET;
        *ret = a;
        return 0;
    }
    if (family == AF_INET6 && inet_pton(AF_INET6, s, &a.v6) == 1) {
        a.family = AF_INET6;
        *ret = a;
        return 0;
    }
    return -1;
}

int vnet_addr_parse(const char *s, vnet_addr *ret)
{
    if (vnet_addr_parse_family(s, AF_INET, ret) == 0)
        return 0;
    return vnet_addr_parse_family(s, AF_INET6, ret);
}

const char *vnet_addr_str(const vnet_addr *a, char *buf)
{
    buf[0] = '\0';
    if (a->family == AF_INET || a->family == AF_INET6)
        inet_ntop(a->family, a->bytes, buf, VNET_ADDR_STRLEN);
    return buf;
}

bool vnet_addr_is_set(const vnet_addr *a)
{
    return a->family == AF_INET || a->family == AF_INET6;
}

unsigned vnet_addr_bits(int family)
{
    return family == AF_INET6 ? 128 : 32;
}

static unsigned addr_len(int family)
{
    return family == AF_INET6 ? 16 : 4;
}

bool vnet_addr_equal(const vnet_addr *a, const vnet_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, addr_len(a->family)) == 0;
}

int vnet_addr_cmp(const vnet_addr *a, const vnet_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->bytes, b->bytes, addr_len(a->family));
}

int vnet_netmask_to_prefix(const vnet_addr *mask)
{
    unsigned len = addr_len(mask->family);
    int prefix = 0;
    bool ended = false;
    for (unsigned i = 0; i < len; i++) {
        for (int bit = 7; bit >= 0; bit--) {
            bool on = mask->bytes[i] & (1u << bit);
            if (on && ended)
                return -1;
            if (on)
                prefix++;
            else
                ended = true;
        }
    }
    return prefix;
}

void vnet_prefix_to_netmask(int family, unsigned prefix, vnet_addr *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->family = family;
    for (unsigned i = 0; i < addr_len(family) * 8 && i < prefix; i++)
        ret->bytes[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

void vnet_addr_network(const vnet_addr *a, unsigned prefix, vnet_addr *ret)
{
    vnet_addr mask;
    vnet_prefix_to_netmask(a->family, prefix, &mask);
    *ret = *a;
    for (unsigned i = 0; i < addr_len(a->family); i++)
        ret->bytes[i] &= mask.bytes[i];
}

void vnet_addr_last(const vnet_addr *a, unsigned prefix, vnet_addr *ret)
{
    vnet_addr mask;
    vnet_prefix_to_netmask(a->family, prefix, &mask);
    *ret = *a;
    for (unsigned i = 0; i < addr_len(a->family); i++)
        ret->bytes[i] |= (uint8_t)~mask.bytes[i];
}

bool vnet_addr_in_subnet(const vnet_addr *x, const vnet_addr *net, unsigned prefix)
{
    if (x->family != net->family)
        return false;
    vnet_addr n1, n2;
    vnet_addr_network(x, prefix, &n1);
    vnet_addr_network(net, prefix, &n2);
    return vnet_addr_equal(&n1, &n2);
}

bool vnet_subnet_overlap(const vnet_addr *a, unsigned pa, const vnet_addr *b, unsigned pb)
{
    if (a->family != b->family)
        return false;
    unsigned p = pa < pb ? pa : pb;
    return vnet_addr_in_subnet(a, b, p);
}

uint64_t vnet_addr_range_size(const vnet_addr *start, const vnet_addr *end)
{
    if (start->family != end->family || vnet_addr_cmp(start, end) > 0)
        return 0;
    unsigned len = addr_len(start->family);
    /* If the high bytes differ beyond 64 bits, saturate. */
    for (unsigned i = 0; i + 8 < len; i++)
        if (start->bytes[i] != end->bytes[i])
            return UINT64_MAX;
    uint64_t s = 0, e = 0;
    for (unsigned i = len > 8 ? len - 8 : 0; i < len; i++) {
        s = (s << 8) | start->bytes[i];
        e = (e << 8) | end->bytes[i];
    }
    uint64_t d = e - s;
    return d == UINT64_MAX ? d : d + 1;
}

void vnet_addr_add(vnet_addr *a, uint64_t n)
{
    unsigned len = addr_len(a->family);
    for (int i = (int)len - 1; i >= 0 && n; i--) {
        uint64_t v = a->bytes[i] + (n & 0xff);
        a->bytes[i] = (uint8_t)v;
        n = (n >> 8) + (v >> 8);
    }
}

int vnet_mac_parse(const char *s, uint8_t ret[6])
{
    unsigned v[6];
    char tail;
    if (!s || strlen(s) != 17)
        return -1;
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2) {
            if (s[i] != ':')
                return -1;
        } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                     (s[i] >= 'A' && s[i] <= 'F'))) {
            return -1;
        }
    }
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &tail) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        ret[i] = (uint8_t)v[i];
    return 0;
}

const char *vnet_mac_str(const uint8_t mac[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return buf;
}

bool vnet_mac_is_multicast(const uint8_t mac[6])
{
    return mac[0] & 1;
}
