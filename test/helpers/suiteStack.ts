import { startTestStack, type TestStack } from './stack';

/**
 * A stack for the calling suite: started in beforeAll, closed in afterAll (after `beforeClose`, while the
 * stack still runs). The answer forwards to the running stack, so a suite and the helpers built on it
 * can hold it from the start, before beforeAll has run.
 */
export function suiteStack(options?: Parameters<typeof startTestStack>[0], beforeClose?: () => Promise<unknown>): TestStack {
  let current: TestStack | undefined;
  beforeAll(async () => {
    current = await startTestStack(options);
  });
  afterAll(async () => {
    await beforeClose?.();
    await current?.close();
  });
  return new Proxy({} as TestStack, {
    get(_target, key) {
      if (!current) throw new Error('the suite stack is not running: use it inside hooks and tests only');
      return Reflect.get(current, key);
    },
  });
}
