/** Polls `check` every 10 ms until it returns true; fails after `timeoutMs` with `what`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Polls `read` every 10 ms until it returns the same value `polls` times in a row (a count that has
 * stopped moving, such as bytes read from a paused handle); returns that value. Fails after
 * `timeoutMs` with `what`.
 */
export async function waitForSteady(read: () => number, what: string, polls = 20, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  for (let same = 0; same < polls; ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}
