/**
 * A child process that records through a sink, for tests that kill it or limit its file size.
 *   kill DIR: writes 1000-row batches every few ms (at most 3000 batches), printing after each write
 *             "handed <rows> durable <rows>"; the parent kills it with SIGKILL.
 *   fill DIR: records 1000 rows to a first file and closes it, then writes large batches until a
 *             write fails, printing "failed <message>" and the write_failed count.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { standaloneContext } from '../../../src/core/standalone.js';
import { arrowSink } from '../../../src/sinks/arrow.js';
import { parquetSink } from '../../../src/sinks/parquet.js';
import { harvestBatch } from './fixtures.js';

// With a file-size limit the kernel sends SIGXFSZ; handling it makes the write fail with EFBIG instead.
process.on('SIGXFSZ', () => undefined);

const [mode, dataDir, format = 'parquet'] = process.argv.slice(2);
const definition = format === 'arrow' ? arrowSink : parquetSink;
const context = standaloneContext('recording', { dataDir, kind: 'sink', type: definition.type });

async function kill(): Promise<void> {
  const sink = await definition.create(definition.options.parse({ path: 'rec/{name}-{seq}.' + (format === 'arrow' ? 'arrows' : 'parquet'), flush_interval: '100ms' }) as never, context);
  let handed = 0;
  for (let i = 0; i < 3000; i++) {
    await sink.write(harvestBatch(handed, 1000));
    handed += 1000;
    console.log(`handed ${handed} durable ${context.metrics.gauges.get('durable_rows') ?? 0}`);
    await sleep(3);
  }
  await sink.close();
}

async function fill(): Promise<void> {
  const options = definition.options.parse({ path: 'rec/{name}-{seq}.parquet', compression: 'none' }) as never;
  const first = await definition.create(options, context);
  await first.write(harvestBatch(0, 1000));
  await first.close();
  console.log('first closed');
  const secondContext = standaloneContext('recording2', { dataDir, kind: 'sink', type: definition.type });
  const second = await definition.create(options, secondContext);
  let row = 1000;
  try {
    for (let i = 0; i < 200; i++) {
      await second.write(harvestBatch(row, 50_000));
      row += 50_000;
    }
    await second.close();
    console.log('no failure');
  } catch (error) {
    console.log(`failed ${(error as Error).message}`);
    console.log(`write_failed ${secondContext.metrics.errors.get('write_failed_rows') ?? 0}`);
    await second.close().catch((closeError: Error) => console.log(`close failed ${closeError.message}`));
  }
}

await (mode === 'kill' ? kill() : fill());
