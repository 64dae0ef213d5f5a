#!/usr/bin/env bash
# Scenario 10: port forwards (issue #4). A NAT network with IPv4 and IPv6 subnets, two guests
# with static addresses, forwards from its XML definition and from `vnet forward-add`:
#   - TCP and UDP, IPv4 and IPv6, from the upstream namespace to the host's uplink address,
#     from the host itself (its own address; 127.0.0.1 when asked for), hairpin from a second
#     guest through the host's address, and from a guest to its own forward (with and without
#     br_netfilter: hairpin mode on the ports of networks with forwards); a port range; a
#     forward on one host address only;
#   - forward-list with counters, --json;
#   - refusals (each with its message, definition and ruleset unchanged): a port already
#     forwarded by this or another network, a port a local process listens on, a guest
#     address outside the network;
#   - removal stops traffic, a running UDP flow included (its conntrack entry is deleted);
#   - persistence across vnetd SIGKILL + restart and net destroy + start; a forward added to
#     an inactive network is saved and in force once it starts.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

UP6_HOST=2001:db8:1::1 # IPv6 on the uplink (documentation prefix): host ::1, upstream ::2
UP6_UP=2001:db8:1::2
UP6_HOST_X='\[2001:0db8:0001:0000:0000:0000:0000:0001\]' # as socat shows a peer: expanded
UP6_UP_X='\[2001:0db8:0001:0000:0000:0000:0000:0002\]'
NET6_GW_X='\[fd00:0160:0000:0000:0000:0000:0000:0001\]'
UPLINK_HOST2=$UPLINK_NET.3 # a second host address on the uplink, for the per-address forward
NET=192.168.160
NET6=fd00:160:: # guests ::10 and ::11
BR=vt-fwd0
G1=$(guest_ns g1)
G2=$(guest_ns g2)

ip -n "$HOST_NS" addr add "$UP6_HOST/64" dev uplink nodad &&
    ip -n "$HOST_NS" addr add "$UPLINK_HOST2/24" dev uplink &&
    ip -n "$UP_NS" addr add "$UP6_UP/64" dev eth0 nodad ||
    e2e_fatal "setup: IPv6 and a second IPv4 address on the uplink"

# ------------------------------------------------------------------ helpers (this script's)

# srv NS SOCAT-LISTEN-SPEC NAME: a server answering "NAME PEERADDR" to each connection/datagram.
srv() {
    e2e_bg ip netns exec "$1" socat "$2" "SYSTEM:echo $3 \$SOCAT_PEERADDR"
}
# usrv NS SOCAT-RECVFROM-SPEC NAME: the same for UDP; it reads the datagram first (else socat
# may hit EPIPE writing it to an already finished shell and drop the reply)
usrv() {
    e2e_bg ip netns exec "$1" socat "$2" "SYSTEM:read -r l; echo $3 \$SOCAT_PEERADDR"
}
listening() { # NS t|u PORT: a socket listens (tcp) or is bound (udp) on PORT
    ip netns exec "$1" ss -Hl"$2"n "sport = :$3" | grep -q .
}
tcp4() { timeout 10 ip netns exec "$1" socat -T 3 -u "TCP4:$2:$3,connect-timeout=3" - 2>/dev/null; }
tcp6() { timeout 10 ip netns exec "$1" socat -T 3 -u "TCP6:[$2]:$3,connect-timeout=3" - 2>/dev/null; }
# udp_ask NS ADDR PORT: one datagram, print the first reply (3 s bound; python3 is a test dep)
udp_ask() {
    timeout 10 ip netns exec "$1" python3 -c '
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"ping\n", (addr, port))
try:
    print(s.recv(512).decode().strip())
