#!/usr/bin/env node
// What lab.sh asks the lab's config schema (tools/scripts/stack-config.sh calls it):
//   lab-config needs-cosign-password   prints yes or no: does the stack sign with a
//                                      password-protected cosign key? Reads the stack's raw
//                                      config from LAB_CONFIG_SIGNING_KEY and
//                                      LAB_CONFIG_VAULT_DEV_SERVER (`pulumi config get` output).
// Exits 2 on a usage error.
import { rawConfigNeedsCosignPassword } from "../lib/config/lab-config-schema.js";

const [question] = process.argv.slice(2);
if (question === "needs-cosign-password") {
  const needed = rawConfigNeedsCosignPassword({
    signingKey: process.env.LAB_CONFIG_SIGNING_KEY,
    vaultDevServer: process.env.LAB_CONFIG_VAULT_DEV_SERVER,
  });
  process.stdout.write(needed ? "yes\n" : "no\n");
} else {
  console.error(`lab-config: usage: lab-config needs-cosign-password (got ${JSON.stringify(question ?? "")})`);
  process.exitCode = 2;
}
