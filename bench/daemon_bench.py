#!/usr/bin/env python3
"""The whole daemon measured: `smsgw run` against `smsgw sim` (an instant simulator), per store backend.

usage: daemon_bench.py SMSGW_BIN WORKDIR BACKEND... > section.md

For each backend:
  send    N single-part 160-character messages are queued while the modem is away, then the
          simulator appears and the gateway sends them all: messages per second (from the sent
          times the store recorded), CPU per message (utime+stime of /proc/PID/stat), bytes the
          gateway wrote to the disk per message over queueing and sending (/proc/PID/io
          write_bytes; the state directory is on the disk under WORKDIR).
  deep    100 000 messages are queued (state on /dev/shm, so that it takes seconds, not
          minutes), then the simulator appears and the first ones are sent: resident memory
          (VmRSS, VmHWM of /proc/PID/status) with the deep queue.

Environment: DAEMON_BENCH_SEND (default 2000), DAEMON_BENCH_DEEP (default 100000), DAEMON_BENCH_CACHE
(store.cache, e.g. "2MiB"; default: the daemon's default).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

SEND = int(os.environ.get("DAEMON_BENCH_SEND", "2000"))
DEEP = int(os.environ.get("DAEMON_BENCH_DEEP", "100000"))
CACHE = os.environ.get("DAEMON_BENCH_CACHE")
TEXT = ("Your parcel 93-KX is ready for pickup at Hauptstr. 5 until Friday 18:00. Bring your ID and this "
        "code. Questions? Call 0800 123 456, we are happy to help you!!")[:160]
# 115200 baud, 8N1: ten bits a byte.
WIRE_BYTES_PER_S = 115200 / 10


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Control:
    """A connection to the control socket; requests can be pipelined."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rwb")

    def ask(self, request):
        return self.many([request])[0]

    def many(self, requests, window=512):
        answers = []
        for i in range(0, len(requests), window):
            chunk = requests[i:i + window]
            for r in chunk:
                self.file.write((json.dumps(r) + "\n").encode())
            self.file.flush()
            for _ in chunk:
                answers.append(json.loads(self.file.readline()))
        return answers

    def close(self):
        self.file.close()
        self.sock.close()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def write_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    return 0


def wait_for(what, check, patience=600):
    deadline = time.monotonic() + patience
    while True:
        try:
            if check():
                return
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            sys.exit(f"daemon bench: {what} did not happen in {patience} s")
        time.sleep(0.05)


class Sim:
    def __init__(self, binary, link, control):
        self.proc = subprocess.Popen(
            [binary, "sim", "--profile", "huawei", "--boot-ms", "300", "--link", link, "--control", control],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.proc.stdout.readline()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()


class Daemon:
    def __init__(self, binary, workdir, backend):
        self.dir = workdir
        self.link = os.path.join(workdir, "ttySIM")
        self.socket = os.path.join(workdir, "control.sock")
        store = os.path.join(workdir, "state", "queue." + backend)
        config = os.path.join(workdir, "smsgw.toml")
        with open(config, "w") as f:
            f.write(f'[modem]\ndevice = "{self.link}"\nfamily = "huawei"\n'
                    f'[store]\npath = "{store}"\nbackend = "{backend}"\n'
                    + (f'cache = "{CACHE}"\n' if CACHE else "")
                    + f'[control]\nsocket = "{self.socket}"\n[log]\nlevel = "warn"\n')
        self.proc = subprocess.Popen([binary, "run", "--config", config], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "stderr.log"), "w"))
        self.pid = self.proc.pid
        wait_for("the control socket", lambda: Control(self.socket).ask({"cmd": "status"})["ok"])
        self.control = Control(self.socket)

    def counts(self):
        return self.control.ask({"cmd": "status"})["queue"]["counts"]

    def enqueue(self, n, prefix):
        requests = [{"cmd": "send", "to": f"+49{prefix}{i:07d}", "text": TEXT} for i in range(n)]
        for a in self.control.many(requests):
            if not a.get("ok") or a.get("state") == "failed":
                sys.exit(f"daemon bench: queueing failed: {a}")

    def sent_times(self):
        times, offset = [], 0
        while True:
            page = self.control.ask({"cmd": "list", "state": "sent", "limit": 1000, "offset": offset})["messages"]
            if not page:
                return times
            times += [m["sent_ms"] for m in page]
            offset += len(page)

    def stop(self):
        self.control.close()
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait()


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def bench_send(binary, workdir, backend):
    d = Daemon(binary, fresh(os.path.join(workdir, backend, "send")), backend)
    before = write_bytes(d.pid)
    t = time.monotonic()
    d.enqueue(SEND, "151")
    queue_s = time.monotonic() - t
    cpu0 = cpu_seconds(d.pid)
    sim = Sim(binary, d.link, os.path.join(d.dir, "sim.sock"))
    wait_for(f"sending {SEND} messages", lambda: d.counts()["sent"] == SEND)
    cpu1 = cpu_seconds(d.pid)
    written = write_bytes(d.pid) - before
    times = sorted(d.sent_times())
    mem = memory_kib(d.pid)
    code = d.stop()
    sim.stop()
    span = (times[-1] - times[0]) / 1000
    return {
        "queue_per_s": SEND / queue_s,
        "sent_per_s": (len(times) - 1) / span if span > 0 else float("inf"),
        "cpu_ms_per_msg": (cpu1 - cpu0) * 1000 / SEND,
        "bytes_per_msg": written / SEND,
        "rss_kib": mem["VmRSS"],
        "exit": code,
    }


