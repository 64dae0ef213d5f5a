#!/usr/bin/env bash
# Scenario 31: networks without a bridge of their own start like libvirt's and leave nothing
# behind: <forward mode='bridge'> onto a host bridge (vnet info reports the bridge missing,
# not a bridge, down or up), macvtap pools (bridge, private, vepa, passthrough) of
# <interface> lists or a <pf> expanded to its VFs, hostdev pools of VFs or PCI addresses.
# SR-IOV comes from a sysfs tree this test builds (vnetd --sysfs-root). Bad pools are refused.
. "$(dirname "$0")/lib.sh"
e2e_init
SYS=$E2E_TMP/sysfs
# vf PF N PCI [IFNAME]: SR-IOV virtual function N of PF at PCI (with a netdev IFNAME)
vf() {
    mkdir -p "$SYS/bus/pci/devices/$3" "$SYS/class/net/$1/device"
    [ -z "${4:-}" ] || mkdir -p "$SYS/bus/pci/devices/$3/net/$4"
    ln -s "../../../../bus/pci/devices/$3" "$SYS/class/net/$1/device/virtfn$2"
}
vf eth3 0 0000:03:10.0 eth3v0
vf eth3 1 0000:03:10.2 eth3v1
mkdir -p "$SYS/class/net/eth4/device" "$SYS/bus/pci/devices/0000:04:00.1"  # eth4: no VFs
e2e_start --sysfs-root "$SYS"
for i in 1 2; do ip -n "$HOST_NS" link add "eth$i" type veth peer name "peer$i"; done

# host_state: what a network could leave behind (links, addresses, rules, processes, files)
host_state() {
    ip -n "$HOST_NS" -o addr show | awk '{print $2, $4}' | sort
    ip -n "$HOST_NS" -o link show | awk -F': ' '{print $2}' | sort
    ip netns exec "$HOST_NS" nft -s list ruleset | md5sum # -s: no counter values
    ip netns pids "$HOST_NS" | sort
    find "$ROOT/run" "$ROOT/var" -type f | sort
}

# plug NAME [IN-USE...]: the plug a new port on NAME gets (a hypervisor's request, stood in
# for by plug-tool until ports have their RPC), given the devices ports already use
PLUG_TOOL=$VNET_BUILD_DIR/tests/e2e/plug-tool
plug() { ip netns exec "$HOST_NS" "$PLUG_TOOL" "$ROOT" "$@" 2>&1; }

# pool_net NAME FORWARD-XML [CHECKS]: define NAME, start it, run the function CHECKS while it
# is active, stop it; nothing may be left behind
pool_net() {
    local f before
    f=$(net_xml_file "$1" "<network><name>$1</name>$2</network>")
    expect_ok "define $1" vnet define "$f" || return 1
    before=$(host_state)
    expect_ok "start $1" vnet start "$1" || return 1
    expect_true "$1 is active" net_active "$1"
    expect_eq "$1's start created nothing on the host" "$before" "$(host_state | grep -v "/status/$1.json")"
    [ -z "${3:-}" ] || "$3"
    expect_ok "destroy $1" vnet destroy "$1"
    expect_eq "$1's stop left nothing behind" "$before" "$(host_state)"
}

# refused NAME FORWARD-XML MESSAGE: defined, but start refuses with MESSAGE, nothing changes
refused() {
    local f before
    f=$(net_xml_file "$1" "<network><name>$1</name>$2</network>")
    expect_ok "define $1" vnet define "$f" || return 1
    before=$(host_state)
    expect_fail "start $1 is refused" vnet start "$1"
    expect_match "saying why" "$3" "$E2E_OUT"
    expect_eq "and nothing changed" "$before" "$(host_state)"
}

# --- a host bridge (vnet does not own it)
f=$(net_xml_file lan "<network><name>lan</name><forward mode='bridge'/><bridge name='br0'/></network>")
expect_ok "define a bridge-mode network onto host bridge br0" vnet define "$f"
before=$(host_state)
expect_ok "it starts while br0 is missing, as libvirt's does" vnet start lan
e2e_run vnet info lan
expect_match "vnet info reports br0 missing" "Bridge state: +missing" "$E2E_OUT"
expect_eq "a port is refused while br0 is missing" \
    "plug-tool: network 'lan' cannot take ports now: bridge 'br0' does not exist" "$(plug lan)"
expect_match "and the bridge name" "Bridge: +br0" "$E2E_OUT"
expect_eq "start created nothing (no bridge, addresses, rules, dnsmasq)" "$before" \
    "$(host_state | grep -v /status/lan.json)"
ip -n "$HOST_NS" link add br0 type veth peer name br0p
expect_match "a veth named br0: not a bridge" "Bridge state: +not a bridge" "$(vnet info lan)"
ip -n "$HOST_NS" link del br0
ip -n "$HOST_NS" link add br0 type bridge
expect_match "a bridge br0 that is down" "Bridge state: +down" "$(vnet info lan)"
expect_eq "and while br0 is down" "plug-tool: network 'lan' cannot take ports now: bridge 'br0' is down" "$(plug lan)"
ip -n "$HOST_NS" link set br0 up
expect_match "br0 up" "Bridge state: +up" "$(vnet info lan)"
expect_eq "then a port gets a bridge plug on br0" "bridge br0" "$(plug lan)"
e2e_run vnet info lan --json
expect_match "--json carries bridge_state" '"bridge_state": "up"' "$E2E_OUT"
expect_ok "destroy lan" vnet destroy lan
expect_true "br0 is not ours: it stays" link_exists br0
expect_eq "nothing else left behind" "$before" "$(host_state | grep -vw br0)"

