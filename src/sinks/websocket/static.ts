import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the server hands out, read once at start (the page is small and must work offline). */
export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page's files by URL path: everything in `page/` with a known type, plus uPlot from the installed
 * package under `/vendor/` (no CDN: lab machines are often offline). A fixed table, so no request
 * path ever reaches the file system.
 */
export function loadStaticFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const pageDir = fileURLToPath(new URL('./page/', import.meta.url));
  for (const name of readdirSync(pageDir)) {
    const type = CONTENT_TYPES[path.extname(name)];
    if (type === undefined || name.endsWith('.d.ts')) continue;
    files.set(`/${name}`, { body: readFileSync(path.join(pageDir, name)), contentType: type });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  const require = createRequire(import.meta.url);
  for (const name of ['uPlot.esm.js', 'uPlot.min.css']) {
    const file = require.resolve(`uplot/dist/${name}`);
    files.set(`/vendor/${name}`, { body: readFileSync(file), contentType: CONTENT_TYPES[path.extname(name)] });
  }
  return files;
}
