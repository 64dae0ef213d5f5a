/* vnet: the command-line client of vnetd. Global options, the command table,
 * and dispatch; each command's work is in commands.c. */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "config.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static const args_option opt_none[] = {{NULL}};
static const args_option opt_validate[] = {
    {"format", NULL, "print each valid definition in normalized form"},
    {NULL},
};
static const args_option opt_autostart[] = {
    {"disable", NULL, "do not start the network when vnetd starts"},
    {NULL},
};
static const args_option opt_list[] = {
    {"all", NULL, "list active and inactive networks"},
    {"inactive", NULL, "list inactive networks only"},
    {"persistent", NULL, "list persistent networks only"},
    {"transient", NULL, "list transient networks only"},
    {"autostart", NULL, "list networks with autostart enabled only"},
    {"no-autostart", NULL, "list networks with autostart disabled only"},
    {"name", NULL, "print network names only, one per line"},
    {"uuid", NULL, "print network UUIDs only, one per line"},
    {"title", NULL, "add a Title column"},
    {"table", NULL, "print a table (the default)"},
    {"json", NULL, "print a JSON array of network objects"},
    {NULL},
};
static const args_option opt_json[] = {
    {"json", NULL, "print JSON instead of text"},
    {NULL},
};
static const args_option opt_dumpxml[] = {
    {"inactive", NULL, "show the persistent definition, not the running one"},
    {NULL},
};
static const args_option opt_leases[] = {
    {"mac", "MAC", "show only leases of this MAC address"},
    {"json", NULL, "print a JSON array of lease objects"},
    {NULL},
};
static const args_option opt_update[] = {
    {"parent-index", "N", "index of the <ip> element to change (default: the first that fits)"},
    {"live", NULL, "change the running network"},
    {"config", NULL, "change the persistent definition"},
    {"current", NULL, "change the running network if active, else the definition (default)"},
    {NULL},
};
static const args_option opt_forward_add[] = {
    {"proto", "tcp|udp", "protocol to forward"},
    {"port", "PORT[-END]", "host port or port range"},
    {"to", "ADDR[:PORT[-END]]", "guest address and port(s); [ADDR]:PORT for IPv6"},
    {"address", "HOSTADDR", "forward only traffic to this host address (default: any)"},
    {NULL},
};
static const args_option opt_forward_del[] = {
    {"proto", "tcp|udp", "protocol of the forward"},
    {"port", "PORT", "host port (the first port of a range)"},
    {"address", "HOSTADDR", "host address the forward was added with"},
    {NULL},
};

static const args_option opt_events[] = {
    {"network", "NAME", "only events of this network"},
    {"event", "TYPE", "only this event type (see --list); lifecycle = defined/started/..."},
    {"all", NULL, "every event type (the default for 'events')"},
    {"loop", NULL, "keep waiting after the first event (always on for 'events')"},
    {"timeout", "SECONDS", "stop after this many seconds"},
    {"timestamp", NULL, "show when each event happened"},
    {"list", NULL, "list the event types and exit"},
    {"json", NULL, "print each event as a JSON object on one line"},
    {NULL},
};

static const args_option opt_doctor[] = {
    {"fix", NULL, "repair what vnet owns and add Docker's DOCKER-USER rules, then check again"},
    {"json", NULL, "print the checks as JSON"},
    {NULL},
};

static int cmd_help(const cli_ctx *ctx, const args *a);

