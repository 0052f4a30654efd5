/** WebIDL conversion helpers shared by the platform classes. */

/** WebIDL's `object` type: anything but a primitive, functions included (workerd accepts a function as a dictionary). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
