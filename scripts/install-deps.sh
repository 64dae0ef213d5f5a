#!/usr/bin/env bash
# Install every Debian package vnet needs to build, test and run the demo.
# Idempotent: does nothing (not even apt-get update) when all are present.
set -euo pipefail

pkgs=(
  # build
  gcc meson ninja-build pkg-config
  # fuzzing (tests/fuzz): clang with libFuzzer's runtime
  clang libclang-rt-14-dev
  libxml2-dev libnftables-dev libmnl-dev libjansson-dev libsystemd-dev libnetfilter-conntrack-dev libtirpc-dev libnftnl-dev
  # run
  dnsmasq-base
  # tests and demo: namespaces, real clients, inspection
  iproute2 nftables isc-dhcp-client udhcpc bind9-dnsutils socat procps libxml2-utils jq python3 conntrack
  iputils-ping
  # libvirt's Python binding for the libvirt RPC tests
  python3-libvirt
  # OVN networks (tests start their own ovsdb-server/northd/vswitchd/controller;
  # installing must not start the system services: see policy-rc.d below)
  openvswitch-switch ovn-central ovn-host ethtool
  # virsh (libvirt's own client, with its test driver) for the virsh-compat comparison
  libvirt-clients
  # installation: systemd.pc and systemd-analyze (the unit), bash-completion.pc, and the
  # Debian package (dpkg-buildpackage -us -uc -b)
  systemd bash-completion debhelper dpkg-dev build-essential
  # crash injection (tests/e2e/19-crash-inject.sh): kill vnetd at chosen system calls
  strace
  # tests: other firewalls' rulesets (Docker- and ufw-like, through iptables-nft)
  iptables
  # tests: a stand-in firewalld on a private D-Bus bus (tests/e2e/fake-firewalld.py)
  dbus-daemon python3-dbus python3-gi
  # tests: uplinks (a stand-in NetworkManager / networkd on the same kind of bus), bandwidth
  iperf3
  # libvirt clients (no daemon) for the libvirt RPC tests
  libvirt-clients python3-libvirt
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Forbid every service start during the install (openvswitch-switch and
# ovn-* would otherwise start daemons on the machine): a policy-rc.d that
# answers 101, the previous one (or its absence) restored afterwards.
prc=/usr/sbin/policy-rc.d
saved=""
if [ -e "$prc" ]; then
  saved=$(mktemp /tmp/vnet-policy-rc.d.XXXXXX)
  $SUDO cp -a "$prc" "$saved"
fi
restore_prc() {
  if [ -n "$saved" ]; then
    $SUDO cp -a "$saved" "$prc"
    rm -f "$saved"
  else
    $SUDO rm -f "$prc"
  fi
}
trap restore_prc EXIT
printf '#!/bin/sh\n# temporary, from vnet scripts/install-deps.sh\nexit 101\n' | $SUDO tee "$prc" >/dev/null
$SUDO chmod 755 "$prc"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
