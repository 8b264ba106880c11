#!/usr/bin/env python3
"""Cross-checks smsgw's PDU codec against two independent implementations: libGammu (through its
Python binding) and python-gsmmodem-new.

  (a) texts encoded by `smsgw pdu encode --json` are decoded by both tools (and by smsgw itself)
      back to the same text, recipient, SMSC, flags, validity and concatenation, and reassembled;
  (b) SMS-SUBMIT PDUs made by both tools are decoded by `smsgw pdu decode --json` to the text,
      recipient and UDH the tool put in;
  (c) the SMS-DELIVER vectors of received-published.jsonl are decoded by all three and compared
      with their expected decoding.

A third-party tool that is wrong by the spec is listed in KNOWN_DEVIATIONS, one entry per
(tool, case, field) with the clause it breaks; an entry that is not needed any more is an error too,
so the list stays exactly as long as it must be. Exit status 1 on any unexpected mismatch.

Run it with a python that can import `gammu` and `gsmmodem` (scripts/interop-setup.sh makes one):

  python crosscheck.py [--smsgw PATH] [--vectors DIR] [--only a,b,c] [-v]

  SMSGW_BIN      the smsgw binary (default: target/debug/smsgw of this repository)
  SMSGW_VECTORS  the folder holding received-published.jsonl (default: ../shared/vectors beside
                 the repository)
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
from dataclasses import dataclass

import gammu
import gsmmodem.pdu as gsmpdu

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---------------------------------------------------------------------------------------------
# Reference model: what the spec says a text costs, written here from TS 23.038 / 23.040 so the
# checks do not rely on any of the implementations under test.
# ---------------------------------------------------------------------------------------------

# TS 23.038 §6.2.1: the GSM 7-bit default alphabet, code 0x00..0x7F (0x1B is the escape).
GSM7_DEFAULT = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# TS 23.038 §6.2.1.1: the default extension table, reached through the escape.
GSM7_EXTENSION = {
    "\x0c": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
    "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65,
}
assert len(GSM7_DEFAULT) == 128


def gsm7_cost(ch):
    """Septets one character takes in the default alphabet, or None if it has no code there."""
    if ch in GSM7_EXTENSION:
        return 2
    if ch != "\x1b" and ch in GSM7_DEFAULT:
        return 1
    return None


def utf16_units(ch):
    return 2 if ord(ch) > 0xFFFF else 1


# Capacity of one part (TS 23.040 §9.2.3.24): 140 octets of user data, less the UDH of a
# concatenated part (UDHL + IE 00 = 6 octets, or UDHL + IE 08 = 7 octets); septets round down.
SINGLE = {"gsm7": 160, "ucs2": 70}
MULTI = {("gsm7", 8): 153, ("gsm7", 16): 152, ("ucs2", 8): 67, ("ucs2", 16): 66}


def reference_plan(text, ref_bits=8):
    """(encoding, parts) for a text: GSM 7-bit if every character has a code in the default
    tables, else UCS-2; the fewest parts, never splitting an escape pair or a surrogate pair."""
    costs = [gsm7_cost(c) for c in text]
    if all(c is not None for c in costs):
        encoding = "gsm7"
    else:
        encoding, costs = "ucs2", [utf16_units(c) for c in text]
    if sum(costs) <= SINGLE[encoding]:
        return encoding, 1
    cap, parts, used = MULTI[(encoding, ref_bits)], 1, 0
    for c in costs:
        if used + c > cap:
            parts, used = parts + 1, 0
        used += c
    return encoding, parts


def validity_minutes(vp):
    """TS 23.040 §9.2.3.12.1: the period a relative TP-VP octet stands for, in minutes."""
    if vp <= 143:
        return (vp + 1) * 5
    if vp <= 167:
        return 12 * 60 + (vp - 143) * 30
    if vp <= 196:
        return (vp - 166) * 24 * 60
    return (vp - 192) * 7 * 24 * 60


def expected_validity(minutes):
    """The period of the smallest TP-VP octet whose period is at least `minutes`."""
    for vp in range(256):
        if validity_minutes(vp) >= minutes:
            return validity_minutes(vp)
    raise ValueError(f"{minutes} minutes is beyond the relative format")


def first_octet_after_smsc(pdu):
    return pdu[1 + pdu[0]]


# ---------------------------------------------------------------------------------------------
# The three decoders, each mapped onto the field names of `smsgw pdu decode --json`.
# ---------------------------------------------------------------------------------------------


class Smsgw:
    def __init__(self, binary):
        self.binary = binary

    def _run(self, args, stdin=None):
        p = subprocess.run([self.binary, *args], input=stdin, capture_output=True, timeout=30)
        if p.returncode != 0:
            err = " | ".join(p.stderr.decode("utf-8", "replace").split("\n")).strip(" |")
            raise RuntimeError(f"smsgw {' '.join(args[:2])} exit {p.returncode}: {err[:200]}")
        return json.loads(p.stdout)

    def encode(self, text, to, ref=None, ref_bits=None, validity=None, status_report=False,
               flash=False, smsc=None):
        args = ["pdu", "encode", "--json", "--to", to, "--stdin"]
        if ref is not None:
            args += ["--ref", str(ref)]
        if ref_bits is not None:
            args += ["--ref-bits", str(ref_bits)]
        if validity is not None:
            args += ["--validity", str(validity)]
        if status_report:
            args.append("--status-report")
        if flash:
            args.append("--flash")
        if smsc is not None:
            args += ["--smsc", smsc]
        return self._run(args, stdin=text.encode("utf-8"))

    def decode(self, hexpdu):
        return self._run(["pdu", "decode", "--json", hexpdu])


GAMMU_TYPES = {"Submit": "submit", "Deliver": "deliver", "Status_Report": "status_report"}
GAMMU_CODINGS = {"Default_No_Compression": "gsm7", "Unicode_No_Compression": "ucs2", "8bit": "8bit"}
GAMMU_CONCAT = {"ConcatenatedMessages": ("ID8bit", 8), "ConcatenatedMessages16bit": ("ID16bit", 16)}


def gammu_validity_minutes(s):
    """libGammu prints a relative validity as NM, ND, NW or Max (63 weeks)."""
    if s == "NA":
        return None
    if s == "Max":
        return 63 * 7 * 24 * 60
    n, unit = int(s[:-1]), s[-1]
    return n * {"M": 1, "H": 60, "D": 24 * 60, "W": 7 * 24 * 60}[unit]


def ies_bytes(ies):
    """The UDH (with its length octet) that a list of [iei, HEX] stands for."""
    body = b"".join(bytes([iei, len(bytes.fromhex(h))]) + bytes.fromhex(h) for iei, h in ies)
    return bytes([len(body)]) + body


def gammu_view(raw):
    d = gammu.DecodePDU(raw, SMSC=True)
    kind = GAMMU_TYPES.get(d["Type"], d["Type"])
    v = {
        "type": kind,
        "smsc": d["SMSC"]["Number"] or None,
        ("recipient" if kind == "submit" else "sender"): d["Number"],
        "encoding": GAMMU_CODINGS.get(d["Coding"], d["Coding"]),
        "class": None if d["Class"] < 0 else d["Class"],
        "validity_minutes": gammu_validity_minutes(d["SMSC"]["Validity"]),
    }
    if kind == "submit":
        v["message_ref"] = d["MessageReference"]
    if kind == "deliver" and d.get("DateTime") is not None:
        # The binding drops the zone of the SCTS: only the local time can be compared.
        v["timestamp_local"] = d["DateTime"].isoformat()
    if v["encoding"] == "8bit":
        v["data_hex"] = bytes(d["Text"]).hex().upper()
    elif v["encoding"] == "gsm7":
        # The binding copies SMS.Length units of libGammu's text buffer, and for GSM 7-bit Length
        # counts septets: after a text with escape pairs come the buffer's NUL terminator and
        # stale memory. The text libGammu decoded is the NUL-terminated string (as C callers see).
        v["text"] = d["Text"].split("\x00", 1)[0]
    else:
        v["text"] = d["Text"]
    udh = d["UDH"]
    if udh["Type"] == "NoUDH":
        v["udh_raw"], v["concat"] = None, None
    else:
        v["udh_raw"] = bytes(udh["Text"]).hex().upper()
        if udh["Type"] in GAMMU_CONCAT:
            key, bits = GAMMU_CONCAT[udh["Type"]]
            v["concat"] = {"ref": udh[key], "ref_bits": bits, "seq": udh["PartNumber"],
                           "total": udh["AllParts"]}
        else:
            v["concat"] = None
    v["_raw"] = d
    return v


def gammu_reassemble(decoded):
    """libGammu's own linking of the parts of one message, and the text it joins them to."""
    linked = gammu.LinkSMS([[x["_raw"]] for x in decoded])
    if len(linked) != 1:
        return f"<linked into {len(linked)} messages>"
    info = gammu.DecodeSMS(linked[0])
    if info is None:  # a single part without a UDH is not "multi part" to libGammu
        return linked[0][0]["Text"]
    return "".join(e["Buffer"] or "" for e in info["Entries"])


