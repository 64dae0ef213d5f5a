/* Turning daemon replies into what the user sees: virsh-style tables and
 * lines, or JSON for --json. Pure functions of the reply (plus the local time
 * zone for lease expiry), so they are unit-tested without a daemon. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/* --quiet (virsh -q): tables without their header and line of dashes. */
void output_set_quiet(bool quiet);

/* net-list selection and display switches. */
typedef struct output_list_opts {
    bool all, inactive;           /* default: active only */
    bool persistent, transient;   /* filters; neither = both */
    bool autostart, no_autostart; /* filters; neither = both */
    bool name, uuid;              /* one value per line instead of a table */
    bool title;                   /* add a Title column */
} output_list_opts;

/* The networks (reply "networks") selected by opts, as a new array. */
json_t *output_list_filter(json_t *networks, const output_list_opts *o);
/* Text for net-list: the networks selected by opts, from network summaries or
 * from the rows of a `list` asked with "rows". Caller frees. */
char *output_list(json_t *networks, const output_list_opts *o);
/* net-info lines for one network object. */
char *output_info(json_t *network);
/* The lines info prints after virsh's six (output_info.c). */
char *output_info_details(json_t *network);
/* net-dhcp-leases table, sorted by MAC; only leases for `mac` when non-NULL. */
char *output_leases(json_t *leases, const char *mac);
/* Leases sorted and filtered as output_leases does, as a new array (--json). */
json_t *output_leases_select(json_t *leases, const char *mac);
/* forward-list table. */
char *output_forwards(json_t *forwards);
/* JSON text (2-space indent, trailing newline). Caller frees. */
char *output_json(json_t *value);
/* Expiry as local "%Y-%m-%d %H:%M:%S"; 0 (infinite) gives "never". buf >= 32. */
const char *output_expiry(long long epoch, char *buf, size_t size);
