#!/usr/bin/env python3
"""Crash test of the tiering engine: SIGKILL the server at random moments
while statements stream in (at least --kills times), restart it on the same
data, resend what was not acknowledged, and prove that the final standings,
certifications and outcome statement ids equal those of an uninterrupted
run of the same stream, and that a replay from zero rebuilds them again.

    python3 tests/tiering/crash.py --lrsd bin/lrsd [--seed 3] [--kills 6]

Ends with "N passed, M failed"; exit 0 only when M == 0.
"""
import argparse, base64, json, os, random, signal, socket, subprocess, sys
import tempfile, time, urllib.error, urllib.parse, urllib.request, uuid

NS = "https://lrsd.dev/xapi/tiering"
AUTH = "Basic " + base64.b64encode(b"test:testsecret1").decode()
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what, file=sys.stderr)


class Server:
    def __init__(self, lrsd, data):
        self.lrsd, self.data, self.proc, self.port = lrsd, data, None, 0

    def start(self):
        s = socket.socket(); s.bind(("127.0.0.1", 0)); self.port = s.getsockname()[1]; s.close()
        self.log = open(self.data + ".log", "a")
        self.proc = subprocess.Popen([self.lrsd, "serve", "--listen", "127.0.0.1:%d" % self.port,
                                      "--data", self.data, "--admin", "test:testsecret1",
                                      "--simulated-clock", "2026-01-01T00:00:00Z"],
                                     stdout=self.log, stderr=self.log)
        for _ in range(200):
            try:
                if self.call("GET", "/xapi/about")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("server did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL); self.proc.wait()

    def stop(self):
        """SIGTERM; a clean stop exits 0 (a sanitizer report would not)."""
        self.proc.terminate(); rc = self.proc.wait()
        self.log.close()
        if rc != 0:
            sys.stderr.write(open(self.data + ".log").read()[-4000:])
        check(rc == 0, "server stopped cleanly (exit %d)" % rc)

    def call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method,
                                     headers={"Authorization": AUTH, "Content-Type": "application/json",
                                              "X-Experience-API-Version": "1.0.3"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                txt = r.read()
                return r.status, (json.loads(txt) if txt else None)
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def world(seed):
    """Definitions and a stream of steps: ("stmts", [...]) or ("clock", iso)."""
    rnd = random.Random(seed)
    cert = {"name": "Sales", "validity_days": 60,
            "requirements": [{"activity": "https://ex.com/c1", "verb": "completed"},
                             {"activity": "https://ex.com/e1", "verb": "passed", "min_score": 0.7}]}
    prog = {"name": "P", "currency": "USD", "rates": {"EUR": 1.5}, "policy": "automatic", "grace_days": 7,
            "agreement": "https://ex.com/agr", "enroll_entry_tier": True, "period_days": 120, "renew": True,
            "tiers": [{"id": "silver", "name": "Silver", "rank": 1},
                      {"id": "gold", "name": "Gold", "rank": 2, "criteria": [
                          {"id": "rev", "type": "revenue", "threshold": 20001},
                          {"id": "cert", "type": "certifications", "threshold": 2, "certification": "sales"}]},
                      {"id": "plat", "name": "Platinum", "rank": 3, "criteria": [
                          {"id": "deals", "type": "deals_closed", "threshold": 25}]}]}
    prog2 = dict(prog, policy="approval", agreement="https://ex.com/agr2", grace_days=0)
    orgs = ["o%02d" % i for i in range(10)]
    learners = ["mailto:l%03d@ex.com" % i for i in range(120)]
    defs = [("certifications", "sales", cert), ("programs", "p1", prog), ("programs", "p2", prog2)]
    for i, o in enumerate(orgs):
        defs.append(("organizations", o, {"name": o, "account": {"homePage": "https://crm.ex", "name": o},
                     "members": [{"agent": {"mbox": l}, "role": "sales"} for l in learners[i * 12:(i + 1) * 12]]}))
    steps, t0, sent = [], 1767225600, []
    for day in range(1, 200):
        stmts = []
        for _ in range(rnd.randint(10, 40)):
            ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + (day - 1) * 86400 + rnd.randint(0, 86399)))
            if sent and rnd.random() < 0.05:
                ts = sent[rnd.randrange(len(sent))]["timestamp"]  # late arrival
            k = rnd.random()
            o = rnd.choice(orgs)
            grp = {"objectType": "Group", "account": {"homePage": "https://crm.ex", "name": o}}
            l = {"mbox": rnd.choice(learners)}
            if k < 0.02:
                st = {"actor": grp, "verb": {"id": NS + "/verbs/signed"},
                      "object": {"id": rnd.choice(["https://ex.com/agr", "https://ex.com/agr2"])}}
            elif k < 0.5:
                st = {"actor": l, "verb": {"id": "http://id.tincanapi.com/verb/closed-sale"},
                      "object": {"id": "https://ex.com/deal/%d" % rnd.randrange(10 ** 6),
                                 "definition": {"type": NS + "/activity-types/deal"}},
                      "result": {"extensions": {NS + "/extensions/amount": rnd.randrange(1, 40) * 50,
                                                NS + "/extensions/currency": rnd.choice(["USD", "EUR", "JPY"])}}}
            elif k < 0.7:
                st = {"actor": l, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                      "object": {"id": "https://ex.com/c1"}}
            elif k < 0.9:
                st = {"actor": l, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                      "object": {"id": "https://ex.com/e1"}, "result": {"score": {"scaled": rnd.choice([0.6, 0.8, 0.95])}}}
            elif k < 0.95 and sent:
                st = {"actor": l, "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                      "object": {"objectType": "StatementRef", "id": rnd.choice(sent)["id"]}}
            else:
                st = {"actor": l, "verb": {"id": "http://activitystrea.ms/join"}, "object": grp,
                      "context": {"extensions": {NS + "/extensions/role": "sales"}}}
            st["id"] = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            st["timestamp"] = ts
            stmts.append(st)
            if st["verb"]["id"] != "http://adlnet.gov/expapi/verbs/voided":
                sent.append(st)
        steps.append(("stmts", stmts))
        steps.append(("clock", time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(t0 + day * 86400))))
    return defs, orgs, learners, steps


