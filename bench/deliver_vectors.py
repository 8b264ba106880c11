#!/usr/bin/env python3
"""Writes the DELIVER set of the codec benchmark: the SMS-DELIVER PDUs of
received-published.jsonl that all three decoders (smsgw, libGammu, python-gsmmodem) accept, one
hex PDU per line, so that every harness decodes the same PDUs and none gets credit for giving
up early. The vectors left out, and why, go to OUT_FILE.excluded.

  deliver_vectors.py SMSGW_BIN VECTORS_JSONL OUT_FILE
"""
import json
import subprocess
import sys

import gammu
import gsmmodem.pdu


def rejection(smsgw, hexpdu):
    """Why a decoder refuses the PDU, or None when all three accept it."""
    p = subprocess.run([smsgw, "pdu", "decode", "--json", hexpdu], capture_output=True, text=True)
    if p.returncode != 0:
        lines = p.stderr.strip().splitlines()
        return "smsgw: " + (lines[-1].removeprefix("smsgw: ") if lines else "failed")
    try:
        gammu.DecodePDU(bytes.fromhex(hexpdu), SMSC=True)
    except Exception as e:  # noqa: BLE001 - any failure leaves the PDU out
        return f"libGammu: {type(e).__name__}"
    try:
        gsmmodem.pdu.decodeSmsPdu(bytearray.fromhex(hexpdu))
    except Exception as e:  # noqa: BLE001
        return f"python-gsmmodem: {type(e).__name__}"
    return None


def main(smsgw, src, dst):
    with open(src, encoding="utf-8") as f:
        vectors = [json.loads(line) for line in f if line.strip()]
    delivers = [v for v in vectors if v["expect"]["type"] == "deliver"]
    kept, excluded = [], []
    for v in delivers:
        why = rejection(smsgw, v["pdu"])
        if why is None:
            kept.append(v["pdu"])
        else:
            excluded.append(f"{v['id']}\t{why}")
    with open(dst, "w", encoding="ascii") as f:
        f.write("".join(p + "\n" for p in kept))
    with open(dst + ".excluded", "w", encoding="utf-8") as f:
        f.write("".join(e + "\n" for e in excluded))
    print(f"deliver_vectors: {len(kept)} of {len(delivers)} DELIVER vectors -> {dst}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    main(*sys.argv[1:4])
