/**
 * Runs a test's cleanups, last registered first, every one of them even when one throws (a reader
 * that cannot stop must not leave the broker process behind); then throws the first error.
 */
export async function runCleanups(cleanups: Array<() => unknown>): Promise<void> {
  let first: unknown;
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}