def run_step(srv, step):
    kind, arg = step
    if kind == "stmts":
        st, _ = srv.call("POST", "/xapi/statements", arg)
    else:
        st, _ = srv.call("POST", "/tiering/clock", {"to": arg})
    return st


def snapshot(srv, orgs, learners):
    snap = {}
    for p in ("p1", "p2"):
        st, body = srv.call("GET", "/tiering/programs/%s/enrollments" % p)
        snap[p] = body if st == 200 else st
    for l in learners:
        st, body = srv.call("GET", "/tiering/learners?agent=" + urllib.parse.quote(json.dumps({"mbox": l})))
        snap[l] = body
    ids, path = [], "/xapi/statements?limit=500&agent=" + urllib.parse.quote(json.dumps(
        {"account": {"homePage": "http://localhost/lrsd", "name": "lrsd-tiering"}}))
    while path:
        st, body = srv.call("GET", path)
        ids += [s["id"] for s in body["statements"] if not s["verb"]["id"].endswith("/ticked")]
        path = body.get("more") or None
    snap["outcomes"] = sorted(ids)
    return snap


def caught_up(srv):
    """Wait (at most a minute) until the engine has applied the whole log."""
    for _ in range(600):
        st, body = srv.call("GET", "/tiering/status")
        if st == 200 and body["behind"] == 0:
            return
        time.sleep(0.1)


