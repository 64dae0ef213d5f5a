#!/usr/bin/env bash
# Scenario 13: other firewalls. Inside the host namespace, iptables-nft builds a ruleset like
# Docker's (FORWARD policy drop, DOCKER-USER), then ufw-style chains; nft builds an inet
# firewalld-like table and a hand-written one. Each breaks the guests' NAT or DHCP/DNS; vnet
# names the table, chain, rule and direction in `vnet info` and as events, with a fix that
# works when applied. With --coexist=docker vnetd adds the accept rules to DOCKER-USER itself,
# again when "Docker" re-creates the chain, and takes them out when the network stops.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"
command -v iptables-nft >/dev/null || e2e_fatal "iptables-nft is installed (scripts/install-deps.sh)"

ipt() { ip netns exec "$HOST_NS" iptables-nft "$@"; }
hnft() { ip netns exec "$HOST_NS" nft "$@"; }
info() { vnet info default 2>&1; }
findings_none() { info | grep -q '^Findings: *none$'; }
info_has() { info | grep -Fq -- "$1"; }
nat_works() { [ "$(guest_ask g1 $UPLINK_UP 7000)" = "$UPLINK_HOST" ]; }
nat_broken() { ! nat_works; }

upstream_server 7000 || e2e_fatal "upstream TCP server listens"
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged"
ip1=$(dhcp_udhcpc g1 fw-g1)
expect_match "guest g1 gets a lease" '^192\.168\.122\.' "$ip1"
expect_true "NAT works with no other firewall" nat_works
expect_true "info: no findings" findings_none

EV=$E2E_TMP/events.json
ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" events --json --timeout 100 >"$EV" 2>&1 &
E2E_PIDS+=("$!")
json_has() { jq -e -s "map(select($1)) | length > 0" "$EV" >/dev/null 2>&1; }

docker_ruleset() {
    local c
    for c in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do ipt -N "$c"; done
    ipt -P FORWARD DROP
    ipt -A FORWARD -j DOCKER-USER
    ipt -A FORWARD -j DOCKER-ISOLATION-STAGE-1
    ipt -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    ipt -A FORWARD -o docker0 -j DOCKER
    ipt -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
    ipt -A FORWARD -i docker0 -o docker0 -j ACCEPT
    ipt -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
    ipt -A DOCKER-ISOLATION-STAGE-1 -j RETURN
    ipt -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
    ipt -A DOCKER-ISOLATION-STAGE-2 -j RETURN
    ipt -A DOCKER-USER -j RETURN
}

# 1. Docker-like, no --coexist: reported, not touched
docker_ruleset
expect_true "Docker's FORWARD policy drop breaks the guests' NAT" nat_broken
expect_true "info names table, chain and direction" \
    wait_for 5 info_has "table ip filter, chain FORWARD (hook forward): policy drop drops the guests' outgoing traffic (IPv4)"
expect_true "info gives the DOCKER-USER fix" info_has "iptables -I DOCKER-USER -i virbr0 -j ACCEPT"
expect_true "a finding event names it, with owner docker" \
    wait_for 5 json_has '.event == "finding" and .owner == "docker" and .chain == "FORWARD" and .direction == "replies" and .cleared == false'
e2e_run vnet info default --json
expect_match "info --json carries the findings" '"hook": "forward"' "$E2E_OUT"
expect_eq "vnetd left Docker's chain alone" "1" "$(ipt -S DOCKER-USER | grep -c -- '-A DOCKER-USER')"
# the fix from the finding, as printed, works
ipt -I DOCKER-USER -i virbr0 -j ACCEPT
ipt -I DOCKER-USER -o virbr0 -j ACCEPT
expect_true "after the printed fix, the finding is gone" wait_for 5 findings_none
expect_true "and NAT works again" nat_works
expect_true "a cleared-finding event says so" json_has '.event == "finding" and .cleared == true'
ipt -D DOCKER-USER -i virbr0 -j ACCEPT
ipt -D DOCKER-USER -o virbr0 -j ACCEPT
expect_true "taking the fix out brings the finding back" wait_for 5 info_has "policy drop drops the guests' outgoing traffic"