except socket.timeout:
    pass' "$2" "$3" 2>/dev/null
}
udp4() { udp_ask "$@"; }
udp6() { udp_ask "$@"; }
# udp_send NS ADDR PORT SRCPORT LINE: one datagram from a fixed source port (same flow each time)
udp_send() { echo "$5" | timeout 5 ip netns exec "$1" socat -u - "UDP4:$2:$3,sourceport=$4,reuseaddr"; }
# pf_elements: the forward maps' elements (counters stripped), to compare the ruleset
pf_elements() {
    local m
    for m in pf4_any pf4_addr pf6_any pf6_addr; do
        ip netns exec "$HOST_NS" nft list map inet "vnet-$BR" "$m" 2>&1 |
            sed -e 's/ counter packets [0-9]* bytes [0-9]*//g'
    done
}
ct_count() { # PROTO DPORT: conntrack entries in the host namespace with this original dport
    ip netns exec "$HOST_NS" conntrack -L -p "$1" --orig-port-dst "$2" 2>/dev/null | grep -c "dport=$2"
}
# expect_refused DESC REGEX VNET-ARGS...: exit 1, message matches, definition+ruleset unchanged
expect_refused() {
    local desc=$1 re=$2 before_xml before_fw
    shift 2
    before_xml=$(vnet dumpxml fwd --inactive)
    before_fw=$(pf_elements)
    expect_rc "$desc: refused" 1 vnet "$@"
    expect_match "$desc: message" "$re" "$E2E_OUT"
    expect_eq "$desc: saved definition unchanged" "$before_xml" "$(vnet dumpxml fwd --inactive)"
    expect_eq "$desc: forward maps unchanged" "$before_fw" "$(pf_elements)"
}

# ------------------------------------------------------------------ definition

XML=$(
    cat <<EOF
<network xmlns:vnet='urn:vnet:network:1'>
  <name>fwd</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off'/>
  <ip address='$NET.1' netmask='255.255.255.0'/>
  <ip family='ipv6' address='${NET6}1' prefix='64'/>
  <vnet:portForward proto='tcp' guest='$NET.10'>
    <vnet:range start='8080' to='80'/>
  </vnet:portForward>
  <vnet:portForward proto='tcp' guest='${NET6}10'>
    <vnet:range start='8086' to='80'/>
  </vnet:portForward>
  <vnet:portForward proto='tcp' guest='$NET.11'>
    <vnet:range start='9100' to='7000'/>
    <vnet:range start='9200' to='7001'/>
  </vnet:portForward>
</network>
EOF
)
f=$(net_xml_file fwd "$XML")
expect_ok "validate --format accepts the forwards" vnet validate --format "$f"
expect_match "validate --format keeps the forward" \
    "<vnet:portForward proto='tcp' guest='$NET.10'>" "$E2E_OUT"
expect_match "validate --format keeps the range" "<vnet:range start='8080' to='80'/>" "$E2E_OUT"
expect_ok "define fwd" vnet define "$f"
expect_ok "start fwd" vnet start fwd
e2e_run vnet dumpxml fwd
expect_match "dumpxml declares vnet's namespace on <network>" \
    "^<network[^>]* xmlns:vnet='urn:vnet:network:1'" "$E2E_OUT"
expect_match "dumpxml shows the IPv6 forward" "<vnet:portForward proto='tcp' guest='${NET6}10'>" "$E2E_OUT"
expect_eq "the rest of dumpxml is plain libvirt XML" "" \
    "$(grep -E '<[a-z]+:' <<<"$E2E_OUT" | grep -Ev '</?vnet:(portForward|range)')"
e2e_run vnet validate --format <(vnet dumpxml fwd --inactive)
expect_eq "dumpxml --inactive round-trips through validate --format" \
    "$(vnet dumpxml fwd --inactive)" "$E2E_OUT"

# ------------------------------------------------------------------ guests and servers

for g in 1 2; do
    guest_add "g$g" "$BR" || e2e_fatal "guest g$g plugged into $BR"
    ns=$(guest_ns "g$g")
    ip -n "$ns" addr add "$NET.1$((g - 1))/24" dev eth0
    ip -n "$ns" addr add "${NET6}1$((g - 1))/64" dev eth0 nodad
    ip -n "$ns" route add default via "$NET.1"
    ip -n "$ns" -6 route add default via "${NET6}1"
