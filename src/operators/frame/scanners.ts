import { crcCheck } from '../crc/check.js';
import { crcMinLength, crcSettings } from '../crc/options.js';
import { DelimitedScanner, type LengthField } from './delimited.js';
import { EscapedScanner, cobs, hdlc, slip } from './escaped.js';
import { LinesScanner } from './lines.js';
import type { FrameOptions } from './options.js';
import { UINT_BYTES, UINT_READERS } from '../uint-field.js';
import type { Scanner } from './output.js';

/** Builds the scanner for validated frame options. */
export function createScanner(o: FrameOptions): Scanner {
  const settings = o.crc ? crcSettings(o.crc) : undefined;
  const check = settings ? crcCheck(settings) : undefined;
  switch (o.format) {
    case 'cobs':
      return new EscapedScanner(cobs, o.max_length, check);
    case 'slip':
      return new EscapedScanner(slip, o.max_length, check);
    case 'hdlc':
      return new EscapedScanner(hdlc, o.max_length, check);
    case 'lines':
      return new LinesScanner(o.max_length);
    case 'fixed':
      return new DelimitedScanner({ start: o.sync ?? Buffer.alloc(0), size: o.size!, maxLength: o.size!, minLength: o.size!, check });
    case 'delimited': {
      const start = o.start!;
      const end = o.end;
      let length: LengthField | undefined;
      if (o.length) length = { offset: o.length.offset, size: UINT_BYTES[o.length.type], read: UINT_READERS[o.length.type], adjust: o.length.adjust };
      const minLength = Math.max(
        start.length + (end?.length ?? 0),
        length ? length.offset + length.size + (end?.length ?? 0) : 0,
        settings ? crcMinLength(settings) : 0,
      );
      return new DelimitedScanner({ start, end, length, maxLength: o.max_length, minLength, check });
    }
  }
}
