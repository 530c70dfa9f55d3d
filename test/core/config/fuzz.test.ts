import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPONENTS, defaultRegistry } from '../../../src/components.js';
import { ConfigError } from '../../../src/core/config/errors.js';
import { loadPipelineText } from '../../../src/core/config/load.js';

/**
 * Seeded fuzzing of the config loader: shipped pipelines and every component's example pipeline,
 * mutated (random bytes, truncation, deep nesting, huge numbers, aliases, hostile strings), must
 * each give a plan or a ConfigError whose problems say where they are (what `pipeline validate`
 * prints before exiting 2), never any other exception. Bounded by count and by time.
 */
const SEED = 20261201;
const MAX_CASES = 4000;
const TIME_BUDGET_MS = 4000;

/** mulberry32: a small seeded generator, so a failing case can be replayed from its number. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pipelinesDir = new URL('../../../pipelines/', import.meta.url);
const corpus = [
  ...readdirSync(pipelinesDir).filter((f) => f.endsWith('.yml')).map((f) => readFileSync(new URL(f, pipelinesDir), 'utf8')),
  ...COMPONENTS.flatMap((d) => (d.examples ?? []).map((e) => e.yaml)),
];

const HOSTILE = [
  '__proto__', 'constructor', '${HOME}', '${X:-../..}', '{name}/../..', '/etc/passwd', '*a', '&a', '!!binary', '!!js/function', '? complex', '<<: *a',
  '1e308', '-1e400', '99999999999999999999999', '.nan', '.inf', '-0', '0x7FFFFFFFFFFFFFFF', '600h', '1e15', '"\\u0000"', '~', '[', '{', '- - -',
];

type Mutation = (text: string, random: () => number) => string;
const pick = <T,>(list: readonly T[], random: () => number): T => list[Math.floor(random() * list.length)];
const at = (text: string, random: () => number) => Math.floor(random() * (text.length + 1));

const MUTATIONS: Mutation[] = [
  // random bytes, printable or not
  (t, r) => {
    let out = t;
    for (let n = 1 + Math.floor(r() * 8); n > 0; n--) {
      const i = at(out, r);
      out = out.slice(0, i) + String.fromCharCode(Math.floor(r() * 256)) + out.slice(i + (r() < 0.5 ? 1 : 0));
    }
    return out;
  },
  (t, r) => t.slice(0, at(t, r)),
  // deep nesting in flow or block style
  (t, r) => {
    const depth = 1 + Math.floor(r() * 3000);
    const i = at(t, r);
    return r() < 0.5 ? t.slice(0, i) + '['.repeat(depth) + ']'.repeat(depth) + t.slice(i) : `${t}\nsinks2: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`;
  },
  // a number replaced by a huge or odd one
  (t, r) => t.replace(/\b\d+(\.\d+)?\b/g, (m) => (r() < 0.15 ? pick(['1e308', '-1e400', '99999999999999999999999', '.nan', '.inf', '1e15', '-1', '0'], r) : m)),
  // an alias bomb, or aliases and anchors where they do not belong
  (t, r) => {
    const levels = 2 + Math.floor(r() * 8);
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let l = 1; l < levels; l++) lines.push(`a${l}: &a${l} [${Array(10).fill(`*a${l - 1}`).join(', ')}]`);
    return r() < 0.5 ? `${lines.join('\n')}\n${t}` : t.replace(/: /, `: &x `).replace(/\[node\]/, '[*x]');
  },
  // hostile strings as keys or values
  (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    lines[i] = r() < 0.5 ? lines[i].replace(/[A-Za-z_]+:/, `${pick(HOSTILE, r)}:`) : lines[i].replace(/: [^,}\n]+/, `: ${pick(HOSTILE, r)}`);
    return lines.join('\n');
  },
  // lines duplicated, dropped or swapped
  (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    const j = Math.floor(r() * lines.length);
    if (r() < 0.33) lines.splice(i, 0, lines[j]);
    else if (r() < 0.5) lines.splice(i, 1);
    else [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join('\n');
  },
  // a very long value
  (t, r) => t.replace(/: [a-z]+/, `: ${'x'.repeat(Math.floor(r() * 200_000))}`),
];

const OVERRIDES = ['sources.node.type=serial', 'sinks.console.every=600h', 'sources.__proto__.type=x', 'a.b.c=[[[[1]]]]', 'transforms.x.steps.0.type=derive', '=', 'sinks.x.buffer.max_bytes=1e30'];

describe('config loader fuzzing', () => {
  it(`gives a plan or located problems for every mutated file (seed ${SEED})`, () => {
    const random = generator(SEED);
    const registry = defaultRegistry();
    const started = Date.now();
    const outcomes = { plans: 0, problems: 0 };
    let cases = 0;
    for (; cases < MAX_CASES && Date.now() - started < TIME_BUDGET_MS; cases++) {
      let text = pick(corpus, random);
      for (let n = Math.floor(random() * 3); n > 0; n--) text = pick(MUTATIONS, random)(text, random);
      const overrides = random() < 0.2 ? [pick(OVERRIDES, random)] : [];
      try {
        const plan = loadPipelineText(text, registry, { file: 'fuzz.yml', env: { HOME: '/root' }, dataDir: '/srv/data', overrides });
        expect(plan.sinks.length, `case ${cases}`).toBeGreaterThan(0);
        outcomes.plans++;
      } catch (error) {
        if (!(error instanceof ConfigError)) {
          throw new Error(`case ${cases} (seed ${SEED}) threw ${(error as Error)?.stack ?? String(error)}\ninput (first 400 characters):\n${text.slice(0, 400)}`);
        }
        expect(error.issues.length, `case ${cases}`).toBeGreaterThan(0);
        for (const issue of error.issues) {
          const where = `case ${cases}: ${JSON.stringify(issue).slice(0, 300)}`;
          expect(issue.file, where).toMatch(/^(fuzz\.yml|--set)/);
          expect(Number.isInteger(issue.line) && issue.line >= 0 && Number.isInteger(issue.column) && issue.column >= 0, where).toBe(true);
          // Located: a line in the file, a key, a --set argument, or a problem of the whole file.
          expect(issue.line > 0 || issue.key !== '' || issue.file.startsWith('--set') || /file|pipeline/.test(issue.message), where).toBe(true);
          expect(issue.message.length, where).toBeGreaterThan(0);
          // No value is printed back whole, however long it was.
          expect(issue.message.length, where).toBeLessThan(2000);
        }
        outcomes.problems++;
      }
    }
    console.log(`config fuzz: ${cases} cases in ${Date.now() - started} ms: ${outcomes.plans} plans, ${outcomes.problems} with problems`);
    // Both outcomes occur: the mutations neither break every file nor leave every file valid.
    expect(outcomes.plans).toBeGreaterThan(0);
    expect(outcomes.problems).toBeGreaterThan(cases / 2);
  }, 30_000);
});
