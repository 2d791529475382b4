import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  isDockerignored,
  LAB_BUILD_TYPE,
  LAB_BUILDER_ID,
  parseDockerignore,
  slsaProvenancePredicate,
  sourceTreeDigest,
  type BuildFacts,
} from "./provenance.js";

const DIGEST = "ab".repeat(32);
const BASE_DIGEST = "cd".repeat(32);
const FACTS: BuildFacts = {
  imageDigestRef: `localhost:5001/studentbook@sha256:${DIGEST}`,
  sourceDigest: "1".repeat(64),
  dockerfile: { path: "Dockerfile", sha256: "2".repeat(64) },
  buildArgs: { Z_LAST: "z", BASE_IMAGE: `node:20@sha256:${BASE_DIGEST}` },
  baseImage: `node:20@sha256:${BASE_DIGEST}`,
  builderId: LAB_BUILDER_ID,
  buildType: LAB_BUILD_TYPE,
  startedOn: "2026-11-26T00:00:00Z",
  finishedOn: "2026-11-26T00:01:30.250Z",
  invocationId: "update-42",
};

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "source-tree-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe("slsaProvenancePredicate", () => {
  it("records the build definition, the resolved dependencies and the run as SLSA v1 names them", () => {
    expect(slsaProvenancePredicate(FACTS)).toEqual({
      buildDefinition: {
        buildType: LAB_BUILD_TYPE,
        externalParameters: {
          repository: "localhost:5001/studentbook",
          dockerfile: "Dockerfile",
          buildArgs: { BASE_IMAGE: `node:20@sha256:${BASE_DIGEST}`, Z_LAST: "z" },
        },
        internalParameters: { baseImage: `node:20@sha256:${BASE_DIGEST}` },
        resolvedDependencies: [
          { name: "build-context", digest: { sha256: "1".repeat(64) } },
          { name: "dockerfile", uri: "file:Dockerfile", digest: { sha256: "2".repeat(64) } },
          { name: "base-image", uri: `oci://node:20@sha256:${BASE_DIGEST}`, digest: { sha256: BASE_DIGEST } },
        ],
      },
      runDetails: {
        builder: { id: "https://github.com/signed-image-lab/builder@v1" },
        metadata: { invocationId: "update-42", startedOn: "2026-11-26T00:00:00Z", finishedOn: "2026-11-26T00:01:30.250Z" },
      },
    });
  });

  it("sorts build arguments, so the same build always yields the same predicate", () => {
    expect(Object.keys(slsaProvenancePredicate(FACTS).buildDefinition.externalParameters.buildArgs)).toEqual(["BASE_IMAGE", "Z_LAST"]);
  });

  it("records a base image named by tag without a digest (the policy refuses it), and leaves out a missing invocation id", () => {
    const { invocationId: _, ...rest } = FACTS;
    const predicate = slsaProvenancePredicate({ ...rest, baseImage: "example.test/node:1" });
    expect(predicate.buildDefinition.resolvedDependencies[2]).toEqual({ name: "base-image", uri: "oci://example.test/node:1" });
    expect(predicate.runDetails.metadata).not.toHaveProperty("invocationId");
  });

  it.each([
    [{ imageDigestRef: "localhost:5001/studentbook:1.0" }, /must be pinned by digest/],
    [{ sourceDigest: "abc" }, /facts.sourceDigest must be a sha256/],
    [{ dockerfile: { path: "Dockerfile", sha256: "Z".repeat(64) } }, /facts.dockerfile.sha256 must be a sha256/],
    [{ dockerfile: { path: "/abs/Dockerfile", sha256: "2".repeat(64) } }, /facts.dockerfile.path must be relative/],
    [{ dockerfile: { path: "../Dockerfile", sha256: "2".repeat(64) } }, /facts.dockerfile.path must be relative/],
    [{ builderId: "not a uri" }, /facts.builderId must be a URI/],
    [{ buildType: "" }, /facts.buildType must be a URI/],
    [{ startedOn: "yesterday" }, /facts.startedOn must be an RFC 3339 time/],
    [{ finishedOn: "2025-01-01T00:00:00Z" }, /facts.finishedOn \(2025-01-01T00:00:00Z\) is before facts.startedOn/],
    [{ baseImage: "" }, /facts.baseImage must be an image reference/],
  ] as [Partial<BuildFacts>, RegExp][])("refuses malformed facts: %j", (change, message) => {
    expect(() => slsaProvenancePredicate({ ...FACTS, ...change })).toThrow(message);
  });
});

