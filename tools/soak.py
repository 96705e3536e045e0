#!/usr/bin/env python3
"""Soak test (make soak): a fresh lrsd under mixed load for --seconds
(SOAK_SECONDS, default 1800), valid and hostile clients at once:

  writers    POST batches of 1-10 statements and PUT single ones; every id
             acknowledged (200/204) is remembered
  readers    GET statements by id and by query (following `more`), about,
             state documents PUT/GET/DELETE
  slowloris  a pool of connections each sending its head a byte at a time
  garbage    random bytes, bad request lines, bare LF, NUL in the head
  oversized  a Content-Length over --max-body, a request line over 8 KiB,
             a head over 32 KiB
  bad auth   wrong passwords (from their own addresses, so the failed-login
             limit they run into is theirs)
  half-close a request then shutdown(SHUT_WR); a half head then SHUT_WR;
             connect and close at once

Every --sample seconds the server's RssAnon (its heap: the LMDB map is
file-backed and grows with the data, so VmRSS is reported but not bound),
open file descriptors and threads are read from /proc.  After the warm-up
(the first tenth of the run, at least 60 s) the run fails if

  RssAnon  > 1.25 x its warm-up maximum + 16 MiB,
  fds      > its warm-up maximum + 64,
  threads  > its warm-up maximum + 2,

if the server dies, or if, at the end and again after a clean restart,
any acknowledged statement is missing.  Prints one line per sample and a
summary; exit 0 only when all holds.

    python3 tools/soak.py --lrsd bin/lrsd [--seconds 600]
"""
import argparse, base64, http.client, json, os, random, resource, signal
import socket
import subprocess, sys, tempfile, threading, time, urllib.parse, uuid

AUTH = "Basic " + base64.b64encode(b"soak:soaksecret1").decode()
BAD_AUTH = "Basic " + base64.b64encode(b"soak:wrongsecret").decode()
XAPI = {"X-Experience-API-Version": "1.0.3", "Authorization": AUTH}

stop = threading.Event()
lock = threading.Lock()
acked = set()
counts = {}
errors = []


def count(what, n=1):
    with lock:
        counts[what] = counts.get(what, 0) + n


def fail(what):
    with lock:
        if len(errors) < 50:
            errors.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, lrsd, data, log):
        self.lrsd, self.data, self.log = lrsd, data, log
        self.port, self.proc = free_port(), None

    def start(self):
        self.proc = subprocess.Popen(
            [self.lrsd, "serve", "--listen", "127.0.0.1:%d" % self.port,
             "--data", self.data, "--admin", "soak:soaksecret1"],
            stdout=self.log, stderr=self.log)
        end = time.time() + 30
        while time.time() < end:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("lrsd did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def statement():
    return {"id": str(uuid.uuid4()),
            "actor": {"mbox": "mailto:learner%d@example.com" % random.randrange(50)},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "http://example.com/act/%d" % random.randrange(200)}}


def conn(port, source):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                      source_address=(source, 0))


def call(c, method, path, body=None, headers=None):
    h = dict(XAPI)
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    return r.status, r.read()


def loop(name, fn, port, source):
    """Run fn(conn) until stop, reconnecting after a connection error."""
    c = conn(port, source)
    while not stop.is_set():
        try:
            fn(c)
        except (OSError, http.client.HTTPException) as e:
            count(name + " reconnect")
            c.close()
            c = conn(port, source)
            if stop.is_set():
                break
            time.sleep(0.05)
            if isinstance(e, ConnectionRefusedError):
                fail("%s: connection refused" % name)


def writer(c):
    if random.random() < 0.2:
        st = statement()
        s, body = call(c, "PUT", "/xapi/statements?statementId=" + st["id"],
                       json.dumps(st), {"Content-Type": "application/json"})
        ids = [st["id"]] if s == 204 else []
    else:
        batch = [statement() for _ in range(random.randint(1, 10))]
        s, body = call(c, "POST", "/xapi/statements", json.dumps(batch),
                       {"Content-Type": "application/json"})
        ids = [st["id"] for st in batch] if s == 200 else []
        if s == 200 and json.loads(body) != ids:
            fail("POST acknowledged other ids: %r" % body[:200])
    if s in (200, 204):
        with lock:
            acked.update(ids)
        count("statements acked", len(ids))
    else:
        fail("write refused: %d %r" % (s, body[:200]))


