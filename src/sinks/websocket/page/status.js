// The status panel: per-component rates from successive status messages, with errors, drops, queue
// depth and reconnects, and this view's own counters.
import { formatDuration, formatRate } from './format.js';

export class StatusPanel {
  constructor(document) {
    this.body = document.querySelector('#components tbody');
    this.uptime = document.getElementById('uptime');
    this.clientDrops = document.getElementById('client-drops');
    this.previous = new Map();
    this.previousTime = 0;
  }

  /** Called on every status message. */
  update(status) {
    const dt = (status.time_ms - this.previousTime) / 1000;
    const rows = status.components.map((c) => {
      const before = this.previous.get(c.id);
      const rateIn = before && dt > 0 ? Math.max(0, (c.items_in - before.items_in) / dt) : 0;
      const rateOut = before && dt > 0 ? Math.max(0, (c.items_out - before.items_out) / dt) : 0;
      return { c, rateIn, rateOut };
    });
    this.previous = new Map(status.components.map((c) => [c.id, c]));
    this.previousTime = status.time_ms;
    this.body.replaceChildren(...rows.map((row) => this.row(row)));
    this.uptime.textContent = formatDuration(status.uptime_s);
    const own = status.client;
    const skipped = own.dropped_batches + own.downsampled_batches + own.rate_limited_batches;
    this.clientDrops.textContent = `${skipped} batches`;
    this.clientDrops.className = skipped > 0 ? 'warn' : '';
  }

  row({ c, rateIn, rateOut }) {
    const tr = document.createElement('tr');
    tr.dataset.component = c.id;
    tr.dataset.rate = String(Math.max(rateIn, rateOut));
    const errors = Object.values(c.errors).reduce((a, b) => a + b, 0);
    const cells = [
      [c.id, ''],
      [c.kind === 'source' ? '' : formatRate(rateIn), ''],
      [c.kind === 'sink' ? '' : formatRate(rateOut), ''],
      [String(errors), errors > 0 ? 'bad' : ''],
      [String(c.drops), c.drops > 0 ? 'warn' : ''],
      [String(c.queue_depth), ''],
      [String(c.counters.reconnects ?? 0), (c.counters.reconnects ?? 0) > 0 ? 'warn' : ''],
    ];
    cells.forEach(([text, cls], i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      if (i === 0) {
        const type = document.createElement('span');
        type.className = 'type';
        type.textContent = c.type;
        td.append(type);
      }
      if (i === 3 && errors > 0) td.title = Object.entries(c.errors).map(([k, v]) => `${k}: ${v}`).join('\n');
      tr.append(td);
    });
    return tr;
  }
}
