import { parseDigestRef, registryHostOf } from "../core/image-ref.js";
import { expand } from "../core/shell-words.js";
import { STEP_TMP, type StepScript, type ToolInvocation } from "../core/step-script.js";

/** The docker CLI. Default `docker` on PATH. */
export interface DockerStepOptions {
  readonly docker?: string;
}

/** Environment variable holding htpasswd lines for {@link startRegistryStep}. */
export const HTPASSWD_ENV = "LAB_REGISTRY_HTPASSWD";

/** Where the registry container reads its htpasswd file; the directory exists in `registry:2`. */
export const HTPASSWD_PATH_IN_CONTAINER = "/etc/docker/registry/htpasswd";

/** Environment variable holding the registry's TLS certificate PEM for {@link startRegistryStep}. */
export const TLS_CERT_ENV = "LAB_REGISTRY_TLS_CERT";

/** Environment variable holding the registry's TLS private key PEM for {@link startRegistryStep}. A secret. */
export const TLS_KEY_ENV = "LAB_REGISTRY_TLS_KEY";

/** Where the registry container reads its TLS certificate. */
export const TLS_CERT_PATH_IN_CONTAINER = "/etc/docker/registry/tls.crt";

/** Where the registry container reads its TLS private key. */
export const TLS_KEY_PATH_IN_CONTAINER = "/etc/docker/registry/tls.key";

/**
 * The registry's environment: deletes on (for `cosign clean`), htpasswd auth when asked, and
 * https on its port 5000 when `tls` (then it serves no plain HTTP at all).
 */
export function registryContainerEnv(authEnabled: boolean, tls = false): Record<string, string> {
  return {
    REGISTRY_STORAGE_DELETE_ENABLED: "true",
    ...(authEnabled
      ? {
          REGISTRY_AUTH: "htpasswd",
          REGISTRY_AUTH_HTPASSWD_REALM: "signed-image-lab",
          REGISTRY_AUTH_HTPASSWD_PATH: HTPASSWD_PATH_IN_CONTAINER,
        }
      : {}),
    ...(tls
      ? {
          REGISTRY_HTTP_TLS_CERTIFICATE: TLS_CERT_PATH_IN_CONTAINER,
          REGISTRY_HTTP_TLS_KEY: TLS_KEY_PATH_IN_CONTAINER,
        }
      : {}),
  };
}

