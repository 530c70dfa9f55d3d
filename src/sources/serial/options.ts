import { z } from 'zod';
import { backoffOption } from '../../core/backoff.js';
import { byteSizeOption, duration, hexBytes } from '../../core/options.js';

/** Options of the `serial` source (see index.ts). */
export const serialOptions = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Device path. Prefer the stable /dev/serial/by-id/... link; alternatively set `match` to find the port by USB ids.', examples: ['/dev/ttyACM0', '/dev/serial/by-id/usb-SEGGER_J-Link_000123456789-if00'] }),
    match: z
      .strictObject({
        vendor_id: z.string().optional().meta({ description: 'USB vendor id, hex without 0x (as `pipeline ports` shows it).', examples: ['1366', '0483'] }),
        product_id: z.string().optional().meta({ description: 'USB product id, hex without 0x.', examples: ['0105', '5740'] }),
        serial_number: z.string().optional().meta({ description: 'USB serial number, to tell two identical adapters apart.', examples: ['000123456789'] }),
      })
      .optional()
      .meta({
        description: 'Find the port by USB ids before each (re)connect instead of (or when `path` is missing) a fixed path; the device may come back under another /dev name. Needs udevadm to list ports.',
        examples: [{ vendor_id: '1366', product_id: '0105', serial_number: '000123456789' }],
      }),
    baud_rate: z.number().int().positive().default(115200).meta({ description: 'Line speed in baud.', examples: [115200, 921600, 3000000] }),
    data_bits: z.literal([5, 6, 7, 8]).default(8).meta({ description: 'Data bits per character.', examples: [8, 7] }),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none').meta({ description: 'Parity bit.', examples: ['none', 'even'] }),
    stop_bits: z.literal([1, 1.5, 2]).default(1).meta({ description: 'Stop bits.', examples: [1, 2] }),
    rtscts: z.boolean().default(false).meta({ description: 'Hardware flow control (RTS/CTS): while the pipeline is paused the adapter holds the device off.', examples: [false, true] }),
    xon: z.boolean().default(false).meta({ description: 'Software flow control (XON/XOFF) in both directions; only for text protocols, as 0x11/0x13 bytes are then reserved.', examples: [false, true] }),
    open_timeout: duration().prefault('5s').meta({ description: 'How long opening the port may take before the attempt counts as failed (error reason `timeout`) and is retried.', examples: ['5s', '500ms'] }),
    idle_timeout: duration()
      .prefault(0)
      .meta({
        description:
          'Reopen the port when no data arrives for this long (error reason `idle_timeout`), for devices that stop streaming after a reset without the port going away; 0 turns it off. An unplugged device is noticed without it (its device node disappears).',
        examples: ['2s', 0],
      }),
    on_connect: hexBytes()
      .optional()
      .meta({ description: 'Bytes sent to the device after every (re)connect, e.g. the command that starts streaming.', examples: ['7B 10 00 7D', [0x7b, 0x10, 0x00, 0x7d]] }),
    retry: z
      .boolean()
      .default(true)
      .meta({ description: 'Retry with backoff when the port cannot be opened or is lost (unplugged, reset); false makes the source (and the run) stop with an error instead.', examples: [true, false] }),
    backoff: backoffOption(),
    read_buffer: byteSizeOption()
      .default(65536)
      .meta({ description: 'Size of the read buffer; reads are emitted as Bytes batches of up to this size.', examples: [65536, '256KiB'] }),
  })
  .superRefine((options, ctx) => {
    if (options.path === undefined && options.match === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'serial needs `path` (e.g. /dev/ttyACM0) or `match` (USB vendor_id/product_id/serial_number)' });
    }
  });

/** Parsed `serial` options: durations in ms, sizes in bytes, `on_connect` as a Buffer. */
export type SerialOptions = z.output<typeof serialOptions>;
