/** Brands: how the SDK's classes are recognised across two copies of @tributary/api in one process. */

/**
 * A plugin installed with its own copy of the SDK makes Structs, records and exceptions whose classes are
 * not the worker's, so `instanceof` alone would say no and a Struct would be written as an empty value.
 * Each class is branded with a registry symbol (`Symbol.for`, shared by every copy in the process) on its
 * prototype, and its `instanceof` checks that brand. Subclasses a connector defines keep ordinary
 * `instanceof` semantics; subclasses of the SDK carry their own brand and their parents'.
 */
export function brand(cls: { readonly prototype: object }, name: string): void {
  const key = brandKey(name);
  Object.defineProperty(cls.prototype, key, { value: true });
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return ordinary.call(this, value);
      return hasBrand(value, key);
    },
  });
}

/** The registry symbol of a branded class (`tributary.api.Struct` …), the same in every copy of the SDK. */
export function brandKey(name: string): symbol {
  return Symbol.for(`tributary.api.${name}`);
}

function hasBrand(value: unknown, key: symbol): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (value as Record<symbol, unknown>)[key] === true &&
    // The branded prototype itself is no instance (as with ordinary instanceof); instances inherit the brand.
    !Object.hasOwn(value, key)
  );
}
