#!/bin/bash
# The libnftnl paths (fw_nftnl.c) install exactly what libnftables installs
# from the planned script: for every golden definition, the table applied
# both ways in two fresh namespaces lists identically (`nft list ruleset`);
# replacing it, deleting and re-adding its forwards as elements, and removing
# it (twice: absent is success) behave the same. Also: with foreign tables
# present, the libnftnl path leaves them alone.
# usage: nftnl-equiv.sh FW_TOOL DATA_DIR
set -u
TOOL=$1
DATA=$2
ID=vnt-nl$$$RANDOM
A=$ID-a B=$ID-b
TMP=$(mktemp -d)
fails=0 checks=0
cleanup() {
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$A" && ip netns add "$B" || { echo "cannot create namespaces"; exit 1; }
nx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
check() { # DESC CMD...
    checks=$((checks + 1))
    if "${@:2}" >"$TMP/out" 2>&1; then echo "ok - $1"; else
        fails=$((fails + 1)); echo "not ok - $1"; sed 's/^/#   /' "$TMP/out"; fi
}
same() { # the two namespaces list the same ruleset
    nx "$A" nft list ruleset >"$TMP/a" && nx "$B" nft list ruleset >"$TMP/b" &&
        diff -u "$TMP/a" "$TMP/b"
}
# A foreign table in both namespaces: must survive everything below.
for ns in $A $B; do nx "$ns" nft -f - <<<'table ip other { chain c { counter; }; }' || exit 1; done
for xml in "$DATA"/*.xml; do
    n=$(basename "$xml" .xml)
    check "$n: libnftables applies the plan" nx "$A" "$TOOL" apply "$xml"
    check "$n: libnftnl applies the table" nx "$B" "$TOOL" table-apply "$xml"
    check "$n: both list the same ruleset" same
    check "$n: libnftnl replaces the table" nx "$B" "$TOOL" table-apply "$xml"
    check "$n: still the same after the replace" same
    if grep -q portForward "$xml"; then
        check "$n: forwards deleted as elements" nx "$B" "$TOOL" forwards-del "$xml"
        check "$n: deleting absent forwards succeeds" nx "$B" "$TOOL" forwards-del "$xml"
        check "$n: no element left" sh -c "! ip netns exec $B nft list ruleset | grep -q elements"
        check "$n: forwards added as elements" nx "$B" "$TOOL" forwards-add "$xml"
        check "$n: adding present forwards succeeds" nx "$B" "$TOOL" forwards-add "$xml"
        check "$n: same ruleset after re-adding forwards" same
    fi
    check "$n: libnftables removes the table" nx "$A" "$TOOL" remove "$xml"
    check "$n: libnftnl removes the table" nx "$B" "$TOOL" table-remove "$xml"
    check "$n: removing an absent table succeeds" nx "$B" "$TOOL" table-remove "$xml"
    check "$n: same after the removal" same
done
nofail() { ! "$@"; }
check "forwards-add without the table fails (promptly, with the kernel's error)" \
    nofail timeout 3 ip netns exec "$B" "$TOOL" forwards-add "$DATA/nat-port-forwards.xml"
check "the foreign table is untouched" sh -c "ip netns exec $B nft list table ip other | grep -q counter"
echo "1..$checks"
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
