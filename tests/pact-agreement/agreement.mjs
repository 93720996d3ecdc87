// Runs every case under tests/data/pact/ through PactFlow's comparator
// (@pactflow/openapi-pact-comparator, pinned in package.json) and compares
// its error and warning codes with Treaty's (the case's expected.json, which
// crates/treaty-cli/tests/pact_fixtures.rs holds `treaty pact check` to).
// A case agrees on errors when both sides report the same set of error
// codes, and on warnings likewise. Every case that disagrees on either must
// be listed, with its reason, in disagreements.json, and every listed case
// must still disagree: the script exits 1 otherwise. See docs/pact.md,
// "Agreement with PactFlow's comparator".
//
//   cd tests/pact-agreement && npm ci && node agreement.mjs
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Comparator } from "@pactflow/openapi-pact-comparator";
import { parse as parseYaml } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "data", "pact");
const listed = JSON.parse(readFileSync(join(here, "disagreements.json"), "utf8"));

const sorted = (codes) => [...new Set(codes)].sort();
const same = (a, b) => a.length === b.length && a.every((c, i) => c === b[i]);
const show = (codes) => (codes.length ? codes.join(", ") : "-");

async function pactflow(dir) {
  const oas = parseYaml(readFileSync(join(dir, "openapi.yaml"), "utf8"));
  const pact = JSON.parse(readFileSync(join(dir, "pact.json"), "utf8"));
  const comparator = new Comparator({ oas });
  const errors = [];
  const warnings = [];
  try {
    for await (const result of comparator.compare(pact)) {
      (result.type === "error" ? errors : warnings).push(result.code);
    }
  } catch (e) {
    // A comparator that throws reports nothing usable: count it as an error
    // code of its own so the case shows up as a disagreement.
    errors.push(`(threw: ${e.message})`);
  }
  return { errors: sorted(errors), warnings: sorted(warnings) };
}

function treaty(dir) {
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8"));
  const findings = expected.findings ?? [];
  const of = (level) => sorted(findings.filter((f) => f.level === level).map((f) => f.code));
  return { exit: expected.exit, errors: of("error"), warnings: of("warning") };
}

const cases = readdirSync(root)
  .filter((name) => statSync(join(root, name)).isDirectory())
  .sort();

let total = 0;
let agreeBoth = 0;
let agreeErrors = 0;
let agreeWarnings = 0;
const problems = [];
const seen = new Set();

for (const name of cases) {
  const dir = join(root, name);
  if (!existsSync(join(dir, "openapi.yaml"))) {
    // Messages against AsyncAPI: PactFlow's comparator does not read
    // AsyncAPI, so there is nothing to agree with (Treaty's own codes).
    console.log(`${name}: skipped (AsyncAPI, not compared by PactFlow)`);
    continue;
  }
  const t = treaty(dir);
  if (t.exit === 2) {
    // The pact or the spec is deliberately unreadable: Treaty refuses it
    // before comparing, so there is nothing to compare.
    console.log(`${name}: skipped (deliberately unreadable input)`);
    continue;
  }
  seen.add(name);
  total += 1;
  const p = await pactflow(dir);
  const errorsAgree = same(p.errors, t.errors);
  const warningsAgree = same(p.warnings, t.warnings);
  if (errorsAgree) agreeErrors += 1;
  if (warningsAgree) agreeWarnings += 1;
  const agrees = errorsAgree && warningsAgree;
  if (agrees) agreeBoth += 1;
  const verdict = agrees ? "agree" : `DISAGREE (${[errorsAgree ? "" : "errors", warningsAgree ? "" : "warnings"].filter(Boolean).join(", ")})`;
  console.log(`${name}: ${verdict}`);
  console.log(`  pactflow errors:   ${show(p.errors)}`);
  console.log(`  treaty   errors:   ${show(t.errors)}`);
  console.log(`  pactflow warnings: ${show(p.warnings)}`);
  console.log(`  treaty   warnings: ${show(t.warnings)}`);
  if (!agrees && !(name in listed)) {
    problems.push(`${name}: disagrees but is not listed in disagreements.json`);
  } else if (agrees && name in listed) {
    problems.push(`${name}: listed in disagreements.json but now agrees; remove it`);
  } else if (!agrees) {
    console.log(`  listed: ${listed[name]}`);
  }
}
for (const name of Object.keys(listed)) {
  if (!seen.has(name)) problems.push(`${name}: listed in disagreements.json but no such comparable case`);
}

console.log("");
console.log(`agreement on errors:   ${agreeErrors}/${total} cases`);
console.log(`agreement on warnings: ${agreeWarnings}/${total} cases`);
console.log(`agreement on both:     ${agreeBoth}/${total} cases (${Object.keys(listed).length} disagreements listed in disagreements.json)`);
if (problems.length) {
  console.error("");
  for (const p of problems) console.error(`error: ${p}`);
  process.exit(1);
}
