#!/usr/bin/env bash
# Scenario 12: virsh scripts run unchanged. Every documented form of virsh's network commands
# (virsh/cases.txt) runs against vnet and against libvirt 9.0 on the same definitions, and
# stdout, exit status and (where flagged) stderr must be equal.
#
# libvirt's side is virsh itself with libvirt's test driver (test:///FILE, the definitions in
# a <node> file): libvirt's own command parsing, lookups, network objects and output, without
# a libvirtd (only libvirt-clients is installed here). Where the test driver cannot stand in
# for the network driver (undefine of an active network, dhcp-leases), the expected output is
# libvirt's recorded one (virsh/*.out, ../shared/reference/libvirt-rpc/). Then net-edit with a
# scripted $EDITOR: unchanged, changed, a broken edit answered 'n' and 'y' on a terminal.
. "$(dirname "$0")/lib.sh"
e2e_init

command -v virsh >/dev/null || e2e_fatal "virsh (libvirt-clients) is installed"
CASES=$E2E_DIR/virsh
REF=$E2E_SRC_DIR/../shared/reference/libvirt-rpc
e2e_start

# The fixture: lab (active, autostart) and idle (inactive), as libvirt's test driver node.
NODE=$E2E_TMP/node.xml
{ echo "<node>"; cat "$CASES/lab.xml" "$CASES/idle.xml"; echo "</node>"; } >"$NODE"
VIRSH_SETUP="net-destroy idle; net-autostart lab; echo @@@;"

# vnet_reset: only lab and idle, as in the fixture (the built-in default goes too).
vnet_reset() {
    local n
    for n in $(vnet list --all --name); do
        case $n in lab | idle) ;; *) vnet destroy "$n"; vnet undefine "$n" ;; esac
    done
    vnet destroy lab
    vnet destroy idle
    vnet define "$CASES/lab.xml" && vnet define "$CASES/idle.xml" && vnet start lab &&
        vnet autostart lab && vnet autostart idle --disable
} >/dev/null 2>&1

# run_vnet CMDS OUT ERR: each ';'-separated command (shell-quoted), outputs appended; the
# status is the last command's, as virsh's.
run_vnet() {
    local cmds=$1 out=$2 err=$3 c rc=0
    : >"$out"
    : >"$err"
    local -a words
    IFS=';' read -ra parts <<<"$cmds"
    for c in "${parts[@]}"; do
        eval "words=($c)"
        vnet "${words[@]}" >>"$out" 2>>"$err"
        rc=$?
    done
    return $rc
}