GSMMODEM_TYPES = {"SMS-SUBMIT": "submit", "SMS-DELIVER": "deliver",
                  "SMS-STATUS-REPORT": "status_report"}


def join_surrogates(s):
    """python-gsmmodem returns each UTF-16 unit as one character; a pair makes one code point."""
    return s.encode("utf-16-be", "surrogatepass").decode("utf-16-be")


def gsmmodem_view(hexpdu):
    d = gsmpdu.decodeSmsPdu(hexpdu)
    kind = GSMMODEM_TYPES.get(d["type"], d["type"])
    v = {
        "type": kind,
        "smsc": d["smsc"],
        ("recipient" if kind == "submit" else "sender"): d["number"],
        "text": join_surrogates(d["text"]) if "text" in d else None,
    }
    if kind == "submit":
        v["message_ref"] = d["reference"]
        vp = d.get("validity")
        v["validity_minutes"] = None if vp is None else int(vp.total_seconds() // 60)
    if "time" in d:
        v["timestamp"] = d["time"].isoformat()
    ies = d.get("udh")
    if ies is None:
        v["udh_raw"], v["concat"] = None, None
    else:
        v["udh_raw"] = ies_bytes([[ie.id, bytes(ie.data).hex()] for ie in ies]).hex().upper()
        v["concat"] = None
        for ie in ies:
            if isinstance(ie, gsmpdu.Concatenation):
                v["concat"] = {"ref": ie.reference, "ref_bits": 8 if ie.id == 0 else 16,
                               "seq": ie.number, "total": ie.parts}
    return v


def smsgw_view(smsgw, hexpdu):
    d = smsgw.decode(hexpdu)
    v = dict(d)
    udh = d.get("udh")
    v["concat"] = udh["concat"] if udh else None
    v["udh_raw"] = ies_bytes(udh["ies"]).hex().upper() if udh else None
    return v


# ---------------------------------------------------------------------------------------------
# Known deviations of the third-party tools from the spec: (tool, case, field) -> reason.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    tool: str
    case: str
    field: str
    clause: str
    why: str


KNOWN_DEVIATIONS = [
    # (a) PDUs smsgw makes
    Deviation("gsmmodem", "encode:gsm7-default-table", "reassembled text",
              "TS 23.038 §6.2.1 (default alphabet 0x5F is '§')",
              "python-gsmmodem's table has '`' at 0x5F"),
    Deviation("gsmmodem", "encode:gsm7-form-feed", "reassembled text",
              "TS 23.038 §6.2.1.1 (extension table 0x0A is FORM FEED)",
              "python-gsmmodem keys its extension entry for 0x0A under chr(0xFF) with an int "
              "value, so ESC 0x0A never matches and the form feed is dropped"),
    Deviation("gsmmodem", "encode:gsm7-trailing-at", "reassembled text",
              "TS 23.040 §9.2.3.16 (TP-UDL: 8 septets, the last is '@' = 0x00)",
              "python-gsmmodem's unpackSeptets keeps the septet that fills the last octet only "
              "when it is not 0, so a final '@' in a text of 8n septets is lost"),
    Deviation("gsmmodem", "encode:gsm7-escape-at-cut-16bit", "reassembled text",
              "TS 23.040 §9.2.3.24 (fill bits: none when the UDH is 7 octets)",
              "python-gsmmodem always skips one octet of fill bits after a UDH; with IE 08 "
              "(16-bit reference) the UDH ends on a septet boundary and the first septet of each "
              "part is lost (here the escape of '[', leaving '<')"),
    Deviation("gsmmodem", "encode:gsm7-long-16bit", "reassembled text",
              "TS 23.040 §9.2.3.24 (fill bits: none when the UDH is 7 octets)",
              "python-gsmmodem always skips one octet of fill bits after a UDH; with IE 08 "
              "(16-bit reference) the first septet of each part is lost"),
    # (b) PDUs the tools make
    Deviation("gsmmodem", "foreign:gsm7-long-16bit", "*",
              "TS 23.040 §9.2.3.6 (TP-MR: one octet), §9.2.3.24.8 (IE 08: 16-bit reference)",
              "python-gsmmodem writes its concatenation reference into TP-MR as well, so a "
              "16-bit reference (> 255) cannot be encoded (ValueError)"),
    Deviation("gsmmodem", "foreign:ucs2-emoji", "*",
              "TS 23.038 §6.2.3 (UCS-2 user data, UTF-16 surrogate pairs beyond the BMP)",
              "encodeUcs2 writes ord(c) as one 16-bit unit and fails on U+1F600 (ValueError)"),
    Deviation("gsmmodem", "foreign:ucs2-long-emoji", "*",
              "TS 23.038 §6.2.3 (UCS-2 user data, UTF-16 surrogate pairs beyond the BMP)",
              "encodeUcs2 writes ord(c) as one 16-bit unit and fails on U+1F600 (ValueError)"),
    *[Deviation("gsmmodem", "foreign:gsm7-default-table", f"gsmmodem part {n} encoding",
                "TS 23.038 §6.2.1 (default alphabet 0x5F is '§')",
                "'§' is missing from python-gsmmodem's table, so it falls back to UCS-2")
      for n in (1, 2)],
    Deviation("gsmmodem", "foreign:gsm7-form-feed", "gsmmodem part 1 encoding",
              "TS 23.038 §6.2.1.1 (extension table 0x0A is FORM FEED)",
              "python-gsmmodem's extension table has no form feed, so it falls back to UCS-2"),
    # (c) published vectors
    Deviation("gammu", "vector:pub-gammu-04", "sender",
              "TS 23.040 §9.1.2.5, TS 23.038 §6.1.2.1",
              "alphanumeric address of 6 useful semi-octets (3 octets, 3 septets): libGammu decodes "
              "a 4th septet from the fill bits"),
    Deviation("gammu", "vector:pub-gammu-42", "*",
              "TS 23.038 §4 (coding group 1111: bit 3 reserved, bit 2 = 0 is GSM 7-bit)",
              "libGammu finds no alphabet for DCS FB, takes TP-UDL as octets and reports the user "
              "data as truncated (ERR_CORRUPTED)"),
    Deviation("gsmmodem", "vector:pub-gammu-26", "*",
              "TS 23.038 §4 (coding group 1111: bit 2 = 1 is 8-bit data)",
              "python-gsmmodem reads the alphabet only in coding group 00xx, decodes DCS F5 as "
              "GSM 7-bit and, with a UDH filling the user data, runs off its end (StopIteration)"),
    Deviation("gsmmodem", "vector:pub-gammu-40", "data_hex",
              "TS 23.038 §4 (coding group 1111: bit 2 = 1 is 8-bit data)",
              "python-gsmmodem decodes the 8-bit data of DCS F5 as GSM 7-bit septets"),
    Deviation("gsmmodem", "vector:pub-gammu-39", "text",
              "TS 23.040 §9.2.3.16 (TP-UDL counts septets for GSM 7-bit)",
              "python-gsmmodem's unpackSeptets stops after TP-UDL octets rather than septets, so "
              "the octets that follow the user data are decoded as text"),
]


# ---------------------------------------------------------------------------------------------
# Bookkeeping
# ---------------------------------------------------------------------------------------------


class Report:
    def __init__(self, verbose):
        self.verbose = verbose
        self.passed = 0
        self.known = []
        self.unexpected = []
        self.used = set()
        self.index = {(d.tool, d.case, d.field): d for d in KNOWN_DEVIATIONS}
        self.counts = {}

    def _section(self, case):
        return case.split(":", 1)[0]

    def check(self, tool, case, field, got, want):
        sec = self.counts.setdefault(self._section(case), [0, 0, 0])
        if got == want:
            self.passed += 1
            sec[0] += 1
            return True
        self.mismatch(tool, case, field, f"got {got!r}, want {want!r}")
        return False

    def mismatch(self, tool, case, field, detail):
        sec = self.counts.setdefault(self._section(case), [0, 0, 0])
        dev = self.index.get((tool, case, field))
        if dev is not None:
            self.used.add((tool, case, field))
            self.known.append((dev, detail))
            sec[1] += 1
            if self.verbose:
                print(f"  known    {tool:8} {case} {field}: {detail}")
        else:
            self.unexpected.append((tool, case, field, detail))
            sec[2] += 1
            print(f"  MISMATCH {tool:8} {case} {field}: {detail}")

    def run(self, tool, case, fn):
        """Calls fn(); an exception is a mismatch of the whole decoding (field '*')."""
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - any failure of a tool is a finding
            self.mismatch(tool, case, "*", f"raised {type(e).__name__}: {e}")
            return None

    def summary(self):
        print("\nsummary")
        for sec, (ok, known, bad) in sorted(self.counts.items()):
            print(f"  {sec:10} {ok:5} agree, {known:3} known deviations, {bad:3} unexpected")
        if self.known:
            print("\nknown deviations of third-party tools (by the spec):")
            seen = set()
            for dev, _detail in self.known:
                key = (dev.tool, dev.case, dev.field)
                if key in seen:
                    continue
                seen.add(key)
                print(f"  {dev.tool:8} {dev.case} {dev.field}: {dev.why} [{dev.clause}]")
        stale = [d for d in KNOWN_DEVIATIONS if (d.tool, d.case, d.field) not in self.used]
        return stale


# ---------------------------------------------------------------------------------------------
# (a) smsgw encodes, the others decode
# ---------------------------------------------------------------------------------------------

LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt "
         "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
         "ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in "
         "reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. ")
