import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { z } from 'zod';
import { encodeCaptureHeader, encodeChunkHeader } from '../core/capture-format.js';
import { defineSink } from '../core/component.js';
import { confinePath } from '../core/paths.js';

const options = z.strictObject({
  path: z.string().min(1).meta({ description: 'Capture file to write, below the data directory; {start} becomes the start time.', examples: ['captures/node-{start}.tpcap'] }),
});

/**
 * Writes the raw byte stream with host receive times (the capture format in src/core/capture-format.ts),
 * so `type: file` with `speed: realtime` replays a session at the pace it was recorded.
 */
export const captureSink = defineSink({
  type: 'capture',
  summary: 'Raw byte capture with host receive times, replayable by the file source at the recorded pace.',
  options,
  input: ['bytes'],
  defaultWhenFull: 'block',
  async create(o, context) {
    const start = new Date(Number(context.clock.anchorWallNs / 1_000_000n)).toISOString().replace(/[:.]/g, '-');
    const file = confinePath(context.dataDir, o.path.replaceAll('{start}', start), 'path');
    await mkdir(path.dirname(file), { recursive: true });
    let handle: FileHandle | undefined = await open(file, 'w');
    await handle.write(encodeCaptureHeader({ anchor_wall_ns: context.clock.anchorWallNs.toString(), source: context.id, created: new Date().toISOString(), pipeline: context.pipeline.name }));
    context.log.info({ file }, 'capturing raw bytes');
    return {
      async write(batch) {
        if (batch.kind !== 'bytes' || !handle) return;
        await handle.writev([encodeChunkHeader(batch.hostTimeNs, batch.data.length), batch.data]);
      },
      async close() {
        if (!handle) return;
        const closing = handle;
        handle = undefined;
        await closing.sync();
        await closing.close();
      },
    };
  },
  dataPaths: ['path'],
  examples: [{ title: 'Raw bytes of a serial link with receive times, to replay later with the file source', yaml: `
sources: { link: { type: serial, path: /dev/ttyACM0, baud_rate: 921600 } }
sinks: { raw: { type: capture, inputs: [link], path: "captures/node-{start}.tpcap" } }
` }],
});
