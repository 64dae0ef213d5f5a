#!/bin/bash
# Live datapath test for the firewall plan: traffic through NAT, port
# forwards, hairpin, loopback forward and the isolation rejects.
# usage: datapath.sh FW_TOOL
# Everything happens in namespaces this script creates (vnt-fwXXXX-*): a
# "host" with the bridge, two guests and an "upstream". Nothing touches the
# root namespace; listeners are ended by PID; namespaces are deleted at exit.
set -u
TOOL=$1
ID=vnt-fw$$$RANDOM
H=$ID-h G1=$ID-g1 G2=$ID-g2 U=$ID-u
TMP=$(mktemp -d)
PIDS=()
fails=0 checks=0

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    for ns in $H $G1 $G2 $U; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "datapath: $*" >&2; exit 1; }
nx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

for ns in $H $G1 $G2 $U; do ip netns add "$ns" || die "cannot create namespace $ns"; done
for ns in $H $G1 $G2 $U; do nx "$ns" ip link set lo up; done
nx $H sysctl -qw net.ipv4.ip_forward=1
nx $H ip link add virbr1 type bridge
nx $H ip addr add 192.168.100.1/24 dev virbr1
nx $H ip link set virbr1 up
for g in 1 2; do
    ns=$G1; [ $g = 2 ] && ns=$G2
    nx $H ip link add g${g}h type veth peer name eth0 netns "$ns"
    nx $H ip link set g${g}h master virbr1 up
    nx "$ns" ip addr add 192.168.100.1$((g - 1))/24 dev eth0
    nx "$ns" ip link set eth0 up
    nx "$ns" ip route add default via 192.168.100.1
done
nx $G2 ip addr add 192.168.100.12/24 dev eth0
nx $H ip link add uph type veth peer name eth0 netns $U
nx $H ip addr add 203.0.113.5/24 dev uph
nx $H ip link set uph up
nx $U ip addr add 203.0.113.2/24 dev eth0
nx $U ip link set eth0 up
nx $U ip route add 192.168.100.0/24 via 203.0.113.5 # to try reaching guests directly

cat > "$TMP/dp.xml" <<'EOF'
<network xmlns:vnet='urn:vnet:network:1'>
  <name>dp</name>
  <bridge name='virbr1'/>
  <forward mode='nat'/>
  <ip address='192.168.100.1' netmask='255.255.255.0'/>
  <vnet:portForward proto='tcp' guest='192.168.100.10'>
    <vnet:range start='8080' to='80'/>
  </vnet:portForward>
  <vnet:portForward proto='tcp' address='203.0.113.5' guest='192.168.100.11'>
    <vnet:range start='2222' to='22'/>
  </vnet:portForward>
  <vnet:portForward proto='tcp' address='127.0.0.1' guest='192.168.100.12'>
    <vnet:range start='6000' to='7000'/>
  </vnet:portForward>
</network>
EOF
nx $H "$TOOL" apply "$TMP/dp.xml" || die "applying the plan failed"
nx $H sysctl -qw net.ipv4.conf.virbr1.route_localnet=1

# Listeners answer with their name and the peer address they see. nsenter
# execs socat itself (`ip netns exec` would fork), so $! is socat's PID; the
# listeners' output goes to a file so no pipe of the caller is held open.
listen() { # NS NAME PORT [BIND]
    local bind=${4:+,bind=$4}
    nsenter --net=/run/netns/"$1" socat TCP-LISTEN:"$3",fork,reuseaddr"$bind" SYSTEM:"echo $2 \$SOCAT_PEERADDR" \
        </dev/null >>"$TMP/listeners.log" 2>&1 &
    PIDS+=($!)
}
listen $G1 g1 80
listen $G2 g2 22 192.168.100.11
listen $G2 g2b 7000 192.168.100.12
listen $U up 9000
for _ in $(seq 50); do # wait (bounded) until all four listen
    n=0
    for spec in "$G1 :80 " "$G2 :22 " "$G2 :7000 " "$U :9000 "; do
        set -- $spec
        nx "$1" ss -Hltn | grep -q "$2 " && n=$((n + 1))
    done
    [ $n = 4 ] && break
    sleep 0.1
done

ask() { nx "$1" timeout 5 socat -T2 -t2 - TCP:"$2",connect-timeout=2 </dev/null 2>/dev/null; }
expect() { # WHAT WANT NS ADDR:PORT
    local got
    got=$(ask "$3" "$4")
    checks=$((checks + 1))
    if [ "$got" = "$2" ]; then echo "ok   $1"; else
        echo "FAIL $1: want '$2', got '$got'"; fails=$((fails + 1)); fi
}

expect "guest -> upstream is masqueraded" "up 203.0.113.5" $G1 203.0.113.2:9000
expect "upstream -> any-address forward" "g1 203.0.113.2" $U 203.0.113.5:8080
expect "upstream -> address forward" "g2 203.0.113.2" $U 203.0.113.5:2222
expect "upstream -> guest directly is rejected" "" $U 192.168.100.10:80
expect "guest -> forward on the bridge address (hairpin)" "g1 192.168.100.1" $G2 192.168.100.1:8080
expect "guest -> forward on the uplink address (hairpin)" "g2 192.168.100.1" $G1 203.0.113.5:2222
expect "host -> its own address, forwarded" "g1 203.0.113.5" $H 203.0.113.5:8080
expect "host -> 127.0.0.1 forward (route_localnet)" "g2b 192.168.100.1" $H 127.0.0.1:6000
expect "127.0.0.1 only for the address forward" "" $H 127.0.0.1:8080

counters=$(nx $H "$TOOL" counters "$TMP/dp.xml")
echo "counters (forward packets bytes):"; echo "$counters"
checks=$((checks + 1))
if [ "$(echo "$counters" | awk '$1 == 0 {print $2}')" -ge 3 ]; then echo "ok   forward 0 counted"
else echo "FAIL forward 0 counters"; fails=$((fails + 1)); fi

nx $H "$TOOL" apply "$TMP/dp.xml" || die "re-applying failed"
expect "still forwarded after re-apply" "g1 203.0.113.2" $U 203.0.113.5:8080
nx $H "$TOOL" remove "$TMP/dp.xml" || die "removing failed"
expect "no forward after remove" "" $U 203.0.113.5:8080
expect "guest reachable directly once the rejects are gone" "g1 203.0.113.2" $U 192.168.100.10:80

echo "datapath: $checks checks, $fails failed"
[ $fails = 0 ]
