/* The record of what a network's start created: kept in memory during start
 * (for rollback) and saved as JSON in the network's status file. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "conf/netdef.h"
#include "firewall/firewall.h"
#include "network/network.h"

typedef struct net_run {
    bool bridge_created; /* we created the bridge (delete it on stop) */
    bool firewall;       /* the network's nftables table is ours */
    char fw_digest[FW_DIGEST_LEN]; /* the table as last installed (fw_table_digest), "" unknown */
    bool dnsmasq_files;  /* config/hosts files were written */
    pid_t dnsmasq_pid;   /* 0 when no dnsmasq runs */
    char **sysctls;      /* global sysctls switched on for this network */
    size_t n_sysctls;
} net_run;

json_t *net_run_to_json(const net_run *run, const network_env *env, const netdef *def);
/* Missing keys leave the fields zero; never fails. */
void net_run_from_json(const json_t *status, net_run *run);
void net_run_note_sysctl(net_run *run, const char *path);
void net_run_clear(net_run *run);

/* ROOT/run/vnet/NAME.pid */
char *net_pidfile_path(const vnet_paths *paths, const char *name);
