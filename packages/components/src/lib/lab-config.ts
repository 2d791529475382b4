/**
 * The lab's config schema lives in the tooling package (no Pulumi dependency), so that the
 * environment generator, lab.sh's helpers and the README check read the same rules. Components
 * and infra import it from here as before; {@link loadLabConfig} (stack-config.ts) reads it from
 * the running stack.
 */
export {
  DEFAULT_BASE_IMAGE,
  DEFAULT_REGISTRY_IMAGE,
  LAB_CONFIG_KEYS,
  LAB_DEFAULTS,
  LabConfigError,
  SECRET_CONFIG_KEYS,
  labConfigSchema,
  labImages,
  needsCosignPassword,
  parseLabConfig,
  policyEnabled,
  type LabConfig,
  type LabImageConfig,
  type LabSettings,
  validateLabSettings,
  type RawConfig,
} from "@signed-image-lab/tooling";
