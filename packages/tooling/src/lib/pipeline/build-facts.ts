import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DockerStepOptions } from "../commands/docker-commands.js";
import { sourceTreeDigest } from "../predicates/provenance.js";
import type { StepScript } from "../core/step-script.js";

/** What the program knows of an image build before it runs: the inputs its provenance records. */
export interface BuildInputs {
  /** sha256 of the build context ({@link sourceTreeDigest}, `.dockerignore` honoured). */
  readonly sourceDigest: string;
  /** The Dockerfile, relative to the context, and the sha256 of its bytes. */
  readonly dockerfile: { readonly path: string; readonly sha256: string };
  readonly buildArgs: Readonly<Record<string, string>>;
  /** The `FROM` image as configured (a tag, or pinned by digest). */
  readonly baseImage: string;
  /** When the lab started this build (RFC 3339); it changes only when the build's inputs do. */
  readonly startedOn: string;
}

/** The digest of a build's context and Dockerfile, read from disk. */
export function readBuildSources(context: string, dockerfile: string): Pick<BuildInputs, "sourceDigest" | "dockerfile"> {
  return {
    sourceDigest: sourceTreeDigest(context),
    dockerfile: {
      path: dockerfile,
      sha256: createHash("sha256")
        .update(readFileSync(join(context, dockerfile)))
        .digest("hex"),
    },
  };
}

/** The current time in UTC, RFC 3339 to the second: the start of a build. */
export function buildClockStep(): StepScript {
  return { invocations: [{ argv: ["date", "-u", "+%Y-%m-%dT%H:%M:%SZ"] }] };
}

const PINNED = /@sha256:[a-f0-9]{64}$/;

/**
 * What docker knows of the base image the build used: its registry digests and its image ID, or
 * nothing to ask when the configured reference is already pinned by digest.
 */
export function resolveBaseImageStep(options: DockerStepOptions & { readonly image: string }): StepScript {
  if (PINNED.test(options.image)) return { invocations: [{ argv: ["printf", "%s\\n", options.image] }] };
  return {
    invocations: [{ argv: [options.docker ?? "docker", "image", "inspect", "--format", "{{json .RepoDigests}} {{.Id}}", options.image] }],
  };
}

/**
 * The base image pinned by digest: the configured reference when it is pinned; else the registry
 * digest docker recorded when it pulled it; else (an image built on this machine, never pulled)
 * its image ID, the digest of its config — the bits the build used, by content.
 */
export function pinnedBaseImage(image: string, stdout: string): string {
  if (PINNED.test(image)) return image;
  const match = /^(\[.*\]) (sha256:[a-f0-9]{64})\s*$/.exec(stdout.trim());
  if (!match) throw new Error(`docker image inspect of the base image ${image} printed no digest: ${stdout.slice(0, 200)}`);
  const repoDigests = JSON.parse(match[1] ?? "[]") as string[];
  const repository = image.replace(/:[^/:]+$/, "");
  const fromRegistry = repoDigests.find((d) => d.startsWith(`${repository}@`));
  return fromRegistry ?? `${image}@${match[2]}`;
}
