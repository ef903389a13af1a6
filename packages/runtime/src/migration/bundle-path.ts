/**
 * Checks a path taken from a tar entry: relative, `/`-separated, no empty, `.` or `..`
 * segment, no backslash, drive letter or control character. Returns why it is unsafe, or
 * `undefined` when it is safe.
 */
export function unsafeBundlePath(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (path.length > 4096) return 'is longer than 4096 characters';
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return 'contains a backslash or a control character';
  if (path.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'starts with a drive letter';
  for (const segment of path.split('/')) {
    if (segment === '..') return 'climbs out with ".."';
    if (segment === '.' || segment === '') return 'has an empty or "." segment';
  }
  return undefined;
}
