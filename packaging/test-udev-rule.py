#!/usr/bin/env python3
"""Checks the package's udev rule without a udev daemon or a modem.

1. Syntax: every rule line is KEY[{attr}] OP "value" pairs, with keys udev knows, match operators
   on match keys and assignment operators on assignment keys (udev ignores a bad line silently).
2. Meaning: a small evaluator of the subset the rule uses (SUBSYSTEM, ACTION, KERNEL, ENV, ATTR,
   SUBSYSTEMS, GOTO/LABEL, SYMLINK, GROUP, MODE, ENV assignment; patterns with * ? and |) runs it
   on the devices a modem and a board show, and the result is compared with what should happen.

    test-udev-rule.py RULES_FILE      prints one line per check and "N passed, N failed"
"""

import fnmatch
import re
import sys

MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM", "SUBSYSTEMS",
              "DRIVER", "DRIVERS", "ATTR", "ATTRS", "ENV", "TAG", "TAGS", "TEST", "PROGRAM", "RESULT",
              "SYSCTL", "CONST"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG",
               "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
PAIR = re.compile(r'\s*([A-Z_]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse(text):
    """The rule's lines as lists of (key, attr, op, value); raises ValueError on bad syntax."""
    rules = []
    joined = text.replace("\\\n", " ")
    for n, line in enumerate(joined.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pairs, pos = [], 0
        while pos < len(line):
            m = PAIR.match(line, pos)
            if not m:
                raise ValueError(f"line {n}: cannot parse {line[pos:]!r}")
            key, attr, op, value, _ = m.groups()
            if op in ("==", "!="):
                if key not in MATCH_KEYS:
                    raise ValueError(f"line {n}: {key} is not a match key")
            elif key not in ASSIGN_KEYS:
                raise ValueError(f"line {n}: {key} cannot be assigned")
            pairs.append((key, attr, op, value))
            pos = m.end()
        rules.append(pairs)
    return rules


def matches(pattern, value):
    return any(fnmatch.fnmatchcase(value or "", p) for p in pattern.split("|"))


def run(rules, dev):
    """Applies the rules to dev (a dict: SUBSYSTEM, ACTION, KERNEL, ENV, ATTR, PARENT_SUBSYSTEMS);
    returns the device's properties after them."""
    env = dict(dev.get("ENV", {}))
    out = {"SYMLINK": [], "GROUP": None, "MODE": None, "ENV": env, "IMPORTED": []}
    goto = None
    for pairs in rules:
        if goto:
            if any(k == "LABEL" and v == goto for k, _, _, v in pairs):
                goto = None
            continue
        ok = True
        for key, attr, op, value in pairs:
            if op not in ("==", "!="):
                continue
            if key == "ENV":
                actual = env.get(attr)
            elif key == "ATTR":
                actual = dev.get("ATTR", {}).get(attr)
            elif key == "SUBSYSTEMS":
                actual = None
                for s in dev.get("PARENT_SUBSYSTEMS", []):
                    if matches(value, s):
                        actual = s
                        break
            else:
                actual = dev.get(key)
            hit = actual is not None and matches(value, actual)
            if (op == "==") != hit:
                ok = False
                break
        if not ok:
            continue
        for key, attr, op, value in pairs:
            if op in ("==", "!="):
                continue
            if key == "GOTO":
                goto = value
            elif key == "SYMLINK":
                out["SYMLINK"] += value.split()
            elif key in ("GROUP", "MODE"):
                out[key] = value
            elif key == "ENV":
                env[attr] = value
            elif key == "IMPORT" and attr == "builtin" and value == "usb_id":
                # What udev's usb_id builtin reads from the USB parents.
                env.update(dev.get("USB_ID", {}))
                out["IMPORTED"].append(value)
    return out


def tty(vendor, interface, kernel="ttyUSB0"):
    return {"ACTION": "add", "SUBSYSTEM": "tty", "KERNEL": kernel, "PARENT_SUBSYSTEMS": ["usb-serial", "usb"],
            "USB_ID": {"ID_VENDOR_ID": vendor, "ID_USB_INTERFACE_NUM": interface}}


def main():
    text = open(sys.argv[1]).read()
    passed = failed = 0

    def check(what, cond):
        nonlocal passed, failed
        print(("ok    " if cond else "FAIL  ") + what)
        if cond:
            passed += 1
        else:
            failed += 1

    try:
        rules = parse(text)
        check("syntax: every line is known keys with the right operators", True)
    except ValueError as e:
        check(f"syntax: {e}", False)
        print(f"{passed} passed, {failed} failed")
        return 1

    at_ports = {"12d1": "00", "1e0e": "02", "2c7c": "02", "19d2": "01"}
    for vendor, port in at_ports.items():
        r = run(rules, tty(vendor, port))
        check(f"{vendor} interface {port}: /dev/smsgw-modem", r["SYMLINK"] == ["smsgw-modem"])
        check(f"{vendor} interface {port}: ModemManager told to ignore it", r["ENV"].get("ID_MM_DEVICE_IGNORE") == "1")
        other = "03" if port != "03" else "04"
        r = run(rules, tty(vendor, other, "ttyUSB3"))
        check(f"{vendor} interface {other}: no link (not the AT port)", r["SYMLINK"] == [])
    r = run(rules, tty("0403", "00"))
    check("another vendor's serial adapter (FTDI 0403): untouched",
          r["SYMLINK"] == [] and "ID_MM_DEVICE_IGNORE" not in r["ENV"])
    r = run(rules, {"ACTION": "add", "SUBSYSTEM": "tty", "KERNEL": "ttyAMA0", "PARENT_SUBSYSTEMS": ["amba"]})
    check("the board's UART: untouched", r["SYMLINK"] == [] and r["GROUP"] is None)
    r = run(rules, {**tty("2c7c", "02"), "ACTION": "remove"})
    check("remove events: nothing done", r["SYMLINK"] == [])
    usb = {"ACTION": "add", "SUBSYSTEM": "usb", "KERNEL": "1-1.3", "ENV": {"DEVTYPE": "usb_device"},
           "ATTR": {"idVendor": "12d1"}}
    r = run(rules, usb)
    check("the modem's USB device node: group dialout, mode 0660 (USB reset)", (r["GROUP"], r["MODE"]) == ("dialout", "0660"))
    check("the modem's USB device: ModemManager told to ignore it", r["ENV"].get("ID_MM_DEVICE_IGNORE") == "1")
    r = run(rules, {**usb, "ENV": {"DEVTYPE": "usb_interface"}})
    check("a USB interface of the modem: no group change", r["GROUP"] is None)
    r = run(rules, {**usb, "ATTR": {"idVendor": "046d"}})
    check("another USB device (a keyboard): untouched", r["GROUP"] is None)
    r = run(rules, {"ACTION": "add", "SUBSYSTEM": "gpio", "KERNEL": "gpiochip0"})
    check("GPIO chips: group gpio, mode 0660", (r["GROUP"], r["MODE"]) == ("gpio", "0660"))

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