# like libvirt, a host bridge gets the network's <bandwidth> at start, and loses it at stop
f=$(net_xml_file lanbw "<network><name>lanbw</name><forward mode='bridge'/><bridge name='br0'/>
  <bandwidth><inbound average='1000'/><outbound average='500'/></bandwidth></network>")
expect_ok "define a bridge-mode network with <bandwidth>" vnet define "$f"
expect_ok "start it" vnet start lanbw
expect_match "br0 is shaped (htb)" "qdisc htb 1: root" "$(ip netns exec "$HOST_NS" tc qdisc show dev br0)"
expect_true "and policed (nftables)" ip netns exec "$HOST_NS" nft list table netdev vnet-br0
expect_ok "destroy it" vnet destroy lanbw
expect_no_match "br0 is no longer shaped" "htb" "$(ip netns exec "$HOST_NS" tc qdisc show dev br0)"
expect_false "nor policed" ip netns exec "$HOST_NS" nft list table netdev vnet-br0
expect_true "br0 stays" link_exists br0
f=$(net_xml_file lanmtm "<network><name>lanmtm</name><forward mode='bridge'/><bridge name='br0' macTableManager='libvirt'/></network>")
expect_ok "define a bridge-mode network with macTableManager='libvirt'" vnet define "$f"
e2e_run vnet start lanmtm
if [ "$E2E_RC" = 0 ]; then
    expect_match "br0 filters by VLAN" "vlan_filtering 1" "$(ip -n "$HOST_NS" -d link show br0)"
    expect_ok "destroy lanmtm" vnet destroy lanmtm
else
    expect_match "its start is refused with the kernel's reason" \
        "turning VLAN filtering on on bridge 'br0' \(what macTableManager='libvirt' needs\); the kernel refuses it: Operation not supported" \
        "$E2E_OUT"
fi
ip -n "$HOST_NS" link del br0

# --- macvtap pools
vepa_ports() {
    expect_eq "a first port gets a direct plug on eth1" "direct eth1 vepa" "$(plug mv-vepa)"
    expect_eq "the next one the least-used device" "direct eth2 vepa" "$(plug mv-vepa eth1)"
    expect_eq "then eth1 again" "direct eth1 vepa" "$(plug mv-vepa eth1 eth2)"
}
pass_ports() {
    expect_eq "passthrough: a port takes eth2" "direct eth2 passthrough" "$(plug mv-pass)"
    expect_eq "passthrough is exclusive" \
        "plug-tool: network 'mv-pass' requires exclusive access to interfaces, but none are available" \
        "$(plug mv-pass eth2)"
}
pf_ports() {
    expect_eq "a <pf> pool hands out its VFs' interfaces" "direct eth3v1 passthrough" "$(plug mv-pf eth3v0)"
}
hd_ports() {
    expect_eq "hostdev: a port gets the first free VF" "hostdev-pci 0000:03:10.0" "$(plug hd-pf)"
    expect_eq "then the next one" "hostdev-pci 0000:03:10.2" "$(plug hd-pf 0000:03:10.0)"
    expect_match "and none when all are taken" "requires exclusive access" "$(plug hd-pf 0000:03:10.0 0000:03:10.2)"
}
pool_net mv-vepa "<forward mode='vepa'><interface dev='eth1'/><interface dev='eth2'/></forward>" vepa_ports
pool_net mv-private "<forward mode='private'><interface dev='eth1'/></forward>"
pool_net mv-bridge "<forward mode='bridge'><interface dev='eth1'/><interface dev='eth2'/></forward>"
pool_net mv-pass "<forward mode='passthrough'><interface dev='eth2'/></forward>" pass_ports
pool_net mv-pf "<forward mode='passthrough'><pf dev='eth3'/></forward>" pf_ports
# --- hostdev pools
pool_net hd-pf "<forward mode='hostdev' managed='yes'><pf dev='eth3'/></forward>" hd_ports
pool_net hd-addr "<forward mode='hostdev'><address type='pci' domain='0' bus='4' slot='0' function='1'/></forward>"

# --- bad pools
refused bad-dev "<forward mode='vepa'><interface dev='eth1'/><interface dev='nosuch0'/></forward>" \
    "interface 'nosuch0' of the pool does not exist"
refused bad-novf "<forward mode='hostdev'><pf dev='eth4'/></forward>" "eth4 has no SR-IOV virtual functions"
refused bad-novf2 "<forward mode='private'><pf dev='eth4'/></forward>" "eth4 has no SR-IOV virtual functions"
refused bad-nopf "<forward mode='private'><pf dev='eth9'/></forward>" "interface 'eth9' does not exist"
refused bad-pci "<forward mode='hostdev'><address type='pci' domain='0' bus='4' slot='0' function='7'/></forward>" \
    "PCI device 0000:04:00.7 of the pool does not exist"
e2e_done
