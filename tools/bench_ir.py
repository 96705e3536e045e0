#!/usr/bin/env python3
"""Instructions per stored statement, counted by callgrind.

This machine's perf has no hardware counters (a VM), and wall time on the
shared cores is noise, so designs of the write path are compared by the
instructions they execute: lrsd runs under `valgrind --tool=callgrind
--separate-threads=yes`, a fixed, seeded load of bench-like statements is
posted one request at a time (so every group commit is the same), and the
instructions (Ir) of the writer thread (the one that runs writer_main) and
of the whole server are divided by the statements stored.

    tools/bench_ir.py [--lrsd bin/lrsd] [--single N] [--batches N]

--single N posts N single statements (post-1), then --batches N posts N
arrays of 100 (post-100); each phase is a separate server run.  Start-up
and shutdown are measured by an idle run and subtracted.
"""
import argparse
import base64
import glob
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

VERBS = ["completed", "passed", "experienced"]
AUTH = "Basic " + base64.b64encode(b"bench:benchsecret1").decode()


def statement(rng):
    learner = rng.randrange(1000)
    course = rng.randrange(200)
    verb = rng.randrange(3)
    raw = rng.randrange(101)
    if verb == 1 and raw < 60:
        raw = 60 + raw % 41
    reg = "%08x-%04x-4%03x-8000-%012x" % (
        0xbe4c0000 + learner, course, learner % 4096,
        (learner * 7919 + course) & 0xffffff)
    t = time.gmtime(1780000000 - rng.randrange(30 * 86400))
    return {
        "id": "%08x-%04x-4%03x-8%03x-%012x" % (
            rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
            rng.getrandbits(12), rng.getrandbits(48)),
        "actor": {"objectType": "Agent", "name": "Learner %u" % learner,
                  "mbox": "mailto:learner%u@example.com" % learner},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/" + VERBS[verb],
                 "display": {"en-US": VERBS[verb]}},
        "object": {"objectType": "Activity",
                   "id": "http://example.com/courses/course-%03u" % course,
                   "definition": {
                       "name": {"en-US": "Course %u" % course},
                       "description": {
                           "en-US": "Course %u of the bench catalog" % course},
                       "type": "http://adlnet.gov/expapi/activities/course"}},
        "result": {"score": {"scaled": raw / 100, "raw": raw, "min": 0,
                             "max": 100},
                   "success": raw >= 60, "completion": True,
                   "duration": "PT%uM%uS" % (5 + rng.randrange(55),
                                             rng.randrange(60))},
        "context": {"registration": reg,
                    "contextActivities": {"parent": [{
                        "objectType": "Activity",
                        "id": "http://example.com/programs/program-%u" %
                        (course % 10)}]},
                    "platform": "bench", "language": "en-US"},
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", t) +
        ".%03uZ" % rng.randrange(1000),
    }


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(port, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("POST", "/xapi/statements", body=json.dumps(body),
              headers={"Authorization": AUTH,
                       "Content-Type": "application/json",
                       "X-Experience-API-Version": "1.0.3"})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 200:
        sys.exit("bench_ir: POST answered %d" % r.status)


def wait_ready(port, proc):
    for _ in range(1200):
        if proc.poll() is not None:
            sys.exit("bench_ir: lrsd exited")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/xapi/about")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("bench_ir: lrsd did not start")


def warm(port):
    """One authenticated read: the secret's PBKDF2 is paid here, in
    every run, and so subtracted with the idle run."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("GET", "/xapi/statements?limit=1",
              headers={"Authorization": AUTH,
                       "X-Experience-API-Version": "1.0.3"})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 200:
        sys.exit("bench_ir: GET answered %d" % r.status)


def stop(proc):
    """SIGTERM until it exits: under valgrind the signal may land on a
    thread other than the one in pause(), which then sleeps on."""
    while True:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            pass


def thread_ir(path):
    """Total Ir of one callgrind dump, and whether it ran writer_main."""
    total = 0
    writer = False
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
            elif "writer_main" in line:
                writer = True
    return total, writer


def run(lrsd, posts):
    """(writer Ir, server Ir) for one server run doing posts."""
    d = tempfile.mkdtemp(prefix="lrsd-ir.")
    port = free_port()
    out = os.path.join(d, "cg.out")
    log = open(os.path.join(d, "lrsd.log"), "w")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes",
         "--callgrind-out-file=" + out, lrsd, "serve",
         "--listen", "127.0.0.1:%d" % port, "--data", d + "/data",
         "--admin", "bench:benchsecret1", "--threads", "4",
         "--map-size", "1G"],
        stdout=log, stderr=log)
    try:
        wait_ready(port, proc)
        warm(port)
        for body in posts:
            post(port, body)
    finally:
        stop(proc)
    w = s = 0
    for p in glob.glob(out + "*"):
        ir, is_writer = thread_ir(p)
        s += ir
        if is_writer:
            w += ir
    if os.environ.get("BENCH_IR_KEEP"):
        print("bench_ir: kept " + d, file=sys.stderr)
    else:
        shutil.rmtree(d)
    return w, s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrsd", default="bin/lrsd")
    ap.add_argument("--single", type=int, default=200)
    ap.add_argument("--batches", type=int, default=10)
    a = ap.parse_args()
    rng = random.Random(7777)
    w0, s0 = run(a.lrsd, [])
    ones = [statement(rng) for _ in range(a.single)]
    w1, s1 = run(a.lrsd, ones)
    many = [[statement(rng) for _ in range(100)] for _ in range(a.batches)]
    w2, s2 = run(a.lrsd, many)
    n1, n2 = a.single, 100 * a.batches
    print("post-1   (%d statements): writer %d Ir/stmt, server %d Ir/stmt" %
          (n1, (w1 - w0) // n1, (s1 - s0) // n1))
    print("post-100 (%d statements): writer %d Ir/stmt, server %d Ir/stmt" %
          (n2, (w2 - w0) // n2, (s2 - s0) // n2))


if __name__ == "__main__":
    main()
