/** A Pulumi package schema as `pulumi package get-schema` prints it (the parts the specs read). */
export interface PackageSchema {
  readonly name: string;
  readonly namespace?: string;
  readonly version: string;
  readonly resources: Record<
    string,
    {
      readonly description?: string;
      readonly isComponent?: boolean;
      readonly inputProperties?: Record<string, SchemaProperty>;
      readonly requiredInputs?: string[];
      readonly properties?: Record<string, SchemaProperty>;
    }
  >;
  readonly types: Record<
    string,
    {
      readonly type: string;
      readonly properties?: Record<string, SchemaProperty>;
      readonly enum?: { readonly name: string; readonly value: string | number; readonly description?: string }[];
    }
  >;
}
export interface SchemaProperty {
  readonly type?: string;
  readonly $ref?: string;
  readonly description?: string;
  readonly plain?: boolean;
  readonly items?: SchemaProperty;
  readonly additionalProperties?: SchemaProperty;
}
export const PACKAGE_DIR: string;
export function providerNameOf(packageName: string): { name: string; namespace?: string };
export function normalizeSchema<T>(value: T): T;
export function inferSchema(componentNames: readonly string[], dir?: string): PackageSchema;
export function exportedComponentNames(dir?: string): Promise<string[]>;
