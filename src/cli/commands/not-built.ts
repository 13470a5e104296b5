/** A command that is registered but not built yet: it says so and exits 2. */
import { UsageError } from '../exit-codes.js';

export function notBuilt(name: string): never {
  throw new UsageError(`'${name}' is not built yet in this version of fanout`);
}
