#!/usr/bin/env bash
# Scenario 2: a static DHCP host (<host mac= ip= name=>) gets its fixed address, a second guest
# a dynamic one; `vnet dhcp-leases` lists both (table, --mac filter, --json).
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

MAC_FIXED=52:54:00:e2:e0:02
xml=$(net_xml e2estat vt-st0 192.168.152 nat "" \
    "<host mac='$MAC_FIXED' name='fixed' ip='192.168.152.50'/>")
net_define_start e2estat "$xml" || e2e_fatal "network e2estat is up"

guest_add s1 vt-st0 "$MAC_FIXED" || e2e_fatal "guest s1 plugged"
guest_add s2 vt-st0 || e2e_fatal "guest s2 plugged"
ip1=$(dhcp_dhclient s1)
expect_eq "the static host gets its fixed address" 192.168.152.50 "$ip1"
ip2=$(dhcp_udhcpc s2 e2e-dyn)
expect_match "the other guest gets a dynamic address in the range" '^192\.168\.152\.1[0-9][0-9]$' "$ip2"
mac2=$(guest_mac s2)
expect_eq "DNS resolves the static host's name" 192.168.152.50 "$(dig_a s2 fixed 192.168.152.1)"

expect_ok "dhcp-leases e2estat" vnet dhcp-leases e2estat
leases=$E2E_OUT
e2e_log "vnet dhcp-leases e2estat:"
e2e_diag "$leases"
expect_match "the table has virsh's header" '^ *Expiry Time +MAC address +Protocol +IP address +Hostname +Client ID or DUID *$' "$leases"
expect_match "the table lists the static host" "$MAC_FIXED +ipv4 +192\.168\.152\.50/24 +fixed" "$leases"
expect_match "the table lists the dynamic guest" "$mac2 +ipv4 +$ip2/24 +e2e-dyn" "$leases"

expect_ok "dhcp-leases --mac" vnet dhcp-leases e2estat --mac "$MAC_FIXED"
expect_match "--mac keeps the static host" "$MAC_FIXED" "$E2E_OUT"
expect_no_match "--mac drops the other guest" "$mac2" "$E2E_OUT"

expect_ok "dhcp-leases --json" vnet dhcp-leases e2estat --json
json=$E2E_OUT
expect_true "--json output parses" json_query . <<<"$json"
got=$(json_query leases <<<"$json" 2>&1 | sort)
want=$(printf '%s\n' "$MAC_FIXED 192.168.152.50 fixed ipv4 24" "$mac2 $ip2 e2e-dyn ipv4 24" | sort)
expect_eq "--json lists both leases (mac ip hostname type prefix)" "$want" "$got"

expect_ok "dhcp-leases of the default network (no guests) works" vnet dhcp-leases default
e2e_done
