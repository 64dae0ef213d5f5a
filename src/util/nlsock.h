/* One netlink request/reply helper for every netlink family vnet speaks
 * (rtnetlink in netdev/, nf_tables queries in firewall/).
 *
 * An nlsock is a socket handle the caller owns (the daemon keeps its own in
 * the vnetd struct). It opens on first use and reopens after fork() (a child
 * must not share its parent's port id). Every request carries a new sequence
 * number and asks for an ack, so a reply is always matched to its request;
 * the kernel's extended ack (NETLINK_EXT_ACK) gives errors a human text.
 */
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* What the kernel said when a request failed. */
typedef struct nl_error {
    int code;      /* positive errno */
    char msg[256]; /* the kernel's extended-ack text, or "" */
} nl_error;

typedef struct nlsock nlsock;

/* A handle for netlink family `bus` (NETLINK_ROUTE, NETLINK_NETFILTER, ...);
 * nothing is opened yet. Never NULL. */
nlsock *nlsock_new(int bus);
void nlsock_free(nlsock *s);
/* Close the socket; the next request opens a new one (in the network
 * namespace the process is in then). */
void nlsock_reset(nlsock *s);
/* The port id the kernel gave the socket, 0 while it is not open. */
uint32_t nlsock_portid(const nlsock *s);
/* Send req (NLM_F_ACK is added unless `dump`) and read replies until the ack
 * or NLMSG_DONE, passing each data message to cb (may be NULL). Returns 0, or
 * -errno with ret_err filled (kernel errno and extended-ack text). After a
 * failure that leaves replies queued the socket is reopened on next use. */
int nlsock_talk(nlsock *s, struct nlmsghdr *req, bool dump, mnl_cb_t cb, void *data,
                nl_error *ret_err);
