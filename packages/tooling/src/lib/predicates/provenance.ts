import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { parseDigestRef } from "../core/image-ref.js";

/**
 * The builder the lab's pipeline names in its provenance (`runDetails.builder.id`): the
 * signed-image-lab program building with the local docker daemon. A verifier trusts provenance
 * only from builder ids it knows.
 */
export const LAB_BUILDER_ID = "https://github.com/signed-image-lab/builder@v1";

/**
 * The build type of the lab's provenance (`buildDefinition.buildType`): `docker build` of a
 * local context with a Dockerfile and build arguments, a base image and nothing else fetched.
 */
export const LAB_BUILD_TYPE = "https://github.com/signed-image-lab/builder/docker-build@v1";

/** The predicate type URI of SLSA provenance v1 (cosign's `--type slsaprovenance1`). */
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

/** `name` of the resolved dependency that is the build context ({@link sourceTreeDigest}). */
export const BUILD_CONTEXT_DEPENDENCY = "build-context";
/** `name` of the resolved dependency that is the Dockerfile. */
export const DOCKERFILE_DEPENDENCY = "dockerfile";
/** `name` of the resolved dependency that is the base image (`FROM`): what the policy's `base-image-pinned` rule reads. */
export const BASE_IMAGE_DEPENDENCY = "base-image";

/** What the program knows about one image build: the input of {@link slsaProvenancePredicate}. */
export interface BuildFacts {
  /** The image built and pushed, `registry/repository@sha256:…`: the attestation's subject. */
  readonly imageDigestRef: string;
  /** sha256 (64 hex) of the build context, as {@link sourceTreeDigest} computes it. */
  readonly sourceDigest: string;
  /** The Dockerfile: its path relative to the context, and the sha256 of its bytes. */
  readonly dockerfile: { readonly path: string; readonly sha256: string };
  /** The build arguments passed (`--build-arg`). Not secret: they land in the provenance. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /**
   * The base image as the build used it. Pinned (`…@sha256:<64 hex>`) it is recorded with its
   * digest; a tag alone is recorded as it is, without a digest, and the policy's
   * `base-image-pinned` rule refuses it.
   */
  readonly baseImage: string;
  /** `runDetails.builder.id`. Usually {@link LAB_BUILDER_ID}. */
  readonly builderId: string;
  /** `buildDefinition.buildType`. Usually {@link LAB_BUILD_TYPE}. */
  readonly buildType: string;
  /** When the build started, RFC 3339 (`Date.toISOString()`). */
  readonly startedOn: string;
  /** When the build finished, RFC 3339; not before `startedOn`. */
  readonly finishedOn: string;
  /** An id of this build run (a Pulumi update id, a CI run id). Default none. */
  readonly invocationId?: string;
}

/** An in-toto ResourceDescriptor, as SLSA v1 uses it for resolved dependencies. */
export interface ResourceDescriptor {
  readonly name: string;
  readonly uri?: string;
  readonly digest?: Readonly<Record<string, string>>;
}

/** The SLSA v1 provenance predicate (https://slsa.dev/spec/v1.0/provenance) the lab writes. */
export interface SlsaProvenancePredicate {
  readonly buildDefinition: {
    readonly buildType: string;
    readonly externalParameters: {
      readonly repository: string;
      readonly dockerfile: string;
      readonly buildArgs: Readonly<Record<string, string>>;
    };
    readonly internalParameters: { readonly baseImage: string };
    readonly resolvedDependencies: readonly ResourceDescriptor[];
  };
  readonly runDetails: {
    readonly builder: { readonly id: string };
    readonly metadata: { readonly invocationId?: string; readonly startedOn: string; readonly finishedOn: string };
  };
}

const SHA256_HEX = /^[a-f0-9]{64}$/;
const PINNED_IMAGE = /@sha256:([a-f0-9]{64})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function requireUri(value: string, key: string): void {
  if (!URL.canParse(value)) throw new Error(`${key} must be a URI, got ${JSON.stringify(value.slice(0, 200))}`);
}

function requireTime(value: string, key: string): number {
  if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw new Error(`${key} must be an RFC 3339 time such as 2026-01-01T00:00:00Z, got ${JSON.stringify(value.slice(0, 80))}`);
  }
  return Date.parse(value);
}

/** The base image as a resolved dependency: with its digest when pinned, its bare reference otherwise. */
function baseImageDependency(baseImage: string): ResourceDescriptor {
  if (baseImage.trim() === "" || /\s/.test(baseImage))
    throw new Error(`facts.baseImage must be an image reference, got ${JSON.stringify(baseImage.slice(0, 200))}`);
  const digest = PINNED_IMAGE.exec(baseImage)?.[1];
  return { name: BASE_IMAGE_DEPENDENCY, uri: `oci://${baseImage}`, ...(digest ? { digest: { sha256: digest } } : {}) };
}

