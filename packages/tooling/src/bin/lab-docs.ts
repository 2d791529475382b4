#!/usr/bin/env node
// `npm run docs`: rewrites the generated blocks of docs/ (what the test suites prove, read from
// the spec files). `--check` only says whether they are stale (exit 1), as the docs spec does.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { replaceGenerated } from "../docs/markdown.js";
import { testingDocBlocks } from "../docs/test-inventory.js";

const root = resolve(import.meta.dirname, "../../../..");
const file = join(root, "docs", "testing.md");
const current = readFileSync(file, "utf8");
const next = Object.entries(testingDocBlocks(root)).reduce((doc, [name, block]) => replaceGenerated(doc, name, block), current);
if (process.argv.includes("--check")) {
  if (next !== current) console.error("docs/testing.md is stale: run npm run docs");
  process.exitCode = next === current ? 0 : 1;
} else if (next !== current) {
  writeFileSync(file, next);
  console.log("docs/testing.md: generated blocks rewritten");
}
