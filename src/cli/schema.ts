import { defaultRegistry } from '../components.js';
import { registerCommandHelp } from './help.js';
import { pipelineJsonSchema } from '../core/json-schema.js';

export const schemaUsage = 'pipeline schema   (JSON Schema of pipeline files, for editors)';

export const schemaHelp = registerCommandHelp({
  name: 'schema',
  usage: 'pipeline schema',
  summary: 'Prints the JSON Schema of pipeline files, for completion and checks in editors (e.g. the YAML extension of VS Code: # yaml-language-server: $schema=pipeline.schema.json).',
  examples: ['pipeline schema > pipeline.schema.json'],
});

export async function schemaCommand(): Promise<number> {
  process.stdout.write(JSON.stringify(pipelineJsonSchema(defaultRegistry()), null, 2) + '\n');
  return 0;
}
