// The feed connection: opens /ws next to the page, decodes messages, and reconnects by itself with
// growing pauses (0.25 s doubling to 5 s) when the pipeline stops or restarts.
import { decodeDataMessage } from './protocol.js';

export class FeedConnection {
  /**
   * @param {URL} url the ws:// address of the feed
   * @param {{ control(message: any): void, data(decoded: any): void, state(state: string): void }} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.reconnects = 0;
    this.delayMs = 250;
    this.opened = false;
  }

  start() {
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      // Counts connections regained, not attempts: a pipeline that takes 5 s to restart is one reconnect.
      if (this.opened) this.reconnects++;
      this.opened = true;
      this.delayMs = 250;
      this.handlers.state('live');
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') this.handlers.control(JSON.parse(event.data));
      else this.handlers.data(decodeDataMessage(event.data));
    };
    socket.onclose = () => {
      this.handlers.state('reconnecting');
      setTimeout(() => this.start(), this.delayMs);
      this.delayMs = Math.min(this.delayMs * 2, 5000);
    };
  }

  /** Sends a control message (subscribe, max_rate) when connected. */
  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
