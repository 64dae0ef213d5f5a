#!/usr/bin/env bash
# Scenario 13: hand edits of the definitions directory are safe.
#   - a definition added by hand is picked up by `vnet reload` (and SIGHUP, which no longer
#     ends vnetd);
#   - a file that no longer parses does not make its running network vanish: it keeps running
#     on its last good definition, reload exits 1 naming file and line, list and info warn,
#     list --json carries the problem; also across a vnetd restart;
#   - a fixed file is taken on SIGHUP (the saved definition; the running one until restart);
#   - a file removed by hand undefines its network;
#   - a running network's file edited by hand, then a vnetd restart: it keeps running the
#     definition it was started with.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
DEF=$ROOT/etc/vnet/networks

net_define_start hand "$(net_xml hand vt-hand0 192.168.171 nat)" || e2e_fatal "network hand is up"

# ------------------------------------------------------------------ added by hand
net_xml added vt-add0 192.168.172 route >"$DEF/added.xml"
expect_ok "reload after a file was added by hand" vnet reload
expect_match "reload says what it added" "^Definitions reloaded: 1 added \(added\), 0 changed, 0 removed$" "$E2E_OUT"
e2e_run vnet list --all
expect_match "list --all shows it" '^ added +inactive +no +yes$' "$E2E_OUT"
expect_ok "it starts" vnet start added
expect_true "with its bridge" link_exists vt-add0
expect_ok "destroy it again" vnet destroy added
expect_match "the file was completed (uuid, mac) when read" "<uuid>" "$(cat "$DEF/added.xml")"

# ------------------------------------------------------------------ broken by hand
good=$(cat "$DEF/hand.xml")
printf '%s\n' "$good" | sed "s|<range start='192.168.171.100'|<range begin='192.168.171.100'|" >"$DEF/hand.xml"
line=$(grep -n "begin=" "$DEF/hand.xml" | cut -d: -f1)
expect_rc "reload with a broken file exits 1" 1 vnet reload
expect_match "naming the file and line" "^error: $DEF/hand.xml:$line: .*network 'hand' keeps running on its last good definition" "$E2E_OUT"
expect_true "the network still runs" net_active hand
expect_true "its bridge is still there" link_exists vt-hand0
e2e_run vnet list
expect_match "list shows it active" '^ hand +active +no +yes$' "$E2E_OUT"
expect_match "and warns about the file" "^warning: $DEF/hand.xml:$line: " "$E2E_OUT"
e2e_run vnet info hand
expect_match "info shows it active" '^Active: +yes$' "$E2E_OUT"
expect_match "and warns about the file" "^warning: $DEF/hand.xml:$line: " "$E2E_OUT"
e2e_run sh -c "'$VNET_BIN' --root '$ROOT' list --all --json 2>/dev/null | jq -r '.[] | select(.name==\"hand\") | .problem.line'"
expect_eq "list --json carries the problem's line" "$line" "$E2E_OUT"
expect_match "dumpxml --inactive shows the last good definition" "start='192.168.171.100'" "$(vnet dumpxml hand --inactive)"

vnetd_stop
vnetd_start || e2e_fatal "vnetd restarts with the broken file"
expect_true "after a restart the network is still active" net_active hand
e2e_run vnet list
expect_match "still persistent (its last good definition is the running one)" '^ hand +active +no +yes$' "$E2E_OUT"
expect_match "and list still warns" "^warning: $DEF/hand.xml:$line: .*keeps running on its last good definition" "$E2E_OUT"
expect_eq "the broken file is left as it is" "$line" "$(grep -n "begin=" "$DEF/hand.xml" | cut -d: -f1)"

# ------------------------------------------------------------------ fixed, SIGHUP
printf '%s\n' "$good" | sed "s|192.168.171.199|192.168.171.150|" >"$DEF/hand.xml"
kill -HUP "$VNETD_PID"
no_warning() { ! vnet list 2>&1 | grep -q '^warning:'; }
expect_true "after SIGHUP the problem is gone" wait_for 10 no_warning
expect_true "vnetd survived SIGHUP" pid_alive "$VNETD_PID"
expect_match "the saved definition is the fixed file" "end='192.168.171.150'" "$(vnet dumpxml hand --inactive)"
expect_match "the running network keeps its definition until restarted" "end='192.168.171.199'" "$(vnet dumpxml hand)"
expect_ok "restart it" sh -c "'$VNET_BIN' --root '$ROOT' destroy hand && '$VNET_BIN' --root '$ROOT' start hand"
expect_match "now it runs the new definition" "end='192.168.171.150'" "$(vnet dumpxml hand)"
status_refers_to_file() { jq -e '.def_is_config == true' "$ROOT/run/vnet/status/hand.json" >/dev/null; }
expect_true "its status file refers to the definition file" status_refers_to_file
seen_changes() { grep -c "hand.xml changed on disk" "$VNETD_LOG"; }
before=$(seen_changes)
expect_ok "forward-add saves the definition (vnetd's own write)" \
    vnet forward-add hand --proto tcp --port 8080 --to 192.168.171.10:80
expect_ok "then reload (the file is what vnetd wrote: nothing changes)" vnet reload
expect_true "vnetd's own write is not taken for a hand edit" status_refers_to_file
expect_eq "nothing about a change on disk in the log" "$before" "$(seen_changes)"

# ------------------------------------------------------------------ removed by hand
rm "$DEF/added.xml"
kill -HUP "$VNETD_PID"
gone() { ! vnet list --all --name | grep -qx added; }
expect_true "after SIGHUP a network whose file was removed is gone" wait_for 10 gone

# ------------------------------------------------------------------ edited while running, then a restart
sed -i "s|192.168.171.150|192.168.171.140|" "$DEF/hand.xml"
expect_true "vnetd notices the edit" wait_for 10 grep -q "hand.xml changed on disk" "$VNETD_LOG"
vnetd_stop
vnetd_start || e2e_fatal "vnetd restarts after the hand edit"
expect_true "hand is still active" net_active hand
expect_match "running the definition it was started with" "end='192.168.171.150'" "$(vnet dumpxml hand)"
expect_match "while its saved definition is the edited file" "end='192.168.171.140'" "$(vnet dumpxml hand --inactive)"

e2e_done