CYRILLIC = "Съешь же ещё этих мягких французских булок, да выпей чаю. "
TO = "+491701234567"

ENCODE_CORPUS = [
    # (case, text, options)
    ("gsm7-short", "Hello from smsgw!", {}),
    ("gsm7-empty", "", {}),
    ("gsm7-one-char", "x", {}),
    ("gsm7-extension", "Price: 5€ [a] {b} ~c~ |d| ^e^ \\f", {}),
    ("gsm7-default-table", GSM7_DEFAULT.replace("\x1b", "").replace("\n", "").replace("\r", ""), {}),
    ("gsm7-newlines", "line one\nline two\r\nline three", {}),
    ("gsm7-form-feed", "page one\x0cpage two", {}),
    ("gsm7-trailing-at", "mail me@", {}),
    ("gsm7-seven-septets", "seven!!", {}),
    ("gsm7-160", ("0123456789" * 16), {}),
    ("gsm7-161", ("0123456789" * 16) + "X", {}),
    ("gsm7-159-plus-euro", "e" * 159 + "€", {}),
    ("gsm7-158-plus-euro", "e" * 158 + "€", {}),
    ("gsm7-escape-at-cut", "x" * 152 + "€" + "y" * 20, {}),
    ("gsm7-escape-at-cut-16bit", "x" * 151 + "[" + "y" * 20, {"ref_bits": 16, "ref": 0x1234}),
    ("gsm7-long", LOREM * 2, {"ref": 42}),
    ("gsm7-long-extension", ("{json: [1, 2]} costs 3€ | " * 20), {"ref": 200}),
    ("gsm7-long-16bit", LOREM * 2, {"ref_bits": 16, "ref": 0xBEEF}),
    ("gsm7-ref-255", LOREM, {"ref": 255}),
    ("ucs2-short", "Привет, мир!", {}),
    ("ucs2-cjk", "你好，世界。短信网关", {}),
    ("ucs2-70", ("Ж" * 70), {}),
    ("ucs2-71", ("Ж" * 71), {}),
    ("ucs2-emoji", "Hi 😀👍🏽 — ok", {}),
    ("ucs2-69-plus-emoji", "ж" * 69 + "😀", {}),
    ("ucs2-68-plus-emoji", "ж" * 68 + "😀", {}),
    ("ucs2-emoji-at-cut", "ж" * 66 + "😀" + "ж" * 10, {}),
    ("ucs2-emoji-at-cut-16bit", "ж" * 65 + "🎉" + "ж" * 10, {"ref_bits": 16, "ref": 65535}),
    ("ucs2-long", CYRILLIC * 4, {"ref": 7}),
    ("ucs2-long-emoji-16bit", ("Grüße 😀 from the gateway 🚀 " * 8), {"ref_bits": 16, "ref": 300}),
    ("ucs2-backtick", "`quoted`", {}),
    ("flash-gsm7", "Flash message", {"flash": True}),
    ("flash-ucs2", "Внимание!", {"flash": True}),
    ("validity-5min", "valid 5 minutes", {"validity": 5}),
    ("validity-61min", "valid 61 minutes", {"validity": 61}),
    ("validity-12h", "valid 12 hours", {"validity": 720}),
    ("validity-13h", "valid 13 hours", {"validity": 780}),
    ("validity-1d", "valid 1 day", {"validity": 1440}),
    ("validity-1d-1min", "valid a day and a minute", {"validity": 1441}),
    ("validity-30d", "valid 30 days", {"validity": 30 * 1440}),
    ("validity-31d", "valid 31 days", {"validity": 31 * 1440}),
    ("validity-63w", "valid 63 weeks", {"validity": 63 * 7 * 1440}),
    ("status-report", "report back", {"status_report": True}),
    ("smsc", "via SMSC", {"smsc": "+491710760000"}),
    ("smsc-odd-digits", "via SMSC", {"smsc": "+4917107600001"}),
    ("to-national", "national", {"to": "01701234567"}),
    ("to-short-code", "short code", {"to": "1234"}),
    ("to-odd-international", "odd", {"to": "+4917012345678"}),
    ("everything", CYRILLIC * 2, {"ref": 99, "validity": 10080, "status_report": True,
                                  "flash": True, "smsc": "+447785016005"}),
]


