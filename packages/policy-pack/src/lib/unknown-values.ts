import policy from "@pulumi/policy";

/**
 * During `pulumi preview` a value that depends on a resource not yet created is unknown; the
 * policy framework hands props wrapped in a proxy that throws its `UnknownValueError` when such
 * a value is read, and turns that error, thrown out of a validation, into an advisory "can't run
 * policy … during preview". @pulumi/policy exports the class at run time but strips it from its
 * typings, hence the cast.
 */
export const UnknownValueError = (policy as unknown as { UnknownValueError: new (...args: never[]) => Error }).UnknownValueError;

/** The framework's proxy over props (what validations receive from the engine). */
export const unknownCheckingProxy = (policy as unknown as { unknownCheckingProxy: <T extends object>(props: T) => T }).unknownCheckingProxy;

/** A value read from props: known, or unknown until the update. */
export type Reading<T> = { readonly known: true; readonly value: T } | { readonly known: false; readonly unknown: Error };

/** Reads through the proxy; an unknown value becomes `{ known: false }`, any other error is thrown. */
export function readKnown<T>(read: () => T): Reading<T> {
  try {
    return { known: true, value: read() };
  } catch (error) {
    if (error instanceof UnknownValueError) return { known: false, unknown: error };
    throw error;
  }
}
