// admin: credentials (list, create with scopes and an organisation
// binding, revoke) and operations (/metrics, probes, the engine's lag).
import { call, get, getText, credential } from "./api.js";
import { h, clear, view, table, errorBox, guard, fmtTime, fmtNum } from "./ui.js";

const SCOPES = ["statements/write", "statements/read", "statements/read/mine", "state",
    "define", "profile", "all/read", "all", "tiering"];
const enc = encodeURIComponent;

async function bindings() {
	try {
		return new Map((await get("/tiering/bindings")).map((b) => [b.credential, b.organization]));
	} catch {
		return new Map();	/* no tiering engine */
	}
}

async function organizations() {
	try {
		return (await get("/tiering/organizations")).filter((o) => !o.deleted);
	} catch {
		return [];
	}
}

export async function credentials() {
	const el = clear(view(), h("h1", null, "Credentials"));
	const note = h("div", { id: "cred-note" });
	const list = h("div", { id: "cred-list" });
	const orgs = await organizations();
	const form = h("form", { id: "cred-form", class: "card", onsubmit: async (ev) => {
		ev.preventDefault();
		const d = new FormData(ev.target);
		const scopes = d.getAll("scope");
		const body = { scopes };
		if (d.get("key"))
			body.key = d.get("key");
		try {
			const r = (await call("POST", "/credentials", { body })).data;
			let bound = "";
			if (d.get("organization")) {
				await call("PUT", "/tiering/bindings/" + enc(r.key), { body: { organization: d.get("organization") } });
				bound = ` bound to ${d.get("organization")}`;
			}
			clear(note, h("div", { class: "card" }, h("p", { class: "notice" }, `Created ${r.key}${bound}. The secret is shown this once:`),
			    h("p", { class: "secret", id: "cred-secret" }, h("span", null, "key "), h("b", { class: "k" }, r.key),
				h("span", null, " secret "), h("b", { class: "s" }, r.secret))));
			ev.target.reset();
			await render();
		} catch (e) {
			clear(note, errorBox(e));
		}
	} }, h("h2", null, "New credential"),
	    h("div", { class: "row" }, h("label", null, "Key (empty: generated)", h("input", { name: "key", id: "cred-key" })),
		h("label", null, "Organisation binding (partner scorecard)", h("select", { name: "organization", id: "cred-org" },
		    h("option", { value: "" }, "none"), orgs.map((o) => h("option", { value: o.id }, `${o.id} — ${(o.definition || {}).name || ""}`))))),
	    h("fieldset", null, h("legend", null, "Scopes"), h("div", { class: "row" }, SCOPES.map((s) =>
		h("label", { class: "row" }, h("input", { type: "checkbox", name: "scope", value: s }), s)))),
	    h("button", { type: "submit" }, "Create"));
	el.append(form, note, list);
	const me = credential().key;
	const render = async () => {
		const [creds, b] = await Promise.all([get("/credentials"), bindings()]);
		clear(list, table([{ title: "Key", cell: (c) => c.key },
		    { title: "Scopes", cell: (c) => c.scopes.map((s) => h("span", { class: "tag" }, s)) },
		    { title: "Organisation", cell: (c) => b.get(c.key) || "" },
		    { title: "Created", cell: (c) => fmtTime(c.created) },
		    { title: "", cell: (c) => c.key === me ? h("span", { class: "muted" }, "you") :
			h("button", { class: "danger revoke", "data-key": c.key, onclick: async () => {
			    if (!confirm(`Revoke ${c.key}? Clients using it are refused from now on.`))
				    return;
			    let msg;
			    try {
				    if (b.get(c.key))
					    await call("DELETE", "/tiering/bindings/" + enc(c.key));
				    await call("DELETE", "/credentials/" + enc(c.key));
				    msg = h("p", { class: "notice" }, `Revoked ${c.key}.`);
			    } catch (e) {
				    msg = errorBox(e);
			    }
			    // The list first: the note then speaks of what is shown.
			    await guard(list, render);
			    clear(note, msg);
		    } }, "Revoke") }], creds, { id: "cred-table" }));
	};
	await guard(list, render);
}

