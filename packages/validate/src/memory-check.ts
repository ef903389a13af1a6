import { join, relative } from 'node:path';
import type { DirectoryCheck } from './directory-check';

/**
 * Checks the memory of an agent or group (its `memory` component) against Annex A: every line
 * of `episodic.jsonl` and `semantic/items.jsonl`, `strategic.yaml` and its revision history,
 * each problem at its file, line and column. A memory folder that does not exist yet is valid.
 *
 * `@karnel/memory` is imported on first use: it carries the storage backends, which commands
 * that never look at memory should not pay to load.
 */
export const memoryCheck: DirectoryCheck = async (target) => {
  const memoryDir = target.components.memory;
  if (memoryDir === undefined) return [];
  const { validateMemoryDir } = await import('@karnel/memory');
  return validateMemoryDir(memoryDir, {
    displayPath: join(target.display, relative(target.dir, memoryDir)),
  });
};
