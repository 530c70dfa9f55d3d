// Splitting a stream's rows into one series per value of a string column (the sink's `series_by`):
// cpu_window sends one row per task per window, and a plot of its cpu_utilization column is only
// readable as one line per task.

export const NUMERIC = new Set(['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'f64', 'i64', 'u64']);

/** Name of the split column for `column` and the key column's value `label`. */
export const seriesName = (column, label) => `${column} · ${label}`;

export class SeriesSplit {
  /**
   * @param {{ name: string, type: string, unit?: string, time?: string }[]} fields the stream's schema
   * @param {string} key the string column whose values name the series
   */
  constructor(fields, key) {
    this.key = key;
    this.values = fields.filter((f) => f.time === undefined && NUMERIC.has(f.type));
    this.times = fields.filter((f) => f.time !== undefined).map((f) => f.name);
    /** Labels in order of first appearance; `changed` is set when one is added. */
    this.labels = [];
    this.changed = false;
  }

  /** Whether a stream with these fields is split by `key` (it must be one of its string columns). */
  static applies(fields, key) {
    return Boolean(key) && fields.some((f) => f.name === key && f.type === 'string');
  }

  /**
   * The columns of one arrived chunk as split series: time columns as they are, then per value column
   * and label a column that holds the rows of that label and NaN elsewhere.
   */
  split(columns, rows, dictionaries) {
    const codes = columns[this.key];
    const dictionary = dictionaries?.[this.key] ?? [];
    const out = {};
    for (const name of this.times) if (columns[name]) out[name] = columns[name];
    if (!codes) return out;
    const labelOf = new Map();
    const rowLabels = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const code = codes[i];
      let label = labelOf.get(code);
      if (label === undefined) {
        label = dictionary[code] ?? String(code);
        labelOf.set(code, label);
        if (!this.labels.includes(label)) {
          this.labels.push(label);
          this.changed = true;
        }
      }
      rowLabels[i] = label;
    }
    for (const field of this.values) {
      const column = columns[field.name];
      if (!column) continue;
      for (const label of labelOf.values()) out[seriesName(field.name, label)] = new Float64Array(rows).fill(NaN);
      for (let i = 0; i < rows; i++) out[seriesName(field.name, rowLabels[i])][i] = column[i];
    }
    return out;
  }

  /** Plot groups: one panel per value column, one series per label. */
  groups(stream) {
    return this.values.map((field) => ({
      stream,
      unit: field.unit ?? '',
      columns: this.labels.map((label) => seriesName(field.name, label)),
      labels: [...this.labels],
      title: `${stream} · ${field.name} by ${this.key}`,
      spanGaps: true,
    }));
  }
}
