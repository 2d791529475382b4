import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../test-support/policy-args.js";
import { readKnown, unknownCheckingProxy, UnknownValueError } from "./unknown-values.js";

describe("readKnown", () => {
  // biome-ignore lint/suspicious/noExplicitAny: @pulumi/policy hands props as Record<string, any>
  const props = unknownCheckingProxy({ name: UNKNOWN, ports: [{ internal: 8080 }] } as Record<string, any>);

  it("returns known values and turns the framework's unknown (preview) into { known: false }", () => {
    expect(readKnown(() => props.ports[0].internal)).toEqual({ known: true, value: 8080 });
    const name = readKnown(() => props.name);
    expect(name.known).toBe(false);
    expect(!name.known && name.unknown).toBeInstanceOf(UnknownValueError);
    expect(!name.known && name.unknown.message).toBe("string value at .name can't be known during preview");
  });

  it("throws any other error: a bug in a policy must not pass as 'unknown'", () => {
    expect(() => readKnown(() => props.missing.field)).toThrow(TypeError);
  });
});
