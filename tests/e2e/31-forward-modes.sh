#!/usr/bin/env bash
# Scenario 31: networks without a bridge of their own start like libvirt's and leave nothing
# behind: <forward mode='bridge'> onto a host bridge (vnet info reports the bridge missing,
# not a bridge, down or up), macvtap pools (bridge, private, vepa, passthrough) of
# <interface> lists or a <pf> expanded to its VFs, hostdev pools of VFs or PCI addresses.
# SR-IOV comes from a sysfs tree this test builds (vnetd --sysfs-root). Bad pools are refused.
# Ports are asked for as libvirt's VM driver does (python3-libvirt's portCreateXML on vnetd's
# virtnetworkd socket) and deleted with virsh: the least-used device, passthrough and hostdev
# exclusive, libvirt's error when the pool is used up, a device freed by a delete, the use
# rebuilt from the saved ports when vnetd restarts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libvirt-lib.sh"
e2e_init
lv_require
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
    ip netns pids "$HOST_NS" | grep -vx "$VNETD_PID" | sort # vnetd restarts in pass_ports
    find "$ROOT/run" "$ROOT/var" -type f | sort
}

# plug NAME: a new port on NAME through libvirt's binding; PLUG gets its plug in short
# ("direct eth1 vepa", "bridge br0", "hostdev-pci 0000:03:10.0") or "ERROR CODE MESSAGE",
# PORT its UUID
plug() {
    lv_py plug "$(lv_sock)" "$1"
    PLUG=$(sed -n 's/^PLUG \(.*\) [0-9a-f-]*$/\1/p; s/^\(ERROR .*\)/\1/p' <<<"$E2E_PY_OUT")
    PORT=$(sed -n 's/^PLUG .* \([0-9a-f-]*\)$/\1/p' <<<"$E2E_PY_OUT")
}
# unplug NAME UUID: virsh net-port-delete
unplug() { expect_ok "virsh net-port-delete $1 $2" virsh_rw net-port-delete "$1" "$2"; }
# unplug_all NAME: delete every port virsh net-port-list shows
unplug_all() {
    local u
    for u in $(virsh_rw net-port-list "$1" | awk '{print $1}'); do unplug "$1" "$u"; done
}
EXCLUSIVE="requires exclusive access to interfaces, but none are available"
INTERNAL=$("$LV_PY" -c "import libvirt; print(libvirt.VIR_ERR_INTERNAL_ERROR)")

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
    unplug_all "$1"
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
plug lan
expect_eq "a port is refused while br0 is missing" \
    "ERROR 55 network 'lan' cannot take ports now: bridge 'br0' does not exist" "$PLUG"
expect_match "and the bridge name" "Bridge: +br0" "$E2E_OUT"
expect_eq "start created nothing (no bridge, addresses, rules, dnsmasq)" "$before" \
    "$(host_state | grep -v /status/lan.json)"
ip -n "$HOST_NS" link add br0 type veth peer name br0p
expect_match "a veth named br0: not a bridge" "Bridge state: +not a bridge" "$(vnet info lan)"
ip -n "$HOST_NS" link del br0
ip -n "$HOST_NS" link add br0 type bridge
expect_match "a bridge br0 that is down" "Bridge state: +down" "$(vnet info lan)"
plug lan
expect_eq "and while br0 is down" "ERROR 55 network 'lan' cannot take ports now: bridge 'br0' is down" "$PLUG"
ip -n "$HOST_NS" link set br0 up
expect_match "br0 up" "Bridge state: +up" "$(vnet info lan)"
plug lan
expect_eq "then a port gets a bridge plug on br0" "bridge br0" "$PLUG"
expect_eq "without a <bandwidth> it has no parameters, as with libvirt" "BW " "$(grep '^BW' <<<"$E2E_PY_OUT")"
e2e_run virsh_rw net-port-dumpxml lan "$PORT"
expect_match "virsh net-port-dumpxml shows it" "<plug type='bridge' bridge='br0'/>" "$E2E_OUT"
unplug lan "$PORT"
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
expect_match "and what it receives goes to an ifb shaped by htb" "Egress Redirect to device ifb-br0" \
    "$(ip netns exec "$HOST_NS" tc filter show dev br0 ingress)"
