// ui: DOM building (text is always set as text, never as HTML), tables,
// progress bars and the SVG charts, drawn here without any library.

export function h(tag, attrs, ...kids) {
	const svg = ["svg", "g", "rect", "line", "text", "path", "polyline", "circle", "title"].includes(tag);
	const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) :
	    document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith("on"))
			el.addEventListener(k.slice(2), v);
		else if (k === "class")
			el.setAttribute("class", v);
		else if (k in el && !svg && typeof v !== "string")
			el[k] = v;
		else
			el.setAttribute(k, v === true ? "" : v);
	}
	for (const kid of kids.flat(Infinity))
		if (kid !== undefined && kid !== null && kid !== false)
			el.append(kid instanceof Node ? kid : String(kid));
	return el;
}

export function clear(el, ...kids) {
	el.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined));
	return el;
}

export const view = () => document.getElementById("view");

// A table of rows; cols: [{title, cell(row) -> node|text, num}].
export function table(cols, rows, attrs) {
	return h("table", attrs,
	    h("thead", null, h("tr", null, cols.map((c) => h("th", null, c.title)))),
	    h("tbody", null, rows.length ? rows.map((r) => h("tr", null,
		cols.map((c) => h("td", { class: c.num ? "num" : null }, c.cell(r))))) :
		h("tr", null, h("td", { colspan: cols.length, class: "muted" }, "none"))));
}

export function errorBox(e) {
	return h("p", { class: "error", role: "alert" },
	    e.status ? `${e.status}: ${e.message}` : String(e.message || e));
}

// Run an async render, showing its error in place of a crash.
export async function guard(el, fn) {
	try {
		await fn();
	} catch (e) {
		el.append(errorBox(e));
	}
}

export function fmtTime(iso) {
	if (!iso)
		return "";
	return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

export function fmtNum(n) {
	if (typeof n !== "number")
		return n === null || n === undefined ? "" : String(n);
	return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

// A bar of value against threshold; met when value >= threshold.
export function progress(value, threshold, met) {
	const t = threshold > 0 ? threshold : 1;
	const pct = Math.max(0, Math.min(100, (value / t) * 100));
	const fill = h("div");
	fill.style.width = pct.toFixed(1) + "%";
	const bar = h("div", { class: "progress" + (met ? " met" : ""), role: "progressbar",
	    "aria-valuemin": "0", "aria-valuemax": String(t), "aria-valuenow": String(value) },
	    fill, h("span", null, `${fmtNum(value)} / ${fmtNum(threshold)}`));
	return bar;
}

export const COLORS = ["#2456c9", "#1f8a4c", "#b86e00", "#8e44ad", "#c0392b", "#16a2b8", "#7f8c8d", "#d35400"];

export function legend(names) {
	return h("div", { class: "legend" }, names.map((n, i) => {
		const sw = h("i");
		sw.style.background = COLORS[i % COLORS.length];
		return h("span", null, sw, n);
	}));
}

// Horizontal bars: items [{label, value}] (values >= 0).
export function barChart(items, opts = {}) {
	const W = 640, rowH = 24, left = 190, H = items.length * rowH + 10;
	const max = Math.max(1, ...items.map((i) => i.value));
	return h("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img",
	    "aria-label": opts.label || "bar chart" },
	    items.map((it, k) => {
		const w = ((W - left - 70) * it.value) / max;
		const y = 5 + k * rowH;
		return h("g", null,
		    h("text", { x: left - 6, y: y + 15, "text-anchor": "end" }, it.label),
		    h("rect", { x: left, y: y + 3, width: Math.max(w, 1), height: rowH - 8,
			fill: it.color || COLORS[k % COLORS.length] }, h("title", null, `${it.label}: ${it.value}`)),
		    h("text", { x: left + w + 5, y: y + 15 }, fmtNum(it.value)));
	    }));
}

// Stacked columns over time: points [{label, parts: {series: n}}].
export function stackedChart(points, series, opts = {}) {
	const W = 640, H = 220, bottom = 30, left = 36, top = 10;
	const max = Math.max(1, ...points.map((p) => series.reduce((s, k) => s + (p.parts[k] || 0), 0)));
	const cw = points.length ? (W - left - 10) / points.length : 0;
	const y = (v) => H - bottom - ((H - bottom - top) * v) / max;
	const kids = [h("line", { x1: left, y1: H - bottom, x2: W - 5, y2: H - bottom, stroke: "#999" }),
	    h("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, String(max)),
	    h("text", { x: left - 4, y: H - bottom, "text-anchor": "end" }, "0")];
	points.forEach((p, i) => {
		let acc = 0;
		series.forEach((s, k) => {
			const v = p.parts[s] || 0;
			if (v > 0)
				kids.push(h("rect", { x: left + i * cw + 2, y: y(acc + v), width: Math.max(cw - 4, 1),
				    height: y(acc) - y(acc + v), fill: COLORS[k % COLORS.length] },
				    h("title", null, `${p.label} ${s}: ${v}`)));
			acc += v;
		});
		if (points.length <= 8 || i % Math.ceil(points.length / 6) === 0)
			kids.push(h("text", { x: left + i * cw + cw / 2, y: H - bottom + 16, "text-anchor": "middle" }, p.label));
	});
	return h("div", null, h("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img",
	    "aria-label": opts.label || "chart" }, kids), legend(series));
}

// Two distributions side by side: {tier: n} today and draft.
export function compareChart(tiers, a, b, names) {
	const items = [];
	for (const t of tiers) {
		items.push({ label: `${t} · ${names[0]}`, value: a[t] || 0, color: COLORS[0] });
		items.push({ label: `${t} · ${names[1]}`, value: b[t] || 0, color: COLORS[2] });
	}
	return barChart(items, { label: `${names[0]} vs ${names[1]}` });
}
