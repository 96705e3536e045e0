// Seed a live lrsd for the console tests through its HTTP APIs only:
// benefits, a certification, an approval-policy program with three tiers,
// three organisations with rosters, their agreements, deals, course
// completions (so acme qualifies for gold and a recommendation waits),
// 130 plain statements to page through, one with an attachment, one
// voided, and a partner credential bound to acme.
//
//   node seed.mjs http://127.0.0.1:8080 KEY:SECRET     (by hand)
//
// The engine clock should be simulated at CLOCK (lrsd serve
// --simulated-clock 2026-06-15T00:00:00Z) for the dates to mean what the
// tests expect.
import crypto from "node:crypto";

export const NS = "https://lrsd.dev/xapi/tiering";
export const CLOCK = "2026-06-15T00:00:00Z";
export const CRM = "https://crm.example.com";
export const AGREEMENT = "https://example.com/agreements/partner";
export const COURSE = "https://example.com/courses/sales-101";
export const PARTNER = { key: "partner-acme", secret: "partner-acme-secret", organization: "acme" };
export const PLAIN = 130;	/* "experienced" statements */
export const COMPLETED = 3;	/* completions of COURSE */

export const ORGS = {
	acme: { name: "Acme Corp", members: ["ann", "bob", "cid"] },
	globex: { name: "Globex", members: ["gus", "gil"] },
	initech: { name: "Initech", members: ["ivy"] },
};
export const mbox = (who) => `mailto:${who}@example.com`;
const group = (org) => ({ objectType: "Group", account: { homePage: CRM, name: org } });

export const PROGRAM = {
	name: "Partner Program", currency: "USD", period_days: 365, renew: true,
	policy: "approval", grace_days: 30, agreement: AGREEMENT, enroll_entry_tier: true,
	tiers: [
		{ id: "silver", name: "Silver", rank: 1, badge: "https://example.com/badges/silver.png",
		  criteria: [], benefits: { portal: true, discount: 10 } },
		{ id: "gold", name: "Gold", rank: 2, badge: "https://example.com/badges/gold.png",
		  criteria: [
			{ id: "gold-certified", type: "certifications", threshold: 2, certification: "sales-cert" },
			{ id: "gold-revenue", type: "revenue", threshold: 50000 }],
		  benefits: { portal: true, discount: 20, mdf: 5000 } },
		{ id: "platinum", name: "Platinum", rank: 3, badge: "https://example.com/badges/platinum.png",
		  criteria: [
			{ id: "plat-certified", type: "certifications", threshold: 4, certification: "sales-cert" },
			{ id: "plat-revenue", type: "revenue", threshold: 200000 }],
		  benefits: { portal: true, discount: 30, mdf: 20000 } },
	],
};

function auth(key, secret) {
	return "Basic " + Buffer.from(`${key}:${secret}`).toString("base64");
}

