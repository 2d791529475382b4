import { describe, expect, it } from "vitest";
import { formatDigestRef, legacyArtifactRef, parseDigestRef, registryHostOf } from "./image-ref.js";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("parseDigestRef", () => {
  it("splits a digest reference", () => {
    expect(parseDigestRef(`localhost:5001/studentbook@${DIGEST}`)).toEqual({
      repository: "localhost:5001/studentbook",
      digest: DIGEST,
    });
  });

  it("drops a tag that stands beside the digest, keeping the registry port", () => {
    expect(parseDigestRef(`localhost:5001/studentbook:1.0@${DIGEST}`).repository).toBe("localhost:5001/studentbook");
  });

  it("refuses tag references, naming what was asked for", () => {
    expect(() => parseDigestRef("localhost:5001/studentbook:1.0", "the image to sign")).toThrow(
      /the image to sign must be pinned by digest/,
    );
  });

  it("refuses the seed's slash-for-colon reference and short digests", () => {
    expect(() => parseDigestRef("localhost:5001/studentbook/1.0")).toThrow(/pinned by digest/);
    expect(() => parseDigestRef("localhost:5001/studentbook@sha256:abc")).toThrow(/malformed digest/);
    expect(() => parseDigestRef(`@${DIGEST}`)).toThrow(/no repository/);
  });

  it("formats back to the same reference", () => {
    const ref = `localhost:5001/a/b@${DIGEST}`;
    expect(formatDigestRef(parseDigestRef(ref))).toBe(ref);
  });
});

describe("registryHostOf and legacyArtifactRef", () => {
  it("finds the host with its port", () => {
    expect(registryHostOf("localhost:5001/studentbook")).toBe("localhost:5001");
    expect(() => registryHostOf("studentbook")).toThrow(/names no registry host/);
  });

  it("names cosign's legacy signature tag as triangulate prints it", () => {
    expect(legacyArtifactRef(parseDigestRef(`localhost:5001/studentbook@${DIGEST}`), "sig")).toBe(
      `localhost:5001/studentbook:sha256-${"0123456789abcdef".repeat(4)}.sig`,
    );
  });
});
