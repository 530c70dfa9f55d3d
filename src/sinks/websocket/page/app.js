// The live page: connects to the feed, keeps a rolling window per stream, draws one panel per column
// group on animation frames (only when there is something new), and shows the pipeline's status.
import { FeedConnection } from './connection.js';
import { formatSI } from './format.js';
import { Panel, columnGroups } from './plots.js';
import { SeriesSplit } from './series.js';
import { StatusPanel } from './status.js';
import { StreamStore } from './store.js';

/** Seconds of data kept per stream, whatever the window shown (so widening the window shows data). */
const KEEP_SECONDS = 60;

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  anchorSeconds: 0,
  stores: new Map(),
  /** The sink's `series_by` column (from hello), or null. */
  seriesBy: null,
  panels: [],
  paused: false,
  zoom: null,
  windowSeconds: Number(params.get('window') ?? 10),
  dirty: false,
  messages: 0,
  rows: 0,
};
const status = new StatusPanel(document);

function feedUrl() {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  // The page's own query passes on: token, and optional columns / streams / max_rate subscriptions.
  for (const key of ['token', 'columns', 'streams', 'max_rate']) {
    const value = params.get(key);
    if (value !== null) url.searchParams.set(key, value);
  }
  return url;
}

function resetStreams() {
  for (const panel of state.panels) panel.destroy();
  state.panels = [];
  state.stores.clear();
}

function setupStream(stream, fields) {
  const split = SeriesSplit.applies(fields, state.seriesBy) ? new SeriesSplit(fields, state.seriesBy) : null;
  state.stores.set(stream, new StreamStore(fields, state.anchorSeconds, split));
  setupPanels(stream);
}

/** (Re)creates a stream's panels: at its schema, and for split series whenever a new label appears. */
function setupPanels(stream) {
  state.panels = state.panels.filter((panel) => panel.group.stream !== stream || (panel.destroy(), false));
  const store = state.stores.get(stream);
  const groups = store.split ? store.split.groups(stream) : columnGroups(stream, store.fields);
  for (const group of groups) {
    state.panels.push(new Panel($('panels'), group, store.wallClock, zoomTo, backToLive));
  }
  if (store.split) store.split.changed = false;
  $('empty').hidden = state.panels.length > 0;
  renderChooser();
}

/** One checkbox per panel; hidden panels stay hidden across reconnects and are not drawn. */
const hiddenGroups = new Set((params.get('hide') ?? '').split(',').filter(Boolean));
const groupKey = (group) => `${group.stream}:${group.title ?? group.columns.join('+')}`;

function renderChooser() {
  $('chooser').replaceChildren(
    ...state.panels.map((panel) => {
      const key = groupKey(panel.group);
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = !hiddenGroups.has(key);
      panel.element.hidden = !box.checked;
      box.addEventListener('change', () => {
        if (box.checked) hiddenGroups.delete(key);
        else hiddenGroups.add(key);
        panel.element.hidden = !box.checked;
        if (box.checked) panel.resize();
        state.dirty = true;
      });
      const label = document.createElement('label');
      label.append(box, `${panel.group.title ?? panel.group.columns.join(', ')}${panel.group.unit ? ` [${panel.group.unit}]` : ''}`);
      const item = document.createElement('li');
      item.append(label);
      return item;
    }),
  );
}

function onControl(message) {
  switch (message.type) {
    case 'hello':
      // A new hello means a new connection, maybe to a restarted pipeline: start from its history.
      resetStreams();
      state.seriesBy = message.series_by ?? null;
      state.anchorSeconds = Number(BigInt(message.anchor_wall_ns) / 1000000n) / 1000;
      $('pipeline-name').textContent = message.pipeline;
      document.title = `${message.pipeline} · live view`;
      // A stream that has sent nothing yet has no fields; its schema message comes before its data.
      for (const [stream, { fields }] of Object.entries(message.streams)) if (fields.length > 0) setupStream(stream, fields);
      break;
    case 'schema':
      setupStream(message.stream, message.fields);
      break;
    case 'status':
      status.update(message);
      break;
    case 'error':
      console.warn(`live feed: ${message.message}`);
      break;
  }
}

function onData({ header, columns }) {
  const store = state.stores.get(header.stream);
  if (!store) return;
  store.append(columns, header.rows, Math.max(KEEP_SECONDS, state.windowSeconds), header.dictionaries);
  if (store.split?.changed) setupPanels(header.stream);
  state.messages++;
  state.rows += header.rows;
  state.dirty = true;
}

function setBadge(text) {
  const badge = $('connection');
  badge.textContent = text;
  badge.dataset.state = text;
}

function onState(connection) {
  if (connection === 'live' && (state.paused || state.zoom)) setBadge('paused');
  else setBadge(connection);
}

function zoomTo(min, max) {
  state.zoom = { min, max };
  $('reset-zoom').hidden = false;
  setPaused(true);
  for (const panel of state.panels) {
    const store = state.stores.get(panel.group.stream);
    if (store) panel.draw(store, min, max);
  }
}

function backToLive() {
  state.zoom = null;
  $('reset-zoom').hidden = true;
  setPaused(false);
}

function setPaused(paused) {
  state.paused = paused;
  state.dirty = true;
  $('pause').textContent = paused ? 'Resume' : 'Pause';
  setBadge(paused ? 'paused' : connection.socket?.readyState === WebSocket.OPEN ? 'live' : 'reconnecting');
}

function draw() {
  if (state.paused || !state.dirty) return;
  state.dirty = false;
  for (const panel of state.panels) {
    if (panel.element.hidden) continue;
    const store = state.stores.get(panel.group.stream);
    const latest = store?.latest;
    if (latest !== undefined) panel.draw(store, latest - state.windowSeconds, latest);
  }
}

// Render loop and once-a-second counters (render rate, feed rates, reconnects).
let frames = 0;
let lastTick = performance.now();
function frame(now) {
  frames++;
  draw();
  if (now - lastTick >= 1000) {
    const seconds = (now - lastTick) / 1000;
    const fps = frames / seconds;
    const messageRate = state.messages / seconds;
    $('fps').textContent = `${fps.toFixed(0)} fps`;
    $('fps').dataset.fps = fps.toFixed(1);
    $('feed-rate').textContent = `${formatSI(messageRate)}/s`;
    $('feed-rate').dataset.rate = messageRate.toFixed(2);
    $('row-rate').textContent = `${formatSI(state.rows / seconds)}/s`;
    $('reconnects').textContent = String(connection.reconnects);
    frames = 0;
    state.messages = 0;
    state.rows = 0;
    lastTick = now;
  }
  requestAnimationFrame(frame);
}

const connection = new FeedConnection(feedUrl(), { control: onControl, data: onData, state: onState });

$('window').value = String(state.windowSeconds);
$('window').addEventListener('change', (event) => {
  state.windowSeconds = Number(event.target.value);
  state.dirty = true;
});
$('pause').addEventListener('click', () => (state.zoom ? backToLive() : setPaused(!state.paused)));
$('reset-zoom').addEventListener('click', backToLive);
window.addEventListener('resize', () => {
  for (const panel of state.panels) panel.resize();
  state.dirty = true;
});

connection.start();
requestAnimationFrame(frame);
