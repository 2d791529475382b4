import { describe, expect, it } from "vitest";
import { ancestorTypesOf, isInsideComponent } from "./component-ancestry.js";

const REGISTRY_CONTAINER =
  "urn:pulumi:dev::signed-image-lab::pulumi:pulumi:Stack$signed-image-lab:signing:Registry$docker:index/container:Container::dev-registry";

describe("component ancestry", () => {
  it("reads the types a resource was made inside from its URN", () => {
    expect(ancestorTypesOf(REGISTRY_CONTAINER)).toEqual(["pulumi:pulumi:Stack", "signed-image-lab:signing:Registry"]);
    expect(ancestorTypesOf("urn:pulumi:dev::p::docker:index/container:Container::web")).toEqual([]);
    expect(ancestorTypesOf("not a urn")).toEqual([]);
  });

  it("exempts only resources inside a listed component type, never the type itself", () => {
    expect(isInsideComponent(REGISTRY_CONTAINER, ["signed-image-lab:signing:Registry"])).toBe(true);
    expect(isInsideComponent(REGISTRY_CONTAINER, ["signed-image-lab:signing:VerifiedContainer"])).toBe(false);
    expect(isInsideComponent(REGISTRY_CONTAINER, ["docker:index/container:Container"])).toBe(false);
    expect(isInsideComponent(REGISTRY_CONTAINER, undefined)).toBe(false);
  });
});
