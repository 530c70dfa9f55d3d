import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type RecordsBatch, recordsBatch } from '../../../src/core/batch.js';
import { Linger } from '../../../src/sinks/nats/linger.js';

/** `rows` rows of one u32 column (4 bytes a row), seq counting from `first`. */
function batch(first: number, rows: number, source = 'a', name = 'seq'): RecordsBatch {
  return recordsBatch(source, [{ name, type: 'u32' }], { [name]: Uint32Array.from({ length: rows }, (_, i) => first + i) }, rows);
}

const seqs = (b: RecordsBatch) => Array.from(Object.values(b.columns)[0] as Uint32Array);

describe('nats sink linger', () => {
  function linger(targetBytes: number, lingerMs: number) {
    const scheduler = new VirtualTimeScheduler();
    const due: [number, RecordsBatch][] = [];
    const held = new Linger(targetBytes, lingerMs, scheduler, (b) => due.push([scheduler.now(), b]));
    return { held, due, scheduler };
  }

  it('joins the batches of a source until they reach the target size, without touching them', () => {
    const { held, due, scheduler } = linger(40, 100);
    const parts = [batch(0, 4), batch(4, 4)];
    expect(held.add(parts[0])).toEqual([]);
    const [joined, ...rest] = held.add(parts[1]).concat(held.add(batch(8, 2)));
    expect(rest).toEqual([]);
    expect(seqs(joined)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parts.map(seqs)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    scheduler.flush();
    expect(due).toEqual([]); // the timer went with the run
  });

  it('gives a run to onDue linger after its first batch when it stays below the size', () => {
    const { held, due, scheduler } = linger(1000, 100);
    held.add(batch(0, 2));
    held.add(batch(2, 2, 'b'));
    held.add(batch(4, 2));
    scheduler.flush();
    expect(due.map(([t, b]) => [t, b.source, seqs(b)])).toEqual([
      [100, 'a', [0, 1, 4, 5]],
      [100, 'b', [2, 3]],
    ]);
  });

  it('makes a run due before a batch that cannot join it, so rows keep their order', () => {
    const { held } = linger(1000, 100);
    held.add(batch(0, 2));
    const due = held.add(batch(2, 2, 'a', 'other'));
    expect(due.map(seqs)).toEqual([[0, 1]]);
    expect(held.takeAll().map(seqs)).toEqual([[2, 3]]);
    expect(held.takeAll()).toEqual([]);
  });

  it('with linger 0 holds nothing', () => {
    const { held } = linger(1000, 0);
    const b = batch(0, 2);
    expect(held.add(b)).toEqual([b]);
    expect(held.takeAll()).toEqual([]);
  });
});
