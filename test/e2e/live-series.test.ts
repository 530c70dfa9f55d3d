import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PipelineProcess, startPipelineProcess } from './live-pipeline.js';

let browser: Browser;
const pipelines: PipelineProcess[] = [];

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  for (const p of pipelines) await p.stop();
});

/**
 * pipelines/freertos-trace.yml's live page (its websocket sink has `series_by: context`): cpu_window
 * sends one row per context per window, and the page plots each context as its own series.
 */
describe('live view of a FreeRTOS trace in a real browser', () => {
  it('plots CPU load as one series per task of the sample trace', { timeout: 60_000 }, async () => {
    // The sample at half its recorded pace (10 s), so windows keep coming while the page loads.
    const run = await startPipelineProcess(['pipelines/freertos-trace.yml', '--set', 'sinks.live.listen=127.0.0.1:0', '--set', 'sources.trace.bytes_per_second=8000']);
    pipelines.push(run);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.goto(run.url);

    // The contexts of the sample (test/operators/trace-recorder/sample.ts): IDLE, then sensor,
    // interrupted by the timer ISR, then radio, in each 10 ms period.
    const title = 'cpu · cpu_utilization by context';    // streams are named after the sink input (the transform cpu)
    const panel = page.locator('.panel', { has: page.locator('h3', { hasText: title }) });
    await page.waitForFunction(
      (t) => {
        const p = Array.from(document.querySelectorAll<HTMLElement>('.panel')).find((e) => e.querySelector('h3')?.textContent === t);
        const counts = (p?.dataset.seriesPoints ?? '').split(',').filter(Boolean).map(Number);
        return counts.length === 4 && counts.every((n) => n >= 2);
      },
      title,
      { timeout: 30_000 },
    );
    const labels = await panel.locator('.u-legend .u-series .u-label').allTextContents();
    // The first legend entry is the x axis.
    expect(labels.slice(1).sort()).toEqual(['IDLE', 'radio', 'sensor', 'timer ISR']);
    expect(await panel.getAttribute('data-columns')).toBe(labels.slice(1).map((l) => `cpu_utilization · ${l}`).join(','));
    // Other value columns are split the same way.
    expect(await page.locator('.panel h3', { hasText: /runtime_in_window by context/ }).count()).toBe(1);
    expect(problems).toEqual([]);
    expect(await run.stop()).toBe(0);
  });
});