describe(".dockerignore", () => {
  it("excludes what a directory pattern covers, re-includes with !, and the last matching line wins", () => {
    const patterns = parseDockerignore("# everything but the app\n*\n!package.json\n!src\nsrc/**/*.test.js\n\n/./node_modules/\n");
    expect(isDockerignored(patterns, "Dockerfile")).toBe(true);
    expect(isDockerignored(patterns, "package.json")).toBe(false);
    expect(isDockerignored(patterns, "src/server.js")).toBe(false);
    expect(isDockerignored(patterns, "src/deep/x.test.js")).toBe(true);
    expect(isDockerignored(patterns, "src/x.test.js")).toBe(true);
    expect(isDockerignored(patterns, "node_modules/express/index.js")).toBe(true);
  });

  it("matches ? and * within one path segment only", () => {
    const patterns = parseDockerignore("*.log\nf?o\n");
    expect(isDockerignored(patterns, "a.log")).toBe(true);
    expect(isDockerignored(patterns, "logs/a.log")).toBe(false);
    expect(isDockerignored(patterns, "fxo")).toBe(true);
    expect(isDockerignored(patterns, "f/o")).toBe(false);
  });
});

describe("sourceTreeDigest (real files)", () => {
  it("is the sha256sum of the sorted sha256sum lines of the files, as coreutils computes it", () => {
    const dir = tree({ "b.txt": "bee\n", "a dir/x.js": "x", Dockerfile: "FROM scratch\n", "a.txt": "" });
    const byHand = execFileSync("sh", ["-c", "find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(sourceTreeDigest(dir)).toBe(byHand.split(" ")[0]);
  });

  it("changes when a file's content or name changes, not when the tree is listed again", () => {
    const dir = tree({ "a.txt": "one", "src/b.txt": "two" });
    const first = sourceTreeDigest(dir);
    expect(sourceTreeDigest(dir)).toBe(first);
    writeFileSync(join(dir, "a.txt"), "one!");
    const edited = sourceTreeDigest(dir);
    expect(edited).not.toBe(first);
    renameSync(join(dir, "src/b.txt"), join(dir, "src/c.txt"));
    expect(sourceTreeDigest(dir)).not.toBe(edited);
  });

  it("hashes only what .dockerignore leaves in the context (the file in the context by default, or given text)", () => {
    const dir = tree({ ".dockerignore": "*\n!src\n", "src/app.js": "app", "notes.md": "draft" });
    const withIgnore = sourceTreeDigest(dir);
    writeFileSync(join(dir, "notes.md"), "another draft");
    expect(sourceTreeDigest(dir)).toBe(withIgnore);
    writeFileSync(join(dir, "src/app.js"), "app v2");
    expect(sourceTreeDigest(dir)).not.toBe(withIgnore);
    const onlySrc = tree({ "src/app.js": "app v2" });
    expect(sourceTreeDigest(dir)).toBe(sourceTreeDigest(onlySrc));
    expect(sourceTreeDigest(dir, "")).not.toBe(sourceTreeDigest(dir));
  });

  it("hashes a symlink's target path without following it", () => {
    const dir = tree({ "real.txt": "content" });
    symlinkSync("/etc/passwd", join(dir, "link"));
    const withLink = sourceTreeDigest(dir);
    const other = tree({ "real.txt": "content" });
    symlinkSync("/etc/hostname", join(other, "link"));
    expect(sourceTreeDigest(other)).not.toBe(withLink);
  });
});
