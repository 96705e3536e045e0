// tiering: programs (edit their JSON, enrollments, what-if),
// recommendations, certification holders and the analytics charts.
import { call, get, query } from "./api.js";
import { h, clear, view, table, errorBox, guard, fmtTime, fmtNum, progress,
    barChart, stackedChart, compareChart } from "./ui.js";

const enc = encodeURIComponent;

// JSON text of v (2-space indent, as JSON.stringify) and the line each
// JSON Pointer starts on, so an error naming "/tiers/1/rank" is shown
// where it is.
export function pretty(v) {
	const lines = new Map();
	let line = 1;
	const out = [];
	const put = (s) => {
		out.push(s);
		line += (s.match(/\n/g) || []).length;
	};
	const walk = (x, ptr, ind) => {
		lines.set(ptr, line);
		const pad = "  ".repeat(ind + 1), end = "  ".repeat(ind);
		if (Array.isArray(x) && x.length) {
			put("[\n");
			x.forEach((y, i) => {
				put(pad);
				walk(y, `${ptr}/${i}`, ind + 1);
				put(i < x.length - 1 ? ",\n" : "\n");
			});
			put(end + "]");
		} else if (x && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length) {
			const ks = Object.keys(x);
			put("{\n");
			ks.forEach((k, i) => {
				put(pad + JSON.stringify(k) + ": ");
				walk(x[k], `${ptr}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, ind + 1);
				put(i < ks.length - 1 ? ",\n" : "\n");
			});
			put(end + "}");
		} else
			put(JSON.stringify(x));
	};
	walk(v, "", 0);
	return { text: out.join(""), lines };
}

// The line of the longest pointer prefix of the error's path.
function errorLine(lines, message) {
	const m = /(?:^|\s)(\/[^\s:]*)/.exec(message || "");
	if (!m)
		return null;
	let p = m[1];
	while (p && !lines.has(p))
		p = p.replace(/\/[^/]*$/, "");
	return lines.get(p) || null;
}

function selectLine(ta, n) {
	const ls = ta.value.split("\n");
	let start = 0;
	for (let i = 0; i < n - 1 && i < ls.length; i++)
		start += ls[i].length + 1;
	ta.focus();
	ta.setSelectionRange(start, start + (ls[n - 1] || "").length);
	ta.scrollTop = Math.max(0, (n - 5) * 18);
}

const tierName = (P, id) => {
	const t = P && (P.tiers || []).find((x) => x.id === id);
	return t ? t.name || t.id : id || "none";
};

// The criteria of a standing, each a bar against its threshold.
export function criteriaTable(st, P) {
	return table([{ title: "Tier", cell: (c) => tierName(P, c.tier) },
	    { title: "Criterion", cell: (c) => `${c.id} (${c.type})` },
	    { title: "Progress", cell: (c) => c.type === "custom" ?
		h("span", { class: c.met ? "tag ok" : "tag" }, c.met ? "met" : "not met") :
		progress(c.value || 0, c.threshold, c.met) },
	    { title: "Met", cell: (c) => c.met ? "yes" : "no" }], st.criteria || [], { class: "criteria" });
}

export function missingList(st, P) {
	if (!st.next_tier)
		return h("p", { class: "muted" }, "Top tier: nothing further to reach.");
	const miss = st.next_tier.missing || [];
	return h("div", { class: "next-tier" }, h("p", null, `Next tier: ${tierName(P, st.next_tier.id)}`,
	    miss.length ? " — still needs:" : " — all its criteria hold"),
	    h("ul", null, miss.map((m) => h("li", null, m.threshold === undefined ? `${m.id}` :
		`${m.id}: ${fmtNum(m.value)} of ${fmtNum(m.threshold)} (${fmtNum(Math.max(0, m.threshold - m.value))} to go)`))));
}

export async function programs() {
	const el = clear(view(), h("h1", null, "Programs"));
	await guard(el, async () => {
		const list = await get("/tiering/programs");
		el.append(table([{ title: "Program", cell: (p) => h("a", { href: "#/program/" + enc(p.id) }, p.id) },
		    { title: "Name", cell: (p) => (p.definition || {}).name },
		    { title: "Policy", cell: (p) => (p.definition || {}).policy },
		    { title: "Tiers", cell: (p) => ((p.definition || {}).tiers || []).map((t) => t.name || t.id).join(", ") },
		    { title: "Version", num: true, cell: (p) => p.version },
		    { title: "Deleted", cell: (p) => p.deleted ? "yes" : "" }], list, { id: "program-list" }));
	});
}

function enrollmentsTable(list, P) {
	return table([{ title: "Organisation", cell: (s) => s.organization },
	    { title: "Tier", cell: (s) => h("b", null, tierName(P, s.tier)) },
	    { title: "Status", cell: (s) => h("span", { class: s.status === "at-risk" ? "tag warn" :
		s.status === "ended" ? "tag bad" : "tag ok" }, s.status) },
	    { title: "Criteria", cell: (s) => criteriaTable(s, P) },
	    { title: "Next tier", cell: (s) => missingList(s, P) },
	    { title: "Pending", cell: (s) => s.recommendation ? `→ ${tierName(P, s.recommendation.tier)}` : "" }],
	    list, { id: "enrollments" });
}

function whatIfResult(r, P) {
	const tiers = [...new Set([...(P.tiers || []).map((t) => t.id), ...Object.keys(r.today || {}),
	    ...Object.keys(r.draft || {})])];
	return h("div", { id: "whatif-result" },
	    h("p", null, `Folded ${fmtNum(r.statements)} statements in ${fmtNum(r.seconds)} s.`),
	    h("div", { class: "grid" },
		h("div", null, h("h2", null, "Today"), table([{ title: "Tier", cell: (t) => t },
		    { title: "Organisations", num: true, cell: (t) => (r.today || {})[t] || 0 }], tiers, { id: "whatif-today" })),
		h("div", null, h("h2", null, "Draft"), table([{ title: "Tier", cell: (t) => t },
		    { title: "Organisations", num: true, cell: (t) => (r.draft || {})[t] || 0 }], tiers, { id: "whatif-draft" }))),
	    compareChart(tiers, r.today || {}, r.draft || {}, ["today", "draft"]),
	    h("h2", null, `Moves (${(r.moves || []).length})`),
	    table([{ title: "Organisation", cell: (m) => m.organization },
		{ title: "From", cell: (m) => m.from || "none" }, { title: "To", cell: (m) => m.to || "none" }],
		r.moves || [], { id: "whatif-moves" }));
}

export async function program(id) {
	const el = clear(view(), h("h1", null, "Program ", h("code", null, id)),
	    h("p", null, h("a", { href: "#/programs" }, "← programs")));
	let rec;
	try {
		rec = await get("/tiering/programs/" + enc(id));
	} catch (e) {
		return el.append(errorBox(e));
	}
	const P = rec.definition;
	const { text, lines } = pretty(P);
	const ta = h("textarea", { class: "json", id: "program-json", spellcheck: "false" });
	ta.value = text;
	const msg = h("div", { id: "program-message" });
	const wi = h("div", { id: "whatif" });
	const parse = () => {
		try {
			return JSON.parse(ta.value);
		} catch (e) {
			clear(msg, h("div", { class: "editor-error" }, "Not JSON: " + e.message));
			return null;
		}
	};
	const save = async () => {
		const body = parse();
		if (!body)
			return;
		clear(msg, h("p", { class: "muted" }, "saving…"));
		try {
			const r = await call("PUT", "/tiering/programs/" + enc(id), { body });
			const p2 = pretty(r.data.definition);
			ta.value = p2.text;
			clear(msg, h("p", { class: "notice" }, `Saved: version ${r.data.version}.`));
		} catch (e) {
			const n = errorLine(pretty(body).lines, e.message);
			clear(msg, h("div", { class: "editor-error", role: "alert" },
			    h("b", null, `${e.status} `), e.message, n ? h("span", { class: "ln" }, ` (line ${n})`) : ""));
			if (n) {
				ta.value = pretty(body).text;
				selectLine(ta, n);
			}
		}
	};
	const whatif = async () => {
		const body = parse();
		if (!body)
			return;
		clear(msg);
		clear(wi, h("p", { class: "muted" }, "folding the whole log with the draft…"));
		try {
			const r = await call("POST", `/tiering/programs/${enc(id)}/what-if`, { body });
			clear(wi, whatIfResult(r.data, body));
		} catch (e) {
			clear(wi, errorBox(e));
		}
	};
	el.append(h("h2", null, "Definition"), h("p", { class: "muted" },
	    `version ${rec.version}; saving stores a new version (the schema's errors are shown at their line); the what-if folds the log with this draft and changes nothing.`),
	    ta, h("p", { class: "row" }, h("button", { id: "program-save", onclick: save }, "Save"),
		h("button", { id: "program-whatif", class: "secondary", onclick: whatif }, "What-if with this draft"),
		h("span", { class: "muted" }, `${lines.size} JSON nodes`)), msg, wi);
	const en = h("div", null, h("p", { class: "muted" }, "loading…"));
	el.append(h("h2", null, "Enrollments"), en);
	await guard(en, async () => {
		clear(en, enrollmentsTable(await get(`/tiering/programs/${enc(id)}/enrollments`), P));
	});
}

export async function recommendations() {
	const el = clear(view(), h("h1", null, "Recommendations"));
	const note = h("div", { id: "rec-note" });
	el.append(note);
	const box = h("div");
	el.append(box);
	const render = async () => {
		const list = await get("/tiering/recommendations");
		const decide = async (r, approve) => {
			const reason = approve ? "approved in the console" : "rejected in the console";
			try {
				await call("POST", "/tiering/recommendations/" + enc(r.id), { body: { approve, reason } });
				const st = await get(`/tiering/programs/${enc(r.program)}/enrollments/${enc(r.organization)}`);
				clear(note, h("p", { class: "notice", role: "status" },
				    `${approve ? "Approved" : "Rejected"}: ${r.organization} in ${r.program} is now at tier ${st.tier || "none"}.`));
			} catch (e) {
				clear(note, errorBox(e));
			}
			clear(box);
			await guard(box, render);
		};
		box.append(table([{ title: "Program", cell: (r) => r.program },
		    { title: "Organisation", cell: (r) => r.organization },
		    { title: "Tier", cell: (r) => h("b", null, r.tier) },
		    { title: "Raised", cell: (r) => fmtTime(r.raised) },
		    { title: "", cell: (r) => h("span", { class: "row" },
			h("button", { class: "approve", onclick: () => decide(r, true) }, "Approve"),
			h("button", { class: "danger reject", onclick: () => decide(r, false) }, "Reject")) }],
		    list, { id: "rec-list" }));
	};
	await guard(box, render);
}

function plusDays(iso, d) {
	return new Date(Date.parse(iso) + d * 86400000).toISOString();
}

export async function certifications(params) {
	const f = params || {};
	const el = clear(view(), h("h1", null, "Certifications"));
	await guard(el, async () => {
		const [list, clock] = await Promise.all([get("/tiering/certifications"), get("/tiering/clock")]);
		const days = Number(f.days || 30);
		el.append(h("p", { class: "muted" }, `Engine clock ${fmtTime(clock.now)}${clock.simulated ? " (simulated)" : ""}; "expires soon" is within ${days} days.`));
		for (const c of list.filter((x) => !x.deleted)) {
			const all = await get(`/tiering/certifications/${enc(c.id)}/holders`);
			const soonBefore = plusDays(clock.now, days);
			const soon = await get(`/tiering/certifications/${enc(c.id)}/holders` + query({ expiring_before: soonBefore }));
			const soonSet = new Set(soon.map((x) => JSON.stringify(x.agent)));
			el.append(h("div", { class: "card cert", "data-cert": c.id },
			    h("h2", null, `${c.definition.name || c.id} `, h("span", { class: "muted" }, `${all.length} holder(s), ${soon.length} expiring soon`)),
			    table([{ title: "Learner", cell: (x) => x.agent.mbox || x.agent.name || JSON.stringify(x.agent) },
				{ title: "Organisation", cell: (x) => x.organization || "" },
				{ title: "Awarded", cell: (x) => fmtTime(x.awarded) },
				{ title: "Expires", cell: (x) => h("span", null, fmtTime(x.expires), " ",
				    soonSet.has(JSON.stringify(x.agent)) ? h("span", { class: "tag warn" }, "soon") : "") }], all)));
		}
	});
}

export async function analytics(params) {
	const f = params || {};
	const el = clear(view(), h("h1", null, "Analytics"));
	await guard(el, async () => {
		const progs = (await get("/tiering/programs")).filter((p) => !p.deleted);
		if (!progs.length)
			return el.append(h("p", { class: "muted" }, "No program yet."));
		const pid = f.program || progs[0].id;
		el.append(h("form", { class: "filters", onsubmit: (ev) => {
			ev.preventDefault();
			location.hash = "#/analytics" + query(Object.fromEntries(new FormData(ev.target).entries()));
		} }, h("label", null, "Program", h("select", { name: "program" }, progs.map((p) =>
		    h("option", { value: p.id, selected: p.id === pid }, p.id)))),
		    h("label", null, "From", h("input", { type: "date", name: "from", value: f.from || "" })),
		    h("label", null, "To", h("input", { type: "date", name: "to", value: f.to || "" })),
		    h("button", { type: "submit" }, "Show")));
		const q = query({ program: pid, from: f.from, to: f.to });
		const [tiers, rev, lead] = await Promise.all([get("/tiering/analytics/tiers" + q),
		    get("/tiering/analytics/revenue" + query({ program: pid })),
		    get("/tiering/analytics/leaderboard" + query({ program: pid }))]);
		const series = [...new Set([...Object.keys(tiers.distribution || {}),
		    ...(tiers.timeline || []).flatMap((p) => Object.keys(p.distribution || {}))])];
		el.append(h("div", { class: "grid" },
		    h("div", { class: "card", id: "chart-timeline" }, h("h2", null, "Tier distribution over time"),
			stackedChart((tiers.timeline || []).map((p) => ({ label: (p.until || "").slice(0, 7), parts: p.distribution || {} })),
			    series, { label: "tier distribution by month" })),
		    h("div", { class: "card", id: "chart-movements" }, h("h2", null, "Movements"),
			barChart(Object.entries(tiers.movements || {}).map(([k, v]) => ({ label: k, value: v })), { label: "movements" })),
		    h("div", { class: "card", id: "chart-revenue" }, h("h2", null, `Revenue (${rev.currency || ""}): certified vs not`),
			barChart([{ label: `certified mean (${rev.certified.count})`, value: rev.certified.mean || 0 },
			    { label: `certified median`, value: rev.certified.median || 0 },
			    { label: `non-certified mean (${rev.non_certified.count})`, value: rev.non_certified.mean || 0 },
			    { label: `non-certified median`, value: rev.non_certified.median || 0 }], { label: "revenue" }),
			h("p", { class: "muted" }, `ratio ${rev.ratio === null ? "n/a" : fmtNum(rev.ratio)}`)),
		    h("div", { class: "card" }, h("h2", null, "Leaderboard"),
			table([{ title: "Organisation", cell: (r) => r.organization }, { title: "Tier", cell: (r) => r.tier || "none" },
			    { title: "Revenue", num: true, cell: (r) => fmtNum(r.revenue) }], lead))));
	});
}
