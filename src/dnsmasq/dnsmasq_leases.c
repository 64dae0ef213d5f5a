/* dnsmasq's own lease file (dhcp-leasefile=), read back for dhcp-leases.
 *
 * Format, one lease per line, written by dnsmasq:
 *   EXPIRY MAC IP HOSTNAME CLIENTID         IPv4 ('*' = none)
 *   duid SERVERDUID                          once, before the IPv6 leases
 *   EXPIRY [T]IAID IP HOSTNAME DUID          IPv6 (T = temporary address)
 * EXPIRY is epoch seconds, 0 for an infinite lease.
 */
#include "dnsmasq/dnsmasq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

/* Copy a field, "*" meaning none; longer values are cut to fit. */
static void copy_field(char *dst, size_t len, const char *src)
{
    if (streq(src, "*"))
        src = "";
    snprintf(dst, len, "%s", src);
}

static int parse_number(const char *s, int64_t *ret)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    *ret = v;
    return 0;
}

/* One lease line split into its five fields. */
static int parse_lease(char **f, dnsmasq_lease *l)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (parse_number(f[0], &l->expiry) < 0)
        return -1;
    if (inet_pton(AF_INET, f[2], buf) == 1) {
        l->family = AF_INET;
        copy_field(l->mac, sizeof(l->mac), strlen(f[1]) < sizeof(l->mac) ? f[1] : "*");
    } else if (inet_pton(AF_INET6, f[2], buf) == 1) {
        int64_t iaid;
        l->family = AF_INET6;
        if (parse_number(f[1][0] == 'T' ? f[1] + 1 : f[1], &iaid) < 0 || iaid > UINT32_MAX)
            return -1;
        l->iaid = (unsigned)iaid;
    } else {
        return -1;
    }
    copy_field(l->ip, sizeof(l->ip), f[2]);
    copy_field(l->hostname, sizeof(l->hostname), f[3]);
    copy_field(l->client_id, sizeof(l->client_id), f[4]);
    return 0;
}

/* Split line in place on blanks; returns the number of fields (at most max). */
static size_t split_fields(char *line, char **f, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t && n < max;
         t = strtok_r(NULL, " \t\r\n", &save))
        f[n++] = t;
    return n;
}

int dnsmasq_leases_read(const char *path, dnsmasq_lease **ret, size_t *ret_n, verr *err)
{
    _cleanup_fclose_ FILE *fp = fopen(path, "re");
    dnsmasq_lease *leases = NULL;
    size_t n = 0;
    if (!fp) {
        if (errno != ENOENT)
            return verr_errno(err, errno, "cannot read lease file %s", path);
        *ret = NULL;
        *ret_n = 0;
        return 0;
    }
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    while (getline(&line, &cap, fp) >= 0) {
        char *f[6];
        lineno++;
        size_t nf = split_fields(line, f, 6);
        if (nf == 0 || (nf == 2 && streq(f[0], "duid")))
            continue;
        dnsmasq_lease l = {0};
        if (nf != 5 || parse_lease(f, &l) < 0) {
            free(leases);
            return verr_set(err, VERR_INVALID, "%s:%u: not a dnsmasq lease line", path, lineno);
        }
        *(dnsmasq_lease *)xarray_push(&leases, &n, sizeof(*leases)) = l;
    }
    if (ferror(fp)) {
        free(leases);
        return verr_errno(err, EIO, "cannot read lease file %s", path);
    }
    *ret = leases;
    *ret_n = n;
    return 0;
}
