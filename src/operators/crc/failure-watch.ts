import type { Logger } from 'pino';
import type { ComponentMetrics } from '../../core/metrics.js';
import type { CrcSettings } from './options.js';

/** Checks to see before judging: a burst of line noise at start-up is not a wrong setting. */
const MIN_CHECKS = 200;
/** Share of failing checks above which the settings, not the line, are the likely cause. */
const FAILING_SHARE = 0.9;

/**
 * Watches the share of frames that fail the CRC. A wrong setting (algorithm, byte order of the value,
 * covered range) fails nearly every frame, yet a few pass by chance and are taken as data, and the
 * run ends with exit 0: so when nearly every check fails, this warns once with the likely causes and
 * leaves a notice for the end-of-run table.
 */
export class CrcFailureWatch {
  private checked = 0;
  private failed = 0;
  private warned = false;

  constructor(
    private readonly settings: CrcSettings,
    private readonly algorithm: string,
    private readonly metrics: ComponentMetrics,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Counts the checks of one batch. */
  record(passed: number, failed: number): void {
    this.checked += passed + failed;
    this.failed += failed;
    if (this.warned || this.checked < MIN_CHECKS || this.failed < this.checked * FAILING_SHARE) return;
    this.warned = true;
    this.log.warn({ failed: this.failed, checked: this.checked }, this.text());
    this.metrics.notice('crc_mostly_failing', () => this.text());
  }

  private text(): string {
    const share = ((100 * this.failed) / this.checked).toFixed(1);
    return `${this.failed} of ${this.checked} frames (${share} %) failed the CRC check, so the CRC settings probably do not match the device: ${likelyCauses(this.settings, this.algorithm)}`;
  }
}

/** What to check, with the values in use and the usual alternative. */
export function likelyCauses(s: CrcSettings, algorithm: string): string {
  const type = s.valueType;
  const swapped = type.endsWith('le') ? type.replace(/le$/, 'be') : type.endsWith('be') ? type.replace(/be$/, 'le') : undefined;
  return [
    `the algorithm (${algorithm})`,
    `the byte order of the value (${type}${swapped ? `; try ${swapped}` : ''}, at offset ${s.valueOffset})`,
    `the covered range (over: [${s.from}, ${s.to}])`,
  ].join(', ');
}
