/** Types for protocol.js, the data-message decoder shared by the live page and `pipeline tap`. */
export declare const DATA_MAGIC: number;

export interface DataHeader {
  stream: string;
  seq: number;
  rows: number;
  columns: string[];
  dictionaries?: Record<string, string[]>;
}

export declare function decodeDataMessage(message: ArrayBuffer | Uint8Array): { header: DataHeader; columns: Record<string, Float64Array> };
