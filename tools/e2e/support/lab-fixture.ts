import { htpasswdLines } from "@signed-image-lab/components";
import {
  buildImageStep,
  HTPASSWD_ENV,
  pushImageStep,
  runContainerStep,
  SecretEnv,
  startRegistryStep,
  TLS_CERT_ENV,
  TLS_KEY_ENV,
  waitForRegistryStep,
  runStepOrThrow,
  startRekorServerStep,
  startTimestampServerStep,
  RekorEnv,
  rekorUrl,
  waitForRekorServerStep,
  type LogKey,
  TimestampEnv,
  timestampUrl,
  waitForTimestampServerStep,
  type TimestampAuthorityKey,
  PINNED_VERSIONS,
} from "@signed-image-lab/tooling";
import { execa } from "execa";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LabTools } from "./lab-tools.js";
import { REPO_ROOT } from "./lab-tools.js";

/** A registry user of a test registry. */
export interface TestUser {
  readonly username: string;
  readonly password: string;
}

/** What makes a test registry serve https: its certificate and key, and the CA that signed it. */
export interface RegistryTls {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** The CA certificate file, for waiting on `https://…/v2/` with curl. */
  readonly caFile: string;
}

/** A registry a spec started. */
export interface TestRegistry {
  readonly endpoint: string;
  readonly container: string;
  /** The published host port. */
  readonly port: number;
  /** The step environment that carries `user`'s credentials. */
  credentials(user: TestUser): Record<string, string>;
}

/** The base image for studentbook: local (built by the bootstrap) unless LAB_BASE_IMAGE says otherwise. */
export const BASE_IMAGE = process.env.LAB_BASE_IMAGE ?? PINNED_VERSIONS.images.nodeBaseLocal;
/** The registry image: local (built by the bootstrap) unless LAB_REGISTRY_IMAGE says otherwise. */
export const REGISTRY_IMAGE = process.env.LAB_REGISTRY_IMAGE ?? PINNED_VERSIONS.images.registryLocal;
/** The timestamp authority's image: local (built by the bootstrap from the pinned timestamp-server). */
export const TSA_IMAGE = process.env.LAB_TSA_IMAGE ?? PINNED_VERSIONS.timestampAuthority.image;
/** The transparency log's image: local (built by the bootstrap from the pinned rekor-server). */
export const REKOR_IMAGE = process.env.LAB_REKOR_IMAGE ?? PINNED_VERSIONS.rekorTiles.image;
const LABEL = "signed-image-lab.e2e";

/** A timestamp authority a spec started. */
export interface TestTimestampAuthority {
  /** Its RFC 3161 endpoint on loopback. */
  readonly url: string;
  readonly container: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * What one spec file starts — registries, images, temporary directories — labelled with a run
 * id so that {@link LabFixture.cleanup} removes all of it and {@link LabFixture.leftovers}
 * proves it.
 */
export class LabFixture {
  readonly runId = `lab-e2e-${process.pid}-${Date.now().toString(36)}`;
  private readonly tempDirs: string[] = [];
  private readonly imageTags = new Set<string>();
  /** Image IDs behind the tags: a tag that a later push moves leaves its old image untagged. */
  private readonly imageIds = new Set<string>();
  private readonly volumes: string[] = [];
  private registries = 0;
  /** `localhost:<port>` of every registry this fixture started: the image references it owns. */
  private readonly endpoints = new Set<string>();
  private timestampAuthorities = 0;
  private transparencyLogs = 0;

  constructor(readonly tools: LabTools) {}

  /** A private temporary directory, removed by cleanup. */
  tempDir(purpose: string): string {
    const dir = mkdtempSync(join(tmpdir(), `${this.runId}-${purpose}-`));
    this.tempDirs.push(dir);
    return dir;
  }

