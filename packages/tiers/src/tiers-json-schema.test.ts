import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tiersJsonSchema } from './tiers-json-schema';

describe('tiersJsonSchema', () => {
  it('is what spec/schemas/tiers.schema.json holds', async () => {
    const path = join(import.meta.dirname, '../../../spec/schemas/tiers.schema.json');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(tiersJsonSchema());
  });

  it('requires prices as decimal text', () => {
    const text = JSON.stringify(tiersJsonSchema());
    expect(text).toContain('"pattern":"^\\\\d+(\\\\.\\\\d+)?$"');
  });
});