def bench_deep(binary, workdir, backend):
    base = "/dev/shm" if os.path.isdir("/dev/shm") else workdir
    d = Daemon(binary, fresh(os.path.join(base, f"smsgw-bench-{os.getpid()}-{backend}")), backend)
    idle = memory_kib(d.pid)["VmRSS"]
    t = time.monotonic()
    d.enqueue(DEEP, "152")
    queue_s = time.monotonic() - t
    queued = memory_kib(d.pid)
    sim = Sim(binary, d.link, os.path.join(d.dir, "sim.sock"))
    wait_for("the first 1000 of the deep queue", lambda: d.counts()["sent"] >= 1000)
    sending = memory_kib(d.pid)
    t = time.monotonic()
    d.control.ask({"cmd": "status"})
    status_ms = (time.monotonic() - t) * 1000
    d.stop()
    sim.stop()
    shutil.rmtree(d.dir, ignore_errors=True)
    return {
        "idle_kib": idle,
        "queued_kib": queued["VmRSS"],
        "sending_kib": sending["VmRSS"],
        "peak_kib": sending["VmHWM"],
        "queue_per_s": DEEP / queue_s,
        "status_ms": status_ms,
    }


def wire_limit(binary):
    """Messages per second a 115200-baud line carries for TEXT: the AT traffic of one part."""
    out = subprocess.run([binary, "pdu", "encode", "--json", "--to", "+491511234567", TEXT],
                         capture_output=True, check=True, text=True)
    pdu = json.loads(out.stdout)
    tpdu = pdu["tpdu_lengths"][0]
    hex_len = len(pdu["pdus"][0])
    command = len(f"AT+CMGS={tpdu}\r") + len("\r\n> ") + hex_len + 1
    answer = len("\r\n+CMGS: 123\r\n\r\nOK\r\n")
    per_msg = command + answer
    return per_msg, WIRE_BYTES_PER_S / per_msg


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__.split("\n\n")[1])
    binary, workdir, backends = argv[1], argv[2], argv[3:]
    wire_bytes, wire_rate = wire_limit(binary)
    results = {}
    for b in backends:
        log(f"daemon bench: {b}: {SEND} messages through the gateway")
        send = bench_send(binary, workdir, b)
        log(f"daemon bench: {b}: {DEEP} queued")
        deep = bench_deep(binary, workdir, b)
        results[b] = (send, deep)
        log(f"daemon bench: {b}: {send} {deep}")

    def ok(good):
        return "yes" if good else "**no**"

    env = {
        "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
        "nproc": os.cpu_count(),
        "load": open("/proc/loadavg").read().split()[:3],
        "kernel": os.uname().release,
    }
    lines = [
        "## daemon: the whole gateway against an instant simulator",
        "",
        f"`scripts/bench.sh daemon`: `smsgw run` (release build with both store backends) against `smsgw sim` on a",
        f"pty with no line pacing, so the gateway itself is what is measured. {env['date']} UTC, {env['cpu']},",
        f"{env['nproc']} CPUs (load {' '.join(env['load'])}), Linux {env['kernel']}.",
        "",
        f"**send**: {SEND} single-part messages of 160 GSM characters are queued through the control socket while",
        "the modem is away; then the simulator appears and the gateway sends them all. Rate from the send times the",
        "store recorded; CPU is the gateway's utime+stime while sending; bytes are what it wrote to the disk",
        "(`/proc/PID/io` write_bytes) over queueing and sending, per message.",
        "",
        "| backend | queued/s | sent/s | CPU per message | written per message | RSS after |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for b, (s, _) in results.items():
        lines.append(f"| {b} | {s['queue_per_s']:.0f} | {s['sent_per_s']:.1f} | {s['cpu_ms_per_msg']:.2f} ms | "
                     f"{s['bytes_per_msg'] / 1024:.1f} KiB | {s['rss_kib'] / 1024:.1f} MiB |")
    lines += [
        "",
        f"**deep**: {DEEP} messages queued (state on tmpfs, only to make queueing quick), then the first 1000 sent.",
        "",
        "| backend | RSS idle | RSS with the queue | RSS sending from it | peak RSS | `status` answer |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for b, (_, d) in results.items():
        lines.append(f"| {b} | {d['idle_kib'] / 1024:.1f} MiB | {d['queued_kib'] / 1024:.1f} MiB | "
                     f"{d['sending_kib'] / 1024:.1f} MiB | {d['peak_kib'] / 1024:.1f} MiB | {d['status_ms']:.1f} ms |")
    lines += [
        "",
        f"A 115200-baud line carries {wire_rate:.1f} such messages a second ({wire_bytes} bytes of AT traffic each:",
        "`AT+CMGS`, prompt, PDU in hex, Ctrl-Z, `+CMGS` and `OK`).",
        "",
        "| target | " + " | ".join(results) + " |",
        "| --- | " + " | ".join("---" for _ in results) + " |",
        f"| faster than the line ({wire_rate:.0f}/s) | "
        + " | ".join(f"{ok(s['sent_per_s'] > wire_rate)} ({s['sent_per_s'] / wire_rate:.1f}×)" for s, _ in results.values()) + " |",
        "| ≤ 16 KiB written per single-part message | "
        + " | ".join(f"{ok(s['bytes_per_msg'] <= 16 * 1024)} ({s['bytes_per_msg'] / 1024:.1f} KiB)" for s, _ in results.values()) + " |",
        f"| RSS ≤ 16 MiB with {DEEP} queued | "
        + " | ".join(f"{ok(d['peak_kib'] <= 16 * 1024)} (peak {d['peak_kib'] / 1024:.1f} MiB)" for _, d in results.values()) + " |",
        "",
        "Written per message counts queueing and sending only; removing the message after `store.retention` writes",
        "a little more, once.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv)
