import { describe, expect, it } from "vitest";
import { NO_REPAIRS, PIPELINE_STEPS, pipelineSteps, type PipelineOptions, type PipelineValues } from "./pipeline.js";
import { runPipeline, PipelineStepError, type PipelineMemory, type PipelineStepRun } from "./pipeline-runner.js";
import type { StepScript } from "../core/step-script.js";

const REF = `localhost:5001/studentbook@sha256:${"a".repeat(64)}`;
const OPTIONS: PipelineOptions = {
  signatureFormat: "legacy",
  sbom: { format: "spdx-json", scope: "all-layers", delivery: "both", file: "/tmp/lab/studentbook.spdx.json" },
  tools: {},
};
const VALUES: PipelineValues = {
  ref: REF,
  keyRef: "env://COSIGN_PRIVATE_KEY",
  keyFingerprint: "f".repeat(64),
  verifyKeyFingerprint: "f".repeat(64),
  trustTriggers: [],
  repairs: NO_REPAIRS,
};
const INSPECT = JSON.stringify({ Digest: `sha256:${"a".repeat(64)}`, Layers: ["sha256:l1"], Created: "2026-11-26T00:00:00Z" });
const SCAN = JSON.stringify({ sha256: "5".repeat(64), packages: 42 });

/** The tool a step script runs first after its setup: cosign's subcommand, syft, skopeo. */
function toolOf(script: StepScript): string {
  const words = script.invocations.map((i) => i.argv.map(String).join(" ")).join(" | ");
  const known = [
    "skopeo inspect",
    "cosign sign",
    "cosign verify-attestation",
    "cosign verify",
    "cosign triangulate",
    "syft",
    "cosign attach",
    "cosign attest",
  ];
  return known.find((k) => words.includes(k)) ?? words;
}

/** A stand-in for /bin/sh that records which tool ran, in order, and answers like the real one. */
function recorder(fail?: string) {
  const order: string[] = [];
  const run: PipelineStepRun = async (script) => {
    const tool = toolOf(script);
    order.push(tool);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const stdout =
      tool === "skopeo inspect"
        ? INSPECT
        : tool === "syft"
          ? SCAN
          : tool === "cosign triangulate"
            ? "localhost:5001/studentbook:sha256-aaaa.sig\n"
            : "";
    return { exitCode: tool === fail ? 1 : 0, stdout, stderr: tool === fail ? `${tool}: error` : "", timedOut: false, durationMs: 1 };
  };
  return { order, run };
}

describe("the pipeline as data", () => {
  it("lists every step after the steps it needs, each name once", () => {
    const seen = new Set<string>();
    for (const step of PIPELINE_STEPS) {
      for (const need of step.needs) expect(seen.has(need), `${step.name} needs ${need}`).toBe(true);
      expect(seen.has(step.name)).toBe(false);
      seen.add(step.name);
    }
  });

  it("has the steps the options ask for", () => {
    const names = (o: Partial<PipelineOptions> & { delivery?: "attest" | "attach" | "both" }) =>
      pipelineSteps({ ...OPTIONS, ...o, sbom: { ...OPTIONS.sbom, delivery: o.delivery ?? "both" } }).map((s) => s.name);
    expect(names({})).toEqual(["inspect", "sign", "verify", "triangulate", "scan", "attach", "attest", "verify-attestation"]);
    expect(names({ signatureFormat: "bundle" })).not.toContain("triangulate");
    expect(names({ delivery: "attest" })).not.toContain("attach");
    expect(names({ delivery: "attach" })).toEqual(["inspect", "sign", "verify", "triangulate", "scan", "attach"]);
    expect(names({ provenance: { builderId: "https://b" }, policy: { builderId: "https://b" } }).slice(-4)).toEqual([
      "base",
      "attest-provenance",
      "verify-provenance",
      "policy",
    ]);
  });

  it("keeps the triggers the components stored before the pipeline became data (no re-run after an upgrade)", () => {
    const inputs = { ...VALUES, sign: REF, attest: REF, scan: { sha256: "5".repeat(64), packages: 42 } };
    const triggers = Object.fromEntries(pipelineSteps(OPTIONS).map((s) => [s.name, s.triggers(inputs, OPTIONS)]));
    expect(triggers).toEqual({
      inspect: [REF],
      sign: [REF, "f".repeat(64), "legacy", 0],
      verify: [REF, "f".repeat(64), "legacy", 0],
      triangulate: [REF],
      scan: [REF, "spdx-json", "all-layers", 0],
      attach: [REF, "5".repeat(64), 0],
      attest: [REF, "5".repeat(64), "f".repeat(64), "legacy", 0],
      "verify-attestation": [REF, "5".repeat(64), "f".repeat(64), 0],
    });
  });
});

describe("runPipeline (the local runner)", () => {
  it("runs each step after what it needs and yields the parsed results", async () => {
    const { order, run } = recorder();
    const outcome = await runPipeline({ name: "studentbook", options: OPTIONS, values: VALUES, run });
    const at = (tool: string) => order.indexOf(tool);
    expect(at("cosign verify")).toBeGreaterThan(at("cosign sign"));
    expect(at("cosign attest")).toBeGreaterThan(Math.max(at("cosign sign"), at("syft")));
    expect(at("cosign verify-attestation")).toBeGreaterThan(at("cosign attest"));
    expect(at("cosign attach")).toBeGreaterThan(at("syft"));
    expect(outcome.ran).toHaveLength(8);
    expect(outcome.results.scan).toEqual({ sha256: "5".repeat(64), packages: 42 });
    expect(outcome.results.triangulate).toBe("localhost:5001/studentbook:sha256-aaaa.sig");
    expect(outcome.results.inspect?.layers).toEqual(["sha256:l1"]);
    expect(outcome.results["verify-attestation"]).toBe(REF);
  });

  it("runs nothing again when no trigger changed, and only the repaired steps when a repair count did", async () => {
    const memory: PipelineMemory = new Map();
    await runPipeline({ name: "studentbook", options: OPTIONS, values: VALUES, memory, run: recorder().run });
    const again = await runPipeline({ name: "studentbook", options: OPTIONS, values: VALUES, memory, run: recorder().run });
    expect(again.ran).toEqual([]);
    expect(again.results.scan?.packages).toBe(42);
    const repaired = await runPipeline({
      name: "studentbook",
      options: OPTIONS,
      values: { ...VALUES, repairs: { ...NO_REPAIRS, attestation: 1 } },
      memory,
      run: recorder().run,
    });
    expect([...repaired.ran].sort()).toEqual(["attest", "verify-attestation"]);
  });

  it("fails closed: a failed sign names its step, and nothing that needs the signature runs", async () => {
    const { order, run } = recorder("cosign sign");
    const failure = await runPipeline({ name: "studentbook", options: OPTIONS, values: VALUES, run }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PipelineStepError);
    expect((failure as PipelineStepError).step).toBe("studentbook-sign");
    expect(order).not.toContain("cosign verify");
    expect(order).not.toContain("cosign attest");
    expect(order).not.toContain("cosign triangulate");
  });

  it("runs a subset with the results of the other steps handed in", async () => {
    const { order, run } = recorder();
    const outcome = await runPipeline({ name: "app", options: OPTIONS, values: VALUES, steps: ["verify"], results: { sign: REF }, run });
    expect(order).toEqual(["cosign verify"]);
    expect(outcome.results.verify).toBe(REF);
  });
});
