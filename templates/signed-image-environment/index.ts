import * as pulumi from "@pulumi/pulumi";
import { loadLabConfig, SigningLab } from "@signed-image-lab/components";

// The stack config (Pulumi.<stack>.yaml) holds the lab's settings under this project's name:
// every key of docs/configuration.md. They are validated before anything is created.
const lab = new SigningLab("lab", { settings: loadLabConfig(), settingsName: pulumi.getProject() });

export const registryEndpoint = lab.registryEndpoint;
export const publicKey = lab.publicKey;
export const admittedRef = lab.admittedRef;
export const images = lab.images;
export const drift = lab.drift;
export const appUrl = lab.appUrl;
