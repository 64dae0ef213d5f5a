#include "cli/args.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto_ops.h"
#include "util/strbuf.h"

static const args_option *find_option(const args_option *options, const char *name, size_t len,
                                      size_t *ret_index)
{
    for (size_t i = 0; options && options[i].name; i++) {
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0) {
            *ret_index = i;
            return &options[i];
        }
    }
    return NULL;
}

/* Handle one "--name[=value]" word; may consume the next argv word. */
static int parse_long(const char *cmd, int argc, char **argv, int *i, args *a, verr *err)
{
    const char *word = argv[*i] + 2;
    const char *eq = strchr(word, '=');
    size_t len = eq ? (size_t)(eq - word) : strlen(word);
    size_t idx;
    const args_option *o = find_option(a->options, word, len, &idx);
    if (!o) {
        a->bad_option = argv[*i];
        if (cmd)
            return verr_set(err, VERR_INVALID, "command '%s' doesn't support option --%.*s", cmd,
                            (int)len, word);
        return verr_set(err, VERR_INVALID, "unknown option '--%.*s'", (int)len, word);
    }
    if (a->values[idx])
        return verr_set(err, VERR_INVALID, "option '--%s' given more than once", o->name);
    if (!o->arg) {
        if (eq)
            return verr_set(err, VERR_INVALID, "option '--%s' does not take a value", o->name);
        a->values[idx] = "";
        return 0;
    }
    if (eq) {
        a->values[idx] = eq + 1;
        return 0;
    }
    if (*i + 1 >= argc)
        return verr_set(err, VERR_INVALID, "option '--%s' needs a value (%s)", o->name, o->arg);
    a->values[idx] = argv[++*i];
    return 0;
}

bool args_has_positional(const args_option *options)
{
    for (size_t i = 0; options && options[i].name; i++)
        if (options[i].flags & ARGS_POS)
            return true;
    return false;
}

/* A word that is not an option: the next unset positional option, or (in a
 * table without positional options) the plain positional list. */
static int add_data(const char *cmd, args *a, bool positional, const char *w, verr *err)
{
    if (!positional) {
        const char **slot = xarray_push(&a->pos, &a->n_pos, sizeof(char *));
        *slot = w;
        return 0;
    }
    for (size_t i = 0; i < a->n_options; i++) {
        if ((a->options[i].flags & ARGS_POS) && !a->values[i]) {
            a->values[i] = w;
            return 0;
        }
    }
    return verr_set(err, VERR_INVALID, "unexpected data '%s'", w);
}

/* With positional options: pos = their values in order while set; check the
 * required ones. */
static int finish_positional(const char *cmd, args *a, verr *err)
{
    bool gap = false;
    for (size_t i = 0; i < a->n_options; i++) {
        const args_option *o = &a->options[i];
        if ((o->flags & ARGS_REQ) && !a->values[i] && !a->help) {
            if (o->flags & ARGS_POS)
                return verr_set(err, VERR_INVALID, "command '%s' requires <%s> option",
                                cmd ? cmd : "?", o->name);
            return verr_set(err, VERR_INVALID, "command '%s' requires --%s option", cmd ? cmd : "?",
                            o->name);
        }
        if (!(o->flags & ARGS_POS))
            continue;
        if (!a->values[i])
            gap = true;
        if (!gap) {
            const char **slot = xarray_push(&a->pos, &a->n_pos, sizeof(char *));
            *slot = a->values[i];
        }
    }
    return 0;
}

int args_parse(const char *cmd, const args_option *options, int argc, char **argv, args *ret,
               verr *err)
{
    args a = {.options = options};
    while (options && options[a.n_options].name)
        a.n_options++;
    if (a.n_options > ARGS_MAX_OPTIONS)
        return verr_set(err, VERR_INTERNAL, "too many options in a command table");
    bool positional = args_has_positional(options);

    bool only_pos = false;
    int r = 0;
    for (int i = 0; i < argc && r == 0; i++) {
        const char *w = argv[i];
        if (only_pos || w[0] != '-' || streq(w, "-")) {
            r = add_data(cmd, &a, positional, w, err);
        } else if (streq(w, "--")) {
            only_pos = true;
        } else if (streq(w, "--help") || streq(w, "-h")) {
            a.help = true;
        } else if (w[1] == '-') {
            r = parse_long(cmd, argc, argv, &i, &a, err);
        } else {
            a.bad_option = w;
            r = cmd ? verr_set(err, VERR_INVALID, "command '%s' doesn't support option %s", cmd, w)
                    : verr_set(err, VERR_INVALID, "unknown option '%s'", w);
        }
    }
    if (r == 0 && positional)
        r = finish_positional(cmd, &a, err);
    if (r < 0) {
        ret->bad_option = a.bad_option;
        args_free(&a);
        return -1;
    }
    *ret = a;
    return 0;
}

void args_free(args *a)
{
    free(a->pos);
    a->pos = NULL;
    a->n_pos = 0;
}

const char *args_get(const args *a, const char *name)
{
    for (size_t i = 0; i < a->n_options; i++)
        if (streq(a->options[i].name, name))
            return a->values[i];
    return NULL;
}

bool args_has(const args *a, const char *name)
{
    return args_get(a, name) != NULL;
}

