// Number formatting for axes, legends and the status table.

const PREFIXES = [
  [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n'], [1e-12, 'p'],
];

/** 0.0033 -> "3.30m", 1250 -> "1.25k": three significant digits with an SI prefix. */
export function formatSI(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  for (const [scale, prefix] of PREFIXES) {
    if (magnitude >= scale * 0.9995) return `${(value / scale).toPrecision(3)}${prefix}`;
  }
  return value.toExponential(2);
}

/** A rate for the status table: "4.00k" or "0". */
export function formatRate(perSecond) {
  return perSecond > 0 ? formatSI(perSecond) : '0';
}

export function formatDuration(seconds) {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}