def check_encoded(report, smsgw, case, text, opts):
    case_id = f"encode:{case}"
    to = opts.get("to", TO)
    ref_bits = opts.get("ref_bits", 8)
    enc_opts = {k: v for k, v in opts.items() if k != "to"}
    out = report.run("smsgw", case_id, lambda: smsgw.encode(text, to, **enc_opts))
    if out is None:
        return
    want_encoding, want_parts = reference_plan(text, ref_bits)
    report.check("smsgw", case_id, "encoding", out["encoding"], want_encoding)
    report.check("smsgw", case_id, "parts", out["parts"], want_parts)
    report.check("smsgw", case_id, "pdu count", len(out["pdus"]), out["parts"])
    report.check("smsgw", case_id, "tpdu_lengths count", len(out["tpdu_lengths"]), len(out["pdus"]))

    multipart = len(out["pdus"]) > 1
    want = {
        "type": "submit",
        "recipient": to,
        "smsc": opts.get("smsc"),
        "encoding": want_encoding,
        "class": 0 if opts.get("flash") else None,
    }
    want_validity = expected_validity(opts["validity"]) if "validity" in opts else None
    decoders = {
        "smsgw": lambda h, raw: smsgw_view(smsgw, h),
        "gammu": lambda h, raw: gammu_view(raw),
        "gsmmodem": lambda h, raw: gsmmodem_view(h),
    }
    views = {name: [] for name in decoders}
    for i, (hexpdu, tpdu_len) in enumerate(zip(out["pdus"], out["tpdu_lengths"])):
        raw = bytes.fromhex(hexpdu)
        report.check("smsgw", case_id, f"part {i + 1} tpdu_length", tpdu_len, len(raw) - 1 - raw[0])
        # Neither third-party decoder reports TP-SRR, so its bit (TS 23.040 §9.2.2.2) is read here.
        srr = bool(first_octet_after_smsc(raw) & 0x20)
        report.check("smsgw", case_id, f"part {i + 1} TP-SRR", srr, bool(opts.get("status_report")))
        for name, decode in decoders.items():
            v = report.run(name, case_id, lambda: decode(hexpdu, raw))
            if v is None:
                continue
            views[name].append(v)
            for field, w in want.items():
                if name == "gsmmodem" and field in ("encoding", "class"):
                    continue  # python-gsmmodem does not report the DCS
                report.check(name, case_id, f"part {i + 1} {field}", v.get(field), w)
            if name != "smsgw":
                report.check(name, case_id, f"part {i + 1} validity", v["validity_minutes"],
                             want_validity)
            c = v["concat"]
            if not multipart:
                report.check(name, case_id, f"part {i + 1} concat", c, None)
                continue
            if c is None:
                report.mismatch(name, case_id, f"part {i + 1} concat", "no concatenation IE")
                continue
            report.check(name, case_id, f"part {i + 1} concat seq/total",
                         (c["seq"], c["total"], c["ref_bits"]), (i + 1, len(out["pdus"]), ref_bits))
            if "ref" in opts:
                report.check(name, case_id, f"part {i + 1} concat ref", c["ref"], opts["ref"])

    # Every part of one message carries the same reference and the same TP-MR.
    for name, vs in views.items():
        if multipart and vs and all(v["concat"] for v in vs):
            report.check(name, case_id, "one concat ref", len({v["concat"]["ref"] for v in vs}), 1)
    mrs = {name: [v.get("message_ref") for v in vs] for name, vs in views.items()}
    if all(len(m) == len(out["pdus"]) for m in mrs.values()):
        report.check("gammu", case_id, "message_ref", mrs["gammu"], mrs["smsgw"])
        report.check("gsmmodem", case_id, "message_ref", mrs["gsmmodem"], mrs["smsgw"])

    # Reassembly: each decoder's parts, in sequence order, give back the text.
    for name, vs in views.items():
        if len(vs) != len(out["pdus"]):
            continue
        if name == "gammu":
            got = report.run(name, case_id, lambda: gammu_reassemble(vs))
        else:
            ordered = sorted(vs, key=lambda v: v["concat"]["seq"] if v["concat"] else 0)
            got = "".join(v.get("text") or "" for v in ordered)
        report.check(name, case_id, "reassembled text", got, text)


