#!/usr/bin/env node
// Checks everything under schemas/ (run through run.sh, or `node check.js`
// after `npm ci`).  Prints one line per failed check and, last, exactly
// "N passed, M failed"; exits 0 only when M is 0.
//
// Layout and naming rule:
//   schemas/<name>.schema.json            one JSON Schema (draft-07) per admin API body
//   schemas/examples/definitions/good/<name>.json
//   schemas/examples/definitions/good/<name>--<what>.json
//                                         must be valid against <name>.schema.json
//   schemas/examples/definitions/bad/<name>--<what>.json
//                                         must be invalid against <name>.schema.json, for one
//                                         reason, and <name>--<what>.expect (one line) holds the
//                                         JSON pointer of the instance location the validator
//                                         must report, as lrsd's validator prints it: "/" is the
//                                         whole document (ajv's instancePath ""; no property in
//                                         these schemas has an empty name, so the RFC 6901
//                                         reading of "/" never arises)
//   schemas/profile.jsonld                the xAPI Profile
//   schemas/examples/statements/<template>.json
//   schemas/examples/statements/<template>--<what>.json
//                                         an xAPI statement that must match the Statement
//                                         Template NS/templates/<template> of the profile
// <name> is everything before the first "--" (or before ".json"), so schema
// names may contain single hyphens (skill-profile, custom-decision).
//
// What is checked (each line of output that fails is one check; the total counts all):
//   - schemas: draft-07 $schema, title/description on the schema and on every property,
//     additionalProperties: false on every object with properties, only the keywords and
//     formats lrsd's C validator implements (ALLOWED_KEYWORDS, ALLOWED_FORMATS), local
//     $refs that resolve, patterns a POSIX ERE engine reads the same way, and compilation
//     by ajv in strict mode (draft-07).  strictRequired is part of strict mode, which is
//     why a `required` inside oneOf/then branches restates its properties there.
//   - examples: every schema has good and bad examples; good ones validate; bad ones
//     fail with an ajv error at the .expect location and no error elsewhere (beyond the
//     wrapper errors ajv adds for if/anyOf/oneOf).
//   - profile: the xAPI Profiles 1.0 structure rules checkable offline (profile and
//     version properties, no empty values, unique IRIs, each concept's type, inScheme in
//     versions, prefLabel/definition in "en", extension rules, every concept the README
//     mints present with the right type, every IRI a template uses is a concept of the
//     right type or one of REUSED_IRIS, rule syntax and JSONPath subset).
//   - statements: a light xAPI shape check; extensions under NS are concepts used where
//     their type allows and fit their inlineSchema; the statement has the determining
//     properties of its template and follows its rules; and, as in the profile spec's
//     validation algorithm, no other template whose determining properties it has fails.
"use strict";

const fs = require("fs");
const path = require("path");
const Ajv = require("ajv");
const addFormats = require("ajv-formats");

const ROOT = path.resolve(__dirname, "..", "..");
const SCHEMAS = path.join(ROOT, "schemas");
const GOOD = path.join(SCHEMAS, "examples", "definitions", "good");
const BAD = path.join(SCHEMAS, "examples", "definitions", "bad");
const STATEMENTS = path.join(SCHEMAS, "examples", "statements");
const PROFILE = path.join(SCHEMAS, "profile.jsonld");

const NS = "https://lrsd.dev/xapi/tiering";

// The schema documents the admin API accepts (tiering/README.md, sections 4 and 6).
const EXPECTED_SCHEMAS = [
  "program", "benefit", "certification", "skill-profile", "organization",
  "enrollment", "custom-decision", "recommendation-decision", "clock",
];

// IRIs the README reuses from other vocabularies; a template may use these
// without the profile defining them.
const REUSED_IRIS = new Set([
  "http://activitystrea.ms/join",
  "http://activitystrea.ms/leave",
  "http://adlnet.gov/expapi/verbs/registered",
  "http://id.tincanapi.com/verb/closed-sale",
  "https://w3id.org/xapi/tla/verbs/conferred",
  "https://w3id.org/xapi/tla/verbs/expired",
  "https://w3id.org/xapi/tla/verbs/revoked",
  "http://adlnet.gov/expapi/verbs/completed",
  "http://adlnet.gov/expapi/verbs/passed",
  "http://adlnet.gov/expapi/verbs/failed",
  "http://adlnet.gov/expapi/verbs/scored",
]);

// Concepts the README mints under NS: every one must be in the profile.
const MINTED = {
  Verb: ["signed", "approved", "rated", "decided", "defined", "deleted", "recalculated",
    "ticked", "leveled", "enrolled", "promoted", "demoted", "ended", "renewed",
    "recommended", "withdrew", "superseded", "approved-recommendation",
    "rejected-recommendation"].map((s) => `${NS}/verbs/${s}`),
  ActivityType: ["partner-agreement", "deal"].map((s) => `${NS}/activity-types/${s}`),
  Extension: ["amount", "currency", "product-line", "region", "role", "payload",
    "definition", "subject", "outcome", "instant"].map((s) => `${NS}/extensions/${s}`),
};

