#!/usr/bin/env node
// `npm run lab:doctor`: what `lab:up` needs, at which pinned version, found where, or how it
// will be obtained. With --obtain (lab:up runs it so), first gets into .tools/bin what needs no
// root — cosign, syft and oras (go install, or a checksum-verified release), the Pulumi CLI (go build) —
// printing a line per stage with its time. Exits 1, naming the one command to run, when
// something needs root or a daemon, or cannot be had at all; before any resource is touched.
import { execa } from "execa";
import { join, resolve } from "node:path";
import { inspectMachine, planPreflight, readToolPins, renderPreflight, type ObtainMethod } from "../lib/operations/preflight.js";
import { downloadVerified } from "../lib/core/release-download.js";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const projectBin = process.env.LAB_TOOLS_BIN ?? join(repoRoot, ".tools", "bin");

async function obtain(method: ObtainMethod): Promise<void> {
  const started = Date.now();
  const what = method.kind === "go-build-cli" ? "pulumi" : method.tool;
  console.log(`lab-doctor: obtaining ${what} (${method.kind}) ...`);
  if (method.kind === "release") {
    await downloadVerified(method.release, join(projectBin, method.tool));
  } else {
    const script =
      method.kind === "go-install" ? ["tools/bootstrap/signing-tools.sh", method.tool] : ["tools/engine/build.sh", "--cli-only"];
    const result = await execa("bash", script, { cwd: repoRoot, stdout: "inherit", stderr: "inherit", reject: false });
    if (result.exitCode !== 0) throw new Error(`${script.join(" ")} failed (exit ${result.exitCode})`);
  }
  console.log(`lab-doctor: ${what} ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function main(): Promise<number> {
  const pins = readToolPins();
  let rows = planPreflight(await inspectMachine(projectBin, pins), pins);
  const toObtain = rows.flatMap((r) => (r.obtain && r.status === "obtain" ? [r.obtain] : []));
  if (process.argv.includes("--obtain") && toObtain.length > 0 && !rows.some((r) => r.status === "missing")) {
    console.log(renderPreflight(rows));
    for (const method of toObtain) await obtain(method);
    rows = planPreflight(await inspectMachine(projectBin, pins), pins);
  }
  console.log(renderPreflight(rows));
  return rows.some((r) => r.status === "missing") ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`lab-doctor: ${(error as Error).message}`);
  process.exitCode = 1;
}
