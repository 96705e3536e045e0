// statements: browse the statements newest first with the xAPI filters,
// page with "more", open one; and look up documents (state, profiles).
import { call, get, query } from "./api.js";
import { h, clear, view, table, errorBox, guard, fmtTime } from "./ui.js";

const PAGE = 50;

// An agent filter from what a person types: JSON, a mailto: or an email.
export function agentParam(text) {
	const t = text.trim();
	if (!t)
		return "";
	if (t.startsWith("{"))
		return JSON.stringify(JSON.parse(t));
	if (t.startsWith("mailto:"))
		return JSON.stringify({ mbox: t });
	if (/^[^@\s]+@[^@\s]+$/.test(t))
		return JSON.stringify({ mbox: "mailto:" + t });
	throw new Error("agent: give JSON ({\"mbox\": ...}), mailto:... or an email address");
}

function who(a) {
	if (!a)
		return "";
	if (a.name)
		return a.name;
	if (a.mbox)
		return a.mbox.replace(/^mailto:/, "");
	if (a.account)
		return `${a.account.name} @ ${a.account.homePage}`;
	return a.openid || a.mbox_sha1sum || a.objectType || "";
}

function display(m, fallback) {
	if (!m)
		return fallback || "";
	return m["en-US"] || m["en"] || Object.values(m)[0] || fallback || "";
}

function what(o) {
	if (!o)
		return "";
	if (o.objectType === "StatementRef")
		return h("span", null, "statement ", h("a", { href: "#/statement/" + o.id }, o.id.slice(0, 8)));
	if (o.objectType === "Agent" || o.objectType === "Group")
		return who(o);
	if (o.objectType === "SubStatement")
		return "sub-statement";
	return display(o.definition && o.definition.name, o.id);
}