/* The commands, in the order `vnet --help` lists them. */
static const command commands[] = {
    {"list", "net-list", "", 0, 0, opt_list, true, "List networks",
     "List networks: active ones by default; --all adds inactive ones.", cmd_list},
    {"info", "net-info", "NAME", 1, 1, opt_json, true, "Show basic information about a network",
     "Show name, UUID, state, persistence, autostart and bridge of a network.", cmd_info},
    {"define", "net-define", "FILE", 1, 1, opt_none, false,
     "Define (but do not start) a network from an XML file",
     "Define a persistent network from a libvirt network XML file (\"-\" reads stdin).\n"
     "A missing UUID, bridge name or MAC address is assigned by vnetd.",
     cmd_define},
    {"undefine", "net-undefine", "NAME", 1, 1, opt_none, false,
     "Remove an inactive network's definition",
     "Remove the persistent definition of an inactive network.", cmd_undefine},
    {"create", "net-create", "FILE", 1, 1, opt_none, false,
     "Create and start a transient network from an XML file",
     "Create and start a transient network; it is gone once destroyed.", cmd_create},
    {"start", "net-start", "NAME", 1, 1, opt_none, false, "Start an inactive network",
     "Start (activate) a defined network: bridge, addresses, firewall, dnsmasq.", cmd_start},
    {"destroy", "net-destroy", "NAME", 1, 1, opt_none, false, "Stop an active network",
     "Stop an active network and remove what it created on the host.", cmd_destroy},
    {"autostart", "net-autostart", "NAME", 1, 1, opt_autostart, false,
     "Start a network when vnetd starts",
     "Mark a persistent network to be started when vnetd starts (--disable to unmark).",
     cmd_autostart},
    {"dumpxml", "net-dumpxml", "NAME", 1, 1, opt_dumpxml, true, "Print a network's XML definition",
     "Print the network's definition as XML.", cmd_dumpxml},
    {"dhcp-leases", "net-dhcp-leases", "NAME [MAC]", 1, 2, opt_leases, true,
     "List a network's DHCP leases", "List the DHCP leases dnsmasq handed out on a network.",
     cmd_dhcp_leases},
    {"uuid", "net-uuid", "NAME", 1, 1, opt_none, true, "Print a network's UUID",
     "Print the UUID of the named network.", cmd_uuid},
    {"name", "net-name", "UUID", 1, 1, opt_none, true, "Print the name of a network by UUID",
     "Print the name of the network with this UUID.", cmd_name},
    {"update", "net-update", "NAME COMMAND SECTION XML-OR-FILE", 4, 4, opt_update, false,
     "Change part of a network's definition",
     "Change one element of a network. COMMAND: add (= add-last), add-first, delete, modify.\n"
     "SECTION: bridge, domain, ip, ip-dhcp-host, ip-dhcp-range, forward, forward-interface,\n"
     "forward-pf, portgroup, dns-host, dns-txt, dns-srv. The last argument is the element's XML\n"
     "when it starts with '<', else a file holding it.",
     cmd_update},
    {"forward-add", "net-forward-add", "NAME", 1, 1, opt_forward_add, false,
     "Forward a host port to a guest",
     "Forward host port(s) to a guest address on the network (--proto, --port and --to are\n"
     "required). The guest port range must be as long as the host range; without a guest port\n"
     "the host port is used.",
     cmd_forward_add},
    {"forward-del", "net-forward-del", "NAME", 1, 1, opt_forward_del, false,
     "Remove a port forward", "Remove the port forward with this protocol, host port and address.",
     cmd_forward_del},
    {"forward-list", "net-forward-list", "NAME", 1, 1, opt_json, true,
     "List a network's port forwards", "List the port forwards of a network with their counters.",
     cmd_forward_list},
    {"validate", "net-validate", "FILE...", 1, UINT_MAX, opt_validate, true,
     "Check network XML files (no daemon needed)",
     "Parse and check network XML files locally. Exit status 0 when all are valid; otherwise\n"
     "each error is printed and the status is 1.",
     cmd_validate},
    {"events", "net-event", "", 0, 0, opt_events, true, "Print network events as they happen",
     "Print events as they happen: lifecycle (defined, undefined, started, stopped), repairs\n"
     "(what drifted, what was restored, how long it took), failed repairs, foreign-firewall\n"
     "findings, dnsmasq restarts and updates. 'events' streams everything until --timeout or\n"
     "Ctrl-C; 'net-event' works as virsh's: --event TYPE or --all, one event unless --loop.",
     cmd_events},
    {"doctor", NULL, "[NAME]", 0, 1, opt_doctor, true, "Check the host and the networks",
     "Check that vnetd runs, that nftables is usable, and each network (or NAME): bridge,\n"
     "dnsmasq and its ports, forwarding and rp_filter, other firewalls' drops, subnet clashes,\n"
     "MTU, resolver loops, port forwards against local listeners. Each check says ok, warning\n"
     "or broken, with its evidence and fix. Exit status: 0 ok, 1 warning, 2 broken.\n"
     "--fix needs root.",
     cmd_doctor},
    {"ping", "net-ping", "", 0, 0, opt_none, true, "Check that vnetd answers",
     "Ask vnetd for its version.", cmd_ping},
    {"help", NULL, "[COMMAND]", 0, 1, opt_none, true, "Show help for vnet or a command",
     "Show the list of commands, or the help of one command.", cmd_help},
};

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const command *c = &commands[i];
        if (streq(c->name, name) || (c->virsh && streq(c->virsh, name)))
            return c;
    }
    return NULL;
}

