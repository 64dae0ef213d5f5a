/* The vnet commands: each builds a request, calls the daemon, prints the
 * reply. The command table itself (names, options, help) is in main.c. */
#pragma once

#include <stdbool.h>

#include <jansson.h>

#include "cli/args.h"

typedef struct cli_ctx {
    const char *socket_path; /* ROOT/run/vnet/vnetd.sock, or from -c URI */
    const char *invoked_as;  /* the command word given ("events" or "net-event") */
    bool quiet;              /* -q: no confirmation messages (virsh's "extra" output) */
} cli_ctx;

/* A handler returns 0 on success, -1 after printing "error: ..." to stderr, or
 * a positive exit status of its own (doctor). */
typedef int (*command_fn)(const cli_ctx *ctx, const args *a);

typedef struct command {
    const char *name;     /* vnet name: "list" */
    const char *virsh;    /* virsh alias: "net-list" */
    const char *synopsis; /* positional arguments for usage: "NAME" */
    unsigned min_args;
    unsigned max_args; /* UINT_MAX: any number */
    const args_option *options;
    bool read_only;      /* allowed to non-root users by the daemon */
    const char *summary; /* one line for `vnet --help` */
    const char *help;    /* paragraph for `vnet CMD --help` */
    command_fn run;
} command;

/* The command line as main() got it (for cli_run_full). */
extern char **cli_argv;
/* The lean vnet (no libxml2, quick to start) runs the full client, vnet-full,
 * with the same command line for what needs XML: validate, define, create,
 * edit, import-libvirt, dumpxml --xpath (lean.c). Returns only on failure. */
int cli_run_full(void);

/* Print "error: MESSAGE" on stderr; returns -1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A confirmation message ("Network lab started") on stdout, unless quiet. */
void cli_extra(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One round trip; on failure the daemon's (or transport's) message is printed,
 * preceded by virsh's "failed to get network 'NAME'" when the network is not
 * found. `req` is consumed. */
int cli_call(const cli_ctx *ctx, json_t *req, json_t **ret_reply);
/* Read FILE ("-" = stdin) whole; errors printed. */
int cli_read_input(const char *path, char **ret);

int cmd_validate(const cli_ctx *ctx, const args *a);
int cmd_define(const cli_ctx *ctx, const args *a);
int cmd_create(const cli_ctx *ctx, const args *a);
int cmd_undefine(const cli_ctx *ctx, const args *a);
int cmd_start(const cli_ctx *ctx, const args *a);
int cmd_destroy(const cli_ctx *ctx, const args *a);
int cmd_autostart(const cli_ctx *ctx, const args *a);
int cmd_list(const cli_ctx *ctx, const args *a);
int cmd_info(const cli_ctx *ctx, const args *a);
int cmd_dumpxml(const cli_ctx *ctx, const args *a);
int cmd_edit(const cli_ctx *ctx, const args *a);
int cmd_reload(const cli_ctx *ctx, const args *a);
/* Warnings on stderr about definition files that do not load: every one in a
 * list reply's "problems", or the one of a network object ("problem"). */
void cli_warn_problems(json_t *problems);
void cli_warn_problem(json_t *network);
int cmd_dhcp_leases(const cli_ctx *ctx, const args *a);
int cmd_uuid(const cli_ctx *ctx, const args *a);
int cmd_name(const cli_ctx *ctx, const args *a);
int cmd_update(const cli_ctx *ctx, const args *a);
int cmd_forward_add(const cli_ctx *ctx, const args *a);
int cmd_forward_del(const cli_ctx *ctx, const args *a);
int cmd_forward_list(const cli_ctx *ctx, const args *a);
int cmd_ping(const cli_ctx *ctx, const args *a);
int cmd_events(const cli_ctx *ctx, const args *a);
/* Returns the exit status itself (0 ok, 1 warning, 2 broken) or -1. */
int cmd_doctor(const cli_ctx *ctx, const args *a);
/* cmd_uplink.c */
int cmd_uplink_attach(const cli_ctx *ctx, const args *a);
int cmd_uplink_confirm(const cli_ctx *ctx, const args *a);
int cmd_uplink_detach(const cli_ctx *ctx, const args *a);
int cmd_uplink_list(const cli_ctx *ctx, const args *a);
/* cmd_port.c */
int cmd_port_list(const cli_ctx *ctx, const args *a);
int cmd_port_create(const cli_ctx *ctx, const args *a);
int cmd_port_dumpxml(const cli_ctx *ctx, const args *a);
int cmd_port_delete(const cli_ctx *ctx, const args *a);
/* cmd_import.c */
int cmd_import_libvirt(const cli_ctx *ctx, const args *a);
int cmd_import_ovn(const cli_ctx *ctx, const args *a);
