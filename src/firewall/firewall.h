/* Firewall: plan (definition -> nft script, pure) and apply (libnftables).
 *
 * Each network owns one nftables table, `inet vnet-BRIDGE` (see fw_table_name),
 * holding every rule vnet installs for it. A plan is a complete script that
 * atomically replaces that table in one transaction, so applying it is
 * idempotent, and re-applying does not disturb established connections
 * (conntrack/NAT state is kept by the kernel, not by the rules).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf/netdef.h"
#include "util/error.h"

/* The longest bridge name a table name is made from (IFNAMSIZ - 1), and room
 * for its table name in either form ("vnet-" + name, or "vnet_" + the name
 * with bytes escaped as "_XX"). */
#define FW_BRIDGE_NAME_MAX 15
#define FW_TABLE_NAME_MAX (5 + 3 * FW_BRIDGE_NAME_MAX + 1)

/* The network's table name into buf: "vnet-BRIDGE" for bridge names of
 * letters, digits, '-', '_' and '.', else an escaped form "vnet_..." (nft
 * takes no quoted table names). Works for any string. */
const char *fw_table_name_of(const char *bridge, char *buf, size_t len) __attribute__((nonnull));
const char *fw_table_name(const netdef *def, char *buf, size_t len);
/* Is this table name one fw_table_name_of() makes? */
bool fw_table_name_is_ours(const char *table);

/* Does this definition get rules at all? false for open and bridge-like modes. */
bool fw_wanted(const netdef *def);

/* The script that creates/replaces the network's table with its full ruleset.
 * Returns NULL (and sets err) when the definition cannot be planned. */
char *fw_plan_network(const netdef *def, verr *err);
/* The script that removes the table of the network whose bridge is `bridge`;
 * applying it succeeds if the table is absent. Any name works: it never fails. */
char *fw_plan_remove(const char *bridge) __attribute__((nonnull, returns_nonnull));

/* Run a script through libnftables as one transaction; the nft error text
 * becomes the error message. */
int fw_apply(const char *script, verr *err) __attribute__((nonnull(1)));
/* The NAT anchor (fw_anchor.c): a table of nat chains (one rule, using
 * conntrack) that keeps established connections translated while a network's
 * table is missing. An owner table, held by a socket kept open until close:
 * it survives `nft flush ruleset`, and the kernel deletes it when vnetd exits.
 * open creates it (idempotent; puts back an unowned one a flush took); close
 * forgets it, deleting an owned one, and any anchor too when `remove`. */
int fw_anchor_open(verr *err);
void fw_anchor_close(bool remove);
bool fw_anchor_is_open(void);
/* Is the anchor's table in the kernel (a query, no listing)? An unowned one
 * a flush took is put back once, not with every network's repair. */
bool fw_anchor_present(void);
/* 1 when inet table `name` exists, 0 when not, -1 when it cannot be asked. */
int fw_table_present(const char *name);
/* Open and owned: only vnetd can change it, so no repair needs to touch it. */
bool fw_anchor_is_owned(void);
/* Is this the anchor's table name? It is vnet's own (never foreign), but no
 * network's table: the sweep and the digests leave it alone. */
bool fw_anchor_is_table(const char *table);

/* Watch nftables for changes to vnet-* tables made by other processes (a
 * flush, a deleted table or rule). Returns an fd to poll; fw_monitor_drain()
 * calls cb(table, userdata) once per touched vnet table per transaction,
 * cb("", userdata) once when the transaction touched any other table (a
 * foreign firewall changed), and cb(NULL, userdata) when events were lost
 * (recheck everything). */
typedef void (*fw_monitor_cb)(const char *table, void *userdata);
int fw_monitor_open(verr *err); /* the caller owns (and closes) the fd */
int fw_monitor_drain(int fd, fw_monitor_cb cb, void *userdata);

/* The same work without reading the host's ruleset (fw_nftnl.c): libnftnl
 * batches sent with libmnl. Create or replace the network's table (or remove
 * it when the definition wants no rules); remove it (absent is success); add
 * or remove forwards' elements in the live table (one transaction). */
#define FW_DIGEST_LEN 17 /* 16 hex digits + NUL */
int fw_table_apply(const netdef *def, verr *err);
/* The same, and ret_digest gets the digest fw_table_digest gives of the table
 * just installed (without reading the host's table back). */
int fw_table_apply_digest(const netdef *def, char ret_digest[FW_DIGEST_LEN], verr *err);
int fw_table_remove(const netdef *def, verr *err);
int fw_forwards_apply(const netdef *def, const netdef_port_forward *pfs, size_t n, bool add,
                      verr *err);

