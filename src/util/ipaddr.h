/* IPv4/IPv6 addresses and prefixes, and MAC addresses. Pure helpers, no syscalls. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct vnet_addr {
    int family; /* AF_INET, AF_INET6, or 0 when unset */
    union {
        struct in_addr v4;
        struct in6_addr v6;
        uint8_t bytes[16];
    };
} vnet_addr;

#define VNET_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/* Parse a textual IPv4 or IPv6 address (no prefix). 0 on success, -1 if invalid. */
int vnet_addr_parse(const char *s, vnet_addr *ret);
/* Parse an address of the given family only. */
int vnet_addr_parse_family(const char *s, int family, vnet_addr *ret);
/* Format into buf (>= VNET_ADDR_STRLEN); returns buf. Unset address gives "". */
const char *vnet_addr_str(const vnet_addr *a, char *buf);
bool vnet_addr_is_set(const vnet_addr *a);
bool vnet_addr_equal(const vnet_addr *a, const vnet_addr *b);
/* Compare as unsigned big-endian numbers (same family); <0, 0, >0. */
int vnet_addr_cmp(const vnet_addr *a, const vnet_addr *b);
/* Max prefix length for the family: 32 or 128. */
unsigned vnet_addr_bits(int family);
/* Netmask (dotted IPv4) to prefix length; -1 if not a contiguous mask. */
int vnet_netmask_to_prefix(const vnet_addr *mask);
void vnet_prefix_to_netmask(int family, unsigned prefix, vnet_addr *ret);
/* Network address: a with host bits cleared. */
void vnet_addr_network(const vnet_addr *a, unsigned prefix, vnet_addr *ret);
/* Broadcast / last address of the subnet. */
void vnet_addr_last(const vnet_addr *a, unsigned prefix, vnet_addr *ret);
/* Is x inside net/prefix? (family must match) */
bool vnet_addr_in_subnet(const vnet_addr *x, const vnet_addr *net, unsigned prefix);
/* Number of addresses from start to end inclusive, saturating at UINT64_MAX; 0 if end < start. */
uint64_t vnet_addr_range_size(const vnet_addr *start, const vnet_addr *end);
/* Add n to the address (wraps within the family); used to enumerate hosts. */
void vnet_addr_add(vnet_addr *a, uint64_t n);
/* Do two subnets overlap? */
bool vnet_subnet_overlap(const vnet_addr *a, unsigned pa, const vnet_addr *b, unsigned pb);

/* MAC addresses: "aa:bb:cc:dd:ee:ff", case-insensitive in, lower-case out. */
int vnet_mac_parse(const char *s, uint8_t ret[6]);
const char *vnet_mac_str(const uint8_t mac[6], char buf[18]);
bool vnet_mac_is_multicast(const uint8_t mac[6]);
