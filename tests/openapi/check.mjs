// Checks openapi/openapi.json (run through run.sh, or `node check.mjs LRSD`
// after `npm ci`).  Prints one line per failed check and, last, exactly
// "N passed, M failed"; exits 0 only when M is 0.
//
//   - document: valid OpenAPI 3.1 for @seriousme/openapi-schema-validator
//     (pinned in package-lock.json), which must also refuse a broken copy;
//     unique operationIds; every schemas/NAME.schema.json embedded unchanged
//     (but for the $id that lets its "#/definitions/..." resolve).
//   - routes: the C sources are the router, so their route literals are
//     read from them and each must be a documented path (see routes()).
//     A new route written in the same idioms fails here until documented;
//     one written otherwise fails the minimum counts, so the grep is never
//     silently blind.
//   - live: lrsd (argv[2]) is started on a free port and every documented
//     path and method is called with the parameters' examples, credentials
//     and a good example body; none may answer 405, nor 404 from a router
//     (a 404 naming a missing resource, e.g. "no pending recommendation",
//     is the operation answering); the status must be one it documents,
//     the admin must not be refused, and anyone without credentials must
//     be (401) unless the operation says it needs none.  A credential with
//     each single scope is let in exactly when the operation lists it.
import fs from "node:fs";
import path from "node:path";
import net from "node:net";
import os from "node:os";
import { spawn, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const DOC_FILE = path.join(ROOT, "openapi", "openapi.json");
const METHODS = ["get", "put", "post", "delete", "head", "patch", "options"];
let passed = 0, failed = 0;

function ok(cond, what) {
	if (cond)
		passed++;
	else {
		failed++;
		console.log("FAIL " + what);
	}
}

const read = (f) => fs.readFileSync(path.join(ROOT, f), "utf8");
const doc = JSON.parse(fs.readFileSync(DOC_FILE, "utf8"));
const documented = Object.keys(doc.paths);

// --- the document ---
async function checkDocument() {
	const v = new Validator();
	const res = await v.validate(structuredClone(doc));
	ok(res.valid, "openapi.json is valid OpenAPI: " + JSON.stringify(res.errors));
	ok(v.version === "3.1", "openapi.json is OpenAPI 3.1, not " + v.version);
	const broken = structuredClone(doc);
	broken.paths["/tiering/programs/{id}"].get.parameters[0].in = "body";
	const bad = await new Validator().validate(broken);
	ok(!bad.valid, "the validator refuses a parameter 'in: body' (OpenAPI 2)");

	const ids = new Set();
	for (const p of documented)
		for (const m of METHODS.filter((x) => doc.paths[p][x])) {
			const id = doc.paths[p][m].operationId;
			ok(id && !ids.has(id), `${m} ${p}: operationId '${id}' missing or used twice`);
			ids.add(id);
		}
	const embedded = Object.values(doc.components.schemas).filter((s) => s.$id);
	for (const f of fs.readdirSync(path.join(ROOT, "schemas")).filter((x) => x.endsWith(".schema.json"))) {
		const e = embedded.find((s) => s.$id.endsWith("/" + f));
		ok(e, `schemas/${f} is embedded in components.schemas`);
		if (!e)
			continue;
		const { $id, ...rest } = e;
		ok(JSON.stringify(rest) === JSON.stringify(JSON.parse(read("schemas/" + f))),
		    `components.schemas ${$id} equals schemas/${f}`);
	}
}

// --- the routes in the C sources ---
function literals(text, re) {
	return [...text.matchAll(re)].map((m) => m.slice(1));
}

// The routers compare paths in a few idioms, read here from the files:
//   lrs/*.c      strcmp/strncmp/under(x, "/lit"): a path, absolute or below /xapi
//   lrs/main.c   server_mount(sv, "/prefix", ...): a mounted prefix
//   tiering/*.c  strcmp(part[N], "lit"): segment N below /tiering; the
//                kinds[] table: segment 0; strcmp(rest, "lit") and
//                strcmp(what, "lit"): a segment of an enrollment or
//                analytics path
function routes() {
	const lrs = fs.readdirSync(path.join(ROOT, "lrs")).filter((f) => f.endsWith(".c"));
	let xapi = [];
	for (const f of lrs)
		xapi = xapi.concat(literals(read("lrs/" + f),
		    /\b(?:strn?cmp|strcasecmp|under)\s*\([^;"]*?,\s*"(\/[^"]*)"/g).map((l) => [f, l[0]]));
	ok(xapi.length >= 8, `route grep found ${xapi.length} path literals in lrs/*.c (expected >= 8): has the router's idiom changed?`);
	for (const [f, l] of new Map(xapi.map((x) => [x[1], x])).values())
		ok(documented.some((d) => d === l || d === "/xapi" + l || d.startsWith(l + "/")),
		    `lrs/${f} routes ${l}: not documented (neither ${l}, /xapi${l} nor a path below ${l})`);

	const mounts = literals(read("lrs/main.c"), /server_mount\s*\(\s*\w+\s*,\s*"([^"]+)"/g);
	ok(mounts.length >= 1, "route grep found no server_mount in lrs/main.c");
	for (const [m] of mounts)
		ok(documented.some((p) => p === m || p.startsWith(m + "/")), `mount ${m}: neither documented nor a documented path below it`);

	const tier = fs.readdirSync(path.join(ROOT, "tiering")).filter((f) => f.endsWith(".c"))
	    .map((f) => read("tiering/" + f)).join("\n");
	const segs = (p) => p.split("/").slice(2);	// below /tiering
	const tpaths = documented.filter((p) => p.startsWith("/tiering/")).map(segs);
	const parts = literals(tier, /strcmp\s*\(\s*part\[(\d)\]\s*,\s*"([^"]+)"/g);
	const kinds = (tier.match(/kinds\[\]\s*=\s*\{([^}]*)\}/) || ["", ""])[1];
	const kindLits = literals(kinds, /"([^"]+)"/g).map((l) => ["0", l[0]]);
	ok(parts.length >= 15 && kindLits.length >= 5,
	    `route grep found ${parts.length} part[] and ${kindLits.length} kinds[] literals in tiering/*.c: has the router's idiom changed?`);
	for (const [n, l] of parts.concat(kindLits))
		ok(tpaths.some((s) => s[+n] === l), `tiering routes segment ${n} '${l}': no documented /tiering path has it there`);
	const named = literals(tier, /strn?cmp\s*\(\s*(?:rest|what)\s*,\s*"([^"]+)"/g);
	ok(named.length >= 7, `route grep found ${named.length} rest/what literals in tiering/*.c (expected >= 7)`);
	for (const [l] of named) {
		const seg = l.replace(/\/$/, "");
		ok(tpaths.some((s) => s.includes(seg)), `tiering routes '${l}': no documented /tiering path has it`);
	}
}

// The methods a 405 names ("/tiering/clock allows GET and POST") are the
// documented ones of the path it names (HEAD aside: it comes with GET).
function allowed() {
	const files = ["lrs/server.c", "tiering/api.c"].map(read).join("\n");
	const msgs = literals(files, /405,\s*"(\/[^" ]+) allows? ([A-Z, and]+)"/g);
	ok(msgs.length >= 6, `405 grep found ${msgs.length} messages naming a path (expected >= 6)`);
	for (const [tmpl, list] of msgs) {
		const want = list.split(/, | and /).map((m) => m.toLowerCase()).filter((m) => m !== "head").sort();
		const re = new RegExp("(^|/xapi)" + tmpl.replace(/%s|\{[^}]+\}/g, "\u0000")
		    .replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\u0000/g, "[^/]+") + "$");
		const p = documented.find((d) => re.test(d.replace(/\{[^}]+\}/g, "x")));
		ok(p, `405 message for ${tmpl}: no documented path matches`);
		if (!p)
			continue;
		const have = METHODS.filter((m) => m !== "head" && doc.paths[p][m]).sort();
		ok(have.join() === want.join(), `${p}: documented ${have} but the server allows ${want}`);
	}
}