/* A decimal port 1-65535 spanning exactly [s, s+len). */
static int parse_port(const char *s, size_t len, const char *what, const char *whole, unsigned *ret,
                      verr *err)
{
    unsigned long v = 0;
    if (len == 0 || len > 5)
        goto bad;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            goto bad;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return verr_set(err, VERR_INVALID, "%s '%s': port %lu is out of range (1-65535)", what,
                        whole, v);
    *ret = (unsigned)v;
    return 0;
bad:
    return verr_set(err, VERR_INVALID,
                    "%s '%s': expected a port number (1-65535) or a range START-END", what, whole);
}

int args_parse_ports(const char *s, const char *what, args_ports *ret, verr *err)
{
    args_ports p;
    const char *dash = strchr(s, '-');
    size_t first = dash ? (size_t)(dash - s) : strlen(s);
    if (parse_port(s, first, what, s, &p.start, err) < 0)
        return -1;
    p.end = p.start;
    if (dash) {
        if (parse_port(dash + 1, strlen(dash + 1), what, s, &p.end, err) < 0)
            return -1;
        if (p.start > p.end)
            return verr_set(err, VERR_INVALID,
                            "%s '%s': the first port of a range must not be greater than the last",
                            what, s);
    }
    *ret = p;
    return 0;
}

/* Split a --to value into its address text and optional port text. */
static int split_target(const char *s, char **ret_addr, const char **ret_ports, bool *ret_v6,
                        verr *err)
{
    *ret_ports = NULL;
    *ret_v6 = false;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return verr_set(err, VERR_INVALID, "--to '%s': missing ']' after the IPv6 address", s);
        if (close[1] != '\0' && close[1] != ':')
            return verr_set(err, VERR_INVALID, "--to '%s': expected ':PORT' after ']'", s);
        *ret_addr = xstrndup(s + 1, (size_t)(close - s - 1));
        *ret_ports = close[1] ? close + 2 : NULL;
        *ret_v6 = true;
        return 0;
    }
    const char *colon = strchr(s, ':');
    if (colon && strchr(colon + 1, ':')) {
        /* Several colons: a bare IPv6 address, which cannot carry a port. */
        *ret_addr = xstrdup(s);
        *ret_v6 = true;
        return 0;
    }
    *ret_addr = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
    *ret_ports = colon ? colon + 1 : NULL;
    return 0;
}

int args_parse_target(const char *s, args_target *ret, verr *err)
{
    args_target t = {0};
    char *addr_text = NULL;
    const char *ports_text;
    bool v6;
    if (split_target(s, &addr_text, &ports_text, &v6, err) < 0)
        return -1;
    int r = vnet_addr_parse_family(addr_text, v6 ? AF_INET6 : AF_INET, &t.addr);
    if (r < 0 && v6 && s[0] != '[')
        verr_set(err, VERR_INVALID,
                 "--to '%s': not a valid address (write an IPv6 address with a port as "
                 "[ADDR]:PORT)",
                 s);
    else if (r < 0)
        verr_set(err, VERR_INVALID, "--to '%s': '%s' is not a valid IPv%d address", s, addr_text,
                 v6 ? 6 : 4);
    free(addr_text);
    if (r < 0)
        return -1;
    static const uint8_t zero[16];
    if (memcmp(t.addr.bytes, zero, t.addr.family == AF_INET ? 4 : 16) == 0)
        return verr_set(err, VERR_INVALID, "--to '%s': the guest address must not be unspecified",
                        s);
    if (ports_text) {
        if (args_parse_ports(ports_text, "--to port", &t.ports, err) < 0)
            return -1;
        t.has_ports = true;
    }
    *ret = t;
    return 0;
}

static int check_proto(const char *proto, args_forward *f, verr *err)
{
    if (!proto)
        return verr_set(err, VERR_INVALID, "missing --proto (tcp or udp)");
    if (proto_ipproto_parse(proto, NULL) < 0)
        return verr_set(err, VERR_INVALID, "--proto '%s': expected tcp or udp", proto);
    strcpy(f->proto, proto);
    return 0;
}

/* The guest range must be as long as the host range (ports map one to one). */
static int check_lengths(const args_forward *f, const char *port, const char *to, verr *err)
{
    if (!f->has_target || !f->target.has_ports)
        return 0;
    unsigned host_n = f->host.end - f->host.start + 1;
    unsigned guest_n = f->target.ports.end - f->target.ports.start + 1;
    if (host_n != guest_n)
        return verr_set(err, VERR_INVALID,
                        "--port '%s' covers %u port%s but --to '%s' covers %u; the ranges must "
                        "have the same length",
                        port, host_n, host_n == 1 ? "" : "s", to, guest_n);
    return 0;
}

int args_parse_forward(const char *proto, const char *port, const char *to, const char *address,
                       args_forward *ret, verr *err)
{
    args_forward f = {0};
    if (check_proto(proto, &f, err) < 0)
        return -1;
    if (!port)
        return verr_set(err, VERR_INVALID, "missing --port (PORT or START-END)");
    if (args_parse_ports(port, "--port", &f.host, err) < 0)
        return -1;
    if (to) {
        if (args_parse_target(to, &f.target, err) < 0)
            return -1;
        f.has_target = true;
    }
    if (address) {
        if (vnet_addr_parse(address, &f.address) < 0)
            return verr_set(err, VERR_INVALID, "--address '%s' is not a valid IP address", address);
        f.has_address = true;
        if (f.has_target && f.address.family != f.target.addr.family)
            return verr_set(err, VERR_INVALID,
                            "--address '%s' and --to '%s' are of different address families",
                            address, to);
    }
    if (check_lengths(&f, port, to, err) < 0)
        return -1;
    *ret = f;
    return 0;
}
