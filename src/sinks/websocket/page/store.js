// Rolling per-stream storage of decoded batches, kept as the chunks they arrived in (no copying on
// arrival), trimmed by age and by a row cap so a fast feed cannot exhaust the tab's memory.

const MAX_ROWS = 2_000_000;
/** Rows per summary group: a chunk of n rows is also kept as n / GROUP min/max pairs per column. */
const GROUP = 32;

export class StreamStore {
  /**
   * @param {{ name: string, type: string, unit?: string, time?: string }[]} fields
   * @param {number} anchorSeconds wall-clock seconds at the run's anchor (for host time columns)
   * @param {import('./series.js').SeriesSplit | null} split splits rows into one series per label
   */
  constructor(fields, anchorSeconds, split = null) {
    this.fields = fields;
    this.split = split;
    const time = fields.find((f) => f.time !== undefined);
    this.timeColumn = time ? time.name : null;
    // Host times become wall-clock seconds (a date axis); device times stay seconds of device time.
    this.wallClock = !time || time.time === 'host';
    this.offset = time && time.time === 'host' ? anchorSeconds : 0;
    this.chunks = [];
    this.rows = 0;
    this.lastArrival = 0;
  }

  get latest() {
    const last = this.chunks[this.chunks.length - 1];
    return last ? last.x[last.x.length - 1] : undefined;
  }

  append(columns, rows, keepSeconds, dictionaries) {
    if (rows === 0) return;
    if (this.split) columns = this.split.split(columns, rows, dictionaries);
    const x = new Float64Array(rows);
    const t = this.timeColumn ? columns[this.timeColumn] : undefined;
    if (t) {
      for (let i = 0; i < rows; i++) x[i] = this.offset + t[i] / 1e9;
    } else {
      // No time column: spread the rows between the previous arrival and now.
      const now = Date.now() / 1000;
      const from = this.lastArrival && now - this.lastArrival < 1 ? this.lastArrival : now;
      for (let i = 0; i < rows; i++) x[i] = from + ((now - from) * (i + 1)) / rows;
      this.lastArrival = now;
    }
    this.chunks.push({ x, columns, summary: summarize(x, columns, rows) });
    this.rows += rows;
    const oldest = x[rows - 1] - keepSeconds;
    while (this.chunks.length > 1 && (this.chunks[0].x[this.chunks[0].x.length - 1] < oldest || this.rows > MAX_ROWS)) {
      this.rows -= this.chunks.shift().x.length;
    }
  }

  /** The chunk slices with x in [min, max]: [{ chunk, a, b }] covering rows a..b-1 of each chunk. */
  slices(min, max) {
    const parts = [];
    for (const chunk of this.chunks) {
      const n = chunk.x.length;
      if (chunk.x[n - 1] < min || chunk.x[0] > max) continue;
      let a = 0;
      while (a < n && chunk.x[a] < min) a++;
      let b = n;
      while (b > a && chunk.x[b - 1] > max) b--;
      if (b > a) parts.push({ chunk, a, b });
    }
    return parts;
  }
}

/**
 * Min/max of every column over groups of GROUP rows, computed once on arrival. Drawing a long window
 * of a fast stream then reads the groups instead of every row (min of mins and max of maxes are
 * exact), which keeps the frame time flat however many rows arrive per second.
 */
function summarize(x, columns, rows) {
  if (rows < GROUP * 4) return undefined;
  const groups = Math.ceil(rows / GROUP);
  const x0 = new Float64Array(groups);
  const x1 = new Float64Array(groups);
  const min = {};
  const max = {};
  for (const name of Object.keys(columns)) {
    const column = columns[name];
    const lo = (min[name] = new Float64Array(groups));
    const hi = (max[name] = new Float64Array(groups));
    for (let g = 0; g < groups; g++) {
      const end = Math.min(rows, (g + 1) * GROUP);
      let a = Infinity;
      let b = -Infinity;
      for (let i = g * GROUP; i < end; i++) {
        const v = column[i];
        if (v < a) a = v;
        if (v > b) b = v;
      }
      lo[g] = a;
      hi[g] = b;
    }
  }
  for (let g = 0; g < groups; g++) {
    x0[g] = x[g * GROUP];
    x1[g] = x[Math.min(rows, (g + 1) * GROUP) - 1];
  }
  return { x0, x1, min, max, groups };
}