# 2. --coexist=docker: vnetd adds the rules itself
vnetd_stop
vnetd_start --coexist=docker || e2e_fatal "vnetd restarts with --coexist=docker"
docker_rules() { ipt -S DOCKER-USER | grep -c 'vnet:virbr0'; }
expect_true "vnetd puts accept rules for virbr0 into DOCKER-USER" wait_for 5 sh -c "[ \$(ip netns exec $HOST_NS iptables-nft -S DOCKER-USER | grep -c 'vnet:virbr0') = 2 ]"
expect_true "NAT works through Docker's policy drop" nat_works
expect_true "info: no findings" wait_for 5 findings_none
# Docker re-creates its chain (as on a Docker restart)
ipt -F DOCKER-USER
ipt -A DOCKER-USER -j RETURN
expect_true "re-created DOCKER-USER gets the rules back" wait_for 5 sh -c "[ \$(ip netns exec $HOST_NS iptables-nft -S DOCKER-USER | grep -c 'vnet:virbr0') = 2 ]"
expect_true "NAT works after Docker re-created its chain" nat_works
expect_false "vnetd does not fight: the rules are there once" sh -c "[ \$(ip netns exec $HOST_NS iptables-nft -S DOCKER-USER | grep -c 'vnet:virbr0') -gt 2 ]"
expect_ok "destroy default" vnet destroy default
expect_eq "destroy takes vnet's DOCKER-USER rules out" "0" "$(docker_rules)"
expect_ok "start default" vnet start default
ip -n "$HOST_NS" link set ve-g1 master virbr0 # destroy took g1's port off the old bridge
expect_true "start puts them back" wait_for 5 sh -c "[ \$(ip netns exec $HOST_NS iptables-nft -S DOCKER-USER | grep -c 'vnet:virbr0') = 2 ]"
vnetd_stop
vnetd_start || e2e_fatal "vnetd restarts without --coexist"
expect_fail "an unknown --coexist value is refused" ip netns exec "$HOST_NS" "$VNETD_BIN" --root "$E2E_TMP/other" --coexist=nosuch
expect_match "saying what is accepted" "unknown firewall 'nosuch'" "$E2E_OUT"
hnft flush ruleset   # Docker gone; vnetd restores its own table
expect_true "with Docker gone, no findings" wait_for 5 findings_none
expect_true "and NAT works" wait_for 5 nat_works

# 3. firewalld-like inet table: its public zone on every interface rejects the guests
cat >"$E2E_TMP/firewalld.nft" <<'NFT'
table inet firewalld {
  chain filter_INPUT {
    type filter hook input priority filter + 10; policy accept;
    ct state { established, related } accept
    ct status dnat accept
    iifname "lo" accept
    ct state invalid drop
    jump filter_INPUT_ZONES
    reject with icmpx admin-prohibited
  }
  chain filter_FORWARD {
    type filter hook forward priority filter + 10; policy accept;
    ct state { established, related } accept
    ct status dnat accept
    iifname "lo" accept
    ct state invalid drop
    jump filter_FORWARD_ZONES
    reject with icmpx admin-prohibited
  }
  chain filter_INPUT_ZONES { goto filter_IN_public; }
  chain filter_IN_public { tcp dport 22 accept; }
  chain filter_FORWARD_ZONES { goto filter_FWD_public; }
  chain filter_FWD_public { }
}
NFT
expect_ok "a firewalld-like table is loaded" hnft -f "$E2E_TMP/firewalld.nft"
expect_true "firewalld-like table: outgoing traffic is named" \
    wait_for 5 info_has "table inet firewalld, chain filter_FORWARD (hook forward): rule"
expect_true "so are DHCP and DNS to the host" \
    sh -c "ip netns exec $HOST_NS $VNET_BIN --root $ROOT info default | grep -q 'rejects the guests. DHCP requests' && ip netns exec $HOST_NS $VNET_BIN --root $ROOT info default | grep -q 'rejects the guests. DNS queries'"
expect_true "with the firewalld fix" info_has "firewall-cmd --zone=trusted --add-interface=virbr0"
expect_true "and NAT is broken indeed" nat_broken
hnft delete table inet firewalld
expect_true "firewalld table gone: findings clear" wait_for 5 findings_none

# 4. ufw-style chains (iptables-nft): the printed ufw commands, done by hand, fix it
for c in ufw-before-input ufw-user-input ufw-reject-input ufw-before-forward ufw-user-forward ufw-reject-forward; do ipt -N $c; done
ipt -P INPUT DROP
ipt -P FORWARD DROP
for c in before user reject; do ipt -A INPUT -j ufw-$c-input; ipt -A FORWARD -j ufw-$c-forward; done
ipt -A ufw-before-input -i lo -j ACCEPT
ipt -A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
ipt -A ufw-before-forward -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
expect_true "ufw: the forward policy drop is named" \
    wait_for 5 info_has "table ip filter, chain FORWARD (hook forward): policy drop may drop the guests' outgoing traffic (IPv4)"