# ---------------------------------------------------------------------------------------------
# (b) the others encode, smsgw decodes
# ---------------------------------------------------------------------------------------------

FOREIGN_CORPUS = [
    ("gsm7-short", "Hello from the other side", {}),
    ("gsm7-extension", "Price: 5€ [a] {b} ~c~ |d| ^e^ \\f", {}),
    ("gsm7-default-table", GSM7_DEFAULT.replace("\x1b", "").replace("\n", "").replace("\r", ""), {}),
    ("gsm7-trailing-at", "mail me@", {}),
    ("gsm7-form-feed", "page one\x0cpage two", {}),
    ("gsm7-160", "0123456789" * 16, {}),
    ("gsm7-161", "0123456789" * 16 + "X", {"ref": 17}),
    ("gsm7-long-extension", ("{json: [1, 2]} costs 3€ | " * 20), {"ref": 200}),
    ("gsm7-long-16bit", LOREM * 2, {"ref": 0x1234, "ref_bits": 16}),
    ("ucs2-short", "Привет, мир!", {}),
    ("ucs2-71", "Ж" * 71, {"ref": 3}),
    ("ucs2-long", CYRILLIC * 4, {"ref": 250}),
    ("ucs2-emoji", "Hi 😀👍🏽 — ok", {}),
    ("ucs2-long-emoji", ("Grüße 😀 from the gateway 🚀 " * 8), {"ref": 9}),
    ("flash", "Flash message", {"flash": True}),
    ("smsc", "via SMSC", {"smsc": "+491710760000"}),
    ("to-national", "national", {"to": "01701234567"}),
]


