/** Times as people read them in tables (`pipeline tap`, the stdout `table` sink); JSON output stays exact. */

/** "12:04:05.123456" in local time, microseconds shown; `ns` is absolute (since the Unix epoch). */
export function wallClockText(ns: bigint): string {
  const date = new Date(Number(ns / 1_000_000n));
  const micros = Number((ns / 1000n) % 1_000_000n);
  const hms = [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${hms}.${String(micros).padStart(6, '0')}`;
}

/** Device time (ns) as seconds with microseconds: "2.000000". */
export function deviceSecondsText(ns: number): string {
  return Number.isFinite(ns) ? (ns / 1e9).toFixed(6) : 'null';
}
