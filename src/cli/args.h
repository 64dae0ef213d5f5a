/* Command-line parsing for vnet: per-command options and the pure parsers
 * for port-forward arguments. Nothing here talks to the daemon, so all of it
 * is unit-tested directly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "util/ipaddr.h"

/* Option flags, as virsh's: a positional option may also be given without
 * its name, filling the positional options in table order; a required one
 * must be given one way or the other. */
enum {
    ARGS_POS = 1 << 0, /* [--name] VALUE: may be given positionally */
    ARGS_REQ = 1 << 1, /* must be given */
};

/* One option a command accepts: --name (a flag) or --name ARG. */
typedef struct args_option {
    const char *name; /* without the leading "--" */
    const char *arg;  /* metavariable shown in help; NULL for a flag */
    const char *help;
    unsigned flags; /* ARGS_POS, ARGS_REQ */
} args_option;

#define ARGS_MAX_OPTIONS 16

/* The result of parsing one command's arguments. Strings point into argv. */
typedef struct args {
    const args_option *options; /* the table the values belong to */
    size_t n_options;
    const char *values[ARGS_MAX_OPTIONS]; /* NULL when not given; "" for a given flag */
    /* Positional arguments. With ARGS_POS options in the table: their values
     * in table order, as long as they are set (named or not); otherwise every
     * word that is not an option. */
    const char **pos;
    size_t n_pos;
    bool help;              /* --help or -h was given */
    const char *bad_option; /* after an "unknown option" error: the word, for suggestions */
} args;

/* Parse argv[0..argc) against `options` (terminated by a {NULL} entry).
 * Accepts --opt, --opt VALUE, --opt=VALUE, and "--" to end options; a word
 * that is not an option fills the next unset ARGS_POS option, left to right,
 * as virsh does. Errors (VERR_INVALID), in virsh's words when `cmd` (the
 * command's name) is given: unknown option, missing value, value for a flag,
 * repeats, unexpected data, a missing required option (not checked with -h). */
int args_parse(const char *cmd, const args_option *options, int argc, char **argv, args *ret,
               verr *err);
/* Does the table have positional (ARGS_POS) options? */
bool args_has_positional(const args_option *options);
void args_free(args *a);
/* Value of option `name`, NULL when absent. */
const char *args_get(const args *a, const char *name);
bool args_has(const args *a, const char *name);

/* A port or an inclusive port range; end == start for a single port. */
typedef struct args_ports {
    unsigned start;
    unsigned end;
} args_ports;

/* "8080" or "8080-8089"; each port 1-65535, start <= end. `what` names the
 * argument in messages ("--port"). */
int args_parse_ports(const char *s, const char *what, args_ports *ret, verr *err);

/* Where a forward goes: ADDR, ADDR:PORT[-END], [V6ADDR] or [V6ADDR]:PORT[-END]. */
typedef struct args_target {
    vnet_addr addr;
    bool has_ports; /* false: the guest port equals the host port */
    args_ports ports;
} args_target;

int args_parse_target(const char *s, args_target *ret, verr *err);

/* A complete, checked forward-add / forward-del request. */
typedef struct args_forward {
    char proto[4];     /* "tcp" or "udp" */
    args_ports host;   /* --port */
    bool has_address;  /* --address given */
    vnet_addr address; /* host address the forward listens on */
    bool has_target;   /* --to given (forward-add) */
    args_target target;
} args_forward;

/* Parse and cross-check forward arguments. `to` may be NULL (forward-del).
 * Checks: proto is tcp/udp; ports in range; guest range as long as the host
 * range; host and guest address of the same family; no unspecified guest. */
int args_parse_forward(const char *proto, const char *port, const char *to, const char *address,
                       args_forward *ret, verr *err);
