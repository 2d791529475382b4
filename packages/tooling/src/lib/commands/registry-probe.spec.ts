import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeArtifacts } from "./registry-probe.js";
import { isLoopbackHost } from "../core/registry-transport.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const TAG = `sha256-${"ab".repeat(32)}`;

/** A registry stand-in that serves exactly the manifests in `manifests` (path → body) and records headers. */
function fakeRegistry(manifests: Map<string, string>, seen: IncomingHttpHeaders[], status?: number): Promise<Server> {
  const server = createServer((req, res) => {
    seen.push(req.headers);
    if (status) return void res.writeHead(status).end();
    const body = manifests.get(req.url ?? "");
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": "application/vnd.oci.image.index.v1+json" }).end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const manifests = new Map<string, string>();
const seen: IncomingHttpHeaders[] = [];
let server: Server;
let ref: string;

beforeAll(async () => {
  server = await fakeRegistry(manifests, seen);
  ref = `127.0.0.1:${(server.address() as AddressInfo).port}/team/app@${DIGEST}`;
});
afterAll(() => server.close());

describe("probeArtifacts", () => {
  it("finds the legacy .sig, .att and .sbom tags of the digest, and says which are gone", async () => {
    manifests.clear();
    manifests.set(`/v2/team/app/manifests/${TAG}.sig`, "{}");
    manifests.set(`/v2/team/app/manifests/${TAG}.sbom`, "{}");
    expect(await probeArtifacts(ref, "legacy")).toEqual({ signature: true, attestation: false, attachment: true });
  });

  it("tells bundle signatures from bundle attestations by their predicate type (referrers fallback tag)", async () => {
    manifests.clear();
    const index = (...types: string[]) =>
      JSON.stringify({ manifests: types.map((t) => ({ annotations: { "dev.sigstore.bundle.predicateType": t } })) });
    manifests.set(`/v2/team/app/manifests/${TAG}`, index("https://spdx.dev/Document"));
    expect(await probeArtifacts(ref, "bundle")).toEqual({ signature: false, attestation: true, attachment: false });
    manifests.set(`/v2/team/app/referrers/${DIGEST}`, index("https://sigstore.dev/cosign/sign/v1"));
    expect(await probeArtifacts(ref, "bundle")).toEqual({ signature: true, attestation: false, attachment: false });
  });

  it("reads the predicate type from the bundle's own manifest when the index entry lacks it (signed through a signing config)", async () => {
    manifests.clear();
    const [sig, att] = [`sha256:${"01".repeat(32)}`, `sha256:${"02".repeat(32)}`];
    manifests.set(`/v2/team/app/manifests/${TAG}`, JSON.stringify({ manifests: [{ digest: sig }, { digest: att }] }));
    const bundle = (type: string) => JSON.stringify({ annotations: { "dev.sigstore.bundle.predicateType": type } });
    manifests.set(`/v2/team/app/manifests/${sig}`, bundle("https://sigstore.dev/cosign/sign/v1"));
    manifests.set(`/v2/team/app/manifests/${att}`, bundle("https://spdx.dev/Document"));
    expect(await probeArtifacts(ref, "bundle")).toEqual({ signature: true, attestation: true, attachment: false });
    manifests.delete(`/v2/team/app/manifests/${att}`);
    // A bundle manifest the registry cannot produce: cannot tell, never "lost".
    expect(await probeArtifacts(ref, "bundle")).toEqual({});
  });

  it("sends registry credentials as a Basic header only", async () => {
    seen.length = 0;
    await probeArtifacts(ref, "legacy", { username: "alice", password: "s3cret" });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h.authorization === `Basic ${Buffer.from("alice:s3cret").toString("base64")}`)).toBe(true);
  });

  it("claims nothing when the registry refuses or is gone", async () => {
    const refusing = await fakeRegistry(manifests, [], 401);
    try {
      expect(await probeArtifacts(`127.0.0.1:${(refusing.address() as AddressInfo).port}/app@${DIGEST}`, "legacy")).toEqual({});
    } finally {
      refusing.close();
    }
    const closed = await fakeRegistry(manifests, []);
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await probeArtifacts(`127.0.0.1:${port}/app@${DIGEST}`, "legacy")).toEqual({});
  });
});

describe("isLoopbackHost", () => {
  it("accepts localhost, 127.0.0.0/8 and [::1] with or without a port, nothing else", () => {
    for (const host of ["localhost:5001", "127.0.0.1", "127.1.2.3:80", "[::1]:5000"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["registry.example.com", "10.0.0.1:5000", "localhost.example.com", "128.0.0.1"])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});
