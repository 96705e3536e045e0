// By hand, not in the test command: fill a store with N statements (1M
// by default; only what is missing) and measure, in headless Chromium,
// how long the console takes to show the first page of the statement
// list.
//
//   node tests/console/firstpaint.mjs bin/lrsd [--statements N] [--data DIR]
//
// DIR (default /tmp/lrsd-firstpaint) is kept, so a second run measures
// again without filling.  The server runs with --no-tiering: this is
// about the statement list, and the engine would fold every statement.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

const args = process.argv.slice(2);
const opt = (name, def) => {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : def;
};
const lrsd = path.resolve(args[0] || "bin/lrsd");
const N = Number(opt("--statements", "1000000"));
const data = opt("--data", "/tmp/lrsd-firstpaint");
const KEY = "paint", SECRET = "paint-secret-1";
const auth = "Basic " + Buffer.from(`${KEY}:${SECRET}`).toString("base64");

const port = await new Promise((resolve) => {
	const s = net.createServer();
	s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const base = `http://127.0.0.1:${port}`;
fs.mkdirSync(data, { recursive: true });
const srv = spawn(lrsd, ["serve", "--listen", `127.0.0.1:${port}`, "--data", data, "--admin", `${KEY}:${SECRET}`,
    "--no-tiering", "--threads", "8"], { stdio: ["ignore", "ignore", "inherit"] });
for (let i = 0; i < 400; i++) {
	try { if ((await fetch(base + "/health")).ok) break; } catch { /* not yet */ }
	await new Promise((r) => setTimeout(r, 50));
}
const h = { Authorization: auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json" };
const metric = async (re) => {
	const t = await (await fetch(base + "/metrics", { headers: h })).text();
	const m = t.split("\n").find((l) => re.test(l));
	return m ? Number(m.split(/\s+/).pop()) : NaN;
};
try {
	let have = await metric(/^lrsd_statements(_stored)?(_total)? /);
	if (Number.isNaN(have)) {
		/* Count by paging would be slow: trust a marker file. */
		have = fs.existsSync(data + "/.filled") ? Number(fs.readFileSync(data + "/.filled", "utf8")) : 0;
	}
	const t0 = Date.now();
	const BATCH = 1000, PAR = 4;
	let next = have;
	const one = async () => {
		while (next < N) {
			const from = next;
			next = Math.min(N, next + BATCH);
			const batch = [];
			for (let i = from; i < next; i++)
				batch.push({ id: crypto.randomUUID(), actor: { mbox: `mailto:l${i % 5000}@example.com`, name: `learner ${i % 5000}` },
				    verb: { id: "http://adlnet.gov/expapi/verbs/" + ["experienced", "completed", "passed", "attempted"][i % 4] },
				    object: { id: `https://example.com/lessons/${i % 2000}` },
				    timestamp: new Date(Date.parse("2026-01-01T00:00:00Z") + i * 1000).toISOString() });
			const r = await fetch(base + "/xapi/statements", { method: "POST", headers: h, body: JSON.stringify(batch) });
			if (r.status !== 200)
				throw new Error(`POST: ${r.status} ${await r.text()}`);
			fs.writeFileSync(data + "/.filled", String(next));
		}
	};
	if (next < N) {
		await Promise.all(Array.from({ length: PAR }, one));
		console.log(`filled ${N - have} statements in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	}
	const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
	const page = await browser.newPage();
	await page.goto(base + "/admin/");
	await page.fill("#signin-key", KEY);
	await page.fill("#signin-secret", SECRET);
	let t = Date.now();
	await page.click("#signin-form button[type=submit]");
	await page.waitForSelector("#stmt-rows tr[data-id]:nth-child(50)");
	console.log(`store of ${N} statements: sign-in to 50 rows painted: ${Date.now() - t} ms`);
	for (let i = 0; i < 3; i++) {
		t = Date.now();
		await page.reload();
		await page.waitForSelector("#stmt-rows tr[data-id]:nth-child(50)");
		const fcp = await page.evaluate(() => (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime);
		console.log(`reload ${i + 1}: 50 rows painted ${Date.now() - t} ms after navigation (first contentful paint ${Math.round(fcp)} ms)`);
	}
	t = Date.now();
	await page.click("#stmt-more");
	await page.waitForSelector("#stmt-rows tr[data-id]:nth-child(100)");
	console.log(`More: the next 50 in ${Date.now() - t} ms`);
	t = Date.now();
	await page.goto(base + "/admin/#/statements?verb=" + encodeURIComponent("http://adlnet.gov/expapi/verbs/passed") +
	    "&agent=l42%40example.com");
	await page.waitForSelector("#stmt-count");
	console.log(`filtered (agent + verb): ${await page.textContent("#stmt-count")} in ${Date.now() - t} ms`);
	await browser.close();
} finally {
	srv.kill("SIGTERM");
}