done
srv "$G1" TCP4-LISTEN:80,fork,reuseaddr g1
srv "$G1" TCP6-LISTEN:80,fork,reuseaddr,ipv6only=1 g1v6
usrv "$G1" UDP4-RECVFROM:5001,fork g1udp
usrv "$G1" UDP6-RECVFROM:5001,fork,ipv6only=1 g1udp6
for p in 7000 7001 7002; do srv "$G2" "TCP4-LISTEN:$p,fork,reuseaddr" "g2-$p"; done
srv "$G2" TCP4-LISTEN:22,fork,reuseaddr g2ssh
e2e_bg ip netns exec "$G1" socat -u UDP4-RECV:5000 "OPEN:$E2E_TMP/udp5000.log,creat,append"
e2e_bg ip netns exec "$G1" socat -u UDP4-RECV:5002 "OPEN:$E2E_TMP/udp5002.log,creat,append"
ok=1
for spec in "$G1 t 80" "$G1 u 5001" "$G2 t 7000" "$G2 t 7001" "$G2 t 7002" "$G2 t 22" "$G1 u 5000" "$G1 u 5002"; do
    # shellcheck disable=SC2086
    wait_for 10 listening $spec || ok=0
done
[ $ok = 1 ] || e2e_fatal "the guests' servers listen"
wait_for 10 sh -c "ip -n $G1 -6 route get $UP6_UP | grep -q via" || e2e_fatal "guest IPv6 routes"
# the guests answer over IPv6 (neighbour discovery settled after plugging them in)
g6_ready() { ip netns exec "$HOST_NS" ping -6 -c1 -W1 "${NET6}10" && ip netns exec "$HOST_NS" ping -6 -c1 -W1 "${NET6}11"; }
wait_for 15 g6_ready || e2e_fatal "the guests answer over IPv6"

# ------------------------------------------------------------------ the XML forwards

expect_eq "upstream -> uplink:8080 reaches g1 (TCP, IPv4)" "g1 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 8080)"
expect_match "upstream -> [uplink]:8086 reaches g1 (TCP, IPv6)" "^g1v6 $UP6_UP_X$" \
    "$(tcp6 "$UP_NS" $UP6_HOST 8086)"
expect_eq "host -> its own uplink address:8080 reaches g1" "g1 $UPLINK_HOST" \
    "$(tcp4 "$HOST_NS" $UPLINK_HOST 8080)"
expect_match "host -> its own [uplink]:8086 reaches g1 (IPv6)" "^g1v6 $UP6_HOST_X$" \
    "$(tcp6 "$HOST_NS" $UP6_HOST 8086)"
expect_eq "host -> 127.0.0.1:8080 is not forwarded (no address given)" "" "$(tcp4 "$HOST_NS" 127.0.0.1 8080)"
expect_eq "hairpin: g2 -> uplink:8080 reaches g1 (masqueraded to the bridge)" "g1 $NET.1" \
    "$(tcp4 "$G2" $UPLINK_HOST 8080)"
expect_match "hairpin IPv6: g2 -> [uplink]:8086 reaches g1" "^g1v6 $NET6_GW_X$" \
    "$(tcp6 "$G2" $UP6_HOST 8086)"
expect_eq "hairpin to its own forward: g1 -> uplink:8080 reaches g1 itself" "g1 $NET.1" \
    "$(tcp4 "$G1" $UPLINK_HOST 8080)"
expect_match "hairpin to its own forward, IPv6: g1 -> [uplink]:8086 reaches g1" "^g1v6 $NET6_GW_X$" \
    "$(tcp6 "$G1" $UP6_HOST 8086)"
expect_eq "hairpin to its own forward through the network's gateway: g1 -> $NET.1:8080" "g1 $NET.1" \
    "$(tcp4 "$G1" $NET.1 8080)"
