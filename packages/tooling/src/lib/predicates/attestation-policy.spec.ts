import { describe, expect, it } from "vitest";
import { parseDeniedPackage, renderAttestationPolicy } from "./attestation-policy.js";
import { LAB_BUILDER_ID } from "./provenance.js";

describe("attestation policy", () => {
  it.each([
    ["express", { entry: "express", name: "express" }],
    ["express@4.21.2", { entry: "express@4.21.2", name: "express", version: "4.21.2" }],
    ["@types/node", { entry: "@types/node", name: "@types/node" }],
    ["@types/node@20.1.0", { entry: "@types/node@20.1.0", name: "@types/node", version: "20.1.0" }],
    ["libc6@2.36-9+deb12u10", { entry: "libc6@2.36-9+deb12u10", name: "libc6", version: "2.36-9+deb12u10" }],
  ])("reads the deny-list entry %s", (entry, parsed) => {
    expect(parseDeniedPackage(entry)).toEqual(parsed);
  });

  it.each(["", "express@", " express", "@", "express@4 .1"])("refuses the deny-list entry %j, naming the option", (entry) => {
    expect(() => parseDeniedPackage(entry)).toThrow(/^deniedPackages: .* is not a package name or name@version/);
  });

  it("renders the provenance rules from tools/policy with the trusted builder id appended", () => {
    const policy = renderAttestationPolicy("slsaprovenance1", { builderId: LAB_BUILDER_ID, deniedPackages: ["express"] });
    expect(policy).toMatch(/^# signed-image-lab attestation policy: SLSA provenance v1/);
    expect(policy).toContain("package signature\n");
    expect(policy).toContain("policy rule builder-id violated");
    expect(policy).toContain("policy rule base-image-pinned violated");
    expect(policy.trimEnd().split("\n").at(-1)).toBe('builder_id = "https://github.com/signed-image-lab/builder@v1"');
    expect(policy).not.toContain("denied_packages =");
  });

  it("renders the SBOM rules with the deny list as a Rego term, the same for both SBOM formats", () => {
    const options = { builderId: LAB_BUILDER_ID, deniedPackages: ["express", 'evil"pkg@1.0'] };
    const policy = renderAttestationPolicy("spdx-json", options);
    expect(policy).toContain("policy rule denied-packages violated");
    expect(policy.trimEnd().split("\n").at(-1)).toBe(
      'denied_packages = [{"entry":"express","name":"express"},{"entry":"evil\\"pkg@1.0","name":"evil\\"pkg","version":"1.0"}]',
    );
    expect(renderAttestationPolicy("cyclonedx-json", options)).toBe(policy);
    expect(renderAttestationPolicy("spdx-json", { builderId: LAB_BUILDER_ID }).trimEnd().split("\n").at(-1)).toBe("denied_packages = []");
  });

  it("refuses a builder id that is not a URI", () => {
    expect(() => renderAttestationPolicy("slsaprovenance1", { builderId: "my builder" })).toThrow(/builderId must be a URI/);
  });
});