def play(lrsd, tmp, name, defs, steps, kills, rnd, replay_at=None):
    """Send the steps to a new server, SIGKILLing it kills times; with
    replay_at, a replay from zero starts at that step and runs while the
    rest of the stream arrives."""
    import threading
    data = os.path.join(tmp, name)
    srv = Server(lrsd, data); srv.start()
    for kind, id_, body in defs:
        check(srv.call("PUT", "/tiering/%s/%s" % (kind, id_), body)[0] == 200, "%s: define %s/%s" % (name, kind, id_))
    kill_at = sorted(rnd.sample(range(5, len(steps) - 5), kills)) if kills else []
    i, done_kills, replay = 0, 0, None
    while i < len(steps):
        if i == replay_at and replay is None:
            replay = threading.Thread(target=lambda: check(
                srv.call("POST", "/tiering/replay", timeout=600)[0] == 200, "%s: replay" % name))
            replay.start()
        if done_kills < len(kill_at) and i == kill_at[done_kills]:
            # Kill while this step is in flight, at a random moment.
            t = threading.Thread(target=lambda: (time.sleep(rnd.random() * 0.05), srv.kill()))
            t.start()
            try:
                run_step(srv, steps[i])
            except Exception:
                pass
            t.join()
            done_kills += 1
            srv.start()
            continue  # resend the same step: ids make it idempotent
        check(run_step(srv, steps[i]) in (200, 204), "%s: step %d" % (name, i))
        i += 1
    if replay:
        replay.join()
        caught_up(srv)
    return srv, done_kills


def upgrade(srv, learners, want, orgs):
    """A state of another format (as an older lrsd leaves it), with one
    learner's entity garbled: the next start drops it and rebuilds it from
    the log (mdb_load from Debian's lmdb-utils writes into the stopped store)."""
    dump = ("VERSION=3\nformat=print\ntype=btree\nHEADER=END\n"
            " Mformat\n {\"version\":1}\n"
            " Lmbox:%s\n {\"certs\":{\"bogus\":{\"status\":\"valid\"}}}\n"
            "DATA=END\n" % learners[0])
    r = subprocess.run(["mdb_load", "-s", "tier", srv.data], input=dump.encode(), capture_output=True)
    check(r.returncode == 0, "mdb_load rewrote the state's format (%s)" % r.stderr.decode().strip())
    srv.start()
    caught_up(srv)
    got = snapshot(srv, orgs, learners)
    for k in want:
        check(want[k] == got[k], "after a start on a state of another format, %s equals the uninterrupted run" % k)
    srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrsd", required=True)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--kills", type=int, default=6)
    a = ap.parse_args()
    defs, orgs, learners, steps = world(a.seed)
    nst = sum(len(s[1]) for s in steps if s[0] == "stmts")
    with tempfile.TemporaryDirectory(prefix="lrsd-crash-") as tmp:
        ref, _ = play(a.lrsd, tmp, "uninterrupted", defs, steps, 0, random.Random(1))
        want = snapshot(ref, orgs, learners); ref.stop()
        srv, kills = play(a.lrsd, tmp, "killed", defs, steps, a.kills, random.Random(a.seed))
        got = snapshot(srv, orgs, learners)
        check(kills >= a.kills, "killed %d times" % kills)
        check(len(want["outcomes"]) > 50, "the stream produced outcomes (%d)" % len(want["outcomes"]))
        for k in want:
            check(want[k] == got[k], "after %d SIGKILLs, %s equals the uninterrupted run" % (kills, k))
        st, body = srv.call("POST", "/tiering/replay", timeout=600)
        check(st == 200, "replay from zero")
        again = snapshot(srv, orgs, learners)
        for k in want:
            check(want[k] == again[k], "after a replay from zero, %s equals the uninterrupted run" % k)
        srv.stop()
        upgrade(srv, learners, want, orgs)
        srv, _ = play(a.lrsd, tmp, "replayed", defs, steps, 0, random.Random(2), replay_at=len(steps) // 3)
        got = snapshot(srv, orgs, learners)
        for k in want:
            check(want[k] == got[k], "with a replay from zero while the stream arrived, %s equals the uninterrupted run" % k)
        srv.stop()
    print("crash: %d statements, %d kills, %d outcomes" % (nst, kills, len(want["outcomes"])))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