  /**
   * Starts a registry container on a free loopback port and waits until `/v2/` answers; with
   * `tls`, over https verified against the CA.
   */
  async startRegistry(users: readonly TestUser[] = [], tls?: RegistryTls): Promise<TestRegistry> {
    const port = await freePort();
    const container = `${this.runId}-registry-${++this.registries}`;
    const authEnabled = users.length > 0;
    await runStepOrThrow(
      `starting registry ${container}`,
      startRegistryStep({
        name: container,
        image: REGISTRY_IMAGE,
        hostPort: port,
        authEnabled,
        labels: { [LABEL]: this.runId },
        docker: this.tools.docker,
        tls: tls !== undefined,
      }),
      {
        ...(authEnabled ? { [HTPASSWD_ENV]: htpasswdLines(randomBytes(32).toString("hex"), users) } : {}),
        ...(tls ? { [TLS_CERT_ENV]: tls.certificatePem, [TLS_KEY_ENV]: tls.privateKeyPem } : {}),
      },
    );
    const mounts = await execa(this.tools.docker, ["inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", container]);
    this.volumes.push(...mounts.stdout.split(" ").filter(Boolean));
    const endpoint = `localhost:${port}`;
    this.endpoints.add(endpoint);
    await runStepOrThrow(
      "waiting for the registry",
      waitForRegistryStep({
        endpoint,
        authEnabled,
        timeoutSeconds: 30,
        curl: this.tools.curl,
        ...(tls ? { scheme: "https", caFile: tls.caFile } : {}),
      }),
    );
    return {
      endpoint,
      container,
      port,
      credentials: (user) => ({ [SecretEnv.registryUsername]: user.username, [SecretEnv.registryPassword]: user.password }),
    };
  }

  /**
   * Starts a timestamp authority container with `key` on a free loopback port, exactly as the
   * TimestampAuthority component does, and waits until it serves its certificate chain.
   */
  async startTimestampAuthority(key: TimestampAuthorityKey, waitSeconds = 30): Promise<TestTimestampAuthority> {
    const port = await freePort();
    const container = `${this.runId}-tsa-${++this.timestampAuthorities}`;
    await runStepOrThrow(
      `starting timestamp authority ${container}`,
      startTimestampServerStep({
        name: container,
        image: TSA_IMAGE,
        hostPort: port,
        labels: { [LABEL]: this.runId },
        docker: this.tools.docker,
      }),
      { [TimestampEnv.privateKey]: key.privateKeyPem, [TimestampEnv.certificateChain]: key.certificateChainPem },
    );
    const url = timestampUrl(port);
    await runStepOrThrow(
      "waiting for the timestamp authority",
      waitForTimestampServerStep({ url, timeoutSeconds: waitSeconds, curl: this.tools.curl }),
    );
    return { url, container };
  }

  /** Starts Rekor v2 with `key` on a free loopback port, as the TransparencyLog component does, and waits for `/healthz`. */
  async startTransparencyLog(key: LogKey): Promise<{ readonly url: string; readonly container: string }> {
    const port = await freePort();
    const container = `${this.runId}-rekor-${++this.transparencyLogs}`;
    await runStepOrThrow(
      `starting transparency log ${container}`,
      startRekorServerStep({
        name: container,
        image: REKOR_IMAGE,
        hostPort: port,
        labels: { [LABEL]: this.runId },
        docker: this.tools.docker,
      }),
      { [RekorEnv.privateKey]: key.privateKeyPem },
    );
    const url = rekorUrl(port);
    await runStepOrThrow("waiting for the transparency log", waitForRekorServerStep({ url, timeoutSeconds: 30, curl: this.tools.curl }));
    return { url, container };
  }

  /** Builds studentbook on the lab's base image and pushes it; returns the digest reference. */
  async pushStudentbook(registry: TestRegistry, repository = "studentbook", env: Record<string, string> = {}): Promise<string> {
    const context = join(REPO_ROOT, "packages", "studentbook");
    if (!existsSync(join(context, "node_modules", "express"))) {
      throw new Error("packages/studentbook/node_modules is missing: run `npm ci --omit=dev --prefix packages/studentbook`");
    }
    const tag = `${registry.endpoint}/${repository}:1.0`;
    await runStepOrThrow("docker build", buildImageStep({ tag, context, buildArgs: { BASE_IMAGE }, docker: this.tools.docker }));
    return this.push(tag, env);
  }

  /**
   * Builds a changed image on top of `fromTag` (one extra file), tags it as `tag` and pushes
   * it: the same repository, a different digest. Images made with different `marker`s differ
   * from each other too.
   */
  async pushChangedImage(fromTag: string, tag: string, env: Record<string, string> = {}, marker = ""): Promise<string> {
    const context = this.tempDir("changed");
    writeFileSync(join(context, "Dockerfile"), `FROM ${fromTag}\nCOPY changed.txt /changed.txt\n`);
    writeFileSync(join(context, "changed.txt"), `${this.runId}${marker}\n`);
    await runStepOrThrow("docker build (changed image)", buildImageStep({ tag, context, docker: this.tools.docker }));
    return this.push(tag, env);
  }

