/* vnet doctor's checks (doctor.c: host and op; doctor_net.c: per network). */
#pragma once

#include <jansson.h>

#include "daemon/daemon.h"

typedef enum { DOCTOR_OK = 0, DOCTOR_WARNING, DOCTOR_BROKEN } doctor_verdict;

/* Append {check, network, verdict, evidence, fix} to checks; fix may be NULL. */
void doctor_add(json_t *checks, const char *network, const char *name, doctor_verdict v,
                const char *evidence, const char *fix);
void doctor_addf(json_t *checks, const char *network, const char *name, doctor_verdict v,
                 const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Every check of one network (inactive ones get a single line); the probe
 * only when asked (root). */
void doctor_check_network(vnetd *d, vnet_net *n, json_t *checks, bool probe);
/* The probe (doctor_probe.c): real packets from a throwaway port of the
 * bridge, traced through nftables; adds "probe" checks. */
void doctor_probe(vnetd *d, vnet_net *n, json_t *checks);
/* Add DOCKER-USER accept rules for every active network (or `only`) that
 * Docker's rules drop, whatever --coexist says (the admin asked); returns how
 * many networks got them. */
int doctor_fix_docker(vnetd *d, vnet_net *only);
