/* vnet: the command-line client of vnetd. Global options, the command table,
 * and dispatch; each command's work is in commands.c. */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/suggest.h"
#include "cli/uri.h"
#include "config.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static const args_option opt_none[] = {{NULL}};
/* The network argument of most commands: a name or a UUID, as in virsh. */
#define OPT_NETWORK                                                                                \
    {                                                                                              \
        "network", "NETWORK", "network name or UUID", ARGS_POS | ARGS_REQ                          \
    }
static const args_option opt_net[] = {OPT_NETWORK, {NULL}};
static const args_option opt_name[] = {
    {"network", "UUID", "network UUID", ARGS_POS | ARGS_REQ},
    {NULL},
};
static const args_option opt_validate[] = {
    {"format", NULL, "print each valid definition in normalized form"},
    {NULL},
};
static const args_option opt_define[] = {
    {"file", "FILE", "file containing an XML network description (\"-\": stdin)",
     ARGS_POS | ARGS_REQ},
    {"validate", NULL, "check the XML here, before sending it (vnet always checks it)"},
    {NULL},
};
static const args_option opt_autostart[] = {
    OPT_NETWORK,
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
static const args_option opt_info[] = {
    OPT_NETWORK,
    {"json", NULL, "print JSON instead of text"},
    {NULL},
};
static const args_option opt_dumpxml[] = {
    OPT_NETWORK,
    {"inactive", NULL, "show the persistent definition, not the running one"},
    {"xpath", "EXPR", "print only what the XPath expression selects"},
    {"wrap", NULL, "wrap the --xpath results in a <nodes> element"},
    {NULL},
};
static const args_option opt_leases[] = {
    OPT_NETWORK,
    {"mac", "MAC", "show only leases of this MAC address", ARGS_POS},
    {"json", NULL, "print a JSON array of lease objects"},
    {NULL},
};
static const args_option opt_update[] = {
    OPT_NETWORK,
    {"command", "COMMAND", "add (= add-last), add-first, delete or modify", ARGS_POS | ARGS_REQ},
    {"section", "SECTION", "which part of the definition to change", ARGS_POS | ARGS_REQ},
    {"xml", "XML-OR-FILE", "the element's XML if it starts with '<', else a file holding it",
     ARGS_POS | ARGS_REQ},
    {"parent-index", "N", "index of the <ip> element to change (default: the first that fits)",
     ARGS_POS},
    {"live", NULL, "change the running network"},
    {"config", NULL, "change the persistent definition"},
    {"current", NULL, "change the running network if active, else the definition (default)"},
    {NULL},
};
static const args_option opt_forward_add[] = {
    OPT_NETWORK,
    {"proto", "tcp|udp", "protocol to forward"},
    {"port", "PORT[-END]", "host port or port range"},
    {"to", "ADDR[:PORT[-END]]", "guest address and port(s); [ADDR]:PORT for IPv6"},
    {"address", "HOSTADDR", "forward only traffic to this host address (default: any)"},
    {NULL},
};
static const args_option opt_forward_del[] = {
    OPT_NETWORK,
    {"proto", "tcp|udp", "protocol of the forward"},
    {"port", "PORT", "host port (the first port of a range)"},
    {"address", "HOSTADDR", "host address the forward was added with"},
    {NULL},
};
static const args_option opt_forward_list[] = {
    OPT_NETWORK,
    {"json", NULL, "print JSON instead of text"},
    {NULL},
};
static const args_option opt_help[] = {
    {"command", "COMMAND", "the command to explain", ARGS_POS},
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

static const args_option opt_uplink_attach[] = {
    {"nic", "NIC", "the host's network interface", ARGS_POS | ARGS_REQ},
    {"bridge", "BRIDGE", "name of the bridge to create (required)"},
    {"confirm-within", "SECONDS", "roll back unless confirmed within this time (default 60)"},
    {NULL},
};
static const args_option opt_uplink_bridge[] = {
    {"bridge", "BRIDGE", "the uplink's bridge", ARGS_POS | ARGS_REQ},
    {NULL},
};
static const args_option opt_uplink_list[] = {
    {"json", NULL, "print JSON instead of text"},
    {NULL},
};
static const args_option opt_port_list[] = {
    OPT_NETWORK,
    {"json", NULL, "print JSON instead of text"},
    {NULL},
};
static const args_option opt_port_create[] = {
    OPT_NETWORK,
    {"file", "FILE", "file containing a <networkport> description (\"-\": stdin)",
     ARGS_POS | ARGS_REQ},
    {NULL},
};
static const args_option opt_port[] = {
    OPT_NETWORK,
    {"port", "UUID", "port UUID", ARGS_POS | ARGS_REQ},
    {NULL},
};
static const args_option opt_import[] = {
    {"dir", "DIR", "libvirt's network directory (default /etc/libvirt/qemu/networks)", ARGS_POS},
    {"dry-run", NULL, "say what would be defined or refused, change nothing"},
    {NULL},
};

static const args_option opt_import_ovn[] = {
    {"nb", "unix:PATH", "the OVN northbound database", ARGS_POS | ARGS_REQ},
    {"network", "NAME", "only this network (default: every one vnet made there)", ARGS_POS},
    {"dry-run", NULL, "say what would be defined or refused, change nothing"},
    {NULL},
};

static int cmd_help(const cli_ctx *ctx, const args *a);

/* The commands, in the order `vnet --help` lists them. */
static const command commands[] = {
    {"list", "net-list", "", 0, 0, opt_list, true, "List networks",
     "List networks: active ones by default; --all adds inactive ones.", cmd_list},
    {"info", "net-info", "NETWORK", 1, 1, opt_info, true, "Show basic information about a network",
     "Show name, UUID, state, persistence, autostart and bridge of a network.", cmd_info},
    {"define", "net-define", "FILE", 1, 1, opt_define, false,
     "Define (but do not start) a network from an XML file",
     "Define a persistent network from a libvirt network XML file (\"-\" reads stdin).\n"
     "A missing UUID, bridge name or MAC address is assigned by vnetd.",
     cmd_define},
    {"undefine", "net-undefine", "NETWORK", 1, 1, opt_net, false, "Remove a network's definition",
     "Remove the persistent definition of a network. An active network keeps running as a\n"
     "transient one (gone once destroyed), as with virsh.",
     cmd_undefine},
    {"create", "net-create", "FILE", 1, 1, opt_define, false,
     "Create and start a transient network from an XML file",
     "Create and start a transient network; it is gone once destroyed.", cmd_create},
    {"start", "net-start", "NETWORK", 1, 1, opt_net, false, "Start an inactive network",
     "Start (activate) a defined network: bridge, addresses, firewall, dnsmasq.", cmd_start},
    {"destroy", "net-destroy", "NETWORK", 1, 1, opt_net, false, "Stop an active network",
     "Stop an active network and remove what it created on the host.", cmd_destroy},
    {"autostart", "net-autostart", "NETWORK", 1, 1, opt_autostart, false,
     "Start a network when vnetd starts",
     "Mark a persistent network to be started when vnetd starts (--disable to unmark).",
     cmd_autostart},
    {"dumpxml", "net-dumpxml", "NETWORK", 1, 1, opt_dumpxml, true,
     "Print a network's XML definition",
     "Print the network's definition as XML. --xpath EXPR prints only the nodes the XPath\n"
     "expression selects (one per line); --wrap puts them in a <nodes> element.",
     cmd_dumpxml},
    {"edit", "net-edit", "NETWORK", 1, 1, opt_net, false, "Edit a network's XML definition",
     "Open the persistent definition in $VISUAL or $EDITOR (default vi). When the file was\n"
     "changed and saved, it is checked and defined; when that fails, you are asked whether to\n"
     "edit again. An unchanged file changes nothing.",
     cmd_edit},
    {"dhcp-leases", "net-dhcp-leases", "NETWORK [MAC]", 1, 2, opt_leases, true,
     "List a network's DHCP leases", "List the DHCP leases dnsmasq handed out on a network.",
     cmd_dhcp_leases},
    {"uuid", "net-uuid", "NETWORK", 1, 1, opt_net, true, "Print a network's UUID",
     "Print the UUID of the named network.", cmd_uuid},
    {"name", "net-name", "UUID", 1, 1, opt_name, true, "Print the name of a network by UUID",
     "Print the name of the network with this UUID.", cmd_name},
    {"update", "net-update", "NETWORK COMMAND SECTION XML-OR-FILE [PARENT-INDEX]", 4, 5, opt_update,
     false, "Change part of a network's definition",
     "Change one element of a network. COMMAND: add (= add-last), add-first, delete, modify.\n"
     "SECTION: bridge, domain, ip, ip-dhcp-host, ip-dhcp-range, forward, forward-interface,\n"
     "forward-pf, portgroup, dns-host, dns-txt, dns-srv. The last argument is the element's XML\n"
     "when it starts with '<', else a file holding it.",
     cmd_update},
    {"forward-add", "net-forward-add", "NETWORK", 1, 1, opt_forward_add, false,
     "Forward a host port to a guest",
     "Forward host port(s) to a guest address on the network (--proto, --port and --to are\n"
     "required). The guest port range must be as long as the host range; without a guest port\n"
     "the host port is used.",
     cmd_forward_add},
    {"forward-del", "net-forward-del", "NETWORK", 1, 1, opt_forward_del, false,
     "Remove a port forward", "Remove the port forward with this protocol, host port and address.",
     cmd_forward_del},
    {"forward-list", "net-forward-list", "NETWORK", 1, 1, opt_forward_list, true,
     "List a network's port forwards", "List the port forwards of a network with their counters.",
     cmd_forward_list},
    {"uplink-attach", NULL, "NIC", 1, 1, opt_uplink_attach, false,
     "Move the host's NIC into a new bridge, on trial",
     "Create BRIDGE with NIC's MAC, move NIC's addresses (flags and lifetimes kept) and routes\n"
     "onto it and enslave NIC, undoing everything on any failure. Unless 'vnet uplink-confirm\n"
     "BRIDGE' follows within --confirm-within seconds, vnetd puts the NIC back as it was (also\n"
     "when vnetd dies meanwhile: it rolls back when it starts again). Refused when\n"
     "NetworkManager or systemd-networkd owns NIC or it holds a DHCP lease; vnet then prints\n"
     "the configuration to give that tool instead.",
     cmd_uplink_attach},
    {"uplink-confirm", NULL, "BRIDGE", 1, 1, opt_uplink_bridge, false,
     "Keep an uplink attached on trial",
     "Confirm an uplink-attach: the bridge stays, and is re-created when vnetd starts at boot,\n"
     "before autostart networks.",
     cmd_uplink_confirm},
    {"uplink-detach", NULL, "BRIDGE", 1, 1, opt_uplink_bridge, false, "Put the host's NIC back",
     "Move the addresses and routes back to the NIC, release it and delete the bridge.",
     cmd_uplink_detach},
    {"uplink-list", NULL, "", 0, 0, opt_uplink_list, true, "List NICs attached to bridges",
     "List uplinks: bridge, NIC, state (trial with the time left, or attached), MAC, addresses.",
     cmd_uplink_list},
    {"validate", "net-validate", "FILE...", 1, UINT_MAX, opt_validate, true,
     "Check network XML files (no daemon needed)",
     "Parse and check network XML files locally. Exit status 0 when all are valid; otherwise\n"
     "each error is printed and the status is 1.",
     cmd_validate},
    {"reload", NULL, "", 0, 0, opt_none, false, "Re-read the definitions directory",
     "Make vnetd re-read its definitions directory (as SIGHUP does): a definition added,\n"
     "changed or removed by hand takes effect as define or undefine would make it (a running\n"
     "network keeps its running definition until restarted). A file that does not load changes\n"
     "nothing: its network keeps its last good definition; the problem is printed (file, line)\n"
     "and the exit status is 1.",
     cmd_reload},
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
    {"port-list", "net-port-list", "NETWORK", 1, 1, opt_port_list, true, "List a network's ports",
     "List the ports (guest NICs plugged by libvirt's VM driver or `vnet port-create`) of a\n"
     "network. --json adds each port's MAC, owner and the host interface vnet learned.",
     cmd_port_list},
    {"port-create", "net-port-create", "NETWORK FILE", 2, 2, opt_port_create, false,
     "Create a network port from XML",
     "Allocate a port on an active network from a <networkport> file (\"-\" for stdin); its\n"
     "plug (bridge, macvtap device) is filled in as libvirt's network driver does.",
     cmd_port_create},
    {"port-dumpxml", "net-port-dumpxml", "NETWORK UUID", 2, 2, opt_port, true,
     "Print a network port's XML", "Print the <networkport> XML of a port, with its plug.",
     cmd_port_dumpxml},
    {"port-delete", "net-port-delete", "NETWORK UUID", 2, 2, opt_port, false,
     "Delete a network port", "Release a port of a network.", cmd_port_delete},
    {"import-libvirt", NULL, "[DIR]", 0, 1, opt_import, false,
     "Define libvirt's saved networks in vnet",
     "Define every network of libvirt's DIR (default /etc/libvirt/qemu/networks), with its\n"
     "autostart flag. A network whose name, bridge or subnet is already used in vnet is\n"
     "refused, with the reason. Exit status 1 when any was refused.",
     cmd_import_libvirt},
    {"import", NULL, "unix:PATH [NAME]", 1, 2, opt_import_ovn, false,
     "Define the OVN networks vnet hosts made in a northbound database",
     "Define here every OVN network (or NAME) that vnet on another host made in the OVN\n"
     "northbound database unix:PATH, from the definition the hosts share (port forwards stay\n"
     "each host's own), reaching the database at unix:PATH. Starting it joins the same\n"
     "logical network. A network whose name or subnet is already used in vnet is refused,\n"
     "with the reason. Exit status 1 when any was refused.",
     cmd_import_ovn},
    {"ping", "net-ping", "", 0, 0, opt_none, true, "Check that vnetd answers",
     "Ask vnetd for its version.", cmd_ping},
    {"help", NULL, "[COMMAND]", 0, 1, opt_help, true, "Show help for vnet or a command",
     "Show the list of commands, or the help of one command.", cmd_help},
};

/* virsh's network commands: their output ends with an empty line, as
 * virsh prints one after every command. vnet's own commands do without. */
static const char *const virsh_verbs[] = {
    "net-autostart", "net-create",      "net-define",       "net-destroy",     "net-dhcp-leases",
    "net-dumpxml",   "net-edit",        "net-event",        "net-info",        "net-list",
    "net-name",      "net-start",       "net-undefine",     "net-update",      "net-uuid",
    "net-port-list", "net-port-create", "net-port-dumpxml", "net-port-delete",
};

static bool is_virsh_verb(const command *c)
{
    for (size_t i = 0; c->virsh && i < ARRAY_SIZE(virsh_verbs); i++)
        if (streq(c->virsh, virsh_verbs[i]))
            return true;
    return false;
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        const command *c = &commands[i];
        if (streq(c->name, name) || (c->virsh && streq(c->virsh, name)))
            return c;
    }
    return NULL;
}

/* "Did you mean ...?" for a mistyped command: virsh names for a word that
 * looks like one ("net-..."), vnet names otherwise. */
static void suggest_command(const char *word)
{
    const char *names[ARRAY_SIZE(commands)];
    bool virsh = strncmp(word, "net-", 4) == 0;
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        names[i] = virsh ? commands[i].virsh : commands[i].name;
    const char *s = suggest_closest(word, names, ARRAY_SIZE(commands));
    if (s)
        fprintf(stderr, "Did you mean '%s'?\n", s);
}

/* ... and for a mistyped option of a command. */
static void suggest_option(const command *c, const char *word)
{
    const char *names[ARGS_MAX_OPTIONS + 1];
    size_t n = 0;
    const char *w = word + strspn(word, "-");
    for (const args_option *o = c->options; o->name && n < ARGS_MAX_OPTIONS; o++)
        names[n++] = o->name;
    names[n++] = "help";
    const char *s = suggest_closest(w, names, n);
    if (s)
        fprintf(stderr, "Did you mean '--%s'?\n", s);
}

static void usage(FILE *out)
{
    fputs("Usage: vnet [GLOBAL OPTIONS] COMMAND [ARGUMENTS...]\n"
          "\n"
          "Manage virtual networks through the vnetd daemon.\n"
          "\n"
          "Global options:\n"
          "  -c, --connect URI  the vnetd to use: " URI_ACCEPTED "\n"
          "  --root DIR         talk to the vnetd using DIR as its root (default: $VNET_ROOT, else "
          "/)\n"
          "  -q, --quiet        no table headers, no confirmation messages\n"
          "  --version          print the version\n"
          "  -h, --help         show this help\n"
          "\n"
          "Commands (each also answers to its virsh name, e.g. net-list):\n",
          out);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
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
        snprintf(left, sizeof(left), "%s--%s%s%s%s", o->flags & ARGS_POS ? "[" : "", o->name,
                 o->flags & ARGS_POS ? "]" : "", o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-28s %s\n", left, o->help);
    }
    printf("  %-28s %s\n", "-h, --help", "show this help");
    if (args_has_positional(c->options))
        printf("\nAn option in [brackets] may also be given by position, without its name.\n");
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
    if (!c) {
        cli_error("unknown command: '%s'", a->pos[0]);
        suggest_command(a->pos[0]);
        return -1;
    }
    command_help(c);
    return 0;
}

/* A usage error: the message in virsh's words, status 1 (as virsh). */
static int usage_error(const char *msg)
{
    cli_error("%s", msg);
    return 1;
}

static int check_arg_count(const command *c, const args *a)
{
    if (args_has_positional(c->options))
        return 0; /* args_parse checked them, as virsh does */
    _cleanup_free_ char *msg = NULL;
    if (a->n_pos < c->min_args)
        msg = xasprintf("command '%s' needs %s%s", c->name, c->synopsis,
                        a->n_pos ? " (too few arguments)" : "");
    else if (a->n_pos > c->max_args)
        msg = xasprintf("unexpected data '%s'", a->pos[c->max_args]);
    return msg ? usage_error(msg) : 0;
}

static int run_command(const command *c, const char *word, const cli_ctx *ctx, int argc,
                       char **argv)
{
    args a;
    verr err = VERR_INIT;
    if (args_parse(word, c->options, argc, argv, &a, &err) < 0) {
        usage_error(err.msg);
        if (a.bad_option)
            suggest_option(c, a.bad_option);
        return 1;
    }
    int rc;
    if (a.help) {
        command_help(c);
        rc = 0;
    } else if ((rc = check_arg_count(c, &a)) == 0) {
        int r = c->run(ctx, &a);
        rc = r < 0 ? 1 : r;
        /* virsh ends the output of every command it ran with an empty line
         * (not with --quiet); JSON output stays plain JSON. Also after an error. */
        if (!ctx->quiet && !args_has(&a, "json") && is_virsh_verb(c) &&
            !(streq(c->virsh, "net-event") && !streq(word, "net-event")))
            fputc('\n', stdout); /* (vnet's own `events` stream ends with its count) */
    }
    args_free(&a);
    return rc;
}

typedef struct global_opts {
    const char *root;
    const char *uri;
    bool quiet;
} global_opts;

/* The value of a global option ("--root DIR", "--root=DIR", "-c URI"); NULL
 * when `w` is not that option. */
static const char *global_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
                                int *ret_exit)
{
    const char *w = argv[*i];
    size_t n = strlen(lng);
    if (strncmp(w, lng, n) == 0 && w[n] == '=')
        return w + n + 1;
    if (!streq(w, lng) && !(shrt && streq(w, shrt)))
        return NULL;
    if (*i + 1 < argc)
        return argv[++*i];
    _cleanup_free_ char *msg = xasprintf("option '%s' needs a value", w);
    *ret_exit = usage_error(msg);
    return NULL;
}

