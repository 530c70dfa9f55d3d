import type { ScanOutput, Scanner } from './output.js';

/**
 * Formats whose frames end at a delimiter byte (lines, COBS, SLIP, HDLC). A run longer than the
 * span a frame can take is counted once as `oversize` and dropped up to the next delimiter.
 */
export abstract class DelimiterScanner implements Scanner {
  abstract readonly unescapes: boolean;
  protected discarding: boolean;

  /**
   * @param delimiter the byte that ends a frame
   * @param maxSpan most input bytes one frame can take
   * @param dropsDelimiter whether a dropped run takes its closing delimiter with it (a newline does;
   *   an HDLC flag may open the next frame, so it stays)
   * @param startsDiscarding whether bytes before the first delimiter are a fragment
   */
  constructor(
    private readonly delimiter: number,
    readonly maxSpan: number,
    private readonly dropsDelimiter: boolean,
    startsDiscarding: boolean,
  ) {
    this.discarding = startsDiscarding;
  }

  joinWindow(data: Buffer, from: number): number {
    const q = data.indexOf(this.delimiter, from);
    return q < 0 ? this.maxSpan : q - from + 1;
  }

  holdsEnd(data: Buffer): boolean {
    return data.indexOf(this.delimiter) >= 0;
  }

  /** Handles one delimited run `buf[from, to)` (the delimiter is at `to`). */
  protected abstract take(buf: Buffer, from: number, to: number, out: ScanOutput): void;

  abstract finish(buf: Buffer, base: number, from: number, to: number, out: ScanOutput): void;

  scan(buf: Buffer, _base: number, from: number, to: number, limit: number, out: ScanOutput): number {
    let pos = from;
    while (pos < limit) {
      let q = buf.indexOf(this.delimiter, pos);
      if (q >= to) q = -1;
      if (q < 0) {
        if (!this.discarding && to - pos <= this.maxSpan) return pos;
        if (!this.discarding) out.reject('oversize');
        this.discarding = true;
        out.skip(buf, pos, to);
        return to;
      }
      if (this.discarding) {
        out.skip(buf, pos, this.dropsDelimiter ? q + 1 : q);
        this.discarding = false;
      } else {
        this.take(buf, pos, q, out);
      }
      pos = q + 1;
    }
    return pos;
  }
}
