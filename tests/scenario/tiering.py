#!/usr/bin/env python3
"""Scenario acceptance test of the partner-tiering engine (tiering/README.md).

    python3 tests/scenario/tiering.py --lrsd bin/lrsd [--seed 7] [--scale 1.0]
    python3 tests/scenario/tiering.py --dry-run [--seed 7] [--scale 1.0]
    python3 tests/scenario/tiering.py --lrsd bin/lrsd --lrs-only
    (also: --show N failures to print, default 30; --keep the temporary
    directory; -v progress, the model's summary and what was checked)

It generates one year and a bit of a partner ecosystem from one seeded
random.Random (3 programs, 2 certifications, 2 skill profiles, 50
organisations, 2,000 learners, ~100,000 statements at --scale 1.0), starts
`LRSD serve` with a simulated clock, plays the world week by week over
HTTP, and compares what the engine answers with what this file's own model
computes from the very statements it sent.

Covered: definitions and their validation; enrollments, tiers, at-risk,
demotion, renewal and end; recommendations; custom criteria, a manual tier
edit, a recalculation, a roster change; certifications (award, renewal,
expiry, revocation) and holders; skill levels and a `skills` criterion
(S1-S8); content access; the leaderboard and blockers analytics (A1-A2);
a credential bound to one organisation (B1-B4); what-if runs (W1-W5);
scopes and authentication; the outcome statements.  The model (class Model) is an independent and
deliberately plain re-implementation of README sections 1-7; it never calls
the engine's code.  It ends with "N passed, M failed" and exits 0 only when
M == 0.

--dry-run   no server: generate, run the model alone, print a summary of the
            final world (tiers per program, outcome counts, statement mix).
--lrs-only  start the server WITHOUT --simulated-clock and without any
            /tiering/ call, post every generated statement and check the LRS
            accepts them all (validates the generator against the LRS alone).

Readings chosen where README.md is ambiguous (the engine should agree; each
is also listed in the report handed to the lead):

 C1  Store order.  The statements of one POST /xapi/statements array are
     stored, and applied by the engine, in array order, and the POST answers
     after the engine has applied them (the engine is a store subscriber
     inside the storing transaction).
 C2  Steps.  Step k first moves the clock (POST /tiering/clock to C_k), then
     posts the statements whose timestamps fall in (C_k-1, C_k] plus late
     ones, then does admin acts, so a timestamp never exceeds the clock.
     Most C_k are midnights; every ninth one is a noon (a non-pass tick).
 C3  Touched organisations.  After a statement the model evaluates a
     superset of what README 7 lists: the attributed organisation; for a
     membership statement the learner's organisation at its timestamp and
     now, before and after; for certification evidence the learner's
     organisation now; for a voiding statement what the voided statement
     touched (the organisation its deal was attributed to, or the learner's
     organisation now).  Evaluating an untouched enrollment again at the
     same engine time is a no-op, so only missing evaluations matter.
 C4  A `leave` is the end of any membership: when the latest membership
     event at t is a leave, the learner belongs to nothing at t.  (The
     generator only emits a leave of the organisation the learner is in.)
 C5  Role of a member = the role extension of its latest join (roster
     joins carry the roster role); none when absent.
 C6  Certifications: the status `expired` is set only at a tick (README 7),
     never at a statement.  Expiry instant = award instant + validity_days
     x 86400 s exactly.  A revoked certification keeps reporting the award
     and expiry that were revoked.  GET /tiering/learners lists every
     certification ever awarded to the learner, with its status.  The
     generator avoids the murky cases: no late certification evidence (so
     a derived award never moves backwards because of new evidence), and
     only the single qualifying exam pass of a learner who never retakes is
     ever voided (so a revocation always goes to "no award").
 C7  min_score is met when result.score.scaled >= min_score.
 C8  Standing `criteria` lists every criterion of every tier (matched here
     by id); `value` is compared for event criteria (revenue to 0.01),
     certifications and skills (the count); for custom only `met` is
     compared.
 C9  `unconverted` = the number of non-voided closed-won deal facts
     attributed to the organisation in the current period whose currency is
     neither the program's nor in `rates`, whatever any criterion's filters.
 C10 Revenue = sum of amount x rate, no rounding.  The generator uses whole
     amounts in multiples of 50 and rates with two decimals, and thresholds
     ending in 1, so no rounding choice or float error can flip `met`.
 C11 An ended enrollment is checked for tier, status and period only (its
     criteria are frozen or live, the README does not say); it grants no
     access.  GET of an enrollment that never existed answers 404.
 C12 Demotion to the qualified tier may demote to no tier at all (q = none,
     e.g. after a renewal restarts the counts of a program whose entry tier
     has a criterion): `tier` becomes null.
 C13 At-risk is not cleared by a period renewal itself; it is re-evaluated
     right after (README: "the tier holds and is re-evaluated with grace").
 C14 Approving a recommendation promotes and then evaluates the enrollment
     (a decided statement touches its organisation), which may raise the
     next recommendation at once.
 C15 A manual tier edit emits `promoted` or `demoted` by comparing ranks
     (none = 0), clears at-risk, withdraws a pending recommendation
     (outcome `withdrew`), then evaluates.
 C16 Filters: product_line and region are read from context.extensions,
     else object.definition.extensions (context wins when both are there;
     the generator has some deals with both and different values).
     `extensions` filter values are looked up in context, then result, then
     object definition extensions; the first found must equal.  (Each
     generated statement carries the extension in one place only.)
 C17 Benefits and content access come from the current tier's own benefit
     values.  The generator lists every benefit key in every tier of a
     program and repeats lower tiers' content prefixes in higher tiers, so
     the cumulative reading gives the same answers.  Access is allowed iff
     the learner's organisation now has a non-ended (active or at-risk)
     enrollment whose current tier has a content benefit listing the IRI in
     `activities` or one of whose `prefixes` is a string prefix of it; the
     answer names that program, tier and benefit.
 C18 GET /tiering/certifications/{id}/holders lists valid holders;
     ?expiring_before=T keeps those whose expiry < T (strictly).
 C19 Roster PUT: the diff with the members now gives one join (with role)
     per added and one leave per removed member, timestamped at the clock.
 C20 The outcome verb `conferred` covers certification award and renewal,
     so its expected count is awards + renewals.
 C21 Custom decisions are kept across periods (README); never exercised
     across a re-enrollment.
 C22 The period of an agreement is [date(ts), date(ts) + period_days - 1];
     a renewal is [end + 1, end + period_days].
 C23 An enrollment with no tier shows `benefits` {} (null accepted too).
 C24 Standing `recommendation` is the pending recommendation object; its
     `tier` is compared (a bare tier id is accepted too).
 C25 `grace_ends` = at_risk_since + grace_days x 86400 s; null when not at
     risk.
 C26 A `certifications` criterion without `certification` counts members
     holding at least one valid certification (each member once).
 C27 Demotion goes to the qualified tier even when that tier was rejected
     in this period (a rejection only filters recommendations).
 C28 GET /tiering/learners answers 200 for any learner the engine has seen;
     `organization` and `role` are the membership now.
 C29 GET /tiering/organizations/{id} `members` are the members now with
     their role now; compared as (mbox, role) pairs.
 C30 Admin acts (recommendation decisions, custom, manual edit,
     recalculate, roster PUT, clock) may answer any 2xx; definition PUTs
     answer 200 with {"id", "version", "deleted", "definition"}.
 C31 Outcome statements are read with the admin credential through GET
     /xapi/statements?verb=IRI, following `more` (a path or a full URL).
 C32 A credential with only statements/read gets 403 on /tiering/ (GET and
     PUT); a wrong secret gets 401.  The credential is added with `lrsd
     credential add` while the server runs (if that fails the test stops
     the server, adds it and starts again).

Skills (profiles in skill_profiles(); `cloud-skills` is defined at the
start, `sales-skills` at step World.profile_step; partner gold has the
criterion `gold-deploy`, engineers at `practitioner` or above, threshold
GOLD_DEPLOY, which blocks some organisations most of the year):
 S1  Skill evidence is any statement by an Agent about an Activity named in
     a raise of a defined profile.  A {activity, level} raise is met by verb
     `completed` or `passed`; an {activity, bands} raise by any statement
     (failed ones too) whose result.score.scaled >= min_score - 1e-12, the
     highest band reached counting.  (Generated scores have 3 decimals; some
     fall exactly on a band's min_score.)
 S2  One statement may reach several levels through several raises (the
     tech exam has a `level` raise and a `bands` raise): the highest counts.
 S3  A learner's level = the highest reached by non-voided evidence, late
     evidence included.  Every change of it (up; down when evidence is
     voided; to no level at all when the only evidence is voided) is one
     `leveled` outcome whose outcome object has profile, skill, `from` and
     `level` as level names (null for none), subject the learner; they are
     compared as a multiset of (learner, profile, skill, from, level), and
     the object id is NS/skill-profiles/{p}/skills/{skill}.
 S4  The voided exam passes (C6) lower deploy or selling levels.
 S5  Defining a profile rebuilds the levels from all the evidence already
     stored: one `leveled` outcome (from null) per learner and skill that
     reaches a level.  No criterion uses that profile, so nothing else moves.
 S6  Skill evidence touches the learner's organisation now (as
     certification evidence does, README 7).
 S7  `skills` criterion value = members now (role now, when named) whose
     level index >= the index of the named level; no level never counts.
     Compared like certifications values (C8).
 S8  GET /tiering/learners `skills` lists (profile, skill, level name) for
     each skill of a defined profile in which the learner has a level;
     compared as a sorted list.  The self-check (--dry-run) recounts every
     level by brute force.

A credential bound to one organisation (checked at World.partner_steps and
at the end):
 B1  `lrsd credential add partner1 partnersecret1 --scopes tiering` while
     the server runs; PUT /tiering/bindings/partner1 {"organization"} after
     the organisations are defined answers 204, GET answers {"credential",
     "organization"}.  The organisation is World.bound_org (the one signing
     most programs).
 B2  As partner1, compared with the admin's answer (status and body): GET
     /tiering/programs(/p), /tiering/benefits(/id), /tiering/clock, its own
     standing in each program (and 404 like the admin where it never
     enrolled), /tiering/learners for each member now, /tiering/access for
     some members.  The enrollments list holds only its own standing (as the
     admin sees it); holders are the model's valid holders who are its
     members now; learners' organisation and access `allowed` also against
     the model.
 B3  403: another organisation's standing (enrolled or not), learners and
     access of non-members (former members, members of others, no
     organisation, an agent never seen), /tiering/recommendations,
     organizations, bindings, certifications and skill-profiles
     definitions, analytics, what-if, and every PUT/POST/DELETE (a new
     benefit, a DELETE of a benefit and of its binding, the clock, its
     roster unchanged, its own enrollment, recalculate, custom decision).
     The refused writes leave no trace (admin GETs).
 B4  A tiering-only credential reads no statements (403 on /xapi/statements).

What-if (at World.whatif_steps and at the end):
 W1  The expectation comes from a second Model ("shadow") that plays the
     same world with whatif_drafts() (other thresholds, same criterion ids)
     in place of the partner and pilot programs from the start, and
     receives the same admin acts: custom decisions, the roster change, the
     recalculation, the profile definition, the clock.  Programs do not
     affect one another, so the shadow holds only those two programs.
 W2  Only automatic programs without a manual tier edit are asked (a
     replayed recommendation decision names an id the draft does not have).
 W3  `today` and `draft` = tier (or "none") -> number of non-ended
     enrollments, from the model and the shadow; `moves` compared as
     organisation -> (from, to) for each organisation whose tier differs,
     each listed once.  (The pilot program has ended everywhere by the end,
     so its final what-if is all empty.)
 W4  Nothing changes: GET of every program's enrollments, the
     recommendations, the programs and the clock answer the same before
     and after.  `statements` >= the number of statements the scenario
     posted.
 W5  An invalid draft answers 400 naming the path.

Analytics (at every check round, every program):
 A1  Leaderboard: one row per enrollment, ended ones too, with its (last)
     tier, rank (0 or null for none) and revenue = non-voided closed-won
     deals (default verb, deal type, amount and currency extensions)
     attributed now to the organisation, dated within its current (for an
     ended one, its last) period, unfiltered, converted as for revenue
     criteria, unconvertible ones left out; compared to 0.01.  The order is
     checked to be non-increasing in (rank, revenue); ties in any order.
 A2  Blockers: criterion -> number of non-ended enrollments below the top
     tier for which that criterion of the next tier above the current one
     does not hold (entries with 0 may be present or not); most first.
"""

import argparse
import bisect
import datetime
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

# ---------------------------------------------------------------- vocabulary
NS = "https://lrsd.dev/xapi/tiering"
ADL = "http://adlnet.gov/expapi/verbs/"
V_JOIN = "http://activitystrea.ms/join"
V_LEAVE = "http://activitystrea.ms/leave"
V_SIGNED = NS + "/verbs/signed"
V_REGISTERED = ADL + "registered"
V_APPROVED = NS + "/verbs/approved"
V_CLOSED = "http://id.tincanapi.com/verb/closed-sale"
V_RATED = NS + "/verbs/rated"
V_COMPLETED = ADL + "completed"
V_PASSED = ADL + "passed"
V_FAILED = ADL + "failed"
V_VOIDED = ADL + "voided"
T_DEAL = NS + "/activity-types/deal"
T_AGREEMENT = NS + "/activity-types/partner-agreement"
T_COURSE = "http://adlnet.gov/expapi/activities/course"
T_ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
X_ROLE = NS + "/extensions/role"
X_AMOUNT = NS + "/extensions/amount"
X_CURRENCY = NS + "/extensions/currency"
X_PL = NS + "/extensions/product-line"
X_REGION = NS + "/extensions/region"
X_SEGMENT = "https://crm.example.com/extensions/segment"
X_OUTCOME = NS + "/extensions/outcome"
X_SUBJECT = NS + "/extensions/subject"
V_LEVELED = NS + "/verbs/leveled"

OUTCOME_VERBS = {
    "conferred": "https://w3id.org/xapi/tla/verbs/conferred",
    "expired": "https://w3id.org/xapi/tla/verbs/expired",
    "revoked": "https://w3id.org/xapi/tla/verbs/revoked",
    "enrolled": NS + "/verbs/enrolled",
    "promoted": NS + "/verbs/promoted",
    "demoted": NS + "/verbs/demoted",
    "ended": NS + "/verbs/ended",
    "renewed": NS + "/verbs/renewed",
    "recommended": NS + "/verbs/recommended",
    "withdrew": NS + "/verbs/withdrew",
    "superseded": NS + "/verbs/superseded",
    "approved-recommendation": NS + "/verbs/approved-recommendation",
    "rejected-recommendation": NS + "/verbs/rejected-recommendation",
    "leveled": V_LEVELED,
}
# model outcome kind -> outcome verb key (certification award and renewal
# share `conferred`, C20)
KIND_VERB = {"cert-awarded": "conferred", "cert-renewed": "conferred",
             "expired": "expired", "revoked": "revoked"}
for _k in ("enrolled", "promoted", "demoted", "ended", "renewed", "recommended",
           "withdrew", "superseded", "approved-recommendation",
           "rejected-recommendation", "leveled"):
    KIND_VERB[_k] = _k

CRM = "https://crm.example.com"
CONTENT = "https://content.example.com"
LMS = "https://lms.example.com"
AGREEMENTS = "https://partners.example.com/agreements/"

# ---------------------------------------------------------------- time
MS_DAY = 86400000
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def ms_of(dt):
    return int((dt - EPOCH).total_seconds() * 1000 + 0.5)


def iso(ms):
    dt = EPOCH + datetime.timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def parse_iso(s):
    """ISO 8601 instant -> ms since epoch, or None."""
    if not isinstance(s, str):
        return None
    t = s.strip()
    if t.endswith("Z") or t.endswith("z"):
        t = t[:-1] + "+00:00"
    try:
        dt = datetime.datetime.fromisoformat(t)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return ms_of(dt)


def day_of(ms):
    return ms // MS_DAY


def day_str(d):
    return (EPOCH + datetime.timedelta(days=d)).strftime("%Y-%m-%d")