def gammu_encode(text, to, ref=None, ref_bits=8, flash=False, smsc=None):
    encoding, _ = reference_plan(text, ref_bits)
    entry = "ConcatenatedTextLong16bit" if ref_bits == 16 else "ConcatenatedTextLong"
    msgs = gammu.EncodeSMS({"Class": 0 if flash else -1, "Unicode": encoding == "ucs2",
                            "Entries": [{"ID": entry, "Buffer": text}]})
    pdus = []
    for m in msgs:
        m["Number"] = to
        m["SMSC"] = {"Location": 0, "Number": smsc or "", "Validity": "Max"}
        if ref is not None and m["UDH"]["Type"] != "NoUDH":
            # libGammu picks a random reference; set the requested one in its UDH.
            udh = bytearray(m["UDH"]["Text"])
            if ref_bits == 16:
                udh[3:5] = ref.to_bytes(2, "big")
            else:
                udh[3] = ref
            m["UDH"]["Text"] = bytes(udh)
        pdus.append(gammu.EncodePDU(m, "Submit").hex().upper())
    return pdus


def gsmmodem_encode(text, to, ref=None, ref_bits=8, flash=False, smsc=None):
    # python-gsmmodem uses one number as TP-MR and concatenation reference, and picks IE 08 only
    # for a reference above 255 (which cannot be a TP-MR): ref_bits cannot be chosen.
    pdus = gsmpdu.encodeSmsSubmitPdu(to, text, reference=ref or 0, smsc=smsc,
                                     requestStatusReport=False, sendFlash=flash)
    return [str(p) for p in pdus]


