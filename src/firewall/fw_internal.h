/* Helpers shared by the firewall layer's files; not part of its interface. */
#pragma once

#include <stdbool.h>
#include <jansson.h>
#include <stdint.h>

#include "conf/netdef.h"
#include "firewall/firewall.h"
#include "util/ipaddr.h"
#include "util/error.h"
#include "util/strbuf.h"

/* The four port-forward maps of a table. */
typedef enum { FW_MAP_4ANY = 0, FW_MAP_4ADDR, FW_MAP_6ANY, FW_MAP_6ADDR, FW_MAP_COUNT } fw_map;

const char *fw_map_name(fw_map m);
/* nft type declaration of the map ("type ... : ..."). */
const char *fw_map_type(fw_map m);
/* Each map has a set with the same keys and per-element counters, matched
 * on every packet of a forwarded connection (both directions), for
 * forward-list's packet and byte counts. */
const char *fw_count_set_name(fw_map m);
/* nft type declaration of the set ("type ..."). */
const char *fw_count_set_type(fw_map m);
fw_map fw_forward_map(const netdef_port_forward *pf);

/* Does this network get the port-forward maps and chains (nat, route)? */
bool fw_forwarding_mode(const netdef *def);

/* Append pf's map elements ("KEY : VALUE" or, without values, "KEY"),
 * comma-separated; *first tracks whether a separator is needed. `sep` goes
 * between elements (", " or ",\n\t\t\t"). */
void fw_forward_elements(strbuf *b, const netdef_port_forward *pf, bool with_values,
                         const char *sep, bool *first);

/* Is a an IPv4 loopback (127.0.0.0/8) address? */
bool fw_addr_is_loopback4(const vnet_addr *a);

/* One map element's key, for duplicate checks and counter matching. */
typedef struct fw_key {
    uint8_t map; /* fw_map */
    uint8_t proto;
    uint16_t port;
    uint8_t addr[16]; /* host address for the *_ADDR maps, else zero */
    size_t index;     /* which def->port_forwards entry */
    size_t slot;      /* which range of all forwards' ranges, counted in order */
} fw_key;

/* All keys of def's forwards, sorted by fw_key_cmp (index ignored). */
size_t fw_forward_keys(const netdef *def, fw_key **ret);
int fw_key_cmp(const void *a, const void *b);

/* The network's table as libnftables JSON (fw_apply.c). */
int fw_list_table_json(const netdef *def, char **ret_json, verr *err);

/* A table as the kernel lists it (fw_query.c): family (NFPROTO_*), name,
 * flags (NFT_TABLE_F_*). */
typedef struct fw_table_ref {
    uint8_t family;
    char *name;
    uint32_t flags;
} fw_table_ref;
int fw_table_refs(fw_table_ref **ret, size_t *ret_n, verr *err);
void fw_table_refs_free(fw_table_ref *refs, size_t n);

/* Output of a libnftables command (one long-lived context each, fw_apply.c). */
typedef enum { FW_OUT_TEXT = 0, FW_OUT_JSON, FW_OUT_JSON_STATELESS, FW_OUT_COUNT } fw_output;
/* Run one command or a multi-line script (one transaction); *ret_out (if
 * given) gets nft's output. */
int fw_run_nft(const char *cmd, fw_output out, const char *what, char **ret_out, verr *err);

/* The handles in use (fw_use_handles, or the process-wide default). */
struct fw_handles {
    struct nft_ctx *ctx[FW_OUT_COUNT]; /* libnftables contexts, created on first use */
    struct nlsock *nfnl;               /* NETLINK_NETFILTER, for the cheap queries */
    struct fw_nftnl_sock *nftnl;       /* fw_nftnl.c's batches, created on first use */
};
fw_handles *fw_handles_current(void);

/* ---- a ruleset in libnftables JSON, indexed (fw_ruleset.c) ---- */
typedef struct fw_fchain {
    const char *family, *table, *name;
    const char *hook;   /* NULL for a regular chain */
    const char *policy; /* "accept" / "drop" or NULL */
    json_t **rules;     /* borrowed "rule" objects, in order */
    size_t n_rules;
} fw_fchain;

typedef struct fw_fruleset {
    fw_fchain *chains;
    size_t n_chains;
} fw_fruleset;

/* Index `root` ({"nftables": [...]}); VERR_INVALID when it is not a ruleset. */
int fw_fruleset_load(const json_t *root, fw_fruleset *rs, verr *err);
void fw_fruleset_free(fw_fruleset *rs);
fw_fchain *fw_fruleset_chain(fw_fruleset *rs, const char *family, const char *table,
                             const char *name);
/* A string member of a JSON object, NULL when absent or not a string. */
const char *fw_json_str(const json_t *o, const char *key);

/* libnftables in fw_nftnl.c's private namespace (fw_apply.c): make the
 * context (while in that namespace), run a script there. */
int fw_scratch_ctx_init(verr *err);
int fw_scratch_apply(const char *script, verr *err);
/* Compile `script` (one inet table named `table`, replacing it) in the
 * private namespace and send it to the host as one libnftnl batch, without
 * reading the host's ruleset (fw_nftnl.c). -2 when there is no private
 * namespace (the caller falls back to libnftables), -1 with err. */
/* ret_digest (if given) gets the table's digest, as fw_table_digest would
 * read it back from the host, computed from the compiled table in the private
 * namespace (same kernel, same objects: no second reading of the host). */
int fw_nftnl_apply_script(const char *table, const char *script, char *ret_digest, verr *err);

/* A table's digest (fw_query.c), fed with the objects' netlink messages: the
 * table, its rules, then its chains (only those the rules named count, in the
 * order they were named: the kernel cannot dump one table's chains, only every
 * table's), its sets, then the sets' elements (in any order). Chains added or
 * deleted show in the table's use count. */
struct nlmsghdr;
#define FW_CHAIN_NAME_MAX 256
typedef struct fw_digest {
    const char *table;   /* dumps may hold other tables' objects too: skipped */
    uint64_t h_table, h_rules, h_chains, h_sets; /* each ordered */
    uint64_t elems;                              /* sum of element hashes */
    char (*sets)[FW_TABLE_NAME_MAX];
    size_t n_sets;
    char (*chains)[FW_CHAIN_NAME_MAX]; /* chains with rules, in rule order */
    size_t n_chains;
} fw_digest;
void fw_digest_init(fw_digest *d, const char *table);
void fw_digest_object(fw_digest *d, const struct nlmsghdr *nlh);
void fw_digest_elems(fw_digest *d, const struct nlmsghdr *nlh);
/* Writes the digest (if ret) and frees what d holds. */
void fw_digest_finish(fw_digest *d, char ret[FW_DIGEST_LEN]);
/* Close the private namespace's socket (fw_nftnl.c). */
void fw_nftnl_close(void);
/* fw_nftnl.c's batch socket in the host namespace (one per fw_handles). */
struct fw_nftnl_sock;
void fw_nftnl_sock_free(struct fw_nftnl_sock *s);