  private async push(tag: string, env: Record<string, string>): Promise<string> {
    this.imageTags.add(tag);
    const id = await execa(this.tools.docker, ["image", "inspect", "--format", "{{.Id}}", tag], { reject: false });
    if (id.exitCode === 0) this.imageIds.add(id.stdout.trim());
    const ref = (await runStepOrThrow(`docker push ${tag}`, pushImageStep({ tag, docker: this.tools.docker }), env)).trim();
    return ref;
  }

  /**
   * Runs the image at `ref` (pinned by digest) as the lab's app, published on a free loopback
   * port, and waits until its `/healthz` answers 200. Returns the app's base URL.
   */
  async runApp(ref: string, env: Record<string, string> = {}): Promise<string> {
    const port = await freePort();
    const name = `${this.runId}-app`;
    await runStepOrThrow(
      `docker run ${ref}`,
      runContainerStep({ name, ref, hostPort: port, containerPort: 8080, labels: { [LABEL]: this.runId }, docker: this.tools.docker }),
      env,
    );
    const url = `http://127.0.0.1:${port}`;
    for (let attempt = 0; attempt < 60; attempt++) {
      // Bounded: docker-proxy accepts before the app listens, and such a request can hang.
      const answer = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      if (answer?.status === 200) return url;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`the app from ${ref} did not answer ${url}/healthz within 60 attempts`);
  }

  /** Removes every container (with its volumes), image tag and temporary directory this fixture made. */
  async cleanup(): Promise<void> {
    const docker = this.tools.docker;
    const ids = await this.containersLeft();
    if (ids.length > 0) await execa(docker, ["rm", "-f", "-v", ...ids], { reject: false });
    if (this.imageTags.size > 0) await execa(docker, ["image", "rm", "-f", ...this.imageTags], { reject: false });
    // A push leaves a `<registry>/<repo>@sha256:…` reference on the image: remove this fixture's
    // own. Without -f: an image that still carries someone else's tag or reference stays.
    for (const id of this.imageIds) {
      const own = await this.ownReferences(id);
      if (own.length > 0) await execa(docker, ["image", "rm", ...own], { reject: false });
    }
    for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
  }

  /** What is still there of this run: containers, volumes of its containers, image tags and references, and temporary directories. */
  async leftovers(): Promise<{ containers: string[]; volumes: string[]; images: string[]; tempDirs: string[] }> {
    const volumes: string[] = [];
    for (const volume of this.volumes) {
      const inspect = await execa(this.tools.docker, ["volume", "inspect", volume], { reject: false });
      if (inspect.exitCode === 0) volumes.push(volume);
    }
    const images: string[] = [];
    for (const tag of this.imageTags) {
      const inspect = await execa(this.tools.docker, ["image", "inspect", tag], { reject: false });
      if (inspect.exitCode === 0) images.push(tag);
    }
    for (const id of this.imageIds) images.push(...(await this.ownReferences(id)));
    return { containers: await this.containersLeft(), volumes, images, tempDirs: this.tempDirs.filter((d) => existsSync(d)) };
  }

  /** The tags and digest references of image `id` that name one of this fixture's registries. */
  private async ownReferences(id: string): Promise<string[]> {
    const inspect = await execa(this.tools.docker, ["image", "inspect", "--format", "{{json .RepoTags}} {{json .RepoDigests}}", id], {
      reject: false,
    });
    if (inspect.exitCode !== 0) return [];
    const [tags = "[]", digests = "[]"] = inspect.stdout.trim().split(" ");
    const references = [...(JSON.parse(tags) as string[]), ...(JSON.parse(digests) as string[])];
    return references.filter((reference) => this.endpoints.has(reference.split("/")[0] ?? ""));
  }

  private async containersLeft(): Promise<string[]> {
    const { stdout } = await execa(this.tools.docker, ["ps", "-aq", "--filter", `label=${LABEL}=${this.runId}`]);
    return stdout.split("\n").filter(Boolean);
  }
}
