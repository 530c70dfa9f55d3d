import { catalogRegistry } from '../catalog.js';
import { registerCommandHelp } from './help.js';
import { pipelineJsonSchema } from '../core/json-schema.js';


export const schemaHelp = registerCommandHelp({
  name: 'schema',
  usage: 'pipeline schema',
  summary: 'Prints the JSON Schema of pipeline files, for completion and checks in editors (e.g. the YAML extension of VS Code: # yaml-language-server: $schema=pipeline.schema.json).',
  examples: ['pipeline schema > pipeline.schema.json'],
});

export async function schemaCommand(): Promise<number> {
  process.stdout.write(JSON.stringify(pipelineJsonSchema(await catalogRegistry().loadAll()), null, 2) + '\n');
  return 0;
}