/* Global options come before the command; returns the command's index in argv. */
static int parse_global(int argc, char **argv, global_opts *g, int *ret_exit)
{
    int i = 1;
    *ret_exit = -1;
    for (; i < argc && argv[i][0] == '-' && *ret_exit < 0; i++) {
        const char *w = argv[i], *v;
        if (streq(w, "--help") || streq(w, "-h")) {
            usage(stdout);
            *ret_exit = 0;
        } else if (streq(w, "--version") || streq(w, "-v") || streq(w, "-V")) {
            printf("vnet %s\n", VNET_VERSION);
            *ret_exit = 0;
        } else if (streq(w, "--quiet") || streq(w, "-q")) {
            g->quiet = true;
        } else if ((v = global_value(argc, argv, &i, "--root", NULL, ret_exit))) {
            g->root = v;
        } else if ((v = global_value(argc, argv, &i, "--connect", "-c", ret_exit))) {
            g->uri = v;
        } else if (*ret_exit < 0) {
            _cleanup_free_ char *msg = xasprintf("unsupported option '%s'. See --help.", w);
            *ret_exit = usage_error(msg);
        }
    }
    return *ret_exit >= 0 ? i - 1 : i;
}

/* For the shell completions (share/completion): `vnet __complete commands`
 * prints every command name (vnet's and virsh's), `vnet __complete options CMD`
 * the options of one command, one per line. Not listed in the help. */