/* The handles firewall/ works with: libnftables contexts (one per output
 * kind, long-lived: see fw_apply.c) and a netfilter netlink socket. The
 * daemon owns one set (fw_handles_new, kept in its vnetd struct) and hands
 * it over with fw_use_handles(); without that a process-wide default set is
 * used. */
typedef struct fw_handles fw_handles;
fw_handles *fw_handles_new(void);
void fw_handles_free(fw_handles *h);
void fw_use_handles(fw_handles *h); /* NULL: back to the default set */
/* Free the default set's contexts (optional, at exit). */
void fw_close(void);
/* Is nftables usable here (kernel nf_tables, permissions)? */
int fw_available(verr *err);
/* 1 if the network's table exists, 0 if not, -1 on error. */
int fw_table_exists(const netdef *def, verr *err);

/* ---- Observing (fw_observe.c, fw_query.c): what the kernel holds ---- */
/* A digest of the network's table as the kernel holds it (rules, sets, map
 * elements; not counters, not handles). 1 and ret filled when the table
 * exists, 0 when it does not, -1 on error. */
int fw_table_digest(const netdef *def, char ret[FW_DIGEST_LEN], verr *err);
/* Names of every inet table called vnet-* (malloc'ed array of strings). */
int fw_vnet_tables(char ***ret, size_t *ret_n, verr *err);
/* Delete a vnet-* table by name; absent is success. */
int fw_table_delete(const char *table, verr *err);
/* The same for the netdev-family vnet-* tables, which held a network's
 * outbound <bandwidth> limit in an earlier vnet (named as the inet table):
 * the sweep removes any left. */
int fw_vnet_netdev_tables(char ***ret, size_t *ret_n, verr *err);
int fw_netdev_table_delete(const char *table, verr *err);

/* ---- Port forwards (vnet extension, netdef.port_forwards) ----
 *
 * Forwards live in four nft maps of the network's table (pf4_any, pf4_addr,
 * pf6_any, pf6_addr: by guest family, and whether a host address is given),
 * so the lookup cost does not grow with their number and adding or removing
 * one forward is a single element change, not a ruleset rewrite. The maps
 * exist (maybe empty) in every nat and route network's table. */

/* Script adding pf's elements to the live table (one transaction). `def` is
 * the network pf belongs to (pf need not be in def->port_forwards yet). */
char *fw_plan_forward_add(const netdef *def, const netdef_port_forward *pf, verr *err);
/* Script removing pf's elements; succeeds if they are already absent. */
char *fw_plan_forward_del(const netdef *def, const netdef_port_forward *pf, verr *err);

/* Forwards to a loopback host address (127.0.0.0/8) need the sysctl
 * net.ipv4.conf.BRIDGE.route_localnet=1 (network/ sets it at start; the
 * daemon when such a forward is added live). The table's masquerade rule for
 * them is always there. */
bool fw_needs_route_localnet(const netdef *def);
/* Does adding or deleting pf change the table beyond its map elements? Always
 * false: no rule depends on which forwards exist, so a forward is always a
 * map-element change (fw_plan_forward_add/del). Kept for callers. */
bool fw_forward_changes_table(const netdef *def, const netdef_port_forward *pf);

/* Delete the kernel's conntrack entries of connections pf DNATed (protocol,
 * host port in its ranges, host address when given, reply from the guest), so
 * that flows stop once pf's elements are gone: an existing entry would keep
 * translating a UDP stream forever. *ret_deleted (may be NULL) gets the number
 * removed. Works in the caller's network namespace through ctnetlink. */
int fw_conntrack_forget(const netdef_port_forward *pf, unsigned *ret_deleted, verr *err);
/* The same for every forward of def, with one walk of the conntrack table
 * (for a network being stopped: cost does not grow with its forwards). */
int fw_conntrack_forget_all(const netdef *def, unsigned *ret_deleted, verr *err);
/* For a forward just added: delete the entries of connections to its host
 * ports (on a host address; on pf's when it has one) that were not DNATed
 * because they began before it, so e.g. a UDP stream already knocking on the
 * port reaches the guest now instead of after its entry times out. */
int fw_conntrack_forget_stale(const netdef_port_forward *pf, unsigned *ret_deleted, verr *err);

/* Per-forward traffic counters, summed over the forward's elements: every
 * packet of its connections in both directions (the pf*_traffic sets), and
 * the connections themselves (the DNAT maps' element counters: nat chains see
 * a connection's first packet only). Reset when the table is re-created. */
typedef struct fw_forward_stats {
    uint64_t packets;
    uint64_t bytes;
    uint64_t connections;
} fw_forward_stats;
/* Fill ret[i] for def->port_forwards[i] (ret has def->n_port_forwards slots;
 * forwards without elements in the table get zeros). */
