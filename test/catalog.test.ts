import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, catalogRegistry } from '../src/catalog.js';
import { loadPipelineFile, loadPipelineText } from '../src/core/config/load.js';
import { Registry, source } from '../src/core/registry.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? tsFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('the component catalog', () => {
  it('has one line for every component defined under src/sources, src/operators and src/sinks', () => {
    const defined: string[] = [];
    for (const file of ['sources', 'operators', 'sinks'].flatMap((role) => tsFiles(path.resolve('src', role)))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/define(Source|Operator|Sink)\(\{\s*type:\s*'([a-z0-9_]+)'/g)) defined.push(`${match[1].toLowerCase()}/${match[2]}`);
    }
    expect(defined.length).toBeGreaterThan(20);
    expect(CATALOG.map((e) => `${e.role}/${e.type}`).sort()).toEqual(defined.sort());
  });

  it('loads, for a pipeline file, the components it names and no others', async () => {
    const registry = catalogRegistry();
    const plan = await registry.resolve((r) => loadPipelineFile('pipelines/harvest.yml', r));
    const named = [...plan.sources.map((s) => s.definition), ...plan.transforms.flatMap((t) => t.steps.map((s) => s.definition)), ...plan.sinks.map((s) => s.definition)];
    const loaded = registry.all().map((d) => `${d.role}/${d.type}`);
    // crc is absorbed into frame in the plan, but the file names it, so it is loaded too.
    expect(loaded.sort()).toEqual([...new Set([...named.map((d) => `${d.role}/${d.type}`), 'operator/crc'])].sort());
    expect(loaded.length).toBeLessThan(CATALOG.length / 2);
  });

  it('loads no heavy library with the definitions: list and validate stay light', () => {
    // Every definition, as `pipeline list` loads them, in a fresh process that records what it resolves.
    const dir = mkdtempSync(path.join(tmpdir(), 'catalog-imports-'));
    const out = path.join(dir, 'imports.txt');
    try {
      const script = "const { catalogRegistry } = await import('./src/catalog.ts'); await catalogRegistry().loadAll();";
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/helpers/record-imports.mjs', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, RECORD_IMPORTS_TO: out } });
      expect(run.status, run.stderr).toBe(0);
      const packages = new Set(readFileSync(out, 'utf8').split('\n').flatMap((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? []));
      expect(packages.has('zod')).toBe(true); // the check sees packages at all
      for (const heavy of ['apache-arrow', 'parquet-wasm', '@duckdb/node-api', '@nats-io/transport-node', '@nats-io/jetstream', 'serialport', 'ws', 'rxjs']) expect(packages, heavy).not.toContain(heavy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an unknown type with every type of its role, loaded or not', async () => {
    const registry = catalogRegistry();
    const text = 'sources: { node: { type: serail, path: /dev/ttyACM0 } }\nsinks: { console: { type: stdout, inputs: [node] } }\n';
    const failure = await registry.resolve((r) => loadPipelineText(text, r)).catch((error: Error) => error);
    expect(String(failure)).toMatch(/unknown source type "serail" \(did you mean "serial"\?\); source types: file, nats, rtt, serial, simulator, tcp, udp/);
  });

  it('refuses a line whose module does not define a component of its role and type', async () => {
    const registry = Registry.ofCatalog([source('tcpx', () => import('../src/sources/tcp/index.js'))]);
    await expect(registry.loadAll()).rejects.toThrow('catalog: the module of source "tcpx" must export exactly one source definition of that type (found 0)');
  });
});

