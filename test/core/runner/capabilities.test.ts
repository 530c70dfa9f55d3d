import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMPONENTS } from '../../../src/components.js';
import { type Batch, bytesBatch } from '../../../src/core/batch.js';
import { defineSink, defineSource } from '../../../src/core/component.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { silentLogger } from '../../../src/core/log.js';
import { Registry } from '../../../src/core/registry.js';
import { Runner } from '../../../src/core/runner/runner.js';

/** What the test components saw of their contexts, by component id. */
const seen = new Map<string, { status?: string[]; hasStatus: boolean; hasDevice: boolean; hasOfferWriter: boolean; written: string[] }>();
const record = (id: string) => {
  const entry = seen.get(id) ?? { hasStatus: false, hasDevice: false, hasOfferWriter: false, written: [] };
  seen.set(id, entry);
  return entry;
};

/** A writable source: offers a writer that keeps what it is sent, emits one batch, ends once written to. */
const deviceSource = defineSource({
  type: 'device',
  summary: 'A device that records what is written to it (runner tests).',
  options: z.strictObject({}),
  output: 'bytes',
  capabilities: { writable: true },
  create: (_o, context) =>
    new Observable<Batch>((subscriber) => {
      const entry = record(context.id);
      entry.hasOfferWriter = context.offerWriter !== undefined;
      context.offerWriter!({
        write(data) {
          entry.written.push(data.toString());
          subscriber.complete();
          return true;
        },
        pendingBytes: () => 0,
        onDrain: (callback) => setImmediate(callback),
      });
      subscriber.next(bytesBatch(context.id, Buffer.from('hello'), 0));
    }),
});

/** A source that declares nothing; ends after one batch. */
const plainSource = defineSource({
  type: 'plain_device',
  summary: 'One batch (runner tests).',
  options: z.strictObject({}),
  output: 'bytes',
  create: (_o, context) =>
    new Observable<Batch>((subscriber) => {
      record(context.id).hasOfferWriter = context.offerWriter !== undefined;
      subscriber.next(bytesBatch(context.id, Buffer.from('x'), 0));
      subscriber.complete();
    }),
});

/** Answers every batch by writing it back to the source its `to` option names. */
const echoSink = defineSink({
  type: 'echo',
  summary: 'Writes what it gets back to a source (runner tests).',
  options: z.strictObject({ to: z.string().meta({ description: 'Source to write to.', examples: ['dev'] }) }),
  input: ['bytes'],
  defaultWhenFull: 'block',
  capabilities: { writesTo: 'to' },
  create(_o, context) {
    record(context.id).hasDevice = context.device !== undefined;
    return {
      write(batch) {
        if (batch.kind === 'bytes') context.device!.current()!.write(Buffer.from(`echo ${batch.data.toString()}`));
      },
      async close() {},
    };
  },
});

/** Reads the pipeline status when it closes; `plain: true` is the same sink declaring nothing. */
const statusSink = defineSink({
  type: 'status_probe',
  summary: 'Reads the pipeline status at close (runner tests).',
  options: z.strictObject({}),
  input: ['bytes'],
  defaultWhenFull: 'block',
  capabilities: { status: true },
  create(_o, context) {
    const entry = record(context.id);
    entry.hasStatus = context.status !== undefined;
    entry.hasDevice = context.device !== undefined;
    return {
      write() {},
      async close() {
        entry.status = context.status?.snapshot().map((s) => `${s.id}:${s.items_out}`);
      },
    };
  },
});

const quietSink = defineSink({ ...statusSink, type: 'quiet_probe', capabilities: undefined });

const registry = new Registry([...COMPONENTS, deviceSource, plainSource, echoSink, statusSink, quietSink]);

describe('capabilities the runner provides', () => {
  it('links a sink that declares writesTo to the writable source its option names, and nothing else', async () => {
    seen.clear();
    const plan = loadPipelineText(`
sources: { dev: { type: device }, other: { type: plain_device } }
sinks:
  answer: { type: echo, inputs: [dev], to: dev }
  watch: { type: status_probe, inputs: [dev, other] }
  blind: { type: quiet_probe, inputs: [other] }
`, registry);
    const result = await new Runner(plan, { log: silentLogger }).run();
    expect(result.error?.message).toBeUndefined();
    expect(result.reason).toBe('completed');
    expect(seen.get('dev')).toMatchObject({ hasOfferWriter: true, written: ['echo hello'] });
    expect(seen.get('other')).toMatchObject({ hasOfferWriter: false });
    expect(seen.get('answer')).toMatchObject({ hasDevice: true });
    // The status covers every component of the run, read when the sink asks for it (items out: bytes of a source).
    expect(seen.get('watch')).toMatchObject({ hasStatus: true, hasDevice: false });
    expect(seen.get('watch')!.status!.sort()).toEqual(['answer:0', 'blind:0', 'dev:5', 'other:1', 'watch:0']);
    expect(seen.get('blind')).toMatchObject({ hasStatus: false, hasDevice: false });
  });

  it('refuses at validation a writesTo that names a source which does not declare writable', () => {
    expect(() => loadPipelineText(`
sources: { other: { type: plain_device } }
sinks: { answer: { type: echo, inputs: [other], to: other } }
`, registry)).toThrow(/sinks\.answer\.to: to: source "other" \(type plain_device\) cannot write to its device; source types that can: device, rtt, serial, tcp/);
  });
});
