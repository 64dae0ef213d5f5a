#!/usr/bin/env bash
# The bash completion (share/completion/vnet.bash) without a daemon: commands (vnet's and
# virsh's names), options of a command, option values. Network names and forward ports come
# from a running vnetd: tests/e2e/17-virsh-compat.sh checks those.
# Usage: check-completion.sh COMPLETION-FILE VNET
set -u
. "$1"
V=$2
pass=0
fail=0
comp() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _vnet; echo "${COMPREPLY[*]}"; }
expect() { # DESC WANT GOT
    if [ "$2" = "$3" ]; then
        pass=$((pass + 1))
        echo "ok - $1"
    else
        fail=$((fail + 1))
        echo "not ok - $1: want '$2', got '$3'"
    fi
}
expect "a virsh command name" "net-list" "$(comp "$V" net-li)"
expect "vnet command names" "edit" "$(comp "$V" edi)"
expect "the commands of i (vnet and virsh names)" "info" "$(comp "$V" inf)"
expect "a command's options" "--all" "$(comp "$V" net-list --al)"
expect "dumpxml's options" "--xpath" "$(comp "$V" net-dumpxml lab --xp)"
expect "forward protocols" "tcp udp" "$(comp "$V" forward-add lab --proto "")"
expect "net-update commands" "add add-first add-last delete modify" "$(comp "$V" net-update lab "")"
expect "net-update sections" "ip-dhcp-host ip-dhcp-range" "$(comp "$V" net-update lab add ip-dhcp-)"
expect "net-update --section values" "dns-host dns-txt dns-srv" "$(comp "$V" net-update --section dns-)"
expect "-c URIs" "vnet:///system vnet:///system?socket=" "$(comp "$V" -c vnet)"
expect "global options" "--connect" "$(comp "$V" --conn)"
echo "completion: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