// Templates that must exist, each with at least one example statement
// (the business and membership events of README section 1).
const REQUIRED_EXAMPLES = ["agreement-signed", "deal-registered", "deal-approved",
  "deal-closed-won", "deal-rated", "membership-joined", "membership-left"];

// Keywords lrsd's C validator implements.
const ALLOWED_KEYWORDS = new Set([
  "$schema", "type", "enum", "const", "properties", "required", "additionalProperties",
  "patternProperties", "pattern", "propertyNames", "minProperties", "maxProperties",
  "items", "additionalItems", "contains", "minItems", "maxItems", "uniqueItems",
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
  "minLength", "maxLength", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
  "dependencies", "definitions", "$ref", "format",
  "title", "description", "$comment", "examples", "default",
]);
const ALLOWED_FORMATS = new Set(["date", "date-time", "uri"]);

// ---------------------------------------------------------------- reporting
let passed = 0;
let failed = 0;
function check(name, fn) {
  let problem;
  try {
    problem = fn();
  } catch (e) {
    problem = `threw ${e && e.message ? e.message : e}`;
  }
  if (problem === undefined || problem === null || problem === true) {
    passed++;
  } else {
    failed++;
    const text = Array.isArray(problem) ? problem.join("; ") : String(problem);
    console.log(`FAIL ${name}: ${text}`);
  }
}

function readJSON(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}
function listJSON(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
}
function prefixOf(file) {
  const base = file.replace(/\.json$/, "");
  const i = base.indexOf("--");
  return i < 0 ? base : base.slice(0, i);
}
function fmtErrors(errors) {
  return (errors || []).map((e) => `${e.instancePath || "(root)"} ${e.message}` +
    (e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : "") +
    (e.params && e.params.missingProperty ? ` (${e.params.missingProperty})` : "")).join(" | ");
}

// ---------------------------------------------------------------- schemas
const ajv = new Ajv({strict: true, allErrors: true});
addFormats(ajv, [...ALLOWED_FORMATS]);

// Walk a schema, calling visit(schemaObject, pointer) on each subschema.
function walkSchema(schema, ptr, visit) {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return;
  visit(schema, ptr);
  const mapKeys = ["properties", "patternProperties", "definitions", "dependencies"];
  const oneKeys = ["additionalProperties", "propertyNames", "additionalItems", "contains",
    "not", "if", "then", "else"];
  const arrKeys = ["allOf", "anyOf", "oneOf"];
  for (const k of mapKeys) {
    if (schema[k] && typeof schema[k] === "object") {
      for (const [n, sub] of Object.entries(schema[k])) {
        if (!Array.isArray(sub)) walkSchema(sub, `${ptr}/${k}/${n}`, visit);
      }
    }
  }
  for (const k of oneKeys) if (k in schema) walkSchema(schema[k], `${ptr}/${k}`, visit);
  for (const k of arrKeys) {
    if (Array.isArray(schema[k])) schema[k].forEach((s, i) => walkSchema(s, `${ptr}/${k}/${i}`, visit));
  }
  if (Array.isArray(schema.items)) schema.items.forEach((s, i) => walkSchema(s, `${ptr}/items/${i}`, visit));
  else if ("items" in schema) walkSchema(schema.items, `${ptr}/items`, visit);
}

// Things a POSIX ERE engine does not read like ECMAScript does.
function ereProblem(re) {
  if (/\\[dDwWsSbBpPkuxc0-9]/.test(re)) return "uses a backslash class or escape that POSIX ERE lacks";
  if (/\(\?/.test(re)) return "uses a (?...) group (lookaround or non-capturing)";
  if (/[*+?}]\?/.test(re)) return "uses a lazy quantifier";
  if (/\\\//.test(re)) return "escapes '/'";
  try { new RegExp(re, "u"); } catch (e) { return `is not a valid regular expression: ${e.message}`; }
  return null;
}

function resolveLocalRef(root, ref) {
  if (!ref.startsWith("#/")) return undefined;
  let node = root;
  for (const part of ref.slice(2).split("/")) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === undefined || node === null) return undefined;
    node = node[key];
  }
  return node;
}

const validators = {};
const schemaFiles = fs.readdirSync(SCHEMAS).filter((f) => f.endsWith(".schema.json")).sort();
const schemaNames = schemaFiles.map((f) => f.replace(/\.schema\.json$/, ""));

check("schemas: one schema per admin API body", () => {
  const missing = EXPECTED_SCHEMAS.filter((n) => !schemaNames.includes(n));
  const extra = schemaNames.filter((n) => !EXPECTED_SCHEMAS.includes(n));
  const out = [];
  if (missing.length) out.push(`missing ${missing.join(", ")}`);
  if (extra.length) out.push(`unexpected ${extra.join(", ")}`);
  return out.length ? out : null;
});