// --- the live server ---
const SECRET = "openapi-secret-1";
// Every scope the security scheme names; a credential is made with each.
const SCOPES = ["statements/write", "statements/read", "statements/read/mine", "state", "define",
    "profile", "all/read", "all", "tiering"];
const scopeKey = (s) => "openapi-" + s.replace(/\//g, "-");
const ADMIN = scopeKey("all");	/* the one called "the admin" below */
// The 404s of the routers themselves (each is checked to be in the code).
const ROUTER_404 = ["no xAPI resource at", "the xAPI endpoint is", "see the README for the /tiering API",
    "no tiering resource at", "no analytics '"];

function freePort() {
	return new Promise((resolve) => {
		const s = net.createServer();
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

function example(schemaRef) {
	const name = schemaRef && doc.components.schemas[schemaRef.split("/").pop()];
	if (name && name.$id) {
		const base = path.basename(name.$id, ".schema.json");
		const dir = path.join(ROOT, "schemas", "examples", "definitions", "good");
		const f = fs.readdirSync(dir).filter((x) => x.startsWith(base + "--")).sort()[0];
		return fs.readFileSync(path.join(dir, f), "utf8");
	}
	return null;
}

const STATEMENT = {
	actor: { mbox: "mailto:openapi@example.com" },
	verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
	object: { id: "https://example.com/activities/openapi" },
};

function requestBody(p, op) {
	if (!op.requestBody)
		return null;
	if (p === "/xapi/statements")
		return JSON.stringify(STATEMENT);
	if (p === "/tiering/bindings/{credential}")
		return JSON.stringify({ organization: "openapi-org" });
	if (p === "/forwarding/targets/{id}")
		return JSON.stringify({ kind: "webhook", url: "http://127.0.0.1:9/openapi-hook",
		    secret: "openapi-hook-secret-1", from: "now" });
	const c = op.requestBody.content["application/json"];
	return (c && example(c.schema.$ref)) || "{}";
}

function url(port, p, op) {
	const q = new URLSearchParams();
	let u = p;
	for (const prm of op.parameters || []) {
		const x = prm.$ref ? doc.components.parameters[prm.$ref.split("/").pop()] : prm;
		if (x.in === "path")
			u = u.replace("{" + x.name + "}", encodeURIComponent(x.example));
		else if (x.in === "query" && x.required)
			q.set(x.name, x.example);
	}
	if (p === "/xapi/statements" && op.operationId === "putStatement")
		q.set("statementId", "3f2b7c1e-6a4d-4e0b-9c1a-8d2e5f6a7b01");
	const s = q.toString();
	return `http://127.0.0.1:${port}${u}${s ? "?" + s : ""}`;
}

// Writes first (they create what the reads read), definitions in the order
// they refer to each other, deletes last.
function order(p, m) {
	const first = ["benefits", "certifications", "skill-profiles", "organizations", "programs", "enrollments", "bindings"];
	const k = first.findIndex((w) => p.includes("/" + w));
	const rank = { put: 0, post: 1, get: 2, head: 2, delete: 3 }[m];
	return rank * 100 + (k < 0 ? first.length : k);
}

// A credential with one scope is let in (not 401/403) exactly when the
// operation lists that scope.  Run right after the admin's call, so a
// repeated write finds what that one left.
async function scopes(port, p, m, op, body) {
	const listed = op.security[0].basic;
	for (const s of SCOPES) {
		const headers = { "X-Experience-API-Version": "1.0.3",
		    Authorization: "Basic " + Buffer.from(`${scopeKey(s)}:${SECRET}`).toString("base64") };
		if (body !== null)
			headers["Content-Type"] = "application/json";
		const r = await fetch(url(port, p, op), { method: m.toUpperCase(), headers, body });
		await r.arrayBuffer();
		const refused = r.status === 401 || r.status === 403;
		ok(refused !== listed.includes(s), `${m.toUpperCase()} ${p} with scope ${s}: ${r.status}, ` +
		    (listed.includes(s) ? "documented as allowed" : "not among the documented scopes"));
	}
}

async function live(lrsd) {
	const routers = ["lrs/server.c", "tiering/api.c", "tiering/analytics.c"].map(read).join("\n");
	for (const m of ROUTER_404)
		ok(routers.includes(m), `ROUTER_404 '${m}' is no longer in the routers`);
	const port = await freePort();
	const data = fs.mkdtempSync(path.join(os.tmpdir(), "lrsd-openapi-"));
	const log = fs.openSync(data + ".log", "w");
	for (const s of SCOPES)
		execFileSync(lrsd, ["credential", "add", scopeKey(s), SECRET, "--scopes", s, "--data", data],
		    { stdio: ["ignore", "ignore", log] });
	for (const s of SCOPES)
		ok(doc.components.securitySchemes.basic.description.includes("`" + s + "`"),
		    `the security scheme describes the scope ${s}`);
	const before = failed;
	const srv = spawn(lrsd, ["serve", "--listen", `127.0.0.1:${port}`, "--data", data,
	    "--simulated-clock", "2026-01-01T00:00:00Z", "--threads", "2",
	    "--auth-fail-limit", "100000"],
	    { stdio: ["ignore", log, log] });
	try {
		for (let i = 0; i < 200; i++) {
			try {
				if ((await fetch(`http://127.0.0.1:${port}/xapi/about`)).status === 200)
					break;
			} catch { /* not yet */ }
			await new Promise((r) => setTimeout(r, 50));
		}
		const served = await fetch(`http://127.0.0.1:${port}/openapi.json`);
		ok(served.status === 200 && (await served.text()) === fs.readFileSync(DOC_FILE, "utf8"),
		    "GET /openapi.json without credentials answers openapi/openapi.json");
		const calls = [];
		for (const p of documented)
			for (const m of METHODS.filter((x) => doc.paths[p][x]))
				calls.push([p, m]);
		calls.sort((a, b) => order(...a) - order(...b));
		const auth = "Basic " + Buffer.from(`${ADMIN}:${SECRET}`).toString("base64");
		for (const [p, m] of calls) {
			const op = doc.paths[p][m];
			const headers = { "X-Experience-API-Version": "1.0.3" };
			if (!op.security || op.security.length)
				headers.Authorization = auth;
			const body = requestBody(p, op);
			if (body !== null)
				headers["Content-Type"] = "application/json";
			/* A redirect (GET /) is the operation's own answer. */
			const r = await fetch(url(port, p, op), { method: m.toUpperCase(), headers, body,
			    redirect: "manual" });
			const text = await r.text();
			let msg = "";
			try { msg = JSON.parse(text).message || ""; } catch { /* not JSON */ }
			const routed = r.status !== 405 &&
			    !(r.status === 404 && ROUTER_404.some((x) => msg.startsWith(x)));
			ok(routed, `${m.toUpperCase()} ${p}: ${r.status} ${msg}`);
			ok(op.responses[r.status] || op.responses.default,
			    `${m.toUpperCase()} ${p}: answered ${r.status} (${msg}), not a documented response`);
			if (process.env.VERBOSE)
				console.log(`${m.toUpperCase()} ${p} -> ${r.status} ${msg}`);
			ok(r.status !== 401 && r.status !== 403, `${m.toUpperCase()} ${p}: the admin is refused (${r.status} ${msg})`);
			if (op.security && op.security.length)
				await scopes(port, p, m, op, body);
			if (!op.security || op.security.length) {
				const anon = await fetch(url(port, p, op), { method: m.toUpperCase(),
				    headers: { "X-Experience-API-Version": "1.0.3" } });
				ok(anon.status === 401, `${m.toUpperCase()} ${p} without credentials: ${anon.status}, documented as needing them`);
			}
		}
		const stray = await fetch(`http://127.0.0.1:${port}/tiering/openapi-undocumented`,
		    { headers: { Authorization: auth } });
		ok(stray.status === 404, "an undocumented /tiering path is 404 (the probe can tell)");
	} finally {
		srv.kill("SIGTERM");
		const code = await new Promise((r) => srv.on("exit", (c) => r(c)));
		ok(code === 0, `lrsd stopped with ${code} (a clean stop exits 0)`);
		fs.closeSync(log);
		if (failed > before)	/* the server's side of what failed */
			process.stdout.write(fs.readFileSync(data + ".log", "utf8"));
		fs.rmSync(data, { recursive: true, force: true });
		fs.rmSync(data + ".log", { force: true });
	}
}

await checkDocument();
routes();
allowed();
if (process.argv[2])
	await live(process.argv[2]);
else
	ok(false, "usage: node check.mjs LRSD (the live checks need a server)");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