/**
 * The SLSA v1 provenance predicate of one image build: the build type and its parameters (the
 * repository pushed to, the Dockerfile, the build arguments), the resolved dependencies (the
 * build context tree, the Dockerfile, the base image) and the run (builder id, invocation id,
 * times). The subject (the image digest) is the attestation's, added by `cosign attest`.
 * Throws, naming the field, on facts that are not well formed.
 */
export function slsaProvenancePredicate(facts: BuildFacts): SlsaProvenancePredicate {
  const { repository } = parseDigestRef(facts.imageDigestRef, "facts.imageDigestRef");
  if (!SHA256_HEX.test(facts.sourceDigest))
    throw new Error(`facts.sourceDigest must be a sha256 (64 lowercase hex), got ${JSON.stringify(facts.sourceDigest.slice(0, 80))}`);
  if (!SHA256_HEX.test(facts.dockerfile.sha256))
    throw new Error(
      `facts.dockerfile.sha256 must be a sha256 (64 lowercase hex), got ${JSON.stringify(facts.dockerfile.sha256.slice(0, 80))}`,
    );
  if (facts.dockerfile.path === "" || facts.dockerfile.path.startsWith("/") || facts.dockerfile.path.split("/").includes("..")) {
    throw new Error(`facts.dockerfile.path must be relative to the build context, got ${JSON.stringify(facts.dockerfile.path)}`);
  }
  requireUri(facts.builderId, "facts.builderId");
  requireUri(facts.buildType, "facts.buildType");
  if (requireTime(facts.finishedOn, "facts.finishedOn") < requireTime(facts.startedOn, "facts.startedOn")) {
    throw new Error(`facts.finishedOn (${facts.finishedOn}) is before facts.startedOn (${facts.startedOn})`);
  }
  const buildArgs = Object.fromEntries(Object.entries(facts.buildArgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    buildDefinition: {
      buildType: facts.buildType,
      externalParameters: { repository, dockerfile: facts.dockerfile.path, buildArgs },
      internalParameters: { baseImage: facts.baseImage },
      resolvedDependencies: [
        { name: BUILD_CONTEXT_DEPENDENCY, digest: { sha256: facts.sourceDigest } },
        { name: DOCKERFILE_DEPENDENCY, uri: `file:${encodeURI(facts.dockerfile.path)}`, digest: { sha256: facts.dockerfile.sha256 } },
        baseImageDependency(facts.baseImage),
      ],
    },
    runDetails: {
      builder: { id: facts.builderId },
      metadata: {
        ...(facts.invocationId !== undefined ? { invocationId: facts.invocationId } : {}),
        startedOn: facts.startedOn,
        finishedOn: facts.finishedOn,
      },
    },
  };
}

/** One `.dockerignore` line: a regular expression over relative paths, and whether it re-includes (`!`). */
interface IgnorePattern {
  readonly match: RegExp;
  readonly include: boolean;
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` matches any number of directories, `**` anything.
      source += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** Parses `.dockerignore` text: comments, blank lines, `!` exceptions, leading `/` and `./` dropped. */
export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const include = line.startsWith("!");
      const pattern = (include ? line.slice(1).trim() : line).replace(/^(\.?\/)+/, "").replace(/\/+$/, "");
      return { match: globToRegExp(pattern), include };
    });
}

/**
 * Whether `.dockerignore` excludes `relativePath`: as Docker does, a pattern that matches a
 * directory matches everything below it, and the last matching line wins.
 */
export function isDockerignored(patterns: readonly IgnorePattern[], relativePath: string): boolean {
  const parts = relativePath.split("/");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const pattern of patterns) {
    if (prefixes.some((p) => pattern.match.test(p))) ignored = !pattern.include;
  }
  return ignored;
}

function listFiles(root: string, relative: string, out: string[]): void {
  for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) listFiles(root, path, out);
    else out.push(path);
  }
}

/**
 * The sha256 (64 hex) of a build context, computed the same way on every machine: the files
 * `.dockerignore` leaves in the context (Docker's rules: directory patterns cover what is below,
 * `!` re-includes, the last match wins), sorted by relative path (`/`-separated, byte order),
 * hashed as the lines `sha256sum` prints for them (`<sha256 of content>  <path>\n`; a symlink's
 * "content" is its target, not followed). File modes, owners, times and empty directories are
 * not hashed. By hand, for a context without `.dockerignore`:
 * `find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum`.
 *
 * @param dockerignore the `.dockerignore` text. Default `<contextDir>/.dockerignore` when it exists.
 */
export function sourceTreeDigest(contextDir: string, dockerignore?: string): string {
  const ignoreFile = join(contextDir, ".dockerignore");
  const patterns = parseDockerignore(dockerignore ?? (existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8") : ""));
  const files: string[] = [];
  listFiles(contextDir, "", files);
  const tree = createHash("sha256");
  for (const path of files.filter((p) => !isDockerignored(patterns, p)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
    const full = join(contextDir, path);
    const content = lstatSync(full).isSymbolicLink() ? Buffer.from(readlinkSync(full)) : readFileSync(full);
    tree.update(`${createHash("sha256").update(content).digest("hex")}  ${path}\n`);
  }
  return tree.digest("hex");
}
