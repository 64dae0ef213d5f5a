#!/usr/bin/env python3
"""Network ports with an inbound floor through python3-libvirt, as libvirt's VM
driver creates them (scenario 34).

  floor_port.py SOCK create NET UUID MAC FLOOR  -> "CLASS N" (the port's classID)
                                                   or "ERROR CODE MESSAGE"
  floor_port.py SOCK delete NET UUID            -> "DELETED"
"""
import sys
import xml.etree.ElementTree as ET

import libvirt


def main():
    sock, what, net = sys.argv[1], sys.argv[2], sys.argv[3]
    libvirt.registerErrorHandler(lambda *a: None, None)
    c = libvirt.open("network:///system?socket=" + sock)
    n = c.networkLookupByName(net)
    try:
        if what == "create":
            uuid, mac, floor = sys.argv[4:7]
            xml = ("<networkport><uuid>%s</uuid><owner><name>guest-%s</name>"
                   "<uuid>11111111-2222-3333-4444-%s</uuid></owner>"
                   "<mac address='%s'/><bandwidth><inbound floor='%s'/></bandwidth>"
                   "</networkport>" % (uuid, mac[-2:], uuid[-12:], mac, floor))
            p = n.portCreateXML(xml)
            bw = ET.fromstring(p.XMLDesc()).find("bandwidth")
            print("CLASS", bw.get("classID") if bw is not None else "")
        elif what == "delete":
            n.portLookupByUUIDString(sys.argv[4]).delete()
            print("DELETED")
    except libvirt.libvirtError as e:
        print("ERROR", e.get_error_code(), e.get_error_message())
    c.close()


main()
