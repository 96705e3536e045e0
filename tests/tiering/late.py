#!/usr/bin/env python3
"""Definitions that arrive after the statements they read.

The engine keeps facts only of what a program counts (its criteria's
verbs, closed deals for the analytics), and of learning statements only
their evidence; a program that starts to count a verb writes those facts
for the statements before it, and a certification or skill profile that
changes makes every learner's evidence again, both from the log
(tiering/fold.c, "which facts are kept").  This test posts the same
stream to two servers: "early" gets every definition first, "late" gets
most of the stream first, then the definitions, then the rest.  At the end
both must show the same criterion values for every enrollment and the same
certifications and skill levels for every learner, and those must equal
what the test counts itself from the stream; then "late" replays from zero
and must show them again.

    python3 tests/tiering/late.py --lrsd bin/lrsd [--seed 5]

Ends with "N passed, M failed"; exit 0 only when M == 0.
"""
import argparse, calendar, os, random, sys, tempfile, time, urllib.parse, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash                                     # noqa: E402  (its Server and check)
from crash import Server, check                  # noqa: E402

NS = "https://lrsd.dev/xapi/tiering"
V = {"reg": "http://adlnet.gov/expapi/verbs/registered", "done": "http://adlnet.gov/expapi/verbs/completed",
     "pass": "http://adlnet.gov/expapi/verbs/passed", "scored": "http://adlnet.gov/expapi/verbs/scored",
     "void": "http://adlnet.gov/expapi/verbs/voided", "seen": "http://adlnet.gov/expapi/verbs/experienced",
     "closed": "http://id.tincanapi.com/verb/closed-sale"}
DEAL = NS + "/activity-types/deal"
T0 = 1767225600                                  # 2026-01-01T00:00:00Z
ORGS = ["o%d" % i for i in range(4)]
LEARNERS = ["mailto:k%02d@ex.com" % i for i in range(24)]
SOLO = "mailto:solo@ex.com"                      # two labs, one voided twice


def definitions():
    cert = {"name": "Sales", "validity_days": 365, "requirements": [
        {"activity": "https://ex.com/c1", "verb": "completed"},
        {"activity": "https://ex.com/e1", "verb": "passed", "min_score": 0.7}],
        "recertification": [{"activity": "https://ex.com/e2", "verb": "passed", "min_score": 0.7}]}
    prog = {"name": "P", "currency": "USD", "rates": {"EUR": 2}, "policy": "automatic", "grace_days": 7,
            "tiers": [{"id": "silver", "name": "Silver", "rank": 1},
                      {"id": "gold", "name": "Gold", "rank": 2, "criteria": [
                          {"id": "reg", "type": "deals_registered", "threshold": 1000},
                          {"id": "rev", "type": "revenue", "threshold": 10 ** 9},
                          {"id": "cert", "type": "certifications", "threshold": 100, "certification": "sales"}]}]}
    skills = {"name": "Skills", "skills": [{"id": "deploy", "name": "Deploy", "levels": ["novice", "expert"],
                                            "raises": [{"activity": "https://ex.com/lab", "bands": [
                                                {"min_score": 0.5, "level": "novice"},
                                                {"min_score": 0.9, "level": "expert"}]}]}]}
    defs = [("certifications", "sales", cert), ("programs", "p1", prog), ("skill-profiles", "sk", skills)]
    orgs = [("organizations", o, {"name": o, "account": {"homePage": "https://crm.ex", "name": o},
                                  "members": [{"agent": {"mbox": l}, "role": "sales"}
                                              for l in LEARNERS[i * 6:(i + 1) * 6]]})
            for i, o in enumerate(ORGS)]
    return orgs, defs