# The kernel bridges (br_netfilter) or routes (without it) the DNATed packet back to g1's
# own port; bridged, the port needs hairpin mode, which vnetd sets on ports of networks with
# forwards (only while br_netfilter is active: hairpin also echoes a guest's broadcasts).
hairpin_of() { bridge -n "$HOST_NS" -d link show dev "$1" | grep -q "hairpin on"; }
CONNS_8080=6
if [ "$(ip netns exec "$HOST_NS" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ]; then
    expect_true "br_netfilter is active here: g1's port is in hairpin mode" hairpin_of ve-g1
    guest_add gd virbr0 || e2e_fatal "guest gd plugged into the default network"
    expect_true "the default network has no forwards: its ports stay out of hairpin mode" \
        sh -c "sleep 0.5; ! bridge -n '$HOST_NS' -d link show dev ve-gd | grep -q 'hairpin on'"
    # without br_netfilter (this namespace's knobs; the packet is routed): it works too
    ip netns exec "$HOST_NS" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0
    expect_eq "without br_netfilter: g1 -> uplink:8080 reaches g1 itself" "g1 $NET.1" \
        "$(tcp4 "$G1" $UPLINK_HOST 8080)"
    CONNS_8080=7
    ip netns exec "$HOST_NS" sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
fi
expect_eq "upstream cannot reach g1 directly" "" "$(tcp4 "$UP_NS" $NET.10 80)"
expect_eq "two ranges in one forward: upstream -> uplink:9100 reaches g2:7000" "g2-7000 $UPLINK_UP" \
    "$(tcp4 "$UP_NS" $UPLINK_HOST 9100)"

# ------------------------------------------------------------------ forward-add, live

expect_ok "forward-add udp 5001 (IPv4)" vnet forward-add fwd --proto udp --port 5001 --to $NET.10
expect_eq "forward-add prints what it did" "Forward udp 5001 -> $NET.10 added to network fwd" "$E2E_OUT"
expect_ok "forward-add udp 5006 (IPv6)" vnet forward-add fwd --proto udp --port 5006 --to "[${NET6}10]:5001"
expect_ok "forward-add a range tcp 9000-9002 -> g2:7000-7002" \
    vnet forward-add fwd --proto tcp --port 9000-9002 --to $NET.11:7000-7002
expect_ok "forward-add tcp 2222 on $UPLINK_HOST only" \
    vnet forward-add fwd --proto tcp --port 2222 --to $NET.11:22 --address $UPLINK_HOST
expect_ok "forward-add tcp 6000 on 127.0.0.1" \
    vnet forward-add fwd --proto tcp --port 6000 --to $NET.11:7000 --address 127.0.0.1
expect_ok "forward-add udp 5000 (for the flow test)" vnet forward-add fwd --proto udp --port 5000 --to $NET.10
# a UDP stream already knocking on a port before the forward exists gets forwarded at once
udp_send "$UP_NS" $UPLINK_HOST 5002 40002 early
expect_true "before the forward, a UDP stream to uplink:5002 has a (non-NAT) conntrack entry" \
    wait_for 3 sh -c "[ \"\$(ip netns exec $HOST_NS conntrack -L -p udp --orig-port-dst 5002 2>/dev/null | grep -c dport=5002)\" = 1 ]"
expect_ok "forward-add udp 5002" vnet forward-add fwd --proto udp --port 5002 --to $NET.10
udp_send "$UP_NS" $UPLINK_HOST 5002 40002 late
expect_true "the same stream reaches g1 right after forward-add" wait_for 3 grep -qx late "$E2E_TMP/udp5002.log"
expect_eq "and only from then on" "late" "$(cat "$E2E_TMP/udp5002.log")"
# saved durably as a journal line beside the definition (folded into it at load: 26-journal.sh)
expect_match "added forwards are saved (the definition's forward journal)" \
    "^\+ tcp - 9000 9002 7000 $NET\.11\$" "$(cat "$ROOT/etc/vnet/networks/fwd.journal")"
expect_match "and in the saved definition vnet shows" "start='9000' end='9002' to='7000'" \
    "$(vnet dumpxml --inactive fwd)"

expect_eq "upstream -> uplink:5001 reaches g1 (UDP, IPv4)" "g1udp $UPLINK_UP" "$(udp4 "$UP_NS" $UPLINK_HOST 5001)"
expect_match "upstream -> [uplink]:5006 reaches g1 (UDP, IPv6)" "^g1udp6 $UP6_UP_X$" \
    "$(udp6 "$UP_NS" $UP6_HOST 5006)"
expect_eq "host -> its own uplink address:5001 (UDP)" "g1udp $UPLINK_HOST" "$(udp4 "$HOST_NS" $UPLINK_HOST 5001)"
expect_eq "hairpin UDP: g2 -> uplink:5001 reaches g1" "g1udp $NET.1" "$(udp4 "$G2" $UPLINK_HOST 5001)"
for p in 0 1 2; do
    expect_eq "range: upstream -> uplink:900$p reaches g2:700$p" "g2-700$p $UPLINK_UP" \
        "$(tcp4 "$UP_NS" $UPLINK_HOST 900$p)"
done
expect_eq "per-address forward: $UPLINK_HOST:2222 reaches g2:22" "g2ssh $UPLINK_UP" \
    "$(tcp4 "$UP_NS" $UPLINK_HOST 2222)"
expect_eq "per-address forward: $UPLINK_HOST2:2222 is not forwarded" "" "$(tcp4 "$UP_NS" $UPLINK_HOST2 2222)"
expect_eq "any-address forward: $UPLINK_HOST2:8080 reaches g1" "g1 $UPLINK_UP" \
    "$(tcp4 "$UP_NS" $UPLINK_HOST2 8080)"
expect_eq "host -> 127.0.0.1:6000 reaches g2:7000 (route_localnet)" "g2-7000 $NET.1" \
    "$(tcp4 "$HOST_NS" 127.0.0.1 6000)"
expect_eq "upstream cannot use the loopback forward" "" "$(tcp4 "$UP_NS" $UPLINK_HOST 6000)"

# ------------------------------------------------------------------ forward-list

e2e_run vnet forward-list fwd
expect_match "forward-list has a header" "^ Proto +Host address +Host port\(s\) +Guest address +Guest port\(s\) +Packets +Bytes" "$E2E_OUT"
expect_match "forward-list shows the range" " tcp +\\* +9000-9002 +$NET.11 +7000-7002 " "$E2E_OUT"
expect_match "forward-list shows counters" " tcp +\\* +8080 +$NET.10 +80 +[1-9][0-9]* +[1-9][0-9]*" "$E2E_OUT"
list=$E2E_OUT
e2e_run vnet forward-list fwd --json
expect_true "forward-list --json is JSON" json_query . <<<"$E2E_OUT"
expect_eq "forward-list --json lists all 11 forwards" 11 "$(grep -c '"proto"' <<<"$E2E_OUT")"
# 6 or 7 TCP connections to 8080 so far (upstream, host, hairpin, g1 to its own forward
# twice (three times when br_netfilter was on and then off), second address): every packet
# of them counted, both directions (at least SYN, SYN-ACK, ACK, FIN each way: 6 each)
expect_eq "forward-list --json: 8080 had $CONNS_8080 connections, all their packets counted" \
    "$CONNS_8080 ok ok" "$(python3 -c '
import json, sys
n = int(sys.argv[1])
f = [x for x in json.load(sys.stdin) if x["port"] == 8080][0]
print(f["connections"], "ok" if f["packets"] >= 6 * n else f["packets"], "ok" if f["bytes"] >= 6 * n * 52 else f["bytes"])' "$CONNS_8080" <<<"$E2E_OUT")"
expect_eq "forward-list --json counts per range: 9100 had 1 connection, 9200 none" "1 0" \
    "$(python3 -c '
import json, sys
f = {x["port"]: x["connections"] for x in json.load(sys.stdin)}
print(f[9100], f[9200])' <<<"$E2E_OUT")"
e2e_diag "$list"

# ------------------------------------------------------------------ refusals

expect_refused "same port again in this network" \
    "^error: host port tcp/8080 is already forwarded by network 'fwd' to $NET.10:80$" \
    forward-add fwd --proto tcp --port 8080 --to $NET.11
expect_refused "a range overlapping a forward" "^error: host port tcp/9000 is already forwarded by network 'fwd' to $NET.11:7000$" \
    forward-add fwd --proto tcp --port 8990-9002 --to $NET.11:6990-7002
expect_refused "one address when any address is forwarded" \
    "^error: host port tcp/8080 on $UPLINK_HOST is already forwarded by network 'fwd'" \
    forward-add fwd --proto tcp --port 8080 --to $NET.11 --address $UPLINK_HOST
expect_refused "a guest address outside the network" \
    "^error: .*guest address 10\.9\.9\.9 is not in any subnet of the network \($NET\.0/24, fd00:160::/64\)$" \
    forward-add fwd --proto tcp --port 8111 --to 10.9.9.9
expect_refused "an IPv6 guest address outside the network" "^error: .*fd00:999::10.*not in any subnet" \
    forward-add fwd --proto tcp --port 8111 --to "[fd00:999::10]:80"
tcp_server "$HOST_NS" 8443 || e2e_fatal "a local process in the host namespace listens on 8443"
expect_refused "a port a local process listens on" \
    "^error: host port tcp/8443 is already in use by a local process \(listening on 0\.0\.0\.0:8443\)$" \
    forward-add fwd --proto tcp --port 8443 --to $NET.10
expect_refused "a range holding a port a local process listens on" \
    "^error: host ports tcp/8440-8450 are already in use by a local process \(listening on 0\.0\.0\.0:8443\)$" \
    forward-add fwd --proto tcp --port 8440-8450 --to $NET.10:8440-8450
expect_refused "UDP 53: the network's own dnsmasq holds it" \
    "^error: host port udp/53 is already in use by a local process \(bound to $NET\.1:53\)$" \
    forward-add fwd --proto udp --port 53 --to $NET.10
expect_refused "forward-del of a forward that does not exist" "^error: network 'fwd' has no tcp port forward from port 8111$" \
    forward-del fwd --proto tcp --port 8111

# another network (inactive: its definition claims the port all the same)
f=$(net_xml_file fwd2 "$(net_xml fwd2 vt-fwd1 192.168.161 nat | sed "s/stp='on'/stp='off'/")")
expect_ok "define fwd2" vnet define "$f"
# IPv4 and IPv6 forwards live in separate maps: a port may be forwarded once per family
expect_ok "an IPv6 forward on a port an IPv4 forward has" \
    vnet forward-add fwd --proto tcp --port 8080 --to "[${NET6}10]:80"
expect_match "upstream -> [uplink]:8080 reaches g1 over IPv6" "^g1v6 $UP6_UP_X$" \
    "$(tcp6 "$UP_NS" $UP6_HOST 8080)"
expect_eq "while uplink:8080 still reaches g1 over IPv4" "g1 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 8080)"
expect_refused "a port forwarded by another network" \
    "^error: host port tcp/8080 is already forwarded by network 'fwd' to $NET.10:80$" \
    forward-add fwd2 --proto tcp --port 8080 --to 192.168.161.10
expect_refused "one address of a port another network forwards on any" \
    "^error: host port tcp/8080 on $UPLINK_HOST is already forwarded by network 'fwd' to $NET.10:80$" \
    forward-add fwd2 --proto tcp --port 8080 --to 192.168.161.10 --address $UPLINK_HOST
f=$(net_xml_file fwd3 "$(net_xml fwd3 vt-fwd2 192.168.162 nat \
    "<vnet:portForward proto='tcp' guest='192.168.162.10'><vnet:range start='8080'/></vnet:portForward>" |
    sed "s/^<network>/<network xmlns:vnet='urn:vnet:network:1'>/")")
expect_rc "define of a network forwarding a port another network forwards: refused" 1 vnet define "$f"
expect_match "define: message" \
    "^error: network 'fwd3': host port tcp/8080 is already forwarded by network 'fwd' to $NET.10:80$" "$E2E_OUT"
expect_rc "define: nothing defined" 1 vnet info fwd3
expect_ok "forward-add to the inactive fwd2 is saved" vnet forward-add fwd2 --proto tcp --port 8081 --to 192.168.161.10:80
expect_match "fwd2's definition holds it" "<vnet:portForward proto='tcp' guest='192.168.161.10'>" \
    "$(vnet dumpxml fwd2 --inactive)"
expect_refused "a port the inactive fwd2 forwards" \
    "^error: host port tcp/8081 is already forwarded by network 'fwd2' to 192.168.161.10:80$" \
    forward-add fwd --proto tcp --port 8081 --to $NET.10
expect_ok "start fwd2" vnet start fwd2
guest_add g3 vt-fwd1 || e2e_fatal "guest g3 plugged into vt-fwd1"
ip -n "$(guest_ns g3)" addr add 192.168.161.10/24 dev eth0
ip -n "$(guest_ns g3)" route add default via 192.168.161.1
srv "$(guest_ns g3)" TCP4-LISTEN:80,fork,reuseaddr g3
wait_for 10 listening "$(guest_ns g3)" t 80 || e2e_fatal "g3's server listens"
expect_eq "the forward saved while fwd2 was inactive is in force once it starts" "g3 $UPLINK_UP" \
    "$(tcp4 "$UP_NS" $UPLINK_HOST 8081)"

# ------------------------------------------------------------------ persistence

log_mark=$(wc -l <"$VNETD_LOG")
vnetd_stop KILL
expect_eq "with vnetd killed, forwards keep working" "g1 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 8080)"
vnetd_start || e2e_fatal "vnetd starts again after SIGKILL"
e2e_pass "vnetd starts again after SIGKILL"
e2e_run vnet forward-list fwd --json
expect_eq "after the restart forward-list still lists all 12" 12 "$(grep -c '"proto"' <<<"$E2E_OUT")"
# the digest recorded at start (computed from the compiled table, not read back)
# is the kernel's: the tables are adopted as they are, not re-installed
expect_false "after the restart no table is re-installed (recorded digests match the kernel's)" \
    grep -q "firewall table was" <(tail -n +$((log_mark + 1)) "$VNETD_LOG")
expect_eq "after the restart uplink:8080 reaches g1" "g1 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 8080)"
expect_eq "after the restart the range works" "g2-7001 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 9001)"
expect_ok "forward-add after the restart" vnet forward-add fwd --proto tcp --port 8082 --to $NET.10:80
expect_eq "and it works" "g1 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 8082)"

vnetd_stop KILL
ip netns exec "$HOST_NS" nft flush ruleset
expect_eq "with the ruleset flushed, nothing is forwarded" "" "$(tcp4 "$UP_NS" $UPLINK_HOST 8082)"
vnetd_start || e2e_fatal "vnetd starts with the ruleset flushed"
e2e_pass "vnetd starts with the ruleset flushed"
expect_true "the rebuilt table has the forwards" \
    sh -c "ip netns exec $HOST_NS nft list map inet vnet-$BR pf4_any | grep -q 8082"
expect_eq "after the rebuild uplink:8082 reaches g1" "g1 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 8082)"
expect_eq "after the rebuild the range works" "g2-7002 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 9002)"

expect_ok "destroy fwd" vnet destroy fwd
expect_eq "no forward while fwd is inactive" "" "$(tcp4 "$UP_NS" $UPLINK_HOST 8080)"
expect_ok "start fwd again" vnet start fwd
for g in 1 2; do # the guests' ports went with the old bridge
    ip -n "$HOST_NS" link set "ve-g$g" master "$BR" && ip -n "$HOST_NS" link set "ve-g$g" up
done
wait_for 15 g6_ready || e2e_fail "the guests answer over IPv6 again"
expect_eq "after destroy + start uplink:8080 reaches g1" "g1 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 8080)"
expect_eq "after destroy + start a live-added forward works (8082)" "g1 $UPLINK_UP" \
    "$(tcp4 "$UP_NS" $UPLINK_HOST 8082)"
expect_eq "after destroy + start the loopback forward works" "g2-7000 $NET.1" \
    "$(tcp4 "$HOST_NS" 127.0.0.1 6000)"
expect_eq "after destroy + start UDP works" "g1udp $UPLINK_UP" "$(udp4 "$UP_NS" $UPLINK_HOST 5001)"

# ------------------------------------------------------------------ removal

expect_ok "forward-del tcp 8080" vnet forward-del fwd --proto tcp --port 8080
expect_eq "forward-del prints what it did" "Forward tcp 8080 removed from network fwd" "$E2E_OUT"
expect_eq "after forward-del uplink:8080 is not forwarded" "" "$(tcp4 "$UP_NS" $UPLINK_HOST 8080)"
expect_eq "forward-del removed the IPv6 forward on 8080 too" "" "$(tcp6 "$UP_NS" $UP6_HOST 8080)"
expect_match "the IPv6 forward on 8086 still works" "^g1v6 " "$(tcp6 "$UP_NS" $UP6_HOST 8086)"
expect_ok "forward-del tcp 8086 (IPv6)" vnet forward-del fwd --proto tcp --port 8086
expect_eq "after forward-del [uplink]:8086 is not forwarded" "" "$(tcp6 "$UP_NS" $UP6_HOST 8086)"
expect_no_match "the definition no longer has it" "start='8080'" "$(vnet dumpxml fwd --inactive)"
expect_ok "forward-del the range by its first port" vnet forward-del fwd --proto tcp --port 9000
expect_ok "forward-del one range of a two-range forward" vnet forward-del fwd --proto tcp --port 9200
expect_eq "after forward-del uplink:9200 is not forwarded" "" "$(tcp4 "$UP_NS" $UPLINK_HOST 9200)"
expect_eq "the forward's other range still works" "g2-7000 $UPLINK_UP" "$(tcp4 "$UP_NS" $UPLINK_HOST 9100)"
expect_eq "after forward-del uplink:9001 is not forwarded" "" "$(tcp4 "$UP_NS" $UPLINK_HOST 9001)"
expect_ok "forward-del the per-address forward" vnet forward-del fwd --proto tcp --port 2222 --address $UPLINK_HOST
expect_eq "after forward-del $UPLINK_HOST:2222 is not forwarded" "" "$(tcp4 "$UP_NS" $UPLINK_HOST 2222)"
expect_ok "forward-del the loopback forward" vnet forward-del fwd --proto tcp --port 6000 --address 127.0.0.1
expect_eq "after forward-del 127.0.0.1:6000 is not forwarded" "" "$(tcp4 "$HOST_NS" 127.0.0.1 6000)"

# a running UDP flow (same source port every time) stops when its forward goes
udp_send "$UP_NS" $UPLINK_HOST 5000 40000 one
expect_true "a UDP flow to uplink:5000 reaches g1" wait_for 5 grep -qx one "$E2E_TMP/udp5000.log"
expect_eq "the flow has a conntrack entry" 1 "$(ct_count udp 5000)"
expect_ok "forward-del udp 5000" vnet forward-del fwd --proto udp --port 5000
expect_eq "its conntrack entry is gone" 0 "$(ct_count udp 5000)"
udp_send "$UP_NS" $UPLINK_HOST 5000 40000 two
udp_send "$UP_NS" $UPLINK_HOST 5000 40000 three
expect_false "the same flow no longer reaches g1" wait_for 2 grep -qx three "$E2E_TMP/udp5000.log"
expect_eq "forward-list after the removals" "5001 5002 5006 8081 8082 9100" \
    "$( (vnet forward-list fwd --json; vnet forward-list fwd2 --json) | sed -n 's/.*"port": \([0-9]*\).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')"

# the last forward of network fwd removed: its ports leave the hairpin mode vnetd set
hairpin_before=off
hairpin_of ve-g1 && hairpin_before=on
while read -r proto port addr; do
    vnet forward-del fwd --proto "$proto" --port "$port" ${addr:+--address "$addr"} >/dev/null
done < <(vnet forward-list fwd --json | jq -r '.[] | "\(.proto) \(.port) \(.address // "")"')
expect_eq "network fwd has no forwards left" 0 "$(vnet forward-list fwd --json | jq length)"
if [ "$(ip netns exec "$HOST_NS" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ]; then
    expect_eq "br_netfilter is active: g1's port was in hairpin mode while fwd had forwards" on "$hairpin_before"
fi
expect_false "no forwards left: g1's port is out of hairpin mode" hairpin_of ve-g1
expect_false "no forwards left: g2's port is out of hairpin mode" hairpin_of ve-g2
e2e_done
