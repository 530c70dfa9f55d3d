// Copies non-TypeScript assets (the live page, static files) next to the compiled code in dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = [['src/sinks/websocket/page', 'dist/sinks/websocket/page']];
for (const [from, to] of assets) {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