expect_true "with the exact ufw route commands" info_has "fix: ufw route allow in on virbr0; ufw route allow out on virbr0"
expect_true "and the ufw commands for DHCP" info_has "fix: ufw allow in on virbr0 to any port 67 proto udp"
expect_true "and for DNS" info_has "fix: ufw allow in on virbr0 to any port 53"
expect_true "NAT is broken indeed" nat_broken
# what `ufw route allow in/out on virbr0` and `ufw allow in on virbr0 ...` add to ufw-user-*
ipt -A ufw-user-forward -i virbr0 -j ACCEPT
ipt -A ufw-user-forward -o virbr0 -j ACCEPT
ipt -A ufw-user-input -i virbr0 -p udp --dport 67 -j ACCEPT
ipt -A ufw-user-input -i virbr0 -p udp --dport 53 -j ACCEPT
ipt -A ufw-user-input -i virbr0 -p tcp --dport 53 -j ACCEPT
expect_true "after the ufw fixes: no findings" wait_for 5 findings_none
expect_true "and NAT works" nat_works
guest_add g2 virbr0 || e2e_fatal "guest g2 plugged"
ip2=$(dhcp_udhcpc g2 fw-g2)
expect_match "and a new guest gets a lease through ufw's INPUT policy drop" '^192\.168\.122\.' "$ip2"
hnft flush ruleset

# 5. a hand-written table: the printed nft fix works
cat >"$E2E_TMP/hand.nft" <<'NFT'
table inet filter {
  chain input { type filter hook input priority 0; policy accept; udp dport 53 drop; }
  chain forward { type filter hook forward priority 0; policy drop; ct state established,related accept; }
}
NFT
expect_ok "a hand-written table is loaded" hnft -f "$E2E_TMP/hand.nft"
expect_true "hand-written: forward policy drop named" \
    wait_for 5 info_has "table inet filter, chain forward (hook forward): policy drop drops the guests' outgoing traffic (IPv4)"
expect_true "hand-written: the DNS drop rule named with its handle" \
    info_has "table inet filter, chain input (hook input): rule "
fixes=$(vnet info default --json | jq -r '.findings[].fix' | sort -u)
expect_match "the fixes are nft commands" '^nft insert rule inet filter' "$fixes"
while IFS= read -r fix; do ip netns exec "$HOST_NS" sh -c "$fix"; done <<<"$fixes"
expect_true "after the printed nft fixes: no findings" wait_for 5 findings_none
expect_true "and NAT works" nat_works
# (destroy + start gave dnsmasq a fresh lease database: g1 asks again so its name is known)
expect_match "g1 renews its lease" '^192\.168\.122\.' "$(dhcp_udhcpc g1 fw-g1)"
expect_eq "DNS answers again" "$(guest_ip g1)" "$(dig_a g1 fw-g1 $DEFAULT_GW)"
hnft flush ruleset
wait_for 5 nat_works

# 6. iptables-legacy (x_tables, not nftables): read from the kernel and judged the same way
iptl() { ip netns exec "$HOST_NS" iptables-legacy "$@"; }
iptl -N DOCKER-USER
iptl -P FORWARD DROP
iptl -A FORWARD -j DOCKER-USER
iptl -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptl -A DOCKER-USER -j RETURN
expect_true "legacy Docker rules break NAT" nat_broken
e2e_run vnet doctor default
expect_match "doctor names the legacy chain" "broken +default: foreign drops: table ip filter \(iptables-legacy\), chain FORWARD \(hook forward\): policy drop drops the guests' outgoing traffic" "$E2E_OUT"
expect_match "with the iptables-legacy fix" "fix: iptables-legacy -I DOCKER-USER -i virbr0 -j ACCEPT; iptables-legacy -I DOCKER-USER -o virbr0 -j ACCEPT" "$E2E_OUT"
expect_match "and says the legacy filter table is read" "ok +iptables-legacy: iptables-legacy's filter table is loaded" "$E2E_OUT"
iptl -I DOCKER-USER -i virbr0 -j ACCEPT
iptl -I DOCKER-USER -o virbr0 -j ACCEPT
expect_rc "after the printed legacy fix, doctor is happy" 0 vnet doctor default
expect_true "and NAT works" nat_works
e2e_done
