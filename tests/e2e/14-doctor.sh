#!/usr/bin/env bash
# Scenario 14: `vnet doctor`. A healthy host is all ok (exit 0); then each trouble is made in
# the namespace world and doctor names it with its evidence and fix, and the exit status
# follows the worst verdict: Docker's FORWARD policy drop (broken; --fix adds DOCKER-USER rules
# and NAT works), a subnet clash, an MTU mismatch, a resolver loop, a port forward over a local
# listener. vnetd refused by nf_tables (an unprivileged user namespace) exits non-zero with the
# cause and the remedy, and doctor without a daemon says so (exit 2).
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

upstream_server 7000 || e2e_fatal "upstream TCP server listens"
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged"
ip1=$(dhcp_udhcpc g1 doc-g1)
expect_match "guest g1 gets a lease" '^192\.168\.122\.' "$ip1"
nat_works() { [ "$(guest_ask g1 $UPLINK_UP 7000)" = "$UPLINK_HOST" ]; }

expect_rc "a healthy host: doctor exits 0" 0 vnet doctor
expect_match "every check is ok" '^worst: ok \(' "$(tail -n 1 <<<"$E2E_OUT")"
expect_match "dnsmasq listens on 53 and 67" 'dnsmasq \(pid [0-9]+\) runs; bound to 192\.168\.122\.1:53, bound to 0\.0\.0\.0:67' "$E2E_OUT"
e2e_run vnet doctor default
expect_match "a probe packet gets out" "^ok +default: probe: outgoing \(192\.168\.122\.[0-9]+ -> 198\.51\.100\.1\): a probe packet passed every nftables chain" "$E2E_OUT"
expect_match "and one to the network's DNS" "^ok +default: probe: DNS .*passed every nftables chain" "$E2E_OUT"
e2e_run vnet doctor --json
expect_true "doctor --json is JSON with a worst verdict" jq -e '.worst == "ok" and (.checks | length) > 5' <<<"$E2E_OUT"

# 1. Docker's FORWARD policy drop: broken, named; --fix adds DOCKER-USER rules
ipt() { ip netns exec "$HOST_NS" iptables-nft "$@"; }
ipt -N DOCKER-USER
ipt -P FORWARD DROP
ipt -A FORWARD -j DOCKER-USER
ipt -A DOCKER-USER -j RETURN
expect_rc "Docker's policy drop: doctor exits 2" 2 vnet doctor default
expect_match "naming table, chain and direction" \
    "^broken +default: foreign drops: table ip filter, chain FORWARD \(hook forward\): policy drop drops the guests' outgoing traffic" "$E2E_OUT"
expect_match "with the fix" "fix: run vnetd with --coexist=docker, or: iptables -I DOCKER-USER -i virbr0 -j ACCEPT" "$E2E_OUT"
expect_match "the probe packet proves it, naming the chain" "^broken +default: probe: outgoing .*dropped by table ip filter, chain FORWARD \(policy drop\)" "$E2E_OUT"
# the probe leaves nothing behind: no veth, no table, no namespace kept open by vnetd
expect_eq "no probe interface is left" "0" "$(ip -n "$HOST_NS" -o link | grep -c vnprobe)"
expect_false "no probe table is left" sh -c "ip netns exec $HOST_NS nft list tables | grep -q vnet-probe"
expect_eq "vnetd is back in the host namespace" "$(readlink "/proc/$(ip netns pids "$HOST_NS" | head -n 1)/ns/net")" "$(readlink "/proc/$VNETD_PID/ns/net")"
expect_eq "vnetd holds no namespace open" "0" "$(ls -l "/proc/$VNETD_PID/fd" 2>/dev/null | grep -c 'net:\[')"
# a drop rule in a hand-written table: the probe names its handle
ip netns exec "$HOST_NS" nft -f - <<'NFT'
table inet hand {
  chain input {
    type filter hook input priority 0;
    udp dport 53 drop
  }
}
NFT
handle=$(ip netns exec "$HOST_NS" nft -a list chain inet hand input | sed -n 's/.*udp dport 53 drop # handle \([0-9]*\)/\1/p')
e2e_run vnet doctor default
expect_match "the probe names the DNS drop rule by handle" "^broken +default: probe: DNS .*dropped by table inet hand, chain input \(rule $handle\)" "$E2E_OUT"
ip netns exec "$HOST_NS" nft delete table inet hand
expect_fail "and NAT is broken indeed" nat_works
expect_rc "doctor --fix repairs it: exit 0" 0 vnet doctor --fix default
expect_match "saying what it did" "^fixed: +other firewalls told to accept the networks. traffic" "$E2E_OUT"
expect_true "NAT works after doctor --fix" nat_works
expect_eq "the rules are in DOCKER-USER" "2" "$(ipt -S DOCKER-USER | grep -c 'vnet:virbr0')"
ip netns exec "$HOST_NS" nft flush ruleset
wait_for 5 nat_works

