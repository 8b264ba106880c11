#!/usr/bin/env python3
"""python-gsmmodem-new's speed on the codec benchmark corpus, for comparison with smsgw
(benches/codec.rs) and libGammu (bench/gammu_bench.c); scripts/bench.sh runs all three.

  gsmmodem_bench.py CORPUS_DIR DELIVER_HEX_FILE [TARGET_SECONDS]

For each text of the corpus (single-gsm7.txt, multi-gsm7.txt, ucs2.txt):
  encode-*: text -> SMS-SUBMIT PDU octets (gsmmodem.pdu.encodeSmsSubmitPdu);
  decode-*: those PDU octets -> dict with the text (gsmmodem.pdu.decodeSmsPdu on a bytearray);
and decode-deliver: every PDU of DELIVER_HEX_FILE decoded.

Prints one tab-separated line per operation: name, ns per PDU, PDUs per round, rounds timed.
Each operation runs ~TARGET_SECONDS (default 1) in 5 slices; the median slice is reported.
"""
import os
import statistics
import sys
import time

from gsmmodem.pdu import decodeSmsPdu, encodeSmsSubmitPdu

SLICES = 5
TO = "+491701234567"
NAMES = ["single-gsm7", "multi-gsm7", "ucs2"]


def measure(name, fn, target):
    pdus = fn()
    rounds = 1
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(rounds):
            fn()
        t = time.perf_counter_ns() - t0
        if t > 20_000_000:
            break
        rounds *= 2
    rounds = int(rounds * (target / SLICES) * 1e9 / t) + 1
    per_pdu = []
    for _ in range(SLICES):
        t0 = time.perf_counter_ns()
        for _ in range(rounds):
            fn()
        per_pdu.append((time.perf_counter_ns() - t0) // (rounds * pdus))
    print(f"{name}\t{int(statistics.median(per_pdu))}\t{pdus}\t{rounds * SLICES}", flush=True)


def main(corpus, deliver_file, target=1.0):
    for name in NAMES:
        with open(os.path.join(corpus, name + ".txt"), encoding="utf-8") as f:
            text = f.read()

        def encode(text=text):
            return len(encodeSmsSubmitPdu(TO, text, reference=0, requestStatusReport=False))

        pdus = [p.data for p in encodeSmsSubmitPdu(TO, text, reference=0, requestStatusReport=False)]
        # The parts decode back to the text: the benchmark measures working code.
        joined = "".join(decodeSmsPdu(p)["text"] for p in pdus)
        if joined != text:
            sys.exit(f"gsmmodem_bench: {name} does not decode to its text")

        def decode(pdus=pdus):
            for p in pdus:
                decodeSmsPdu(p)
            return len(pdus)

        measure(f"encode-{name}", encode, target)
        measure(f"decode-{name}", decode, target)

    with open(deliver_file, encoding="ascii") as f:
        vectors = [bytearray.fromhex(line.strip()) for line in f if line.strip()]

    def deliver():
        for p in vectors:
            decodeSmsPdu(p)
        return len(vectors)

    measure("decode-deliver", deliver, target)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