# run_virsh CMDS OUT ERR: one virsh invocation: the fixture's setup, a marker, the commands;
# stdout after the marker is the commands' output (virsh's echo ends its line with a newline
# unless -q).
run_virsh() {
    local cmds=$1 out=$2 err=$3 rc
    local -a globals=()
    if [[ $cmds == "-q "* ]]; then
        globals=(-q)
        cmds=${cmds#-q }
    fi
    virsh -c "test://$NODE" "${globals[@]}" "$VIRSH_SETUP $cmds" >"$out.raw" 2>"$err"
    rc=$?
    perl -0pe 's/\A.*?@@@\n?//s' "$out.raw" >"$out"
    return $rc
}

trim() { sed 's/^ *//; s/ *$//'; }

n=0
while IFS='|' read -r name vcmd xcmd flags; do
    name=$(trim <<<"$name")
    case $name in '' | '#'*) continue ;; esac
    vcmd=$(trim <<<"$vcmd")
    xcmd=$(trim <<<"$xcmd")
    flags=$(trim <<<"$flags")
    [ -n "$xcmd" ] || xcmd=$vcmd
    vcmd=${vcmd//@DIR/$CASES}
    xcmd=${xcmd//@DIR/$CASES}
    n=$((n + 1))
    vnet_reset
    d=$E2E_TMP/case-$name
    mkdir -p "$d"
    run_vnet "$vcmd" "$d/vnet.out" "$d/vnet.err"
    vrc=$?
    ref=""
    for f in $flags; do
        case $f in libvirt:*) ref=${f#libvirt:} ;; esac
    done
    if [ -n "$ref" ]; then # NAME.out, and NAME.err / NAME.rc when not empty / 0
        src=$CASES/$ref
        [ -f "$src.out" ] || src=$REF/$ref
        cp "$src.out" "$d/virsh.out"
        if [ -f "$src.err" ]; then cp "$src.err" "$d/virsh.err"; else : >"$d/virsh.err"; fi
        xrc=0
        [ -f "$src.rc" ] && xrc=$(cat "$src.rc")
    else
        run_virsh "$xcmd" "$d/virsh.out" "$d/virsh.err"
        xrc=$?
    fi
    problems=()
    [ "$vrc" = "$xrc" ] || problems+=("exit status: vnet $vrc, libvirt $xrc")
    if ! cmp -s "$d/vnet.out" "$d/virsh.out"; then
        problems+=("stdout differs:" "$(diff -u "$d/virsh.out" "$d/vnet.out" | tail -n +3)")
    fi
    if [[ " $flags " == *" stderr "* ]] && ! cmp -s "$d/vnet.err" "$d/virsh.err"; then
        problems+=("stderr differs:" "$(diff -u "$d/virsh.err" "$d/vnet.err" | tail -n +3)")
    elif ! cmp -s <(head -n1 "$d/vnet.err") <(head -n1 "$d/virsh.err"); then
        problems+=("first stderr line differs:" "vnet:   $(head -n1 "$d/vnet.err")"
            "libvirt: $(head -n1 "$d/virsh.err")")
    fi
    if [ ${#problems[@]} -eq 0 ]; then
        e2e_pass "virsh $name: $vcmd"
    else
        e2e_fail "virsh $name: $vcmd" "${problems[@]}"
    fi
done <"$CASES/cases.txt"
expect_true "the table has cases ($n)" test "$n" -gt 40

# ------------------------------------------------------------------ -c URIs
vnet_reset
sock=$(vnetd_socket)
e2e_run ip netns exec "$HOST_NS" "$VNET_BIN" -c "vnet:///system?socket=$sock" net-list --name
expect_eq "-c vnet:///system?socket=PATH reaches vnetd" "lab" "$E2E_OUT"
e2e_run ip netns exec "$HOST_NS" "$VNET_BIN" --connect="network:///system?socket=$sock" net-uuid lab
expect_eq "--connect=network:///system?socket=PATH too" "5d4a2f0e-1c33-4a8e-9f0b-2b7a6c1d9e01" "$E2E_OUT"
expect_rc "-c qemu:///system is refused" 1 vnet -c qemu:///system net-list
expect_match "saying which URIs work" "vnet:///system, network:///system" "$E2E_OUT"

# ------------------------------------------------------------------ bash completion
# network names (and forward ports) come from the running vnetd, through --root
vnet forward-add lab --proto tcp --port 8080 --to 10.77.0.10:80 >/dev/null 2>&1
comp() { # WORDS...: what bash completion offers for the last word
    bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vnet; echo "${COMPREPLY[*]}"' \
        "$E2E_SRC_DIR/share/completion/vnet.bash" "$@"
}
expect_eq "completion: network names" "idle lab" "$(comp "$VNET_BIN" --root "$ROOT" net-start "")"
expect_eq "completion: --network names" "lab" "$(comp "$VNET_BIN" --root "$ROOT" net-info --network l)"
expect_eq "completion: forward-del --port from the network's forwards" "8080" \
    "$(comp "$VNET_BIN" --root "$ROOT" forward-del lab --proto tcp --port "")"

# ------------------------------------------------------------------ net-edit
# A scripted editor: EDIT_SCRIPT is a sed program applied to the file.
EDITOR_SH=$E2E_TMP/editor.sh
cat >"$EDITOR_SH" <<'SH'
#!/bin/sh
echo "edit $1" >>"$EDIT_LOG"
[ -n "$EDIT_SCRIPT" ] && sed -i "$EDIT_SCRIPT" "$1"
# a second round (after "Try again? y") applies EDIT_SCRIPT2
if [ -n "${EDIT_SCRIPT2:-}" ] && [ "$(wc -l <"$EDIT_LOG")" -ge 2 ]; then sed -i "$EDIT_SCRIPT2" "$1"; fi
exit 0
SH
chmod 755 "$EDITOR_SH"
export EDIT_LOG=$E2E_TMP/edit.log
edit() { # EDIT_SCRIPT [EDIT_SCRIPT2] -- ARGS: vnet net-edit with the scripted editor
    local s1=$1 s2=$2
    shift 2
    : >"$EDIT_LOG"
    EDITOR=$EDITOR_SH VISUAL= EDIT_SCRIPT=$s1 EDIT_SCRIPT2=$s2 "$@"
}
vnet_reset
before=$(vnet dumpxml lab --inactive)
e2e_run edit "" "" vnet net-edit lab
expect_eq "an unchanged edit says so" "Network lab XML configuration not changed." "$E2E_OUT"
expect_eq "and changes nothing" "$before" "$(vnet dumpxml lab --inactive)"
expect_eq "the editor ran once" 1 "$(wc -l <"$EDIT_LOG")"

e2e_run edit "s/10.77.0.199/10.77.0.150/" "" vnet edit 5d4a2f0e-1c33-4a8e-9f0b-2b7a6c1d9e01
expect_eq "a changed edit (by UUID) is defined" "Network 5d4a2f0e-1c33-4a8e-9f0b-2b7a6c1d9e01 XML configuration edited." "$E2E_OUT"
expect_match "the saved definition has the change" "end='10.77.0.150'" "$(vnet dumpxml lab --inactive)"
expect_match "the running network keeps its definition until restarted" "end='10.77.0.199'" "$(vnet dumpxml lab)"
VISUAL_LOG=$E2E_TMP/visual.log
e2e_run env VISUAL="sh -c 'echo visual >$VISUAL_LOG' sh" EDITOR=false "$VNET_BIN" --root "$ROOT" net-edit lab
expect_true "\$VISUAL wins over \$EDITOR" grep -q visual "$VISUAL_LOG"

# A broken edit, not on a terminal: the error, no question, nothing changed, status 1.
before=$(vnet dumpxml lab --inactive)
expect_rc "a broken edit fails (no terminal: no question)" 1 edit "s/<range start/<range nostart/" "" vnet net-edit lab
expect_match "with the error naming the edited file and line" "^error: .*vnet.*\.xml:[0-9]+: .*" "$E2E_OUT"
expect_eq "and nothing changed" "$before" "$(vnet dumpxml lab --inactive)"

# On a terminal: virsh's question; 'n' gives up, 'y' opens the editor again (which fixes it).
pty_edit() { # ANSWERS: run net-edit on a pseudo-terminal, typing ANSWERS (one per line)
    python3 - "$1" "$HOST_NS" "$VNET_BIN" "$ROOT" <<'PY'
import os, pty, sys, time, select
answers, ns, vnet, root = sys.argv[1].split(","), sys.argv[2], sys.argv[3], sys.argv[4]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("ip", ["ip", "netns", "exec", ns, vnet, "--root", root, "net-edit", "lab"])
out, deadline = b"", time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if out.rstrip().endswith(b"[y,n,i,f,?]:") and answers:
            os.write(fd, (answers.pop(0) + "\n").encode())
    elif os.waitpid(pid, os.WNOHANG)[0]:
        break
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}
export EDITOR=$EDITOR_SH VISUAL=
export EDIT_SCRIPT="s/<range start/<range nostart/" EDIT_SCRIPT2=""
: >"$EDIT_LOG"
e2e_run pty_edit n
expect_eq "answer n: status 1" 1 "$E2E_RC"
expect_match "virsh's question is asked" "Failed\. Try again\? \[y,n,i,f,\?\]:" "$E2E_OUT"
expect_eq "and nothing changed" "$before" "$(vnet dumpxml lab --inactive)"
export EDIT_SCRIPT2="s/<range nostart/<range start/; s/10.77.0.150/10.77.0.160/"
: >"$EDIT_LOG"
e2e_run pty_edit y
expect_eq "answer y, then a fixed edit: status 0" 0 "$E2E_RC"
expect_match "the editor ran twice, and the edit was defined" "XML configuration edited" "$E2E_OUT"
expect_eq "two editor runs" 2 "$(wc -l <"$EDIT_LOG")"
expect_match "the fixed edit is saved" "end='10.77.0.160'" "$(vnet dumpxml lab --inactive)"
unset EDITOR VISUAL EDIT_SCRIPT EDIT_SCRIPT2

# ------------------------------------------------------------------ undefine of an active network
vnet_reset
expect_ok "undefine of an active network" vnet net-undefine lab
expect_true "it keeps running" net_active lab
expect_true "its bridge is still there" link_exists vc-lab0
expect_false "its definition file is gone" test -e "$ROOT/etc/vnet/networks/lab.xml"
expect_false "its autostart link is gone" test -e "$ROOT/etc/vnet/networks/autostart/lab.xml"
vnetd_stop
vnetd_start || e2e_fatal "vnetd restarts"
e2e_run vnet net-list --all --transient
expect_match "after a vnetd restart it is still active and transient" '^ lab +active +no +no$' "$E2E_OUT"
expect_ok "destroy" vnet net-destroy lab
expect_rc "then it is gone" 1 vnet net-info lab
expect_false "with its bridge" link_exists vc-lab0

e2e_done
