import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExample } from '../test/copy-example';
import { memoryCheck } from './memory-check';
import { validatePaths } from './validate-paths';

describe('memoryCheck', () => {
  it('accepts the memory of the example group and of each of its agents', async () => {
    const root = await copyExample('oss-maintainers');
    const result = await validatePaths(['oss-maintainers'], { cwd: root, checks: [memoryCheck] });
    expect(result.diagnostics).toEqual([]);
    expect(result.targets).toHaveLength(4);
  });

  it('reports a bad episodic line and a bad strategic.yaml value at their lines', async () => {
    const root = await copyExample('oss-maintainers');
    const memory = join(root, 'oss-maintainers', 'memory');
    const episodic = await readFile(join(memory, 'episodic.jsonl'), 'utf8');
    const badLine = episodic.split('\n').filter(Boolean).length + 1;
    await appendFile(
      join(memory, 'episodic.jsonl'),
      '{"id": "epi_01KQ4TJAG0MSZGRPC6DA095AWF", "at": \n',
    );
    const strategic = await readFile(join(memory, 'strategic.yaml'), 'utf8');
    await writeFile(
      join(memory, 'strategic.yaml'),
      strategic.replace('confidence: 0.55', 'confidence: 1.55'),
    );
    const confidenceLine =
      strategic.split('\n').findIndex((line) => line.includes('confidence: 0.55')) + 1;

    const result = await validatePaths(['oss-maintainers'], { cwd: root, checks: [memoryCheck] });
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    expect(errors.map((diagnostic) => `${diagnostic.file}:${diagnostic.line}`)).toEqual([
      `${join('oss-maintainers', 'memory', 'episodic.jsonl')}:${badLine}`,
      `${join('oss-maintainers', 'memory', 'strategic.yaml')}:${confidenceLine}`,
    ]);
    expect(result.valid).toBe(false);
  });
});
