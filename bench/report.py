#!/usr/bin/env python3
"""Renders benchmark results as Markdown and splices them into BENCHMARKS.md.

  report.py codec SMSGW_TSV GAMMU_TSV GSMMODEM_TSV ENV_FILE EXCLUDED   -> Markdown on stdout
  report.py splice SECTION FRAGMENT_MD BENCHMARKS_MD          -> replaces that section in place

Each section of BENCHMARKS.md sits between `<!-- section:NAME -->` and `<!-- /section:NAME -->`,
so a section can be measured again without touching the others.
"""
import os
import sys

HEADER = """# Benchmarks

Measured by `scripts/bench.sh [SECTION...]` (no argument: every section), which installs what it
compares against, builds everything optimised and rewrites its sections of this file.
"""

# What each operation measures, in table order.
CODEC_OPS = [
    ("encode-single-gsm7", "encode, 1-part GSM 7-bit (88 chars)"),
    ("encode-multi-gsm7", "encode, 3-part GSM 7-bit (351 chars)"),
    ("encode-ucs2", "encode, 3-part UCS-2 (171 chars)"),
    ("decode-single-gsm7", "decode, 1-part GSM 7-bit"),
    ("decode-multi-gsm7", "decode, 3-part GSM 7-bit"),
    ("decode-ucs2", "decode, 3-part UCS-2"),
    ("decode-deliver", "decode, published SMS-DELIVER vectors"),
]

# What the project promises: at least this many times python-gsmmodem's speed, and faster than
# libGammu.
TARGET_VS_GSMMODEM = 20.0
TARGET_VS_GAMMU = 1.0
# A margin this small is within the noise of a shared machine.
NEAR = 0.15


def read_tsv(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4 and parts[1].isdigit():
                rows[parts[0]] = {"ns": int(parts[1]), "pdus": int(parts[2]), "rounds": int(parts[3])}
    return rows


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def fmt_ns(ns):
    return f"{ns:,}"


def ratio(other, ours):
    return other / ours if ours else float("inf")


def codec(smsgw_tsv, gammu_tsv, gsmmodem_tsv, env_file, excluded_file):
    ours, gammu, gsm = read_tsv(smsgw_tsv), read_tsv(gammu_tsv), read_tsv(gsmmodem_tsv)
    env = read_env(env_file)
    with open(excluded_file, encoding="utf-8") as f:
        excluded = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    out = []
    w = out.append
    w("## codec: PDU encode and decode")
    w("")
    w("Nanoseconds per PDU (median of 5 slices of about "
      f"{env.get('seconds', '1')} s / 5 each); ratio = their time / smsgw's time, so above 1 means "
      "smsgw is faster. An encode starts from the library's own text type (Rust `&str`, libGammu's "
      "Unicode buffer, Python `str`) and ends with the SMS-SUBMIT octets, SMSC field included, for "
      "every part; a decode starts from the octets and ends with the decoded fields and text. Each "
      "harness first checks that its PDUs decode back to the text.")
    w("")
    w("| operation | smsgw ns/PDU | libGammu ns/PDU | python-gsmmodem ns/PDU | vs libGammu | vs python-gsmmodem |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    misses, close = [], []
    for op, label in CODEC_OPS:
        if op not in ours or op not in gammu or op not in gsm:
            w(f"| {label} | {fmt_ns(ours[op]['ns']) if op in ours else 'n/a'} | "
              f"{fmt_ns(gammu[op]['ns']) if op in gammu else 'n/a'} | "
              f"{fmt_ns(gsm[op]['ns']) if op in gsm else 'n/a'} | | |")
            misses.append(f"{label}: not measured by every harness")
            continue
        rg, rp = ratio(gammu[op]["ns"], ours[op]["ns"]), ratio(gsm[op]["ns"], ours[op]["ns"])
        w(f"| {label} | {fmt_ns(ours[op]['ns'])} | {fmt_ns(gammu[op]['ns'])} | "
          f"{fmt_ns(gsm[op]['ns'])} | {rg:.1f}x | {rp:.1f}x |")
        if rg <= TARGET_VS_GAMMU:
            misses.append(f"{label}: {rg:.2f}x libGammu (target: faster)")
        if rp < TARGET_VS_GSMMODEM:
            misses.append(f"{label}: {rp:.1f}x python-gsmmodem (target: {TARGET_VS_GSMMODEM:.0f}x)")
        elif rp < TARGET_VS_GSMMODEM * (1 + NEAR):
            close.append(f"{label}: {rp:.1f}x python-gsmmodem (target: {TARGET_VS_GSMMODEM:.0f}x)")
        if TARGET_VS_GAMMU < rg < TARGET_VS_GAMMU * (1 + NEAR):
            close.append(f"{label}: {rg:.2f}x libGammu (target: faster)")
    w("")
    if misses:
        w("Targets (faster than libGammu, at least 20x python-gsmmodem) **missed** on:")
        w("")
        for m in misses:
            w(f"- {m}")
    else:
        w("Targets met on every operation: faster than libGammu, and at least "
          f"{TARGET_VS_GSMMODEM:.0f}x python-gsmmodem.")
    if close:
        w("")
        w(f"Within {NEAR:.0%} of a target, so a run on a busy machine may land on either side:")
        w("")
        for c in close:
            w(f"- {c}")
    w("")
    deliver = ours.get("decode-deliver", {}).get("pdus")
    w(f"The DELIVER set is the {deliver or '?'} SMS-DELIVER vectors of "
      "`received-published.jsonl` that all three decoders accept (a decoder that gives up early "
      "would look fast). The corpus texts are `bench/corpus/*.txt`.")
    if excluded:
        w("")
        w("Left out of the DELIVER set:")
        w("")
        for vid, why in excluded:
            w(f"- `{vid}`: {why}")
    w("")
    w("Measured on:")
    w("")
    for key, label in [("date", "date (UTC)"), ("cpu", "CPU"), ("nproc", "cores (`nproc`)"),
                       ("load", "load average before the run"), ("kernel", "kernel"),
                       ("rustc", "rustc"), ("cc", "C compiler"), ("gammu", "libGammu"),
                       ("python", "Python"), ("gsmmodem", "python-gsmmodem-new")]:
        w(f"- {label}: {env.get(key, '?')}")
    w("")
    w("Reproduce: `scripts/bench.sh codec` (`BENCH_SECONDS=N` for a longer run per operation). "
      "Harnesses: `benches/codec.rs` (smsgw, `cargo bench --bench codec`, profile `bench`), "
      "`bench/gammu_bench.c` (libGammu through its C API, `-O2`), `bench/gsmmodem_bench.py` "
      "(python-gsmmodem-new). The machine is shared, so single figures can move by 10-20 % "
      "between runs; the medians keep short spikes out.")
    return "\n".join(out) + "\n"


def splice(section, fragment_path, target):
    with open(fragment_path, encoding="utf-8") as f:
        fragment = f.read().rstrip("\n") + "\n"
    start, end = f"<!-- section:{section} -->", f"<!-- /section:{section} -->"
    block = f"{start}\n{fragment}{end}\n"
    text = HEADER
    if os.path.exists(target):
        with open(target, encoding="utf-8") as f:
            text = f.read()
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after.lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) == 7 and argv[1] == "codec":
        sys.stdout.write(codec(*argv[2:7]))
    elif len(argv) == 5 and argv[1] == "splice":
        splice(*argv[2:5])
    else:
        sys.exit(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    main(sys.argv)
