// The peers of bench/compare.ts and how to run each: program, arguments, and whether this machine
// can run it (gcc for the C reference, Debian's python3 with numpy and h5py for the Python stack).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { defaultRegistry } from '../../src/components.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const BUILD_DIR = path.join(ROOT, 'bench/build');
const C_SOURCE = path.join(HERE, 'c/harvest.c');
const C_BINARY = path.join(BUILD_DIR, 'harvest-c');
/** Debian's interpreter, where apt installs python3-numpy and python3-h5py (not a pyenv one on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** A program invocation. */
export interface Command {
  readonly command: string;
  readonly args: string[];
}

/** What every peer prints as its last stdout line. */
export interface PeerResult {
  readonly peer: string;
  readonly bytes_in: number;
  readonly frames_good: number;
  readonly frames_bad: number;
  readonly samples: number;
  readonly sum_voltage_raw: string;
  readonly sum_current_raw: string;
}

/**
 * Compiles the C reference with gcc -O2 into bench/build (when the source is newer than the binary)
 * and returns its path, or a reason why it cannot run here.
 */
export function buildCPeer(): { binary: string } | { missing: string } {
  if (spawnSync('gcc', ['--version']).status !== 0) return { missing: 'gcc is not installed (apt-get install -y gcc)' };
  mkdirSync(BUILD_DIR, { recursive: true });
  if (!existsSync(C_BINARY) || statSync(C_BINARY).mtimeMs < statSync(C_SOURCE).mtimeMs) {
    execFileSync('gcc', ['-O2', '-Wall', '-o', C_BINARY, C_SOURCE], { stdio: 'inherit' });
  }
  return { binary: C_BINARY };
}

/** Null when /usr/bin/python3 imports numpy and h5py, else what to install. */
export function pythonPeerMissing(): string | null {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} is missing (apt-get install -y python3-numpy python3-h5py)`;
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import numpy, h5py'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'numpy or h5py missing for /usr/bin/python3 (apt-get install -y python3-numpy python3-h5py)';
}

export function cCommand(binary: string, input: string, outDir: string, options: { write: boolean; maxBytes?: number }): Command {
  const args = [input, outDir];
  if (!options.write) args.push('--no-write');
  if (options.maxBytes) args.push('--max-bytes', String(options.maxBytes));
  return { command: binary, args };
}

export function pythonCommand(input: string, outFile: string, maxBytes?: number): Command {
  const args = [path.join(HERE, 'python/harvest.py'), input, outFile];
  if (maxBytes) args.push('--max-bytes', String(maxBytes));
  return { command: SYSTEM_PYTHON, args };
}

export function nodeCommand(input: string, outFile: string, maxBytes?: number): Command {
  const args = ['--import', 'tsx', path.join(HERE, 'node/harvest.ts'), input, outFile];
  if (maxBytes) args.push('--max-bytes', String(maxBytes));
  return { command: process.execPath, args };
}

/** The component types a pipeline file uses that the registry does not have (yet). */
export function missingComponents(pipelineFile: string): string[] {
  const registry = defaultRegistry();
  const doc = parse(readFileSync(pipelineFile, 'utf8')) as {
    sources?: Record<string, { type: string }>;
    transforms?: Record<string, { steps: { type: string }[] }>;
    sinks?: Record<string, { type: string }>;
  };
  const wanted: ['source' | 'operator' | 'sink', string][] = [
    ...Object.values(doc.sources ?? {}).map((s): ['source', string] => ['source', s.type]),
    ...Object.values(doc.transforms ?? {}).flatMap((t) => t.steps.map((s): ['operator', string] => ['operator', s.type])),
    ...Object.values(doc.sinks ?? {}).map((s): ['sink', string] => ['sink', s.type]),
  ];
  return [...new Set(wanted.filter(([role, type]) => !registry.get(role, type)).map(([, type]) => type))];
}
