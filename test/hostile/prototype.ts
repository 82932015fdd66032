/**
 * Helpers of the hostile-inputs suite (see README.md here): a snapshot of the built-in prototypes that a pollution
 * would change, and the reserved keys every key-to-object path must refuse.
 */
import assert from 'node:assert/strict';

const WATCHED: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

type Snapshot = Map<string, PropertyDescriptor | undefined>;

function describeAll(): Snapshot {
  const out: Snapshot = new Map();
  for (const [name, proto] of WATCHED) {
    for (const key of Reflect.ownKeys(proto)) {
      out.set(`${name}.${String(key)}`, Object.getOwnPropertyDescriptor(proto, key));
    }
    out.set(`${name} [[Prototype]]`, { value: Object.getPrototypeOf(proto) as unknown });
  }
  return out;
}

/** Take a snapshot now; the returned check fails, naming the member, if any watched prototype changed since. */
export function watchPrototypes(): () => void {
  const before = describeAll();
  return () => {
    const after = describeAll();
    for (const [key, descriptor] of after) {
      assert.ok(before.has(key), `${key} was added`);
      const was = before.get(key)!;
      assert.equal(descriptor?.value, was?.value, `${key} was changed`);
      assert.equal(descriptor?.get, was?.get, `${key} was changed`);
      assert.equal(descriptor?.set, was?.set, `${key} was changed`);
    }
    for (const key of before.keys()) assert.ok(after.has(key), `${key} was deleted`);
    // The classic probe: a fresh object inherits nothing new.
    const probe = {} as Record<string, unknown>;
    for (const name of ['authorization', 'polluted', 'x', 'isAdmin']) assert.equal(probe[name], undefined, name);
  };
}

/** Keys that must never become a property of a plain object: the prototype's own names and its magic ones. */
export const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