# 2. a subnet clash: another interface takes part of a second network's subnet
f=$(net_xml_file lab "$(net_xml lab vnbr1 192.168.150 nat)")
expect_ok "define lab" vnet define "$f"
expect_ok "start lab" vnet start lab
ip -n "$HOST_NS" link add clash0 type veth peer name clash1
ip -n "$HOST_NS" addr add 192.168.150.9/24 dev clash0
ip -n "$HOST_NS" link set clash0 up
expect_rc "a subnet clash: doctor lab exits 2" 2 vnet doctor lab
expect_match "naming the other interface" "^broken +lab: subnet: 192\.168\.150\.0/24 is already in use by interface clash0" "$E2E_OUT"
expect_no_match "doctor lab checks lab only" "default: " "$E2E_OUT"
ip -n "$HOST_NS" link del clash0
ip -n "$HOST_NS" route add 192.168.150.0/25 via "$UPLINK_UP"
expect_rc "a route shadowing the subnet: exit 2" 2 vnet doctor lab
expect_match "naming the route" "lab: subnet: 192\.168\.150\.0/24 is already in use by a route to 192\.168\.150\.0/25 via uplink" "$E2E_OUT"
ip -n "$HOST_NS" route del 192.168.150.0/25 via "$UPLINK_UP"
expect_rc "clash gone: doctor lab exits 0" 0 vnet doctor lab

# 3. MTU mismatch between ports
guest_add g2 virbr0 || e2e_fatal "guest g2 plugged"
ip -n "$HOST_NS" link set ve-g2 mtu 1400
expect_rc "an MTU mismatch is a warning: exit 1" 1 vnet doctor default
expect_match "naming the port and both MTUs" "^warning +default: mtu: virbr0 mtu 1400; these differ: ve-g1 \(mtu 1500\)" "$E2E_OUT"
ip -n "$HOST_NS" link del ve-g2

# 4. a resolver loop: the host's resolver is the network's own address
cp "$E2E_TMP/resolv.conf" "$E2E_TMP/resolv.conf.saved"
printf 'nameserver 192.168.122.1\n' >"$E2E_TMP/resolv.conf"   # same file, bind-mounted for vnetd
expect_rc "a resolver loop: exit 2" 2 vnet doctor default
expect_match "naming where the loop is" "broken +default: resolver loop: the network's DNS forwards to itself: /etc/resolv.conf names 192\.168\.122\.1" "$E2E_OUT"
cat "$E2E_TMP/resolv.conf.saved" >"$E2E_TMP/resolv.conf"

# 5. a port forward over a local listener
expect_ok "forward-add 8080 on lab" vnet forward-add lab --proto tcp --port 8080 --to 192.168.150.10:80
tcp_server "$HOST_NS" 8080 || e2e_fatal "a local listener on 8080"
expect_rc "forward vs local listener: warning, exit 1" 1 vnet doctor lab
expect_match "naming the listener" "^warning +lab: port forwards: forward tcp 8080: a local process is listening on 0\.0\.0\.0:8080" "$E2E_OUT"

# 6. an unprivileged user may run doctor, but not the probe (it changes the host for a moment)
e2e_run ip netns exec "$HOST_NS" setpriv --reuid=65534 --regid=65534 --clear-groups "$VNET_BIN" --root "$ROOT" doctor default
expect_match "doctor as nobody reads the checks" "^ok +default: bridge: " "$E2E_OUT"
expect_match "and says the probe needs root" "^ok +default: probe: not probed: sending probe packets needs root" "$E2E_OUT"
e2e_run ip netns exec "$HOST_NS" setpriv --reuid=65534 --regid=65534 --clear-groups "$VNET_BIN" --root "$ROOT" doctor --fix default
expect_match "doctor --fix as nobody is refused" "access denied: operation 'doctor-fix' needs root" "$E2E_OUT"

# 7. nf_tables refused: vnetd in an unprivileged user namespace says why and exits 1
mkdir -p "$E2E_TMP/userns"
chmod 777 "$E2E_TMP/userns"
e2e_run timeout 20 ip netns exec "$HOST_NS" unshare -U "$VNETD_BIN" --root "$E2E_TMP/userns"
expect_eq "vnetd without privileges exits 1" "1" "$E2E_RC"
expect_match "blaming the missing root, not the module" "cannot manage networks: nftables refused \(Operation not permitted\): vnetd is not running as root" "$E2E_OUT"
expect_match "with the remedy" "Remedy: start it as root" "$E2E_OUT"
expect_false "and it never created its control socket" test -S "$E2E_TMP/userns/run/vnet/vnetd.sock"

# a read-only state directory: refused at start with the remedy
mkdir -p "$E2E_TMP/ro"
e2e_run timeout 20 ip netns exec "$HOST_NS" unshare -m --propagation private sh -c \
    'mount --bind -o ro "$0" "$0" && exec "$1" --root "$0"' "$E2E_TMP/ro" "$VNETD_BIN"
expect_eq "vnetd on a read-only root exits 1" "1" "$E2E_RC"
expect_match "naming the directory and the remedy" "cannot manage networks: state directory $E2E_TMP/ro/etc/vnet/networks is not writable \(Read-only file system\)\. Remedy: " "$E2E_OUT"

# 8. no daemon: doctor says so, exit 2
vnetd_stop
expect_rc "doctor without vnetd exits 2" 2 vnet doctor
expect_match "saying the daemon cannot be reached" "^broken +daemon: failed to connect to the vnet daemon" "$E2E_OUT"
e2e_done
