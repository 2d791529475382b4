import { describe, expect, it } from "vitest";
import { inspectStep, policyCheckStep, sigstoreAttachmentsConfig, sigstorePolicy } from "./skopeo-commands.js";

const REF = `localhost:5001/studentbook@sha256:${"ef".repeat(32)}`;

describe("skopeo steps", () => {
  it("inspect the pushed digest over plain HTTP by default, with a CA directory for TLS", () => {
    expect(inspectStep({ ref: REF }).invocations[0]?.argv).toEqual(["skopeo", "inspect", "--tls-verify=false", `docker://${REF}`]);
    expect(inspectStep({ ref: REF, tlsVerify: true, certDir: "/ca" }).invocations[0]?.argv).toEqual([
      "skopeo", "inspect", "--tls-verify=true", "--cert-dir", "/ca", `docker://${REF}`,
    ]);
  });

  it("check a digest against a signature policy with the lab's registries.d", () => {
    const step = policyCheckStep({ ref: REF, policyFile: "/p.json", registriesDir: "/r" });
    expect(step.invocations[0]?.argv).toEqual(["lab-policy-check", "--policy", "/p.json", "--registries.d", "/r", "--tls-verify=false", `docker://${REF}`]);
    expect(step.registryHost).toBe("localhost:5001");
    expect(() => policyCheckStep({ ref: "localhost:5001/studentbook:1.0", policyFile: "/p", registriesDir: "/r" })).toThrow(/pinned by digest/);
  });

  it("check over verified TLS with the registry's CA directory", () => {
    expect(policyCheckStep({ ref: REF, policyFile: "/p.json", registriesDir: "/r", tlsVerify: true, certDir: "/ca" }).invocations[0]?.argv).toEqual([
      "lab-policy-check", "--policy", "/p.json", "--registries.d", "/r", "--tls-verify=true", "--cert-dir", "/ca", `docker://${REF}`,
    ]);
  });

  it("write a policy that rejects by default and wants the cosign key for the repository", () => {
    expect(sigstorePolicy("localhost:5001/studentbook", "/k/cosign.pub")).toEqual({
      default: [{ type: "reject" }],
      transports: {
        docker: {
          "localhost:5001/studentbook": [
            { type: "sigstoreSigned", keyPath: "/k/cosign.pub", signedIdentity: { type: "matchRepository" } },
          ],
        },
      },
    });
    expect(sigstoreAttachmentsConfig("localhost:5001")).toBe('docker:\n  "localhost:5001":\n    use-sigstore-attachments: true\n');
  });
});
