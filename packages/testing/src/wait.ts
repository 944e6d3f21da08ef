// The one way a test waits for something it cannot be told about: poll an observable
// condition with a deadline, and say what was awaited when the deadline passes.

/**
 * Polls `probe` every `intervalMs` until it returns a value (anything but undefined or false),
 * and resolves to that value; rejects after `timeoutMs` naming `what`.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
