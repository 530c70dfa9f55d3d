import { z } from 'zod';
import { defineSink } from '../core/component.js';
import { recordingOptions, sharedConfig } from './recording/options.js';
import { PARQUET_COMPRESSIONS, PARQUET_ENCODINGS, PARQUET_STATISTICS } from './recording/parquet-settings.js';
import { declareMetrics } from '../core/metrics.js';
import { RECORDING_METRICS, RESUME_METRICS } from './recording/metrics.js';

/**
 * Records to Parquet files that keep column types (float32 stays FLOAT, counters stay integers,
 * time becomes TIMESTAMP), with the pipeline file and column units inside. Encoding runs in a worker
 * thread; a journal makes data durable every flush_interval until the file is complete.
 */
export const parquetSink = defineSink({
  type: 'parquet',
  metrics: declareMetrics(RECORDING_METRICS, RESUME_METRICS),
  summary: 'Writes records to Parquet files (zstd, typed columns, rotation, partitions, crash-safe journal).',
  input: ['records'],
  defaultWhenFull: 'block',
  options: z.strictObject({
    ...recordingOptions('parquet'),
    compression: z.enum(PARQUET_COMPRESSIONS).default('zstd').meta({ description: 'Compression codec of data pages: zstd gives the smallest files; snappy encodes faster for slightly larger files.', examples: ['zstd', 'snappy', 'none'] }),
    row_group_size: z
      .number()
      .int()
      .positive()
      .max(4_194_304, 'at most 4,194,304 rows: a row group is held in memory until it is written')
      .default(131_072)
      .meta({ description: 'Rows per row group; the encoder holds about one row group in memory per open file, so this sets the sink\'s memory (about 130 MB less at the default than at 1M rows for the harvest schema). Readers skip row groups by time.', examples: [131_072, 1_048_576] }),
    encodings: z
      .record(z.string(), z.enum(PARQUET_ENCODINGS))
      .default({})
      .meta({
        description: 'Per-column encoding overrides. Defaults: byte_stream_split for floats, delta_binary_packed for integers and time, dictionary for strings, plain for binary.',
        examples: [{ voltage: 'plain', node: 'dictionary' }],
      }),
    statistics: z
      .enum(PARQUET_STATISTICS)
      .default('time')
      .meta({
        description: 'Columns that get min/max statistics in the footer (readers use them to skip row groups): time columns only, all columns, or none. Statistics on every column cost about a quarter of the encoding time.',
        examples: ['time', 'all', 'none'],
      }),
    journal: z
      .boolean()
      .default(true)
      .meta({ description: 'Journal every batch (Arrow IPC, synced every flush_interval) so `pipeline recover` can rebuild a file cut by a crash.', examples: [true, false] }),
  }),
  async create(options, context) {
    // Imported here: the recorder brings apache-arrow and its encoder thread parquet-wasm, which `validate` and `list` do not need.
    const { openRecording } = await import('./recording/resume.js');
    return openRecording(
      {
        ...sharedConfig(options, 'parquet'),
        parquet: { compression: options.compression, rowGroupSize: options.row_group_size, encodings: options.encodings, statistics: options.statistics, journal: options.journal },
      },
      context,
    );
  },
  dataPaths: ['path'],
  examples: [{ title: 'Lossless recording, a new file every 10 minutes', yaml: `
sources: { node: { type: simulator, emit: records } }
sinks: { recording: { type: parquet, inputs: [node], path: "recordings/{name}-{start}.parquet", rotate: { every: 10m }, compression: zstd } }
` }],
});
