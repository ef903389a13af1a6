import { z } from 'zod';
import { tiersFileSchema } from './tiers-file-schema';

/**
 * The JSON Schema of `tiers.yaml`, generated from {@link tiersFileSchema} (the file
 * `spec/schemas/tiers.schema.json` is this value; a test keeps them equal). It checks the shape
 * only: tier names, provider references, duplicates and keys are checked by `validateTiersFile`.
 */
export function tiersJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://raw.githubusercontent.com/karnel-dev/karnel/main/spec/schemas/tiers.schema.json',
    title: 'Karnel tiers.yaml (Annex D)',
    ...z.toJSONSchema(tiersFileSchema, { io: 'input', target: 'draft-2020-12' }),
  };
}
