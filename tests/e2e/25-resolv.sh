#!/usr/bin/env bash
# Scenario 25: upstream DNS without an inotify instance per network. Every dnsmasq takes the
# host's nameservers from one servers file that vnetd writes from its (private) resolv.conf;
# when resolv.conf changes, vnetd re-writes it and dnsmasq re-reads it (SIGHUP), so a guest's
# forwarded query reaches the new upstream. The upstream namespace runs two small DNS servers
# (dnsmasq, on 203.0.113.2 and .3) that give different answers for the same name.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

SERVERS=$ROOT/var/lib/vnet/dnsmasq/vnet-resolv.servers
UP2=$UPLINK_NET.3

# upstream_dns ADDR ANSWER: a DNS server in the upstream namespace answering upstream.test.
upstream_dns() {
    e2e_bg ip netns exec "$UP_NS" dnsmasq -C /dev/null --keep-in-foreground --no-resolv \
        --no-hosts --no-poll --bind-interfaces --listen-address="$1" --pid-file= \
        --address="/upstream.test/$2" --log-facility=/dev/null
    wait_for 10 sh -c "ip netns exec '$UP_NS' ss -Hlun 'sport = :53' | grep -q '$1:53'"
}

ip -n "$UP_NS" addr add "$UP2/24" dev eth0
upstream_dns "$UPLINK_UP" 198.51.100.7 || e2e_fatal "upstream DNS server on $UPLINK_UP"
upstream_dns "$UP2" 198.51.100.8 || e2e_fatal "upstream DNS server on $UP2"

expect_true "built-in default network is active" net_wait_active default
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged into virbr0"
ip -n "$(guest_ns g1)" addr add 192.168.122.50/24 dev eth0

pid=$(dnsmasq_pid_of default)
expect_match "default's dnsmasq runs" '^[0-9]+$' "$pid"
expect_eq "default's dnsmasq holds no inotify instance" 0 \
    "$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c inotify)"
conf=$(cat "$ROOT/var/lib/vnet/dnsmasq/default.conf")
expect_match "its config says no-resolv" '^no-resolv$' "$conf"
expect_match "its config names the servers file" "^servers-file=$SERVERS\$" "$conf"
expect_match "the servers file holds resolv.conf's nameserver" "^server=$UPLINK_UP\$" \
    "$(cat "$SERVERS" 2>&1)"
expect_eq "a guest's query is forwarded to the upstream in resolv.conf" 198.51.100.7 \
    "$(dig_a g1 upstream.test $DEFAULT_GW)"

# resolv.conf is bind-mounted over /etc/resolv.conf in vnetd's mount namespace: write it in
# place, as an administrator's editor or a DHCP client script would.
printf 'search example.test\nnameserver %s\n' "$UP2" >"$E2E_TMP/resolv.conf"
expect_true "vnetd re-writes the servers file after resolv.conf changed" \
    wait_for 10 grep -qx "server=$UP2" "$SERVERS"
expect_false "the old nameserver is gone from the servers file" grep -q "$UPLINK_UP" "$SERVERS"
answer() { [ "$(dig_a g1 upstream.test $DEFAULT_GW)" = "$1" ]; }
expect_true "the guest's query now reaches the new upstream" wait_for 10 answer 198.51.100.8
expect_eq "dnsmasq was reloaded, not restarted" "$pid" "$(dnsmasq_pid_of default)"

# A network started after the change gets the new servers at once.
net_define_start lab "$(net_xml lab virbr9 192.168.159 nat)" || e2e_fatal "lab starts"
guest_add g2 virbr9 || e2e_fatal "guest g2 plugged into virbr9"
ip -n "$(guest_ns g2)" addr add 192.168.159.50/24 dev eth0
answer2() { [ "$(dig_a g2 upstream.test 192.168.159.1)" = "$1" ]; }
# (the bridge has STP on: its new port forwards after a few seconds)
expect_true "a new network forwards to the new upstream" wait_for 20 answer2 198.51.100.8

e2e_done
