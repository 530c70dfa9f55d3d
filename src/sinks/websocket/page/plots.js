// One uPlot panel per column group: the plottable columns of a stream, grouped by unit, so volts,
// amperes and watts each get an axis that fits them.
import uPlot from './vendor/uPlot.esm.js';
import { plotData } from './decimate.js';
import { formatSI } from './format.js';
import { NUMERIC } from './series.js';

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563'];
const HEIGHT = 170;

/** Groups a stream's plottable columns by unit (columns without a unit each get their own panel). */
export function columnGroups(stream, fields) {
  const groups = new Map();
  for (const field of fields) {
    if (field.time !== undefined || !NUMERIC.has(field.type)) continue;
    const key = field.unit ? `unit:${field.unit}` : `column:${field.name}`;
    if (!groups.has(key)) groups.set(key, { stream, unit: field.unit ?? '', columns: [] });
    groups.get(key).columns.push(field.name);
  }
  return [...groups.values()];
}

export class Panel {
  /**
   * @param {HTMLElement} container
   * @param {{ stream: string, unit: string, columns: string[], labels?: string[], title?: string, spanGaps?: boolean }} group
   *   labels and title: series and panel names when they differ from the columns' (split series)
   * @param {boolean} wallClock x is wall-clock seconds (date axis) rather than device seconds
   * @param {(min: number, max: number) => void} onZoom called when the user drags across the plot
   * @param {() => void} onUnzoom called on double-click
   */
  constructor(container, group, wallClock, onZoom, onUnzoom) {
    this.group = group;
    this.element = document.createElement('div');
    this.element.className = 'panel';
    this.element.dataset.stream = group.stream;
    this.element.dataset.columns = group.columns.join(',');
    const title = document.createElement('h3');
    title.textContent = group.title ?? `${group.stream} · ${group.columns.join(', ')}`;
    if (group.unit) {
      const unit = document.createElement('span');
      unit.className = 'unit';
      unit.textContent = `[${group.unit}]`;
      title.append(unit);
    }
    this.element.append(title);
    container.append(this.element);
    this.points = 0;
    const unit = group.unit;
    this.plot = new uPlot(
      {
        width: this.width(),
        height: HEIGHT,
        scales: { x: { time: wallClock } },
        series: [
          { label: wallClock ? 'time' : 'device s' },
          ...group.columns.map((name, i) => ({
            label: group.labels?.[i] ?? name,
            stroke: COLORS[i % COLORS.length],
            spanGaps: group.spanGaps ?? false,
            width: 1.25,
            points: { show: false },
            value: (u, v) => (v == null ? '–' : `${formatSI(v)}${unit}`),
          })),
        ],
        axes: [
          { stroke: '#677489', grid: { stroke: '#eef1f5' }, ticks: { stroke: '#dfe4ec' } },
          { stroke: '#677489', grid: { stroke: '#eef1f5' }, ticks: { stroke: '#dfe4ec' }, size: 64, values: (u, splits) => splits.map((v) => `${formatSI(v)}${unit}`) },
        ],
        cursor: { sync: { key: 'live' }, drag: { x: true, y: false, setScale: false } },
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width < 4) return;
              const min = u.posToVal(u.select.left, 'x');
              const max = u.posToVal(u.select.left + u.select.width, 'x');
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              onZoom(min, max);
            },
          ],
        },
      },
      [new Float64Array(0), ...group.columns.map(() => new Float64Array(0))],
      this.element,
    );
    this.plot.over.addEventListener('dblclick', onUnzoom);
  }

  width() {
    return Math.max(300, this.element.clientWidth - 20);
  }

  /** Draws the stored rows in [min, max]. */
  draw(store, min, max) {
    const data = plotData(store.slices(min, max), this.group.columns, min, max, Math.round(this.plot.width));
    this.points = data[0].length;
    this.element.dataset.points = String(this.points);
    // Drawn values per series (split series are NaN between their own rows): what a check can read.
    this.element.dataset.seriesPoints = data.slice(1).map((values) => values.reduce((n, v) => (Number.isNaN(v) ? n : n + 1), 0)).join(',');
    this.plot.batch(() => {
      this.plot.setData(data, false);
      this.plot.setScale('x', { min, max });
    });
  }

  resize() {
    this.plot.setSize({ width: this.width(), height: HEIGHT });
  }

  destroy() {
    this.plot.destroy();
    this.element.remove();
  }
}
