import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { manifestServedStep, restoreTagStep } from "./manifest-commands.js";
import { runStep } from "../core/step-runner.js";
import { renderStepScript } from "../core/step-script.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const OTHER = `sha256:${"cd".repeat(32)}`;
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json" });

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A registry stand-in: serves `manifests` (reference → [digest, body]) under /v2/team/app, takes
 * PUTs, and with `bearer` answers 401 with a Bearer challenge until the token is sent.
 */
function fakeRegistry(manifests: Map<string, [string, string]>, seen: Seen[], options: { bearer?: boolean } = {}): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const port = (server.address() as AddressInfo).port;
      if (req.url?.startsWith("/token?")) {
        const ok = req.headers.authorization === `Basic ${Buffer.from("alice:pw").toString("base64")}`;
        return void res.writeHead(ok ? 200 : 401, { "Content-Type": "application/json" }).end(ok ? '{"token":"t0k"}' : "{}");
      }
      if (options.bearer && req.headers.authorization !== "Bearer t0k") {
        const challenge = `Bearer realm="http://127.0.0.1:${port}/token",service="lab",scope="repository:team/app:pull,push"`;
        return void res.writeHead(401, { "WWW-Authenticate": challenge }).end();
      }
      const reference = (req.url ?? "").replace("/v2/team/app/manifests/", "");
      if (req.method === "PUT") {
        manifests.set(reference, [DIGEST, body]);
        return void res.writeHead(201).end();
      }
      const found = manifests.get(reference);
      if (!found) return void res.writeHead(404).end();
      const headers = { "Content-Type": "application/vnd.oci.image.manifest.v1+json", "Docker-Content-Digest": found[0] };
      res.writeHead(200, headers).end(req.method === "HEAD" ? undefined : found[1]);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const manifests = new Map<string, [string, string]>();
const seen: Seen[] = [];
let server: Server;
let ref: string;
let host: string;

beforeAll(async () => {
  server = await fakeRegistry(manifests, seen);
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  ref = `${host}/team/app@${DIGEST}`;
});
afterAll(() => server.close());
beforeEach(() => {
  manifests.clear();
  seen.length = 0;
});

describe("manifestServedStep", () => {
  it("passes with one HEAD by digest when the registry serves the manifest", async () => {
    manifests.set(DIGEST, [DIGEST, MANIFEST]);
    const result = await runStep(manifestServedStep({ ref }));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([`HEAD /v2/team/app/manifests/${DIGEST}`]);
  });

  it("fails closed, naming the digest, when the manifest is gone (404)", async () => {
    const result = await runStep(manifestServedStep({ ref }));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`the registry does not serve the manifest of ${ref} (HTTP 404)`);
  });

  it("fails when the registry answers another digest for it, or cannot be asked", async () => {
    manifests.set(DIGEST, [OTHER, MANIFEST]);
    expect((await runStep(manifestServedStep({ ref }))).stderr).toContain(
      `could not confirm that the registry serves the manifest of ${ref}`,
    );
    const gone = await runStep(manifestServedStep({ ref: `127.0.0.1:1/team/app@${DIGEST}` }));
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toMatch(
      /could not ask the registry about 127\.0\.0\.1:1\/team\/app@sha256:(ab)+: connection refused \(connect ECONNREFUSED/,
    );
  });

  it("sends the step's registry credentials as Basic, and follows a Bearer challenge for a token", async () => {
    const bearer = await fakeRegistry(manifests, seen, { bearer: true });
    try {
      const at = `127.0.0.1:${(bearer.address() as AddressInfo).port}/team/app@${DIGEST}`;
      manifests.set(DIGEST, [DIGEST, MANIFEST]);
      const result = await runStep(manifestServedStep({ ref: at }), { LAB_REGISTRY_USERNAME: "alice", LAB_REGISTRY_PASSWORD: "pw" });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(seen.map((s) => s.headers.authorization)).toEqual([
        `Basic ${Buffer.from("alice:pw").toString("base64")}`,
        `Basic ${Buffer.from("alice:pw").toString("base64")}`,
        "Bearer t0k",
      ]);
      expect(seen[1]?.url).toBe("/token?service=lab&scope=repository%3Ateam%2Fapp%3Apull%2Cpush");
    } finally {
      bearer.close();
    }
  });

  it("follows the one transport rule: https for a host that is not loopback or has a CA, the CA handed to node", () => {
    const remote = renderStepScript(manifestServedStep({ ref: `registry.example.com/team/app@${DIGEST}` }));
    expect(remote).toContain("served https://registry.example.com team/app");
    const withCa = renderStepScript(manifestServedStep({ ref: `localhost:5001/app@${DIGEST}`, registryCaFile: "/lab/ca.crt" }));
    expect(withCa).toContain(`served https://localhost:5001 app ${DIGEST} '' /lab/ca.crt`);
    expect(renderStepScript(manifestServedStep({ ref }))).toContain(`served http://${host} team/app`);
  });
});

describe("restoreTagStep", () => {
  it("puts a moved tag back on the digest: the digest's manifest, with its media type, PUT under the tag", async () => {
    manifests.set(DIGEST, [DIGEST, MANIFEST]);
    manifests.set("1.0", [OTHER, "{}"]);
    const result = await runStep(restoreTagStep({ ref, tag: "1.0" }));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`${host}/team/app:1.0`);
    expect(result.stderr).toContain(`lab: put tag 1.0 back on ${DIGEST} (it pointed to ${OTHER})`);
    const put = seen.find((s) => s.method === "PUT");
    expect(put).toMatchObject({ url: "/v2/team/app/manifests/1.0", body: MANIFEST });
    expect(put?.headers["content-type"]).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifests.get("1.0")?.[1]).toBe(MANIFEST);
  });

  it("leaves a tag that already points at the digest alone (no PUT)", async () => {
    manifests.set(DIGEST, [DIGEST, MANIFEST]);
    manifests.set("1.0", [DIGEST, MANIFEST]);
    const result = await runStep(restoreTagStep({ ref, tag: "1.0" }));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    expect(seen.some((s) => s.method === "PUT")).toBe(false);
  });

  it("never tags a digest the registry does not serve, and refuses what is no tag", async () => {
    const result = await runStep(restoreTagStep({ ref, tag: "1.0" }));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`the registry does not serve the manifest of ${ref}`);
    expect(seen.some((s) => s.method === "PUT")).toBe(false);
    expect(() => restoreTagStep({ ref, tag: "-1; rm" })).toThrow(/not a tag/);
  });
});