C0 = ms_of(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
N_STEPS = 68            # weekly steps: 2026-01-01 .. 2027-04-22


def step_instants():
    out = [C0]
    for k in range(1, N_STEPS + 1):
        c = C0 + 7 * k * MS_DAY
        if k % 9 == 4:
            c += MS_DAY // 2        # a noon: the step ends with a non-pass tick
        out.append(c)
    return out


# ---------------------------------------------------------------- definitions
GOLD_DEPLOY = 6         # engineers at practitioner or above for partner gold
def definitions():
    """Benefits, certifications and programs (see C10, C17)."""
    benefits = {
        "portal": {"name": "Partner portal", "type": "yesno"},
        "discount": {"name": "Discount", "type": "percent"},
        "mdf": {"name": "Market development funds", "type": "revenue"},
        "partner-content": {"name": "Partner library", "type": "content"},
        "reseller-content": {"name": "Reseller library", "type": "content"},
        "pilot-content": {"name": "Pilot library", "type": "content"},
    }
    certs = {
        "sales-cert": {
            "name": "Sales Certified",
            "requirements": [
                {"activity": LMS + "/courses/sales-101", "verb": "completed"},
                {"activity": LMS + "/exams/sales-exam", "verb": "passed", "min_score": 0.8}],
            "recertification": [
                {"activity": LMS + "/exams/sales-exam", "verb": "passed", "min_score": 0.8}],
            "validity_days": 180},
        "tech-cert": {
            "name": "Technical Certified",
            "requirements": [
                {"activity": LMS + "/labs/tech-lab", "verb": "passed"},
                {"activity": LMS + "/exams/tech-exam", "verb": "passed", "min_score": 0.7}],
            "recertification": [
                {"activity": LMS + "/exams/tech-recert", "verb": "passed", "min_score": 0.75}],
            "validity_days": 200},
    }

    def content(prog, tiers, extra=()):
        return {"activities": list(extra),
                "prefixes": ["%s/%s/%s/" % (CONTENT, prog, t) for t in tiers]}

    partner = {
        "name": "Partner Program", "currency": "USD",
        "rates": {"EUR": 1.10, "GBP": 1.25},
        "period_days": 365, "renew": True, "policy": "automatic", "grace_days": 30,
        "agreement": AGREEMENTS + "partner", "enroll_entry_tier": True,
        "tiers": [
            {"id": "silver", "name": "Silver", "rank": 1, "badge": CONTENT + "/badges/silver.png",
             "criteria": [],
             "benefits": {"portal": True, "discount": 10, "mdf": 0,
                          "partner-content": content("partner", ["silver"])}},
            {"id": "gold", "name": "Gold", "rank": 2, "badge": CONTENT + "/badges/gold.png",
             "criteria": [
                 {"id": "gold-revenue", "type": "revenue", "threshold": 300001},
                 {"id": "gold-deals", "type": "deals_closed", "threshold": 15},
                 {"id": "gold-certified", "type": "certifications", "threshold": 2,
                  "certification": "sales-cert", "role": "sales"},
                 {"id": "gold-deploy", "type": "skills", "profile": "cloud-skills",
                  "skill": "deploy", "level": "practitioner", "threshold": GOLD_DEPLOY,
                  "role": "engineer"}],
             "benefits": {"portal": True, "discount": 20, "mdf": 5000,
                          "partner-content": content("partner", ["silver", "gold"],
                                                     [CONTENT + "/partner-playbook/gold"])}},
            {"id": "platinum", "name": "Platinum", "rank": 3, "badge": CONTENT + "/badges/platinum.png",
             "criteria": [
                 {"id": "plat-revenue", "type": "revenue", "threshold": 450001,
                  "filters": {"product_line": "cloud"}},
                 {"id": "plat-enterprise", "type": "revenue", "threshold": 150001,
                  "filters": {"extensions": {X_SEGMENT: "enterprise"}}},
                 {"id": "plat-tech", "type": "certifications", "threshold": 3,
                  "certification": "tech-cert", "role": "engineer"},
                 {"id": "plat-plan", "type": "custom"}],
             "benefits": {"portal": True, "discount": 30, "mdf": 20000,
                          "partner-content": content("partner", ["silver", "gold", "platinum"],
                                                     [CONTENT + "/partner-playbook/gold"])}},
        ]}
    reseller = {
        "name": "Reseller Program", "currency": "EUR",
        "rates": {"USD": 0.90, "GBP": 1.15},
        "period_days": 365, "renew": True, "policy": "approval", "grace_days": 14,
        "agreement": AGREEMENTS + "reseller", "enroll_entry_tier": False,
        "tiers": [
            {"id": "launch", "name": "Launch", "rank": 10,
             "criteria": [{"id": "launch-registered", "type": "deals_registered", "threshold": 3}],
             "benefits": {"portal": True, "discount": 5,
                          "reseller-content": content("reseller", ["launch"])}},
            {"id": "build", "name": "Build", "rank": 20,
             "criteria": [
                 {"id": "build-approved", "type": "deals_approved", "threshold": 25},
                 {"id": "build-revenue", "type": "revenue", "threshold": 120001,
                  "filters": {"region": "emea"}},
                 {"id": "build-cert", "type": "certifications", "threshold": 1}],
             "benefits": {"portal": True, "discount": 12,
                          "reseller-content": content("reseller", ["launch", "build"])}},
            {"id": "scale", "name": "Scale", "rank": 30,
             "criteria": [
                 {"id": "scale-revenue", "type": "revenue", "threshold": 500001},
                 {"id": "scale-csat", "type": "deals_closed", "threshold": 8,
                  "verbs": [V_RATED], "activity_types": [T_DEAL]},
                 {"id": "scale-review", "type": "custom"}],
             "benefits": {"portal": True, "discount": 18,
                          "reseller-content": content("reseller", ["launch", "build", "scale"])}},
        ]}
    pilot = {
        "name": "Pilot Program", "currency": "GBP",
        "rates": {"USD": 0.80},
        "period_days": 120, "renew": False, "policy": "automatic", "grace_days": 0,
        "agreement": AGREEMENTS + "pilot", "enroll_entry_tier": True,
        "tiers": [
            {"id": "member", "name": "Member", "rank": 1, "criteria": [],
             "benefits": {"portal": True, "mdf": 0, "pilot-content": content("pilot", ["member"])}},
            {"id": "select", "name": "Select", "rank": 2,
             "criteria": [
                 {"id": "select-registered", "type": "deals_registered", "threshold": 12,
                  "filters": {"product_line": "cloud"}},
                 {"id": "select-cert", "type": "certifications", "certification": "tech-cert",
                  "threshold": 4}],
             "benefits": {"portal": True, "mdf": 1000,
                          "pilot-content": content("pilot", ["member", "select"])}},
            {"id": "premier", "name": "Premier", "rank": 3,
             "criteria": [
                 {"id": "premier-revenue", "type": "revenue", "threshold": 100001},
                 {"id": "premier-approved", "type": "deals_approved", "threshold": 30}],
             "benefits": {"portal": True, "mdf": 4000,
                          "pilot-content": content("pilot", ["member", "select", "premier"])}},
        ]}
    programs = {"partner": partner, "reseller": reseller, "pilot": pilot}
    return benefits, certs, programs


def skill_profiles():
    """The skill profiles (S1-S6): `cloud-skills` is defined at the start
    with the other definitions and used by the partner gold criterion
    `gold-deploy`; `sales-skills` is defined mid-run (World.profile_step),
    over evidence already stored, and used by no criterion."""
    cloud = {
        "name": "Cloud skills",
        "skills": [
            {"id": "deploy", "name": "Deployment", "levels": ["aware", "practitioner", "expert"],
             "roles": ["engineer"],
             "raises": [
                 # an ordinary course (late statements, failed attempts)
                 {"activity": LMS + "/courses/c05", "level": "aware"},
                 {"activity": LMS + "/labs/tech-lab", "level": "aware"},
                 # one fact reaches several levels through two raises (S2)
                 {"activity": LMS + "/exams/tech-exam", "level": "practitioner"},
                 {"activity": LMS + "/exams/tech-exam", "bands": [
                     {"min_score": 0.5, "level": "aware"},
                     {"min_score": 0.9, "level": "expert"}]},
                 {"activity": LMS + "/exams/tech-recert", "bands": [
                     {"min_score": 0.88, "level": "expert"}]}]}]}
    sales = {
        "name": "Sales skills",
        "skills": [
            {"id": "selling", "name": "Selling", "levels": ["basic", "advanced"],
             "raises": [
                 {"activity": LMS + "/courses/sales-101", "level": "basic"},
                 # voided exam passes lower the level (S4)
                 {"activity": LMS + "/exams/sales-exam", "bands": [
                     {"min_score": 0.85, "level": "advanced"}]},
                 {"activity": LMS + "/courses/c13", "bands": [
                     {"min_score": 0.97, "level": "advanced"}]}]},
            {"id": "closing", "name": "Closing", "levels": ["trained"],
             "raises": [{"activity": LMS + "/courses/c21", "level": "trained"}]}]}
    return {"cloud-skills": cloud, "sales-skills": sales}


def whatif_drafts(programs):
    """Draft programs for POST /tiering/programs/{p}/what-if (W1): other
    thresholds, same criterion ids."""
    partner = json.loads(json.dumps(programs["partner"]))
    thr = {"gold-revenue": 220001, "gold-deals": 12, "gold-deploy": GOLD_DEPLOY + 2,
           "plat-revenue": 350001, "plat-tech": 2}
    pilot = json.loads(json.dumps(programs["pilot"]))
    thr.update({"select-registered": 8, "select-cert": 3, "premier-revenue": 70001,
                "premier-approved": 22})
    for p in (partner, pilot):
        for t in p["tiers"]:
            for c in t["criteria"]:
                if c["id"] in thr:
                    c["threshold"] = thr[c["id"]]
    return {"partner": partner, "pilot": pilot}


# ---------------------------------------------------------------- generator
REGIONS = ["emea", "amer", "apac"]
CURRENCIES = ["USD", "EUR", "GBP"]


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, lam ** 0.5) + 0.5))
    l, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= l:
            return k
        k += 1


