// End-to-end tests of the admin console and the partner scorecard: a real
// lrsd (argv[2]) on a free loopback port, seeded through its APIs
// (seed.mjs), driven in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core).  Each step asserts on the page, the partner also at
// the API.  Screenshots go to a temporary directory, one line each says
// what it shows.  Ends "N passed, M failed"; exits non-zero when M > 0.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";
import { seed, client, CLOCK, PARTNER, PLAIN, COMPLETED, mbox } from "./seed.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ADMIN = { key: "console-admin", secret: "console-admin-secret" };
let passed = 0, failed = 0;
const shots = [];

function ok(cond, what) {
	if (cond)
		passed++;
	else {
		failed++;
		console.log("FAIL " + what);
	}
}

function freePort() {
	return new Promise((resolve) => {
		const s = net.createServer();
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

async function shot(page, dir, name, what) {
	const file = path.join(dir, name + ".png");
	await page.screenshot({ path: file, fullPage: true });
	shots.push(`${file}: ${what}`);
}

async function startServer(lrsd, data, port) {
	const log = fs.openSync(data + ".log", "w");
	const srv = spawn(lrsd, ["serve", "--listen", `127.0.0.1:${port}`, "--data", data,
	    "--admin", `${ADMIN.key}:${ADMIN.secret}`, "--simulated-clock", CLOCK, "--threads", "4"],
	    { stdio: ["ignore", log, log] });
	for (let i = 0; i < 200; i++) {
		try {
			if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200)
				return { srv, log };
		} catch { /* not yet */ }
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error("lrsd did not start: " + fs.readFileSync(data + ".log", "utf8"));
}

// Poll fn (run in the page with arg) until it is true: waitForFunction
// would evaluate a string, which the console's CSP forbids.
async function until(page, fn, arg, ms = 10000) {
	const end = Date.now() + ms;
	for (;;) {
		if (await page.evaluate(fn, arg))
			return;
		if (Date.now() > end)
			throw new Error("timed out waiting for " + fn.toString().slice(0, 120));
		await new Promise((r) => setTimeout(r, 50));
	}
}

const rowsOf = (page) => page.locator("#stmt-rows tr[data-id]");

async function signIn(page, base, key, secret) {
	await page.goto(base + "/");
	await page.fill("#signin-key", key);
	await page.fill("#signin-secret", secret);
	await page.click("#signin-form button[type=submit]");
}

async function staticFiles(base) {
	const r = await fetch(base + "/", { redirect: "manual" });
	ok(r.status === 302 && r.headers.get("location") === "/admin/", `GET / redirects to /admin/ (${r.status} ${r.headers.get("location")})`);
	const idx = await fetch(base + "/admin/");
	const csp = idx.headers.get("content-security-policy") || "";
	ok(idx.status === 200 && idx.headers.get("content-type").startsWith("text/html"), "GET /admin/ is the HTML page, without credentials");
	ok(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp) && /default-src 'none'/.test(csp), `strict CSP: ${csp}`);
	const js = await fetch(base + "/admin/js/main.js");
	const etag = js.headers.get("etag");
	ok(js.status === 200 && js.headers.get("content-type").startsWith("text/javascript") && etag, "main.js: JavaScript with an ETag");
	const again = await fetch(base + "/admin/js/main.js", { headers: { "If-None-Match": etag } });
	ok(again.status === 304, `If-None-Match with the ETag: 304 (${again.status})`);
	ok((await fetch(base + "/admin/nope.js")).status === 404, "a file the console lacks is 404");
	const html = await (await fetch(base + "/admin/")).text();
	ok(!/<script>|<script [^>]*>[^<]+<\/script>|style=|\son[a-z]+=/.test(html), "index.html has no inline script, style or handler");
}

async function statementsSteps(page, base, dir, ids) {
	await page.waitForSelector("#stmt-rows tr[data-id]");
	await new Promise((r) => setTimeout(r, 300));	/* a second render would add rows */
	ok(await rowsOf(page).count() === 50, `first page shows 50 statements (${await rowsOf(page).count()})`);
	const stored = await page.evaluate(() => [...document.querySelectorAll("#stmt-rows tr[data-id] td:first-child")]
	    .map((td) => td.textContent));
	ok(stored.every((t, i) => i === 0 || stored[i - 1] >= t), "newest first (stored times never rise down the list)");
	await shot(page, dir, "01-statements", "admin signed in: the statement list, newest first, 50 rows, a More button");
	await page.click("#stmt-more");
	await until(page, () => document.querySelectorAll("#stmt-rows tr[data-id]").length === 100);
	ok(await rowsOf(page).count() === 100, "More appends the second page (100 rows)");
	await page.fill("#stmt-filters input[name=verb]", "http://adlnet.gov/expapi/verbs/completed");
	await page.click("#stmt-filters button[type=submit]");
	await until(page, (n) => document.querySelectorAll("#stmt-rows tr[data-id]").length === n &&
	    /that is all/.test(document.querySelector("#stmt-count").textContent), COMPLETED);
	ok(await rowsOf(page).count() === COMPLETED, `verb filter: the ${COMPLETED} completions`);
	await page.click("#stmt-filters button.secondary");	/* Clear */
	await until(page, () => !/verb=/.test(location.hash));
	await page.fill("#stmt-filters input[name=agent]", "ivy@example.com");
	await page.fill("#stmt-filters input[name=activity]", "https://example.com/lessons/5");
	await page.click("#stmt-filters button[type=submit]");
	/* ivy is every sixth of the plain ones (i % 6 == 5), lesson i % 10: i = 5, 35, 65, 95, 125. */
	await until(page, () => /that is all/.test(document.querySelector("#stmt-count")?.textContent || "") &&
	    /activity=/.test(location.hash));
	ok(await rowsOf(page).count() === 5, `agent + activity filter: 5 statements (${await rowsOf(page).count()})`);
	await shot(page, dir, "02-statements-filtered", "statements filtered by agent ivy@example.com and activity lessons/5: 5 rows");
	await page.fill("#stmt-filters input[name=agent]", "not an agent");
	await page.click("#stmt-filters button[type=submit]");
	await page.waitForSelector("#view .error");
	ok(/agent: give JSON/.test(await page.textContent("#view .error")), "a bad agent filter is explained, not sent");

	await page.goto(`${base}/admin/#/statement/${ids.attached}`);
	await page.waitForSelector("#stmt-attachments");
	ok(/Lab report/.test(await page.textContent("#stmt-attachments")), "the statement shows its attachment");
	ok(/not voided/.test(await page.textContent("#stmt-status")), "…and that it is not voided");
	ok(JSON.parse(await page.textContent("#stmt-json")).id === ids.attached, "…and its JSON, pretty");
	await page.goto(`${base}/admin/#/statement/${ids.voided}`);
	await page.waitForSelector("#stmt-refs table");
	ok(/voided/.test(await page.textContent("#stmt-status")) && !/not voided/.test(await page.textContent("#stmt-status")),
	    "a voided statement opens, marked voided");
	ok((await page.textContent("#stmt-refs")).includes(ids.voiding), "…listing the voiding statement that refers to it");
	await shot(page, dir, "03-statement-voided", "a voided statement: 'voided' tag, the voiding statement under 'refer to it', pretty JSON");
}

async function credentialSteps(page, base, dir) {
	await page.goto(base + "/admin/#/credentials");
	await page.waitForSelector("#cred-table");
	ok((await page.textContent("#cred-table")).includes(PARTNER.key), "the credential list shows the partner's");
	ok(/acme/.test(await page.locator("#cred-table tr", { hasText: PARTNER.key }).textContent()), "…with its organisation");
	await page.fill("#cred-key", "made-in-console");
	await page.check("#cred-form input[value='statements/read']");
	await page.click("#cred-form button[type=submit]");
	await page.waitForSelector("#cred-secret");
	const secret = await page.textContent("#cred-secret b.s");
	ok(secret && secret.length === 32, "the new secret is shown once");
	await page.waitForSelector("#cred-table >> text=made-in-console");
	await shot(page, dir, "04-credential-created", "credential made-in-console created with statements/read; its secret shown once above the list");
	const mine = client(base, "made-in-console", secret);
	ok((await mine("GET", "/xapi/statements?limit=1")).status === 200, "the new credential reads statements");
	ok((await mine("POST", "/xapi/statements", {})).status === 403, "…and may not write them (its scope)");
	const listed = await client(base, ADMIN.key, ADMIN.secret)("GET", "/credentials");
	ok(!listed.text.includes(secret) && !/secret/.test(listed.text), "GET /credentials returns no secret");
	page.once("dialog", (d) => d.accept());
	await page.click("#cred-table button.revoke[data-key='made-in-console']");
	await page.waitForSelector("#cred-note >> text=Revoked made-in-console");
	ok(!(await page.textContent("#cred-table")).includes("made-in-console"), "revoked: gone from the list");
	ok((await mine("GET", "/xapi/statements?limit=1")).status === 401, "…and refused at the API (401)");
}

async function programSteps(page, base, dir) {
	await page.goto(base + "/admin/#/program/partner");
	await page.waitForSelector("#enrollments .progress");
	const acme = page.locator("#enrollments > tbody > tr", { hasText: "acme" }).first();
	ok(/gold-revenue/.test(await acme.textContent()) && /65,000 \/ 50,000/.test(await acme.textContent()),
	    "enrollments show each criterion as value / threshold");
	ok(/Next tier: Gold/.test(await page.locator("#enrollments > tbody > tr", { hasText: "globex" }).first().textContent()),
	    "…and what the next tier still needs");
	const P = JSON.parse(await page.inputValue("#program-json"));
	P.tiers[1].rank = 1;
	await page.fill("#program-json", JSON.stringify(P, null, 2));
	await page.click("#program-save");
	await page.waitForSelector("#program-message .editor-error");
	const msg = await page.textContent("#program-message");
	ok(/400/.test(msg) && /\/tiers\/1\/rank/.test(msg) && /line \d+/.test(msg), `a duplicate rank is refused, shown at its path and line: ${msg}`);
	const sel = await page.evaluate(() => { const t = document.querySelector("#program-json");
		return t.value.slice(t.selectionStart, t.selectionEnd); });
	ok(/"rank": 1/.test(sel), `the editor selects the offending line (${sel.trim()})`);
	await shot(page, dir, "05-program-error", "program editor: PUT refused (400 /tiers/1/rank used twice), the error under the editor with its line selected");
	P.tiers[1].rank = 2;
	P.policy = "sometimes";
	await page.fill("#program-json", JSON.stringify(P, null, 2));
	await page.click("#program-save");
	await until(page, () => /policy/.test(document.querySelector("#program-message").textContent));
	ok(/\/policy/.test(await page.textContent("#program-message")), "a schema error names /policy");
	/* What-if: a draft where one certified person is enough for gold. */
	P.policy = "automatic";
	P.tiers[1].criteria[0].threshold = 1;
	P.tiers[1].criteria[1].threshold = 10000;
	await page.fill("#program-json", JSON.stringify(P, null, 2));
	await page.click("#program-whatif");
	await page.waitForSelector("#whatif-moves");
	const moves = await page.textContent("#whatif-moves");
	ok(/globex/.test(moves) && !/initech/.test(moves), `what-if: globex moves with the draft, initech does not (${moves})`);
	const draft = await page.textContent("#whatif-draft");
	ok(/gold\s*1/.test(await page.textContent("#whatif-draft")) || /gold/.test(draft), "what-if: the draft's distribution beside today's");
	await shot(page, dir, "06-whatif", "what-if of a draft (automatic policy, gold needs 1 certified and 10,000 revenue): today vs draft tables and chart, globex moves silver -> gold");
	const P2 = await client(base, ADMIN.key, ADMIN.secret)("GET", "/tiering/programs/partner");
	ok(P2.data.version === 1 && P2.data.definition.tiers[1].criteria[0].threshold === 2, "nothing was saved by the refused edits or the what-if");
}

async function recommendationSteps(page, base, dir) {
	await page.goto(base + "/admin/#/recommendations");
	await page.waitForSelector("#rec-list");
	const row = page.locator("#rec-list tr", { hasText: "acme" });
	ok(await row.count() === 1 && /gold/.test(await row.textContent()), "acme's pending recommendation for gold is listed");
	await row.locator("button.approve").click();
	await page.waitForSelector("#rec-note .notice");
	ok(/acme in partner is now at tier gold/.test(await page.textContent("#rec-note")), "approving shows acme now at gold");
	ok(await page.locator("#rec-list tr", { hasText: "acme" }).count() === 0, "…and the recommendation is gone");
	const st = await client(base, ADMIN.key, ADMIN.secret)("GET", "/tiering/programs/partner/enrollments/acme");
	ok(st.data.tier === "gold", `the API agrees: acme is gold (${st.data.tier})`);
	await shot(page, dir, "07-approved", "recommendations after approving acme: 'acme in partner is now at tier gold', the list empty");
}

async function otherPages(page, base, dir) {
	await page.goto(base + "/admin/#/certifications");
	await page.waitForSelector(".cert table");
	const cert = await page.textContent(".cert");
	ok(/3 holder\(s\), 1 expiring soon/.test(cert) && /gus@example.com/.test(cert), `certification holders and who expires soon (${cert.slice(0, 80)})`);
	await page.goto(base + "/admin/#/analytics");
	await page.waitForSelector("#chart-revenue svg");
	ok(await page.locator("#chart-timeline svg rect").count() > 0, "tier distribution over time is drawn");
	ok(await page.locator("#chart-movements svg rect").count() > 0, "movements are drawn");
	ok(await page.locator("#chart-revenue svg rect").count() === 4, "revenue certified vs not: four bars");
	await shot(page, dir, "08-analytics", "analytics of partner: tier distribution by month (stacked SVG), movements, revenue certified vs non-certified, leaderboard");
	await page.goto(base + "/admin/#/documents");
	await page.waitForSelector("#doc-form");
	// A forwarding target that cannot be reached: the page shows it behind
	// and failing.
	const admin = client(base, ADMIN.key, ADMIN.secret);
	const t = await admin("PUT", "/forwarding/targets/console-down", { kind: "webhook",
	    url: "http://127.0.0.1:9/hook", secret: "console-test-secret-0123", maxBackoffMs: 1000 });
	ok(t.status === 201, `a forwarding target is created (${t.status} ${t.text})`);
	await new Promise((res) => setTimeout(res, 1500));
	await page.goto(base + "/admin/#/operations");
	await page.waitForSelector("#ops-metrics");
	const fwd = await page.textContent("#ops-forwarding");
	ok(/console-down/.test(fwd) && /webhook/.test(fwd), `operations: the forwarding target and its state (${fwd.slice(0, 120)})`);
	ok(await page.locator("#ops-metrics tbody tr").count() > 5, "operations: the series of /metrics");
	const stored = await page.locator("#ops-figures .figure", { hasText: "statements stored" }).textContent();
	ok(/^1[4-9]\d|^[2-9]\d\d/.test(stored), `operations: statements stored (${stored})`);
	ok(/ok/.test(await page.textContent("#ops-probes")), "operations: health and readiness");
	await shot(page, dir, "09-operations", "operations: health/ready/engine probes, store and request figures, forwarding status (a target that cannot be reached: behind, failing, its last error), the /metrics series without histogram buckets");
}

async function documentSteps(page, base) {
	const api = client(base, ADMIN.key, ADMIN.secret);
	const q = new URLSearchParams({ activityId: "https://example.com/lessons/1", agent: JSON.stringify({ mbox: mbox("ann") }), stateId: "bookmark" });
	const put = await fetch(`${base}/xapi/activities/state?${q}`, { method: "PUT", body: JSON.stringify({ page: 7 }),
	    headers: { Authorization: "Basic " + Buffer.from(`${ADMIN.key}:${ADMIN.secret}`).toString("base64"),
		"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json" } });
	ok(put.status === 204, `a state document to look up (${put.status})`);
	void api;
	await page.goto(base + "/admin/#/documents?kind=state&activityId=" + encodeURIComponent("https://example.com/lessons/1") +
	    "&agent=ann%40example.com");
	await page.waitForSelector("#doc-result a");
	await page.click("#doc-result a");
	await page.waitForSelector("#doc-result pre");
	ok(/"page": 7/.test(await page.textContent("#doc-result pre")), "documents: the state is listed and opens");
}

async function partnerSteps(browser, base, dir) {
	const ctx = await browser.newContext();
	const page = await ctx.newPage();
	const errors = watch(page);
	await signIn(page, base, PARTNER.key, PARTNER.secret);
	await page.waitForSelector("#sc-people table");
	const text = await page.textContent("#view");
	ok(/Scorecard of acme/.test(text), "the partner lands on acme's scorecard");
	ok(await page.locator(".program-card").count() === 1 && await page.locator("#sc-people").count() === 1,
	    "…drawn once (one program card, one people card)");
	ok(/Gold/.test(await page.textContent("#sc-tier")), "…at tier Gold (approved above)");
	ok(/Marketing funds/.test(text) && /5,000/.test(text), "…with its benefits");
	ok(/Next tier: Platinum/.test(text) && /plat-revenue: 65,000 of 200,000/.test(text), "…and what Platinum still needs");
	ok(/ann@example.com/.test(text) && /bob@example.com/.test(text), "…and its people's certifications");
	ok(!/globex|initech|gus@|gil@|ivy@/i.test(text), "…and nothing of another organisation");
	ok((await page.locator("#nav a").count()) === 1, "the partner's menu has the scorecard alone");
	await shot(page, dir, "10-scorecard", "partner partner-acme: acme's scorecard (Gold medal, benefits, criteria bars, Platinum's missing criteria, ann/bob certified)");
	await page.goto(base + "/admin/#/credentials");
	await until(page, () => /scorecard/.test(location.hash));
	ok(true, "a partner sent to another page comes back to its scorecard");
	const p = client(base, PARTNER.key, PARTNER.secret);
	const other = await p("GET", "/tiering/programs/partner/enrollments/globex");
	ok(other.status === 403, `API: globex's standing is 403 for the partner (${other.status})`);
	const mine = await p("GET", "/tiering/programs/partner/enrollments");
	ok(mine.status === 200 && mine.data.length === 1 && mine.data[0].organization === "acme", "API: the partner's enrollment list is acme's alone");
	const learner = await p("GET", "/tiering/learners?agent=" + encodeURIComponent(JSON.stringify({ mbox: mbox("gus") })));
	ok(learner.status === 403, `API: a globex learner is 403 (${learner.status})`);
	const holders = await p("GET", "/tiering/certifications/sales-cert/holders");
	ok(holders.status === 200 && holders.data.every((x) => x.organization === "acme"), "API: certification holders are acme's only");
	for (const [m, u] of [["GET", "/credentials"], ["GET", "/tiering/recommendations"], ["GET", "/tiering/bindings/console-admin"],
	    ["GET", "/xapi/statements"], ["PUT", "/tiering/programs/partner"]])
		ok((await p(m, u, m === "PUT" ? {} : undefined)).status === 403, `API: ${m} ${u} is 403 for the partner`);
	ok(errors.length === 0, "no script error or CSP violation on the partner's pages: " + errors.join("; "));
	await ctx.close();
}

function watch(page) {
	const errors = [];
	page.on("pageerror", (e) => errors.push("pageerror " + e.message));
	page.on("console", (m) => {
		if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
			errors.push("console " + m.text());
	});
	page.on("dialog", async (d) => {
		if (d.type() !== "confirm")
			errors.push("unexpected dialog " + d.type());
	});
	return errors;
}

async function main(lrsd) {
	const data = fs.mkdtempSync(path.join(os.tmpdir(), "lrsd-console-"));
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lrsd-console-shots-"));
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const { srv, log } = await startServer(lrsd, data, port);
	let browser;
	try {
		const ids = await seed(base, ADMIN.key, ADMIN.secret);
		await staticFiles(base);
		browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const page = await ctx.newPage();
		const errors = watch(page);
		await signIn(page, base, ADMIN.key, "wrong-secret");
		await until(page, () => document.querySelector("#signin-error").textContent !== "");
		ok(/Wrong key or secret/.test(await page.textContent("#signin-error")), "a wrong secret is refused on the sign-in form (no browser pop-up)");
		await shot(page, dir, "00-signin-refused", "sign-in page at / (redirected to /admin/) after a wrong secret: 'Wrong key or secret.'");
		await page.fill("#signin-secret", ADMIN.secret);
		const t0 = Date.now();
		await page.click("#signin-form button[type=submit]");
		await page.waitForSelector("#stmt-rows tr[data-id]");
		const ms = Date.now() - t0;
		ok(ms < 5000, `sign-in to a painted statement list under 5 s (${ms} ms)`);
		await statementsSteps(page, base, dir, ids);
		await credentialSteps(page, base, dir);
		await programSteps(page, base, dir);
		await recommendationSteps(page, base, dir);
		await otherPages(page, base, dir);
		await documentSteps(page, base);
		ok(await page.evaluate(() => sessionStorage.getItem("lrsd.credential") !== null), "the credential is kept in sessionStorage");
		await page.click("#signout");
		ok(await page.evaluate(() => sessionStorage.getItem("lrsd.credential") === null) &&
		    await page.isVisible("#signin"), "signing out forgets it");
		ok(errors.length === 0, "no script error or CSP violation on the admin's pages: " + errors.join("; "));
		await ctx.close();
		await partnerSteps(browser, base, dir);
	} catch (e) {
		ok(false, "the run stopped: " + (e.stack || e));
	} finally {
		if (browser)
			await browser.close();
		srv.kill("SIGTERM");
		const code = await new Promise((r) => srv.on("exit", (c) => r(c)));
		ok(code === 0, `lrsd stopped cleanly (${code})`);
		fs.closeSync(log);
		if (failed)
			process.stdout.write(fs.readFileSync(data + ".log", "utf8").split("\n").slice(-30).join("\n") + "\n");
		fs.rmSync(data, { recursive: true, force: true });
		fs.rmSync(data + ".log", { force: true });
	}
	for (const s of shots)
		console.log("screenshot " + s);
}

if (!process.argv[2]) {
	console.log("usage: node console.mjs LRSD");
	console.log("0 passed, 1 failed");
	process.exit(1);
}
await main(path.resolve(process.argv[2]));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
