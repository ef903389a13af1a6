// Counts the durable writes (fsync and fdatasync, sync or async, on files and folders) the
// process makes, by wrapping node:fs before the packages that call it are imported. Import it
// first, then import the packages dynamically: `const counter = installFsyncCounter();`.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

/** Wraps every fsync and fdatasync of node:fs; returns a counter read with `.count`. */
export async function installFsyncCounter() {
  const counter = { count: 0 };
  for (const name of ['fsync', 'fdatasync', 'fsyncSync', 'fdatasyncSync']) {
    const original = fs[name];
    fs[name] = function counted(...args) {
      counter.count++;
      return original.apply(this, args);
    };
  }
  const handle = await fs.promises.open(import.meta.filename, 'r');
  const prototype = Object.getPrototypeOf(handle);
  await handle.close();
  for (const name of ['sync', 'datasync']) {
    const original = prototype[name];
    prototype[name] = function counted(...args) {
      counter.count++;
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports();
  return counter;
}