static void usage(FILE *out)
{
    fputs("Usage: vnet [--root DIR] COMMAND [ARGUMENTS...]\n"
          "\n"
          "Manage virtual networks through the vnetd daemon.\n"
          "\n"
          "Global options:\n"
          "  --root DIR     talk to the vnetd using DIR as its root (default: $VNET_ROOT, else /)\n"
          "  --version      print the version\n"
          "  -h, --help     show this help\n"
          "\n"
          "Commands (each also answers to its virsh name, e.g. net-list):\n",
          out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'vnet COMMAND --help' for a command's arguments and options.\n", out);
}

static void command_help(const command *c)
{
    printf("Usage: vnet %s%s%s%s\n\n%s\n", c->name, *c->synopsis ? " " : "", c->synopsis,
           c->options[0].name ? " [OPTIONS]" : "", c->help);
    printf("\nOptions:\n");
    for (const args_option *o = c->options; o->name; o++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-24s %s\n", left, o->help);
    }
    printf("  %-24s %s\n", "-h, --help", "show this help");
    if (c->virsh)
        printf("\nAlso available as: vnet %s\n", c->virsh);
    if (!c->read_only)
        printf("Needs root: it changes the host.\n");
}

static int cmd_help(const cli_ctx *ctx, const args *a)
{
    if (a->n_pos == 0) {
        usage(stdout);
        return 0;
    }
    const command *c = find_command(a->pos[0]);
    if (!c)
        return cli_error("unknown command '%s' (see 'vnet --help')", a->pos[0]);
    command_help(c);
    return 0;
}

/* Usage error: the message, a hint where to look, status 1 (as virsh). */
static int usage_error(const command *c, const char *msg)
{
    cli_error("%s", msg);
    if (c)
        fprintf(stderr, "Try 'vnet %s --help' for more information.\n", c->name);
    else
        fprintf(stderr, "Try 'vnet --help' for more information.\n");
    return 1;
}

static int check_arg_count(const command *c, const args *a)
{
    _cleanup_free_ char *msg = NULL;
    if (a->n_pos < c->min_args)
        msg = xasprintf("command '%s' needs %s%s", c->name, c->synopsis,
                        a->n_pos ? " (too few arguments)" : "");
    else if (a->n_pos > c->max_args)
        msg = xasprintf("command '%s' takes %s%s; unexpected argument '%s'", c->name,
                        *c->synopsis ? "only " : "no arguments", c->synopsis, a->pos[c->max_args]);
    return msg ? usage_error(c, msg) : 0;
}

static int run_command(const command *c, const cli_ctx *ctx, int argc, char **argv)
{
    args a;
    verr err = VERR_INIT;
    if (args_parse(c->options, argc, argv, &a, &err) < 0)
        return usage_error(c, err.msg);
    int rc;
    if (a.help) {
        command_help(c);
        rc = 0;
    } else if ((rc = check_arg_count(c, &a)) == 0) {
        int r = c->run(ctx, &a);
        rc = r < 0 ? 1 : r;
    }
    args_free(&a);
    return rc;
}

/* Global options come before the command; returns the command's index in argv. */
static int parse_global(int argc, char **argv, const char **ret_root, int *ret_exit)
{
    int i = 1;
    *ret_exit = -1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *w = argv[i];
        if (streq(w, "--help") || streq(w, "-h")) {
            usage(stdout);
            *ret_exit = 0;
        } else if (streq(w, "--version")) {
            printf("vnet %s\n", VNET_VERSION);
            *ret_exit = 0;
        } else if (streq(w, "--root") && i + 1 < argc) {
            *ret_root = argv[++i];
        } else if (strncmp(w, "--root=", 7) == 0) {
            *ret_root = w + 7;
        } else if (streq(w, "--root")) {
            *ret_exit = usage_error(NULL, "option '--root' needs a value (DIR)");
        } else {
            _cleanup_free_ char *msg = xasprintf("unknown option '%s'", w);
            *ret_exit = usage_error(NULL, msg);
        }
        if (*ret_exit >= 0)
            break;
    }
    return i;
}

int main(int argc, char **argv)
{
    setlocale(LC_CTYPE, ""); /* display widths of non-ASCII table cells */
    const char *root = getenv("VNET_ROOT");
    int exit_code;
    int i = parse_global(argc, argv, &root, &exit_code);
    if (exit_code >= 0)
        return exit_code;
    if (i >= argc)
        return usage_error(NULL, "no command given");
    const command *c = find_command(argv[i]);
    if (!c) {
        _cleanup_free_ char *msg = xasprintf("unknown command '%s'", argv[i]);
        return usage_error(NULL, msg);
    }

    vnet_paths paths;
    vnet_paths_init(&paths, root && *root ? root : NULL);
    cli_ctx ctx = {.socket_path = paths.socket_path, .invoked_as = argv[i]};
    int rc = run_command(c, &ctx, argc - i - 1, argv + i + 1);
    vnet_paths_free(&paths);
    return rc;
}
