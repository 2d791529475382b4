import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { renderStepScript } from "../core/step-script.js";
import { parseSbomSummary, scanStep } from "./syft-commands.js";

const REF = `localhost:5001/studentbook@sha256:${"cd".repeat(32)}`;
const workDir = mkdtempSync(join(tmpdir(), "syft-spec-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("scanStep", () => {
  it("scans the registry digest over all layers into the SBOM file, offline", () => {
    const step = scanStep({ ref: REF, outFile: "/w/sbom.spdx.json", sbomFormat: "spdx-json" });
    expect(step.invocations[0]?.argv).toEqual(["mkdir", "-p", "/w"]);
    const scan = step.invocations[1];
    expect(scan?.argv).toEqual(["syft", "scan", `registry:${REF}`, "--scope", "all-layers", "-o", "spdx-json=/w/sbom.spdx.json.partial"]);
    expect(scan?.env).toEqual({ SYFT_CHECK_FOR_APP_UPDATE: "false", SYFT_REGISTRY_INSECURE_USE_HTTP: "true" });
    expect(step.registryHost).toBe("localhost:5001");
  });

  it("talks verified TLS to a registry off this machine, never plain HTTP, and writes CycloneDX when asked", () => {
    for (const host of ["registry.example.com", "10.0.0.7:5000", "localhost.example.com"]) {
      const ref = `${host}/studentbook@sha256:${"cd".repeat(32)}`;
      const scan = scanStep({ ref, outFile: "/w/s.cdx.json", sbomFormat: "cyclonedx-json", scope: "squashed" }).invocations[1];
      expect(scan?.env, host).toEqual({ SYFT_CHECK_FOR_APP_UPDATE: "false" });
      expect(scan?.argv).toEqual(expect.arrayContaining(["squashed", "cyclonedx-json=/w/s.cdx.json.partial"]));
    }
  });

  it("verifies the registry's TLS against a CA file when given one, never over plain HTTP", () => {
    const scan = scanStep({ ref: REF, outFile: "/w/s.json", sbomFormat: "spdx-json", registryCaFile: "/ca/ca.crt" }).invocations[1];
    expect(scan?.env).toEqual({ SYFT_CHECK_FOR_APP_UPDATE: "false", SYFT_REGISTRY_CA_CERT: "/ca/ca.crt" });
  });

  it("refuses a tag", () => {
    expect(() => scanStep({ ref: "localhost:5001/studentbook:1.0", outFile: "/x", sbomFormat: "spdx-json" })).toThrow(/pinned by digest/);
  });

  it.each([
    ["SPDX", { packages: [{}, {}, {}] }, 3],
    ["CycloneDX", { components: [{}, {}] }, 2],
  ])("summarises a real %s file with sha256 and package count through sh and node", async (_name, doc, count) => {
    const file = join(workDir, `it's an sbom ${count}.json`);
    const body = JSON.stringify(doc);
    const source = join(workDir, `source-${count}.json`);
    writeFileSync(source, body);
    // A syft stand-in that writes the document where `-o format=path` says.
    const fakeSyft = join(workDir, `fake-syft-${count}`);
    writeFileSync(fakeSyft, `#!/bin/sh\nfor a; do case $a in spdx-json=*) cp '${source}' "\${a#spdx-json=}";; esac; done\n`, {
      mode: 0o755,
    });
    const script = renderStepScript(scanStep({ ref: REF, outFile: file, sbomFormat: "spdx-json", syft: fakeSyft, node: process.execPath }));
    const { stdout } = await promisify(execFile)("/bin/sh", ["-c", script]);
    expect(parseSbomSummary(stdout)).toEqual({ sha256: createHash("sha256").update(body).digest("hex"), packages: count });
    expect(existsSync(`${file}.partial`)).toBe(false);
  });
});

describe("parseSbomSummary", () => {
  it("refuses output that is not a summary", () => {
    expect(() => parseSbomSummary('{"sha256":"nothex","packages":1}')).toThrow(/not an SBOM summary/);
    expect(() => parseSbomSummary("")).toThrow();
  });
});
