// Our pipeline as users run it: compiled JavaScript (what `npm run build` makes and the installed
// `pipeline` command runs), not TypeScript compiled on the fly by tsx, which costs every process 1 to
// 3 s of CPU and about 70 MB per thread before it reads a byte. Benchmarks compile a checkout once
// into bench/build/ and run bench/support/run-pipeline.mjs, copied next to that output.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH = path.resolve(HERE, '..');

const compiled = new Map<string, string>();

/**
 * Compiles the checkout at `root` (default: this one) into bench/build/<name> once per process and
 * returns the path of its runner script. The output sits inside this checkout so node_modules resolve.
 */
export function compiledRunner(root = path.resolve(BENCH, '..'), name = 'dist'): string {
  const known = compiled.get(root);
  if (known) return known;
  const out = path.join(BENCH, 'build', name);
  rmSync(out, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [path.join(BENCH, '../node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`compiling ${root} failed: ${tsc.stdout}${tsc.stderr}`);
  cpSync(path.join(root, 'src/sinks/websocket/page'), path.join(out, 'sinks/websocket/page'), { recursive: true });
  const runner = path.join(out, 'run-pipeline.mjs');
  cpSync(path.join(HERE, 'run-pipeline.mjs'), runner);
  compiled.set(root, runner);
  return runner;
}