const verbName = (v) => display(v.display, v.id.replace(/.*\//, ""));

function localToIso(v) {
	return v ? new Date(v).toISOString() : "";
}

function filterForm(f, onSubmit) {
	const input = (name, label, ph, type) => h("label", null, label,
	    h("input", { name, placeholder: ph || "", type: type || "text", value: f[name] || "" }));
	return h("form", { class: "filters", id: "stmt-filters", onsubmit: (ev) => {
		ev.preventDefault();
		const d = new FormData(ev.target);
		onSubmit(Object.fromEntries(d.entries()));
	} },
	    input("agent", "Agent", "mailto:a@example.com or JSON"),
	    input("verb", "Verb IRI", "http://adlnet.gov/expapi/verbs/completed"),
	    input("activity", "Activity IRI", "https://example.com/course"),
	    input("registration", "Registration", "UUID"),
	    input("since", "Stored since", "", "datetime-local"),
	    input("until", "Stored until", "", "datetime-local"),
	    h("button", { type: "submit" }, "Filter"),
	    h("button", { type: "button", class: "secondary", onclick: () => onSubmit({}) }, "Clear"));
}

function rows(list) {
	return list.map((s) => h("tr", { "data-id": s.id },
	    h("td", null, fmtTime(s.stored)),
	    h("td", null, who(s.actor)),
	    h("td", null, verbName(s.verb)),
	    h("td", null, what(s.object)),
	    h("td", null, h("a", { href: "#/statement/" + s.id }, s.id))));
}

export async function statements(params) {
	const el = clear(view(), h("h1", null, "Statements"));
	const f = params || {};
	el.append(filterForm(f, (nf) => {
		location.hash = "#/statements" + query(nf);
	}));
	let q;
	try {
		q = { limit: PAGE, agent: agentParam(f.agent || ""), verb: f.verb,
		    activity: f.activity, registration: f.registration,
		    since: localToIso(f.since), until: localToIso(f.until) };
	} catch (e) {
		el.append(errorBox(e));
		return;
	}
	const body = h("tbody", { id: "stmt-rows" });
	const count = h("span", { class: "muted", id: "stmt-count" });
	const more = h("button", { id: "stmt-more", class: "secondary", hidden: true }, "More");
	el.append(h("table", { id: "stmt-table" }, h("thead", null, h("tr", null,
	    ["Stored", "Actor", "Verb", "Object", "Id"].map((t) => h("th", null, t)))), body),
	    h("p", { class: "row" }, more, count));
	let shown = 0, next = null;
	const load = async (url) => {
		more.disabled = true;
		const r = await get(url);
		body.append(...rows(r.statements));
		shown += r.statements.length;
		next = r.more || null;
		count.textContent = `${shown} shown` + (next ? "; more to come" : "; that is all");
		more.hidden = !next;
		more.disabled = false;
		if (shown === 0)
			body.append(h("tr", null, h("td", { colspan: 5, class: "muted" }, "no statement matches")));
	};
	more.addEventListener("click", () => guard(el, () => load(next)));
	await guard(el, () => load("/xapi/statements" + query(q)));
}

// The statements whose object is a StatementRef to s (voiding ones among
// them): a StatementRef matches the filters its target matches, so asking
// with s's own agent, verb and activity finds them.
async function referring(s) {
	const q = { verb: undefined, limit: 200 };
	if (s.actor && (s.actor.mbox || s.actor.account || s.actor.openid || s.actor.mbox_sha1sum))
		q.agent = JSON.stringify(s.actor);
	if (s.object && (!s.object.objectType || s.object.objectType === "Activity"))
		q.activity = s.object.id;
	const out = [];
	let url = "/xapi/statements" + query(q);
	for (let pages = 0; url && pages < 5; pages++) {
		const r = await get(url);
		for (const x of r.statements)
			if (x.object && x.object.objectType === "StatementRef" && x.object.id === s.id)
				out.push(x);
		url = r.more;
	}
	return out;
}

export async function statement(id) {
	const el = clear(view(), h("h1", null, "Statement ", h("code", null, id)),
	    h("p", null, h("a", { href: "#/statements" }, "← back to the statements")));
	let s, voided = false;
	try {
		s = (await call("GET", "/xapi/statements" + query({ statementId: id }))).data;
	} catch (e) {
		if (e.status !== 404)
			return el.append(errorBox(e));
		try {
			s = (await call("GET", "/xapi/statements" + query({ voidedStatementId: id }))).data;
			voided = true;
		} catch (e2) {
			return el.append(errorBox(e2));
		}
	}
	el.append(h("p", { class: "row", id: "stmt-status" },
	    voided ? h("span", { class: "tag bad" }, "voided") : h("span", { class: "tag ok" }, "not voided"),
	    h("span", { class: "muted" }, `stored ${fmtTime(s.stored)}`)));
	const att = s.attachments || [];
	el.append(h("h2", null, `Attachments (${att.length})`),
	    table([{ title: "Display", cell: (a) => display(a.display, "") },
		{ title: "Usage", cell: (a) => a.usageType },
		{ title: "Type", cell: (a) => a.contentType },
		{ title: "Bytes", num: true, cell: (a) => a.length },
		{ title: "SHA-2", cell: (a) => h("code", null, (a.sha2 || "").slice(0, 16)) },
		{ title: "File URL", cell: (a) => a.fileUrl || "" }], att, { id: "stmt-attachments" }));
	const refs = h("div", { id: "stmt-refs" }, h("p", { class: "muted" }, "looking…"));
	el.append(h("h2", null, "Statements that refer to it"), refs);
	el.append(h("h2", null, "JSON"), h("pre", { class: "json", id: "stmt-json" }, JSON.stringify(s, null, 2)));
	try {
		const list = await referring(s);
		clear(refs, table([{ title: "Stored", cell: (x) => fmtTime(x.stored) },
		    { title: "Verb", cell: (x) => verbName(x.verb) },
		    { title: "Actor", cell: (x) => who(x.actor) },
		    { title: "Id", cell: (x) => h("a", { href: "#/statement/" + x.id }, x.id) }], list));
	} catch (e) {
		clear(refs, errorBox(e));
	}
}

// --- documents ---

const DOCS = {
	state: { path: "/xapi/activities/state", id: "stateId", label: "Activity state" },
	activityProfile: { path: "/xapi/activities/profile", id: "profileId", label: "Activity profile" },
	agentProfile: { path: "/xapi/agents/profile", id: "profileId", label: "Agent profile" },
};

export async function documents(params) {
	const f = params || {};
	const kind = DOCS[f.kind] ? f.kind : "state";
	const el = clear(view(), h("h1", null, "Documents"));
	const sel = h("select", { name: "kind" }, Object.entries(DOCS).map(([k, d]) =>
	    h("option", { value: k, selected: k === kind }, d.label)));
	const input = (name, label, ph) => h("label", null, label,
	    h("input", { name, placeholder: ph, value: f[name] || "" }));
	el.append(h("form", { class: "filters", id: "doc-form", onsubmit: (ev) => {
		ev.preventDefault();
		location.hash = "#/documents" + query(Object.fromEntries(new FormData(ev.target).entries()));
	} }, h("label", null, "Kind", sel),
	    input("activityId", "Activity IRI (state, activity profile)", "https://example.com/course"),
	    input("agent", "Agent (state, agent profile)", "mailto:a@example.com or JSON"),
	    input("registration", "Registration (state)", "UUID"),
	    input("docId", "Document id (empty: list)", "bookmark"),
	    h("button", { type: "submit" }, "Look up")));
	if (!f.activityId && !f.agent)
		return el.append(h("p", { class: "muted" }, "Name an activity or an agent."));
	const d = DOCS[kind];
	const q = {};
	try {
		if (kind !== "agentProfile")
			q.activityId = f.activityId;
		if (kind !== "activityProfile")
			q.agent = agentParam(f.agent || "");
		if (kind === "state")
			q.registration = f.registration;
	} catch (e) {
		return el.append(errorBox(e));
	}
	const out = h("div", { id: "doc-result" });
	el.append(out);
	await guard(out, async () => {
		if (!f.docId) {
			const ids = await get(d.path + query(q));
			out.append(h("h2", null, `${ids.length} document(s)`),
			    h("ul", null, ids.map((id) => h("li", null, h("a", {
				href: "#/documents" + query({ ...f, kind, docId: id }) }, id)))));
			return;
		}
		const r = await call("GET", d.path + query({ ...q, [d.id]: f.docId }));
		const type = r.headers.get("Content-Type") || "";
		let text = r.text;
		if (type.includes("json"))
			try { text = JSON.stringify(JSON.parse(r.text), null, 2); } catch { /* as is */ }
		out.append(h("h2", null, f.docId), h("p", { class: "muted" },
		    `${type} · ETag ${r.headers.get("ETag") || "-"} · updated ${r.headers.get("Last-Modified") || "-"}`),
		    h("pre", { class: "json" }, text));
	});
}
