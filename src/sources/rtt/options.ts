import { z } from 'zod';
import { backoffOption } from '../../core/backoff.js';
import { byteSizeOption, duration, hexBytes, parseListen } from '../../core/options.js';

const channelRef = z.union([z.number().int().min(0).max(254), z.string().min(1).max(64)]);

/** Options of the `rtt` source (see index.ts). */
export const rttOptions = z
  .strictObject({
    connect: z
      .enum(['gdb', 'tcp'])
      .default('gdb')
      .meta({
        description:
          '`gdb`: talk the GDB remote protocol to a gdbserver (QEMU -gdb, OpenOCD 3333, J-Link GDB Server 2331, pyOCD 3333, probe-rs) and read the RTT buffers from target memory. `tcp`: read an RTT TCP server (OpenOCD `rtt server`, J-Link RTT telnet 19021, another pipeline\'s relay).',
        examples: ['gdb', 'tcp'],
      }),
    address: z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseListen(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .meta({ description: 'HOST:PORT of the gdbserver or RTT TCP server.', examples: ['127.0.0.1:3333', '127.0.0.1:19021'] }),
    channel: channelRef.default(0).meta({ description: 'gdb: the up channel to read, by index or by name (as the firmware names it).', examples: [0, 'Terminal'] }),
    control_block: z
      .union([
        z.strictObject({
          scan: z
            .tuple([z.number().int().nonnegative(), z.number().int().positive().max(64 * 1024 * 1024)])
            .meta({ description: 'RAM range [START, SIZE] to search for the "SEGGER RTT" ID (SIZE at most 64 MiB).', examples: [[0x20000000, 0x10000]] }),
        }),
        z.strictObject({ address: z.number().int().nonnegative().meta({ description: 'Address of the control block.', examples: [0x20000400] }) }),
        z.strictObject({ elf: z.string().min(1).meta({ description: 'Firmware ELF file whose `_SEGGER_RTT` symbol gives the address (below the data directory).', examples: ['build/firmware.elf'] }) }),
      ])
      .optional()
      .meta({
        description:
          'gdb: where the control block is. `{scan: [START, SIZE]}` searches that RAM range for the "SEGGER RTT" ID (more than one match is an error); `{address: N}` takes it at N; `{elf: firmware.elf}` takes the `_SEGGER_RTT` symbol (path below the data directory). The block is validated before use and searched again after a reset.',
        examples: [{ scan: [0x20000000, 0x10000] }, { address: 0x20000400 }, { elf: 'build/firmware.elf' }],
      }),
    mode: z
      .enum(['leave', 'no_block_skip', 'no_block_trim', 'block_if_full'])
      .default('leave')
      .meta({
        description:
          'gdb: the mode written into the channel\'s Flags at attach and restored at stop. `block_if_full` makes the firmware wait while the buffer is full (nothing lost, and a paused pipeline holds the target); `no_block_skip` drops what does not fit; `no_block_trim` writes what fits; `leave` keeps the firmware\'s choice.',
        examples: ['block_if_full', 'leave'],
      }),
    halt: z
      .enum(['auto', 'always', 'never'])
      .default('auto')
      .meta({
        description:
          'gdb: `always` interrupts the core for each poll (all-stop stubs such as QEMU drop any packet sent while the core runs); `never` reads while it runs (stubs with background memory access); `auto` halts unless the stub offers non-stop mode. The halted time is counted (`halted_ns`).',
        examples: ['auto', 'never'],
      }),
    poll: z
      .strictObject({
        min: duration().prefault(0).meta({ description: 'Shortest wait between polls while data arrives.', examples: [0, '1ms'] }),
        max: duration().prefault('50ms').meta({ description: 'Longest wait between polls when the channel is idle (also the re-scan interval while no block is found).', examples: ['50ms', '200ms'] }),
      })
      .prefault({})
      .meta({
        description: 'gdb: adaptive polling. The next poll comes at once while the buffer was half full or more, sooner while it fills past a quarter, and later (up to `max`) while it is emptier or idle.',
        examples: [{ min: 0, max: '50ms' }],
      }),
    write: z
      .strictObject({
        channel: channelRef.default(0).meta({ description: 'gdb: the down channel, by index or name (tcp: the server\'s own channel).', examples: [0, 'TzCtrl'] }),
        on_connect: hexBytes().optional().meta({ description: 'Bytes written to the down channel after every attach, e.g. a start command.', examples: ['48 00 00 00 00 00 00 00 00'] }),
      })
      .optional()
      .meta({ description: 'The down channel that `on_connect` and a relay sink\'s `write_through` write to.', examples: [{ channel: 0, on_connect: '48 00 00 00 00 00 00 00 00' }] }),
    write_buffer: byteSizeOption()
      .prefault('64KiB')
      .meta({ description: 'Bytes queued for the down channel while it is full; more are dropped and counted (`write_dropped_bytes`).', examples: ['64KiB', 4096] }),
    timeout: duration().prefault('1s').meta({ description: 'gdb: how long a reply from the gdbserver may take; a late reply breaks the connection (error reason `timeout`), which is then reopened.', examples: ['1s', '250ms'] }),
    connect_timeout: duration().prefault('5s').meta({ description: 'How long a TCP connect may take before it counts as failed and is retried.', examples: ['5s', '1s'] }),
    skip_banner: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(0)
      .meta({ description: 'tcp: text lines the server sends first that are not channel data (J-Link\'s telnet port: 3; a relay with a banner: 1). At most 4 KiB are skipped.', examples: [0, 3] }),
    telnet_config: z
      .string()
      .max(256)
      .optional()
      .meta({ description: 'tcp: sent at connect as `$$SEGGER_TELNET_ConfigStr=<value>$$` (J-Link reads it within 100 ms), e.g. to pick the channel.', examples: ['RTTCh;1'] }),
    retry: z.boolean().default(true).meta({ description: 'Retry with backoff when the connection fails, is lost, or the control block is invalid; false makes the source stop with the error instead.', examples: [true, false] }),
    backoff: backoffOption(),
  })
  .superRefine((o, ctx) => {
    if (o.connect === 'gdb' && o.control_block === undefined) {
      ctx.addIssue({ code: 'custom', path: ['control_block'], message: 'connect: gdb needs `control_block`: {scan: [START, SIZE]}, {address: N} or {elf: FILE}' });
    }
    if (o.poll.min > o.poll.max) ctx.addIssue({ code: 'custom', path: ['poll', 'min'], message: `poll.min (${o.poll.min} ms) is longer than poll.max (${o.poll.max} ms)` });
  });

/** Parsed `rtt` options: durations in ms, sizes in bytes, `on_connect` as a Buffer. */
export type RttOptions = z.output<typeof rttOptions>;
