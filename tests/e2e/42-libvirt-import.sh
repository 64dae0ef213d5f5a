#!/usr/bin/env bash
# Scenario 42: `vnet import-libvirt DIR [--dry-run]` defines libvirt's saved networks with their
# autostart flags, and says what it refused and why (name, bridge or subnet already used).
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

D=$E2E_TMP/libvirt-networks
mkdir -p "$D/autostart"
# libvirt's own default network: name and subnet clash with vnet's default
cat >"$D/default.xml" <<XML
<network>
  <name>default</name>
  <uuid>9bd3e4a3-3a3b-4c0e-9a6e-7b8ad1c5b0a1</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <mac address='52:54:00:0a:0b:0c'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
  </ip>
</network>
XML
ln -s ../default.xml "$D/autostart/default.xml"
cat >"$D/lab.xml" <<XML
<network>
  <name>lab</name>
  <uuid>1b7c0f1e-8a4c-4d8b-b0a5-2f3e4d5c6b7a</uuid>
  <forward mode='route'/>
  <bridge name='vt-lab0' stp='off' delay='0'/>
  <ip address='192.168.190.1' prefix='24'/>
</network>
XML
ln -s ../lab.xml "$D/autostart/lab.xml"
cat >"$D/quiet.xml" <<XML
<network>
  <name>quiet</name>
  <bridge name='vt-quiet0'/>
  <ip address='192.168.191.1' prefix='24'/>
</network>
XML
# same subnet as lab
cat >"$D/twin.xml" <<XML
<network>
  <name>twin</name>
  <bridge name='vt-twin0'/>
  <ip address='192.168.190.129' prefix='25'/>
</network>
XML
# bridge of quiet
cat >"$D/samebr.xml" <<XML
<network>
  <name>samebr</name>
  <bridge name='vt-quiet0'/>
  <ip address='192.168.192.1' prefix='24'/>
</network>
XML
echo "<network><name>broken" >"$D/broken.xml"

expect_rc "import --dry-run reports refusals (status 1)" 1 vnet import-libvirt "$D" --dry-run
dry=$E2E_OUT
expect_match "dry run: default refused (name)" "refused $D/default.xml \(network 'default'\): a network named 'default' already exists in vnet" "$dry"
expect_match "dry run: lab would be defined with autostart" "would define network 'lab' from $D/lab.xml, autostart" "$dry"
expect_match "dry run: quiet would be defined" "would define network 'quiet' from $D/quiet.xml$" "$dry"
expect_match "dry run: twin refused (subnet)" "refused $D/twin.xml \(network 'twin'\): subnet 192\.168\.190\.129/25 overlaps network 'lab' \(192\.168\.190\.1/24\)" "$dry"
expect_match "dry run: samebr refused (bridge)" "refused $D/samebr.xml \(network 'samebr'\): bridge 'vt-quiet0' is already used by network 'quiet'" "$dry"
expect_match "dry run: broken refused with the parser's message" "refused $D/broken.xml: .*broken.xml:" "$dry"
expect_match "dry run: summary" "2 network\(s\) would be defined, 4 refused" "$dry"
expect_false "dry run defined nothing" vnet info lab

expect_rc "import reports refusals (status 1)" 1 vnet import-libvirt "$D"
expect_match "lab defined with autostart" "defined network 'lab' from $D/lab.xml, autostart" "$E2E_OUT"
expect_match "quiet defined" "defined network 'quiet' from $D/quiet.xml$" "$E2E_OUT"
expect_match "summary" "2 network\(s\) defined, 4 refused" "$E2E_OUT"
e2e_run vnet info lab
expect_match "lab has autostart on" '^Autostart: +yes' "$E2E_OUT"
e2e_run vnet info quiet
expect_match "quiet has autostart off" '^Autostart: +no' "$E2E_OUT"
expect_match "lab keeps libvirt's UUID" "1b7c0f1e-8a4c-4d8b-b0a5-2f3e4d5c6b7a" "$(vnet uuid lab)"
e2e_run vnet info default
expect_match "vnet's default is untouched" '^Bridge: +virbr0' "$E2E_OUT"
expect_ok "the imported network starts" vnet start lab
expect_true "its bridge exists" link_exists vt-lab0
expect_rc "a second import refuses everything already there" 1 vnet import-libvirt "$D"
expect_match "lab now refused by name" "refused $D/lab.xml \(network 'lab'\): a network named 'lab' already exists" "$E2E_OUT"
expect_rc "a missing directory is an error" 1 vnet import-libvirt "$E2E_TMP/nope"
expect_match "saying so" "cannot read $E2E_TMP/nope" "$E2E_OUT"
e2e_done
