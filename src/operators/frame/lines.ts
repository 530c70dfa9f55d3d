import type { ScanOutput, Scanner } from './output.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Text lines ending in `\n` (a trailing `\r` is stripped); frames are views of the line without its
 * ending. Empty lines carry no data and are skipped; a line longer than `maxLength` is dropped up
 * to its end and counted as `oversize`. The last line is emitted even without a final newline.
 */
export class LinesScanner implements Scanner {
  readonly unescapes = false;
  readonly maxSpan: number;
  private discarding = false;

  constructor(private readonly maxLength: number) {
    this.maxSpan = maxLength + 2;
  }

  scan(buf: Buffer, _base: number, from: number, to: number, limit: number, out: ScanOutput): number {
    let pos = from;
    while (pos < limit) {
      let q = buf.indexOf(LF, pos);
      if (q >= to) q = -1;
      if (q < 0) {
        if (!this.discarding && to - pos <= this.maxSpan) return pos;
        if (!this.discarding) out.reject('oversize');
        this.discarding = true;
        out.skip(buf, pos, to);
        return to;
      }
      if (this.discarding) {
        out.skip(buf, pos, q + 1);
        this.discarding = false;
      } else {
        this.take(buf, pos, q, out);
      }
      pos = q + 1;
    }
    return pos;
  }

  finish(buf: Buffer, base: number, from: number, to: number, out: ScanOutput): void {
    const pos = this.scan(buf, base, from, to, to, out);
    if (pos < to) this.take(buf, pos, to, out);
  }

  private take(buf: Buffer, from: number, to: number, out: ScanOutput): void {
    const end = to > from && buf[to - 1] === CR ? to - 1 : to;
    if (end - from > this.maxLength) {
      out.reject('oversize');
      out.skip(buf, from, Math.min(to + 1, buf.length));
    } else if (end > from) {
      out.frame(from, end - from);
    }
  }
}
