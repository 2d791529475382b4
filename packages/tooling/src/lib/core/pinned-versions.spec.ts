import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PINNED_VERSIONS, type PinnedVersions } from "./pinned-versions.js";

const ROOT = resolve(import.meta.dirname, "../../../../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const bare = (version: string) => version.replace(/^v/, "");
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Files that may hold a pinned value besides packages/tooling/versions.json, each checked below or by
 * another package manager: the README and docs/ (their numbers are checked), the changelog and the
 * seed's copy (history, not pins), npm's and Go's own pins.
 */
const ALLOWED = [
  /^packages\/tooling\/versions\.json$/,
  /^README\.md$/,
  /^docs\/.*\.md$/,
  /^CHANGELOG\.md$/,
  /(^|\/)package(-lock)?\.json$/, // npm's pins; @pulumi/* are checked against versions.json below
  /(^|\/)go\.(mod|sum)$/, // Go's pins; tools/engine/cli/go.mod is checked below
  /(^|\/)requirements\.txt$/, // pip's pins; the Python example's pulumi SDK is checked below
  /^packages\/studentbook\/Dockerfile$/, // ARG BASE_IMAGE: lab-config-schema.spec.ts checks it is images.nodeBase
];

/** Every image versions.json pins. */
function pinnedImages(pins: PinnedVersions): string[] {
  const images = Object.entries(pins.images)
    .filter(([key]) => !key.startsWith("$"))
    .map(([, image]) => image);
  return [...images, pins.timestampAuthority.image, pins.rekorTiles.image];
}

/** Every value versions.json pins, as text that would repeat it: versions, images, hashes, modules. */
function pinnedNeedles(pins: PinnedVersions): RegExp[] {
  const versions = [pins.cosign, pins.syft, pins.timestampAuthority, pins.rekorTiles, pins.pulumi, pins.pulumiCommand, pins.openbao].map(
    (p) => p.version,
  );
  const images = pinnedImages(pins);
  const texts = [
    ...images,
    ...images.map((image) => image.split("@")[0]!),
    ...images.flatMap((image) => (image.includes("@sha256:") ? [image.split("@sha256:")[1]!.slice(0, 12)] : [])),
    ...((pins.openbao as { wheelSha256?: string[] }).wheelSha256?.map((hash) => hash.slice(0, 12)) ?? []),
    ...Object.values(pins.cosign.releases ?? {}).map((release) => release.sha256.slice(0, 12)),
    pins.cosign.module,
    pins.syft.module,
    pins.timestampAuthority.module,
    pins.rekorTiles.module,
    pins.timestampAuthority.goToolchain,
  ];
  return [
    ...versions.map((version) => new RegExp(`(?<![\\w.-])v?${escapeRegExp(bare(version))}(?![\\w.])`)),
    ...texts.map((text) => new RegExp(escapeRegExp(text))),
  ];
}

describe("packages/tooling/versions.json is the one place that pins external tools and images", () => {
  it("no other file repeats a pinned version, image, hash or module", () => {
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    const needles = pinnedNeedles(PINNED_VERSIONS);
    const repeats: string[] = [];
    for (const file of files.filter((f) => !ALLOWED.some((allowed) => allowed.test(f)))) {
      let text: string;
      try {
        text = read(file);
      } catch {
        continue; // listed but not checked out (deleted in the work tree)
      }
      if (text.includes("\0")) continue; // binary
      text.split("\n").forEach((line, i) => {
        const needle = needles.find((n) => n.test(line));
        if (needle) repeats.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(repeats).toEqual([]);
  });

  it("the scan finds a repeated pin (it is not vacuous)", () => {
    const needles = pinnedNeedles(PINNED_VERSIONS);
    const hits = (line: string) => needles.some((n) => n.test(line));
    expect(hits(`image: "${PINNED_VERSIONS.rekorTiles.image}"`)).toBe(true);
    expect(hits(`echo cosign ${PINNED_VERSIONS.cosign.version}`)).toBe(true);
    expect(hits(`Version: ${bare(PINNED_VERSIONS.syft.version)}`)).toBe(true);
    expect(hits(`FROM ${PINNED_VERSIONS.images.registry.split("@")[0]}`)).toBe(true);
    expect(hits(`cosign ${PINNED_VERSIONS.cosign.version}.1 or v10.1.2`)).toBe(false);
  });

  it("the npm packages (and the Python example's requirements.txt) pin the Pulumi SDK, command and docker providers at versions.json's versions", () => {
    for (const path of ["infra/package.json", "packages/components/package.json"]) {
      const { dependencies } = JSON.parse(read(path)) as { dependencies: Record<string, string> };
      expect(dependencies["@pulumi/pulumi"], path).toBe(bare(PINNED_VERSIONS.pulumi.version));
      expect(dependencies["@pulumi/command"], path).toBe(bare(PINNED_VERSIONS.pulumiCommand.version));
      expect(dependencies["@pulumi/docker"], path).toBe(PINNED_VERSIONS.pulumiDocker.version);
    }
    const signingLab = JSON.parse(read("packages/signing-lab/package.json")) as { dependencies: Record<string, string> };
    expect(signingLab.dependencies["@pulumi/pulumi"]).toBe(bare(PINNED_VERSIONS.pulumi.version));
    expect(read("examples/python/requirements.txt")).toBe(`pulumi==${bare(PINNED_VERSIONS.pulumi.version)}\n`);
    expect(read("tools/engine/cli/go.mod")).toMatch(
      new RegExp(`github\\.com/pulumi/pulumi/pkg/v3 ${escapeRegExp(PINNED_VERSIONS.pulumi.version)}\\b`),
    );
  });

  it("the local node base image is tagged with the Debian suite it is built from", () => {
    expect(PINNED_VERSIONS.images.nodeBaseLocal).toMatch(new RegExp(`:${escapeRegExp(PINNED_VERSIONS.debianSuite)}$`));
  });
});

/** Which pin a tool named in README prose stands for; `docker` in backticks is the Pulumi provider. */
function readmePinOf(tool: string, docker: string): string | undefined {
  const pins: Record<string, string> = {
    cosign: PINNED_VERSIONS.cosign.version,
    syft: PINNED_VERSIONS.syft.version,
    pulumi: PINNED_VERSIONS.pulumi.version,
    CLI: PINNED_VERSIONS.pulumi.version,
    "pulumi-language-nodejs": PINNED_VERSIONS.pulumi.version,
    command: PINNED_VERSIONS.pulumiCommand.version,
    "pulumi-resource-command": PINNED_VERSIONS.pulumiCommand.version,
    "`docker`": docker,
    "pulumi-resource-docker": docker,
    "timestamp-server": PINNED_VERSIONS.timestampAuthority.version,
    "rekor-tiles": PINNED_VERSIONS.rekorTiles.version,
    "rekor-server": PINNED_VERSIONS.rekorTiles.version,
    OpenBao: PINNED_VERSIONS.openbao.version,
  };
  return pins[tool];
}

/** Versions the docs name on purpose that are not the pins: the seed lab's old cosign (docs/seed-errata.md). */
const README_HISTORY = ["cosign v1.6.0 from a download URL"];

/** The README and docs/ (not the seed's copy, not the changelog: those are history), as one text. */
function currentDocs(): string {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "README.md", "docs"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f.endsWith(".md") && !f.startsWith("docs/seed/"));
  return files.map((f) => read(f)).join("\n");
}

describe("the README's and docs' versions and images are versions.json's", () => {
  const readme = README_HISTORY.reduce((text, phrase) => text.replace(phrase, ""), currentDocs());

  it("names each pinned tool at its pinned version", () => {
    const { dependencies } = JSON.parse(read("infra/package.json")) as { dependencies: Record<string, string> };
    const docker = dependencies["@pulumi/docker"] ?? "";
    const mentions = [
      ...readme.matchAll(
        /(?<![\w-])(cosign|syft|pulumi|CLI|pulumi-language-nodejs|pulumi-resource-command|pulumi-resource-docker|command|`docker`|timestamp-server|rekor-tiles|rekor-server|OpenBao)`?\s+v?(\d+\.\d+\.\d+)/g,
      ),
    ];
    const wrong = mentions
      .map(([text, tool, version]) => ({ text: text.replace(/\s+/g, " "), pin: readmePinOf(tool!, docker), version: version! }))
      .filter(({ pin, version }) => pin === undefined || bare(pin) !== version)
      .map(({ text, pin }) => `${text} (pinned: ${pin})`);
    expect(mentions.length).toBeGreaterThan(10); // not vacuous (the README's prerequisites table is checked against the preflight instead)
    expect(wrong).toEqual([]);
  });

  it("names only the pinned images", () => {
    const images = pinnedImages(PINNED_VERSIONS);
    const named = [
      ...readme.matchAll(
        /signed-image-lab\/(?!generators:|policy-pack:|tooling:|components:|e2e:)[a-z-]+:[\w.-]+|openbao\/openbao:[\w.-]+|\b(?:registry|node):\d[\w.-]*@sha256:[a-f0-9]+…?/g,
      ),
    ].map(([image]) => image);
    const names = (image: string, pinned: string) => pinned === image || (image.endsWith("…") && pinned.startsWith(image.slice(0, -1)));
    expect(named.filter((image) => !images.some((pinned) => names(image, pinned)))).toEqual([]);
    expect(
      images.filter((pinned) => !named.some((image) => names(image, pinned))),
      "pinned images the README and docs do not name",
    ).toEqual([]);
  });
});
