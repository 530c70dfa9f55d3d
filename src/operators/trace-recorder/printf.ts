/**
 * printf formatting for TraceRecorder user events. Every argument is one 32-bit word of the event
 * (a double takes two), in the target's byte order; `%s` arguments are symbol-table handles.
 * Supported: %d %u %x %X %s %f %lf %hd %hu %bd %bu %p %c %%, with the flags "-" (left-justify), "0"
 * (zero padding), "+" and " ", a width, and a precision for %f and %s.
 */

/** What the formatter needs from the decoder: the argument words and a name for a string handle. */
export interface PrintfArgs {
  readonly words: ArrayLike<number>;
  readonly littleEndian: boolean;
  symbol(handle: number): string;
}

export type PrintfResult = { readonly text: string } | { readonly error: string };

const SPEC = /%([-0+ ]*)(\d*)(?:\.(\d+))?(l|h|b)?([duxXsfpc%])?/g;
const f64Scratch = new DataView(new ArrayBuffer(8));

/** Formats `format` with the event's argument words, or says why it cannot (the caller keeps the raw format). */
export function formatPrintf(format: string, args: PrintfArgs): PrintfResult {
  let next = 0;
  let error: string | undefined;
  const text = format.replace(SPEC, (whole, flags: string, width: string, precision: string | undefined, length: string | undefined, conv: string | undefined) => {
    if (error !== undefined) return whole;
    if (conv === undefined) {
      error = `unsupported conversion in "${whole}"`;
      return whole;
    }
    if (conv === '%') return '%';
    const words = conv === 'f' && length === 'l' ? 2 : 1;
    if (next + words > args.words.length) {
      error = `format needs more arguments than the event's ${args.words.length}`;
      return whole;
    }
    const w = args.words[next] >>> 0;
    const w2 = words === 2 ? args.words[next + 1] >>> 0 : 0;
    next += words;
    const body = convert(conv, length, w, w2, precision, flags, args);
    if (body === undefined) {
      error = `unsupported conversion "${whole}"`;
      return whole;
    }
    return pad(body, flags, width === '' ? 0 : Number(width), conv);
  });
  return error === undefined ? { text } : { error };
}

function convert(conv: string, length: string | undefined, w: number, w2: number, precision: string | undefined, flags: string, args: PrintfArgs): string | undefined {
  const sign = (n: number) => (n >= 0 && flags.includes('+') ? '+' : n >= 0 && flags.includes(' ') ? ' ' : '');
  switch (conv) {
    case 'd': {
      const v = length === 'h' ? (w << 16) >> 16 : length === 'b' ? (w << 24) >> 24 : w | 0;
      return sign(v) + String(v);
    }
    case 'u':
      return String(mask(w, length));
    case 'x':
      return mask(w, length).toString(16);
    case 'X':
      return mask(w, length).toString(16).toUpperCase();
    case 'p':
      return `0x${w.toString(16)}`;
    case 'c':
      return w <= 0x10ffff ? String.fromCodePoint(w) : '\ufffd';
    case 's': {
      const s = args.symbol(w);
      return precision === undefined ? s : s.slice(0, Number(precision));
    }
    case 'f': {
      let v: number;
      if (length === 'l') {
        // A double's two words in the target's order: low word first on a little-endian target.
        f64Scratch.setUint32(0, args.littleEndian ? w2 : w, false);
        f64Scratch.setUint32(4, args.littleEndian ? w : w2, false);
        v = f64Scratch.getFloat64(0, false);
      } else {
        f64Scratch.setUint32(0, w, false);
        v = f64Scratch.getFloat32(0, false);
      }
      if (Number.isNaN(v)) return 'nan';
      if (!Number.isFinite(v)) return v > 0 ? `${sign(1)}inf` : '-inf';
      return sign(v) + v.toFixed(precision === undefined ? 6 : Math.min(Number(precision), 100));
    }
    default:
      return undefined;
  }
}

function mask(w: number, length: string | undefined): number {
  return length === 'h' ? w & 0xffff : length === 'b' ? w & 0xff : w;
}

function pad(body: string, flags: string, width: number, conv: string): string {
  if (body.length >= width) return body;
  if (flags.includes('-')) return body + ' '.repeat(width - body.length);
  if (flags.includes('0') && conv !== 's' && conv !== 'c' && /^[-+ ]?[0-9a-fA-F]/.test(body)) {
    const signed = body[0] === '-' || body[0] === '+' || body[0] === ' ';
    const head = signed ? body[0] : conv === 'p' ? '0x' : '';
    const digits = body.slice(head.length);
    return head + '0'.repeat(width - body.length) + digits;
  }
  return ' '.repeat(width - body.length) + body;
}