def reader(c):
    k = random.random()
    if k < 0.4:
        with lock:
            sid = random.choice(list(acked)) if acked else None
        if sid:
            s, body = call(c, "GET", "/xapi/statements?statementId=" + sid)
            if s != 200:
                fail("acknowledged %s reads %d" % (sid, s))
    elif k < 0.7:
        s, body = call(c, "GET", "/xapi/statements?limit=50&agent=" +
                       urllib.parse.quote(json.dumps(
                           {"mbox": "mailto:learner%d@example.com" %
                            random.randrange(50)})))
        more = json.loads(body).get("more") if s == 200 else None
        if s != 200:
            fail("query %d" % s)
        if more:
            s, body = call(c, "GET", more)
            if s != 200:
                fail("more %d" % s)
    elif k < 0.85:
        q = urllib.parse.urlencode({
            "activityId": "http://example.com/act/1",
            "agent": json.dumps({"mbox": "mailto:learner1@example.com"}),
            # Its own documents: another reader's DELETE is no loss.
            "stateId": "s%d-%d" % (threading.get_ident(), random.randrange(20))})
        s, _ = call(c, "PUT", "/xapi/activities/state?" + q,
                    json.dumps({"n": random.random()}),
                    {"Content-Type": "application/json"})
        s2, _ = call(c, "GET", "/xapi/activities/state?" + q)
        if s != 204 or s2 != 200:
            fail("state PUT %d GET %d" % (s, s2))
        if random.random() < 0.3:
            call(c, "DELETE", "/xapi/activities/state?" + q)
    else:
        s, _ = call(c, "GET", "/xapi/about")
        if s != 200:
            fail("about %d" % s)
    count("reads")


def raw(port, source, data, shut=False, timeout=5):
    """Send data on a new connection and read what comes back."""
    s = socket.create_connection(("127.0.0.1", port), timeout,
                                 source_address=(source, 0))
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if len(out) > 1 << 20:
                break
        return out
    finally:
        s.close()


