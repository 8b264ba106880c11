"""Drives `smsgw sim` with python-gsmmodem-new, a modem library we did not write.

Usage: gsmmodem_client.py PORT CONTROL_SOCKET

Connects (python-gsmmodem's full start-up sequence), sends a text, asks the simulator through
its control socket to deliver an incoming message, and waits for python-gsmmodem's SMS
callback. Prints one JSON object with what it saw; exits non-zero on any failure.
"""

import json
import socket
import sys
import threading
import time

from gsmmodem.modem import GsmModem


def control(path, line):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall((line + "\n").encode())
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    reply = json.loads(answer)
    if not reply.get("ok"):
        raise RuntimeError(f"control {line!r}: {reply}")
    return reply


def main():
    port, ctl = sys.argv[1], sys.argv[2]
    received = []
    got_sms = threading.Event()
    reports = []
    got_report = threading.Event()

    def on_sms(sms):
        received.append({"number": sms.number, "text": sms.text})
        got_sms.set()

    def on_report(report):
        reports.append({"reference": report.reference, "status": report.status})
        got_report.set()

    modem = GsmModem(port, 115200, smsReceivedCallbackFunc=on_sms, smsStatusReportCallback=on_report)
    result = {}
    try:
        modem.connect()
        result["manufacturer"] = modem.manufacturer
        result["model"] = modem.model
        result["imei"] = modem.imei
        result["signal"] = modem.signalStrength
        result["network"] = modem.networkName
        sms = modem.sendSms("+4912345", "hello from python-gsmmodem")
        result["sent_reference"] = sms.reference
        result["report"] = got_report.wait(15) and reports[0]
        control(ctl, "inject sms +4917600000 Grüße aus dem Simulator")
        if not got_sms.wait(15):
            raise RuntimeError("no SMS callback within 15 s")
        result["received"] = received[0]
    finally:
        modem.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
