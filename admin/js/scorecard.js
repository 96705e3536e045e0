// scorecard: what a partner (a credential bound to one organisation) sees
// of itself: tier, badge, benefits, progress, what the next tier needs,
// its people's certifications and who expires soon.  The tiering API
// gives a bound credential nothing of another organisation.
import { get, query } from "./api.js";
import { h, clear, view, table, guard, fmtTime, fmtNum } from "./ui.js";
import { criteriaTable, missingList } from "./tiering.js";

const enc = encodeURIComponent;
const SOON_DAYS = 60;

// A medal drawn inline: a badge image would be another origin's asset.
function medal(rank) {
	const fills = ["#9aa3b2", "#b0b7c3", "#d4a017", "#6c7fa3", "#3b4a6b"];
	return h("svg", { viewBox: "0 0 40 40", width: "40", height: "40", role: "img", "aria-label": "tier badge" },
	    h("circle", { cx: "20", cy: "20", r: "17", fill: fills[Math.min(rank || 0, fills.length - 1)], stroke: "#1d2330", "stroke-width": "2" }),
	    h("text", { x: "20", y: "26", "text-anchor": "middle", fill: "#fff", "font-size": "16", "font-weight": "700" }, String(rank || "–")));
}

function benefitValue(v) {
	if (v === true)
		return "yes";
	if (v === false)
		return "no";
	if (v && typeof v === "object")
		return `${(v.activities || []).length} activities, ${(v.prefixes || []).length} content prefixes`;
	return fmtNum(v);
}

async function programCard(p, org, benefitNames) {
	const P = p.definition;
	const list = await get(`/tiering/programs/${enc(p.id)}/enrollments`);
	const st = list.find((s) => s.organization === org);
	if (!st)
		return null;
	const tier = (P.tiers || []).find((t) => t.id === st.tier);
	return h("div", { class: "card program-card", "data-program": p.id },
	    h("h2", null, P.name || p.id),
	    h("p", { class: "badge", id: "sc-tier" }, medal(st.tier_rank), tier ? tier.name || tier.id : "no tier yet",
		h("span", { class: st.status === "active" ? "tag ok" : "tag warn" }, st.status)),
	    tier && tier.badge ? h("p", { class: "muted" }, "badge: ", h("a", { href: tier.badge, rel: "noreferrer" }, tier.badge)) : "",
	    h("p", { class: "muted" }, `period ${st.period ? st.period.start + " – " + st.period.end : ""}` +
		(st.recommendation ? `; promotion to ${st.recommendation.tier} is pending approval` : "")),
	    h("h2", null, "Benefits"), table([{ title: "Benefit", cell: ([k]) => benefitNames.get(k) || k },
		{ title: "Value", cell: ([, v]) => benefitValue(v) }], Object.entries(st.benefits || {}), { class: "sc-benefits" }),
	    h("h2", null, "Progress"), criteriaTable(st, P), missingList(st, P));
}

async function people(certIds, clock) {
	const box = h("div", { class: "card", id: "sc-people" }, h("h2", null, "Our people's certifications"));
	const soonBefore = new Date(Date.parse(clock.now) + SOON_DAYS * 86400000).toISOString();
	for (const id of certIds) {
		const all = await get(`/tiering/certifications/${enc(id)}/holders`);
		const soon = new Set((await get(`/tiering/certifications/${enc(id)}/holders` +
		    query({ expiring_before: soonBefore }))).map((x) => JSON.stringify(x.agent)));
		box.append(h("h2", null, `${id}: ${all.length} holder(s), ${soon.size} expiring within ${SOON_DAYS} days`),
		    table([{ title: "Learner", cell: (x) => x.agent.mbox || x.agent.name || JSON.stringify(x.agent) },
			{ title: "Awarded", cell: (x) => fmtTime(x.awarded) },
			{ title: "Expires", cell: (x) => h("span", null, fmtTime(x.expires), " ",
			    soon.has(JSON.stringify(x.agent)) ? h("span", { class: "tag warn" }, "expires soon") : "") }],
			all, { class: "sc-holders" }));
	}
	return box;
}

export async function scorecard(org) {
	const el = clear(view(), h("h1", null, "Scorecard of ", h("span", { id: "sc-org" }, org || "your organisation")));
	await guard(el, async () => {
		const [progs, clock] = await Promise.all([get("/tiering/programs"), get("/tiering/clock")]);
		let benefitNames = new Map();
		try {
			benefitNames = new Map((await get("/tiering/benefits")).map((b) => [b.id, (b.definition || {}).name || b.id]));
		} catch { /* names are a nicety */ }
		const certIds = new Set();
		let cards = 0;
		for (const p of progs.filter((x) => !x.deleted)) {
			const card = await programCard(p, org, benefitNames);
			if (!card)
				continue;
			cards++;
			el.append(card);
			for (const t of p.definition.tiers || [])
				for (const c of t.criteria || [])
					if (c.type === "certifications" && c.certification)
						certIds.add(c.certification);
		}
		if (!cards)
			el.append(h("p", { class: "muted" }, "Not enrolled in any program yet."));
		el.append(await people([...certIds].sort(), clock));
	});
}
