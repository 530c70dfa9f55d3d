import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { standaloneContext } from '../../../src/core/standalone.js';
import { META, recordingMetadata } from '../../../src/sinks/recording/metadata.js';

function metadataFor(file: string, dataDir: string) {
  const base = standaloneContext('recording', { kind: 'sink', type: 'parquet', dataDir });
  const context = { ...base, pipeline: { ...base.pipeline, file } };
  return recordingMetadata({ context, source: 'node', fields: [], startWallNs: 0n, storage: { timestampUnit: 'ns', deviceTime: 'int64' }, partition: new Map() });
}

describe('recording metadata: pipeline.file', () => {
  it('is relative to the data directory, not the absolute path on this machine', () => {
    const dataDir = path.join(path.sep, 'home', 'lab', 'runs');
    expect(metadataFor(path.join(dataDir, 'pipelines', 'harvest.yml'), dataDir).get(META.pipelineFile)).toBe(path.join('pipelines', 'harvest.yml'));
    // A file outside it (a shipped example run from elsewhere) is still named relative to it.
    expect(metadataFor(path.join(path.sep, 'opt', 'tp', 'pipelines', 'harvest.yml'), dataDir).get(META.pipelineFile)).toBe(path.join('..', '..', '..', 'opt', 'tp', 'pipelines', 'harvest.yml'));
    expect(metadataFor('<inline>', dataDir).get(META.pipelineFile)).toBe('<inline>');
  });
});
