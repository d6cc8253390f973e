// Times fhirpath.js (the HL7 reference implementation for JavaScript) on every valid
// expression of the official R4 FHIRPath suite, compiled once outside the timed loop.
// Prints one JSON line per case: {"group","name","ns_per_eval"}; cases that fhirpath.js
// cannot compile or evaluate are reported with "error".
//   node bench.mjs SUITE.json INPUT_DIR [MIN_MS_PER_CASE]
import fs from 'node:fs';
import path from 'node:path';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';

// fhirpath.js warns on stdout for some date arithmetic; keep stdout for results only.
console.warn = () => {};
console.log = ((log) => (...a) => { if (typeof a[0] === 'string' && a[0].startsWith('{')) log(...a); })(console.log);

const [suitePath, inputDir, minMsArg] = process.argv.slice(2);
const minMs = Number(minMsArg ?? 20);
const cases = JSON.parse(fs.readFileSync(suitePath, 'utf8'));
const inputs = new Map();

function load(file) {
  if (!inputs.has(file)) {
    inputs.set(file, JSON.parse(fs.readFileSync(path.join(inputDir, file), 'utf8')));
  }
  return inputs.get(file);
}

for (const c of cases) {
  if (c.invalid || !c.inputfile) continue;
  const out = { group: c.group, name: c.name };
  try {
    const resource = load(c.inputfile);
    const fn = fhirpath.compile(c.expression, r4model);
    fn(resource);  // warm up, and skip cases that throw
    let iterations = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    const budget = BigInt(minMs) * 1000000n;
    while (elapsed < budget) {
      for (let i = 0; i < 100; i++) fn(resource);
      iterations += 100;
      elapsed = process.hrtime.bigint() - start;
    }
    out.ns_per_eval = Number(elapsed) / iterations;
  } catch (e) {
    out.error = String(e.message ?? e).split('\n')[0];
  }
  console.log(JSON.stringify(out));
}
