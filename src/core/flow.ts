import { BehaviorSubject, type Observable, distinctUntilChanged, firstValueFrom, filter } from 'rxjs';

/**
 * Pause/resume signal from the runner to a source. RxJS pushes, so backpressure has to be built:
 * each blocking sink downstream of a source holds a pause while its buffer is above its high-water
 * mark, and the source is paused while any pause is held (a counted signal, so two slow sinks do not
 * resume each other early).
 */
export interface FlowControl {
  readonly paused: boolean;
  /** Emits the paused state now and on every change. */
  readonly paused$: Observable<boolean>;
  /** Resolves at once when not paused, else when resumed. */
  whenResumed(): Promise<void>;
}

export class FlowSignal implements FlowControl {
  private holds = 0;
  private readonly state = new BehaviorSubject<boolean>(false);
  readonly paused$ = this.state.pipe(distinctUntilChanged());
  /** How often this source was paused; a metric, not used for control. */
  pauses = 0;

  get paused(): boolean {
    return this.holds > 0;
  }

  hold(): void {
    this.holds++;
    if (this.holds === 1) {
      this.pauses++;
      this.state.next(true);
    }
  }

  /** Gives back one hold; after releaseAll() (shutdown) the holders' later releases are no-ops. */
  release(): void {
    if (this.holds === 0) return;
    this.holds--;
    if (this.holds === 0) this.state.next(false);
  }

  /** Drops every hold; used at shutdown so paused sources can see their abort signal. */
  releaseAll(): void {
    this.holds = 0;
    this.state.next(false);
  }

  whenResumed(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return firstValueFrom(this.state.pipe(filter((p) => !p))).then(() => undefined);
  }
}

/** A flow control that is never paused, for running a component outside a runner (tests, tools). */
export const NEVER_PAUSED: FlowControl = new FlowSignal();
