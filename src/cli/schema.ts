import { catalogRegistry } from '../catalog.js';
import { pipelineJsonSchema } from '../core/json-schema.js';


export async function schemaCommand(): Promise<number> {
  process.stdout.write(JSON.stringify(pipelineJsonSchema(await catalogRegistry().loadAll()), null, 2) + '\n');
  return 0;
}
