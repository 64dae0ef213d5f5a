/* The REMOTE program's procedures that a network driver serves: number,
 * libvirt API name, argument layout, and whether the read-only socket may call
 * it. Numbers are libvirt's (remote_protocol.x, enum remote_procedure). */
#include "rpc/rpc.h"

static const rpc_proc_info procs[] = {
    {1, "virConnectOpen", RPC_ARGS_OPEN, true},
    {2, "virConnectClose", RPC_ARGS_NONE, true},
    {3, "virConnectGetType", RPC_ARGS_NONE, true},
    {4, "virConnectGetVersion", RPC_ARGS_NONE, true},
    {36, "virConnectListDefinedNetworks", RPC_ARGS_INT, true},
    {38, "virConnectListNetworks", RPC_ARGS_INT, true},
    {39, "virNetworkCreate", RPC_ARGS_NET, false},
    {40, "virNetworkCreateXML", RPC_ARGS_XML, false},
    {41, "virNetworkDefineXML", RPC_ARGS_XML, false},
    {42, "virNetworkDestroy", RPC_ARGS_NET, false},
    {43, "virNetworkGetXMLDesc", RPC_ARGS_NET_FLAGS, true},
    {44, "virNetworkGetAutostart", RPC_ARGS_NET, true},
    {45, "virNetworkGetBridgeName", RPC_ARGS_NET, true},
    {46, "virNetworkLookupByName", RPC_ARGS_NAME, true},
    {47, "virNetworkLookupByUUID", RPC_ARGS_UUID, true},
    {48, "virNetworkSetAutostart", RPC_ARGS_NET_INT, false},
    {49, "virNetworkUndefine", RPC_ARGS_NET, false},
    {50, "virConnectNumOfDefinedNetworks", RPC_ARGS_NONE, true},
    {52, "virConnectNumOfNetworks", RPC_ARGS_NONE, true},
    {59, "virConnectGetHostname", RPC_ARGS_NONE, true},
    {60, "virConnectSupportsFeature", RPC_ARGS_INT, true},
    {66, "virConnectAuthList", RPC_ARGS_NONE, true},
    {110, "virConnectGetURI", RPC_ARGS_NONE, true},
    {149, "virConnectIsSecure", RPC_ARGS_NONE, true},
    {152, "virNetworkIsActive", RPC_ARGS_NET, true},
    {153, "virNetworkIsPersistent", RPC_ARGS_NET, true},
    {157, "virConnectGetLibVersion", RPC_ARGS_NONE, true},
    {283, "virConnectListAllNetworks", RPC_ARGS_LIST, true},
    {291, "virNetworkUpdate", RPC_ARGS_UPDATE, false},
    {313, "virConnectNetworkEventRegisterAny", RPC_ARGS_EVENT_REG, true},
    {314, "virConnectNetworkEventDeregisterAny", RPC_ARGS_INT, true},
    {341, "virNetworkGetDHCPLeases", RPC_ARGS_LEASES, true},
    {360, "virConnectRegisterCloseCallback", RPC_ARGS_NONE, true},
    {361, "virConnectUnregisterCloseCallback", RPC_ARGS_NONE, true},
    {404, "virNetworkListAllPorts", RPC_ARGS_NET_LIST, true},
    {405, "virNetworkPortLookupByUUID", RPC_ARGS_NET_UUID, true},
    {406, "virNetworkPortCreateXML", RPC_ARGS_NET_XML, false},
    {407, "virNetworkPortGetParameters", RPC_ARGS_PORT_NPARAMS, true},
    {408, "virNetworkPortSetParameters", RPC_ARGS_PORT_PARAMS, false},
    {409, "virNetworkPortGetXMLDesc", RPC_ARGS_PORT_FLAGS, true},
    {410, "virNetworkPortDelete", RPC_ARGS_PORT_FLAGS, false},
    {419, "virConnectSetIdentity", RPC_ARGS_PARAMS, false}, /* connect:write */
    {432, "virNetworkDefineXMLFlags", RPC_ARGS_XML_FLAGS, false},
    {437, "virNetworkCreateXMLFlags", RPC_ARGS_XML_FLAGS, false},
    {444, "virNetworkSetMetadata", RPC_ARGS_MD_SET, false},
    {445, "virNetworkGetMetadata", RPC_ARGS_MD_GET, true},
};

const rpc_proc_info *rpc_proc_find(int32_t proc)
{
    for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
        if (procs[i].proc == proc)
            return &procs[i];
    return NULL;
}
