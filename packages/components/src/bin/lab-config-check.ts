#!/usr/bin/env node
// `lab.sh up` runs this before the preflight and the engine: the program's own config pass
// (checkRawLabConfig: the schema and the paths it names), on `pulumi config --json
// --show-secrets` read from stdin (a pipe: secrets never reach argv or a log). It prints
// nothing and exits 0 for a good config (or no stack yet), and lists every problem with its
// key and exits 1 otherwise, in about a second instead of the engine's start and refresh.
//
//   pulumi config --json --show-secrets --stack dev | node packages/components/dist/bin/lab-config-check.js --project-root .
import { text } from "node:stream/consumers";
import { resolve } from "node:path";
import { LabConfigError, rawConfigNeedsCosignPassword } from "@signed-image-lab/tooling";
import { checkRawLabConfig } from "../lib/lab-config-checks.js";

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const namespace = arg("--namespace", "signed-image-lab");
const projectRoot = resolve(arg("--project-root", "."));

const input = (await text(process.stdin)).trim();
const entries = Object.entries((input ? JSON.parse(input) : {}) as Record<string, { value?: string; secret?: boolean }>);
const raw: Record<string, string> = {};
const secretKeys = new Set<string>();
for (const [fullKey, entry] of entries) {
  if (!fullKey.startsWith(`${namespace}:`) || entry.value === undefined) continue;
  const key = fullKey.slice(namespace.length + 1);
  raw[key] = entry.value;
  if (entry.secret) secretKeys.add(key);
}
// lab.sh generates a missing cosignPassword right after this check when the key needs one.
if (raw.cosignPassword === undefined && rawConfigNeedsCosignPassword(raw)) {
  raw.cosignPassword = "generated-by-lab.sh";
  secretKeys.add("cosignPassword");
}
const { problems } = checkRawLabConfig(namespace, raw, secretKeys, projectRoot);
if (problems.length > 0) {
  console.error(`lab: ${new LabConfigError(problems).message}`);
  process.exitCode = 1;
}
