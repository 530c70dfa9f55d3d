// Preload (node --import) that writes every module URL the process resolves, one per line, to the
// file named by RECORD_IMPORTS_TO, so a test can see what a command loaded.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

const out = process.env.RECORD_IMPORTS_TO;
if (out) {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => appendFileSync(out, `${url}\n`));
  port1.unref();
  register('./record-imports-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
}
