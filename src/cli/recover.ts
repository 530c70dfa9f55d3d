import fs from 'node:fs';
import { recoverDirectory } from '../sinks/recording/recover.js';
import { registerCommandHelp } from './help.js';


export const recoverHelp = registerCommandHelp({
  name: 'recover',
  usage: 'pipeline recover DIR',
  summary: 'Completes recordings below DIR cut short by a crash or kill -9: Parquet journals become .parquet files, cut Arrow streams are trimmed to their last complete batch.',
  options: [['DIR', 'The directory the recordings were written to (e.g. recordings/)']],
});
const USAGE = `usage: ${recoverHelp.usage}`;

/**
 * `pipeline recover DIR`: turns leftovers of a hard kill below DIR into complete files and prints
 * what it did. Returns the exit code: 0 when everything found was recovered, 1 otherwise.
 */
export async function recoverCommand(argv: readonly string[], out: (line: string) => void = console.log): Promise<number> {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    out(USAGE);
    return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
  }
  const dir = argv[0];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    out(`recover: ${dir} is not a directory`);
    return 2;
  }
  let results;
  try {
    results = await recoverDirectory(dir);
  } catch (error) {
    out(`recover: ${(error as Error).message}`);
    return 1;
  }
  if (results.length === 0) out(`recover: nothing to recover below ${dir}`);
  let failed = 0;
  for (const result of results) {
    if (result.file && !result.problem) out(`recovered ${result.rows} rows: ${result.from} -> ${result.file}${result.note ? ` (${result.note})` : ''}`);
    else out(`${result.file ? 'note' : 'not recovered'}: ${result.from}: ${result.problem}`);
    if (!result.file && !result.problem?.endsWith('removed')) failed++;
  }
  return failed > 0 ? 1 : 0;
}
