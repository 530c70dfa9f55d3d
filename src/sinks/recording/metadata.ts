import fs from 'node:fs';
import path from 'node:path';
import type { ComponentContext } from '../../core/component.js';
import type { Field } from '../../core/batch.js';
import { type TimeStorage, sqlColumnType } from './column-types.js';
import { type DerivedColumn, derivedSelectSql } from './derived.js';

/**
 * File-level metadata of a recording, so every file carries its experiment: the pipeline file's
 * text, which source and sink produced it, units and calibration of each column, when the file
 * started and which software wrote it. Keys are plain strings readable from DuckDB
 * (`parquet_kv_metadata`), pyarrow (`schema.metadata`) and polars.
 */
export const META = {
  pipelineName: 'pipeline.name',
  pipelineFile: 'pipeline.file',
  pipelineConfig: 'pipeline.config',
  sink: 'pipeline.sink',
  source: 'pipeline.source',
  start: 'recording.start',
  startNs: 'recording.start_ns',
  columns: 'recording.columns',
  /** Columns left to the reader (`derived: metadata`): name, expression, SQL, type, unit, calibration. */
  derived: 'recording.derived',
  /** A DuckDB SELECT list giving the stored columns and the derived ones: `SELECT <this> FROM file`. */
  derivedSql: 'recording.derived_sql',
  timestampUnit: 'recording.timestamp_unit',
  partition: 'recording.partition',
  software: 'software.version',
  /** Process id and host of the writer, so `pipeline recover` leaves files of a live writer alone (IPC streams only). */
  writerPid: 'recording.writer_pid',
  writerHost: 'recording.writer_host',
  /** Journal only: the Parquet writer settings, so `pipeline recover` writes the file the sink would have. */
  parquetSettings: 'recording.parquet_settings',
} as const;

let cachedVersion: string | undefined;

/** "telemetry-pipeline 0.1.0", read from the package.json above this file (works from src/ and dist/). */
export function softwareVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 6; i++) {
    const candidate = new URL('package.json', dir);
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'telemetry-pipeline') return (cachedVersion = `${pkg.name} ${pkg.version}`);
    }
    dir = new URL('..', dir);
  }
  return (cachedVersion = 'telemetry-pipeline (unknown version)');
}

export interface FileFacts {
  readonly context: ComponentContext;
  readonly source: string;
  readonly fields: readonly Field[];
  /** Wall-clock ns since the Unix epoch when the file was opened. */
  readonly startWallNs: bigint;
  readonly storage: TimeStorage;
  readonly partition: ReadonlyMap<string, string>;
  /** Columns left out of the file for the reader to compute. */
  readonly derived?: readonly DerivedColumn[];
  /** The sink's `metadata` option and `--tag` values. */
  readonly user?: Readonly<Record<string, string>>;
}

/** Key prefixes the recording itself writes; user metadata may not use them. */
export const RESERVED_METADATA_PREFIXES = ['pipeline.', 'recording.', 'software.', 'ARROW:'] as const;
/**
 * The pipeline file relative to the data directory (`pipelines/harvest.yml`), so a recording does not
 * carry the machine's absolute paths and still names the file where it was run.
 */
function pipelineFileText(context: ComponentContext): string {
  const file = context.pipeline.file;
  return path.isAbsolute(file) ? path.relative(context.dataDir, file) || file : file;
}

/** Key-value metadata for one file. */
export function recordingMetadata(facts: FileFacts): Map<string, string> {
  const { context } = facts;
  // Types as the file holds them (what DuckDB's DESCRIBE shows), not the pipeline's names.
  const columns = facts.fields.map((f) => ({
    name: f.name,
    type: sqlColumnType(f, facts.storage),
    ...(f.unit ? { unit: f.unit } : {}),
    ...(f.time ? { time: f.time } : {}),
    ...(f.calibration ? { calibration: f.calibration } : {}),
    ...(f.description ? { description: f.description } : {}),
  }));
  return new Map([
    [META.pipelineName, context.pipeline.name],
    [META.pipelineFile, pipelineFileText(context)],
    [META.pipelineConfig, context.pipeline.configText],
    [META.sink, context.id],
    [META.source, facts.source],
    [META.start, new Date(Number(facts.startWallNs / 1_000_000n)).toISOString()],
    [META.startNs, facts.startWallNs.toString()],
    [META.columns, JSON.stringify(columns)],
    [META.timestampUnit, facts.storage.timestampUnit],
    [META.partition, JSON.stringify(Object.fromEntries(facts.partition))],
    [META.software, softwareVersion()],
    ...(facts.derived && facts.derived.length > 0
      ? ([
          [META.derived, JSON.stringify(facts.derived)],
          [META.derivedSql, derivedSelectSql(facts.derived)],
        ] as const)
      : []),
    ...Object.entries(facts.user ?? {}),
  ]);
}
