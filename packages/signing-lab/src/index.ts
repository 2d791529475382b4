// The package's entry: the schema analyzer starts here and the component provider host serves every
// ComponentResource exported from it. Export components, their args and the schema's types only.
export * from "./lib/schema-types.js";
export * from "./lib/signing-lab.js";
export * from "./lib/signing-pipeline.js";
export * from "./lib/signing-key.js";
export * from "./lib/registry.js";
export * from "./lib/verified-container.js";
export * from "./lib/timestamp-authority.js";
export * from "./lib/transparency-log.js";