// Prometheus exposition text into [{name, labels, value}].
export function parseMetrics(text) {
	const out = [];
	for (const line of text.split("\n")) {
		if (!line || line.startsWith("#"))
			continue;
		const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
		if (m)
			out.push({ name: m[1], labels: m[2] || "", value: Number(m[3]) });
	}
	return out;
}

export async function operations() {
	const el = clear(view(), h("h1", null, "Operations"));
	const probes = h("div", { class: "figures", id: "ops-probes" });
	el.append(probes);
	const probe = async (label, path) => {
		try {
			const r = await call("GET", path);
			return { label, value: "ok", detail: r.text.slice(0, 120) };
		} catch (e) {
			return { label, value: String(e.status || "down"), detail: e.message };
		}
	};
	const ps = await Promise.all([probe("health", "/health"), probe("ready", "/ready"),
	    probe("tiering engine", "/tiering/status")]);
	for (const p of ps)
		probes.append(h("div", { class: "figure" }, h("b", null, p.value), h("span", null, p.label + ": " + p.detail)));
	await guard(el, async () => {
		const ms = parseMetrics(await getText("/metrics"));
		const sum = (re) => ms.filter((m) => re.test(m.name)).reduce((s, m) => s + m.value, 0);
		const targets = await get("/forwarding/targets");
		const gib = (n) => {
			const u = ["B", "KiB", "MiB", "GiB", "TiB"];
			let i = 0;
			for (; n >= 1024 && i < u.length - 1; i++)
				n /= 1024;
			return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
		};
		const figures = [["statements stored", fmtNum(sum(/^lrsd_statements_stored$/))],
		    ["HTTP requests", fmtNum(sum(/^lrsd_http_requests_total$/))],
		    ["server errors (5xx)", fmtNum(ms.filter((m) => m.name === "lrsd_http_requests_total" &&
			/status="5/.test(m.labels)).reduce((s, m) => s + m.value, 0))],
		    ["auth failures", fmtNum(sum(/^lrsd_auth_failures_total$/))],
		    ["rate limited", fmtNum(sum(/^lrsd_rate_limited_total$/))],
		    ["map used / size", `${gib(sum(/^lrsd_map_used_bytes$/))} / ${gib(sum(/^lrsd_map_size_bytes$/))}`],
		    ["disk free", gib(sum(/^lrsd_disk_free_bytes$/))],
		    ["tiering behind (statements)", fmtNum(sum(/^lrsd_tiering_behind_statements$/))]];
		el.append(h("h2", null, "Figures of /metrics"), h("div", { class: "figures", id: "ops-figures" },
		    figures.map(([l, v]) => h("div", { class: "figure" }, h("b", null, v), h("span", null, l)))),
		    h("h2", null, "Forwarding"), targets.length ? table([{ title: "Target", cell: (t) => t.id },
			{ title: "Kind", cell: (t) => t.kind }, { title: "URL", cell: (t) => t.url },
			{ title: "Behind", num: true, cell: (t) => fmtNum(t.behind) },
			{ title: "Lag (s)", num: true, cell: (t) => fmtNum(Math.round(t.lagSeconds || 0)) },
			{ title: "Delivered", num: true, cell: (t) => fmtNum(t.delivered) },
			{ title: "Failures", num: true, cell: (t) => fmtNum(t.failures) },
			{ title: "Dead letters", num: true, cell: (t) => fmtNum(t.deadLetters) },
			{ title: "Last error", cell: (t) => t.lastError || "" }], targets, { id: "ops-forwarding" }) :
			h("p", { class: "muted", id: "ops-forwarding" }, "No forwarding target is configured (see /forwarding/targets)."),
		    h("h2", null, "All series (histogram buckets left out)"), table([{ title: "Metric", cell: (m) => m.name },
			{ title: "Labels", cell: (m) => m.labels }, { title: "Value", num: true, cell: (m) => fmtNum(m.value) }],
			ms.filter((m) => !m.name.endsWith("_bucket")), { id: "ops-metrics" }));
	});
}
