#!/usr/bin/python3
# A stand-in for firewalld in the e2e tests: the part of its D-Bus API that vnet uses
# (org.fedoraproject.FirewallD1: reload; .zone: getZoneOfInterface, changeZoneOfInterface,
# removeInterface; .config: getZoneNames, addZone2), on the bus named by
# DBUS_SYSTEM_BUS_ADDRESS. Binding an interface to a zone with target ACCEPT does what
# firewalld does to its inet firewalld table: the interface's input and forwarded traffic go to
# a zone chain that accepts. Permanent zones are kept in the file given as argv[1], so they
# survive a "restart" (a new process); runtime bindings do not.
import json
import os
import subprocess
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAME = "org.fedoraproject.FirewallD1"
PATH = "/org/fedoraproject/FirewallD1"
IFACE = NAME
ZONE = NAME + ".zone"
CONFIG = NAME + ".config"
EXC = NAME + ".Exception"
STATE = sys.argv[1]


class FirewallError(dbus.DBusException):
    _dbus_error_name = EXC


def nft(*args):
    subprocess.run(["nft", *args], check=True, capture_output=True)


def load():
    try:
        with open(STATE) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"public": {"target": "default"}}


class Firewalld(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, PATH)
        self.permanent = load()
        self.runtime = dict(self.permanent)
        self.bindings = {}  # interface -> zone

    @dbus.service.method(IFACE, in_signature="", out_signature="")
    def reload(self):
        self.runtime = dict(self.permanent)

    @dbus.service.method(ZONE, in_signature="s", out_signature="s")
    def getZoneOfInterface(self, iface):
        return self.bindings.get(str(iface), "")

    @dbus.service.method(ZONE, in_signature="ss", out_signature="s")
    def changeZoneOfInterface(self, zone, iface):
        zone, iface = str(zone), str(iface)
        if zone not in self.runtime:
            raise FirewallError("INVALID_ZONE: " + zone)
        if self.runtime[zone].get("target") == "ACCEPT":
            for hook, short in (("INPUT", "IN"), ("FORWARD", "FWD")):
                chain = "filter_%s_%s" % (short, zone)
                nft("add", "chain", "inet", "firewalld", chain)
                nft("flush", "chain", "inet", "firewalld", chain)
                nft("add", "rule", "inet", "firewalld", chain, "accept")
                nft("insert", "rule", "inet", "firewalld", "filter_%s_ZONES" % hook,
                    "iifname", iface, "goto", chain)
        self.bindings[iface] = zone
        return zone

    @dbus.service.method(ZONE, in_signature="ss", out_signature="s")
    def removeInterface(self, zone, iface):
        iface = str(iface)
        if self.bindings.pop(iface, None) is None:
            raise FirewallError("UNKNOWN_INTERFACE: " + iface)
        for hook in ("INPUT", "FORWARD"):
            out = subprocess.run(["nft", "-a", "list", "chain", "inet", "firewalld",
                                  "filter_%s_ZONES" % hook], capture_output=True, text=True).stdout
            for line in out.splitlines():
                if 'iifname "%s"' % iface in line and "# handle" in line:
                    nft("delete", "rule", "inet", "firewalld", "filter_%s_ZONES" % hook,
                        "handle", line.rsplit(" ", 1)[1])
        return str(zone)


class Config(dbus.service.Object):
    def __init__(self, bus, fw):
        super().__init__(bus, PATH + "/config")
        self.fw = fw

    @dbus.service.method(CONFIG, in_signature="", out_signature="as")
    def getZoneNames(self):
        return sorted(self.fw.permanent)

    @dbus.service.method(CONFIG, in_signature="sa{sv}", out_signature="o")
    def addZone2(self, name, settings):
        name = str(name)
        if name in self.fw.permanent:
            raise FirewallError("NAME_CONFLICT: " + name)
        self.fw.permanent[name] = {"target": str(settings.get("target", "default"))}
        with open(STATE + ".tmp", "w") as f:
            json.dump(self.fw.permanent, f)
        os.replace(STATE + ".tmp", STATE)
        return dbus.ObjectPath(PATH + "/config/zone/%d" % len(self.fw.permanent))


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
    fw = Firewalld(bus)
    Config(bus, fw)
    bus.request_name(NAME)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
