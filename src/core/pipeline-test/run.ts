import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { PipelinePlan } from '../config/plan.js';
import { silentLogger } from '../log.js';
import { Runner } from '../runner/runner.js';
import { firstDifference } from './conditions.js';
import type { LoadedTest } from './load.js';
import { testPlan } from './plan.js';

/** How long one test may run; the inputs are fixed and finite, so only a fault takes this long. */
export const TEST_TIMEOUT_MS = 60_000;

export interface TestResult {
  readonly test: LoadedTest;
  readonly passed: boolean;
  /** The first difference (`samples: column seq, row 3: expected 3, got 4`) or why the run failed. */
  readonly difference?: string;
  /** Conditions that failed besides the first. */
  readonly moreFailures: number;
}

/**
 * A clock that stands still at 2026-01-01T00:00:00Z: host times in a test are 0 and wall times
 * fixed, so what a test sees does not depend on when or how fast it ran.
 */
export const testClock: Clock = {
  nowNs: () => 0,
  anchorWallNs: 1_767_225_600_000_000_000n,
  toWallNs: (relativeNs) => 1_767_225_600_000_000_000n + BigInt(Math.round(relativeNs)),
};

/**
 * Runs one test: the pipeline rebuilt with the test's inputs and captures (see testPlan) runs on the
 * runner until its inputs end, then every condition is checked against what each capture got.
 */
export async function runPipelineTest(plan: PipelinePlan, test: LoadedTest, options: { log?: Logger; dataDir?: string; timeoutMs?: number } = {}): Promise<TestResult> {
  const built = testPlan(plan, test.feeds, test.outputs.map((o) => o.port));
  const runner = new Runner(built.plan, { log: options.log ?? silentLogger, clock: testClock, dataDir: options.dataDir ?? process.cwd() });
  const timeoutMs = options.timeoutMs ?? TEST_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      runner.stop();
      // A component that ignores the stop must not hold the whole test command.
      timer = setTimeout(() => resolve('timeout'), 5_000);
    }, timeoutMs);
  });
  let outcome: Awaited<ReturnType<Runner['run']>> | 'timeout';
  try {
    outcome = await Promise.race([runner.run(), timedOut]);
  } catch (error) {
    return { test, passed: false, difference: `the pipeline did not start: ${(error as Error).message}`, moreFailures: 0 };
  } finally {
    clearTimeout(timer);
  }
  if (outcome === 'timeout' || outcome.reason === 'stopped') return { test, passed: false, difference: `did not finish within ${timeoutMs / 1000} s`, moreFailures: 0 };
  if (outcome.reason === 'failed') return { test, passed: false, difference: `the pipeline failed: ${outcome.error?.message}`, moreFailures: 0 };

  const differences: string[] = [];
  for (const output of test.outputs) {
    const batches = built.captured.get(output.port.id) ?? [];
    for (const condition of output.conditions) {
      const difference = firstDifference(condition, batches);
      if (difference !== undefined) differences.push(`${output.port.id}: ${difference}`);
    }
  }
  return { test, passed: differences.length === 0, difference: differences[0], moreFailures: Math.max(0, differences.length - 1) };
}
