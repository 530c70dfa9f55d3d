import { z } from 'zod';
import { byteSizeOption, duration } from '../../core/options.js';
import type { RecorderConfig } from './recorder.js';
import { checkTemplate } from './naming.js';
import { RESERVED_METADATA_PREFIXES } from './metadata.js';

/** Limits on user metadata: it is copied into every file and every journal. */
const MAX_METADATA_ENTRIES = 256;
const MAX_METADATA_VALUE = 65_536;
const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** Options shared by the `parquet` and `arrow` sinks (naming, rotation, partitions, time, durability). */
export function recordingOptions(extension: string) {
  return {
    path: z
      .string()
      .min(1)
      .default(`recordings/{name}-{start}.${extension}`)
      .meta({
        description: 'File name template below the data directory: {name} pipeline name, {start} file start time (UTC), {date}, {seq} file number, {column} a partition_by column.',
        examples: [`recordings/harvest-{start}.${extension}`, `recordings/{date}/{name}-{seq}.${extension}`],
      }),
    rotate: z
      .strictObject({
        every: duration().optional().meta({ description: 'Start a new file after this long.', examples: ['10m', '1h'] }),
        max_bytes: byteSizeOption().optional().meta({ description: 'Start a new file once this size is reached (Parquet: checked per row group).', examples: ['512MB', '1GiB'] }),
      })
      .default({})
      .meta({ description: 'When to close a file and start the next one; without it one file per run (and per partition).', examples: [{ every: '10m', max_bytes: '512MB' }] }),
    partition_by: z
      .array(z.string().min(1))
      .refine((columns) => new Set(columns).size === columns.length, 'a column is listed twice')
      .default([])
      .meta({ description: 'Columns whose values select a Hive-style directory (node=3/); they are stored in the directory name, not in the file.', examples: [['node']] }),
    max_open_files: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(32)
      .meta({
        description: 'Files open at once, one per partition: opening one more closes the least recently written (its partition starts a new file if it comes back). Each open Parquet file holds up to a row group in memory.',
        examples: [32, 256],
      }),
    max_partitions: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(256)
      .meta({
        description: 'Distinct partition_by values in one run; one more stops the sink with an error (its open files are closed first), so a column with a value per row cannot create files without end. Each new partition costs a file (tens of ms to set up and close).',
        examples: [256, 4096],
      }),
    timestamp_unit: z
      .enum(['ns', 'us', 'ms'])
      .default('ns')
      .meta({ description: 'Unit of timestamp columns (int64, UTC). ns keeps full precision; us for readers that cannot take ns.', examples: ['ns', 'us'] }),
    device_time: z
      .enum(['int64', 'timestamp'])
      .default('int64')
      .meta({ description: 'Device-time columns as int64 nanoseconds, or as timestamps in timestamp_unit.', examples: ['int64', 'timestamp'] }),
    derived: z
      .enum(['store', 'metadata'])
      .default('store')
      .meta({
        description:
          'Columns computed by `derive` from columns the file keeps (calibrated voltage, power; not time columns): stored, or left out with their expressions as DuckDB SQL in the metadata (`recording.derived_sql`), which a reader applies (see docs/notebooks.md). metadata keeps the raw values only: smaller files, nothing lost.',
        examples: ['store', 'metadata'],
      }),
    metadata: z
      .record(z.string(), z.union([z.string().max(MAX_METADATA_VALUE), z.number(), z.boolean()]))
      .superRefine((entries, ctx) => {
        const keys = Object.keys(entries);
        if (keys.length > MAX_METADATA_ENTRIES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_METADATA_ENTRIES} entries, got ${keys.length}` });
        for (const key of keys) {
          if (!METADATA_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'a key is a letter or _ then up to 127 letters, digits, _ . -' });
          else if (RESERVED_METADATA_PREFIXES.some((p) => key.startsWith(p))) ctx.addIssue({ code: 'custom', path: [key], message: `keys starting with ${RESERVED_METADATA_PREFIXES.join(', ')} are the recording's own` });
        }
      })
      .default({})
      .meta({
        description: 'Experiment metadata stored in every file (Parquet key-value metadata, Arrow schema metadata); `pipeline run --tag key=value` adds to it.',
        examples: [{ experiment: 'solar-bench-3', operator: 'ada', gain_setting: 2 }],
      }),
    flush_interval: duration()
      .default(1000)
      .meta({ description: 'How often written data is made durable (fsync); a hard kill loses at most this much.', examples: ['1s', '200ms'] }),
  };
}

type SharedOptions = z.output<z.ZodObject<ReturnType<typeof recordingOptions>>>;

/** Checks the template against partition_by (config error naming `path`) and maps options to a config. */
export function sharedConfig(options: SharedOptions, format: RecorderConfig['format']): Omit<RecorderConfig, 'parquet'> {
  checkTemplate(options.path, options.partition_by);
  if (options.flush_interval <= 0) throw new Error('flush_interval: must be greater than 0');
  return {
    format,
    path: options.path,
    rotateEveryMs: options.rotate.every,
    rotateMaxBytes: options.rotate.max_bytes,
    partitionBy: options.partition_by,
    timestampUnit: options.timestamp_unit,
    deviceTime: options.device_time,
    flushIntervalMs: options.flush_interval,
    maxOpenFiles: options.max_open_files,
    maxPartitions: options.max_partitions,
    derived: options.derived,
    metadata: Object.fromEntries(Object.entries(options.metadata).map(([key, value]) => [key, String(value)])),
  };
}
