/* XDR encoders of the libvirt procedures' replies, from the JSON results of
 * rpc_dispatch.c's handlers: {"v": scalar}, {"name","uuid"} for a network,
 * {"ports"|"leases": [...], "ret": count}, {"params": [...], "nparams"}. */
#pragma once

#include "rpc/rpc.h"

bool enc_int(XDR *x, const void *arg);
bool enc_uhyper(XDR *x, const void *arg);
bool enc_string(XDR *x, const void *arg);
bool enc_network(XDR *x, const void *arg);
bool enc_int_list(XDR *x, const void *arg);
bool enc_names(XDR *x, const void *arg);
bool enc_port(XDR *x, const void *arg);
bool enc_port_list(XDR *x, const void *arg);
bool enc_leases(XDR *x, const void *arg);
bool enc_params(XDR *x, const void *arg);
