// main: sign-in, the menu and the routes (#/name/arg?query).
import { call, credential, setCredential, clearCredential } from "./api.js";
import { h, clear, view, errorBox } from "./ui.js";
import { statements, statement, documents } from "./statements.js";
import { programs, program, recommendations, certifications, analytics } from "./tiering.js";
import { credentials, operations } from "./admin.js";
import { scorecard } from "./scorecard.js";

const ADMIN_MENU = [["statements", "Statements"], ["documents", "Documents"], ["credentials", "Credentials"],
    ["programs", "Programs"], ["recommendations", "Recommendations"], ["certifications", "Certifications"],
    ["analytics", "Analytics"], ["operations", "Operations"]];

const routes = {
	statements: (a, q) => statements(q),
	statement: (a) => statement(a),
	documents: (a, q) => documents(q),
	credentials: () => credentials(),
	programs: () => programs(),
	program: (a) => program(a),
	recommendations: () => recommendations(),
	certifications: (a, q) => certifications(q),
	analytics: (a, q) => analytics(q),
	operations: () => operations(),
};

// Who key:secret is (401 throws).  A credential that reads the programs
// but is refused the bindings is bound to an organisation (the tiering
// API refuses a bound one everything but its own standings, its members
// and the definitions): a partner, whose organisation is the one its
// standings name.
async function identify(key, secret) {
	const cred = { key, secret };
	const status = (path) => call("GET", path, { cred }).then(() => 200, (e) => {
		if (e.status === 401 || e.status === 429 || e.status >= 500)
			throw e;
		return e.status;
	});
	if (await status("/tiering/programs") === 200 && await status("/tiering/bindings") === 403)
		return { role: "partner", organization: await ownOrganization(cred) };
	/* An admin, or a credential without the tiering scope (or a server
	 * without the engine): the statements tell whether it is valid. */
	await status("/xapi/statements?limit=1");
	return { role: "admin" };
}

// The organisation a bound credential's standings name ("" when it has
// none yet: the scorecard then says it is not enrolled).
async function ownOrganization(cred) {
	const progs = (await call("GET", "/tiering/programs", { cred })).data;
	for (const p of progs.filter((x) => !x.deleted)) {
		const list = (await call("GET", `/tiering/programs/${encodeURIComponent(p.id)}/enrollments`, { cred })).data;
		if (list.length)
			return list[0].organization;
	}
	return "";
}

function showSignin(message) {
	document.getElementById("signin").hidden = false;
	document.getElementById("nav").hidden = true;
	document.getElementById("signout").hidden = true;
	document.getElementById("who").textContent = "";
	clear(view());
	document.getElementById("signin-error").textContent = message || "";
}

function menu(c) {
	const nav = document.getElementById("nav");
	const items = c.role === "partner" ? [["scorecard", "Scorecard"]] : ADMIN_MENU;
	clear(nav, items.map(([k, t]) => h("a", { href: "#/" + k, "data-route": k }, t)));
	nav.hidden = false;
	document.getElementById("signin").hidden = true;
	document.getElementById("signout").hidden = false;
	document.getElementById("who").textContent = c.role === "partner" ?
	    `${c.key} (partner${c.organization ? " of " + c.organization : ""})` : c.key;
}

async function route() {
	const c = credential();
	if (!c)
		return showSignin();
	menu(c);
	const hash = location.hash.replace(/^#\/?/, "") || (c.role === "partner" ? "scorecard" : "statements");
	const [path, qs] = hash.split("?");
	const [name, ...rest] = path.split("/");
	const arg = rest.length ? decodeURIComponent(rest.join("/")) : undefined;
	const q = Object.fromEntries(new URLSearchParams(qs || ""));
	for (const a of document.querySelectorAll("#nav a"))
		a.classList.toggle("active", a.dataset.route === name ||
		    (a.dataset.route + "s" === name) || (name === "statement" && a.dataset.route === "statements") ||
		    (name === "program" && a.dataset.route === "programs"));
	try {
		if (c.role === "partner") {
			/* A partner has its scorecard and nothing else. */
			if (name !== "scorecard")
				return void (location.hash = "#/scorecard");
			return await scorecard(c.organization);
		}
		const fn = routes[name];
		if (!fn)
			return clear(view(), h("p", { class: "error" }, `No page ${name}.`));
		await fn(arg, q);
	} catch (e) {
		if (e.status === 401) {
			clearCredential();
			return showSignin("The credential is no longer accepted; sign in again.");
		}
		view().append(errorBox(e));
	}
}

document.getElementById("signin-form").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const key = document.getElementById("signin-key").value.trim();
	const secret = document.getElementById("signin-secret").value;
	const err = document.getElementById("signin-error");
	err.textContent = "";
	try {
		const who = await identify(key, secret);
		setCredential(key, secret, who.role, who.organization);
		document.getElementById("signin-secret").value = "";
		const target = who.role === "partner" ? "#/scorecard" : "#/statements";
		if (location.hash === target)
			await route();
		else
			location.hash = target;	/* hashchange routes */
	} catch (e) {
		err.textContent = e.status === 401 ? "Wrong key or secret." : `${e.status || ""} ${e.message}`;
	}
});

document.getElementById("signout").addEventListener("click", () => {
	clearCredential();
	location.hash = "";
	showSignin();
});

window.addEventListener("hashchange", route);
route();
