#!/usr/bin/env bash
# meson install honours --prefix/--sysconfdir/--localstatedir/-Drunstatedir: a second build
# with custom directories, installed into a DESTDIR, must put every file under the prefix and
# compile the custom directories into vnetd (its --help lists them) and the systemd unit.
# Then the main build (prefix /usr): the unit goes to systemd.pc's systemdsystemunitdir.
# Usage: check-install.sh SOURCE-DIR MAIN-BUILD-DIR
set -u
src=$1
main_build=$2
tmp=$(mktemp -d /tmp/vnet-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
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

P=/opt/vnet-test
meson setup "$tmp/b" "$src" --prefix=$P --sysconfdir=$P/conf --localstatedir=$P/state \
    -Drunstatedir=$P/rt -Dbuildtype=plain -Dwerror=false >"$tmp/setup.log" 2>&1 ||
    { cat "$tmp/setup.log"; exit 1; }
DESTDIR=$tmp/dest meson install -C "$tmp/b" --quiet >"$tmp/install.log" 2>&1 ||
    { tail -20 "$tmp/install.log"; exit 1; }
D=$tmp/dest
check "everything is installed under the prefix" \
    test -z "$(cd "$D" && find . -mindepth 1 | grep -v "^\./opt\(/vnet-test\(/.*\)\?\)\?$")"
check "vnetd in PREFIX/sbin" test -x "$D$P/sbin/vnetd"
check "vnet in PREFIX/bin" test -x "$D$P/bin/vnet"
unit=$D$P/lib/systemd/system/vnetd.service
check "the unit in PREFIX/lib/systemd/system" test -f "$unit"
check "the unit starts PREFIX/sbin/vnetd" grep -qx "ExecStart=$P/sbin/vnetd" "$unit"
check "the unit may write the custom directories" \
    grep -qx "ReadWritePaths=-$P/conf/vnet -$P/rt/vnet -$P/state/lib/vnet -$P/rt/libvirt" "$unit"
check "the definitions directory is created by the install" test -d "$D$P/conf/vnet/networks"
check "the data directory is created by the install" test -d "$D$P/state/lib/vnet"
help=$("$D$P/sbin/vnetd" --help)
check "vnetd keeps definitions in SYSCONFDIR/vnet/networks" grep -q "^  $P/conf/vnet/networks " <<<"$help"
check "vnetd's runtime files in RUNSTATEDIR/vnet" grep -q "^  $P/rt/vnet " <<<"$help"
check "vnetd's data in LOCALSTATEDIR/lib/vnet" grep -q "^  $P/state/lib/vnet " <<<"$help"
check "the CLI looks for the socket in RUNSTATEDIR/vnet" \
    sh -c "'$D$P/bin/vnet' list 2>&1 | grep -q '$P/rt/vnet/vnetd.sock'"
check "man page vnet(1)" test -f "$D$P/share/man/man1/vnet.1"
check "man page vnetd(8)" test -f "$D$P/share/man/man8/vnetd.8"
for ex in nat routed isolated bridge dual-stack forwards; do
    check "example $ex.xml" test -f "$D$P/share/vnet/examples/$ex.xml"
done
check "bash completion" test -f "$D$P/share/bash-completion/completions/vnet"
check "zsh completion" test -f "$D$P/share/zsh/vendor-completions/_vnet"

# The main build, prefix /usr: systemd's and bash-completion's own directories.
installed=$(meson introspect "$main_build" --installed)
want_unit=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
check "prefix /usr: the unit goes to systemd.pc's $want_unit" \
    grep -q "\"$want_unit/vnetd.service\"" <<<"$installed"
if pkg-config --exists bash-completion; then
    want_bc=$(pkg-config --variable=completionsdir bash-completion)
    check "prefix /usr: bash completion in $want_bc" grep -q "\"$want_bc/vnet\"" <<<"$installed"
fi
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