def status_of(reply):
    try:
        return int(reply.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def hostile(port, n):
    """One hostile client: a random kind of abuse, over and over."""
    source = "127.0.1.%d" % (n + 1)
    rnd = random.Random(n)
    kinds = [
        ("garbage", lambda: raw(port, source, bytes(
            rnd.randrange(256) for _ in range(rnd.randint(1, 2000))), True),
         None),
        ("bad line", lambda: raw(port, source,
                                 b"GET /xapi/about HTTP/9.9\r\nHost: a\r\n\r\n"),
         (505, 400)),
        ("nul head", lambda: raw(port, source,
                                 b"GET /xapi/about HTTP/1.1\r\nHost: a\x00b\r\n\r\n"),
         (400,)),
        ("oversized body", lambda: raw(port, source,
                                       b"POST /xapi/statements HTTP/1.1\r\n"
                                       b"Host: a\r\nContent-Length: 100000000\r\n"
                                       b"X-Experience-API-Version: 1.0.3\r\n"
                                       b"Authorization: " + AUTH.encode() +
                                       b"\r\n\r\n[", True),
         (413,)),
        ("long line", lambda: raw(port, source, b"GET /" + b"a" * 9000 +
                                  b" HTTP/1.1\r\nHost: a\r\n\r\n"), (414,)),
        ("big head", lambda: raw(port, source, b"GET / HTTP/1.1\r\nHost: a\r\n" +
                                 b"X-Pad: " + b"p" * 4000 + b"\r\n" * 1 +
                                 b"".join(b"X-%d: %s\r\n" % (i, b"q" * 4000)
                                          for i in range(9)) + b"\r\n"),
         (431,)),
        ("bad auth", lambda: raw(port, source,
                                 b"GET /xapi/statements HTTP/1.1\r\nHost: a\r\n"
                                 b"X-Experience-API-Version: 1.0.3\r\n"
                                 b"Authorization: " + BAD_AUTH.encode() +
                                 b"\r\nConnection: close\r\n\r\n"),
         (401, 429)),
        ("half-closed request", lambda: raw(port, source,
                                            b"GET /xapi/about HTTP/1.1\r\nHost: a\r\n"
                                            b"X-Experience-API-Version: 1.0.3\r\n\r\n",
                                            True),
         (200,)),
        ("half-closed head", lambda: raw(port, source,
                                         b"GET /xapi/about HTTP/1.1\r\nHo", True),
         None),
        ("connect and close", lambda: raw(port, source, b"", True), None),
    ]
    while not stop.is_set():
        name, fn, want = rnd.choice(kinds)
        try:
            st = status_of(fn())
        except OSError:
            st = -1
        count("hostile " + name)
        if want is not None and st not in want and st != -1:
            fail("hostile %s got %d" % (name, st))
        time.sleep(rnd.random() * 0.05)


def slowloris(port, nconns):
    """nconns connections sending a head one byte every 1-3 s; a closed
    one (the header timeout) is replaced."""
    head = (b"GET /xapi/about HTTP/1.1\r\nHost: a\r\nX-Experience-API-Version:"
            b" 1.0.3\r\nX-Slow: " + b"s" * 200 + b"\r\n\r\n")
    conns = []
    while not stop.is_set():
        while len(conns) < nconns:
            try:
                s = socket.create_connection(("127.0.0.1", port), 5,
                                             source_address=("127.0.2.1", 0))
                s.setblocking(False)
                conns.append([s, 0])
                count("slowloris opened")
            except OSError:
                break
        for c in list(conns):
            try:
                if c[1] < len(head):
                    c[0].send(head[c[1]:c[1] + 1])
                    c[1] += 1
                else:
                    if c[0].recv(65536) == b"":
                        raise OSError
            except BlockingIOError:
                pass
            except OSError:
                c[0].close()
                conns.remove(c)
                count("slowloris closed by server")
        stop.wait(1 + random.random() * 2)
    for c in conns:
        c[0].close()


def sample(pid):
    st = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, v = line.split(":", 1)
            st[k] = v.split()
    return {"rss": int(st["VmRSS"][0]), "anon": int(st["RssAnon"][0]),
            "threads": int(st["Threads"][0]),
            "fds": len(os.listdir("/proc/%d/fd" % pid))}


def all_ids(port):
    """Every statement id the LRS returns, paging through `more`."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    ids, path = set(), "/xapi/statements?limit=500&format=ids"
    while path:
        s, body = call(c, "GET", path)
        if s != 200:
            raise SystemExit("paging failed: %d %r" % (s, body[:200]))
        res = json.loads(body)
        ids.update(st["id"] for st in res["statements"])
        path = res.get("more") or None
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrsd", required=True)
    ap.add_argument("--seconds", type=int,
                    default=int(os.environ.get("SOAK_SECONDS", "1800")))
    ap.add_argument("--sample", type=float, default=5)
    ap.add_argument("--writers", type=int, default=3)
    ap.add_argument("--readers", type=int, default=3)
    ap.add_argument("--hostile", type=int, default=6)
    ap.add_argument("--slowloris", type=int, default=100)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    tmp = tempfile.mkdtemp(prefix="lrsd-soak-")
    log = open(os.path.join(tmp, "lrsd.log"), "w")
    srv = Server(args.lrsd, os.path.join(tmp, "data"), log)
    srv.start()
    threads = []
    for i in range(args.writers):
        threads.append(threading.Thread(target=loop, args=(
            "writer", writer, srv.port, "127.0.0.%d" % (2 + i))))
    for i in range(args.readers):
        threads.append(threading.Thread(target=loop, args=(
            "reader", reader, srv.port, "127.0.0.%d" % (20 + i))))
    for i in range(args.hostile):
        threads.append(threading.Thread(target=hostile, args=(srv.port, i)))
    threads.append(threading.Thread(target=slowloris,
                                    args=(srv.port, args.slowloris)))
    for t in threads:
        t.daemon = True
        t.start()

    warm = max(60, args.seconds / 10)
    t0 = time.time()
    samples, ok = [], True
    print("  time    rss_kb  anon_kb  fds threads  acked")
    while time.time() - t0 < args.seconds:
        time.sleep(args.sample)
        if srv.proc.poll() is not None:
            fail("lrsd died: exit %d" % srv.proc.returncode)
            break
        s = sample(srv.proc.pid)
        s["t"] = time.time() - t0
        samples.append(s)
        with lock:
            n = len(acked)
        print("%6.0f %9d %8d %4d %7d %6d" % (s["t"], s["rss"], s["anon"],
                                            s["fds"], s["threads"], n),
              flush=True)
    stop.set()
    for t in threads:
        t.join(30)

    warmup = [s for s in samples if s["t"] <= warm] or samples[:1]
    after = [s for s in samples if s["t"] > warm]
    bound = {"anon": max(s["anon"] for s in warmup) * 1.25 + 16384,
             "fds": max(s["fds"] for s in warmup) + 64,
             "threads": max(s["threads"] for s in warmup) + 2}
    for k, b in bound.items():
        top = max([s[k] for s in after] or [0])
        print("%-8s warm-up max %d, after warm-up max %d, bound %d" % (
            k, max(s[k] for s in warmup), top, b))
        if top > b:
            fail("%s grew past its bound: %d > %d" % (k, top, b))
    if after:
        print("rss_kb   first after warm-up %d, last %d (file-backed LMDB "
              "pages included)" % (after[0]["rss"], after[-1]["rss"]))

    if srv.proc.poll() is None:
        stored = all_ids(srv.port)
        lost = acked - stored
        print("acknowledged %d statements, %d stored, %d lost" % (
            len(acked), len(stored), len(lost)))
        if lost:
            fail("lost %d acknowledged statements, e.g. %s" % (
                len(lost), sorted(lost)[:3]))
        rc = srv.stop()
        if rc != 0:
            fail("lrsd stop exit %d" % rc)
        srv.start()
        lost = acked - all_ids(srv.port)
        print("after a restart: %d lost" % len(lost))
        if lost:
            fail("lost %d acknowledged statements across a restart" % len(lost))
        srv.stop()
    print("load: " + ", ".join("%s %d" % kv for kv in sorted(counts.items())))
    for e in errors:
        print("FAIL", e)
    print("soak %s: %d s, %d samples, log %s" % (
        "failed" if errors else "passed", args.seconds, len(samples),
        log.name))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
