import type { FlowControl } from './flow.js';

/** Anything that can stop and restart reading its OS handle: a serial port, a socket. */
export interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

/**
 * Pauses `handle` while the pipeline holds `flow` paused and resumes it after, so a blocking sink
 * downstream stops the reads and the kernel buffer and the link's own flow control take over.
 * Returns the function that stops following (call it when the handle is closed).
 */
export function followFlow(flow: FlowControl, handle: Pausable): () => void {
  const subscription = flow.paused$.subscribe((paused) => {
    if (paused) handle.pause();
    else handle.resume();
  });
  return () => subscription.unsubscribe();
}