/** Options of {@link startRegistryStep}. */
export interface StartRegistryOptions extends DockerStepOptions {
  readonly name: string;
  readonly image: string;
  /** Host port, published on 127.0.0.1 only and mapped to the registry's 5000 (the seed's `-p 5001:5001` maps to nothing). */
  readonly hostPort: number;
  /** Read htpasswd lines from LAB_REGISTRY_HTPASSWD and turn auth on. */
  readonly authEnabled: boolean;
  /**
   * Serve https: the certificate and key PEMs come from LAB_REGISTRY_TLS_CERT and
   * LAB_REGISTRY_TLS_KEY. Default false (plain HTTP).
   */
  readonly tls?: boolean;
  /** Labels for the container, e.g. to find everything a test run started. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * `docker create` + (with auth) `docker cp` of the htpasswd lines + (with TLS) `docker cp` of
 * the certificate and key + `docker start`: the secrets travel through the environment and
 * private temporary files that the step removes.
 */
export function startRegistryStep(options: StartRegistryOptions): StepScript {
  const docker = options.docker ?? "docker";
  const tls = options.tls ?? false;
  const htpasswdFile = expand(STEP_TMP, "/htpasswd");
  const certFile = expand(STEP_TMP, "/tls.crt");
  const keyFile = expand(STEP_TMP, "/tls.key");
  return {
    invocations: [
      createLoopbackContainer({
        ...options,
        docker,
        containerPort: 5000,
        env: registryContainerEnv(options.authEnabled, tls),
      }),
      ...(options.authEnabled
        ? [
            { argv: ["printenv", HTPASSWD_ENV], stdoutTo: htpasswdFile },
            { argv: [docker, "cp", htpasswdFile, `${options.name}:${HTPASSWD_PATH_IN_CONTAINER}`] },
          ]
        : []),
      ...(tls
        ? [
            { argv: ["printenv", TLS_CERT_ENV], stdoutTo: certFile },
            { argv: ["printenv", TLS_KEY_ENV], stdoutTo: keyFile },
            { argv: [docker, "cp", certFile, `${options.name}:${TLS_CERT_PATH_IN_CONTAINER}`] },
            { argv: [docker, "cp", keyFile, `${options.name}:${TLS_KEY_PATH_IN_CONTAINER}`] },
          ]
        : []),
      { argv: [docker, "start", options.name], stdoutTo: "/dev/null" },
    ],
  };
}

/** `docker build` of `context` as `tag`, with build arguments. */
export function buildImageStep(
  options: DockerStepOptions & { readonly tag: string; readonly context: string; readonly buildArgs?: Readonly<Record<string, string>> },
): StepScript {
  const args = Object.entries(options.buildArgs ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
  return {
    invocations: [
      { argv: [options.docker ?? "docker", "build", "--quiet", "-t", options.tag, ...args, options.context], stdoutTo: "/dev/null" },
    ],
  };
}

/**
 * `docker push` of a tag, then the digest-pinned reference it was pushed as on stdout. With
 * registry credentials in the environment, the step's private docker config carries them.
 */
export function pushImageStep(options: DockerStepOptions & { readonly tag: string }): StepScript {
  const docker = options.docker ?? "docker";
  const repository = options.tag.replace(/:[^:/]+$/, "");
  return {
    registryHost: registryHostOf(repository),
    invocations: [
      { argv: [docker, "push", "--quiet", options.tag], stdoutTo: "/dev/null" },
      {
        argv: [docker, "image", "inspect", "--format", `{{range .RepoDigests}}{{println .}}{{end}}`, options.tag],
        stdoutTo: expand(STEP_TMP, "/digests"),
      },
      { argv: ["grep", "-m", "1", "-F", `${repository}@sha256:`, expand(STEP_TMP, "/digests")] },
    ],
  };
}

/**
 * `docker pull` of a reference; with registry credentials in the environment the step's
 * private docker config carries them.
 */
export function pullImageStep(options: DockerStepOptions & { readonly ref: string; readonly registryHost: string }): StepScript {
  return {
    registryHost: options.registryHost,
    invocations: [{ argv: [options.docker ?? "docker", "pull", "--quiet", options.ref], stdoutTo: "/dev/null" }],
  };
}

/**
 * `docker run -d` of a digest-pinned image, published on 127.0.0.1 only: the seed's step 1.5
 * (`docker run -p 8090`, which named neither image nor container port), by digest.
 */
export function runContainerStep(
  options: DockerStepOptions & {
    readonly name: string;
    readonly ref: string;
    readonly hostPort: number;
    readonly containerPort: number;
    readonly labels?: Readonly<Record<string, string>>;
  },
): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image to run");
  const labelFlags = Object.entries(options.labels ?? {}).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  return {
    registryHost: registryHostOf(repository),
    invocations: [
      {
        argv: [
          options.docker ?? "docker",
          "run",
          "-d",
          "--name",
          options.name,
          "-p",
          `127.0.0.1:${options.hostPort}:${options.containerPort}`,
          ...labelFlags,
          options.ref,
        ],
        stdoutTo: "/dev/null",
      },
    ],
  };
}

/** `docker rm -f -v` of containers; fails when one of them does not exist. */
export function removeContainersStep(options: DockerStepOptions & { readonly names: readonly string[] }): StepScript {
  return {
    invocations: [{ argv: [options.docker ?? "docker", "rm", "-f", "-v", ...options.names], stdoutTo: "/dev/null" }],
  };
}

/** `docker image rm -f` of tags; missing ones are skipped by docker with a message, not an error. */
export function removeImagesStep(options: DockerStepOptions & { readonly tags: readonly string[] }): StepScript {
  return {
    invocations: [{ argv: [options.docker ?? "docker", "image", "rm", "-f", ...options.tags], stdoutTo: "/dev/null" }],
  };
}

/**
 * Removes the local tag a build left, but only while it still points at `digestRef`: a newer
 * build of the same tag is kept. Nothing to remove is not an error.
 */
export function removeBuiltTagStep(options: DockerStepOptions & { readonly tag: string; readonly digestRef: string }): StepScript {
  const script = [
    'digests=$("$0" image inspect --format "{{range .RepoDigests}}{{println .}}{{end}}" "$1" 2>/dev/null) || exit 0',
    'if printf "%s\\n" "$digests" | grep -qxF "$2"; then "$0" image rm "$1" >/dev/null; fi',
  ].join("\n");
  return { invocations: [{ argv: ["sh", "-c", script, options.docker ?? "docker", options.tag, options.digestRef] }] };
}

/** What {@link createLoopbackContainer} makes: a service container published on 127.0.0.1 only. */
export interface LoopbackContainer {
  readonly name: string;
  readonly image: string;
  readonly hostPort: number;
  readonly containerPort: number;
  /** Labels, e.g. a test run's id for its cleanup. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Variables set in the container (not secrets: those are copied in as files). */
  readonly env?: Readonly<Record<string, string>>;
  /** The server's own arguments after the image. */
  readonly args?: readonly string[];
  /** The docker binary. Default `docker` on PATH. */
  readonly docker?: string;
}

/** `docker create` of a service on loopback that restarts with the daemon; `docker start` comes after its files are copied in. */
export function createLoopbackContainer(container: LoopbackContainer): ToolInvocation {
  const labelFlags = Object.entries(container.labels ?? {}).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  const envFlags = Object.entries(container.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  return {
    argv: [
      container.docker ?? "docker",
      "create",
      "--name",
      container.name,
      "--restart",
      "always",
      "-p",
      `127.0.0.1:${container.hostPort}:${container.containerPort}`,
      ...labelFlags,
      ...envFlags,
      container.image,
      ...(container.args ?? []),
    ],
    stdoutTo: "/dev/null",
  };
}
