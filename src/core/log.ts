import pino, { type Logger, type LevelWithSilent } from 'pino';

/**
 * Logs go to stderr so stdout stays free for data (`format: jsonl`, `pipeline simulate`). Pretty on a
 * terminal, JSON otherwise, so a supervisor or log shipper gets structured lines.
 */
export function createLogger(level: LevelWithSilent = 'info', pretty = process.stderr.isTTY === true): Logger {
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: false }));
}

/** A logger that writes nothing, for tests and tools. */
export const silentLogger: Logger = pino({ level: 'silent' });
