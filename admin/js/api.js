// api: every call of the console goes through the LRS's own HTTP APIs
// with the signed-in credential (kept in sessionStorage, sent as Basic).

const KEY = "lrsd.credential";

export class ApiError extends Error {
	constructor(status, message, body) {
		super(message);
		this.status = status;
		this.body = body;
	}
}

export function credential() {
	const c = sessionStorage.getItem(KEY);
	return c ? JSON.parse(c) : null;
}

export function setCredential(key, secret, role, organization) {
	sessionStorage.setItem(KEY, JSON.stringify({ key, secret, role, organization }));
}

export function clearCredential() {
	sessionStorage.removeItem(KEY);
}

function basic(key, secret) {
	const bytes = new TextEncoder().encode(key + ":" + secret);
	let bin = "";
	for (const b of bytes)
		bin += String.fromCharCode(b);
	return "Basic " + btoa(bin);
}

// A query string of the defined members of q.
export function query(q) {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(q || {}))
		if (v !== undefined && v !== null && v !== "")
			p.set(k, v);
	const s = p.toString();
	return s ? "?" + s : "";
}

// Call method on path (absolute, e.g. "/xapi/statements?limit=50").
// Resolves to {status, data, text, headers}; throws ApiError for 4xx/5xx
// with the server's message.  opts: body (object: sent as JSON, string:
// as is), cred ({key, secret}: instead of the signed-in one).
export async function call(method, path, opts = {}) {
	const c = opts.cred || credential();
	const headers = { "X-Requested-With": "XMLHttpRequest" };
	if (c)
		headers.Authorization = basic(c.key, c.secret);
	if (path.startsWith("/xapi/"))
		headers["X-Experience-API-Version"] = "1.0.3";
	let body;
	if (opts.body !== undefined) {
		headers["Content-Type"] = "application/json";
		body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
	}
	const r = await fetch(path, { method, headers, body, cache: "no-store" });
	const text = await r.text();
	let data = null;
	if ((r.headers.get("Content-Type") || "").includes("json") && text)
		try { data = JSON.parse(text); } catch { data = null; }
	if (r.status >= 400)
		throw new ApiError(r.status, (data && data.message) || text || r.statusText, data);
	return { status: r.status, data, text, headers: r.headers };
}

export const get = (path) => call("GET", path).then((r) => r.data);
export const getText = (path) => call("GET", path).then((r) => r.text);
