import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policyPackArgs } from "./lib/policy-pack.js";

// The entry point the engine starts (`main` of package.json): constructing the pack serves it to
// the engine over gRPC, so specs import ./lib, never this file.
new PolicyPack(POLICY_PACK_NAME, policyPackArgs);