class World:
    """Everything the scenario sends, generated up front from one seed.

    self.batches[k] holds the statements posted in step k, in store order.
    Admin acts are decided at run time from the model's state with
    self.admin_rng (seeded from the main generator), identically in
    --dry-run and in a real run."""

    def __init__(self, seed, scale):
        rng = self.rng = random.Random(seed)
        self.seed = seed
        self.scale = scale
        self.steps = step_instants()
        self.horizon = self.steps[-1]
        self.benefits, self.certs, self.programs = definitions()
        self.skill_profiles = skill_profiles()
        self.drafts = whatif_drafts(self.programs)
        self.profile_step = 30          # sales-skills is defined then (S5)
        self.whatif_steps = (20, 36)    # mid-run what-ifs (and one at the end)
        self.partner_steps = (28, 52)   # bound-credential checks (and at the end)
        self.n_orgs = max(6, int(round(50 * scale)))
        self.n_learners = max(60, int(round(2000 * scale)))
        self.placed = []            # (store_step, key, seq, statement)
        self._seq = 0
        self.stmt_pos = {}          # statement id -> (store_step, key)
        self.voided_exam_learners = set()
        self.roster_step = 20
        self.manual_edit_step = 33
        self.recalc_step = 25
        self._orgs()
        self._learners()
        self._membership()
        self._learning()
        self._deals()
        self._agreements()
        self.batches = {k: [] for k in range(1, N_STEPS + 1)}
        self.placed.sort(key=lambda x: (x[0], x[1], x[2]))
        for step, _key, _seq, st in self.placed:
            self.batches[step].append(st)
        self.n_statements = len(self.placed)
        self.admin_seed = rng.getrandbits(64)
        # the organisation the partner credential is bound to (B1): one that
        # signs every program, else the one signing most (no rng draw here)
        self.bound_org = max(range(self.n_orgs), key=lambda j: (len(self.signed.get(j, ())), -j))

    # -- helpers
    def uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def natural_step(self, ts):
        return max(1, bisect.bisect_left(self.steps, ts))

    def place(self, st, ts, late_steps=0, after=None):
        """Schedule statement st (timestamp ts) for storing; late_steps > 0
        sends it that many steps after its natural one; after = the id of a
        statement it must be stored after."""
        step = self.natural_step(ts)
        key = ts
        if late_steps:
            step = min(N_STEPS, step + late_steps)
            key = self.rng.randint(self.steps[step - 1] + 1, self.steps[step])
        if after is not None and after in self.stmt_pos:
            a_step, a_key = self.stmt_pos[after]
            if (step, key) <= (a_step, a_key):
                if step < a_step:
                    step = a_step
                key = max(key, a_key + 1)
                if key > self.steps[step] and step < N_STEPS:
                    step += 1
                    key = self.rng.randint(self.steps[step - 1] + 1, self.steps[step])
        self._seq += 1
        self.stmt_pos[st["id"]] = (step, key)
        self.placed.append((step, key, self._seq, st))

    def rand_ts(self, lo, hi):
        """A random instant in [lo, hi], in whole seconds (so no engine
        needs to keep milliseconds to match awards and expiries)."""
        return 1000 * self.rng.randint((lo + 999) // 1000, hi // 1000)

    def org_group(self, o):
        return {"objectType": "Group", "account": {"homePage": CRM, "name": self.orgs[o]["acct"]}}

    def agent(self, l):
        return {"objectType": "Agent", "mbox": self.learners[l]["mbox"], "name": "Learner %d" % l}

    # -- organisations and learners
    def _orgs(self):
        rng = self.rng
        self.orgs = []
        for j in range(self.n_orgs):
            act = min(3.2, max(0.25, rng.lognormvariate(0.0, 0.55)))
            self.orgs.append({
                "id": "org%02d" % (j + 1), "name": "Partner %02d Ltd" % (j + 1),
                "acct": "acct-%02d" % (j + 1), "activity": act,
                "region": rng.choice(REGIONS),
                "currency": rng.choices(CURRENCIES, [5, 3, 2])[0],
                "size": rng.randint(12, 38)})

    def _learners(self):
        rng = self.rng
        self.learners = []
        for i in range(self.n_learners):
            self.learners.append({
                "mbox": "mailto:learner%05d@people.example.com" % i,
                "role": "sales" if rng.random() < 0.5 else "engineer",
                "events": []})      # truth timeline: (ts, org index or None, role)

    def _membership(self):
        rng, steps = self.rng, self.steps
        n = self.n_learners
        order = list(range(n))
        rng.shuffle(order)
        total = sum(o["size"] for o in self.orgs)
        rostered = int(n * 0.62)
        self.rosters = {j: [] for j in range(self.n_orgs)}
        pos = 0
        for j, o in enumerate(self.orgs):
            cnt = max(3, int(rostered * o["size"] / total))
            for l in order[pos:pos + cnt]:
                self.rosters[j].append(l)
                self.learners[l]["events"].append((C0, j, self.learners[l]["role"], "roster"))
            pos += cnt
        rest = order[pos:]
        joiners = rest[:int(len(rest) * 0.8)]
        self.never = rest[int(len(rest) * 0.8):]
        t_lo = C0 + 2 * MS_DAY
        t_hi = self.horizon - 6 * MS_DAY
        for l in joiners:
            ts = self.rand_ts(t_lo, C0 + 330 * MS_DAY)
            self.learners[l]["events"].append((ts, rng.randrange(self.n_orgs), self.learners[l]["role"], "join"))
        # moves and leaves among everybody with a membership
        members = [l for l in range(n) if self.learners[l]["events"]]
        for l in rng.sample(members, int(len(members) * 0.09)):
            ev = self.learners[l]["events"]
            last = ev[-1][0]
            if last + 10 * MS_DAY >= t_hi:
                continue
            ts = self.rand_ts(last + 10 * MS_DAY, t_hi)
            cur = ev[-1][1]
            other = rng.choice([j for j in range(self.n_orgs) if j != cur])
            role = ev[-1][2]
            if rng.random() < 0.1:
                role = "engineer" if role == "sales" else "sales"
            ev.append((ts, other, role, "join"))
        for l in rng.sample(members, int(len(members) * 0.035)):
            ev = self.learners[l]["events"]
            last = ev[-1][0]
            if ev[-1][1] is None or last + 10 * MS_DAY >= t_hi:
                continue
            ev.append((self.rand_ts(last + 10 * MS_DAY, t_hi), None, None, "leave"))
        # the roster change of one organisation at step roster_step (C19)
        rs = self.roster_step
        self.roster_org = rng.randrange(self.n_orgs)
        cands = [l for l in self.rosters[self.roster_org] if len(self.learners[l]["events"]) == 1]
        self.roster_removed = cands[0] if cands else None
        self.roster_added = self.never[:2]
        self.never = self.never[2:]
        c = steps[rs]
        if self.roster_removed is not None:
            self.learners[self.roster_removed]["events"].append((c, None, None, "roster"))
        for l in self.roster_added:
            self.learners[l]["events"].append((c, self.roster_org, self.learners[l]["role"], "roster"))
        # statements for the non-roster events; some arrive late (C4: only
        # when no later event of that learner would be stored before it)
        self.n_late_membership = 0
        for l in range(n):
            ev = self.learners[l]["events"]
            for i, (ts, org, role, kind) in enumerate(ev):
                if kind == "roster":
                    continue
                late = 0
                nxt = ev[i + 1][0] if i + 1 < len(ev) else None
                if rng.random() < 0.18:
                    late = rng.randint(2, 6)
                    store_at = self.steps[min(N_STEPS, self.natural_step(ts) + late)]
                    if nxt is not None and nxt <= store_at:
                        late = 0
                if late:
                    self.n_late_membership += 1
                if kind == "join":
                    st = {"id": self.uuid(), "actor": self.agent(l),
                          "verb": {"id": V_JOIN, "display": {"en-US": "joined"}},
                          "object": self.org_group(org), "timestamp": iso(ts)}
                    if role is not None and rng.random() < 0.97:
                        st["context"] = {"extensions": {X_ROLE: role}}
                    else:
                        ev[i] = (ts, org, None, kind)
                else:
                    prev = ev[i - 1][1]
                    st = {"id": self.uuid(), "actor": self.agent(l),
                          "verb": {"id": V_LEAVE, "display": {"en-US": "left"}},
                          "object": self.org_group(prev), "timestamp": iso(ts)}
                self.place(st, ts, late)

    def truth_org(self, l, ts):
        org, role = None, None
        for (t, o, r, _k) in self.learners[l]["events"]:
            if t <= ts:
                org, role = o, r
            else:
                break
        return org, role

    # -- learning
    def _stmt_learning(self, l, verb, act, atype, ts, score=None):
        name = verb.rsplit("/", 1)[1]
        st = {"id": self.uuid(), "actor": self.agent(l),
              "verb": {"id": verb, "display": {"en-US": name}},
              "object": {"objectType": "Activity", "id": act,
                         "definition": {"type": atype, "name": {"en-US": act.rsplit("/", 1)[1]}}},
              "timestamp": iso(ts)}
        res = {}
        if score is not None:
            res["score"] = {"scaled": round(score, 3)}
        if verb == V_PASSED:
            res["success"] = True
            res["completion"] = True
        elif verb == V_FAILED:
            res["success"] = False
        elif verb == V_COMPLETED:
            res["completion"] = True
        if res:
            st["result"] = res
        return st

    def _learning(self):
        rng = self.rng
        hi = self.horizon - MS_DAY
        courses = ["%s/courses/c%02d" % (LMS, i) for i in range(1, 41)]
        self.n_exam_voids = 0
        for l in range(self.n_learners):
            role = self.learners[l]["role"]
            # ordinary courses (some late)
            for _ in range(rng.randint(17, 40)):
                c = rng.choice(courses)
                ts = self.rand_ts(C0 + MS_DAY, hi)
                seq = []
                r = rng.random()
                if r < 0.55:
                    seq.append((V_COMPLETED, None))
                elif r < 0.85:
                    seq.append((V_PASSED, rng.uniform(0.6, 1.0)))
                else:
                    seq.append((V_FAILED, rng.uniform(0.1, 0.59)))
                    seq.append((V_PASSED, rng.uniform(0.6, 1.0)))
                for verb, sc in seq:
                    if ts > hi:
                        break
                    st = self._stmt_learning(l, verb, c, T_COURSE, ts, sc)
                    self.place(st, ts, rng.randint(1, 5) if rng.random() < 0.05 else 0)
                    ts += rng.randint(1, 9) * MS_DAY
            # certification paths: no late evidence (C6)
            paths = []
            if role == "sales" and rng.random() < 0.75:
                paths.append("sales")
            if role == "engineer" and rng.random() < 0.75:
                paths.append("tech")
            if rng.random() < 0.08:
                paths.append("tech" if role == "sales" else "sales")
            for p in paths:
                self._cert_path(l, p)

    def _cert_path(self, l, path):
        rng = self.rng
        hi = self.horizon - MS_DAY
        start = self.rand_ts(C0 + 2 * MS_DAY, C0 + 380 * MS_DAY)
        if path == "sales":
            course, exam, recert = LMS + "/courses/sales-101", LMS + "/exams/sales-exam", LMS + "/exams/sales-exam"
            pass_mark, need, ctype = 0.7, 0.8, T_COURSE
        else:
            course, exam, recert = LMS + "/labs/tech-lab", LMS + "/exams/tech-exam", LMS + "/exams/tech-recert"
            pass_mark, need, ctype = 0.6, 0.7, T_ASSESSMENT
        # the course / lab
        if rng.random() < 0.9:
            if path == "sales":
                verb = V_COMPLETED if rng.random() < 0.85 else V_PASSED
            else:
                verb = V_PASSED if rng.random() < 0.9 else V_COMPLETED   # completed does not meet "passed"
            if start <= hi:
                sc = None if verb == V_COMPLETED else rng.uniform(0.6, 1.0)
                self.place(self._stmt_learning(l, verb, course, ctype, start, sc), start)
        # exam attempts, before the course for some
        t = start + (rng.randint(-20, -1) if rng.random() < 0.15 else rng.randint(1, 40)) * MS_DAY
        t = max(t, C0 + MS_DAY // 2)
        qualifying = []
        attempts = rng.randint(1, 3)
        for a in range(attempts):
            if t > hi:
                break
            score = min(1.0, max(0.0, rng.gauss(0.8, 0.1)))
            verb = V_PASSED if score >= pass_mark else V_FAILED
            st = self._stmt_learning(l, verb, exam, T_ASSESSMENT, t, score)
            self.place(st, t)
            if verb == V_PASSED:
                if score >= need:
                    qualifying.append((st["id"], t))
                break
            t += rng.randint(7, 30) * MS_DAY
        if not qualifying:
            return
        # recertification (same exam for sales, its own for tech)
        if rng.random() < 0.5:
            t2 = t + rng.randint(140, 230) * MS_DAY
            for _ in range(2):
                if t2 > hi:
                    break
                score = min(1.0, max(0.0, rng.gauss(0.86, 0.07)))
                verb = V_PASSED if score >= pass_mark else V_FAILED
                self.place(self._stmt_learning(l, verb, recert, T_ASSESSMENT, t2, score), t2)
                if verb == V_PASSED:
                    break
                t2 += 14 * MS_DAY
            return
        # void the only qualifying pass of some learners who never retake (C6)
        if rng.random() < 0.06:
            sid, t_pass = qualifying[0]
            vt = t_pass + rng.randint(7, 35) * MS_DAY
            if vt <= hi:
                self._void(sid, vt, "lms-admin")
                self.n_exam_voids += 1
                self.voided_exam_learners.add(l)

    def _void(self, target, ts, who):
        st = {"id": self.uuid(),
              "actor": {"objectType": "Agent", "mbox": "mailto:%s@vendor.example.com" % who},
              "verb": {"id": V_VOIDED, "display": {"en-US": "voided"}},
              "object": {"objectType": "StatementRef", "id": target},
              "timestamp": iso(ts)}
        self.place(st, ts, after=target)

    # -- deals
    def _deals(self):
        rng, steps = self.rng, self.steps
        hi = self.horizon - MS_DAY
        channel = {"objectType": "Agent", "mbox": "mailto:channel@vendor.example.com", "name": "Channel desk"}
        self.n_deal_voids = 0
        # per org: membership intervals of sales people (truth)
        intervals = {j: [] for j in range(self.n_orgs)}
        for l, lr in enumerate(self.learners):
            ev = lr["events"]
            for i, (t, o, r, _k) in enumerate(ev):
                end = ev[i + 1][0] if i + 1 < len(ev) else 1 << 62
                if o is not None and r == "sales":
                    intervals[o].append((t, end, l))
        for j, o in enumerate(self.orgs):
            lam = 3.8 * o["activity"]
            for k in range(1, N_STEPS + 1):
                for _ in range(poisson(rng, lam)):
                    t0 = self.rand_ts(steps[k - 1] + 1, steps[k] - 1)
                    if t0 > hi:
                        continue
                    sales = [l for (a, b, l) in intervals[j] if a <= t0 < b]
                    self._deal(j, o, t0, sales, channel)

    def _deal(self, j, o, t0, sales, channel):
        rng = self.rng
        hi = self.horizon - MS_DAY
        deal_id = "%s/deals/%s" % (CRM, self.uuid())
        pl = rng.choices(["cloud", "onprem", "services"], [5, 3, 2])[0]
        region = o["region"] if rng.random() < 0.75 else rng.choice(REGIONS)
        seg = "enterprise" if rng.random() < 0.3 else "smb"
        ctx_ext, def_ext = {}, {}
        r = rng.random()
        if r < 0.5:
            ctx_ext[X_PL], ctx_ext[X_REGION] = pl, region
        elif r < 0.9:
            def_ext[X_PL], def_ext[X_REGION] = pl, region
        else:       # both, context wins (C16)
            ctx_ext[X_PL], ctx_ext[X_REGION] = pl, region
            def_ext[X_PL] = "services" if pl != "services" else "cloud"
            def_ext[X_REGION] = "apac" if region != "apac" else "amer"
        seg_place = rng.choices(["context", "definition", "result"], [5, 3, 2])[0]
        definition = {"type": T_DEAL, "name": {"en-US": "Deal"}}
        if def_ext:
            definition["extensions"] = dict(def_ext)
        team = self.org_group(j)

        def stmt(actor, verb, ts, with_team=False, result=None, seg_ok=True):
            st = {"id": self.uuid(), "actor": actor,
                  "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
                  "object": {"objectType": "Activity", "id": deal_id,
                             "definition": json.loads(json.dumps(definition))},
                  "timestamp": iso(ts)}
            ctx = {}
            ext = dict(ctx_ext)
            if seg_ok and seg_place == "context":
                ext[X_SEGMENT] = seg
            if ext:
                ctx["extensions"] = ext
            if with_team:
                ctx["team"] = team
            if ctx:
                st["context"] = ctx
            if seg_ok and seg_place == "definition":
                st["object"]["definition"].setdefault("extensions", {})[X_SEGMENT] = seg
            res = dict(result or {})
            if seg_ok and seg_place == "result":
                res.setdefault("extensions", {})[X_SEGMENT] = seg
            if res:
                st["result"] = res
            return st

        def actor_for():
            r = rng.random()
            if sales and r < 0.75:
                return self.agent(rng.choice(sales)), False
            if sales and r < 0.87:
                return self.agent(rng.choice(sales)), True
            return self.org_group(j), False

        def late():
            return rng.randint(1, 6) if rng.random() < 0.04 else 0

        a, tm = actor_for()
        reg = stmt(a, V_REGISTERED, t0, tm)
        self.place(reg, t0, late())
        if rng.random() < 0.01:
            self._void_later(reg, t0)
        if rng.random() < 0.72:
            t1 = t0 + rng.randint(1, 10) * MS_DAY + 1000 * rng.randint(0, 86399)
            if t1 <= hi:
                ap = stmt(channel, V_APPROVED, t1, True)
                self.place(ap, t1, late())
        if rng.random() < 0.5:
            t2 = t0 + rng.randint(5, 60) * MS_DAY + 1000 * rng.randint(0, 86399)
            if t2 > hi:
                return
            cur = o["currency"] if rng.random() < 0.85 else rng.choice(["USD", "EUR", "GBP", "JPY", "JPY"])
            amount = 50 * rng.randint(20, 500) if rng.random() < 0.8 else 50 * rng.randint(500, 1600)
            if cur == "JPY":
                amount *= 150
            a, tm = actor_for()
            if rng.random() < 0.3:
                a, tm = self.org_group(j), False
            cl = stmt(a, V_CLOSED, t2, tm, {"extensions": {X_AMOUNT: amount, X_CURRENCY: cur}})
            self.place(cl, t2, late())
            if rng.random() < 0.025:
                self._void_later(cl, t2)
            if rng.random() < 0.25:
                t3 = t2 + rng.randint(1, 20) * MS_DAY
                if t3 <= hi:
                    cust = {"objectType": "Agent", "mbox": "mailto:buyer-%d@customer.example.org" % rng.randint(1, 500)}
                    rt = stmt(cust, V_RATED, t3, True, {"score": {"scaled": round(rng.uniform(0.4, 1.0), 2)}},
                              seg_ok=False)
                    self.place(rt, t3, late())

    def _void_later(self, st, ts):
        vt = ts + self.rng.randint(3, 40) * MS_DAY
        if vt <= self.horizon - MS_DAY:
            self._void(st["id"], vt, "crm-bot")
            self.n_deal_voids += 1

    # -- agreements
    def _agreements(self):
        rng = self.rng
        hi = self.horizon - MS_DAY
        self.n_agreements = 0
        self.signed = {}

        def sign(j, prog, ts, late=0):
            if ts > hi:
                return
            members = [l for l in range(self.n_learners) if self.truth_org(l, ts)[0] == j] \
                if rng.random() < 0.3 else []
            if members:
                actor = self.agent(rng.choice(members))
                ctx = {"team": self.org_group(j)}
            else:
                actor, ctx = self.org_group(j), None
            st = {"id": self.uuid(), "actor": actor,
                  "verb": {"id": V_SIGNED, "display": {"en-US": "signed"}},
                  "object": {"objectType": "Activity", "id": AGREEMENTS + prog,
                             "definition": {"type": T_AGREEMENT,
                                            "name": {"en-US": self.programs[prog]["name"] + " agreement"}}},
                  "timestamp": iso(ts)}
            if ctx:
                st["context"] = ctx
            self.place(st, ts, late)
            self.n_agreements += 1
            self.signed.setdefault(j, set()).add(prog)

        def when():
            r = rng.random()
            if r < 0.6:
                return self.rand_ts(C0 + 2 * MS_DAY, C0 + 90 * MS_DAY)
            if r < 0.85:
                return self.rand_ts(C0 + 90 * MS_DAY, C0 + 270 * MS_DAY)
            return self.rand_ts(C0 + 273 * MS_DAY, C0 + 364 * MS_DAY)     # late in the year

        for j in range(self.n_orgs):
            late = rng.randint(1, 3) if rng.random() < 0.1 else 0
            if rng.random() < 0.72:
                ts = when()
                sign(j, "partner", ts, late)
                if rng.random() < 0.06:      # a second agreement while active: no effect
                    sign(j, "partner", ts + rng.randint(20, 80) * MS_DAY)
            if rng.random() < 0.5:
                sign(j, "reseller", when(), rng.randint(1, 3) if rng.random() < 0.1 else 0)
            if rng.random() < 0.4:
                ts = self.rand_ts(C0 + 20 * MS_DAY, C0 + 170 * MS_DAY)
                sign(j, "pilot", ts)
                if rng.random() < 0.5:      # re-sign after the pilot ended (C22)
                    end_day = day_of(ts) + self.programs["pilot"]["period_days"] - 1
                    sign(j, "pilot", (end_day + 1) * MS_DAY + rng.randint(14, 70) * MS_DAY
                         + 1000 * rng.randint(0, 86399))


# ---------------------------------------------------------------- the model
EVENT_TYPES = {"revenue": V_CLOSED, "deals_closed": V_CLOSED,
               "deals_registered": V_REGISTERED, "deals_approved": V_APPROVED}


class Fact:
    """A deal statement (object of type deal)."""
    __slots__ = ("id", "ts", "day", "verb", "atype", "learner", "direct", "ctx", "res", "dfn",
                 "voided", "org")


class Enr:
    __slots__ = ("pid", "org", "start", "end", "tier", "since", "pending", "rejected",
                 "ended", "sums", "unconv")


class CertState:
    __slots__ = ("rec", "status", "ever", "awarded", "expires")

    def __init__(self):
        self.rec = None          # recorded award (ms) the comparisons use
        self.status = None       # valid | expired | revoked
        self.ever = False
        self.awarded = None      # shown award / expiry (C6)
        self.expires = None


def ext_lookup(fact, iri, order):
    for where in order:
        d = getattr(fact, where)
        if iri in d:
            return True, d[iri]
    return False, None


class Model:
    """A plain, independent reading of tiering/README.md."""

    def __init__(self, benefits, certs, programs, profiles=None):
        self.benefits = benefits
        self.certs = certs
        self.programs = programs
        self.now = C0
        self.seq = 0
        self.tiers = {}          # pid -> tiers sorted by rank
        self.crits = {}          # pid -> [(tier id, criterion)]
        for pid, p in programs.items():
            ts = sorted(p["tiers"], key=lambda t: t["rank"])
            self.tiers[pid] = ts
            self.crits[pid] = [(t["id"], c) for t in ts for c in t["criteria"]]
        self.rank = {pid: {t["id"]: t["rank"] for t in programs[pid]["tiers"]} for pid in programs}
        self.agreement = {p["agreement"]: pid for pid, p in programs.items()}
        self.cert_acts = set()
        for c in certs.values():
            for r in c["requirements"] + c.get("recertification", []):
                self.cert_acts.add(r["activity"])
        self.org_acct = {}       # (homePage, name) -> org id
        self.mev = {}            # learner -> [(ts, seq, org, role)]
        self.cur = {}            # learner -> (org, role) now
        self.members = {}        # org -> set(learner)
        self.facts = {}          # statement id -> Fact
        self.org_facts = {}      # org -> set(Fact)
        self.learner_facts = {}  # learner -> [Fact] attributed by membership
        self.evidence = {}       # learner -> [[ts, seq, verb, activity, score, voided, id]]
        self.evid_ids = {}       # statement id -> (learner, entry)
        self.cstate = {}         # (learner, cert) -> CertState
        self.cert_cache = {}
        self.enr = {}            # (pid, org) -> Enr
        self.custom = {}         # (pid, org, criterion) -> bool
        self.outcomes = {}
        self.demotions = []      # (pid, org, from tier, to tier, at)
        self.known_learners = set()
        self.trace = None        # a list to record (now, kind, subject, detail)
        # skills (S1-S6): evidence is kept for every activity of every
        # profile the world will define; only defined profiles count
        self.skill_acts = set()
        for d in (profiles or {}).values():
            for sk in d["skills"]:
                for r in sk.get("raises", []):
                    self.skill_acts.add(r["activity"])
        self.profiles = {}       # defined profile id -> definition
        self.skill_keys = []     # [(profile, skill definition)]
        self.sk_evidence = {}    # learner -> [[ts, seq, verb, activity, score, voided, id]]
        self.sk_ids = {}         # statement id -> (learner, entry)
        self.levels = {}         # (learner, profile, skill) -> level index or None
        self.leveled = []        # (learner, profile, skill, from name, to name)

    # -- outcomes
    def out(self, kind, subject=None, detail=None):
        self.outcomes[kind] = self.outcomes.get(kind, 0) + 1
        if self.trace is not None:
            self.trace.append((self.now, kind, subject, detail))

    # -- organisations and membership
    def define_org(self, oid, acct):
        self.org_acct[(acct["homePage"], acct["name"])] = oid
        self.members.setdefault(oid, set())
        self.org_facts.setdefault(oid, set())

    def org_of_group(self, g):
        if not isinstance(g, dict) or g.get("objectType") != "Group":
            return None
        a = g.get("account")
        if not isinstance(a, dict):
            return None
        return self.org_acct.get((a.get("homePage"), a.get("name")))

    def member_at(self, l, ts):
        lst = self.mev.get(l)
        if not lst:
            return None
        i = bisect.bisect_right(lst, (ts, float("inf")))
        return lst[i - 1][2] if i else None

    def membership(self, l, ts, org, role):
        """A join (org) or leave (org None) of learner l at ts; returns the
        touched organisations (C3)."""
        self.known_learners.add(l)
        self.seq += 1
        touched = {self.member_at(l, ts), self.cur.get(l, (None, None))[0]}
        lst = self.mev.setdefault(l, [])
        bisect.insort(lst, (ts, self.seq, org, role))
        old = self.cur.get(l, (None, None))
        new_org, new_role = lst[-1][2], lst[-1][3]
        self.cur[l] = (new_org, new_role)
        if old[0] != new_org:
            if old[0] is not None:
                self.members[old[0]].discard(l)
            if new_org is not None:
                self.members[new_org].add(l)
        if old != (new_org, new_role):
            self.cert_cache.clear()
        touched.add(self.member_at(l, ts))
        touched.add(new_org)
        # re-attribute the learner's facts (late membership)
        dirty = set()
        for f in self.learner_facts.get(l, ()):
            o = self.member_at(l, f.ts)
            if o != f.org:
                if f.org is not None:
                    self.org_facts[f.org].discard(f)
                    dirty.add(f.org)
                if o is not None:
                    self.org_facts[o].add(f)
                    dirty.add(o)
                f.org = o
        for o in dirty:
            self.recompute_org(o)
        touched |= dirty
        touched.discard(None)
        return touched

    # -- deal facts
    def criterion_matches(self, pid, c, f):
        verbs = c.get("verbs") or [EVENT_TYPES[c["type"]]]
        if f.verb not in verbs:
            return False
        if f.atype not in (c.get("activity_types") or [T_DEAL]):
            return False
        flt = c.get("filters") or {}
        for key, iri in (("product_line", X_PL), ("region", X_REGION)):
            if key in flt:
                found, v = ext_lookup(f, iri, ("ctx", "dfn"))
                if not found or v != flt[key]:
                    return False
        if "activity_type" in flt and f.atype != flt["activity_type"]:
            return False
        for iri, want in (flt.get("extensions") or {}).items():
            found, v = ext_lookup(f, iri, ("ctx", "res", "dfn"))
            if not found or v != want:
                return False
        return True

    def fact_cents(self, pid, c, f):
        """Converted amount in cents of the program currency, or None."""
        p = self.programs[pid]
        amt = f.res.get(c.get("amount_extension", X_AMOUNT))
        cur = f.res.get(c.get("currency_extension", X_CURRENCY))
        if not isinstance(amt, (int, float)) or isinstance(amt, bool):
            return None
        if cur == p["currency"]:
            rate = 1.0
        elif cur in p["rates"]:
            rate = p["rates"][cur]
        else:
            return None
        return int(round(amt * rate * 100))

    def add_fact(self, e, f, sign=1):
        pid = e.pid
        for _tid, c in self.crits[pid]:
            if c["type"] not in EVENT_TYPES:
                continue
            if not self.criterion_matches(pid, c, f):
                continue
            if c["type"] == "revenue":
                v = self.fact_cents(pid, c, f)
                if v is not None:
                    e.sums[c["id"]] += sign * v
            else:
                e.sums[c["id"]] += sign
        if f.verb == V_CLOSED and f.atype == T_DEAL:
            p = self.programs[pid]
            cur = f.res.get(X_CURRENCY)
            if cur != p["currency"] and cur not in p["rates"]:
                e.unconv += sign

    def recompute(self, e):
        e.sums = {c["id"]: 0 for _t, c in self.crits[e.pid] if c["type"] in EVENT_TYPES}
        e.unconv = 0
        for f in self.org_facts.get(e.org, ()):
            if not f.voided and e.start <= f.day <= e.end:
                self.add_fact(e, f)

    def recompute_org(self, o):
        for pid in sorted(self.programs):
            e = self.enr.get((pid, o))
            if e and not e.ended:
                self.recompute(e)

    def new_fact(self, st, learner, direct):
        f = Fact()
        f.id = st["id"]
        f.ts = parse_iso(st["timestamp"])
        f.day = day_of(f.ts)
        f.verb = st["verb"]["id"]
        obj = st["object"]
        dfn = obj.get("definition") or {}
        f.atype = dfn.get("type")
        f.dfn = dfn.get("extensions") or {}
        f.ctx = (st.get("context") or {}).get("extensions") or {}
        f.res = (st.get("result") or {}).get("extensions") or {}
        f.learner = learner
        f.direct = direct
        f.voided = False
        f.org = direct if direct is not None else (self.member_at(learner, f.ts) if learner else None)
        self.facts[f.id] = f
        if direct is None and learner is not None:
            self.learner_facts.setdefault(learner, []).append(f)
        if f.org is not None:
            self.org_facts[f.org].add(f)
            for pid in sorted(self.programs):
                e = self.enr.get((pid, f.org))
                if e and not e.ended and e.start <= f.day <= e.end:
                    self.add_fact(e, f)
        return f.org

    # -- certifications
    @staticmethod
    def meets(ev, r):
        if ev[5] or ev[3] != r["activity"]:
            return False
        if r["verb"] == "completed":
            if ev[2] not in (V_COMPLETED, V_PASSED):
                return False
        elif r["verb"] == "passed":
            if ev[2] != V_PASSED:
                return False
        else:
            if ev[2] != ADL + r["verb"] and ev[2] != r["verb"]:
                return False
        if "min_score" in r:
            if ev[4] is None or ev[4] < r["min_score"]:
                return False
        return True

    def derive(self, l, cid):
        c = self.certs[cid]
        evs = self.evidence.get(l, [])

        def first(r, after):
            best = None
            for ev in evs:
                if (after is None or ev[0] > after) and self.meets(ev, r):
                    if best is None or ev[0] < best:
                        best = ev[0]
            return best

        a = None
        for r in c["requirements"]:
            t = first(r, None)
            if t is None:
                return None
            a = t if a is None else max(a, t)
        rec = c.get("recertification") or c["requirements"]
        while True:
            nxt = None
            for r in rec:
                t = first(r, a)
                if t is None:
                    return a
                nxt = t if nxt is None else max(nxt, t)
            a = nxt

    def update_certs(self, l):
        for cid in sorted(self.certs):
            d = self.derive(l, cid)
            s = self.cstate.get((l, cid))
            if s is None:
                if d is None:
                    continue
                s = self.cstate[(l, cid)] = CertState()
            if d is not None and (s.rec is None or d > s.rec):
                self.out("cert-renewed" if s.ever else "cert-awarded", (l, cid), iso(d))
                s.rec, s.status, s.ever = d, "valid", True
                s.awarded, s.expires = d, d + self.certs[cid]["validity_days"] * MS_DAY
                self.cert_cache.clear()
            elif s.rec is not None and (d is None or d < s.rec):
                self.out("revoked", (l, cid), d)
                s.rec, s.status = d, "revoked"
                self.cert_cache.clear()

    def cert_count(self, org, cid, role):
        key = (org, cid, role)
        v = self.cert_cache.get(key)
        if v is None:
            v = 0
            for l in self.members.get(org, ()):
                if role is not None and self.cur[l][1] != role:
                    continue
                for c in ([cid] if cid else sorted(self.certs)):
                    s = self.cstate.get((l, c))
                    if s is not None and s.status == "valid":
                        v += 1
                        break
            self.cert_cache[key] = v
        return v

    # -- skills
    def define_profile(self, pid, d):
        """PUT /tiering/skill-profiles/{pid}: levels are rebuilt from all the
        evidence already stored (S5)."""
        self.profiles[pid] = d
        self.skill_keys = [(p, sk) for p in sorted(self.profiles) for sk in self.profiles[p]["skills"]]
        for l in sorted(self.sk_evidence):
            self.update_levels(l)

    @staticmethod
    def raise_level(sk, r, ev):
        """The level index evidence ev reaches through raise r, or -1 (S2)."""
        if ev[3] != r["activity"]:
            return -1
        if "bands" in r:
            best = -1
            if ev[4] is not None:
                for b in r["bands"]:
                    if ev[4] >= b["min_score"] - 1e-12:
                        best = max(best, sk["levels"].index(b["level"]))
            return best
        return sk["levels"].index(r["level"]) if ev[2] in (V_COMPLETED, V_PASSED) else -1

    def level_of(self, l, sk):
        best = -1
        for ev in self.sk_evidence.get(l, ()):
            if ev[5]:
                continue
            for r in sk.get("raises", []):
                best = max(best, self.raise_level(sk, r, ev))
        return best if best >= 0 else None

    def update_levels(self, l):
        for pid, sk in self.skill_keys:
            d = self.level_of(l, sk)
            key = (l, pid, sk["id"])
            r = self.levels.get(key)
            if d != r:
                names = sk["levels"]
                self.out("leveled", key, (r, d))
                self.leveled.append((l, pid, sk["id"], None if r is None else names[r],
                                     None if d is None else names[d]))
                self.levels[key] = d
                self.cert_cache.clear()

    def skill_count(self, org, c):
        key = ("skills", org, c["profile"], c["skill"], c["level"], c.get("role"))
        v = self.cert_cache.get(key)
        if v is None:
            sk = next((x for p, x in self.skill_keys if p == c["profile"] and x["id"] == c["skill"]), None)
            want = sk["levels"].index(c["level"]) if sk else None
            v = 0
            for l in self.members.get(org, ()):
                if c.get("role") is not None and self.cur[l][1] != c["role"]:
                    continue
                lv = self.levels.get((l, c["profile"], c["skill"]))
                if want is not None and lv is not None and lv >= want:
                    v += 1
            self.cert_cache[key] = v
        return v

    def skills_of(self, l):
        """[(profile, skill, level name)] of learner l (S6)."""
        out = []
        for pid, sk in self.skill_keys:
            lv = self.levels.get((l, pid, sk["id"]))
            if lv is not None:
                out.append((pid, sk["id"], sk["levels"][lv]))
        return sorted(out)

    # -- standing
    def values(self, e):
        out = []
        for tid, c in self.crits[e.pid]:
            t = c["type"]
            if t in EVENT_TYPES:
                v = e.sums[c["id"]]
                thr = c.get("threshold", 1)
                if t == "revenue":
                    met = v >= round(thr * 100)
                    v = v / 100.0
                else:
                    met = v >= thr
            elif t == "certifications":
                v = self.cert_count(e.org, c.get("certification"), c.get("role"))
                met = v >= c.get("threshold", 1)
            elif t == "skills":
                v = self.skill_count(e.org, c)
                met = v >= c.get("threshold", 1)
            elif t == "custom":
                v = self.custom.get((e.pid, e.org, c["id"]), False)
                met = bool(v)
            else:
                raise ValueError("criterion type " + t)
            out.append((tid, c, v, met))
        return out

    def qualified(self, e, vals=None):
        vals = vals if vals is not None else self.values(e)
        ok = {}
        for tid, _c, _v, met in vals:
            ok[tid] = ok.get(tid, True) and met
        q = None
        for t in self.tiers[e.pid]:
            if ok.get(t["id"], True):
                q = t["id"]
            else:
                break
        return q

    def rk(self, pid, tier):
        return 0 if tier is None else self.rank[pid][tier]

    def set_tier(self, e, tier, kind):
        if kind == "demoted":
            self.demotions.append((e.pid, e.org, e.tier, tier, self.now))
        frm, e.tier = e.tier, tier
        self.out(kind, (e.pid, e.org), (frm, tier))

    def evaluate(self, e):
        if e.ended:
            return
        p = self.programs[e.pid]
        q = self.qualified(e)
        rq, rc = self.rk(e.pid, q), self.rk(e.pid, e.tier)
        if rq > rc:
            e.since = None
            if p["policy"] == "automatic":
                self.set_tier(e, q, "promoted")
            else:
                cand = [t for t in self.tiers[e.pid]
                        if rc < t["rank"] <= rq and t["id"] not in e.rejected]
                t = cand[-1]["id"] if cand else None
                if t is not None:
                    if e.pending is None:
                        e.pending = t
                        self.out("recommended", (e.pid, e.org), e.pending)
                    elif self.rk(e.pid, e.pending) < self.rk(e.pid, t):
                        self.out("superseded", (e.pid, e.org), e.pending)
                        e.pending = t
                        self.out("recommended", (e.pid, e.org), e.pending)
                    elif self.rk(e.pid, e.pending) > self.rk(e.pid, t):
                        self.out("withdrew", (e.pid, e.org), e.pending)
                        e.pending = t
                        self.out("recommended", (e.pid, e.org), e.pending)
                elif e.pending is not None:
                    self.out("withdrew", (e.pid, e.org), e.pending)
                    e.pending = None
        elif rq == rc:
            e.since = None
            if e.pending is not None:
                self.out("withdrew", (e.pid, e.org), e.pending)
                e.pending = None
        else:
            if e.pending is not None:
                self.out("withdrew", (e.pid, e.org), e.pending)
                e.pending = None
            if e.since is None:
                e.since = self.now
            if self.now >= e.since + p["grace_days"] * MS_DAY:
                self.set_tier(e, q, "demoted")
                e.since = None

    def evaluate_orgs(self, orgs):
        for pid in sorted(self.programs):
            for o in sorted(x for x in orgs if x is not None):
                e = self.enr.get((pid, o))
                if e is not None and not e.ended:
                    self.evaluate(e)

    # -- statements
    def apply(self, st):
        """Apply one stored statement (README 7 'A statement')."""
        self.seq += 1
        verb = st["verb"]["id"]
        actor = st.get("actor") or {}
        obj = st.get("object") or {}
        ctx = st.get("context") or {}
        ts = parse_iso(st.get("timestamp"))
        learner = actor.get("mbox") if actor.get("objectType", "Agent") == "Agent" else None
        if learner:
            self.known_learners.add(learner)
        touched = set()
        if verb == V_VOIDED:
            tid = obj.get("id")
            f = self.facts.get(tid)
            if f is not None and not f.voided:
                f.voided = True
                if f.org is not None:
                    self.recompute_org(f.org)
                    touched.add(f.org)
            ev = self.evid_ids.get(tid)
            if ev is not None and not ev[1][5]:
                ev[1][5] = True
                self.update_certs(ev[0])
                touched.add(self.cur.get(ev[0], (None, None))[0])
            ev = self.sk_ids.get(tid)
            if ev is not None and not ev[1][5]:
                ev[1][5] = True
                self.update_levels(ev[0])
                touched.add(self.cur.get(ev[0], (None, None))[0])
            self.evaluate_orgs(touched)
            return
        direct = self.org_of_group(actor)
        if direct is None:
            direct = self.org_of_group(ctx.get("team"))
        if verb in (V_JOIN, V_LEAVE) and learner and obj.get("objectType") == "Group":
            o = self.org_of_group(obj)
            role = (ctx.get("extensions") or {}).get(X_ROLE)
            if verb == V_JOIN and o is not None:
                touched |= self.membership(learner, ts, o, role)
            elif verb == V_LEAVE:
                touched |= self.membership(learner, ts, None, None)
            self.evaluate_orgs(touched)
            return
        attributed = direct if direct is not None else (self.member_at(learner, ts) if learner else None)
        touched.add(attributed)
        if verb == V_SIGNED and obj.get("id") in self.agreement and \
                (obj.get("definition") or {}).get("type") == T_AGREEMENT:
            pid = self.agreement[obj["id"]]
            if attributed is not None:
                self.agreement_signed(pid, attributed, ts)
        elif (obj.get("definition") or {}).get("type") == T_DEAL and obj.get("objectType", "Activity") == "Activity":
            self.new_fact(st, learner, direct)
        elif learner and obj.get("id") in self.cert_acts and verb in (V_COMPLETED, V_PASSED):
            score = ((st.get("result") or {}).get("score") or {}).get("scaled")
            entry = [ts, self.seq, verb, obj["id"], score, False, st["id"]]
            self.evidence.setdefault(learner, []).append(entry)
            self.evid_ids[st["id"]] = (learner, entry)
            self.update_certs(learner)
            touched.add(self.cur.get(learner, (None, None))[0])
        if learner and obj.get("id") in self.skill_acts and obj.get("objectType", "Activity") == "Activity":
            score = ((st.get("result") or {}).get("score") or {}).get("scaled")
            entry = [ts, self.seq, verb, obj["id"], score, False, st["id"]]
            self.sk_evidence.setdefault(learner, []).append(entry)
            self.sk_ids[st["id"]] = (learner, entry)
            self.update_levels(learner)
            touched.add(self.cur.get(learner, (None, None))[0])
        self.evaluate_orgs(touched)

    def agreement_signed(self, pid, org, ts):
        e = self.enr.get((pid, org))
        if e is not None and not e.ended:
            return
        p = self.programs[pid]
        e = Enr()
        e.pid, e.org = pid, org
        e.start = day_of(ts)
        e.end = e.start + p["period_days"] - 1
        e.tier = self.tiers[pid][0]["id"] if p.get("enroll_entry_tier") else None
        e.since, e.pending, e.rejected, e.ended = None, None, set(), False
        self.enr[(pid, org)] = e
        self.out("enrolled", (pid, org), e.tier)
        self.recompute(e)

    # -- the clock
    def tick(self, instant):
        self.now = instant
        for (l, cid), s in self.cstate.items():
            if s.status == "valid" and s.expires <= instant:
                s.status = "expired"
                self.out("expired", (l, cid))
                self.cert_cache.clear()
        today = day_of(instant)
        for key in sorted(self.enr):
            e = self.enr[key]
            if e.ended:
                continue
            p = self.programs[e.pid]
            while today > e.end:
                if p["renew"]:
                    e.start, e.end = e.end + 1, e.end + p["period_days"]
                    self.recompute(e)
                    e.rejected = set()
                    self.out("renewed", (e.pid, e.org), e.pending)
                else:
                    e.ended = True
                    self.out("ended", (e.pid, e.org), e.pending)
                    if e.pending is not None:
                        self.out("withdrew", (e.pid, e.org), e.pending)
                        e.pending = None
                    break
            self.evaluate(e)

    def move_clock(self, to):
        """POST /tiering/clock: a pass at each midnight in (now, to], then
        a tick at `to` unless it is a midnight."""
        m = (day_of(self.now) + 1) * MS_DAY
        while m <= to:
            self.tick(m)
            m += MS_DAY
        if to % MS_DAY:
            self.tick(to)

    # -- admin acts
    def roster(self, org, members):
        """PUT organisations with members [(learner, role)] (C19)."""
        want = dict(members)
        now = sorted(self.members.get(org, ()))
        for l, role in members:
            if l not in self.members.get(org, ()):
                self.evaluate_orgs(self.membership(l, self.now, org, role))
        for l in now:
            if l not in want:
                self.evaluate_orgs(self.membership(l, self.now, None, None))

    def decide_recommendation(self, pid, org, approve):
        e = self.enr[(pid, org)]
        t = e.pending
        e.pending = None
        if approve:
            self.out("approved-recommendation", (e.pid, e.org), t)
            e.since = None
            self.set_tier(e, t, "promoted")
        else:
            self.out("rejected-recommendation", (e.pid, e.org), t)
            e.rejected.add(t)
        self.evaluate(e)

    def decide_custom(self, pid, org, cid, met):
        self.custom[(pid, org, cid)] = met
        self.evaluate_orgs({org})

    def manual_tier(self, pid, org, tier):
        e = self.enr[(pid, org)]
        rn, rc = self.rk(pid, tier), self.rk(pid, e.tier)
        if rn != rc:
            self.set_tier(e, tier, "promoted" if rn > rc else "demoted")
        e.since = None
        if e.pending is not None:
            self.out("withdrew", (e.pid, e.org), e.pending)
            e.pending = None
        self.evaluate(e)

    # -- what the API should answer
    def standing(self, e):
        p = self.programs[e.pid]
        d = {"tier": e.tier, "period": (day_str(e.start), day_str(e.end)),
             "status": "ended" if e.ended else ("at-risk" if e.since is not None else "active")}
        if e.ended:
            return d
        vals = self.values(e)
        d["criteria"] = {c["id"]: (c["type"], v, met) for _t, c, v, met in vals}
        d["qualified_tier"] = self.qualified(e, vals)
        d["at_risk_since"] = e.since
        d["recommendation"] = e.pending
        d["unconverted"] = e.unconv
        if e.tier is None:
            d["benefits"] = {}
        else:
            d["benefits"] = next(t for t in p["tiers"] if t["id"] == e.tier)["benefits"]
        return d

    def access(self, l, iri):
        org = self.cur.get(l, (None, None))[0]
        if org is None:
            return (False, None, None, None)
        for pid in sorted(self.programs):
            e = self.enr.get((pid, org))
            if e is None or e.ended or e.tier is None:
                continue
            t = next(t for t in self.programs[pid]["tiers"] if t["id"] == e.tier)
            for bid, val in sorted(t["benefits"].items()):
                if self.benefits[bid]["type"] != "content":
                    continue
                if iri in val.get("activities", []) or any(iri.startswith(x) for x in val.get("prefixes", [])):
                    return (True, pid, e.tier, bid)
        return (False, None, None, None)

    def holders(self, cid):
        return {l: s for (l, c), s in self.cstate.items() if c == cid and s.status == "valid"}

    def distribution(self, pid):
        """What-if sides (W2): tier (or "none") -> count of non-ended
        enrollments, and org -> tier of those enrollments."""
        dist, tiers = {}, {}
        for (p, o), e in sorted(self.enr.items()):
            if p == pid and not e.ended:
                k = e.tier or "none"
                dist[k] = dist.get(k, 0) + 1
                tiers[o] = e.tier
        return dist, tiers

    def leaderboard(self, pid):
        """GET /tiering/analytics/leaderboard (A1): org -> (tier, rank,
        revenue in cents), every enrollment, ended ones with their last tier
        and their last period."""
        p = self.programs[pid]
        out = {}
        for (pp, o), e in sorted(self.enr.items()):
            if pp != pid:
                continue
            cents = 0
            for f in self.org_facts.get(o, ()):
                if f.voided or f.verb != V_CLOSED or f.atype != T_DEAL or not (e.start <= f.day <= e.end):
                    continue
                amt, cur = f.res.get(X_AMOUNT), f.res.get(X_CURRENCY)
                if not isinstance(amt, (int, float)) or isinstance(amt, bool):
                    continue
                rate = 1.0 if cur == p["currency"] else p["rates"].get(cur)
                if rate is not None:
                    cents += int(round(amt * rate * 100))
            out[o] = (e.tier, self.rk(pid, e.tier), cents)
        return out

    def blockers(self, pid):
        """GET /tiering/analytics/blockers (A2): criterion -> number of
        non-ended enrollments below the top for which that criterion of the
        next tier above the current one does not hold."""
        out = {}
        for (pp, o), e in sorted(self.enr.items()):
            if pp != pid or e.ended:
                continue
            rc = self.rk(pid, e.tier)
            nxt = next((t for t in self.tiers[pid] if t["rank"] > rc), None)
            if nxt is None:
                continue
            for tid, c, _v, met in self.values(e):
                if tid == nxt["id"] and not met:
                    out[c["id"]] = out.get(c["id"], 0) + 1
        return out


# ---------------------------------------------------------------- HTTP
class Api:
    def __init__(self, base, user, secret):
        self.base = base
        self.auth = self.basic(user, secret)
        self.calls = 0

    @staticmethod
    def basic(user, secret):
        import base64
        return "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()

    def req(self, method, path, body=None, auth=None, timeout=300):
        """-> (status, parsed JSON or text or None)"""
        self.calls += 1
        data = None
        headers = {"X-Experience-API-Version": "1.0.3", "Authorization": auth or self.auth}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        r = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(r, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        except (urllib.error.URLError, OSError) as e:
            return 0, "connection error: %s" % e
        txt = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(txt) if txt else None
        except ValueError:
            return status, txt

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def put(self, path, body, **kw):
        return self.req("PUT", path, body, **kw)

    def post(self, path, body, **kw):
        return self.req("POST", path, body, **kw)


def q(s):
    return urllib.parse.quote(s, safe="")


def short(v, n=300):
    s = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
    return s if len(s) <= n else s[:n] + "..."


# ---------------------------------------------------------------- checks
class Checks:
    def __init__(self):
        self.passed = 0
        self.failures = []

    def ok(self, what, expected, got, cond=None):
        good = (expected == got) if cond is None else bool(cond)
        if good:
            self.passed += 1
        else:
            self.failures.append((what, expected, got))
        return good

    def fail(self, what, expected, got):
        return self.ok(what, expected, got, False)


def same_instant(a_ms, s):
    if a_ms is None:
        return s is None
    b = parse_iso(s)
    return b is not None and abs(b - a_ms) <= 1


def money_eq(a, b):
    return isinstance(b, (int, float)) and not isinstance(b, bool) and abs(a - b) <= 0.01


def agent_mbox(a):
    return a.get("mbox") if isinstance(a, dict) else None


# ---------------------------------------------------------------- scenario
class Scenario:
    def __init__(self, world, api=None, checks=None, verbose=False):
        self.w = world
        self.m = Model(world.benefits, world.certs, world.programs, world.skill_profiles)
        # the what-if model (W1): the same world played with the draft
        # programs in place of the originals from the start
        self.shadow = Model(world.benefits, world.certs, world.drafts, world.skill_profiles)
        self.manual_pids = set()
        self.partner_auth = None
        self.n_sent = 0
        self.api = api
        self.c = checks or Checks()
        self.arng = random.Random(world.admin_seed)
        self.verbose = verbose
        self.mbox = [lr["mbox"] for lr in world.learners]
        self.by_mbox = {mb: i for i, mb in enumerate(self.mbox)}
        self.org_ids = [o["id"] for o in world.orgs]
        self.demotions_seen = 0
        self.admin_counts = {"approve": 0, "reject": 0, "custom": 0, "manual": 0, "roster": 0,
                             "recalculate": 0}
        self.step = 0
        self.tally = {}

    def count(self, key):
        self.tally[key] = self.tally.get(key, 0) + 1

    def log(self, msg):
        if self.verbose:
            print(msg, flush=True)

    @property
    def live(self):
        return self.api is not None

    # -- setup
    def org_def(self, j, members=None):
        o = self.w.orgs[j]
        d = {"name": o["name"], "account": {"homePage": CRM, "name": o["acct"]}}
        if members is not None:
            d["members"] = [{"agent": {"mbox": self.mbox[l]}, "role": r} if r else
                            {"agent": {"mbox": self.mbox[l]}} for l, r in members]
        return d

    def setup(self):
        w, m = self.w, self.m
        if self.live:
            st, body = self.api.get("/tiering/programs")
            if st == 404:
                self.c.fail("the tiering API answers (GET /tiering/programs)", 200, "404 %s" % short(body))
                return False
            first = {"cloud-skills": w.skill_profiles["cloud-skills"]}
            for kind, defs in (("benefits", w.benefits), ("certifications", w.certs),
                               ("skill-profiles", first), ("programs", w.programs)):
                for i, d in sorted(defs.items()):
                    st, body = self.api.put("/tiering/%s/%s" % (kind, i), d)
                    self.c.ok("PUT /tiering/%s/%s status" % (kind, i), 200, st)
                    if st == 200 and isinstance(body, dict):
                        self.c.ok("PUT /tiering/%s/%s answers its id" % (kind, i), i, body.get("id"))
                        self.c.ok("PUT /tiering/%s/%s answers the definition" % (kind, i), d.get("name"),
                                  (body.get("definition") or {}).get("name"))
            self.bad_input()
        for mm in (m, self.shadow):
            mm.define_profile("cloud-skills", w.skill_profiles["cloud-skills"])
        for j, o in enumerate(w.orgs):
            m.define_org(o["id"], {"homePage": CRM, "name": o["acct"]})
            self.shadow.define_org(o["id"], {"homePage": CRM, "name": o["acct"]})
        for j, o in enumerate(w.orgs):
            members = [(self.mbox[l], w.learners[l]["role"]) for l in w.rosters[j]]
            if self.live:
                st, body = self.api.put("/tiering/organizations/" + o["id"],
                                        self.org_def(j, [(l, w.learners[l]["role"]) for l in w.rosters[j]]))
                self.c.ok("PUT /tiering/organizations/%s status" % o["id"], 200, st)
            m.roster(o["id"], members)
            self.shadow.roster(o["id"], members)
        if self.live:
            self.bind()
        return True

    def bind(self):
        """Bind the partner credential to one organisation (B1)."""
        api, c = self.api, self.c
        org = self.org_ids[self.w.bound_org]
        st, body = api.put("/tiering/bindings/partner1", {"organization": org})
        c.ok("PUT /tiering/bindings/partner1 status", 204, st)
        st, body = api.get("/tiering/bindings/partner1")
        c.ok("GET /tiering/bindings/partner1", (200, {"credential": "partner1", "organization": org}),
             (st, body))

    def bad_input(self):
        api = self.api
        w = self.w
        bad = json.loads(json.dumps(w.programs["partner"]))
        bad["tiers"][1]["criteria"][1]["threshold"] = -5
        st, body = api.put("/tiering/programs/bad-threshold", bad)
        self.c.ok("negative threshold: status", 400, st)
        msg = (body or {}).get("message", "") if isinstance(body, dict) else str(body)
        self.c.ok("negative threshold: message names the path", "a message naming tiers, criteria, threshold",
                  msg, all(x in msg for x in ("tiers", "criteria", "threshold")))
        self.c.ok("negative threshold: error body has 'error'", True,
                  isinstance(body, dict) and "error" in body)
        st, body = api.get("/tiering/programs/bad-threshold")
        self.c.ok("rejected program definition stores nothing (GET 404)", 404, st)
        bad = json.loads(json.dumps(w.programs["partner"]))
        bad["tiers"][1]["criteria"][0]["type"] = "vibes"
        st, body = api.put("/tiering/programs/bad-type", bad)
        self.c.ok("unknown criterion type: status", 400, st)
        msg = (body or {}).get("message", "") if isinstance(body, dict) else str(body)
        self.c.ok("unknown criterion type: message names the path", "a message naming tiers, criteria, type",
                  msg, all(x in msg for x in ("tiers", "criteria", "type")))
        st, _ = api.get("/tiering/programs/no-such-program")
        self.c.ok("GET unknown program: status", 404, st)
        st, _ = api.get("/tiering/programs/no-such-program/enrollments/org01")
        self.c.ok("GET enrollment of unknown program: status", 404, st)
        st, _ = api.put("/tiering/programs/no-such-program/enrollments/org01/custom/x",
                        {"met": True, "reason": "x"})
        self.c.ok("PUT custom of unknown program: status", 404, st)
        if getattr(self, "reader_auth", None):
            st, _ = api.get("/tiering/programs", auth=self.reader_auth)
            self.c.ok("credential without tiering scope: GET /tiering/programs", 403, st)
            st, _ = api.put("/tiering/benefits/sneaky", {"name": "x", "type": "yesno"}, auth=self.reader_auth)
            self.c.ok("credential without tiering scope: PUT /tiering/benefits", 403, st)
            st, _ = api.get("/xapi/statements?limit=1", auth=self.reader_auth)
            self.c.ok("credential without tiering scope still reads statements", 200, st)
        st, _ = api.get("/tiering/programs", auth=Api.basic("test", "wrong-secret"))
        self.c.ok("wrong secret on /tiering/: status", 401, st)

    # -- one step
    def move_clock(self, k):
        to = self.w.steps[k]
        self.m.move_clock(to)
        self.shadow.move_clock(to)
        if self.live:
            st, body = self.api.post("/tiering/clock", {"to": iso(to)})
            self.c.ok("POST /tiering/clock to %s: status" % iso(to), 200, st, 200 <= st < 300)
            if k % 4 == 0 or k == N_STEPS:
                st, body = self.api.get("/tiering/clock")
                self.c.ok("GET /tiering/clock after step %d" % k, iso(to),
                          body.get("now") if isinstance(body, dict) else body,
                          isinstance(body, dict) and same_instant(to, body.get("now")))

    def post_batch(self, k):
        stmts = self.w.batches[k]
        for i in range(0, len(stmts), 500):
            chunk = stmts[i:i + 500]
            if self.live:
                st, body = self.api.post("/xapi/statements", chunk)
                if not self.c.ok("POST /xapi/statements (step %d, %d statements)" % (k, len(chunk)), 200, st):
                    self.c.failures[-1] = (self.c.failures[-1][0], 200, "%s %s" % (st, short(body)))
            for s in chunk:
                self.m.apply(s)
                self.shadow.apply(s)
            self.n_sent += len(chunk)

    def admin(self, k):
        m, w, arng = self.m, self.w, self.arng
        # recommendations
        pend = sorted((e.pid, e.org, e.pending) for e in m.enr.values() if e.pending is not None)
        ids = {}
        if self.live and pend:
            st, body = self.api.get("/tiering/recommendations")
            if st == 200 and isinstance(body, list):
                for r in body:
                    if isinstance(r, dict):
                        ids[(r.get("program"), r.get("organization"), r.get("tier"))] = r.get("id")
        for pid, org, tier in pend:
            r = arng.random()
            # half the organisations have a slow channel manager: their
            # recommendations wait for a look every eighth week
            if r >= 0.5 or (int(org[3:]) % 2 and k % 8):
                continue
            approve = r < 0.35
            if self.live:
                rid = ids.get((pid, org, tier))
                if rid is None:
                    self.c.fail("step %d: pending recommendation to decide" % k, (pid, org, tier), "absent")
                    continue
                st, body = self.api.post("/tiering/recommendations/%s" % q(str(rid)),
                                         {"approve": approve, "reason": "scenario step %d" % k})
                self.c.ok("POST /tiering/recommendations/%s (%s %s %s) status" % (rid, pid, org, tier), 200, st, 200 <= st < 300)
            m.decide_recommendation(pid, org, approve)
            self.admin_counts["approve" if approve else "reject"] += 1
        # custom criteria
        if k % 6 == 3:
            for (pid, org), e in sorted(m.enr.items()):
                if e.ended:
                    continue
                for _tid, c in m.crits[pid]:
                    if c["type"] != "custom":
                        continue
                    cur = m.custom.get((pid, org, c["id"]))
                    r = arng.random()
                    if cur is True:
                        if r >= 0.06:
                            continue
                        met = False
                    else:
                        if r >= 0.35:
                            continue
                        met = True
                    if self.live:
                        st, body = self.api.put("/tiering/programs/%s/enrollments/%s/custom/%s" % (pid, org, c["id"]),
                                                {"met": met, "reason": "review at step %d" % k})
                        self.c.ok("PUT custom %s/%s/%s status" % (pid, org, c["id"]), 200, st, 200 <= st < 300)
                    m.decide_custom(pid, org, c["id"], met)
                    if pid in self.shadow.programs:
                        self.shadow.decide_custom(pid, org, c["id"], met)
                    self.admin_counts["custom"] += 1
        # the roster change
        if k == w.roster_step:
            j = w.roster_org
            org = self.org_ids[j]
            cur = [(self.by_mbox[l], m.cur[l][1]) for l in sorted(m.members[org])
                   if w.roster_removed is None or l != self.mbox[w.roster_removed]]
            new = cur + [(l, w.learners[l]["role"]) for l in w.roster_added]
            if self.live:
                st, body = self.api.put("/tiering/organizations/" + org, self.org_def(j, new))
                self.c.ok("roster PUT /tiering/organizations/%s status" % org, 200, st, 200 <= st < 300)
            m.roster(org, [(self.mbox[l], r) for l, r in new])
            self.shadow.roster(org, [(self.mbox[l], r) for l, r in new])
            self.admin_counts["roster"] += 1
        # one manual tier edit
        if k == w.manual_edit_step:
            for pid in ("reseller", "partner"):
                top = m.tiers[pid][-1]["id"]
                cands = [e for (p, o), e in sorted(m.enr.items())
                         if p == pid and not e.ended and 0 < m.rk(pid, e.tier) < m.rk(pid, top)
                         and m.qualified(e) != top]
                if cands:
                    e = cands[0]
                    self.manual = (pid, e.org, top, e.tier)
                    if self.live:
                        st, body = self.api.put("/tiering/programs/%s/enrollments/%s" % (pid, e.org), {"tier": top})
                        self.c.ok("manual tier edit PUT %s/%s status" % (pid, e.org), 200, st, 200 <= st < 300)
                    m.manual_tier(pid, e.org, top)
                    if pid in self.shadow.programs:
                        self.shadow.manual_tier(pid, e.org, top)
                        self.manual_pids.add(pid)
                    self.admin_counts["manual"] += 1
                    break
        # one recalculation
        if k == w.recalc_step:
            act = [e for _k, e in sorted(m.enr.items()) if not e.ended]
            if act:
                e = act[0]
                m.evaluate_orgs({e.org})
                self.shadow.evaluate_orgs({e.org})
                if self.live:
                    st, body = self.api.post("/tiering/programs/%s/enrollments/%s/recalculate" % (e.pid, e.org), {})
                    self.c.ok("POST recalculate %s/%s status" % (e.pid, e.org), 200, st, 200 <= st < 300)
                    self.c.ok("recalculate %s/%s answers the standing's tier" % (e.pid, e.org), e.tier,
                              body.get("tier") if isinstance(body, dict) else body)
                self.admin_counts["recalculate"] += 1
        # the second skill profile, over evidence already stored (S5)
        if k == w.profile_step:
            d = w.skill_profiles["sales-skills"]
            if self.live:
                st, body = self.api.put("/tiering/skill-profiles/sales-skills", d)
                self.c.ok("PUT /tiering/skill-profiles/sales-skills (step %d) status" % k, 200, st)
                if st == 200 and isinstance(body, dict):
                    self.c.ok("PUT /tiering/skill-profiles/sales-skills answers the definition", d,
                              body.get("definition"))
            m.define_profile("sales-skills", d)
            self.shadow.define_profile("sales-skills", d)

    # -- checks against the engine
    def check_round(self, label):
        m, api, c = self.m, self.api, self.c
        # enrollments
        for pid in sorted(m.programs):
            st, body = api.get("/tiering/programs/%s/enrollments" % pid)
            want = sorted(o for (p, o) in m.enr if p == pid)
            got = sorted(s.get("organization") for s in body if isinstance(s, dict)) \
                if st == 200 and isinstance(body, list) else "%s %s" % (st, short(body))
            c.ok("%s: enrollments of %s" % (label, pid), want, got)
            for (p, org), e in sorted(m.enr.items()):
                if p == pid:
                    self.check_standing(label, e)
            never = [o for o in self.org_ids if (pid, o) not in m.enr][:2]
            for o in never:
                st, _ = api.get("/tiering/programs/%s/enrollments/%s" % (pid, o))
                c.ok("%s: GET never-enrolled %s/%s" % (label, pid, o), 404, st)
        # recommendations
        st, body = api.get("/tiering/recommendations")
        want = sorted((e.pid, e.org, e.pending) for e in m.enr.values() if e.pending is not None)
        got = sorted((r.get("program"), r.get("organization"), r.get("tier")) for r in body
                     if isinstance(r, dict)) if st == 200 and isinstance(body, list) else "%s %s" % (st, short(body))
        c.ok("%s: pending recommendations" % label, want, got)
        self.check_learners(label)
        self.check_holders(label)
        self.check_access(label)
        self.check_analytics(label)

    def check_analytics(self, label):
        """Leaderboard (A1) and blockers (A2) of every program."""
        m, c = self.m, self.c
        for pid in sorted(m.programs):
            what = "%s: leaderboard %s" % (label, pid)
            st, b = self.api.get("/tiering/analytics/leaderboard?program=" + pid)
            if c.ok(what + " status", 200, st) and isinstance(b, list):
                want = m.leaderboard(pid)
                rows = [x for x in b if isinstance(x, dict)]
                got = {x.get("organization"): x for x in rows}
                c.ok(what + " organisations", sorted(want), sorted(str(x.get("organization")) for x in rows))
                for o, (tier, rank, cents) in sorted(want.items()):
                    g = got.get(o)
                    if g is None:
                        continue
                    self.count("leaderboard rows checked")
                    c.ok("%s %s tier" % (what, o), tier, g.get("tier"))
                    c.ok("%s %s rank" % (what, o), rank, g.get("rank"),
                         g.get("rank") == rank or (rank == 0 and g.get("rank") is None))
                    c.ok("%s %s revenue" % (what, o), cents / 100.0, g.get("revenue"),
                         money_eq(cents / 100.0, g.get("revenue")))
                keys = [(x.get("rank") or 0, x.get("revenue") or 0) for x in rows]
                bad = [i for i in range(len(keys) - 1)
                       if keys[i][0] < keys[i + 1][0] or
                       (keys[i][0] == keys[i + 1][0] and keys[i][1] < keys[i + 1][1] - 0.005)]
                c.ok(what + " sorted by rank desc then revenue desc", [], [rows[i] for i in bad[:2]])
            what = "%s: blockers %s" % (label, pid)
            st, b = self.api.get("/tiering/analytics/blockers?program=" + pid)
            if c.ok(what + " status", 200, st) and isinstance(b, list):
                rows = [x for x in b if isinstance(x, dict)]
                self.count("blocker lists checked")
                c.ok(what, m.blockers(pid), {x.get("criterion"): x.get("blocked") for x in rows
                                             if x.get("blocked") != 0})
                n = [x.get("blocked") or 0 for x in rows]
                c.ok(what + " most first", sorted(n, reverse=True), n)

    def check_standing(self, label, e):
        m, c = self.m, self.c
        self.count("standings checked")
        what = "%s: %s/%s" % (label, e.pid, e.org)
        st, s = self.api.get("/tiering/programs/%s/enrollments/%s" % (e.pid, e.org))
        if not c.ok(what + " GET status", 200, st) or not isinstance(s, dict):
            return
        want = m.standing(e)
        c.ok(what + " tier", want["tier"], s.get("tier"))
        c.ok(what + " status", want["status"], s.get("status"))
        per = s.get("period") or {}
        c.ok(what + " period", list(want["period"]), [per.get("start"), per.get("end")])
        if e.ended:
            return
        c.ok(what + " qualified_tier", want["qualified_tier"], s.get("qualified_tier"))
        c.ok(what + " at_risk_since", None if want["at_risk_since"] is None else iso(want["at_risk_since"]),
             s.get("at_risk_since"), same_instant(want["at_risk_since"], s.get("at_risk_since")))
        ge = None if want["at_risk_since"] is None else \
            want["at_risk_since"] + m.programs[e.pid]["grace_days"] * MS_DAY
        c.ok(what + " grace_ends", None if ge is None else iso(ge), s.get("grace_ends"),
             same_instant(ge, s.get("grace_ends")))
        rec = s.get("recommendation")
        c.ok(what + " recommendation tier", want["recommendation"],
             rec.get("tier") if isinstance(rec, dict) else rec)
        c.ok(what + " unconverted", want["unconverted"], s.get("unconverted"))
        c.ok(what + " benefits", want["benefits"], s.get("benefits"),
             want["benefits"] == s.get("benefits") or (not want["benefits"] and s.get("benefits") is None))
        got = {x.get("id"): x for x in (s.get("criteria") or []) if isinstance(x, dict)}
        for cid, (typ, v, met) in sorted(want["criteria"].items()):
            g = got.get(cid)
            if g is None:
                c.fail(what + " criterion " + cid, "present", "missing")
                continue
            if typ == "revenue":
                c.ok(what + " " + cid + " value", round(v, 2), g.get("value"), money_eq(v, g.get("value")))
            elif typ != "custom":
                c.ok(what + " " + cid + " value", v, g.get("value"))
            c.ok(what + " " + cid + " met", met, g.get("met"))

    def learner_sample(self):
        if hasattr(self, "_sample"):
            return self._sample
        w = self.w
        r = random.Random(w.admin_seed ^ 0x5eed)
        pick = sorted(w.voided_exam_learners)[:12] + list(w.roster_added)
        if w.roster_removed is not None:
            pick.append(w.roster_removed)
        movers = [l for l, lr in enumerate(w.learners) if len(lr["events"]) >= 2]
        pick += r.sample(movers, min(20, len(movers)))
        rest = [l for l in range(w.n_learners) if l not in set(pick)]
        pick += r.sample(rest, max(0, 100 - len(pick)))
        self._sample = sorted(set(pick))
        return self._sample

    def check_learners(self, label):
        m, c = self.m, self.c
        for l in self.learner_sample():
            mb = self.mbox[l]
            if mb not in m.known_learners:
                continue
            what = "%s: learner %s" % (label, mb)
            self.count("learners checked")
            st, b = self.api.get("/tiering/learners?agent=" + q(json.dumps({"mbox": mb})))
            if not c.ok(what + " GET status", 200, st) or not isinstance(b, dict):
                continue
            org, role = m.cur.get(mb, (None, None))
            c.ok(what + " organization", org, b.get("organization"))
            c.ok(what + " role", role, b.get("role"))
            got = {x.get("id"): x for x in (b.get("certifications") or []) if isinstance(x, dict)}
            want = {cid: s for (ll, cid), s in m.cstate.items() if ll == mb and s.ever}
            c.ok(what + " certification ids", sorted(want), sorted(got))
            for cid, s in sorted(want.items()):
                g = got.get(cid)
                if g is None:
                    continue
                c.ok(what + " " + cid + " status", s.status, g.get("status"))
                c.ok(what + " " + cid + " awarded", iso(s.awarded), g.get("awarded"),
                     same_instant(s.awarded, g.get("awarded")))
                c.ok(what + " " + cid + " expires", iso(s.expires), g.get("expires"),
                     same_instant(s.expires, g.get("expires")))
            want = m.skills_of(mb)
            if want:
                self.count("learners checked with a skill level")
            c.ok(what + " skills", want,
                 sorted((x.get("profile"), x.get("skill"), x.get("level"))
                        for x in (b.get("skills") or []) if isinstance(x, dict))
                 if isinstance(b.get("skills"), list) else b.get("skills"))

    def check_holders(self, label):
        m, c = self.m, self.c
        for cid in sorted(m.certs):
            want = m.holders(cid)
            st, b = self.api.get("/tiering/certifications/%s/holders" % cid)
            if c.ok("%s: holders of %s status" % (label, cid), 200, st) and isinstance(b, list):
                c.ok("%s: holders of %s count" % (label, cid), len(want), len(b))
                c.ok("%s: holders of %s agents" % (label, cid), sorted(want),
                     sorted(str(agent_mbox(h.get("agent"))) for h in b if isinstance(h, dict)))
            before = m.now + 45 * MS_DAY + 500     # never equal to an expiry (whole seconds)
            n = sum(1 for s in want.values() if s.expires < before)
            st, b = self.api.get("/tiering/certifications/%s/holders?expiring_before=%s" % (cid, q(iso(before))))
            if c.ok("%s: holders of %s expiring_before status" % (label, cid), 200, st) and isinstance(b, list):
                c.ok("%s: holders of %s expiring before %s" % (label, cid, iso(before)), n, len(b))

    def access_iris(self, pid, tier, r):
        return "%s/%s/%s/module-%d" % (CONTENT, pid, tier, r.randint(1, 9))

    def check_access(self, label):
        m, c = self.m, self.c
        r = random.Random("%s/%d" % (label, self.w.admin_seed))
        probes = []
        with_org = sorted(l for l in m.cur if m.cur[l][0] is not None)
        for l in r.sample(with_org, min(30, len(with_org))):
            for pid in sorted(m.programs):
                e = m.enr.get((pid, m.cur[l][0]))
                if e is not None and not e.ended and e.tier is not None:
                    probes.append((l, self.access_iris(pid, e.tier, r)))
                t = r.choice(m.tiers[pid])["id"]
                probes.append((l, self.access_iris(pid, t, r)))
        # the gold playbook (an `activities` entry) and some learner with no org
        if with_org:
            probes.append((r.choice(with_org), CONTENT + "/partner-playbook/gold"))
        no_org = sorted(l for l in m.cur if m.cur[l][0] is None)
        if no_org:
            probes.append((r.choice(no_org), self.access_iris("partner", "silver", r)))
        # organisations demoted since the last round: their lost tier's content
        for pid, org, frm, to, at in m.demotions[self.demotions_seen:]:
            if frm is None:
                continue
            for l in sorted(m.members.get(org, ()))[:2]:
                probes.append((l, self.access_iris(pid, frm, r)))
                self.count("access probes of a lost tier after a demotion")
        self.demotions_seen = len(m.demotions)
        # ended enrollments
        for (pid, org), e in sorted(m.enr.items()):
            if e.ended and e.tier is not None:
                for l in sorted(m.members.get(org, ()))[:1]:
                    probes.append((l, self.access_iris(pid, e.tier, r)))
        for l, iri in probes:
            want = m.access(l, iri)
            what = "%s: access %s %s" % (label, l, iri)
            st, b = self.api.get("/tiering/access?agent=%s&activityId=%s" % (q(json.dumps({"mbox": l})), q(iri)))
            if not c.ok(what + " status", 200, st) or not isinstance(b, dict):
                continue
            c.ok(what + " allowed", want[0], b.get("allowed"))
            self.count("access probes expecting allowed=%s" % str(want[0]).lower())
            if want[0] and b.get("allowed") is True:
                c.ok(what + " program/tier/benefit", list(want[1:]),
                     [b.get("program"), b.get("tier"), b.get("benefit")])

    # -- what-if (W1-W4)
    def whatif_expect(self, pid):
        today, t_tiers = self.m.distribution(pid)
        draft, d_tiers = self.shadow.distribution(pid)
        moves = {}
        for o in sorted(set(t_tiers) | set(d_tiers)):
            if (o in t_tiers) != (o in d_tiers) or t_tiers.get(o) != d_tiers.get(o):
                moves[o] = (t_tiers.get(o), d_tiers.get(o))
        return today, draft, moves

    def whatif_programs(self):
        """Automatic programs with no manual tier edit (W3)."""
        return [p for p in sorted(self.shadow.programs) if p not in self.manual_pids]

    def engine_snapshot(self):
        out = []
        for path in ["/tiering/programs/%s/enrollments" % p for p in sorted(self.m.programs)] + \
                ["/tiering/recommendations", "/tiering/programs", "/tiering/clock"]:
            out.append((path,) + tuple(self.api.get(path)))
        return out

    def check_whatif(self, label):
        api, c = self.api, self.c
        if not getattr(self, "_whatif_bad_done", False):
            self._whatif_bad_done = True
            bad = json.loads(json.dumps(self.w.drafts["partner"]))
            bad["tiers"][1]["criteria"][0]["threshold"] = -1
            st, body = api.post("/tiering/programs/partner/what-if", bad)
            c.ok("what-if with an invalid draft: status", 400, st)
            msg = (body or {}).get("message", "") if isinstance(body, dict) else str(body)
            c.ok("what-if with an invalid draft: message names the path", "tiers, criteria, threshold",
                 msg, all(x in msg for x in ("tiers", "criteria", "threshold")))
        for pid in self.whatif_programs():
            what = "%s: what-if %s" % (label, pid)
            today, draft, moves = self.whatif_expect(pid)
            self.count("what-ifs")
            self.log("%s: today %s draft %s, %d moves" % (what, today, draft, len(moves)))
            before = self.engine_snapshot()
            st, b = api.post("/tiering/programs/%s/what-if" % pid, self.w.drafts[pid])
            after = self.engine_snapshot()
            diff = [x[0] for x, y in zip(before, after) if x != y]
            c.ok(what + " changes nothing in the engine (GETs before and after)", [], diff)
            if not c.ok(what + " status", 200, st) or not isinstance(b, dict):
                c.failures[-1] = (c.failures[-1][0], 200, "%s %s" % (st, short(b)))
                continue
            c.ok(what + " program", pid, b.get("program"))
            c.ok(what + " statements folded (at least those the scenario posted)", ">= %d" % self.n_sent,
                 b.get("statements"), isinstance(b.get("statements"), (int, float))
                 and b.get("statements") >= self.n_sent)
            c.ok(what + " today", today, b.get("today"))
            c.ok(what + " draft", draft, b.get("draft"))
            rows = [x for x in (b.get("moves") or []) if isinstance(x, dict)]
            got = {x.get("organization"): (x.get("from"), x.get("to")) for x in rows}
            c.ok(what + " moves", moves, got)
            c.ok(what + " moves listed once each", len(got), len(rows))

    # -- the credential bound to one organisation (B1-B4)
    def check_partner(self, label):
        m, w, api, c = self.m, self.w, self.api, self.c
        pa = self.partner_auth
        if not pa:
            return
        org = self.org_ids[w.bound_org]
        what = "%s: bound credential (%s)" % (label, org)
        self.count("bound-credential rounds")

        def same(path, name=None):
            sa, ba = api.get(path)
            sp, bp = api.get(path, auth=pa)
            c.ok("%s GET %s as admin and as partner" % (what, name or path), (sa, ba), (sp, bp))
            return sp, bp

        def forbidden(method, path, body=None):
            st, _ = api.req(method, path, body, auth=pa)
            self.count("bound-credential requests expecting 403")
            c.ok("%s %s %s" % (what, method, path), 403, st)

        # definitions and the clock read like the admin's
        for path in ("/tiering/programs", "/tiering/benefits", "/tiering/benefits/portal",
                     "/tiering/benefits/partner-content", "/tiering/clock") + \
                tuple("/tiering/programs/" + p for p in sorted(m.programs)):
            same(path)
        # standings: its own, and nobody else's
        for pid in sorted(m.programs):
            base = "/tiering/programs/%s/enrollments" % pid
            mine = (pid, org) in m.enr
            st, b = same(base + "/" + org)
            c.ok("%s own standing in %s status (model)" % (what, pid), 200 if mine else 404, st)
            st, b = api.get(base, auth=pa)
            got = sorted(str(x.get("organization")) for x in b if isinstance(x, dict)) \
                if st == 200 and isinstance(b, list) else "%s %s" % (st, short(b))
            c.ok("%s enrollments of %s list only its own" % (what, pid), [org] if mine else [], got)
            if mine and st == 200 and isinstance(b, list) and b:
                sa, ba = api.get(base + "/" + org)
                c.ok("%s enrollments of %s: its standing as the admin sees it" % (what, pid), ba, b[0])
            others = [o for (p, o) in sorted(m.enr) if p == pid and o != org][:2]
            for o in others:
                forbidden("GET", base + "/" + o)
            never = [o for o in self.org_ids if (pid, o) not in m.enr and o != org][:1]
            for o in never:
                forbidden("GET", base + "/" + o)
        # learners: its members now, nobody else
        members = sorted(m.members.get(org, ()))
        for l in members:
            self.count("bound-credential learner reads")
            sp, bp = same("/tiering/learners?agent=" + q(json.dumps({"mbox": l})), "learner " + l)
            c.ok("%s learner %s organization" % (what, l), org, bp.get("organization") if isinstance(bp, dict) else bp)
        r = random.Random("%s/partner/%d" % (label, w.admin_seed))
        outsiders = sorted(l for l in m.cur if m.cur[l][0] != org)
        former = sorted(l for l in outsiders if any(x[2] == org for x in m.mev.get(l, ())))
        probe_out = former[:3] + r.sample(outsiders, min(6, len(outsiders)))
        probe_out.append("mailto:nobody-%d@nowhere.example.com" % r.randint(1, 10 ** 6))
        for l in probe_out:
            forbidden("GET", "/tiering/learners?agent=" + q(json.dumps({"mbox": l})))
        # holders: its members now only
        for cid in sorted(m.certs):
            st, b = api.get("/tiering/certifications/%s/holders" % cid, auth=pa)
            want = sorted(l for l in m.holders(cid) if l in m.members.get(org, ()))
            got = sorted(str(agent_mbox(h.get("agent"))) for h in b if isinstance(h, dict)) \
                if st == 200 and isinstance(b, list) else "%s %s" % (st, short(b))
            c.ok("%s holders of %s: its members only" % (what, cid), want, got)
        # access: its members only
        for l in r.sample(members, min(6, len(members))):
            for pid in sorted(m.programs):
                e = m.enr.get((pid, org))
                t = e.tier if e is not None and e.tier else r.choice(m.tiers[pid])["id"]
                iri = self.access_iris(pid, t, r)
                path = "/tiering/access?agent=%s&activityId=%s" % (q(json.dumps({"mbox": l})), q(iri))
                st, b = same(path, "access %s %s" % (l, iri))
                want = m.access(l, iri)
                c.ok("%s access %s %s allowed (model)" % (what, l, iri), want[0],
                     b.get("allowed") if isinstance(b, dict) else b)
        for l in probe_out[:4]:
            forbidden("GET", "/tiering/access?agent=%s&activityId=%s" % (
                q(json.dumps({"mbox": l})), q(self.access_iris("partner", "silver", r))))
        # everything else
        own = [p for p in sorted(m.programs) if (p, org) in m.enr and not m.enr[(p, org)].ended]
        for path in ("/tiering/recommendations", "/tiering/organizations", "/tiering/organizations/" + org,
                     "/tiering/bindings", "/tiering/bindings/partner1", "/tiering/certifications",
                     "/tiering/certifications/sales-cert", "/tiering/skill-profiles",
                     "/tiering/skill-profiles/cloud-skills", "/tiering/analytics/leaderboard?program=partner",
                     "/tiering/analytics/blockers?program=partner"):
            forbidden("GET", path)
        forbidden("PUT", "/tiering/benefits/partner-sneaky", {"name": "x", "type": "yesno"})
        forbidden("DELETE", "/tiering/benefits/portal")
        forbidden("PUT", "/tiering/bindings/partner1", {"organization": org})
        forbidden("DELETE", "/tiering/bindings/partner1")
        forbidden("POST", "/tiering/programs/partner/what-if", self.w.drafts["partner"])
        forbidden("POST", "/tiering/clock", {"to": iso(m.now)})
        forbidden("POST", "/tiering/recommendations/x", {"approve": True, "reason": "me"})
        forbidden("PUT", "/tiering/organizations/" + org,
                  self.org_def(w.bound_org, [(self.by_mbox[l], m.cur[l][1]) for l in members]))
        for pid in own:
            e = m.enr[(pid, org)]
            base = "/tiering/programs/%s/enrollments/%s" % (pid, org)
            forbidden("PUT", base, {"tier": e.tier} if e.tier else {})
            forbidden("POST", base + "/recalculate", {})
            cust = [cc["id"] for _t, cc in m.crits[pid] if cc["type"] == "custom"]
            if cust:
                forbidden("PUT", base + "/custom/" + cust[0], {"met": True, "reason": "self-assessed"})
        st, _ = api.get("/tiering/benefits/partner-sneaky")
        c.ok("%s: the refused PUT stored nothing (admin GET 404)" % what, 404, st)
        st, _ = api.get("/tiering/bindings/partner1")
        c.ok("%s: the binding survives the refused DELETE" % what, 200, st)
        st, _ = api.get("/xapi/statements?limit=1", auth=pa)
        c.ok("%s: a tiering-only credential reads no statements" % what, 403, st)

    def final_checks(self):
        m, api, c = self.m, self.api, self.c
        # organisation rosters now
        for j, oid in enumerate(self.org_ids):
            st, b = api.get("/tiering/organizations/" + oid)
            if not c.ok("final: GET organization %s status" % oid, 200, st) or not isinstance(b, dict):
                continue
            want = sorted((l, m.cur[l][1] or "") for l in m.members[oid])
            got = sorted((str(agent_mbox(x.get("agent"))), x.get("role") or "") for x in (b.get("members") or [])
                         if isinstance(x, dict))
            c.ok("final: members of %s" % oid, want, got)
        # outcome statements
        expected = {}
        for kind, n in m.outcomes.items():
            expected[KIND_VERB[kind]] = expected.get(KIND_VERB[kind], 0) + n
        ids = []
        for key, verb in sorted(OUTCOME_VERBS.items()):
            stmts, path, pages = [], "/xapi/statements?verb=" + q(verb), 0
            while path and pages < 2000:
                st, b = api.get(path)
                pages += 1
                if not c.ok("final: GET outcome statements %s status" % key, 200, st) or not isinstance(b, dict):
                    break
                stmts += b.get("statements") or []
                path = b.get("more") or ""
                if path.startswith("http"):
                    path = "/" + path.split("/", 3)[3]
            c.ok("final: outcome count %s" % key, expected.get(key, 0), len(stmts))
            if key == "leveled":
                self.check_leveled(stmts)
            bad_ref = [s.get("id") for s in stmts
                       if ((s.get("context") or {}).get("statement") or {}).get("objectType") != "StatementRef"]
            c.ok("final: %s outcomes without context.statement StatementRef" % key, [], bad_ref[:5])
            bad_auth = [s.get("id") for s in stmts
                        if ((s.get("authority") or {}).get("account") or {}).get("name") != "lrsd-tiering"]
            c.ok("final: %s outcomes whose authority is not lrsd-tiering" % key, [], bad_auth[:5])
            bad_actor = [s.get("id") for s in stmts
                         if ((s.get("actor") or {}).get("account") or {}).get("name") != "lrsd-tiering"]
            c.ok("final: %s outcomes whose actor is not lrsd-tiering" % key, [], bad_actor[:5])
            ids += [s.get("id") for s in stmts]
        c.ok("final: outcome statement ids are unique", len(ids), len(set(ids)))

    def check_leveled(self, stmts):
        """Each `leveled` outcome: subject, profile, skill, from, level (S3)."""
        got = []
        bad_obj = []
        for s in stmts:
            o = ((s.get("result") or {}).get("extensions") or {}).get(X_OUTCOME) or {}
            subj = ((s.get("context") or {}).get("extensions") or {}).get(X_SUBJECT) or {}
            got.append((str(agent_mbox(subj)), str(o.get("profile")), str(o.get("skill")),
                        str(o.get("from")), str(o.get("level"))))
            oid = "%s/skill-profiles/%s/skills/%s" % (NS, o.get("profile"), o.get("skill"))
            if (s.get("object") or {}).get("id") != oid:
                bad_obj.append(s.get("id"))
        want = sorted(tuple(str(x) for x in t) for t in self.m.leveled)
        got.sort()
        c = self.c
        c.ok("final: leveled outcomes (learner, profile, skill, from, level) as a multiset",
             len(want), len(got), want == got)
        if want != got:
            import collections
            a, b = collections.Counter(want), collections.Counter(got)
            c.failures[-1] = (c.failures[-1][0], "missing from the engine: %s" % short(sorted((a - b).elements())[:6]),
                              "unexpected: %s" % short(sorted((b - a).elements())[:6]))
        c.ok("final: leveled outcomes whose object is not NS/skill-profiles/{p}/skills/{skill}", [], bad_obj[:5])

    # -- the whole run
    def run(self, self_check_at=()):
        if not self.setup():
            return
        w = self.w
        t0 = time.time()
        for k in range(1, N_STEPS + 1):
            self.step = k
            self.move_clock(k)
            self.post_batch(k)
            self.admin(k)
            if k in self_check_at:
                print(self.self_check(k))
            label = "step %d (%s)" % (k, iso(w.steps[k])[:10])
            if self.live and (k % 4 == 0 or k == N_STEPS):
                self.check_round(label)
            if self.live and (k in w.whatif_steps or k == N_STEPS):
                self.check_whatif(label)
            if self.live and (k in w.partner_steps or k == N_STEPS):
                self.check_partner(label)
            self.log("step %2d %s  statements %5d  %.1fs  failures %d" % (
                k, iso(w.steps[k])[:16], len(w.batches[k]), time.time() - t0, len(self.c.failures)))
        if self.live:
            self.final_checks()

    def self_check(self, upto=N_STEPS):
        """Dry run: recount the values by brute force over every statement
        sent in steps 1..upto (membership rebuilt from those statements and
        the rosters) and compare with the model's running sums and awards."""
        m, w = self.m, self.w
        sent = [s for k in range(1, upto + 1) for s in w.batches[k]]
        voided = {s["object"]["id"] for s in sent if s["verb"]["id"] == V_VOIDED}
        mem = {}          # mbox -> [(ts, order, org)]
        for j, ls in w.rosters.items():
            for l in ls:
                mem.setdefault(self.mbox[l], []).append((C0, -1, self.org_ids[j]))
        for i, s in enumerate(sent):
            if s["verb"]["id"] in (V_JOIN, V_LEAVE):
                org = m.org_of_group(s["object"]) if s["verb"]["id"] == V_JOIN else None
                mem.setdefault(s["actor"]["mbox"], []).append((parse_iso(s["timestamp"]), i, org))
        if upto >= w.roster_step:
            c = w.steps[w.roster_step]
            i = sum(len(w.batches[k]) for k in range(1, w.roster_step + 1))
            if w.roster_removed is not None:
                mem[self.mbox[w.roster_removed]].append((c, i, None))
            for l in w.roster_added:
                mem.setdefault(self.mbox[l], []).append((c, i, self.org_ids[w.roster_org]))
        for v in mem.values():
            v.sort(key=lambda x: (x[0], x[1]))
        bad = 0
        checked = 0
        deals = [s for s in sent if s["id"] not in voided and s["verb"]["id"] != V_VOIDED
                 and ((s["object"].get("definition") or {}).get("type") == T_DEAL)]
        by_org = {}
        for s in deals:
            a = m.org_of_group(s["actor"]) or m.org_of_group((s.get("context") or {}).get("team"))
            ts = parse_iso(s["timestamp"])
            if a is None:
                evs = [x for x in mem.get(s["actor"].get("mbox"), []) if x[0] <= ts]
                a = evs[-1][2] if evs else None
            by_org.setdefault(a, []).append((day_of(ts), s))
        for (pid, org), e in sorted(m.enr.items()):
            if e.ended:
                continue
            p = m.programs[pid]
            for _tid, c in m.crits[pid]:
                if c["type"] not in EVENT_TYPES:
                    continue
                total = 0
                for d, s in by_org.get(org, ()):
                    if not (e.start <= d <= e.end):
                        continue
                    if s["verb"]["id"] not in (c.get("verbs") or [EVENT_TYPES[c["type"]]]):
                        continue
                    ce = (s.get("context") or {}).get("extensions") or {}
                    de = s["object"]["definition"].get("extensions") or {}
                    re_ = (s.get("result") or {}).get("extensions") or {}
                    f = c.get("filters") or {}
                    if "product_line" in f and ce.get(X_PL, de.get(X_PL)) != f["product_line"]:
                        continue
                    if "region" in f and ce.get(X_REGION, de.get(X_REGION)) != f["region"]:
                        continue
                    if any({**de, **re_, **ce}.get(k) != v for k, v in (f.get("extensions") or {}).items()):
                        continue
                    if c["type"] == "revenue":
                        cur = re_.get(X_CURRENCY)
                        rate = 1 if cur == p["currency"] else p["rates"].get(cur)
                        if rate is not None:
                            total += int(round(re_[X_AMOUNT] * rate * 100))
                    else:
                        total += 1
                checked += 1
                if total != e.sums[c["id"]]:
                    bad += 1
                    print("self-check: %s/%s %s running %s, recount %s" % (pid, org, c["id"], e.sums[c["id"]], total))
        for (l, cid), st in sorted(m.cstate.items()):
            checked += 1
            if st.status != "revoked" and st.rec != m.derive(l, cid):
                bad += 1
                print("self-check: %s %s award %s, derived %s" % (l, cid, st.rec, m.derive(l, cid)))
        for l, v in sorted(mem.items()):
            checked += 1
            if m.cur.get(l, (None, None))[0] != v[-1][2]:
                bad += 1
                print("self-check: %s member of %s, recount %s" % (l, m.cur.get(l), v[-1][2]))
        # skill levels: the highest level any non-voided statement reaches
        best = {}
        for s in sent:
            if s["id"] in voided or s["verb"]["id"] == V_VOIDED or "mbox" not in s["actor"]:
                continue
            sc = ((s.get("result") or {}).get("score") or {}).get("scaled")
            for pid, sk in m.skill_keys:
                for r in sk.get("raises", []):
                    if r["activity"] != s["object"].get("id"):
                        continue
                    lv = [sk["levels"].index(b["level"]) for b in r.get("bands", [])
                          if sc is not None and sc >= b["min_score"] - 1e-12]
                    if "level" in r and s["verb"]["id"] in (V_COMPLETED, V_PASSED):
                        lv.append(sk["levels"].index(r["level"]))
                    key = (s["actor"]["mbox"], pid, sk["id"])
                    if lv and max(lv) > best.get(key, -1):
                        best[key] = max(lv)
        for key in sorted(set(best) | {k for k, v in m.levels.items() if v is not None}):
            checked += 1
            if best.get(key) != m.levels.get(key):
                bad += 1
                print("self-check: %s level %s, recount %s" % (key, m.levels.get(key), best.get(key)))
        return "self-check after step %d: %d running values, awards, memberships and skill levels recounted " \
            "by brute force, %d differ" % (upto, checked, bad)

    def summary(self):
        m, w = self.m, self.w
        lines = []
        kinds = {}
        for b in w.batches.values():
            for s in b:
                v = s["verb"]["id"].rsplit("/", 1)[1]
                kinds[v] = kinds.get(v, 0) + 1
        lines.append("world: seed %d, scale %g: %d organisations, %d learners, %d statements in %d steps "
                     "(%s .. %s)" % (w.seed, w.scale, w.n_orgs, w.n_learners, w.n_statements, N_STEPS,
                                     iso(w.steps[0])[:10], iso(w.steps[-1])[:10]))
        lines.append("statements by verb: " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
        lines.append("late membership statements %d, voided deal statements %d, voided exam passes %d, "
                     "agreements %d" % (w.n_late_membership, w.n_deal_voids, w.n_exam_voids, w.n_agreements))
        lines.append("admin acts: " + ", ".join("%s %d" % kv for kv in sorted(self.admin_counts.items())))
        if hasattr(self, "manual"):
            lines.append("manual tier edit: %s/%s to %s (was %s)" % self.manual)
        for pid in sorted(m.programs):
            p = m.programs[pid]
            dist = {}
            for (pp, o), e in m.enr.items():
                if pp != pid:
                    continue
                st = m.standing(e)["status"]
                key = "%s:%s" % (e.tier or "none", st)
                dist[key] = dist.get(key, 0) + 1
            lines.append("program %s (%s, renew %s, grace %d): %d enrollments; tier:status %s" % (
                pid, p["policy"], p["renew"], p["grace_days"], sum(dist.values()),
                ", ".join("%s %d" % kv for kv in sorted(dist.items()))))
            lines.append("  " + " ".join("%s:%s%s" % (o, e.tier or "-", "!" if e.ended else ("?" if e.since else ""))
                                         for (pp, o), e in sorted(m.enr.items()) if pp == pid))
            pend = sorted((e.org, e.pending) for (pp, o), e in m.enr.items() if pp == pid and e.pending)
            if pend:
                lines.append("  pending recommendations: " + ", ".join("%s->%s" % x for x in pend))
        for cid in sorted(m.certs):
            st = {}
            for (l, c), s in m.cstate.items():
                if c == cid and s.ever:
                    st[s.status] = st.get(s.status, 0) + 1
            lines.append("certification %s: %s" % (cid, ", ".join("%s %d" % kv for kv in sorted(st.items()))))
        lines.append("(org:tier, ! ended, ? at-risk)")
        lines.append("outcomes: " + ", ".join("%s %d" % kv for kv in sorted(m.outcomes.items())))
        exp = {}
        for kind, n in m.outcomes.items():
            exp[KIND_VERB[kind]] = exp.get(KIND_VERB[kind], 0) + n
        lines.append("outcome statements by verb: " + ", ".join("%s %d" % kv for kv in sorted(exp.items())))
        for pid, sk in m.skill_keys:
            dist = {}
            for (l, p, s), lv in m.levels.items():
                if p == pid and s == sk["id"] and lv is not None:
                    dist[sk["levels"][lv]] = dist.get(sk["levels"][lv], 0) + 1
            lines.append("skill %s/%s: %s" % (pid, sk["id"], ", ".join("%s %d" % kv for kv in sorted(dist.items()))))
        vals = []
        for (pid, o), e in sorted(m.enr.items()):
            if pid == "partner" and not e.ended:
                vals += [v for _t, cc, v, _met in m.values(e) if cc["id"] == "gold-deploy"]
        lines.append("gold-deploy values now (threshold %d): %s" % (GOLD_DEPLOY, sorted(vals)))
        for pid in self.whatif_programs():
            today, draft, moves = self.whatif_expect(pid)
            lines.append("what-if %s now: today %s, draft %s, %d moves" % (pid, today, draft, len(moves)))
        for pid in sorted(m.programs):
            lines.append("blockers %s: %s" % (pid, m.blockers(pid)))
        lines.append("bound organisation %s, %d members now" % (
            self.org_ids[w.bound_org], len(m.members.get(self.org_ids[w.bound_org], ()))))
        lines.append("members now: %d of %d learners in an organisation" % (
            sum(len(v) for v in m.members.values()), w.n_learners))
        if self.tally:
            lines.append("checked: " + ", ".join("%s %d" % kv for kv in sorted(self.tally.items())))
        return "\n".join(lines)


# ---------------------------------------------------------------- server
class Server:
    def __init__(self, lrsd, tmp, simulated=True):
        self.lrsd = os.path.abspath(lrsd)
        self.tmp = tmp
        self.data = os.path.join(tmp, "data")
        self.logpath = os.path.join(tmp, "server.log")
        self.simulated = simulated
        self.proc = None
        self.port = None

    @staticmethod
    def free_port():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        return p

    def start(self):
        self.port = self.free_port()
        cmd = [self.lrsd, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data", self.data,
               "--admin", "test:testsecret1"]
        if self.simulated:
            cmd += ["--simulated-clock", "2026-01-01T00:00:00Z"]
        self.log = open(self.logpath, "ab")
        self.log.write(("$ %s\n" % " ".join(cmd)).encode())
        self.log.flush()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        base = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(base + "/xapi/about", timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        """SIGTERM and wait; the exit status (0 when it stopped cleanly: a
        sanitizer report or a crash gives another), None when not running."""
        rc = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        elif self.proc is not None:
            rc = self.proc.returncode
        self.proc = None
        return rc

    def tail(self, n=40):
        try:
            with open(self.logpath, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no log)"

    def credential(self, key, secret, scopes):
        r = subprocess.run([self.lrsd, "credential", "add", key, secret, "--scopes", scopes,
                            "--data", self.data], capture_output=True, text=True, timeout=60)
        return r.returncode, (r.stdout + r.stderr).strip()


# ---------------------------------------------------------------- main
def report(checks, server=None, shown=30):
    for what, exp, got in checks.failures[:shown]:
        print("FAIL %s\n     expected: %s\n     got:      %s" % (what, short(exp), short(got)))
    if len(checks.failures) > shown:
        print("... and %d more failures" % (len(checks.failures) - shown))
    if checks.failures and server is not None:
        print("---- server log (tail) %s" % server.logpath)
        print(server.tail())
        print("----")
    print("%d passed, %d failed" % (checks.passed, len(checks.failures)))
    return 0 if not checks.failures else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lrsd", help="path of the lrsd binary")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--dry-run", action="store_true", help="model only, no server: print a summary")
    ap.add_argument("--lrs-only", action="store_true",
                    help="post the generated statements to a server without the engine")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--show", type=int, default=30, metavar="N", help="print the first N failures (30)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    t0 = time.time()
    world = World(a.seed, a.scale)
    if a.verbose:
        print("generated %d statements in %.1fs" % (world.n_statements, time.time() - t0), flush=True)
    if a.dry_run:
        sc = Scenario(world, verbose=a.verbose)
        sc.run(self_check_at=(26, 50))
        print(sc.summary())
        print(sc.self_check())
        print("(dry run: model only, %.1fs)" % (time.time() - t0))
        return 0
    if not a.lrsd:
        ap.error("--lrsd is required unless --dry-run")
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="lrsd-tiering-")
    server = Server(a.lrsd, tmp, simulated=not a.lrs_only)
    try:
        play(a, world, server, checks, t0)
    except Exception:
        import traceback
        traceback.print_exc()
        checks.fail("the scenario ran to its end", "no exception", traceback.format_exc().splitlines()[-1])
    finally:
        rc = server.stop()
    checks.ok("the server stops cleanly after the scenario (exit status)", 0, rc)
    if a.keep or checks.failures:
        print("server data and log kept in %s" % tmp)
    else:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return report(checks, server, a.show)


def play(a, world, server, checks, t0):
    if not server.start():
        checks.fail("server starts and answers GET /xapi/about", 200,
                    "no answer (exit %s)" % (server.proc.poll() if server.proc else "?"))
        return
    api = Api(server.base, "test", "testsecret1")
    if a.lrs_only:
        for k in range(1, N_STEPS + 1):
            stmts = world.batches[k]
            for i in range(0, len(stmts), 500):
                st, body = api.post("/xapi/statements", stmts[i:i + 500])
                n = len(body) if isinstance(body, list) else -1
                checks.ok("step %d: POST %d statements" % (k, len(stmts[i:i + 500])),
                          (200, len(stmts[i:i + 500])), (st, n if st == 200 else short(body)))
        return
    sc = Scenario(world, api, checks, verbose=a.verbose)
    code, out = server.credential("reader", "readersecret1", "statements/read")
    if code != 0:
        # the CLI may need the store to itself: stop, add, start again
        server.stop()
        code, out2 = server.credential("reader", "readersecret1", "statements/read")
        out += " / after stopping the server: " + out2
        if not server.start():
            checks.fail("server restarts after adding a credential", 200, "no answer")
            return
        api.base = server.base
    if checks.ok("lrsd credential add reader --scopes statements/read", 0, code, code == 0):
        sc.reader_auth = Api.basic("reader", "readersecret1")
    else:
        checks.failures[-1] = (checks.failures[-1][0], 0, "%s: %s" % (code, out))
    code, out = server.credential("partner1", "partnersecret1", "tiering")
    if code != 0:
        server.stop()
        code, out2 = server.credential("partner1", "partnersecret1", "tiering")
        out += " / after stopping the server: " + out2
        if not server.start():
            checks.fail("server restarts after adding a credential", 200, "no answer")
            return
        api.base = server.base
    if checks.ok("lrsd credential add partner1 --scopes tiering", 0, code, code == 0):
        sc.partner_auth = Api.basic("partner1", "partnersecret1")
    else:
        checks.failures[-1] = (checks.failures[-1][0], 0, "%s: %s" % (code, out))
    sc.run()
    if a.verbose:
        print(sc.summary())
        print("%d HTTP calls, %.0fs" % (api.calls, time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
