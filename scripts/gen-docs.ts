// Regenerates docs/components.md from the component schemas.
import { writeFileSync } from 'node:fs';
import { COMPONENTS } from '../src/components.js';
import { renderReference } from '../src/core/reference-doc.js';

writeFileSync(new URL('../docs/components.md', import.meta.url), renderReference(COMPONENTS));
console.log('wrote docs/components.md');
