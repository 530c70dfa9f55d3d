import * as pw from 'parquet-wasm';
import type { ParquetCompression, ParquetEncodingName, ParquetSettings } from './parquet-settings.js';

// Apart from parquet-settings.ts, so that the options of the parquet sink load without parquet-wasm.

const COMPRESSION: Record<ParquetCompression, pw.Compression> = {
  zstd: pw.Compression.ZSTD,
  snappy: pw.Compression.SNAPPY,
  none: pw.Compression.UNCOMPRESSED,
};

const ENCODING: Record<Exclude<ParquetEncodingName, 'dictionary'>, pw.Encoding> = {
  plain: pw.Encoding.PLAIN,
  byte_stream_split: pw.Encoding.BYTE_STREAM_SPLIT,
  delta_binary_packed: pw.Encoding.DELTA_BINARY_PACKED,
  delta_length_byte_array: pw.Encoding.DELTA_LENGTH_BYTE_ARRAY,
  delta_byte_array: pw.Encoding.DELTA_BYTE_ARRAY,
};

/** Builds parquet-wasm writer properties (consumed by the writer that receives them). */
export function writerProperties(settings: ParquetSettings): pw.WriterProperties {
  let builder = new pw.WriterPropertiesBuilder()
    .setCompression(COMPRESSION[settings.compression])
    .setMaxRowGroupSize(settings.rowGroupSize)
    .setDictionaryEnabled(false)
    .setStatisticsEnabled(settings.statistics ? pw.EnabledStatistics.None : pw.EnabledStatistics.Chunk)
    .setCreatedBy(settings.createdBy)
    .setKeyValueMetadata(new Map(settings.metadata));
  for (const column of settings.statistics ?? []) builder = builder.setColumnStatisticsEnabled(column, pw.EnabledStatistics.Chunk);
  for (const [column, encoding] of Object.entries(settings.encodings)) {
    if (encoding === 'dictionary') builder = builder.setColumnDictionaryEnabled(column, true);
    else builder = builder.setColumnEncoding(column, ENCODING[encoding]);
  }
  return builder.build();
}
