import { describe, expect, it } from "vitest";
import { inspectStep, policyCopyStep, sigstoreAttachmentsConfig, sigstorePolicy } from "./skopeo-commands.js";

const REF = `localhost:5001/studentbook@sha256:${"ef".repeat(32)}`;

describe("skopeo steps", () => {
  it("inspect the pushed digest over plain HTTP by default, with a CA directory for TLS", () => {
    expect(inspectStep({ ref: REF }).invocations[0]?.argv).toEqual(["skopeo", "inspect", "--tls-verify=false", `docker://${REF}`]);
    expect(inspectStep({ ref: REF, tlsVerify: true, certDir: "/ca" }).invocations[0]?.argv).toEqual([
      "skopeo", "inspect", "--tls-verify=true", "--cert-dir", "/ca", `docker://${REF}`,
    ]);
  });

  it("copy under a signature policy with the lab's registries.d", () => {
    const argv = policyCopyStep({ ref: REF, policyFile: "/p.json", registriesDir: "/r", destinationDir: "/out" }).invocations[0]?.argv;
    expect(argv).toEqual(["skopeo", "--policy", "/p.json", "--registries.d", "/r", "copy", "--src-tls-verify=false", `docker://${REF}`, "dir:/out"]);
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
