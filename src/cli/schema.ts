import { defaultRegistry } from '../components.js';
import { pipelineJsonSchema } from '../core/json-schema.js';


export async function schemaCommand(): Promise<number> {
  process.stdout.write(JSON.stringify(pipelineJsonSchema(defaultRegistry()), null, 2) + '\n');
  return 0;
}
