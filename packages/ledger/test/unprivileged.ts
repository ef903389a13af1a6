import { type SpawnSyncReturns, spawnSync } from 'node:child_process';

/**
 * Runs Node with `args` in a process that honours file permissions. Root ignores permission
 * bits (CAP_DAC_OVERRIDE), so under root the process runs through util-linux `setpriv` with
 * every capability dropped; otherwise it runs as this user.
 */
export function spawnWithoutPrivileges(args: string[], cwd: string): SpawnSyncReturns<string> {
  if (process.getuid?.() !== 0) {
    return spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  }
  return spawnSync(
    'setpriv',
    ['--bounding-set=-all', '--inh-caps=-all', '--', process.execPath, ...args],
    { cwd, encoding: 'utf8' },
  );
}