int fw_forward_counters(const netdef *def, fw_forward_stats *ret, verr *err);
/* The same per range: ret has one slot per <vnet:range> of all forwards, in
 * order (forward 0's ranges, then forward 1's, ...). */
int fw_forward_range_counters(const netdef *def, fw_forward_stats *ret, verr *err);

/* The network's table as nft prints it (`nft list table`); caller frees. */
int fw_list_table(const netdef *def, char **ret_text, verr *err);

/* ---- Foreign drops (fw_foreign.c, pure) ----
 *
 * Rules in other tables (Docker, firewalld, ufw, hand-written) that drop or
 * reject a network's traffic: guests going out, replies coming back, DHCP and
 * DNS to the host. */
typedef struct fw_foreign_subnet {
    vnet_addr address; /* the bridge's address on it */
    unsigned prefix;
    bool dhcp;
} fw_foreign_subnet;

typedef struct fw_foreign_target {
    const char *network;
    const char *bridge;
    const char *uplink; /* the interface of the default route; NULL when unknown */
    bool forwarding;    /* guests reach the outside (nat, route, open) */
    bool dns;           /* the host answers DNS on the bridge */
    fw_foreign_subnet *subnets;
    size_t n_subnets;
} fw_foreign_target;

/* Fill a target from a definition (strings borrowed from def); -1 without a
 * bridge name. Clear it with fw_foreign_target_clear. */
int fw_foreign_target_from_def(const netdef *def, const char *uplink, fw_foreign_target *ret);
void fw_foreign_target_clear(fw_foreign_target *t);
/* Analyse a ruleset in libnftables JSON (`list ruleset`): an array of finding
 * objects {network, direction, family, table, chain, rule_chain, hook, handle
 * (null for a chain policy), verdict, ip, certain, owner, detail, fix}; NULL
 * with err set when the JSON is not a ruleset. */
json_t *fw_foreign_analyse(const json_t *ruleset, const fw_foreign_target *t, verr *err);
/* --coexist=docker: the script that puts accept rules for the bridge (in
 * and out) at the top of Docker's DOCKER-USER chains (ip filter, and ip6
 * filter when Docker made one), skipping rules vnet put there already; NULL
 * when there is nothing to add (no DOCKER-USER, or the rules are there). */
char *fw_foreign_docker_plan(const json_t *ruleset, const char *bridge);
/* The script that deletes those rules again (by handle); NULL when none. */
char *fw_foreign_docker_unplan(const json_t *ruleset, const char *bridge);
/* Is there any nftables table that is not vnet's? One netlink dump of the
 * table names (libnftables would read every rule first). 1 yes, 0 no, -1. */
int fw_foreign_tables_present(verr *err);
/* The whole ruleset as libnftables JSON, like `list ruleset` but without the
 * NAT anchor and never asking nft 1.0.6 to list a table it would mislist
 * (fw_listing.c). */
int fw_list_ruleset_json(char **ret_json, verr *err);

/* ---- nftrace (fw_trace.c) ---- */
typedef struct fw_trace_drop {
    char family[8]; /* "ip", "ip6", "inet", ... */
    char table[64];
    char chain[64];
    uint64_t handle; /* the rule's handle; 0 for a policy */
    bool policy;     /* the chain's policy dropped it */
} fw_trace_drop;
/* A socket receiving trace events (non-blocking fd; close() it). */
int fw_trace_open(verr *err);
/* Wait up to timeout_ms for a traced IPv4 packet to daddr (network byte
 * order; other packets' events are ignored); once its first trace event came,
 * wait settle_ms more for a drop. 1: dropped (ret filled); 0: not dropped
 * (*ret_seen tells whether it was traced at all); -1 on error. */
int fw_trace_wait_drop(int fd, uint32_t daddr, int timeout_ms, int settle_ms, fw_trace_drop *ret,
                       bool *ret_seen, verr *err);
/* Throw away trace events already queued (before sending a new probe). */
void fw_trace_drain(int fd);

/* ---- iptables-legacy (fw_legacy.c) ---- */
struct ipt_getinfo;
/* Is the legacy (x_tables) IPv4 filter table loaded in this namespace? */
bool fw_legacy_loaded(void);
/* Read it and return its chains and rules as libnftables-style JSON objects
 * (an array to append to a ruleset's "nftables" array), in table
 * "ip filter (iptables-legacy)". */
int fw_legacy_read(json_t **ret, verr *err);
/* The pure part: the kernel's table layout and entries -> those objects. */
json_t *fw_legacy_convert(const struct ipt_getinfo *info, const void *entries, size_t size);
