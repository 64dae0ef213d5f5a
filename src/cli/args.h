/* Command-line parsing for vnet: per-command options and the pure parsers
 * for port-forward arguments. Nothing here talks to the daemon, so all of it
 * is unit-tested directly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "util/ipaddr.h"

/* One option a command accepts: --name (a flag) or --name ARG. */
typedef struct args_option {
    const char *name; /* without the leading "--" */
    const char *arg;  /* metavariable shown in help; NULL for a flag */
    const char *help;
} args_option;

#define ARGS_MAX_OPTIONS 16

/* The result of parsing one command's arguments. Strings point into argv. */
typedef struct args {
    const args_option *options; /* the table the values belong to */
    size_t n_options;
    const char *values[ARGS_MAX_OPTIONS]; /* NULL when not given; "" for a given flag */
    const char **pos;                     /* positional arguments */
    size_t n_pos;
    bool help; /* --help or -h was given */
} args;

/* Parse argv[0..argc) against `options` (terminated by a {NULL} entry).
 * Accepts --opt, --opt VALUE, --opt=VALUE, and "--" to end options. Errors
 * (VERR_INVALID): unknown option, missing value, value for a flag, repeats. */
int args_parse(const args_option *options, int argc, char **argv, args *ret, verr *err);
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
