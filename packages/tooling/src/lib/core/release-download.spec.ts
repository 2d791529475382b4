import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadVerified, verifySha256 } from "./release-download.js";

// The real release path downloads from the internet, which this machine cannot reach; the
// checksum logic is the same for a file served on loopback.
const dir = mkdtempSync(join(tmpdir(), "release-download-"));
const body = Buffer.from("#!/bin/sh\necho cosign v0.0.0-test\n");
const sha256 = createHash("sha256").update(body).digest("hex");
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => (req.url === "/cosign-linux-amd64" ? res.end(body) : res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("verifySha256", () => {
  it("accepts the pinned file and refuses it once a byte changed", async () => {
    const file = join(dir, "tool");
    writeFileSync(file, body);
    await expect(verifySha256(file, sha256)).resolves.toBeUndefined();
    writeFileSync(file, Buffer.concat([body, Buffer.from(" ")]));
    await expect(verifySha256(file, sha256)).rejects.toThrow(/is not the pinned .*refusing it/);
  });
});

describe("downloadVerified", () => {
  it("installs an executable only when its sha256 is the pinned one", async () => {
    const dest = join(dir, "bin", "cosign");
    await downloadVerified({ url: `${base}/cosign-linux-amd64`, sha256 }, dest);
    expect(readFileSync(dest)).toEqual(body);
    expect(statSync(dest).mode & 0o777).toBe(0o755);
  });

  it("leaves nothing behind on a checksum mismatch or an HTTP error", async () => {
    const dest = join(dir, "refused", "cosign");
    await expect(downloadVerified({ url: `${base}/cosign-linux-amd64`, sha256: "0".repeat(64) }, dest)).rejects.toThrow(/refusing it/);
    await expect(downloadVerified({ url: `${base}/missing`, sha256 }, dest)).rejects.toThrow(/HTTP 404/);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(join(dir, "refused"))).toEqual([]);
  });
});