expect_match "(the ifb's class)" "class htb 1:1 root .*rate 4Mbit" "$(ip netns exec "$HOST_NS" tc class show dev ifb-br0)"
expect_ok "destroy it" vnet destroy lanbw
expect_no_match "br0 is no longer shaped" "htb" "$(ip netns exec "$HOST_NS" tc qdisc show dev br0)"
expect_false "nor redirected to an ifb" link_exists ifb-br0
expect_no_match "(br0's ingress is clear)" "mirred" "$(ip netns exec "$HOST_NS" tc filter show dev br0 ingress)"
expect_true "br0 stays" link_exists br0
# a portgroup's <bandwidth> travels with each port, for the hypervisor to apply on its device
f=$(net_xml_file lanpg "<network><name>lanpg</name><forward mode='bridge'/><bridge name='br0'/>
  <portgroup name='slow' default='yes'><bandwidth><inbound average='1000' peak='2000' burst='512'/>
  <outbound average='500'/></bandwidth></portgroup></network>")
expect_ok "define a bridge-mode network with a portgroup <bandwidth>" vnet define "$f"
expect_ok "start it" vnet start lanpg
plug lanpg
expect_eq "a port on it: a bridge plug" "bridge br0" "$PLUG"
expect_eq "its parameters are the portgroup's bandwidth, all 7 as libvirt's" \
    "BW inbound.average=1000 inbound.burst=512 inbound.floor=0 inbound.peak=2000 outbound.average=500 outbound.burst=0 outbound.peak=0" \
    "$(grep '^BW' <<<"$E2E_PY_OUT")"
unplug lanpg "$PORT"
expect_ok "destroy it" vnet destroy lanpg
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
    plug mv-vepa
    expect_eq "a first port gets a direct plug on eth1" "direct eth1 vepa" "$PLUG"
    plug mv-vepa
    local second=$PORT
    expect_eq "the next one the least-used device" "direct eth2 vepa" "$PLUG"
    plug mv-vepa
    expect_eq "then eth1 again" "direct eth1 vepa" "$PLUG"
    unplug mv-vepa "$second"
    plug mv-vepa
    expect_eq "a deleted port frees its device: eth2 is the least used" "direct eth2 vepa" "$PLUG"
    e2e_run vnet port-list mv-vepa --json
    expect_eq "vnet port-list --json shows the plugs" "direct eth1 vepa
direct eth1 vepa
direct eth2 vepa" "$("$LV_PY" -c 'import json, sys
for p in json.load(sys.stdin): print(p["plug"])' <<<"$E2E_OUT" | sort)"
}
pass_ports() {
    plug mv-pass
    expect_eq "passthrough: a port takes eth2" "direct eth2 passthrough" "$PLUG"
    local first=$PORT
    plug mv-pass
    expect_eq "passthrough is exclusive: libvirt's internal error" \
        "ERROR $INTERNAL internal error: network 'mv-pass' $EXCLUSIVE" "$PLUG"
    vnetd_stop TERM
    vnetd_start --sysfs-root "$SYS" || e2e_fatal "vnetd restarts"
    plug mv-pass
    expect_eq "after a vnetd restart eth2 is still taken (use rebuilt from the saved ports)" \
        "ERROR $INTERNAL internal error: network 'mv-pass' $EXCLUSIVE" "$PLUG"
    unplug mv-pass "$first"
    plug mv-pass
    expect_eq "deleting its port frees eth2" "direct eth2 passthrough" "$PLUG"
}
pf_ports() {
    plug mv-pf
    expect_eq "a <pf> pool hands out its VFs' interfaces" "direct eth3v0 passthrough" "$PLUG"
    plug mv-pf
    expect_eq "then the next VF" "direct eth3v1 passthrough" "$PLUG"
    plug mv-pf
    expect_match "and none when all are taken" "^ERROR $INTERNAL .*$EXCLUSIVE" "$PLUG"
}
hd_ports() {
    plug hd-pf
    expect_eq "hostdev: a port gets the first free VF" "hostdev-pci 0000:03:10.0" "$PLUG"
    e2e_run virsh_rw net-port-dumpxml hd-pf "$PORT"
    expect_match "its plug is hostdev-pci, managed" "<plug type='hostdev-pci' managed='yes'>" "$E2E_OUT"
    plug hd-pf
    expect_eq "then the next one" "hostdev-pci 0000:03:10.2" "$PLUG"
    plug hd-pf
    expect_match "and none when all are taken" "^ERROR $INTERNAL .*$EXCLUSIVE" "$PLUG"
}
bridge_ports() {
    plug mv-bridge
    expect_eq "a macvtap bridge pool: direct in mode bridge" "direct eth1 bridge" "$PLUG"
}
pool_net mv-vepa "<forward mode='vepa'><interface dev='eth1'/><interface dev='eth2'/></forward>" vepa_ports
pool_net mv-private "<forward mode='private'><interface dev='eth1'/></forward>"
pool_net mv-bridge "<forward mode='bridge'><interface dev='eth1'/><interface dev='eth2'/></forward>" bridge_ports
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
