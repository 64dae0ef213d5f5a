/* Every link of the namespace, for callers outside netdev (port interfaces). */
#include "netdev/netdev.h"
#include "netdev/nl.h"

int netdev_link_list(netdev_link **ret, size_t *ret_n, verr *err)
{
    return nl_link_list(ret, ret_n, err);
}
