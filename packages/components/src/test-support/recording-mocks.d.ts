import * as pulumi from "@pulumi/pulumi";
import type { SigningKeyMaterial } from "../lib/signing-key.js";
/** A resource the program registered, as the mocks saw it. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly custom: boolean;
}
/** A syntactically real cosign key pair (not a usable key) for mocked key generation. */
export declare const FAKE_PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfakefakefakefakefakefakefakefake\n-----END PUBLIC KEY-----\n";
export declare const FAKE_PRIVATE_KEY = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nZmFrZQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n";
/** Key material as a SigningKey gives it, with the fake pair and password `key-pw`. */
export declare function fakeKeyMaterial(publicKeyPem?: string): SigningKeyMaterial;
/**
 * Pulumi mocks that record every registration and give each resource the outputs the real
 * provider would: a digest for pushed images, a plausible stdout for each Command step.
 */
export declare class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[];
    newResource(args: pulumi.runtime.MockResourceArgs): {
        id: string;
        state: Record<string, any>;
    };
    call(args: pulumi.runtime.MockCallArgs): Record<string, any>;
    /** Every recorded resource of `type`. */
    ofType(type: string): RecordedResource[];
    /** The one recorded custom resource named `name` (or of `type`); throws if there is none. */
    named(name: string, type?: string): RecordedResource;
}
/** True when a recorded input value was marked secret when it was registered. */
export declare function isSecretInput(value: unknown): boolean;
/** True when a recorded input is, or holds anywhere inside it, a secret. */
export declare function holdsSecretInput(value: unknown): boolean;
/** A recorded input with every secret wrapper removed, for asserting on its plain value. */
export declare function plain(value: unknown): any;
/** The value of an Output, once resolved. */
export declare function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T>;
/** Whether an Output is marked secret. */
export declare function isSecret(output: pulumi.Output<unknown>): Promise<boolean>;
/** URNs of everything registered so far; a child's URN type names its parent's type. */
export declare function registeredUrns(): string[];
/** Installs fresh recording mocks for project `signed-image-lab`, stack `dev`. */
export declare function installRecordingMocks(config?: Record<string, string>, secretKeys?: string[]): Promise<RecordingMocks>;