def check_foreign(report, smsgw, tool, encode, case, text, opts):
    case_id = f"foreign:{case}"
    to = opts.get("to", TO)
    kw = {k: v for k, v in opts.items() if k != "to"}
    pdus = report.run(tool, case_id, lambda: encode(text, to, **kw))
    if pdus is None:
        return
    want_encoding, _ = reference_plan(text, opts.get("ref_bits", 8))
    parts = []
    for i, hexpdu in enumerate(pdus):
        # What the tool itself put in, read back by libGammu (the reference for the UDH bytes).
        mine = gammu_view(bytes.fromhex(hexpdu))
        v = report.run("smsgw", case_id + f"/{tool}", lambda: smsgw_view(smsgw, hexpdu))
        if v is None:
            continue
        parts.append(v)
        c = f"{tool} part {i + 1}"
        report.check(tool, case_id, f"{c} type", v["type"], "submit")
        report.check(tool, case_id, f"{c} recipient", v["recipient"], to)
        report.check(tool, case_id, f"{c} smsc", v["smsc"], opts.get("smsc"))
        report.check(tool, case_id, f"{c} encoding", v["encoding"], want_encoding)
        report.check(tool, case_id, f"{c} class", v["class"], 0 if opts.get("flash") else None)
        report.check(tool, case_id, f"{c} udh", v["udh_raw"], mine["udh_raw"])
        report.check(tool, case_id, f"{c} concat", v["concat"], mine["concat"])
        report.check(tool, case_id, f"{c} message_ref", v["message_ref"], mine["message_ref"])
        if len(pdus) > 1 and "ref" in opts and v["concat"]:
            report.check(tool, case_id, f"{c} concat ref", v["concat"]["ref"], opts["ref"])
    if len(parts) == len(pdus):
        ordered = sorted(parts, key=lambda v: v["concat"]["seq"] if v["concat"] else 0)
        report.check(tool, case_id, "reassembled text", "".join(v["text"] or "" for v in ordered),
                     text)


# ---------------------------------------------------------------------------------------------
# (c) published SMS-DELIVER vectors, decoded by all three
# ---------------------------------------------------------------------------------------------


# Where `expect` holds one decoder's value that the spec contradicts, or a PDU is not what its
# lengths claim, the spec decides (as in tests/vectors.rs, which gives the reasons in full).
SPEC_VALUES = {
    # DCS FB: coding group 1111, bit 2 = 0 is GSM 7-bit, bits 1..0 are class 3 (TS 23.038 §4);
    # `expect` has "ucs2" from one decoder alone.
    ("pub-gammu-42", "encoding"): "gsm7",
    ("pub-gammu-42", "class"): 3,
    ("pub-gammu-42", "text"): "1917812300     22:30   RATTHI",
}
SPEC_ERRORS = {
    # TP-UDL 53 septets take 47 octets and 30 more follow (TS 23.040 §9.2.3.16): smsgw refuses
    # the PDU rather than guess what the extra octets are.
    "pub-gammu-39": "after the end of the PDU",
}


def disputed_nulls(vector):
    """Fields with no majority among the decoders that made the vectors: the spec decides them,
    which the codec's own tests pin; there is nothing to compare here."""
    exp = vector["expect"]
    return {k for k, v in exp.items() if v is None and vector.get("disagree")
            and any(d.get("field") in (k, "number" if k in ("sender", "recipient") else k)
                    for d in vector["disagreements"])}


