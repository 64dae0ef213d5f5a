#!/usr/bin/env bash
# The Debian package, built by the project's own debian/ directory:
#   dpkg-buildpackage -us -uc -b (in a copy of the tree, so nothing is written next to it),
#   the package's contents, install with dpkg, the end-to-end suite against the INSTALLED
#   binaries (VNETD_BIN/VNET_BIN), then purge, after which nothing of vnet is left.
# Starting through systemd: dh_installsystemd's snippets enable and start vnetd.service where
# systemd runs. This test never starts vnetd in the machine's own network namespace (the tests'
# safety rule), so on a systemd host it forbids starts with policy-rc.d during the install and
# checks that the unit is enabled; without systemd it checks that the install did not need it.
# Usage: check-deb.sh SOURCE-DIR [E2E-SCENARIO...]   (default: every tests/e2e/*.sh)
# Needs root (dpkg -i, namespaces). Prints "package: N passed, M failed".
set -u
src=$(cd "$1" && pwd)
shift
pass=0
fail=0
check() { # DESC CMD...
    if "${@:2}" >/dev/null 2>&1; then
        pass=$((pass + 1))
        echo "ok - $1"
    else
        fail=$((fail + 1))
        echo "not ok - $1"
    fi
}
finish() {
    echo "package: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}

if [ "$(id -u)" -ne 0 ]; then
    echo "package: needs root (dpkg -i)"
    exit 77
fi
if dpkg-query -W -f='${Status}' vnet 2>/dev/null | grep -q 'installed'; then
    echo "package: a vnet package is already installed on this machine; not touching it"
    exit 1
fi

tmp=$(mktemp -d /tmp/vnet-deb.XXXXXX)
policy_made=""
cleanup() {
    dpkg --purge vnet >/dev/null 2>&1 || true
    [ -n "$policy_made" ] && rm -f /usr/sbin/policy-rc.d
    rm -rf "$tmp"
}
trap cleanup EXIT

# ------------------------------------------------------------------ build
mkdir -p "$tmp/vnet"
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude='./obj-*' -cf - . | tar -C "$tmp/vnet" -xf -
[ -d "$src/../shared" ] && ln -s "$(cd "$src/../shared" && pwd)" "$tmp/shared"
(cd "$tmp/vnet" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -us -uc -b succeeds" test "$rc" -eq 0
if [ "$rc" -ne 0 ]; then
    tail -30 "$tmp/build.log"
    finish
fi
deb=$(ls "$tmp"/vnet_*_*.deb | head -1)
check "it made a .deb" test -f "$deb"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/sbin/vnetd ./usr/bin/vnet ./lib/systemd/system/vnetd.service \
    ./usr/share/man/man1/vnet.1.gz ./usr/share/man/man8/vnetd.8.gz \
    ./usr/share/bash-completion/completions/vnet ./usr/share/zsh/vendor-completions/_vnet \
    ./usr/share/vnet/examples/nat.xml ./usr/share/doc/vnet/README.md.gz; do
    check "the package holds $f" grep -qx "$f" <<<"$contents"
done
check "it depends on dnsmasq-base" sh -c "dpkg-deb -f '$deb' Depends | grep -q dnsmasq-base"

# ------------------------------------------------------------------ install
systemd_runs=false
[ -d /run/systemd/system ] && systemd_runs=true
if $systemd_runs && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_made=1
fi
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$tmp/install.log" 2>&1
rc=$?
check "dpkg -i installs it" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { cat "$tmp/install.log"; finish; }
check "vnetd runs from /usr/sbin" /usr/sbin/vnetd --version
check "vnet runs from /usr/bin" /usr/bin/vnet --version
check "the postinst enables the unit (dh_installsystemd)" \
    grep -q "deb-systemd-helper enable 'vnetd.service'" /var/lib/dpkg/info/vnet.postinst
check "the postinst starts it where systemd runs" \
    grep -q "deb-systemd-invoke \$_dh_action 'vnetd.service'" /var/lib/dpkg/info/vnet.postinst
if $systemd_runs; then
    check "systemd: vnetd.service is enabled" systemctl is-enabled vnetd.service
    echo "# systemd runs here; vnetd was not started (policy-rc.d): tests never run vnetd in the host's namespace"
else
    echo "# systemd is not PID 1 here: the install went through without starting vnetd"
fi
check "the installed unit passes systemd-analyze security (< 4.0)" \
    systemd-analyze security --offline=yes --threshold=39 /lib/systemd/system/vnetd.service

# ------------------------------------------------------------------ e2e against the installed binaries
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=("$src"/tests/e2e/[0-9]*.sh)
for s in "${scenarios[@]}"; do
    out=$(VNETD_BIN=/usr/sbin/vnetd VNET_BIN=/usr/bin/vnet timeout 300 bash "$s" 2>&1)
    rc=$?
    check "installed binaries: $(basename "$s") ($(tail -1 <<<"$out"))" test "$rc" -eq 0
    [ "$rc" -eq 0 ] || grep -E '^(not ok|#)' <<<"$out" | head -20
done

# ------------------------------------------------------------------ purge
mkdir -p /etc/vnet/networks /var/lib/vnet/dnsmasq # as a running vnetd would have left them
: >/etc/vnet/networks/left.xml
DEBIAN_FRONTEND=noninteractive dpkg --purge vnet >"$tmp/purge.log" 2>&1
check "dpkg --purge succeeds" test $? -eq 0
check "the package is gone" sh -c "! dpkg-query -W -f='\${Status}' vnet 2>/dev/null | grep -q installed"
for f in /usr/sbin/vnetd /usr/bin/vnet /lib/systemd/system/vnetd.service /etc/vnet /var/lib/vnet \
    /usr/share/vnet /usr/share/bash-completion/completions/vnet; do
    check "purge removed $f" test ! -e "$f"
done
finish