static int complete_words(int argc, char **argv)
{
    if (argc >= 3 && streq(argv[2], "commands")) {
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
            printf("%s\n", commands[i].name);
            if (commands[i].virsh)
                printf("%s\n", commands[i].virsh);
        }
        return 0;
    }
    if (argc >= 4 && streq(argv[2], "options")) {
        const command *c = find_command(argv[3]);
        if (!c)
            return 1;
        for (const args_option *o = c->options; o->name; o++)
            printf("--%s\n", o->name);
        printf("--help\n");
        return 0;
    }
    return 1;
}

char **cli_argv;

int main(int argc, char **argv)
{
    cli_argv = argv;
    if (argc >= 2 && streq(argv[1], "__complete"))
        return complete_words(argc, argv);
    setlocale(LC_CTYPE, ""); /* display widths of non-ASCII table cells */
    global_opts g = {.root = getenv("VNET_ROOT")};
    int exit_code;
    int i = parse_global(argc, argv, &g, &exit_code);
    if (exit_code >= 0)
        return exit_code;
    _cleanup_free_ char *uri_socket = NULL;
    verr err = VERR_INIT;
    if (g.uri && uri_parse(g.uri, &uri_socket, &err) < 0)
        return usage_error(err.msg);
    if (i >= argc)
        return usage_error("no command given (see 'vnet --help')");
    const command *c = find_command(argv[i]);
    if (!c) {
        _cleanup_free_ char *msg = xasprintf("unknown command: '%s'", argv[i]);
        usage_error(msg);
        suggest_command(argv[i]);
        return 1;
    }

    vnet_paths paths;
    vnet_paths_init(&paths, g.root && *g.root ? g.root : NULL);
    cli_ctx ctx = {.socket_path = uri_socket ? uri_socket : paths.socket_path,
                   .invoked_as = argv[i],
                   .quiet = g.quiet};
    output_set_quiet(g.quiet);
    int rc = run_command(c, argv[i], &ctx, argc - i - 1, argv + i + 1);
    vnet_paths_free(&paths);
    return rc;
}
