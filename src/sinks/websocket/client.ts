import type { WebSocket } from 'ws';

/** What happens to a client whose socket buffer is above `client_buffer`. */
export type SlowClientPolicy = 'drop' | 'downsample' | 'close';

export interface ClientPolicy {
  readonly policy: SlowClientPolicy;
  /** Buffered bytes (ws bufferedAmount) above which the policy acts. */
  readonly limitBytes: number;
  /** A client above the limit for this long is closed whatever the policy; 0 never closes. */
  readonly closeAfterMs: number;
}

/** Downsampling sends every Nth batch, N doubling as the buffer doubles; beyond this factor it drops. */
const MAX_DOWNSAMPLE_FACTOR = 8;

export type Admission = 'send' | 'dropped' | 'downsampled' | 'rate_limited' | 'close';

/** Per-client counters, reported in status messages and /api/status. */
export interface ClientSnapshot {
  id: number;
  remote: string;
  connected_ms: number;
  buffered_bytes: number;
  /** Live batches offered to this client: always sent + dropped + downsampled + rate limited. */
  offered_batches: number;
  sent_batches: number;
  /** History batches sent on connect (not part of offered_batches). */
  replayed_batches: number;
  sent_bytes: number;
  dropped_batches: number;
  downsampled_batches: number;
  rate_limited_batches: number;
  columns: string[] | null;
  max_rate: number;
}

/**
 * One viewer of the feed. The pipeline never waits for it: before each data message the client's
 * socket buffer is checked, and a client that does not keep up gets fewer messages (downsample),
 * none (drop) or is disconnected (close), with every skipped batch counted.
 */
export class FeedClient {
  columns: ReadonlySet<string> | null = null;
  streams: ReadonlySet<string> | null = null;
  /** Data messages per second at most; 0 means no limit. */
  maxRate = 0;
  offeredBatches = 0;
  sentBatches = 0;
  replayedBatches = 0;
  sentBytes = 0;
  droppedBatches = 0;
  downsampledBatches = 0;
  rateLimitedBatches = 0;
  private overSinceMs: number | null = null;
  private offered = 0;
  private lastSentMs = -Infinity;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    readonly remote: string,
    private readonly policy: ClientPolicy,
    private readonly connectedAtMs: number,
  ) {}

  get buffered(): number {
    return this.socket.bufferedAmount;
  }

  /**
   * Decides what to do with the next data message; counts every batch not sent. `overTotal`: all
   * clients together hold more than the feed allows, so this one (which has bytes waiting) must wait.
   */
  admit(nowMs: number, overTotal = false): Admission {
    this.offeredBatches++;
    const buffered = this.socket.bufferedAmount;
    if (buffered <= this.policy.limitBytes && !overTotal) {
      this.overSinceMs = null;
      if (this.maxRate > 0 && nowMs - this.lastSentMs < 1000 / this.maxRate) {
        this.rateLimitedBatches++;
        return 'rate_limited';
      }
      return 'send';
    }
    // Held back by the total counts as stalled too, so close_after frees the slot of a client that never reads.
    this.overSinceMs ??= nowMs;
    const stalledTooLong = this.policy.closeAfterMs > 0 && nowMs - this.overSinceMs >= this.policy.closeAfterMs;
    if ((this.policy.policy === 'close' && buffered > this.policy.limitBytes) || stalledTooLong) {
      this.droppedBatches++;
      return 'close';
    }
    if (this.policy.policy === 'downsample' && !overTotal) {
      const factor = 2 ** Math.ceil(Math.log2(buffered / this.policy.limitBytes));
      if (factor <= MAX_DOWNSAMPLE_FACTOR) {
        this.offered++;
        if (this.offered % factor === 0) return 'send';
        this.downsampledBatches++;
        return 'downsampled';
      }
    }
    this.droppedBatches++;
    return 'dropped';
  }

  send(message: Buffer, nowMs: number, replay = false): void {
    if (replay) this.replayedBatches++;
    else this.sentBatches++;
    this.sentBytes += message.length;
    this.lastSentMs = nowMs;
    this.socket.send(message, { binary: true });
  }

  /** Control messages (schema, status) are small and sent unless the client is over its limit. */
  sendControl(message: object, always = false): void {
    this.sendControlText(JSON.stringify(message), always);
  }

  sendControlText(text: string, always = false): void {
    if (!always && this.socket.bufferedAmount > this.policy.limitBytes) return;
    this.socket.send(text);
  }

  snapshot(nowMs: number): ClientSnapshot {
    return {
      id: this.id,
      remote: this.remote,
      connected_ms: nowMs - this.connectedAtMs,
      buffered_bytes: this.socket.bufferedAmount,
      offered_batches: this.offeredBatches,
      sent_batches: this.sentBatches,
      replayed_batches: this.replayedBatches,
      sent_bytes: this.sentBytes,
      dropped_batches: this.droppedBatches,
      downsampled_batches: this.downsampledBatches,
      rate_limited_batches: this.rateLimitedBatches,
      columns: this.columns ? [...this.columns] : null,
      max_rate: this.maxRate,
    };
  }
}
