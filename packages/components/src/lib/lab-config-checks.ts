import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { LAB_DEFAULTS, LabConfigError, parseLabConfig, type LabConfig, type RawConfig } from "./lab-config.js";

/**
 * What the checks of the machine read of a config: the keys that name files and folders. A
 * parsed {@link LabConfig} is one; {@link pathKeysOfRaw} reads them from a config the schema
 * refused, so that one pass lists every problem.
 */
export interface LabConfigPaths {
  readonly image?: { readonly context?: unknown; readonly dockerfile?: unknown };
  readonly images?: readonly { readonly context?: unknown; readonly dockerfile?: unknown }[];
  readonly existingImageRef?: unknown;
  readonly registryCaFile?: unknown;
  readonly workDir?: unknown;
  readonly promotion?: { readonly registryCaFile?: unknown };
  readonly tools?: Readonly<Record<string, unknown>>;
}

function kindOf(path: string): "folder" | "file" | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? "folder" : stat.isFile() ? "file" : undefined;
  } catch {
    return undefined;
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every problem of the paths a config names, as `namespace:key: what`, checked against this
 * machine before any resource is registered (a build would otherwise fail after the registry
 * and the key were made, and its provenance hashes its sources): each image's build context
 * (a folder) and Dockerfile (a file in it), unless the lab signs an existing image; the CA files
 * (readable files); `workDir` (a folder when it exists); tool binaries given as absolute paths
 * (executable files). Relative paths are the project root's. Only keys holding strings are
 * looked at: a value of the wrong type is the schema's to name.
 */
export function checkLabConfigPaths(config: LabConfigPaths, projectRoot: string, namespace: string): string[] {
  const at = (key: string, problem: string) => `${namespace}:${key}: ${problem}`;
  const fromRoot = (path: string) => resolve(projectRoot, path);
  const problems: string[] = [];
  if (typeof config.existingImageRef !== "string") {
    const images = config.images ?? [config.image ?? {}];
    images.forEach((image, i) => {
      const key = config.images ? `images[${i}]` : "image";
      const context = typeof image.context === "string" ? image.context : LAB_DEFAULTS.image.context;
      const dockerfile = typeof image.dockerfile === "string" ? image.dockerfile : LAB_DEFAULTS.image.dockerfile;
      const folder = fromRoot(context);
      if (kindOf(folder) !== "folder") {
        problems.push(at(`${key}.context`, `no folder ${folder} (the build context, relative to ${projectRoot})`));
        return;
      }
      const file = resolve(folder, dockerfile);
      if (kindOf(file) !== "file") problems.push(at(`${key}.dockerfile`, `no file ${file} (the Dockerfile, relative to the context)`));
    });
  }
  const caFiles: [string, unknown][] = [
    ["registryCaFile", config.registryCaFile],
    ["promotion.registryCaFile", config.promotion?.registryCaFile],
  ];
  for (const [key, value] of caFiles) {
    if (typeof value !== "string") continue;
    const file = fromRoot(value);
    if (kindOf(file) !== "file" || !readable(file)) problems.push(at(key, `no readable file ${file} (a PEM CA certificate)`));
  }
  if (typeof config.workDir === "string") {
    const dir = fromRoot(config.workDir);
    const kind = kindOf(dir);
    if (kind !== undefined && kind !== "folder") problems.push(at("workDir", `${dir} is not a folder`));
  }
  for (const [tool, value] of Object.entries(config.tools ?? {})) {
    if (typeof value !== "string" || !isAbsolute(value)) continue;
    let executable = kindOf(value) === "file";
    try {
      accessSync(value, constants.X_OK);
    } catch {
      executable = false;
    }
    if (!executable) problems.push(at(`tools.${tool}`, `no executable file ${value}`));
  }
  return problems;
}

/** The path keys of a raw config (objects as JSON), where they parse; what does not is the schema's to name. */
export function pathKeysOfRaw(raw: RawConfig): LabConfigPaths {
  const json = (key: string): unknown => {
    try {
      return raw[key] === undefined ? undefined : JSON.parse(raw[key] ?? "");
    } catch {
      return undefined;
    }
  };
  const object = (value: unknown) => (value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined);
  const images = json("images");
  return {
    image: object(json("image")) as LabConfigPaths["image"],
    images: Array.isArray(images) ? images.map((i) => object(i) ?? {}) : undefined,
    existingImageRef: raw.existingImageRef,
    registryCaFile: raw.registryCaFile,
    workDir: raw.workDir,
    promotion: object(json("promotion")) as LabConfigPaths["promotion"],
    tools: object(json("tools")) as LabConfigPaths["tools"],
  };
}

/**
 * Every problem a parsed config has on this machine, each naming its key (`namespace:key: what`):
 * {@link checkLabConfigPaths}. Empty when there is none.
 */
export function checkLabConfig(config: LabConfig, projectRoot: string, namespace = "signed-image-lab"): string[] {
  return checkLabConfigPaths(config, projectRoot, namespace);
}

/**
 * One pass over a raw stack config: the schema ({@link parseLabConfig}) and, with a project root,
 * the paths it names on this machine. Every problem, each naming its key; the config when there
 * is none. What the program runs before any resource, and `lab.sh up` before the engine starts.
 */
export function checkRawLabConfig(
  namespace: string,
  raw: RawConfig,
  secretKeys: ReadonlySet<string>,
  projectRoot?: string,
): { readonly config?: LabConfig; readonly problems: readonly string[] } {
  let config: LabConfig | undefined;
  const problems: string[] = [];
  try {
    config = parseLabConfig(namespace, raw, secretKeys);
  } catch (error) {
    if (!(error instanceof LabConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (projectRoot !== undefined) {
    problems.push(
      ...(config ? checkLabConfig(config, projectRoot, namespace) : checkLabConfigPaths(pathKeysOfRaw(raw), projectRoot, namespace)),
    );
  }
  return problems.length > 0 || config === undefined ? { problems } : { config, problems };
}