export function client(base, key, secret) {
	return async (method, path, body) => {
		const headers = { Authorization: auth(key, secret), "X-Experience-API-Version": "1.0.3" };
		if (body !== undefined)
			headers["Content-Type"] = "application/json";
		const r = await fetch(base + path, { method, headers,
		    body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await r.text();
		let data = null;
		try { data = JSON.parse(text); } catch { /* not JSON */ }
		return { status: r.status, data, text };
	};
}

async function must(p, what) {
	const r = await p;
	if (r.status >= 300)
		throw new Error(`seed: ${what}: ${r.status} ${r.text}`);
	return r;
}

const stmt = (actor, verb, object, extra = {}) => ({ id: crypto.randomUUID(), actor,
    verb: { id: verb, display: { "en-US": verb.replace(/.*\//, "") } }, object, ...extra });

// Returns what the tests look for: ids of the attachment, voided and
// voiding statements.
export async function seed(base, adminKey, adminSecret) {
	const api = client(base, adminKey, adminSecret);
	for (const [id, name, type] of [["portal", "Partner portal", "yesno"], ["discount", "Discount", "percent"],
	    ["mdf", "Marketing funds", "revenue"]])
		await must(api("PUT", `/tiering/benefits/${id}`, { name, type }), `benefit ${id}`);
	await must(api("PUT", "/tiering/certifications/sales-cert", { name: "Sales Certified",
	    requirements: [{ activity: COURSE, verb: "completed" }], validity_days: 365 }), "certification");
	await must(api("PUT", "/tiering/programs/partner", PROGRAM), "program");
	for (const [id, o] of Object.entries(ORGS))
		await must(api("PUT", `/tiering/organizations/${id}`, { name: o.name, account: { homePage: CRM, name: id },
		    members: o.members.map((m) => ({ agent: { mbox: mbox(m) }, role: "sales" })) }), `organization ${id}`);

	const s = [];
	for (const id of Object.keys(ORGS))
		s.push(stmt(group(id), NS + "/verbs/signed", { id: AGREEMENT,
		    definition: { type: NS + "/activity-types/partner-agreement" } }, { timestamp: "2026-01-10T09:00:00Z" }));
	const deals = [["acme", "ann", 30000], ["acme", "bob", 35000], ["globex", "gus", 20000], ["initech", "ivy", 5000]];
	deals.forEach(([org, who, amount], i) => s.push(stmt({ mbox: mbox(who), name: who }, "http://id.tincanapi.com/verb/closed-sale",
	    { id: `https://crm.example.com/deals/${i}`, definition: { type: NS + "/activity-types/deal" } },
	    { context: { team: group(org) }, timestamp: `2026-03-0${i + 1}T10:00:00Z`,
	      result: { extensions: { [NS + "/extensions/amount"]: amount, [NS + "/extensions/currency"]: "USD" } } })));
	/* ann and bob hold sales-cert (acme qualifies for gold); gus's
	 * expires on 2026-07-01, within 60 days of CLOCK. */
	for (const [who, ts] of [["ann", "2026-05-01T10:00:00Z"], ["bob", "2026-05-02T10:00:00Z"], ["gus", "2025-07-01T10:00:00Z"]])
		s.push(stmt({ mbox: mbox(who), name: who }, "http://adlnet.gov/expapi/verbs/completed",
		    { id: COURSE, definition: { name: { "en-US": "Sales 101" } } }, { timestamp: ts }));
	for (let i = 0; i < PLAIN; i++) {
		const who = ["ann", "bob", "cid", "gus", "gil", "ivy"][i % 6];
		s.push(stmt({ mbox: mbox(who), name: who }, "http://adlnet.gov/expapi/verbs/experienced",
		    { id: `https://example.com/lessons/${i % 10}`, definition: { name: { "en-US": `Lesson ${i % 10}` } } },
		    { timestamp: new Date(Date.parse("2026-06-01T00:00:00Z") + i * 60000).toISOString() }));
	}
	const attached = stmt({ mbox: mbox("cid"), name: "cid" }, "http://adlnet.gov/expapi/verbs/attempted",
	    { id: "https://example.com/labs/report" }, { attachments: [{ usageType: "http://id.tincanapi.com/attachment/supporting_media",
	      display: { "en-US": "Lab report" }, contentType: "application/pdf", length: 12345,
	      sha2: "a".repeat(64), fileUrl: "https://files.example.com/report.pdf" }] });
	s.push(attached);
	for (let i = 0; i < s.length; i += 50)
		await must(api("POST", "/xapi/statements", s.slice(i, i + 50)), "statements");
	const voided = s[s.length - 2];
	const voiding = stmt({ mbox: mbox("adminperson"), name: "admin" }, "http://adlnet.gov/expapi/verbs/voided",
	    { objectType: "StatementRef", id: voided.id });
	await must(api("POST", "/xapi/statements", voiding), "voiding statement");

	await must(api("POST", "/credentials", { key: PARTNER.key, secret: PARTNER.secret, scopes: ["tiering"] }), "partner credential");
	await must(api("PUT", `/tiering/bindings/${PARTNER.key}`, { organization: PARTNER.organization }), "partner binding");
	return { attached: attached.id, voided: voided.id, voiding: voiding.id, statements: s.length + 1 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const [base, cred] = process.argv.slice(2);
	if (!base || !cred || !cred.includes(":")) {
		console.error("usage: node seed.mjs BASE_URL KEY:SECRET");
		process.exit(2);
	}
	const i = cred.indexOf(":");
	console.log(JSON.stringify(await seed(base, cred.slice(0, i), cred.slice(i + 1))));
}
