#!/usr/bin/env python3
"""bench_tiering: figures of the tiering engine (issue: lag, ingest cost,
replay rate, what-if time), against fresh lrsd servers on loopback.

    python3 tools/bench_tiering.py --lrsd bin/lrsd [--statements 1000000]
        [--threads 4] [--batch 500]

1. Starts LRSD with a simulated clock, defines 3 programs, 2 certifications,
   50 organisations with 2,000 members, then posts the statements of a
   generated year (learning and CRM events, late arrivals, voiding,
   membership changes) in weekly phases from --threads client threads,
   moving the clock after each week.  While it posts, it samples
   GET /tiering/status every 0.2 s: the engine's lag (how long the oldest
   statement not yet applied has waited) and how many statements it is
   behind.  Server CPU comes from /proc/PID/stat.
2. POST /tiering/replay: the whole log folded again from zero.
3. POST /tiering/programs/p1/what-if with a draft that doubles thresholds.
4. Starts a second server with LRSD_NO_TIERING=1 and posts the same
   statements, for the ingest rate without the engine.
Prints one line per figure.
"""
import argparse, base64, contextlib, json, os, random, socket, subprocess, sys, tempfile
import threading, time, urllib.request, uuid

NS = "https://lrsd.dev/xapi/tiering"
AUTH = "Basic " + base64.b64encode(b"bench:benchsecret1").decode()
HZ = os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, lrsd, tmp, name, env=None, simulated=True):
        s = socket.socket(); s.bind(("127.0.0.1", 0)); self.port = s.getsockname()[1]; s.close()
        self.data = os.path.join(tmp, name)
        args = [lrsd, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data", self.data,
                "--admin", "bench:benchsecret1"]
        if simulated:
            args += ["--simulated-clock", "2026-01-01T00:00:00Z"]
        self.log = open(os.path.join(tmp, name + ".log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, env=dict(os.environ, **(env or {})))
        for _ in range(300):
            try:
                if self.call("GET", "/xapi/about")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("server did not start")

    def call(self, method, path, body=None, raw=None, timeout=900):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method,
                                     headers={"Authorization": AUTH, "Content-Type": "application/json",
                                              "X-Experience-API-Version": "1.0.3"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            t = r.read()
            return r.status, (json.loads(t) if t else None)

    def cpu(self):
        f = open("/proc/%d/stat" % self.proc.pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / HZ

    def written(self):
        """Bytes the device of the data directory wrote (/proc/diskstats, by
        every process on the machine: an upper bound for this server's).
        Not /proc/PID/io write_bytes: the kernel counts that in whole page
        cache folios as they get dirty, several times what reaches the
        device (see tools/bench.md, "How each figure is measured")."""
        st = os.stat(self.data)
        for line in open("/proc/diskstats"):
            f = line.split()
            if int(f[0]) == os.major(st.st_dev) and int(f[1]) == os.minor(st.st_dev):
                return int(f[9]) * 512
        return 0

    def commits(self):
        """(group commits, writes they held, seconds they took, fsync included) so far."""
        req = urllib.request.Request("http://127.0.0.1:%d/metrics" % self.port, headers={"Authorization": AUTH})
        v = {}
        with urllib.request.urlopen(req, timeout=60) as r:
            for line in r.read().decode().splitlines():
                k, _, x = line.partition(" ")
                if k.startswith(("lrsd_store_group_commit_size_", "lrsd_store_commit_duration_seconds_")):
                    v[k] = float(x)
        return (v.get("lrsd_store_commit_duration_seconds_count", 0), v.get("lrsd_store_group_commit_size_sum", 0),
                v.get("lrsd_store_commit_duration_seconds_sum", 0))

    def stop(self):
        self.proc.terminate(); self.proc.wait(); self.log.close()


def commit_line(before, after, secs):
    n, writes, busy = (b - a for a, b in zip(before, after))
    return ("group commits:          %8.0f per s (%.1f writes each, %.2f ms each with its fsync; committing %.0f%% of the time)"
            % (n / secs, writes / max(n, 1), busy * 1e3 / max(n, 1), 100 * busy / secs))


def world(n, seed=11):
    rnd = random.Random(seed)
    orgs = ["org%02d" % i for i in range(50)]
    learners = ["mailto:p%04d@partners.example" % i for i in range(2000)]
    certs = {"sales": {"name": "Sales", "validity_days": 180, "requirements": [
        {"activity": "https://ex.com/c/sales-101", "verb": "completed"},
        {"activity": "https://ex.com/e/sales", "verb": "passed", "min_score": 0.8}]},
             "tech": {"name": "Tech", "validity_days": 365, "requirements": [
        {"activity": "https://ex.com/e/tech", "verb": "passed", "min_score": 0.7}]}}
    def prog(policy, agr, mult):
        return {"name": agr, "currency": "USD", "rates": {"EUR": 1.1, "GBP": 1.3}, "policy": policy,
                "grace_days": 14, "agreement": "https://ex.com/agr/" + agr, "enroll_entry_tier": True,
                "period_days": 365, "renew": True,
                "tiers": [{"id": "silver", "name": "Silver", "rank": 1},
                          {"id": "gold", "name": "Gold", "rank": 2, "criteria": [
                              {"id": agr + "-rev-g", "type": "revenue", "threshold": 200000 * mult},
                              {"id": agr + "-cert-g", "type": "certifications", "threshold": 3, "certification": "sales"}]},
                          {"id": "platinum", "name": "Platinum", "rank": 3, "criteria": [
                              {"id": agr + "-rev-p", "type": "revenue", "threshold": 600000 * mult},
                              {"id": agr + "-deals-p", "type": "deals_closed", "threshold": 40 * mult},
                              {"id": agr + "-tech-p", "type": "certifications", "threshold": 5, "certification": "tech"}]}]}
    programs = {"p1": prog("automatic", "p1", 1), "p2": prog("approval", "p2", 2), "p3": prog("automatic", "p3", 3)}
    defs = [("certifications", k, v) for k, v in certs.items()] + [("programs", k, v) for k, v in programs.items()]
    for i, o in enumerate(orgs):
        defs.append(("organizations", o, {"name": o, "account": {"homePage": "https://crm.example", "name": o},
                     "members": [{"agent": {"mbox": l}, "role": rnd.choice(["sales", "engineer"])}
                                 for l in learners[i * 40:(i + 1) * 40]]}))
    weeks = [[] for _ in range(52)]
    ids = []
    t0 = 1767225600
    for i in range(n):
        w = min(51, i * 52 // n)
        ts = t0 + w * 7 * 86400 + rnd.randrange(7 * 86400)
        if ids and rnd.random() < 0.03:
            ts -= rnd.randrange(30 * 86400)  # late arrival
            ts = max(ts, t0)
        k = rnd.random()
        o = rnd.choice(orgs)
        grp = {"objectType": "Group", "account": {"homePage": "https://crm.example", "name": o}}
        l = {"mbox": rnd.choice(learners)}
        if k < 0.003:
            st = {"actor": grp, "verb": {"id": NS + "/verbs/signed"},
                  "object": {"id": "https://ex.com/agr/" + rnd.choice(["p1", "p2", "p3"])}}
        elif k < 0.25:
            st = {"actor": l, "verb": {"id": "http://id.tincanapi.com/verb/closed-sale"},
                  "object": {"id": "https://ex.com/deal/%d" % i, "definition": {"type": NS + "/activity-types/deal"}},
                  "result": {"extensions": {NS + "/extensions/amount": rnd.randrange(1, 100) * 100,
                                            NS + "/extensions/currency": rnd.choice(["USD", "EUR", "GBP", "JPY"])}}}
        elif k < 0.35:
            st = {"actor": l, "verb": {"id": "http://adlnet.gov/expapi/verbs/registered"},
                  "object": {"id": "https://ex.com/deal/%d" % i, "definition": {"type": NS + "/activity-types/deal"}}}
        elif k < 0.75:
            st = {"actor": l, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                  "object": {"id": rnd.choice(["https://ex.com/c/sales-101", "https://ex.com/c/other-%d" % rnd.randrange(100)])}}
        elif k < 0.97:
            st = {"actor": l, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                  "object": {"id": rnd.choice(["https://ex.com/e/sales", "https://ex.com/e/tech"])},
                  "result": {"score": {"scaled": round(rnd.uniform(0.5, 1), 2)}}}
        elif k < 0.99 and ids:
            st = {"actor": l, "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                  "object": {"objectType": "StatementRef", "id": ids[rnd.randrange(len(ids))]}}
        else:
            st = {"actor": l, "verb": {"id": "http://activitystrea.ms/join"}, "object": grp}
        st["id"] = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        st["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
        if "voided" not in st["verb"]["id"]:
            ids.append(st["id"])
        weeks[w].append(st)
    return defs, weeks, programs


def post_all(srv, weeks, batch, threads, clock, monitor=None):
    """Post the weeks in order, --threads posters per week.  With clock, a
    thread of its own moves the clock to the end of each week once that
    week's statements are all acknowledged, beside the posters: a clock
    move answers when the engine has applied everything before it (and its
    passes), and the posters must not wait for that, or the ingest rate
    would include the engine's lag at every week (the lag is its own
    figure).  Returns (seconds until the last statement was acknowledged,
    server CPU, device bytes) over that time, and the seconds until the
    last clock move had answered as well (the engine caught up)."""
    bodies = [[json.dumps(wk[i:i + batch]).encode() for i in range(0, len(wk), batch)] for wk in weeks]
    moves, failed = [], []
    ready = threading.Condition()
    def mover():
        done = 0
        while done < len(weeks):
            with ready:
                while len(moves) <= done:
                    ready.wait()
            try:
                srv.call("POST", "/tiering/clock", {"to": moves[done]})
            except Exception as ex:      # reported below, not swallowed
                failed.append(ex)
            done += 1
    mv = threading.Thread(target=mover)
    if clock:
        mv.start()
    t0, c0, w0 = time.time(), srv.cpu(), srv.written()
    for w, bs in enumerate(bodies):
        q = list(bs)
        lock = threading.Lock()
        def worker():
            while True:
                with lock:
                    if not q:
                        return
                    b = q.pop()
                srv.call("POST", "/xapi/statements", raw=b)
        ts = [threading.Thread(target=worker) for _ in range(threads)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        if clock:
            with ready:
                moves.append(time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(1767225600 + (w + 1) * 7 * 86400)))
                ready.notify()
    secs, cpu, wr = time.time() - t0, srv.cpu() - c0, srv.written() - w0
    if clock:
        mv.join()
    if failed:
        raise SystemExit("a clock move failed: %r" % failed[0])
    return secs, cpu, wr, time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrsd", required=True)
    ap.add_argument("--statements", type=int, default=1000000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--keep", metavar="DIR",
                    help="keep the data directories in DIR (must not exist) for profiling")
    ap.add_argument("--engine-only", action="store_true",
                    help="skip the second server without the engine")
    a = ap.parse_args()
    print("tiering bench: %d statements, %d client threads, batches of %d; %s, %d CPUs" %
          (a.statements, a.threads, a.batch, open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": "),
           os.cpu_count()), flush=True)
    defs, weeks, programs = world(a.statements)
    n = sum(len(w) for w in weeks)
    if a.keep:
        os.makedirs(a.keep)
    with (contextlib.nullcontext(a.keep) if a.keep else
          tempfile.TemporaryDirectory(prefix="lrsd-tierbench-")) as tmp:
        srv = Server(a.lrsd, tmp, "engine")
        for kind, id_, body in defs:
            srv.call("PUT", "/tiering/%s/%s" % (kind, id_), body)
        lags, behind, stop = [], [], threading.Event()
        def mon():
            while not stop.is_set():
                _, s = srv.call("GET", "/tiering/status")
                lags.append(s["lag_seconds"]); behind.append(s["behind"])
                time.sleep(0.2)
        m = threading.Thread(target=mon, daemon=True); m.start()
        k0 = srv.commits()
        try:
            secs, cpu, wr, settled = post_all(srv, weeks, a.batch, a.threads, True)
        finally:
            stop.set(); m.join()
        k1 = srv.commits()
        lags.sort()
        print("ingest with engine:     %8.0f statements/s  (%.1f s; server CPU %.1f us/statement; "
              "%.1f KB/statement written by the device)" % (n / secs, secs, cpu * 1e6 / n, wr / 1024 / n))
        print("engine caught up:       %8.1f s after the first statement (the clock moved after each week, "
              "beside the posters)" % settled)
        print("engine lag under load:  p50 %.3f s, p99 %.3f s, max %.3f s; most statements behind %d" %
              (lags[len(lags) // 2], lags[int(len(lags) * 0.99)], lags[-1], max(behind)))
        print(commit_line(k0, k1, secs))
        c0, w0 = srv.cpu(), srv.written()
        _, r = srv.call("POST", "/tiering/replay")
        print("replay from zero:       %8.0f statements/s  (%d statements in %.2f s; server CPU %.1f us/statement; "
              "%.1f KB/statement written by the device)" %
              (r["statements"] / r["seconds"], r["statements"], r["seconds"],
               (srv.cpu() - c0) * 1e6 / r["statements"], (srv.written() - w0) / 1024 / r["statements"]))
        draft = json.loads(json.dumps(programs["p1"]))
        for t in draft["tiers"]:
            for c in t.get("criteria", []):
                if "threshold" in c:
                    c["threshold"] *= 2
        _, w = srv.call("POST", "/tiering/programs/p1/what-if", draft)
        print("what-if (p1, doubled):  %.2f s over %d statements; %d organisations would move" %
              (w["seconds"], w["statements"], len(w["moves"])))
        srv.stop()
        if a.engine_only:
            return
        srv = Server(a.lrsd, tmp, "noengine", {"LRSD_NO_TIERING": "1"}, simulated=False)
        k0 = srv.commits()
        secs2, cpu2, wr2, _ = post_all(srv, weeks, a.batch, a.threads, False)
        k1 = srv.commits()
        print("ingest without engine:  %8.0f statements/s  (%.1f s; server CPU %.1f us/statement; "
              "%.1f KB/statement written by the device)" % (n / secs2, secs2, cpu2 * 1e6 / n, wr2 / 1024 / n))
        print(commit_line(k0, k1, secs2))
        print("ingest ratio with/without engine: %.2f" % (secs2 / secs))
        srv.stop()


if __name__ == "__main__":
    main()