for (const file of schemaFiles) {
  const name = file.replace(/\.schema\.json$/, "");
  let schema;
  check(`${file}: is JSON`, () => { schema = readJSON(path.join(SCHEMAS, file)); });
  if (!schema) continue;

  check(`${file}: draft-07 with title and description`, () => {
    const out = [];
    if (schema.$schema !== "http://json-schema.org/draft-07/schema#") out.push(`$schema is ${schema.$schema}`);
    if (!schema.title) out.push("no title");
    if (!schema.description) out.push("no description");
    return out.length ? out : null;
  });

  check(`${file}: only keywords, formats and patterns the C validator supports`, () => {
    const out = [];
    walkSchema(schema, "", (s, ptr) => {
      for (const k of Object.keys(s)) {
        if (!ALLOWED_KEYWORDS.has(k)) out.push(`${ptr || "/"}: keyword ${k}`);
      }
      if ("format" in s && !ALLOWED_FORMATS.has(s.format)) out.push(`${ptr}: format ${s.format}`);
      if ("$ref" in s) {
        if (typeof s.$ref !== "string" || !s.$ref.startsWith("#/definitions/")) out.push(`${ptr}: $ref ${s.$ref} is not local`);
        else if (resolveLocalRef(schema, s.$ref) === undefined) out.push(`${ptr}: $ref ${s.$ref} does not resolve`);
      }
      if (typeof s.pattern === "string") {
        const p = ereProblem(s.pattern);
        if (p) out.push(`${ptr}: pattern ${s.pattern} ${p}`);
      }
      if (s.patternProperties) {
        for (const re of Object.keys(s.patternProperties)) {
          const p = ereProblem(re);
          if (p) out.push(`${ptr}: patternProperties ${re} ${p}`);
        }
      }
    });
    return out.length ? out : null;
  });

  check(`${file}: every property has a title or description`, () => {
    const out = [];
    walkSchema(schema, "", (s, ptr) => {
      // properties restated inside allOf/anyOf/oneOf/if/then/else/not (conditions, or
      // "not: {}" forbidding a property) are described where they are declared
      if (!s.properties || /\/(allOf|anyOf|oneOf)\/[0-9]+|\/(if|then|else|not)(\/|$)/.test(ptr)) return;
      for (const [p, sub] of Object.entries(s.properties)) {
        let target = sub;
        if (sub && sub.$ref && !sub.title && !sub.description) target = resolveLocalRef(schema, sub.$ref) || {};
        if (!(target.title || target.description)) out.push(`${ptr}/properties/${p}`);
      }
    });
    return out.length ? out : null;
  });

  check(`${file}: definition objects close with additionalProperties: false`, () => {
    const out = [];
    walkSchema(schema, "", (s, ptr) => {
      if (s.type === "object" && s.properties && s.additionalProperties !== false) out.push(ptr || "/");
    });
    return out.length ? out : null;
  });

  check(`${file}: compiles with ajv (strict, draft-07)`, () => {
    validators[name] = ajv.compile(schema);
  });
}

// ---------------------------------------------------------------- good and bad examples
const goodFiles = listJSON(GOOD);
const badFiles = listJSON(BAD);

for (const name of EXPECTED_SCHEMAS) {
  check(`examples: ${name} has good and bad examples`, () => {
    const out = [];
    if (!goodFiles.some((f) => prefixOf(f) === name)) out.push("no good example");
    if (!badFiles.some((f) => prefixOf(f) === name)) out.push("no bad example");
    return out.length ? out : null;
  });
}

for (const file of goodFiles) {
  const name = prefixOf(file);
  check(`good/${file}: valid against ${name}.schema.json`, () => {
    const validate = validators[name];
    if (!validate) return `no compiled schema ${name}.schema.json`;
    const doc = readJSON(path.join(GOOD, file));
    return validate(doc) ? null : fmtErrors(validate.errors);
  });
}

// An error belongs to the one reason at want (an ajv instancePath, root "") when it
// is at want, below want (not when want is the root: that would be anything), or
// above it as the wrapper ajv adds for a failed if/then/else, anyOf or oneOf.
function sameReason(e, want) {
  const a = e.instancePath;
  if (a === want) return true;
  if (want !== "" && a.startsWith(want + "/")) return true;
  return (a === "" || want.startsWith(a + "/")) && ["if", "anyOf", "oneOf"].includes(e.keyword);
}

for (const file of badFiles) {
  const name = prefixOf(file);
  const base = file.replace(/\.json$/, "");
  const expectFile = path.join(BAD, base + ".expect");
  let expected;
  let errors;
  check(`bad/${file}: named <schema>--<what>.json with a one-line .expect`, () => {
    if (!file.includes("--")) return "name has no --";
    if (!fs.existsSync(expectFile)) return `missing ${base}.expect`;
    const text = fs.readFileSync(expectFile, "utf8");
    const lines = text.split("\n");
    if (!(lines.length === 2 && lines[1] === "") && !(lines.length === 1)) return ".expect is not exactly one line";
    expected = lines[0];
    if (!expected.startsWith("/")) return `.expect "${expected}" is not a JSON pointer ("/" for the root)`;
    return null;
  });
  check(`bad/${file}: invalid against ${name}.schema.json`, () => {
    const validate = validators[name];
    if (!validate) return `no compiled schema ${name}.schema.json`;
    const doc = readJSON(path.join(BAD, file));
    if (validate(doc)) return "is valid";
    errors = validate.errors;
    return null;
  });
  if (expected === undefined || !errors) continue;
  const want = expected === "/" ? "" : expected;
  check(`bad/${file}: an error at ${expected}`, () =>
    errors.some((e) => e.instancePath === want) ? null : `errors: ${fmtErrors(errors)}`);
  check(`bad/${file}: invalid for one reason only`, () => {
    const stray = errors.filter((e) => !sameReason(e, want));
    return stray.length ? `other errors: ${fmtErrors(stray)}` : null;
  });
}