def check_vector(report, smsgw, vector):
    case_id = f"vector:{vector['id']}"
    exp = dict(vector["expect"])
    skip = disputed_nulls(vector)
    for (vid, field), value in SPEC_VALUES.items():
        if vid == vector["id"]:
            exp[field] = value
            skip.discard(field)
    hexpdu, raw = vector["pdu"], bytes.fromhex(vector["pdu"])
    want_concat = exp["udh"]["concat"] if exp.get("udh") else None
    want_udh = ies_bytes(exp["udh"]["ies"]).hex().upper() if exp.get("udh") else None

    if vector["id"] in SPEC_ERRORS:
        try:
            smsgw.decode(hexpdu)
            report.mismatch("smsgw", case_id, "*", "decoded a PDU the spec says is malformed")
        except RuntimeError as e:
            report.check("smsgw", case_id, "refusal", SPEC_ERRORS[vector["id"]] in str(e), True)
        v = None
    else:
        v = report.run("smsgw", case_id, lambda: smsgw.decode(hexpdu))
    if v is not None:
        for field, w in exp.items():
            if field not in skip:
                report.check("smsgw", case_id, field, v.get(field), w)

    fields = ["type", "smsc", "sender", "encoding", "text", "data_hex", "class"]
    v = report.run("gammu", case_id, lambda: gammu_view(raw))
    if v is not None:
        for field in fields:
            if field in exp and field not in skip:
                report.check("gammu", case_id, field, v.get(field), exp[field])
        if "timestamp" not in skip:
            report.check("gammu", case_id, "timestamp", v.get("timestamp_local"),
                         exp["timestamp"][:19] if exp.get("timestamp") else None)
        report.check("gammu", case_id, "concat", v["concat"], want_concat)
        report.check("gammu", case_id, "udh", v["udh_raw"], want_udh)

    v = report.run("gsmmodem", case_id, lambda: gsmmodem_view(hexpdu))
    if v is not None:
        for field in ["type", "smsc", "sender", "timestamp"]:
            if field not in skip:
                report.check("gsmmodem", case_id, field, v.get(field), exp.get(field))
        # python-gsmmodem does not report the DCS: it is right when its text is.
        if exp.get("encoding") in ("gsm7", "ucs2") and "text" not in skip:
            report.check("gsmmodem", case_id, "text", v["text"], exp["text"])
        elif exp.get("encoding") == "8bit" and "data_hex" not in skip:
            got = None if v["text"] is None else bytes(ord(c) & 0xFF for c in v["text"]).hex().upper()
            report.check("gsmmodem", case_id, "data_hex", got, exp["data_hex"])
        report.check("gsmmodem", case_id, "concat", v["concat"], want_concat)
        report.check("gsmmodem", case_id, "udh", v["udh_raw"], want_udh)


def default_smsgw():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    return os.path.join(target, "debug", "smsgw")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smsgw", default=os.environ.get("SMSGW_BIN") or default_smsgw())
    ap.add_argument("--vectors", default=os.environ.get("SMSGW_VECTORS")
                    or os.path.join(os.path.dirname(REPO), "shared", "vectors"))
    ap.add_argument("--only", default="a,b,c", help="sections to run: a (encode), b (foreign), c (vectors)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list known deviations as they occur")
    args = ap.parse_args()
    only = set(args.only.split(","))

    smsgw = Smsgw(args.smsgw)
    report = Report(args.verbose)
    print(f"smsgw {args.smsgw}; libGammu {gammu.Version()[0]}; python-gsmmodem-new "
          f"{version('python-gsmmodem-new')}")

    if "a" in only:
        print(f"(a) {len(ENCODE_CORPUS)} texts encoded by smsgw, decoded by libGammu and python-gsmmodem")
        for case, text, opts in ENCODE_CORPUS:
            check_encoded(report, smsgw, case, text, opts)
    if "b" in only:
        print(f"(b) {len(FOREIGN_CORPUS)} texts encoded by libGammu and python-gsmmodem, decoded by smsgw")
        for case, text, opts in FOREIGN_CORPUS:
            check_foreign(report, smsgw, "gammu", gammu_encode, case, text, opts)
            check_foreign(report, smsgw, "gsmmodem", gsmmodem_encode, case, text, opts)
    if "c" in only:
        path = os.path.join(args.vectors, "received-published.jsonl")
        with open(path, encoding="utf-8") as f:
            vectors = [json.loads(line) for line in f if line.strip()]
        delivers = [x for x in vectors if x["expect"]["type"] == "deliver"]
        print(f"(c) {len(delivers)} SMS-DELIVER vectors from {path}, decoded by all three")
        for vector in delivers:
            check_vector(report, smsgw, vector)

    stale = report.summary()
    ran = {{"a": "encode", "b": "foreign", "c": "vector"}[s] for s in only}
    stale = [d for d in stale if d.case.split(":")[0] in ran]
    for d in stale:
        print(f"  STALE known deviation, no longer seen: {d.tool} {d.case} {d.field}")
    bad = len(report.unexpected) + len(stale)
    print(f"\n{len(report.known)} known deviations")
    print(f"crosscheck: {report.passed} passed, {bad} failed")
    return 1 if bad else 0


def version(dist):
    from importlib.metadata import version as v
    return v(dist)


if __name__ == "__main__":
    sys.exit(main())
