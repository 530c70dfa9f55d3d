import type { ScanOutput } from './output.js';
import { DelimiterScanner } from './split.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Text lines ending in `\n` (a trailing `\r` is stripped); frames are views of the line without its
 * ending. Empty lines carry no data and are skipped; a line longer than `maxLength` is dropped up
 * to its end and counted as `oversize`. The last line is emitted even without a final newline.
 */
export class LinesScanner extends DelimiterScanner {
  readonly unescapes = false;

  constructor(private readonly maxLength: number) {
    super(LF, maxLength + 2, true, false);
  }

  finish(buf: Buffer, base: number, from: number, to: number, out: ScanOutput): void {
    const pos = this.scan(buf, base, from, to, to, out);
    if (pos < to) this.take(buf, pos, to, out);
  }

  protected take(buf: Buffer, from: number, to: number, out: ScanOutput): void {
    const end = to > from && buf[to - 1] === CR ? to - 1 : to;
    if (end - from > this.maxLength) {
      out.reject('oversize');
      out.skip(buf, from, Math.min(to + 1, buf.length));
    } else if (end > from) {
      out.frame(from, end - from);
    }
  }
}