// ---------------------------------------------------------------- profile
const IRI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/;
const isIRI = (s) => typeof s === "string" && IRI_RE.test(s);
const CONCEPT_TYPES = {
  Verb: "verbs", ActivityType: "activity-types", AttachmentUsageType: "attachment-usage-types",
  ContextExtension: "extensions", ResultExtension: "extensions", ActivityExtension: "extensions",
  StateResource: "resources", AgentProfileResource: "resources", ActivityProfileResource: "resources",
  Activity: "activities",
};
const TEMPLATE_KEYS = new Set(["id", "type", "inScheme", "prefLabel", "definition", "deprecated", "verb",
  "objectActivityType", "contextGroupingActivityType", "contextParentActivityType",
  "contextOtherActivityType", "contextCategoryActivityType", "attachmentUsageType",
  "objectStatementRefTemplate", "contextStatementRefTemplate", "rules"]);
const RULE_KEYS = new Set(["location", "selector", "presence", "any", "all", "none", "scopeNote"]);

let profile;
check("profile.jsonld: is well-formed JSON", () => { profile = readJSON(PROFILE); });

const concepts = new Map();
const templates = new Map();
if (profile) {
  const versionIds = (Array.isArray(profile.versions) ? profile.versions : []).map((v) => v && v.id);
  for (const c of profile.concepts || []) if (c && c.id) concepts.set(c.id, c);
  for (const t of profile.templates || []) if (t && t.id) templates.set(t.id, t);

  check("profile.jsonld: profile properties", () => {
    const out = [];
    const ctx = profile["@context"];
    const ctxOK = ctx === "https://w3id.org/xapi/profiles/context" ||
      (Array.isArray(ctx) && ctx.includes("https://w3id.org/xapi/profiles/context"));
    if (!ctxOK) out.push("@context is not https://w3id.org/xapi/profiles/context");
    if (profile.id !== NS) out.push(`id is ${profile.id}, not ${NS}`);
    if (profile.type !== "Profile") out.push("type is not Profile");
    if (profile.conformsTo !== "https://w3id.org/xapi/profiles#1.0") out.push("conformsTo is not https://w3id.org/xapi/profiles#1.0");
    for (const k of ["prefLabel", "definition"]) {
      if (!profile[k] || typeof profile[k].en !== "string") out.push(`${k} has no "en"`);
    }
    if (!profile.author || !["Organization", "Person"].includes(profile.author.type) || !profile.author.name) out.push("author needs type Organization|Person and name");
    if (!Array.isArray(profile.versions) || profile.versions.length === 0) out.push("no versions");
    return out.length ? out : null;
  });

  check("profile.jsonld: versions are IRIs with generatedAtTime, distinct from the profile id", () => {
    const out = [];
    const dt = ajv.compile({type: "string", format: "date-time"});
    for (const v of profile.versions || []) {
      if (!isIRI(v.id)) out.push(`version id ${v.id} is not an IRI`);
      if (v.id === profile.id) out.push("a version id equals the profile id");
      if (!dt(v.generatedAtTime)) out.push(`${v.id}: generatedAtTime ${v.generatedAtTime} is not a date-time`);
      for (const r of v.wasRevisionOf || []) if (!versionIds.includes(r) && !isIRI(r)) out.push(`${v.id}: wasRevisionOf ${r}`);
    }
    if (new Set(versionIds).size !== versionIds.length) out.push("duplicate version ids");
    return out.length ? out : null;
  });

  check("profile.jsonld: no empty objects, null, empty strings or empty arrays", () => {
    const out = [];
    const walk = (v, p) => {
      if (v === null) out.push(`${p} is null`);
      else if (v === "") out.push(`${p} is an empty string`);
      else if (Array.isArray(v)) { if (!v.length) out.push(`${p} is an empty array`); v.forEach((x, i) => walk(x, `${p}/${i}`)); }
      else if (typeof v === "object") {
        const ks = Object.keys(v);
        if (!ks.length) out.push(`${p} is an empty object`);
        for (const k of ks) walk(v[k], `${p}/${k}`);
      }
    };
    walk(profile, "");
    return out.length ? out : null;
  });

  check("profile.jsonld: ids are unique IRIs", () => {
    const out = [];
    const all = [profile.id, ...versionIds, ...(profile.concepts || []).map((c) => c.id),
      ...(profile.templates || []).map((t) => t.id), ...(profile.patterns || []).map((p) => p.id)];
    const seen = new Set();
    for (const id of all) {
      if (!isIRI(id)) out.push(`${id} is not an IRI`);
      if (seen.has(id)) out.push(`${id} appears twice`);
      seen.add(id);
    }
    return out.length ? out : null;
  });

  for (const c of profile.concepts || []) {
    check(`profile.jsonld: concept ${c.id}`, () => {
      const out = [];
      if (!(c.type in CONCEPT_TYPES)) out.push(`type ${c.type} is not a concept type`);
      else if (isIRI(c.id) && c.id.startsWith(NS + "/") && !c.id.startsWith(`${NS}/${CONCEPT_TYPES[c.type]}/`)) {
        out.push(`a ${c.type} should be minted under ${NS}/${CONCEPT_TYPES[c.type]}/`);
      }
      if (!versionIds.includes(c.inScheme)) out.push(`inScheme ${c.inScheme} is not in versions`);
      if (c.type === "Activity") {
        if (!c.activityDefinition) out.push("no activityDefinition");
      } else {
        for (const k of ["prefLabel", "definition"]) {
          if (!c[k] || typeof c[k].en !== "string" || !c[k].en) out.push(`${k} has no "en"`);
        }
      }
      const rel = ["broader", "broadMatch", "narrower", "narrowMatch", "related", "relatedMatch", "exactMatch"];
      for (const k of rel) {
        if (k in c) {
          if (!["Verb", "ActivityType", "AttachmentUsageType"].includes(c.type)) out.push(`${k} on a ${c.type}`);
          if (!Array.isArray(c[k]) || !c[k].every(isIRI)) out.push(`${k} is not an array of IRIs`);
          if (["broader", "narrower", "related"].includes(k)) {
            for (const r of c[k] || []) if (!concepts.has(r) || concepts.get(r).type !== c.type) out.push(`${k} ${r} is not a ${c.type} of this profile`);
          }
        }
      }
      if ("related" in c && c.deprecated !== true) out.push("related on a concept that is not deprecated");
      if (/Extension$/.test(c.type)) {
        if ("schema" in c && "inlineSchema" in c) out.push("both schema and inlineSchema");
        if ("recommendedActivityTypes" in c && c.type !== "ActivityExtension") out.push("recommendedActivityTypes on a non-activity extension");
        if ("recommendedVerbs" in c && c.type === "ActivityExtension") out.push("recommendedVerbs on an activity extension");
        for (const v of c.recommendedVerbs || []) {
          if (!REUSED_IRIS.has(v) && !(concepts.has(v) && concepts.get(v).type === "Verb")) out.push(`recommendedVerbs ${v} is neither a Verb of the profile nor reused`);
        }
        for (const t of c.recommendedActivityTypes || []) {
          if (!REUSED_IRIS.has(t) && !(concepts.has(t) && concepts.get(t).type === "ActivityType")) out.push(`recommendedActivityTypes ${t} is neither an ActivityType of the profile nor reused`);
        }
        if ("inlineSchema" in c) {
          try {
            const s = typeof c.inlineSchema === "string" ? JSON.parse(c.inlineSchema) : c.inlineSchema;
            ajv.compile(s);
          } catch (e) { out.push(`inlineSchema does not compile: ${e.message}`); }
        }
        if ("schema" in c && !isIRI(c.schema)) out.push("schema is not an IRI");
      }
      return out.length ? out : null;
    });
  }

  check("profile.jsonld: every concept the README mints is defined with the right type", () => {
    const out = [];
    for (const [kind, ids] of Object.entries(MINTED)) {
      for (const id of ids) {
        const c = concepts.get(id);
        if (!c) out.push(`${id} missing`);
        else if (kind === "Extension" ? !/Extension$/.test(c.type) : c.type !== kind) out.push(`${id} is a ${c.type}, not ${kind}`);
      }
    }
    return out.length ? out : null;
  });

  // IRIs a template refers to, each with the concept type it must have
  function templateIRIs(t) {
    const refs = [];
    if (t.verb) refs.push([t.verb, "Verb", "verb"]);
    if (t.objectActivityType) refs.push([t.objectActivityType, "ActivityType", "objectActivityType"]);
    for (const k of ["contextGroupingActivityType", "contextParentActivityType", "contextOtherActivityType", "contextCategoryActivityType"]) {
      for (const x of t[k] || []) refs.push([x, "ActivityType", k]);
    }
    for (const x of t.attachmentUsageType || []) refs.push([x, "AttachmentUsageType", "attachmentUsageType"]);
    for (const r of t.rules || []) {
      for (const p of [r.location, r.selector]) {
        if (typeof p !== "string") continue;
        // an IRI in brackets is an extension key; its concept type follows from where it is
        const re = /(\$?[A-Za-z.\[\]*'0-9]*?)\['([^']+)'\]/g;
        let m;
        while ((m = re.exec(p))) {
          if (!isIRI(m[2])) continue;
          const before = p.slice(0, m.index + m[1].length);
          let type = "Extension";
          if (/result\.extensions$/.test(before)) type = "ResultExtension";
          else if (/context\.extensions$/.test(before)) type = "ContextExtension";
          else if (/definition\.extensions$/.test(before)) type = "ActivityExtension";
          refs.push([m[2], type, "rule location"]);
        }
      }
      for (const k of ["any", "all", "none"]) for (const v of r[k] || []) if (isIRI(v)) refs.push([v, null, `rule ${k}`]);
    }
    return refs;
  }

  for (const t of profile.templates || []) {
    check(`profile.jsonld: template ${t.id}`, () => {
      const out = [];
      if (t.type !== "StatementTemplate") out.push("type is not StatementTemplate");
      if (!versionIds.includes(t.inScheme)) out.push(`inScheme ${t.inScheme} is not in versions`);
      for (const k of ["prefLabel", "definition"]) if (!t[k] || typeof t[k].en !== "string") out.push(`${k} has no "en"`);
      for (const k of Object.keys(t)) if (!TEMPLATE_KEYS.has(k) && !k.startsWith("@")) out.push(`unknown property ${k}`);
      if (t.objectStatementRefTemplate && t.objectActivityType) out.push("both objectStatementRefTemplate and objectActivityType");
      for (const k of ["objectStatementRefTemplate", "contextStatementRefTemplate"]) {
        for (const x of t[k] || []) if (!templates.has(x)) out.push(`${k} ${x} is not a template of this profile`);
      }
      for (const [iri, type, where] of templateIRIs(t)) {
        if (REUSED_IRIS.has(iri)) continue;
        const c = concepts.get(iri);
        if (!c) {
          // rule values that are IRIs but not vocabulary (none are expected) must still be ours or reused
          out.push(`${where} ${iri} is neither a concept of the profile nor a reused IRI`);
        } else if (type && (type === "Extension" ? !/Extension$/.test(c.type) : c.type !== type)) {
          out.push(`${where} ${iri} is a ${c.type}, expected ${type}`);
        }
      }
      (t.rules || []).forEach((r, i) => {
        for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) out.push(`rule ${i}: unknown property ${k}`);
        if (!["presence", "any", "all", "none"].some((k) => k in r)) out.push(`rule ${i}: needs presence, any, all or none`);
        if ("presence" in r && !["included", "excluded", "recommended"].includes(r.presence)) out.push(`rule ${i}: presence ${r.presence}`);
        for (const p of [r.location, r.selector]) {
          if (p === undefined) continue;
          try { parseJSONPath(p); } catch (e) { out.push(`rule ${i}: ${e.message}`); }
        }
      });
      return out.length ? out : null;
    });
  }

  for (const slug of REQUIRED_EXAMPLES) {
    check(`profile.jsonld: template ${slug} exists and has an example statement`, () => {
      const out = [];
      if (!templates.has(`${NS}/templates/${slug}`)) out.push("no such template");
      if (!listJSON(STATEMENTS).some((f) => prefixOf(f) === slug)) out.push("no example statement");
      return out.length ? out : null;
    });
  }
}

// ---------------------------------------------------------------- JSONPath (the profile spec's subset)
// $ followed by .name, .*, [*], ['a','b'], [0,1]; several paths joined by |.
function parseJSONPath(text) {
  const alts = [];
  let cur = "";
  let inQuote = false;
  for (const ch of text) {
    if (ch === "'") inQuote = !inQuote;
    if (ch === "|" && !inQuote) { alts.push(cur.trim()); cur = ""; } else cur += ch;
  }
  alts.push(cur.trim());
  return alts.map((p) => {
    if (!p.startsWith("$")) throw new Error(`JSONPath ${p} does not start with $`);
    const steps = [];
    let i = 1;
    while (i < p.length) {
      if (p[i] === ".") {
        if (p[i + 1] === ".") throw new Error(`JSONPath ${p}: recursive descent is not supported`);
        const m = /^(\*|[A-Za-z_][A-Za-z0-9_-]*)/.exec(p.slice(i + 1));
        if (!m) throw new Error(`JSONPath ${p}: bad name at ${i}`);
        steps.push(m[1] === "*" ? ["*"] : [m[1]]);
        i += 1 + m[1].length;
      } else if (p[i] === "[") {
        const end = p.indexOf("]", p[i + 1] === "'" ? p.indexOf("'", p.indexOf("'", i) + 1) : i);
        if (end < 0) throw new Error(`JSONPath ${p}: unclosed [`);
        const inner = p.slice(i + 1, end).trim();
        if (inner === "*") steps.push(["*"]);
        else {
          const keys = [];
          const re = /\s*(?:'([^']*)'|(\d+))\s*(,|$)/g;
          let m;
          let consumed = 0;
          while ((m = re.exec(inner)) && m[0] !== "") {
            keys.push(m[1] !== undefined ? m[1] : Number(m[2]));
            consumed = re.lastIndex;
            if (m[3] === "") break;
          }
          if (!keys.length || consumed !== inner.length) throw new Error(`JSONPath ${p}: bad [${inner}]`);
          steps.push(keys);
        }
        i = end + 1;
      } else throw new Error(`JSONPath ${p}: unexpected ${p[i]} at ${i}`);
    }
    return steps;
  });
}
function applyJSONPath(doc, text) {
  const out = [];
  for (const steps of parseJSONPath(text)) {
    let nodes = [doc];
    for (const keys of steps) {
      const next = [];
      for (const n of nodes) {
        if (n === null || typeof n !== "object") continue;
        if (keys[0] === "*" && keys.length === 1) next.push(...(Array.isArray(n) ? n : Object.values(n)));
        else for (const k of keys) if (Object.prototype.hasOwnProperty.call(n, k) && n[k] !== undefined) next.push(n[k]);
      }
      nodes = next;
    }
    out.push(...nodes);
  }
  return out;
}

// ---------------------------------------------------------------- statements
const UNMATCHABLE = Symbol("unmatchable");
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function followsRule(stmt, rule) {
  let strict = true;
  let values = applyJSONPath(stmt, rule.location);
  if (rule.selector) {
    const originals = values;
    values = [];
    for (const v of originals) {
      const sel = applyJSONPath(v, rule.selector);
      if (!sel.length) values.push(UNMATCHABLE); else values.push(...sel);
    }
  }
  const where = rule.location + (rule.selector ? ` ${rule.selector}` : "");
  if (rule.presence === "included") {
    if (values.includes(UNMATCHABLE) || values.length === 0) return `${where} must be included`;
  } else if (rule.presence === "excluded") {
    if (values.some((v) => v !== UNMATCHABLE)) return `${where} must be excluded`;
  } else if (rule.presence === "recommended") strict = false;
  if (rule.any && (strict || values.length)) {
    if (!values.some((v) => rule.any.some((a) => eq(a, v)))) return `${where} must include one of ${JSON.stringify(rule.any)}`;
  }
  if (rule.all && (strict || values.length)) {
    if (values.includes(UNMATCHABLE) || !values.every((v) => rule.all.some((a) => eq(a, v)))) return `${where} must only be ${JSON.stringify(rule.all)}`;
  }
  if (rule.none && (strict || values.length)) {
    if (values.some((v) => rule.none.some((a) => eq(a, v)))) return `${where} must not be ${JSON.stringify(rule.none)}`;
  }
  return null;
}
function contextTypes(stmt, kind) {
  let acts = stmt.context && stmt.context.contextActivities && stmt.context.contextActivities[kind];
  if (acts && !Array.isArray(acts)) acts = [acts];
  return (acts || []).map((a) => a && a.definition && a.definition.type).filter(Boolean);
}
function matchesDeterminingProperties(stmt, t) {
  if (t.verb && !(stmt.verb && stmt.verb.id === t.verb)) return false;
  if (t.objectActivityType && !(stmt.object && stmt.object.definition && stmt.object.definition.type === t.objectActivityType)) return false;
  const ctx = {contextGroupingActivityType: "grouping", contextParentActivityType: "parent",
    contextOtherActivityType: "other", contextCategoryActivityType: "category"};
  for (const [k, kind] of Object.entries(ctx)) {
    if (t[k] && !t[k].every((x) => contextTypes(stmt, kind).includes(x))) return false;
  }
  if (t.attachmentUsageType) {
    const used = (stmt.attachments || []).map((a) => a.usageType);
    if (!t.attachmentUsageType.every((x) => used.includes(x))) return false;
  }
  return true;
}
function followsTemplate(stmt, t) {
  const problems = [];
  if (t.objectStatementRefTemplate && !(stmt.object && stmt.object.objectType === "StatementRef")) problems.push("object must be a StatementRef");
  if (t.contextStatementRefTemplate && !(stmt.context && stmt.context.statement && stmt.context.statement.objectType === "StatementRef")) problems.push("context.statement must be a StatementRef");
  for (const r of t.rules || []) {
    const p = followsRule(stmt, r);
    if (p) problems.push(p);
  }
  return problems;
}

// A light xAPI shape check of the examples (the LRS does the full one).
const statementShape = ajv.compile({
  type: "object",
  definitions: {
    iri: {type: "string", format: "uri"},
    account: {type: "object", properties: {homePage: {type: "string", format: "uri"}, name: {type: "string", minLength: 1}},
      required: ["homePage", "name"], additionalProperties: false},
    agent: {type: "object", properties: {objectType: {const: "Agent"}, name: {type: "string"},
      mbox: {type: "string", pattern: "^mailto:[^@]+@[^@]+$"}, mbox_sha1sum: {type: "string", pattern: "^[0-9a-fA-F]{40}$"},
      openid: {type: "string", format: "uri"}, account: {$ref: "#/definitions/account"}},
    additionalProperties: false,
    oneOf: ["mbox", "mbox_sha1sum", "openid", "account"].map((k) => ({properties: {[k]: {}}, required: [k]}))},
    group: {type: "object", properties: {objectType: {const: "Group"}, name: {type: "string"},
      account: {$ref: "#/definitions/account"}, mbox: {type: "string"}, member: {type: "array"}},
    required: ["objectType"], additionalProperties: false},
    actor: {anyOf: [{$ref: "#/definitions/agent"}, {$ref: "#/definitions/group"}]},
    langmap: {type: "object", propertyNames: {pattern: "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"}, additionalProperties: {type: "string"}},
    extensions: {type: "object", propertyNames: {format: "uri"}},
    activity: {type: "object", properties: {objectType: {const: "Activity"}, id: {$ref: "#/definitions/iri"},
      definition: {type: "object", properties: {type: {$ref: "#/definitions/iri"}, name: {$ref: "#/definitions/langmap"},
        description: {$ref: "#/definitions/langmap"}, extensions: {$ref: "#/definitions/extensions"}}, additionalProperties: false}},
    required: ["id"], additionalProperties: false},
  },
  properties: {
    id: {type: "string", pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"},
    actor: {$ref: "#/definitions/actor"},
    verb: {type: "object", properties: {id: {$ref: "#/definitions/iri"}, display: {$ref: "#/definitions/langmap"}},
      required: ["id"], additionalProperties: false},
    object: {anyOf: [{$ref: "#/definitions/activity"}, {$ref: "#/definitions/agent"}, {$ref: "#/definitions/group"},
      {type: "object", properties: {objectType: {const: "StatementRef"}, id: {type: "string"}}, required: ["objectType", "id"], additionalProperties: false}]},
    result: {type: "object", properties: {
      score: {type: "object", properties: {scaled: {type: "number", minimum: -1, maximum: 1}, raw: {type: "number"},
        min: {type: "number"}, max: {type: "number"}}, additionalProperties: false},
      success: {type: "boolean"}, completion: {type: "boolean"}, response: {type: "string"}, duration: {type: "string"},
      extensions: {$ref: "#/definitions/extensions"}}, additionalProperties: false},
    context: {type: "object", properties: {
      registration: {type: "string"}, instructor: {$ref: "#/definitions/actor"}, team: {$ref: "#/definitions/group"},
      contextActivities: {type: "object"}, revision: {type: "string"}, platform: {type: "string"}, language: {type: "string"},
      statement: {type: "object", properties: {objectType: {const: "StatementRef"},
        id: {type: "string", pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"}},
      required: ["objectType", "id"], additionalProperties: false},
      extensions: {$ref: "#/definitions/extensions"}}, additionalProperties: false},
    timestamp: {type: "string", format: "date-time"},
    stored: {type: "string", format: "date-time"},
    authority: {$ref: "#/definitions/actor"},
    version: {type: "string"},
  },
  required: ["id", "actor", "verb", "object", "timestamp"],
  additionalProperties: false,
});

const statementFiles = listJSON(STATEMENTS);
for (const file of statementFiles) {
  let stmt;
  check(`statements/${file}: a well-formed xAPI statement`, () => {
    stmt = readJSON(path.join(STATEMENTS, file));
    return statementShape(stmt) ? null : fmtErrors(statementShape.errors);
  });
  if (!stmt || !profile) continue;

  check(`statements/${file}: our extensions are concepts used where their type allows`, () => {
    const out = [];
    const places = [
      ["ContextExtension", stmt.context && stmt.context.extensions, "context"],
      ["ResultExtension", stmt.result && stmt.result.extensions, "result"],
      ["ActivityExtension", stmt.object && stmt.object.definition && stmt.object.definition.extensions, "object definition"],
    ];
    for (const [type, exts, where] of places) {
      for (const k of Object.keys(exts || {})) {
        if (!k.startsWith(NS + "/")) continue;
        const c = concepts.get(k);
        if (!c) { out.push(`${k} is not a concept of the profile`); continue; }
        if (c.type !== type) { out.push(`${k} is a ${c.type}, used in ${where}`); continue; }
        if (c.inlineSchema) {
          const v = ajv.compile(JSON.parse(c.inlineSchema));
          if (!v(exts[k])) out.push(`${k} value does not fit its inlineSchema: ${fmtErrors(v.errors)}`);
        }
      }
    }
    for (const iri of [stmt.verb && stmt.verb.id, stmt.object && stmt.object.definition && stmt.object.definition.type]) {
      if (iri && iri.startsWith(NS + "/") && !concepts.has(iri)) out.push(`${iri} is not a concept of the profile`);
    }
    return out.length ? out : null;
  });

  const slug = prefixOf(file);
  const tid = `${NS}/templates/${slug}`;
  check(`statements/${file}: follows template ${slug}`, () => {
    const t = templates.get(tid);
    if (!t) return `no template ${tid}`;
    const out = [];
    if (!matchesDeterminingProperties(stmt, t)) out.push("does not have the template's determining properties (verb, activity types)");
    out.push(...followsTemplate(stmt, t));
    return out.length ? out : null;
  });

  // the profile algorithm: every template whose determining properties match must be followed
  check(`statements/${file}: no other template of the profile rejects it`, () => {
    const out = [];
    for (const t of templates.values()) {
      if (t.id === tid || !matchesDeterminingProperties(stmt, t)) continue;
      const p = followsTemplate(stmt, t);
      if (p.length) out.push(`${t.id}: ${p.join(", ")}`);
    }
    return out.length ? out : null;
  });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
