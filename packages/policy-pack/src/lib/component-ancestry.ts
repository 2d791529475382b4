/**
 * A resource's URN carries the types of the components it was made inside:
 * `urn:pulumi:<stack>::<project>::<parent type>$…$<type>::<name>`. Both rules let a stack exempt
 * everything made inside given component types (the lab's own registry, timestamp authority and
 * transparency log run local service images; the app is what the pack guards).
 */

/** The types of the components a resource was made inside, outermost first (the Stack included). */
export function ancestorTypesOf(urn: string): string[] {
  const qualifiedType = urn.split("::")[2];
  if (qualifiedType === undefined) return [];
  return qualifiedType.split("$").slice(0, -1);
}

/** True when the resource was made inside a component of one of `componentTypes`. */
export function isInsideComponent(urn: string, componentTypes: readonly string[] | undefined): boolean {
  if (!componentTypes || componentTypes.length === 0) return false;
  return ancestorTypesOf(urn).some((t) => componentTypes.includes(t));
}
