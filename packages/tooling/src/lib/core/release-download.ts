import { createHash } from "node:crypto";
import { chmodSync, createReadStream, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** A release artifact pinned by its SHA-256, as `packages/tooling/versions.json` records it per platform. */
export interface PinnedRelease {
  readonly url: string;
  /** Lower-case hex SHA-256 of the file at `url`. */
  readonly sha256: string;
}

/** The SHA-256 (hex) of a file. */
export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", reject);
  });
}

/** Throws, naming the file and both digests, unless `path` has the pinned SHA-256. */
export async function verifySha256(path: string, expected: string): Promise<void> {
  const actual = await sha256OfFile(path);
  if (actual !== expected.toLowerCase()) {
    throw new Error(`${path}: sha256 ${actual} is not the pinned ${expected}: refusing it`);
  }
}

/**
 * Downloads a pinned release file to `dest` (mode 0755): written to a temporary name beside it,
 * checked against the pinned SHA-256, and only then moved into place. A mismatch, an HTTP error
 * or a timeout leaves nothing at `dest` or beside it.
 */
export async function downloadVerified(release: PinnedRelease, dest: string, timeoutMs = 300_000): Promise<void> {
  const partial = `${dest}.download`;
  mkdirSync(dirname(dest), { recursive: true });
  try {
    const response = await fetch(release.url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`${release.url}: HTTP ${response.status}`);
    writeFileSync(partial, Buffer.from(await response.arrayBuffer()), { mode: 0o600 });
    await verifySha256(partial, release.sha256);
    chmodSync(partial, 0o755);
    renameSync(partial, dest);
  } finally {
    rmSync(partial, { force: true });
  }
}
