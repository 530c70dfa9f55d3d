import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPONENTS } from '../../src/components.js';
import { ComponentMetrics, declareMetrics, ENGINE_METRICS, isDeclared, type MetricsDeclaration, TOTALS } from '../../src/core/metrics.js';
import { renderPrometheus } from '../../src/core/prometheus.js';
import { RECONNECT_METRICS } from '../../src/core/reconnect.js';
import { DEVICE_WRITER_METRICS } from '../../src/core/device-writers.js';
import { NATS_LINK_METRICS } from '../../src/core/nats/connection.js';
import { MetricsRegistry } from '../../src/core/metrics.js';
import { GDB_CLIENT_METRICS } from '../../src/sources/rtt/gdb-client.js';

const SRC = path.resolve('src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? tsFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** The file that defines each component, found by its `type` right after `defineX({`. */
function definitionFiles(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of ['sources', 'operators', 'sinks'].flatMap((role) => tsFiles(path.join(SRC, role)))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/define(Source|Operator|Sink)\(\{\s*type:\s*'([a-z0-9_]+)'/g)) {
      found.set(`${match[1].toLowerCase()}/${match[2]}`, file);
    }
  }
  return found;
}

/**
 * The file and every file it imports values from, transitively, inside its role's folder: static
 * imports, and the `import('./x.js')` that defers an implementation until the component is created.
 * Shared modules in src/core declare what they count themselves (checked below); components spread those.
 */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file) || file.startsWith(path.join(SRC, 'core'))) return seen;
  seen.add(file);
  for (const match of readFileSync(file, 'utf8').matchAll(/^import (?!type )[^;]*?from '(\.[^']+)\.js';|\bimport\('(\.[^']+)\.js'\)/gms)) {
    const base = path.resolve(path.dirname(file), match[1] ?? match[2]);
    const source = [`${base}.ts`, `${base}.js`].find((candidate) => existsSync(candidate));
    if (source) reachable(source, seen);
  }
  return seen;
}

const TABLE = { error: 'errors', count: 'counters', gauge: 'gauges' } as const;

/** Every name counted with a literal (a template counts as its family, `refused_*`). */
function countedNames(files: Iterable<string>): { table: keyof MetricsDeclaration; name: string; file: string }[] {
  const names = [];
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/metrics\.(error|count|gauge)\(\s*(['`])([^'`]*)\2/g)) {
      const name = match[2] === '`' && match[3].includes('${') ? `${match[3].slice(0, match[3].indexOf('${'))}*` : match[3];
      names.push({ table: TABLE[match[1] as keyof typeof TABLE], name, file: path.relative(SRC, file) });
    }
    // A reconnecting source's own connect-error reasons, which the loop counts as errors.
    for (const match of readFileSync(file, 'utf8').matchAll(/classify: [^\n]*?'([a-z_]+)'/g)) names.push({ table: 'errors' as const, name: match[1], file: path.relative(SRC, file) });
  }
  return names;
}

describe('declared metrics', () => {
  const files = definitionFiles();

  it('finds the file of every registered component', () => {
    expect(COMPONENTS.map((d) => `${d.role}/${d.type}`).filter((key) => !files.has(key))).toEqual([]);
  });

  it('declares every error reason, counter and gauge a component counts, in the right table', () => {
    const undeclared: string[] = [];
    for (const definition of COMPONENTS) {
      const own = definition.metrics ?? {};
      const engine = ENGINE_METRICS[definition.role];
      for (const { table, name, file } of countedNames(reachable(files.get(`${definition.role}/${definition.type}`)!))) {
        if (isDeclared(own[table], name) || isDeclared(engine[table], name)) continue;
        // A family counted through a template is declared by the same family.
        if (name.endsWith('*') && own[table]?.[name] !== undefined) continue;
        undeclared.push(`${definition.role} ${definition.type}: ${table}.${name} (counted in ${file})`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('has the shared modules declare what they count for the component that uses them', () => {
    const undeclared = (file: string, declaration: MetricsDeclaration) =>
      countedNames([path.join(SRC, 'core', file)]).filter(({ table, name }) => !isDeclared(declaration[table], name)).map(({ table, name }) => `${file}: ${table}.${name}`);
    expect([...undeclared('reconnect.ts', RECONNECT_METRICS), ...undeclared('device-writers.ts', DEVICE_WRITER_METRICS), ...undeclared('nats/connection.ts', NATS_LINK_METRICS)]).toEqual([]);
    expect(countedNames([path.join(SRC, 'core', 'reconnect.ts')]).length).toBeGreaterThan(0);
    // The GDB client reports irregularities through its `irregular` callback, each a declared error.
    const irregular = [...readFileSync(path.join(SRC, 'sources/rtt/gdb-client.ts'), 'utf8').matchAll(/\.irregular\('([a-z_]+)'\)/g)].map((m) => m[1]);
    expect(irregular.sort()).toEqual(Object.keys(GDB_CLIENT_METRICS.errors).sort());
  });

  it('declares nothing a component never counts (a declared name is a promise to count it)', () => {
    // Names of the shared modules are checked against their code above (reconnect reasons are picked at run time).
    const shared = declareMetrics(RECONNECT_METRICS, DEVICE_WRITER_METRICS, NATS_LINK_METRICS, GDB_CLIENT_METRICS);
    const unused: string[] = [];
    for (const definition of COMPONENTS) {
      const counted = countedNames(reachable(files.get(`${definition.role}/${definition.type}`)!));
      for (const table of ['errors', 'counters', 'gauges'] as const) {
        for (const name of Object.keys(definition.metrics?.[table] ?? {})) {
          if (isDeclared(shared[table], name)) continue;
          if (!counted.some((c) => c.table === table && c.name === name)) unused.push(`${definition.type}: ${table}.${name}`);
        }
      }
    }
    expect(unused).toEqual([]);
  });

  it('builds the snapshot and the Prometheus totals from the one list of totals', () => {
    const registry = new MetricsRegistry();
    const m = registry.register('node', 'source', 'simulator');
    m.countOut(3, 24);
    const snapshot = m.snapshot();
    expect(Object.keys(snapshot)).toEqual(['id', 'kind', 'type', ...TOTALS.map((t) => t.key), 'errors', 'counters', 'gauges']);
    expect(snapshot).toMatchObject({ batches_out: 1, items_out: 3, bytes_out: 24, queue_bytes: 0 });
    const text = renderPrometheus(registry.snapshot());
    for (const total of TOTALS) if (total.prometheus) expect(text).toContain(`# TYPE ${total.prometheus.name} ${total.prometheus.type}`);
    expect(text).toContain('pipeline_bytes_out_total{component="node",kind="source",type="simulator"} 24');
    expect(m).toBeInstanceOf(ComponentMetrics);
  });
});
