import { mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARVEST, type PipelineProcess, harvestLiveOverrides, startPipelineProcess } from './live-pipeline.js';

const ARTIFACTS = 'test-artifacts';

let browser: Browser;
const pipelines: PipelineProcess[] = [];

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  for (const p of pipelines) await p.stop();
});

describe('live view in a real browser', () => {
  it('plots harvest.yml data, shows non-zero rates, logs no errors, and reconnects after a restart', { timeout: 90_000 }, async () => {
    const first = await startPipelineProcess([HARVEST, ...harvestLiveOverrides()]);
    pipelines.push(first);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));

    await page.goto(first.url);
    // Plots have drawn data points, and the status panel shows the pipeline moving.
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.panel')).some((p) => Number((p as HTMLElement).dataset.points) > 10), undefined, { timeout: 30_000 });
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#components tr[data-rate]')).some((r) => Number((r as HTMLElement).dataset.rate) > 0), undefined, { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.getElementById('fps')!.dataset.fps) > 0 && Number(document.getElementById('feed-rate')!.dataset.rate) > 0, undefined, { timeout: 30_000 });
    expect(await page.locator('.panel canvas').count()).toBeGreaterThan(0);
    // Panels are titled after the stream the sink reads (its input `preview`), not the source.
    const titles = await page.locator('.panel h3').allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    for (const title of titles) expect(title).toMatch(/^preview · /);
    expect(await page.locator('#connection').textContent()).toBe('live');
    const sourceRate = await page.locator('#components tr[data-component="node"]').getAttribute('data-rate');
    expect(Number(sourceRate)).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}/live-view.png` });

    // Dragging across a plot zooms every panel to that span and stops following; back to live resumes.
    const box = (await page.locator('.panel .u-over').first().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => !document.getElementById('reset-zoom')!.hidden);
    expect(await page.locator('#connection').textContent()).toBe('paused');
    await page.click('#reset-zoom');
    expect(await page.locator('#connection').textContent()).toBe('live');
    expect(await page.locator('#reset-zoom').isHidden()).toBe(true);

    // The panel chooser hides and shows a panel.
    const panels = await page.locator('.panel').count();
    expect(await page.locator('#chooser input[type=checkbox]').count()).toBe(panels);
    await page.locator('#chooser input[type=checkbox]').first().uncheck();
    expect(await page.locator('.panel:visible').count()).toBe(panels - 1);
    await page.locator('#chooser input[type=checkbox]').first().check();
    expect(await page.locator('.panel:visible').count()).toBe(panels);

    // Pause freezes the plots; resume follows again.
    await page.click('#pause');
    expect(await page.locator('#connection').textContent()).toBe('paused');
    await page.click('#pause');
    expect(await page.locator('#connection').textContent()).toBe('live');

    // The pipeline restarts on the same address: the page notices, reconnects by itself and plots again.
    const port = new URL(first.url).port;
    expect(await first.stop()).toBe(0);
    await page.waitForFunction(() => document.getElementById('connection')!.dataset.state === 'reconnecting', undefined, { timeout: 15_000 });
    const second = await startPipelineProcess([HARVEST, ...harvestLiveOverrides(`127.0.0.1:${port}`)]);
    pipelines.push(second);
    await page.waitForFunction(() => Number(document.getElementById('reconnects')!.textContent) === 1 && document.getElementById('connection')!.dataset.state === 'live', undefined, { timeout: 30_000 });
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.panel')).some((p) => Number((p as HTMLElement).dataset.points) > 10), undefined, { timeout: 30_000 });
    await page.screenshot({ path: `${ARTIFACTS}/live-view-reconnected.png` });
    expect(await second.stop()).toBe(0);

    // A closed socket during the restart is expected; anything else the page logged is a defect.
    expect(problems.filter((p) => !/WebSocket connection to .* failed/.test(p))).toEqual([]);
    await page.close();
  });
});
