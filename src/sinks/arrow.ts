import { z } from 'zod';
import { defineSink } from '../core/component.js';
import { recordingOptions, sharedConfig } from './recording/options.js';
import { declareMetrics } from '../core/metrics.js';
import { RECORDING_METRICS, RESUME_METRICS } from './recording/metrics.js';

/**
 * Records to Arrow IPC stream files (`.arrows`): appendable, readable by apache-arrow, pyarrow,
 * polars and DuckDB's arrow extension. The file is its own journal: synced every flush_interval and
 * readable up to its last complete batch after a crash.
 */
export const arrowSink = defineSink({
  type: 'arrow',
  metrics: declareMetrics(RECORDING_METRICS, RESUME_METRICS),
  summary: 'Writes records to Arrow IPC stream files (appendable, same naming and rotation as parquet).',
  input: ['records'],
  defaultWhenFull: 'block',
  options: z.strictObject(recordingOptions('arrows')),
  async create(options, context) {
    // Imported here: the recorder brings apache-arrow and its encoder thread, which `validate` and `list` do not need.
    const { openRecording } = await import('./recording/resume.js');
    return openRecording(sharedConfig(options, 'arrow'), context);
  },
  dataPaths: ['path'],
  examples: [{ title: 'Arrow IPC stream files, one directory per day', yaml: `
sources: { node: { type: simulator, emit: records } }
sinks: { recording: { type: arrow, inputs: [node], path: "recordings/{date}/{name}-{seq}.arrows", rotate: { max_bytes: 512MB } } }
` }],
});
