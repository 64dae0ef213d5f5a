/* The chassis options from a file: ROOT/etc/vnet/ovn.conf when it exists, or
 * the file --ovn-config names. One "key = value" per line, the keys being the
 * vnetd options without their dashes' prefix (ovs-db, ovn-chassis, ovn-sb,
 * ovn-encap-type, ovn-encap-ip, ovn-bridge, ovn-bridge-mappings); '#' starts
 * a comment line. An option given on the command line wins over the file. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ovn_daemon.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static const char *const config_keys[OVN_CONFIG_KEYS] = {
    "ovs-db",      "ovn-sb",     "ovn-encap-type",      "ovn-encap-ip",
    "ovn-chassis", "ovn-bridge", "ovn-bridge-mappings",
};

/* The option field of key i (same order as config_keys). */
static const char **opt_field(ovn_opts *o, size_t i)
{
    const char **f[OVN_CONFIG_KEYS] = {&o->ovs_db,  &o->sb,     &o->encap_type, &o->encap_ip,
                                       &o->chassis, &o->bridge, &o->mappings};
    return f[i];
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int config_line(const char *path, unsigned line, char *text, ovn_opts *o, ovn_config *store,
                       bool seen[OVN_CONFIG_KEYS], verr *err)
{
    char *s = trim(text);
    if (!*s || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return verr_set(err, VERR_INVALID, "%s:%u: expected 'key = value', got '%s'", path, line,
                        s);
    *eq = '\0';
    const char *key = trim(s), *val = trim(eq + 1);
    for (size_t i = 0; i < OVN_CONFIG_KEYS; i++) {
        if (!streq(key, config_keys[i]))
            continue;
        if (seen[i])
            return verr_set(err, VERR_INVALID, "%s:%u: '%s' is set twice", path, line, key);
        seen[i] = true;
        if (!*val)
            return verr_set(err, VERR_INVALID, "%s:%u: '%s' has no value", path, line, key);
        const char **f = opt_field(o, i);
        if (!*f) /* the command line wins */
            *f = store->v[i] = xstrdup(val);
        return 0;
    }
    return verr_set(err, VERR_INVALID,
                    "%s:%u: unknown key '%s' (known: ovs-db, ovn-chassis, "
                    "ovn-sb, ovn-encap-type, ovn-encap-ip, ovn-bridge, ovn-bridge-mappings)",
                    path, line, key);
}

int ovn_config_read(const char *path, bool required, ovn_opts *o, ovn_config *store, verr *err)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT && !required)
            return 0;
        return verr_errno(err, errno, "cannot read %s", path);
    }
    ovn_opts fresh = *o;
    ovn_config got = {0};
    bool seen[OVN_CONFIG_KEYS] = {false};
    char buf[4096];
    unsigned line = 0;
    int r = 0;
    while (r == 0 && fgets(buf, sizeof(buf), f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f))
            r = verr_set(err, VERR_INVALID, "%s:%u: line too long", path, line);
        else
            r = config_line(path, line, buf, &fresh, &got, seen, err);
    }
    if (r < 0) { /* nothing taken from a bad file */
        ovn_config_free(&got);
        return -1;
    }
    *o = fresh;
    *store = got;
    return 0;
}

void ovn_config_free(ovn_config *store)
{
    for (size_t i = 0; i < OVN_CONFIG_KEYS; i++) {
        free(store->v[i]);
        store->v[i] = NULL;
    }
}
