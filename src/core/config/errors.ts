/** One problem in a pipeline file, with where it is. */
export interface ConfigIssue {
  /** The pipeline file, or "--set" for a value given on the command line. */
  readonly file: string;
  /** 1-based line and column; 0 when the problem has no place in the file (a --set value). */
  readonly line: number;
  readonly column: number;
  /** Dotted key path, e.g. "sinks.recording.path" or "transforms.samples.steps[1].algorithm". */
  readonly key: string;
  readonly message: string;
}

/** Thrown when a pipeline file cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  readonly code = 'E_CONFIG';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.key ? `${where} ${issue.key}: ${issue.message}` : `${where} ${issue.message}`;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  const noun = issues.length === 1 ? 'problem' : 'problems';
  return `${issues.length} ${noun} in the pipeline file:\n` + issues.map((i) => '  ' + formatIssue(i)).join('\n');
}

/** Formats a key path the way users write it: a.b[2].c */
export function keyPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${segment}` : segment;
  }
  return text;
}

/** A value quoted for a message, cut short when long: a 50 MB value must not be printed back whole. */
export function quoted(value: string, max = 60): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value) + (value.length > max ? ` (${value.length} characters)` : '');
}
