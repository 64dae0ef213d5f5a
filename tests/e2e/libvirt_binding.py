#!/usr/bin/python3
"""Drive vnetd's libvirt RPC with Debian's python3-libvirt (the real binding).

Usage: libvirt_binding.py CHECK SOCKET [ARGS...]
Prints one line per check: "PASS description" or "FAIL description: detail";
the calling scenario (tests/e2e/41-libvirt-python.sh) turns them into TAP.
Environment: VNET_CMD is the command prefix that runs the vnet CLI against the
same daemon (used by the events check), HOST_NS the host namespace.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import libvirt

REMOTE, KEEPALIVE = 0x20008086, 0x6B656570
results = []


def check(desc, cond, detail=""):
    print(("PASS " if cond else "FAIL ") + desc + ("" if cond else ": " + str(detail)), flush=True)


def expect_error(desc, code, fn, *args):
    try:
        fn(*args)
    except libvirt.libvirtError as e:
        check(desc, e.get_error_code() == code,
              "code %s (%s), wanted %s" % (e.get_error_code(), e.get_error_message(), code))
        return e
    check(desc, False, "no error")
    return None


def uri(sock):
    return "network:///system?socket=" + sock


def net_xml(name, bridge, net3, fwd="nat"):
    f = "" if fwd == "none" else "<forward mode='%s'/>" % fwd
    return ("<network><name>%s</name>%s<bridge name='%s' stp='off'/>"
            "<ip address='%s.1' prefix='24'><dhcp><range start='%s.100' end='%s.199'/>"
            "</dhcp></ip></network>" % (name, f, bridge, net3, net3, net3))


def silence_errors():
    libvirt.registerErrorHandler(lambda ctx, err: None, None)


# ---------------------------------------------------------------- connection and networks

def check_basic(sock):
    c = libvirt.open(uri(sock))
    check("getType", c.getType() == "network", c.getType())
    check("getVersion", c.getVersion() >= 9000000, c.getVersion())
    check("getLibVersion", c.getLibVersion() >= 9000000, c.getLibVersion())
    check("getHostname", c.getHostname() == socket.gethostname(), c.getHostname())
    check("getURI", c.getURI().startswith("network:///system"), c.getURI())
    check("isSecure", c.isSecure() == 1)
    check("isEncrypted", c.isEncrypted() == 0)
    check("isAlive", c.isAlive() == 1)
    c.setIdentity({libvirt.VIR_CONNECT_IDENTITY_USER_NAME: "qemu",
                   libvirt.VIR_CONNECT_IDENTITY_UNIX_USER_ID: 64055,
                   libvirt.VIR_CONNECT_IDENTITY_PROCESS_ID: os.getpid()})
    check("setIdentity (as virtqemud sends it) is accepted", True)

    n = c.networkDefineXMLFlags(net_xml("py1", "vt-py1", "192.168.170"),
                                libvirt.VIR_NETWORK_DEFINE_VALIDATE)
    check("networkDefineXMLFlags(VALIDATE) returns the network", n.name() == "py1", n.name())
    check("defined network is persistent and inactive", n.isPersistent() == 1 and n.isActive() == 0)
    check("bridgeName", n.bridgeName() == "vt-py1", n.bridgeName())
    n2 = c.networkLookupByUUID(n.UUID())
    check("networkLookupByUUID", n2.name() == "py1")
    n3 = c.networkLookupByUUIDString(n.UUIDString())
    check("networkLookupByUUIDString", n3.name() == "py1")
    check("networkLookupByName", c.networkLookupByName("py1").UUIDString() == n.UUIDString())
    check("listDefinedNetworks has py1", "py1" in c.listDefinedNetworks(), c.listDefinedNetworks())
    check("numOfDefinedNetworks", c.numOfDefinedNetworks() == len(c.listDefinedNetworks()))
    n.create()
    check("create starts it", n.isActive() == 1)
    check("listNetworks has py1", "py1" in c.listNetworks(), c.listNetworks())
    check("numOfNetworks", c.numOfNetworks() == len(c.listNetworks()))
    n.setAutostart(1)
    check("setAutostart/autostart", n.autostart() == 1)
    xml = n.XMLDesc(0)
    check("XMLDesc (live)", "<name>py1</name>" in xml and n.UUIDString() in xml, xml)
    n.update(libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
             -1, "<host mac='52:54:00:00:01:01' ip='192.168.170.11'/>",
             libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG)
    check("update adds a dhcp host (live)", "192.168.170.11" in n.XMLDesc(0))
    check("update adds a dhcp host (config)",
          "192.168.170.11" in n.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE))
    n.update(libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
             -1, "<host mac='52:54:00:00:01:01' ip='192.168.170.11'/>",
             libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG)
    check("update deletes from the config only",
          "192.168.170.11" not in n.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
          and "192.168.170.11" in n.XMLDesc(0))
    check("DHCPLeases (none yet)", n.DHCPLeases() == [], n.DHCPLeases())
    check("DHCPLeases with a MAC filter", n.DHCPLeases("52:54:00:00:00:99") == [])

    t = c.networkCreateXMLFlags(net_xml("pyt", "vt-pyt", "192.168.171"),
                                libvirt.VIR_NETWORK_CREATE_VALIDATE)
    check("networkCreateXMLFlags makes a transient active network",
          t.isActive() == 1 and t.isPersistent() == 0)
    t2 = c.networkCreateXML(net_xml("pyt2", "vt-pyt2", "192.168.172", "none"))
    check("networkCreateXML", t2.isActive() == 1)

    # every listAllNetworks filter
    F = libvirt
    want = {
        F.VIR_CONNECT_LIST_NETWORKS_ACTIVE: {"default", "py1", "pyt", "pyt2"},
        F.VIR_CONNECT_LIST_NETWORKS_INACTIVE: set(),
        F.VIR_CONNECT_LIST_NETWORKS_PERSISTENT: {"default", "py1"},
        F.VIR_CONNECT_LIST_NETWORKS_TRANSIENT: {"pyt", "pyt2"},
        F.VIR_CONNECT_LIST_NETWORKS_AUTOSTART: {"default", "py1"},
        F.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART: {"pyt", "pyt2"},
        0: {"default", "py1", "pyt", "pyt2"},
        F.VIR_CONNECT_LIST_NETWORKS_TRANSIENT | F.VIR_CONNECT_LIST_NETWORKS_AUTOSTART: set(),
    }
    for flags, names in want.items():
        got = {x.name() for x in c.listAllNetworks(flags)}
        check("listAllNetworks(flags=%d)" % flags, got == names, got)
    n.destroy()
    got = {x.name() for x in c.listAllNetworks(F.VIR_CONNECT_LIST_NETWORKS_INACTIVE)}
    check("listAllNetworks(INACTIVE) after destroy", got == {"py1"}, got)
    check("XMLDesc(INACTIVE) of the inactive network", "<name>py1</name>" in n.XMLDesc(1))
    t.destroy()
    t2.destroy()
    expect_error("a destroyed transient network is gone", libvirt.VIR_ERR_NO_NETWORK,
                 c.networkLookupByName, "pyt")

    # errors read as libvirt's
    e = expect_error("lookup of a missing network: VIR_ERR_NO_NETWORK", libvirt.VIR_ERR_NO_NETWORK,
                     c.networkLookupByName, "nosuch")
    if e:
        check("... with libvirt's message",
              e.get_error_message() == "Network not found: no network with matching name 'nosuch'",
              e.get_error_message())
        check("... from the network domain", e.get_error_domain() == libvirt.VIR_FROM_NETWORK)
    n.create()
    e = expect_error("starting an active network: VIR_ERR_OPERATION_INVALID",
                     libvirt.VIR_ERR_OPERATION_INVALID, n.create)
    expect_error("bad XML: VIR_ERR_XML_DETAIL", libvirt.VIR_ERR_XML_DETAIL,
                 c.networkDefineXML, "not xml")
    expect_error("invalid definition: VIR_ERR_XML_ERROR", libvirt.VIR_ERR_XML_ERROR,
                 c.networkDefineXML, "<network><name>bad</name><ip address='nope'/></network>")
    n.destroy()
    for i in range(5):  # at once, while the old bridge is still being deleted in the background
        n.create()
        n.destroy()
    check("5 start+destroy cycles back to back", n.isActive() == 0)
    n.create()
    n.undefine()  # as libvirt: an active network undefined keeps running, transient
    check("undefining an active network leaves it running, transient",
          n.isActive() == 1 and n.isPersistent() == 0)
    n.destroy()
    expect_error("destroyed, the undefined network is gone", libvirt.VIR_ERR_NO_NETWORK,
                 c.networkLookupByName, "py1")
    c.close()


def check_readonly(sock_ro):
    c = libvirt.open(uri(sock_ro))
    names = [x.name() for x in c.listAllNetworks()]
    check("read-only socket lists networks", "default" in names, names)
    check("read-only socket reads XML", "<name>default</name>" in
          c.networkLookupByName("default").XMLDesc(0))
    expect_error("read-only socket refuses define", libvirt.VIR_ERR_OPERATION_DENIED,
                 c.networkDefineXML, net_xml("ro1", "vt-ro1", "192.168.173"))
    expect_error("read-only socket refuses destroy", libvirt.VIR_ERR_OPERATION_DENIED,
                 c.networkLookupByName("default").destroy)
    expect_error("read-only socket refuses setAutostart", libvirt.VIR_ERR_OPERATION_DENIED,
                 c.networkLookupByName("default").setAutostart, 0)
    check("default is still active", c.networkLookupByName("default").isActive() == 1)
    c.close()


# ---------------------------------------------------------------- events

def run_loop(stop):
    while not stop.is_set():
        libvirt.virEventRunDefaultImpl()


def wait_events(got, want, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(w in got for w in want):
            return True
        time.sleep(0.05)
    return False


def check_events(sock):
    vnet = os.environ["VNET_CMD"].split()
    host_ns = os.environ["HOST_NS"]
    got = []
    c = libvirt.open(uri(sock))
    c.setKeepAlive(1, 3)
    cb = c.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE,
                                   lambda conn, net, ev, detail, opaque:
                                   got.append((net.name(), ev)), None)
    E = libvirt
    # through the binding (a second connection, as another client would)
    c2 = libvirt.open(uri(sock))
    n = c2.networkDefineXML(net_xml("ev1", "vt-ev1", "192.168.174"))
    n.create()
    n.destroy()
    check("events for changes through the binding (defined, started, stopped)",
          wait_events(got, [("ev1", E.VIR_NETWORK_EVENT_DEFINED), ("ev1", E.VIR_NETWORK_EVENT_STARTED),
                            ("ev1", E.VIR_NETWORK_EVENT_STOPPED)]), got)
    # through the vnet CLI
    del got[:]
    subprocess.run(vnet + ["start", "ev1"], check=True, capture_output=True)
    check("event for a start through the vnet CLI",
          wait_events(got, [("ev1", E.VIR_NETWORK_EVENT_STARTED)]), got)
    # drift repair: the bridge is deleted behind vnetd's back and re-created
    del got[:]
    subprocess.run(["ip", "-n", host_ns, "link", "del", "vt-ev1"], check=True)
    check("event for a drift repair (bridge re-created)",
          wait_events(got, [("ev1", E.VIR_NETWORK_EVENT_STARTED)]), got)
    del got[:]
    subprocess.run(vnet + ["destroy", "ev1"], check=True, capture_output=True)
    subprocess.run(vnet + ["undefine", "ev1"], check=True, capture_output=True)
    check("events for destroy and undefine through the vnet CLI",
          wait_events(got, [("ev1", E.VIR_NETWORK_EVENT_STOPPED),
                            ("ev1", E.VIR_NETWORK_EVENT_UNDEFINED)]), got)
    # a callback for one network only
    n = c2.networkDefineXML(net_xml("ev2", "vt-ev2", "192.168.175"))
    one = []
    cb2 = c.networkEventRegisterAny(c.networkLookupByName("ev2"),
                                    libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE,
                                    lambda conn, net, ev, detail, opaque:
                                    one.append((net.name(), ev)), None)
    n.create()
    c2.networkDefineXML(net_xml("ev3", "vt-ev3", "192.168.176"))
    wait_events(got, [("ev3", E.VIR_NETWORK_EVENT_DEFINED)])
    check("a callback for one network sees only that network",
          one == [("ev2", E.VIR_NETWORK_EVENT_STARTED)], one)
    c.networkEventDeregisterAny(cb2)
    c.networkEventDeregisterAny(cb)
    del got[:]
    n.destroy()
    time.sleep(0.5)
    check("no events after deregistering", got == [], got)
    n.undefine()
    c2.networkLookupByName("ev3").undefine()
    # keepalive: the client pings every second; stay idle past the server's drop time
    time.sleep(4)
    check("keepalive keeps an idle client connected", c.isAlive() == 1)
    check("... and it still answers", c.networkLookupByName("default").isActive() == 1)
    c.close()
    c2.close()


# ---------------------------------------------------------------- ports

def check_ports(sock, net):
    c = libvirt.open(uri(sock))
    n = c.networkLookupByName(net)
    xml = ("<networkport><uuid>99999999-8888-7777-6666-555555555555</uuid><owner><name>vm1</name>"
           "<uuid>11111111-2222-3333-4444-555555555555</uuid></owner>"
           "<mac address='52:54:00:dd:00:01'/></networkport>")
    p = n.portCreateXML(xml)
    check("portCreateXML", p.UUIDString() == "99999999-8888-7777-6666-555555555555", p.UUIDString())
    out = p.XMLDesc()
    check("port XML has the bridge plug", "<plug type='network' bridge='%s'" % n.bridgeName() in out,
          out)
    check("listAllPorts", [x.UUIDString() for x in n.listAllPorts()] == [p.UUIDString()])
    check("portLookupByUUIDString", n.portLookupByUUIDString(p.UUIDString()).UUIDString() ==
          p.UUIDString())
    params = p.parameters()
    check("port parameters() without a <bandwidth>: none (as libvirt 9.0 answers)",
          params == {}, params)
    # libvirt 11's client asks with nparams 0 and expects the whole list
    s = raw(sock)
    s.sendall(frame(REMOTE, 407, 1, xdr_string(net) + n.UUID() + p.UUID() + struct.pack(">iI", 0, 0)))
    m = recv_msg(s)
    s.close()
    check("port get-parameters with nparams 0 answers (the whole list: empty here)",
          m and m["status"] == 0 and struct.unpack(">I", m["body"][:4])[0] == 0, m)
    try:
        p.setParameters({"inbound.average": 1000})
        check("setParameters on a port without parameters fails in the binding", False, "no error")
    except LookupError:  # python3-libvirt asks for the parameters first, as with libvirtd
        check("setParameters on a port without parameters fails in the binding", True)

    def set_param(value):
        s = raw(sock)
        s.sendall(frame(REMOTE, 408, 1, xdr_string(net) + n.UUID() + p.UUID() +
                        struct.pack(">I", 1) + xdr_string("inbound.average") +
                        struct.pack(">iII", 2, value, 0)))  # VIR_TYPED_PARAM_UINT
        m = recv_msg(s)
        s.close()
        return m
    m = set_param(0)
    check("port set-parameters to 0 (no shaping) is accepted", m and m["status"] == 0, m)
    m = set_param(1000)
    check("port set-parameters of a bandwidth: VIR_ERR_NO_SUPPORT",
          m and m["status"] == 1 and error_code(m) == libvirt.VIR_ERR_NO_SUPPORT, m)
    expect_error("a second port with the same UUID is refused", libvirt.VIR_ERR_OPERATION_FAILED,
                 n.portCreateXML, xml)
    p.delete()
    check("port deleted", n.listAllPorts() == [])
    # a transient network's ports go with it
    t = c.networkCreateXML(net_xml("pyport", "vt-pyport", "192.168.183", "none"))
    t.portCreateXML(xml.replace("99999999", "77777777"))
    check("a port on a transient network", len(t.listAllPorts()) == 1)
    t.destroy()
    t = c.networkCreateXML(net_xml("pyport", "vt-pyport", "192.168.183", "none"))
    check("its ports are gone with it (same name again: none)", t.listAllPorts() == [])
    t.destroy()
    expect_error("lookup of a deleted port: VIR_ERR_NO_NETWORK_PORT",
                 libvirt.VIR_ERR_NO_NETWORK_PORT, n.portLookupByUUIDString,
                 "99999999-8888-7777-6666-555555555555")
    c.close()


def check_port_create(sock, net, mac, port_uuid):
    """Create a port as virtqemud would (print its plug's bridge)."""
    c = libvirt.open(uri(sock))
    c.setIdentity({libvirt.VIR_CONNECT_IDENTITY_USER_NAME: "qemu"})
    n = c.networkLookupByName(net)
    xml = ("<networkport><uuid>%s</uuid><owner><name>guest1</name>"
           "<uuid>11111111-2222-3333-4444-666666666666</uuid></owner>"
           "<mac address='%s'/></networkport>" % (port_uuid, mac))
    p = n.portCreateXML(xml)
    out = p.XMLDesc()
    import xml.etree.ElementTree as ET
    plug = ET.fromstring(out).find("plug")
    print("BRIDGE", plug.get("bridge") if plug is not None else "")
    c.close()


def plug_summary(port_xml):
    """A port's plug in short: "direct eth1 vepa", "bridge br0", "hostdev-pci 0000:03:10.0"."""
    import xml.etree.ElementTree as ET
    plug = ET.fromstring(port_xml).find("plug")
    if plug is None:
        return "none"
    t = plug.get("type")
    if t == "direct":
        return "direct %s %s" % (plug.get("dev"), plug.get("mode"))
    if t == "hostdev-pci":
        a = plug.find("address")
        return "hostdev-pci %04x:%02x:%02x.%x" % tuple(
            int(a.get(k), 16) for k in ("domain", "bus", "slot", "function"))
    return "%s %s" % (t, plug.get("bridge"))


def check_plug(sock, net):
    """Ask for a port as virtqemud would; print "PLUG <summary> <uuid>" or
    "ERROR <code> <message>" (the calling scenario checks them)."""
    import uuid
    c = libvirt.open(uri(sock))
    n = c.networkLookupByName(net)
    u = uuid.uuid4()
    mac = "52:54:00:%02x:%02x:%02x" % tuple(u.bytes[:3])
    xml = ("<networkport><uuid>%s</uuid><owner><name>vm-%s</name>"
           "<uuid>11111111-2222-3333-4444-666666666666</uuid></owner>"
           "<mac address='%s'/></networkport>" % (u, mac[-5:], mac))
    try:
        p = n.portCreateXML(xml)
    except libvirt.libvirtError as e:
        print("ERROR %d %s" % (e.get_error_code(), e.get_error_message()))
        return
    print("PLUG %s %s" % (plug_summary(p.XMLDesc()), p.UUIDString()))
    params = p.parameters()
    print("BW " + " ".join("%s=%d" % (k, params[k]) for k in sorted(params)))
    c.close()


# ---------------------------------------------------------------- raw protocol

def frame(prog, proc, serial, body=b"", mtype=0, vers=1, length=None):
    hdr = struct.pack(">IIiIII", prog, vers, proc, mtype, serial, 0)
    n = 4 + len(hdr) + len(body) if length is None else length
    return struct.pack(">I", n) + hdr + body


def xdr_string(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


def recv_msg(s, timeout=5):
    s.settimeout(timeout)
    data = b""
    while len(data) < 4:
        chunk = s.recv(4 - len(data))
        if not chunk:
            return None
        data += chunk
    n = struct.unpack(">I", data)[0]
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    prog, vers, proc, mtype, serial, status = struct.unpack(">IIiIII", data[4:28])
    return {"prog": prog, "proc": proc, "type": mtype, "serial": serial, "status": status,
            "body": data[28:]}


def error_code(msg):
    return struct.unpack(">i", msg["body"][:4])[0]


def closed(s, timeout=5):
    s.settimeout(timeout)
    try:
        while True:
            if not s.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def raw(sock):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    return s


CLIENT_LIMIT = 256  # RPC_MAX_CLIENTS in src/daemon/rpc_server.h


def wait_ok(fn, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if fn():
                return True
        except libvirt.libvirtError:
            pass
        time.sleep(0.1)
    return False


def check_malformed(sock, ka_interval, ka_count):
    other = libvirt.open(uri(sock))

    def other_ok():
        return other.networkLookupByName("default").isActive() == 1

    s = raw(sock)
    s.sendall(frame(REMOTE, 66, 1))
    m = recv_msg(s)
    check("raw AUTH_LIST gets REMOTE_AUTH_NONE", m and m["status"] == 0 and
          m["body"] == struct.pack(">II", 1, 0), m)
    s.sendall(frame(REMOTE, 1, 20, xdr_opt_string("qemu:///system") + struct.pack(">I", 0)))
    m = recv_msg(s)
    check("CONNECT_OPEN of another driver's URI is refused (VIR_ERR_NO_CONNECT)",
          m and m["status"] == 1 and error_code(m) == 5, m)
    s.sendall(frame(REMOTE, 999, 2))
    m = recv_msg(s)
    check("an unimplemented procedure gets VIR_ERR_NO_SUPPORT", m and m["status"] == 1 and
          error_code(m) == libvirt.VIR_ERR_NO_SUPPORT and m["serial"] == 2, m)
    s.sendall(frame(0x12345678, 1, 3))
    m = recv_msg(s)
    check("a wrong program gets an error reply", m and m["status"] == 1 and
          error_code(m) == libvirt.VIR_ERR_RPC, m)
    s.sendall(frame(REMOTE, 46, 4, struct.pack(">I", 100) + b"abcd"))
    m = recv_msg(s)
    check("truncated XDR arguments get an error reply", m and m["status"] == 1 and
          error_code(m) == libvirt.VIR_ERR_RPC, m)
    s.sendall(frame(REMOTE, 46, 5, xdr_string("default")))
    m = recv_msg(s)
    check("the same connection still answers after bad messages", m and m["status"] == 0, m)
    # calls pipelined in one packet, more than vnetd handles per wakeup (16), the last split
    # over two packets: each answered, in order
    many = b"".join(frame(REMOTE, 46, 30 + i, xdr_string("default")) for i in range(40))
    s.sendall(many[:-6])
    time.sleep(0.2)
    s.sendall(many[-6:])
    got = [recv_msg(s) for _ in range(40)]
    check("40 calls in one packet (the last one split) get 40 replies in order",
          all(m and m["status"] == 0 for m in got) and
          [m["serial"] for m in got] == list(range(30, 70)), got)
    check("other clients are unaffected (1)", other_ok())
    s.close()

    s = raw(sock)
    s.sendall(struct.pack(">I", 3) + b"\0" * 8)
    check("a length below the header closes that connection", closed(s))
    check("other clients are unaffected (2)", other_ok())
    s = raw(sock)
    s.sendall(struct.pack(">I", 100 * 1024 * 1024) + frame(REMOTE, 66, 1)[4:])
    check("a 100 MB length closes that connection", closed(s))
    check("other clients are unaffected (3)", other_ok())
    s = raw(sock)
    s.sendall(frame(REMOTE, 66, 1, length=1000)[:20])  # announces more than it sends
    check("other clients are served while one sends half a message", other_ok())
    s.close()

    # a client that sends and never reads: its replies queue up (bounded), others are served
    s = raw(sock)
    s.setblocking(False)
    one = frame(REMOTE, 46, 9, xdr_string("default"))
    sent = 0
    try:
        for _ in range(200000):
            s.send(one)
            sent += 1
    except BlockingIOError:
        pass
    check("a client that does not read its replies (%d calls sent) does not stall others" % sent,
          other_ok())
    s.close()
    check("other clients are unaffected (5)", other_ok())
    # the number of clients is bounded: beyond it a connection is closed at once
    socks = []
    try:
        for _ in range(CLIENT_LIMIT - 1):  # "other" is one already
            socks.append(raw(sock))
    except OSError as e:
        check("opening many connections", False, e)
    extra = raw(sock)
    check("a connection beyond the client limit (%d) is closed" % CLIENT_LIMIT, closed(extra, 5))
    for x in socks:
        x.close()
    extra.close()
    check("other clients are unaffected (6)", wait_ok(other_ok))

    # keepalive from the server side: a client that asked for keepalive and
    # then stays silent is pinged, and dropped when it never answers
    s = raw(sock)
    s.sendall(frame(REMOTE, 60, 1, struct.pack(">i", 10)))
    m = recv_msg(s)
    check("SUPPORTS_FEATURE(keepalive) = 1", m and m["body"] == struct.pack(">i", 1), m)
    m = recv_msg(s, ka_interval + 3)
    check("the server pings a silent client", m and m["prog"] == KEEPALIVE and m["proc"] == 1, m)
    check("and drops it when it never answers", closed(s, ka_interval * (ka_count + 2) + 3))
    s = raw(sock)
    s.sendall(frame(REMOTE, 60, 1, struct.pack(">i", 10)))
    recv_msg(s)
    s.sendall(frame(KEEPALIVE, 1, 0, mtype=2))
    m = recv_msg(s)
    check("a PING is answered with a PONG", m and m["prog"] == KEEPALIVE and m["proc"] == 2, m)
    s.close()
    check("other clients are unaffected (4)", other_ok())
    other.close()


# ---------------------------------------------------------------- golden replay

REPLAY_ORDER = ["net-list", "net-define", "net-start", "net-info", "net-dumpxml-inactive",
                "net-autostart", "net-dhcp-leases", "net-update", "net-name", "net-port-list",
                "py-port-create-delete", "py-events", "net-undefine", "net-start-missing",
                "net-define-bad"]


def read_capture(path):
    """[(direction, message bytes)] of a capture file, one entry per RPC message."""
    out, lines = [], open(path).read().split("\n")
    for i, line in enumerate(lines):
        if line[:1] in "<>" and line:
            data = bytes.fromhex(lines[i + 1].replace(" ", ""))
            while data:
                n = struct.unpack(">I", data[:4])[0]
                out.append((line[0], data[:n]))
                data = data[n:]
    return out


def shape(msg):
    prog, vers, proc, mtype, serial, status = struct.unpack(">IIiIII", msg[4:28])
    return (proc, mtype, serial, status)


def check_replay(sock, data_dir):
    vnet = os.environ["VNET_CMD"].split()
    for name in REPLAY_ORDER:
        packets = read_capture(os.path.join(data_dir, name + ".hex"))
        s = raw(sock)
        want = [shape(m) for d, m in packets if d == "<" and m[4:8] == struct.pack(">I", REMOTE)]
        got = []
        for d, m in packets:
            if d == ">":
                s.sendall(m)
                if name == "py-events" and shape(m)[0] == 313:
                    r = recv_msg(s)
                    got.append((r["proc"], r["type"], r["serial"], r["status"]))
                    subprocess.run(vnet + ["destroy", "rpc"], check=True, capture_output=True)
                    continue
                while True:  # the reply, skipping keepalive pings
                    r = recv_msg(s)
                    if r is None or r["prog"] == REMOTE:
                        break
                if r is None:
                    break
                got.append((r["proc"], r["type"], r["serial"], r["status"]))
        if name == "py-events":
            r = recv_msg(s)
            if r:
                got.append((r["proc"], r["type"], 1, r["status"]))  # libvirt numbers events 1
        s.close()
        check("golden conversation %s: replies have libvirt's shape" % name, got == want,
              "got %s, want %s" % (got, want))


def xdr_opt_string(v):
    return struct.pack(">I", 0) if v is None else struct.pack(">I", 1) + xdr_string(v)


def xdr_reply_string(m):
    n = struct.unpack(">I", m["body"][:4])[0]
    return m["body"][4:4 + n].decode()


def check_metadata(sock, name):
    """virNetworkSetMetadata (444) / GetMetadata (445): libvirt >= 9.7 clients
    (virsh net-desc, net-metadata, net-list --title) call them; python3-libvirt
    9.0 has no binding for them, so they are sent as raw calls."""
    vnet = os.environ["VNET_CMD"].split()
    c = libvirt.open(uri(sock))
    net = xdr_string(name) + c.networkLookupByName(name).UUID()
    c.close()
    s = raw(sock)
    serial = [10]

    def call(proc, body):
        serial[0] += 1
        s.sendall(frame(REMOTE, proc, serial[0], body))
        return recv_msg(s)

    CONFIG, LIVE = 2, 1
    ev = raw(sock)  # a second client registered for metadata-change events (ID 1)
    ev.sendall(frame(REMOTE, 313, 1, struct.pack(">iI", 1, 0)))
    m = recv_msg(ev)
    check("register for metadata-change events (event ID 1)", m and m["status"] == 0, m)
    m = call(444, net + struct.pack(">i", 1) + xdr_opt_string("A title") + xdr_opt_string(None)
             + xdr_opt_string(None) + struct.pack(">I", CONFIG))
    check("set the title (config)", m and m["status"] == 0, m)
    m = recv_msg(ev)
    check("a metadata-change event (446) comes for the title",
          m and m["proc"] == 446 and m["type"] == 2 and
          m["body"][4:].startswith(xdr_string(name)) and
          m["body"][-8:] == struct.pack(">iI", 1, 0), m)
    ev.close()
    m = call(445, net + struct.pack(">i", 1) + xdr_opt_string(None) + struct.pack(">I", CONFIG))
    check("get the title (config)", m and m["status"] == 0 and xdr_reply_string(m) == "A title", m)
    out = subprocess.run(vnet + ["dumpxml", "--inactive", name], capture_output=True,
                         text=True).stdout
    check("vnet sees the title in the saved definition", "<title>A title</title>" in out, out)
    m = call(445, net + struct.pack(">i", 0) + xdr_opt_string(None) + struct.pack(">I", CONFIG))
    check("no description: VIR_ERR_NO_NETWORK_METADATA (111)",
          m and m["status"] == 1 and error_code(m) == 111, m)
    m = call(444, net + struct.pack(">i", 2) + xdr_opt_string('<foo bar="1"/>')
             + xdr_opt_string("ex") + xdr_opt_string("http://example.org/x")
             + struct.pack(">I", CONFIG))
    check("set a metadata element", m and m["status"] == 0, m)
    m = call(445, net + struct.pack(">i", 2) + xdr_opt_string("http://example.org/x")
             + struct.pack(">I", CONFIG))
    got = xdr_reply_string(m) if m and m["status"] == 0 else m
    check("get it back in its namespace",
          got == '<ex:foo xmlns:ex="http://example.org/x" bar="1"/>', got)
    m = call(444, net + struct.pack(">i", 2) + xdr_opt_string(None) + xdr_opt_string(None)
             + xdr_opt_string("http://example.org/x") + struct.pack(">I", CONFIG))
    check("remove the metadata element", m and m["status"] == 0, m)
    m = call(445, net + struct.pack(">i", 2) + xdr_opt_string("http://example.org/x")
             + struct.pack(">I", CONFIG))
    check("it is gone (VIR_ERR_NO_NETWORK_METADATA)", m and m["status"] == 1 and
          error_code(m) == 111, m)
    m = call(444, net + struct.pack(">i", 1) + xdr_opt_string("Live") + xdr_opt_string(None)
             + xdr_opt_string(None) + struct.pack(">I", LIVE))
    check("set the title of the running network", m and m["status"] == 0, m)
    m = call(445, net + struct.pack(">i", 1) + xdr_opt_string(None) + struct.pack(">I", 0))
    check("the running network has it", m and m["status"] == 0 and xdr_reply_string(m) == "Live", m)
    m = call(445, net + struct.pack(">i", 1) + xdr_opt_string(None) + struct.pack(">I", CONFIG))
    check("the saved one keeps its own", m and xdr_reply_string(m) == "A title", m)
    s.close()


def check_silent(sock, limit):
    """A client that connects and never opens the connection is dropped after
    the handshake deadline (limit seconds); run in the background."""
    s = raw(sock)
    t0 = time.time()
    gone = closed(s, limit + 10)
    took = time.time() - t0
    check("a client that never opens its connection is dropped after %d s" % limit,
          gone and took >= limit - 1, "closed=%s after %.1f s" % (gone, took))


def check_unprivileged(sock_ro, limit):
    """Non-root peers get at most `limit` connections; root still gets in."""
    r, w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.setgid(65534)
        os.setuid(65534)
        socks = [raw(sock_ro) for _ in range(limit)]
        extra = raw(sock_ro)
        refused = closed(extra, 5)
        first_ok = not closed(socks[0], 0.2)
        os.write(w, b"%d %d" % (refused, first_ok))
        os.read(go_r, 1)  # hold the connections until the parent has checked
        os._exit(0)
    os.close(w)
    got = os.read(r, 16).decode().split()
    check("a non-root peer's connection beyond %d is closed" % limit, got[:1] == ["1"], got)
    check("the non-root peer's first connections stay open", got[1:2] == ["1"], got)
    c = libvirt.open(uri(sock_ro))
    check("root still connects while non-root peers hold their share",
          c.networkLookupByName("default").isActive() == 1)
    c.close()
    os.write(go_w, b"x")
    os.waitpid(pid, 0)


def wait_line(path, word, timeout=30):
    """Wait (bounded) until the file at path has a line `word`."""
    deadline = time.time() + timeout
    while True:
        try:
            with open(path) as f:
                if word in f.read().split():
                    return True
        except OSError:
            pass
        if time.time() >= deadline:
            return False
        time.sleep(0.02)


def in_thread(fn, *args):
    """Run fn in a thread; its outcome lands in the returned dict ("ok"/"error")."""
    out = {}

    def run():
        try:
            out["ok"] = fn(*args)
        except libvirt.libvirtError as e:
            out["error"] = e.get_error_message()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def vnet_list():
    r = subprocess.run(os.environ["VNET_CMD"].split() + ["list"], capture_output=True, text=True,
                       timeout=60)
    return r.returncode, r.stdout + r.stderr


def check_async(sock, ctl, dname, xml_path):
    """networkDestroy and networkCreateXML wait for a slow dnsmasq (tests/e2e/slow-dnsmasq.sh,
    held by CTL/NAME.hold-stop / hold-start) without holding up other clients: another
    connection's listNetworks() and `vnet list` answer while they are pending; requests on the
    network meanwhile are refused as busy; each replies once dnsmasq has exited / serves."""
    busy = libvirt.VIR_ERR_OPERATION_INVALID
    a, b = libvirt.open(uri(sock)), libvirt.open(uri(sock))
    log = lambda n: os.path.join(ctl, n + ".log")  # noqa: E731
    hold = os.path.join(ctl, dname + ".hold-stop")
    open(hold, "w").close()
    t, out = in_thread(a.networkLookupByName(dname).destroy)
    check("rpc destroy: the wrapped dnsmasq got SIGTERM", wait_line(log(dname), "term"))
    names = b.listNetworks()
    check("rpc destroy: another client's listNetworks() answers while it waits for dnsmasq",
          "default" in names, names)
    check("rpc destroy: ... before the destroy replied", t.is_alive(), out)
    check("rpc destroy: the stopping network is still listed active", dname in names, names)
    e = expect_error("rpc destroy: a second destroy meanwhile is refused", busy,
                     b.networkLookupByName(dname).destroy)
    check("rpc destroy: ... as busy (stopping)", e is not None and "is stopping" in str(e), e)
    expect_error("rpc destroy: starting it meanwhile is refused", busy,
                 b.networkLookupByName(dname).create)
    rc, text = vnet_list()
    check("rpc destroy: vnet list answers meanwhile", rc == 0 and dname in text, text)
    check("rpc destroy: ... and the destroy is still pending", t.is_alive(), out)
    os.unlink(hold)
    t.join(30)
    check("rpc destroy: replies once dnsmasq has exited", not t.is_alive() and "ok" in out, out)
    check("rpc destroy: dnsmasq's exit came before the reply", wait_line(log(dname), "exited", 0))
    check("rpc destroy: the network is inactive", dname not in b.listNetworks())

    with open(xml_path) as f:
        xml = f.read()
    cname = xml.split("<name>")[1].split("</name>")[0]
    hold = os.path.join(ctl, cname + ".hold-start")
    open(hold, "w").close()
    t, out = in_thread(a.networkCreateXML, xml)
    check("rpc create: its dnsmasq was launched", wait_line(log(cname), "starting"))
    names = b.listNetworks()
    check("rpc create: another client's listNetworks() answers while it waits for dnsmasq",
          "default" in names, names)
    check("rpc create: ... before the create replied", t.is_alive(), out)
    check("rpc create: the starting network is not listed active yet", cname not in names, names)
    e = expect_error("rpc create: a second create meanwhile is refused", busy,
                     b.networkCreateXML, xml)
    check("rpc create: ... as busy (starting)", e is not None and "is starting" in str(e), e)
    rc, text = vnet_list()
    check("rpc create: vnet list answers meanwhile", rc == 0, text)
    check("rpc create: ... and the create is still pending", t.is_alive(), out)
    os.unlink(hold)
    t.join(30)
    net = out.get("ok")
    check("rpc create: replies once dnsmasq serves, with the network",
          not t.is_alive() and net is not None and net.name() == cname, out)
    check("rpc create: dnsmasq was ready before the reply", wait_line(log(cname), "ready", 0))
    check("rpc create: the network is active", net is not None and net.isActive() == 1)
    a.close()
    b.close()


def main():
    silence_errors()
    what, sock = sys.argv[1], sys.argv[2]
    if what in ("events",):
        libvirt.virEventRegisterDefaultImpl()
        stop = threading.Event()
        threading.Thread(target=run_loop, args=(stop,), daemon=True).start()
    try:
        if what == "basic":
            check_basic(sock)
        elif what == "readonly":
            check_readonly(sock)
        elif what == "events":
            check_events(sock)
        elif what == "ports":
            check_ports(sock, sys.argv[3])
        elif what == "port-create":
            check_port_create(sock, *sys.argv[3:6])
        elif what == "plug":
            check_plug(sock, sys.argv[3])
        elif what == "metadata":
            check_metadata(sock, sys.argv[3])
        elif what == "silent":
            check_silent(sock, int(sys.argv[3]))
        elif what == "unprivileged":
            check_unprivileged(sock, int(sys.argv[3]))
        elif what == "replay":
            check_replay(sock, sys.argv[3])
        elif what == "async":
            check_async(sock, *sys.argv[3:6])
        elif what == "malformed":
            check_malformed(sock, int(sys.argv[3]), int(sys.argv[4]))
    except libvirt.libvirtError as e:
        check("%s: no unexpected libvirt error" % what, False,
              "%s (code %d)" % (e.get_error_message(), e.get_error_code()))
    except Exception as e:  # noqa: BLE001 - every failure becomes a FAIL line
        import traceback
        check("%s: no unexpected exception" % what, False, traceback.format_exc())


if __name__ == "__main__":
    main()
