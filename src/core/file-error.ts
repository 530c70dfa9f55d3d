/** An error whose message names the file and the cause, keeping the system error code. */
export function fileError(action: string, file: string, cause: unknown): Error & { code?: string } {
  const code = (cause as NodeJS.ErrnoException).code;
  const reason = code === 'ENOSPC' ? 'disk full' : code === 'EFBIG' ? 'file size limit reached' : (cause as Error).message;
  const error: Error & { code?: string } = new Error(`cannot ${action} ${file}: ${reason}${code ? ` (${code})` : ''}`, { cause });
  error.code = code;
  return error;
}
