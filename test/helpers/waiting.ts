export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const sleepUntil = (epochMs: number) => sleep(Math.max(0, epochMs - Date.now()));

/** Retries `check` until it stops throwing: polls instead of guessing how long the system needs. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}