def stream(seed):
    """Batches of statements over 60 days: registered and closed deals,
    completions, passes, scored labs, other verbs, and voids of some (a
    few voided twice: only the first voiding counts)."""
    rnd, out, sent, gone = random.Random(seed), [], [], []
    for day in range(60):
        batch = []
        for _ in range(rnd.randint(5, 15)):
            ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + day * 86400 + rnd.randrange(86400)))
            l, k = {"mbox": rnd.choice(LEARNERS)}, rnd.random()
            if k < 0.1 and sent:
                gone.append(sent.pop(rnd.randrange(len(sent)))["id"])
                st = {"actor": l, "verb": {"id": V["void"]},
                      "object": {"objectType": "StatementRef", "id": gone[-1]}}
            elif k < 0.13 and gone:
                st = {"actor": l, "verb": {"id": V["void"]},
                      "object": {"objectType": "StatementRef", "id": rnd.choice(gone)}}
            elif k < 0.3:
                st = {"actor": l, "verb": {"id": V["reg"]}, "object": {"id": "https://ex.com/deal/%d" % rnd.randrange(10 ** 6),
                                                               "definition": {"type": DEAL}}}
            elif k < 0.4:
                st = {"actor": l, "verb": {"id": V["closed"]}, "object": {"id": "https://ex.com/deal/%d" % rnd.randrange(10 ** 6),
                                                                  "definition": {"type": DEAL}},
                      "result": {"extensions": {NS + "/extensions/amount": 100, NS + "/extensions/currency": "EUR"}}}
            elif k < 0.55:
                st = {"actor": l, "verb": {"id": V["done"]}, "object": {"id": "https://ex.com/c1"}}
            elif k < 0.7:
                st = {"actor": l, "verb": {"id": V["pass"]}, "object": {"id": rnd.choice(["https://ex.com/e1",
                                                                                         "https://ex.com/e2"])},
                      "result": {"score": {"scaled": rnd.choice([0.5, 0.8])}}}
            elif k < 0.85:
                st = {"actor": l, "verb": {"id": V["scored"]}, "object": {"id": "https://ex.com/lab"},
                      "result": {"score": {"scaled": rnd.choice([0.3, 0.6, 0.95])}}}
            else:
                st = {"actor": l, "verb": {"id": V["seen"]}, "object": {"id": "https://ex.com/page"}}
            st["id"] = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            st["timestamp"] = ts
            batch.append(st)
            if st["verb"]["id"] != V["void"]:
                sent.append(st)
        out.append(batch)
    # A learner whose level rests on two labs, one of them voided twice
    # near the end (after the late definitions): the level stays.
    labs = [{"actor": {"mbox": SOLO}, "verb": {"id": V["scored"]}, "object": {"id": "https://ex.com/lab"},
             "result": {"score": {"scaled": 0.6}}} for _ in range(2)]
    for i, st in enumerate(labs + [{"actor": {"mbox": SOLO}, "verb": {"id": V["void"]},
                                    "object": {"objectType": "StatementRef", "id": None}} for _ in range(2)]):
        st["id"] = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        st["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + (57 + min(i, 2)) * 86400 + i))
        if i >= 2:
            st["object"]["id"] = labs[0]["id"]
        out[57 + min(i, 2)].append(st)
    return out


def model(batches):
    """What the test expects, counted from the stream alone: registered
    deals and closed revenue per organisation, the certified learners, each
    learner's best skill level."""
    voided = {s["object"]["id"] for b in batches for s in b if s["verb"]["id"] == V["void"]}
    org_of = {l: ORGS[i // 6] for i, l in enumerate(LEARNERS)}
    reg, rev, done, passed, recert, best = {}, {}, {}, {}, {}, {}
    for s in (s for b in batches for s in b if s["id"] not in voided):
        l, v, t = s["actor"]["mbox"], s["verb"]["id"], epoch(s["timestamp"])
        if v == V["reg"]:
            reg[org_of[l]] = reg.get(org_of[l], 0) + 1
        elif v == V["closed"]:
            rev[org_of[l]] = rev.get(org_of[l], 0) + 200          # 100 EUR at 2
        elif v == V["done"]:
            done[l] = min(done.get(l, t), t)
        elif v == V["pass"] and s["result"]["score"]["scaled"] >= 0.7:
            which = passed if s["object"]["id"] == "https://ex.com/e1" else recert
            which.setdefault(l, []).append(t)
        elif v == V["scored"]:
            sc = s["result"]["score"]["scaled"]
            lv = 1 if sc >= 0.9 else 0 if sc >= 0.5 else -1
            best[l] = max(best.get(l, -1), lv)
    levels = {l: ["novice", "expert"][b] for l, b in best.items() if b >= 0}
    # Awarded once both requirements have evidence, renewed by the last
    # recertification pass after that (validity is longer than the stream).
    awarded = {}
    for l in set(done) & set(passed):
        a = max(done[l], min(passed[l]))
        awarded[l] = max([a] + [t for t in recert.get(l, []) if t > a])
    renewed = sum(1 for l in awarded if awarded[l] in recert.get(l, []))
    return reg, rev, awarded, levels, renewed


def voided_twice(batches):
    """How many voidings target a statement voided already."""
    seen, twice = set(), 0
    for s in (s for b in batches for s in b if s["verb"]["id"] == V["void"]):
        twice += s["object"]["id"] in seen
        seen.add(s["object"]["id"])
    return twice


def epoch(iso):
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def observe(srv):
    """(criterion values per organisation, certified learners with the time
    of their last award, skill levels)."""
    values, certified, levels = {}, {}, {}
    for o in ORGS:
        st, s = srv.call("GET", "/tiering/programs/p1/enrollments/" + o)
        check(st == 200, "enrollment of %s readable (%s)" % (o, st))
        if st == 200:
            values[o] = {c["id"]: c["value"] for c in s["criteria"]}
    for l in LEARNERS + [SOLO]:
        q = urllib.parse.quote('{"mbox":"%s"}' % l)
        st, s = srv.call("GET", "/tiering/learners?agent=" + q)
        check(st == 200, "learner %s readable (%s)" % (l, st))
        if st != 200:
            continue
        for c in s["certifications"]:
            if c["id"] == "sales" and c["status"] == "valid":
                certified[l] = epoch(c["awarded"])
        for k in s.get("skills", []):
            levels[l] = k["level"]
    return values, certified, levels


def post(srv, batch):
    st, _ = srv.call("POST", "/xapi/statements", batch)
    check(st == 200, "statements stored (%s)" % st)


def define(srv, defs):
    for kind, id_, body in defs:
        st, _ = srv.call("PUT", "/tiering/%s/%s" % (kind, id_), body)
        check(st in (200, 201, 204), "PUT %s/%s (%s)" % (kind, id_, st))


def enroll(srv):
    for o in ORGS:
        st, _ = srv.call("PUT", "/tiering/programs/p1/enrollments/" + o, {"start": "2026-01-01"})
        check(st in (200, 201, 204), "enrollment of %s (%s)" % (o, st))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrsd", required=True)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    orgs, defs = definitions()
    batches = stream(a.seed)
    cut = len(batches) * 3 // 4
    with tempfile.TemporaryDirectory(prefix="lrsd-late-") as tmp:
        early, late = Server(a.lrsd, os.path.join(tmp, "early")), Server(a.lrsd, os.path.join(tmp, "late"))
        early.start(), late.start()
        define(early, orgs + defs)
        enroll(early)
        define(late, orgs)
        for i, b in enumerate(batches):
            if i == cut:
                define(late, defs)
                enroll(late)
            post(early, b)
            post(late, b)
        for srv in (early, late):
            st, _ = srv.call("POST", "/tiering/clock", {"to": "2026-03-15T00:00:00Z"})
            check(st in (200, 204), "clock moved (%s)" % st)
        reg, rev, certified, levels, renewed = model(batches)
        want_values = {o: {"reg": reg.get(o, 0), "rev": rev.get(o, 0)} for o in ORGS}
        seen = {}
        for name, srv in (("early", early), ("late", late)):
            values, got_cert, got_levels = observe(srv)
            seen[name] = (values, got_cert, got_levels)
            for o in ORGS:
                got = {k: values.get(o, {}).get(k) for k in ("reg", "rev")}
                check(got == want_values[o], "%s: %s counts %r, the stream says %r" % (name, o, got, want_values[o]))
            check(got_cert == certified, "%s: certified (last award) %s, the stream says %s"
                  % (name, sorted(got_cert.items()), sorted(certified.items())))
            check(got_levels == levels, "%s: skill levels %r, the stream says %r" % (name, got_levels, levels))
        check(seen["early"] == seen["late"], "early and late definitions agree")
        st, r = late.call("POST", "/tiering/replay", timeout=300)
        check(st == 200, "late server replays (%s)" % st)
        check(observe(late) == seen["late"], "the replay from zero rebuilds the same values")
        twice = voided_twice(batches)
        check(len(certified) > 3 and len(levels) > 3 and sum(reg.values()) > 20 and renewed > 3 and twice > 3,
              "the stream exercises every kind (%d certified, %d renewed, %d with skills, %d registered, "
              "%d voided twice)" % (len(certified), renewed, len(levels), sum(reg.values()), twice))
        early.stop(), late.stop()
    print("%d passed, %d failed" % (crash.passed, crash.failed))
    sys.exit(1 if crash.failed else 0)


if __name__ == "__main__":
    main()
