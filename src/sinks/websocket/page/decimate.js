// Builds a plot's data from stored chunks. A plot is a few hundred pixels wide, so beyond two points
// per pixel extra points only cost drawing time: rows are then grouped into time buckets and each
// bucket keeps every series' minimum and maximum, so spikes survive and a constant stays constant.

/**
 * @param {{ chunk: { x: Float64Array, columns: Record<string, Float64Array> }, a: number, b: number }[]} slices
 * @param {string[]} names series (column names) to take
 * @param {number} min left edge of the view (x units)
 * @param {number} max right edge of the view
 * @param {number} buckets about the plot width in pixels
 * @returns {Float64Array[]} uPlot data: x, then one array per name
 */
export function plotData(slices, names, min, max, buckets) {
  let rows = 0;
  for (const s of slices) rows += s.b - s.a;
  if (rows <= buckets * 2) return copyRows(slices, names, rows);
  const span = max - min || 1;
  const firstX = new Float64Array(buckets).fill(NaN);
  const lastX = new Float64Array(buckets);
  const lo = names.map(() => new Float64Array(buckets).fill(Infinity));
  const hi = names.map(() => new Float64Array(buckets).fill(-Infinity));
  const add = (k, x, s, low, high) => {
    if (Number.isNaN(firstX[k])) firstX[k] = x;
    lastX[k] = x;
    if (low < lo[s][k]) lo[s][k] = low;
    if (high > hi[s][k]) hi[s][k] = high;
  };
  const bucketOf = (x) => Math.min(buckets - 1, Math.max(0, Math.floor(((x - min) / span) * buckets)));
  // Whole chunks are read through their summaries when those still give several groups per bucket.
  const useSummaries = rows > buckets * 8 * 32;
  for (const { chunk, a, b } of slices) {
    const summary = chunk.summary;
    if (useSummaries && summary && a === 0 && b === chunk.x.length) {
      for (let g = 0; g < summary.groups; g++) {
        const k = bucketOf(summary.x0[g]);
        names.forEach((name, s) => {
          if (summary.min[name]) add(k, summary.x0[g], s, summary.min[name][g], summary.max[name][g]);
        });
        lastX[k] = Math.max(lastX[k], summary.x1[g]);
      }
      continue;
    }
    const columns = names.map((name) => chunk.columns[name]);
    for (let i = a; i < b; i++) {
      const x = chunk.x[i];
      const k = bucketOf(x);
      for (let s = 0; s < columns.length; s++) {
        const column = columns[s];
        if (column) add(k, x, s, column[i], column[i]);
      }
    }
  }
  let used = 0;
  for (let k = 0; k < buckets; k++) if (!Number.isNaN(firstX[k])) used++;
  const out = [new Float64Array(used * 2), ...names.map(() => new Float64Array(used * 2))];
  let j = 0;
  for (let k = 0; k < buckets; k++) {
    if (Number.isNaN(firstX[k])) continue;
    out[0][j] = firstX[k];
    out[0][j + 1] = lastX[k] > firstX[k] ? lastX[k] : firstX[k] + 1e-9;
    for (let s = 0; s < names.length; s++) {
      out[s + 1][j] = lo[s][k] === Infinity ? NaN : lo[s][k];
      out[s + 1][j + 1] = hi[s][k] === -Infinity ? NaN : hi[s][k];
    }
    j += 2;
  }
  return out;
}

function copyRows(slices, names, rows) {
  const out = [new Float64Array(rows), ...names.map(() => new Float64Array(rows))];
  let at = 0;
  for (const { chunk, a, b } of slices) {
    out[0].set(chunk.x.subarray(a, b), at);
    names.forEach((name, s) => {
      const column = chunk.columns[name];
      if (column) out[s + 1].set(column.subarray(a, b), at);
      else out[s + 1].fill(NaN, at, at + b - a);
    });
    at += b - a;
  }
  return out;
}
