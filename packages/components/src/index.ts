// The public API of @signed-image-lab/components: the components, their args and outputs, and
// the few functions a program calls around them. Step plumbing (step-command, drift bookkeeping,
// checkpoint reading) stays internal.
export * from "./lib/signing-lab.js";
export * from "./lib/signing-pipeline.js";
export * from "./lib/signing-key.js";
export * from "./lib/registry.js";
export * from "./lib/verified-container.js";
export * from "./lib/timestamp-authority.js";
export * from "./lib/transparency-log.js";
export * from "./lib/vault-dev-server.js";
export * from "./lib/image.js";
export * from "./lib/signed-image.js";
export * from "./lib/sbom-attestation.js";
export * from "./lib/image-inspection.js";
export * from "./lib/lab-config.js";
export * from "./lib/tool-check.js";
export { htpasswdLines, type HtpasswdUser } from "./lib/htpasswd.js";
export { loadLabConfig, type LoadLabConfigOptions } from "./lib/stack-config.js";
export * from "./lib/lab-config-checks.js";
export { findProjectRoot } from "./lib/project-root.js";
export type { DriftRecord } from "./lib/drift.js";
export type { RegistryCredentials } from "./lib/step-command.js";
