import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { KarnelError } from './karnel-error';
import { isWithin } from './safe-path';

const outsideRootMarker = Symbol.for('karnel.error.OutsideRootError');

/**
 * A file was refused because its real location is outside the folder it was read for: a
 * symbolic link (of the file itself or of a folder on the way) that leads out of a group, or a
 * path whose `..` segments climb out of it. Thrown by {@link openInside}; readers that return
 * diagnostics turn it into `file/outside-root`.
 */
export class OutsideRootError extends KarnelError {
  private readonly [outsideRootMarker] = true;
  /** The folder the file had to be inside (absolute, as given). */
  readonly root: string;
  /** The path as asked, relative to `root` (`/`-separated). */
  readonly path: string;
  /** Where the path really leads (absolute; for a dangling link, where it would lead). */
  readonly target: string;

  constructor({
    root,
    path,
    target,
    cause,
  }: { root: string; path: string; target: string; cause?: unknown }) {
    super({
      name: 'OutsideRootError',
      message: `"${path}" leads outside ${root} (to ${target}); refusing to read through it`,
      ...(cause === undefined ? {} : { cause }),
    });
    this.root = root;
    this.path = path;
    this.target = target;
  }

  /** Whether `error` is an {@link OutsideRootError} from any copy of this package. */
  static override isInstance(error: unknown): error is OutsideRootError {
    return KarnelError.hasMarker(error, 'karnel.error.OutsideRootError');
  }
}

/** Options of {@link openInside} and {@link openInsideSync}. */
export interface OpenInsideOptions {
  /**
   * The `open(2)` flags, as numbers from `fs.constants` (`O_RDONLY`, `O_RDWR | O_APPEND |
   * O_CREAT` …). `O_NOFOLLOW` and `O_NONBLOCK` are always added. Default `O_RDONLY`.
   */
  readonly flags?: number;
  /** The mode of a file the flags create. Default `0o666` (less the umask). */
  readonly mode?: number;
}

// Where the platform has no O_NOFOLLOW (Windows) the check of the opened file below still
// refuses a last component that is a link: lstat sees the link, not the file it leads to.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
// Opening a FIFO for reading would wait for a writer; non-blocking it returns at once (and the
// caller's fstat tells it is not a regular file). Harmless on regular files.
const NONBLOCK = constants.O_NONBLOCK ?? 0;

function shownPath(absoluteRoot: string, absolute: string): string {
  return relative(absoluteRoot, absolute).split(sep).join('/') || '.';
}

/** Whether `open` refused because the last component is a symbolic link (`O_NOFOLLOW`). */
function isLinkRefusal(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  // Linux and macOS say ELOOP; FreeBSD says EMLINK.
  return code === 'ELOOP' || code === 'EMLINK';
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/**
 * Whether a relative `path` was built from `root` as given (`join(root, 'memory', …)` with a
 * relative root, the usual way callers build one): it is then taken as it is, relative to the
 * working directory, not a second time below `root`.
 */
function startsWithRoot(root: string, path: string): boolean {
  const base = normalize(root);
  if (base === '.' || isAbsolute(base)) return false;
  const candidate = normalize(path);
  return candidate === base || candidate.startsWith(base.endsWith(sep) ? base : `${base}${sep}`);
}

/** What the steps below need, computed once per call. */
interface Target {
  readonly root: string;
  readonly absoluteRoot: string;
  readonly absolute: string;
  readonly shown: string;
  readonly flags: number;
  readonly mode: number;
}

function targetOf(root: string, path: string, options: OpenInsideOptions): Target {
  const absoluteRoot = resolve(root);
  const absolute =
    isAbsolute(path) || startsWithRoot(root, path) ? resolve(path) : resolve(absoluteRoot, path);
  const shown = shownPath(absoluteRoot, absolute);
  if (!isWithin(absoluteRoot, absolute))
    throw new OutsideRootError({ root, path: shown, target: absolute });
  return {
    root,
    absoluteRoot,
    absolute,
    shown,
    flags: (options.flags ?? constants.O_RDONLY) | NOFOLLOW | NONBLOCK,
    mode: options.mode ?? 0o666,
  };
}

function outside(target: Target, location: string, cause?: unknown): OutsideRootError {
  return new OutsideRootError({
    root: target.root,
    path: target.shown,
    target: location,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The identity the opened file and the entry found at its real location must share. */
interface Identity {
  readonly dev: number | bigint;
  readonly ino: number | bigint;
}

function sameFile(a: Identity, b: Identity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** `realpath(3)` itself: one call, where the JavaScript `realpathSync` walks each component. */
const realpathNative = (path: string): string => realpathSync.native(path);

/**
 * The last component of `target` is a link (the `O_NOFOLLOW` open refused it): where it leads,
 * if that is inside `realRoot`; otherwise an {@link OutsideRootError}. A dangling link is
 * `ENOENT` when it would lead inside, and refused when it would lead outside.
 */
function followLink(target: Target, realRoot: string): string {
  let resolved: string;
  try {
    resolved = realpathNative(target.absolute);
  } catch (error) {
    if (!isMissing(error)) throw error;
    const dangling = resolve(dirname(target.absolute), readlinkSync(target.absolute));
    if (!isWithin(realRoot, dangling)) throw outside(target, dangling);
    throw error;
  }
  if (!isWithin(realRoot, resolved)) throw outside(target, resolved);
  return resolved;
}

/**
 * Checks the opened file: the real location of its folder is inside `realRoot`, and the entry
 * found there is the very file that was opened (same device and inode), so a link swapped in on
 * the way between the open and this check is caught.
 */
function checkOpened(target: Target, realRoot: string, opened: string, info: Identity): void {
  const located = join(realpathNative(dirname(opened)), basename(opened));
  if (!isWithin(realRoot, located)) throw outside(target, located);
  let entry: Identity | undefined;
  try {
    entry = lstatSync(located);
  } catch {
    entry = undefined;
  }
  if (!entry || !sameFile(entry, info)) throw outside(target, `${located} (replaced while open)`);
}

/**
 * Opens `path` (relative to `root`, or absolute, or built from a relative `root` with
 * `join(root, …)`, which is taken as it is) only if what is opened really is inside
 * `root`, and returns the open handle. A symbolic link — the file's own or a folder's on the
 * way — is followed only while it leads to a place inside `root`; otherwise this throws an
 * {@link OutsideRootError} naming the root-relative path and where it leads. Errors of the
 * file system (`ENOENT`, `EACCES` …) are thrown as they are.
 *
 * The check is made on the opened file, not before opening it, so a link swapped in between
 * cannot slip through: the last component is opened with `O_NOFOLLOW`, then the real location
 * of its folder (`realpath`) must be inside the real `root`, and the entry found there
 * (`lstat`) must be the very file that was opened (same device and inode). Whatever the
 * path pointed at a moment before, the bytes read through the handle are those of a file
 * inside `root`. (A hard link inside `root` to a file elsewhere is a file inside `root`: links
 * that are not symbolic cannot be told apart, and cannot be made across file systems.)
 *
 * @example
 * ```ts
 * const handle = await openInside('./newsletter-co', 'memory/strategic.yaml');
 * try {
 *   console.log(await handle.readFile('utf8'));
 * } finally {
 *   await handle.close();
 * }
 * ```
 */
export async function openInside(
  root: string,
  path: string,
  options: OpenInsideOptions = {},
): Promise<FileHandle> {
  const target = targetOf(root, path, options);
  // The checks are synchronous calls of a few microseconds each: a round trip through the
  // thread pool per check cost more than the read itself. Only the open goes through it.
  const realRoot = realpathNative(target.absoluteRoot);
  let opened = target.absolute;
  let handle: FileHandle;
  try {
    handle = await open(opened, target.flags, target.mode);
  } catch (error) {
    if (!isLinkRefusal(error)) throw error;
    opened = followLink(target, realRoot);
    handle = await open(opened, target.flags, target.mode);
  }
  try {
    checkOpened(target, realRoot, opened, fstatSync(handle.fd));
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The synchronous {@link openInside}, for readers that stay off the thread pool: returns a
 * file descriptor the caller closes (`closeSync`).
 */
export function openInsideSync(
  root: string,
  path: string,
  options: OpenInsideOptions = {},
): number {
  const target = targetOf(root, path, options);
  const realRoot = realpathNative(target.absoluteRoot);
  let opened = target.absolute;
  let fd: number;
  try {
    fd = openSync(opened, target.flags, target.mode);
  } catch (error) {
    if (!isLinkRefusal(error)) throw error;
    opened = followLink(target, realRoot);
    fd = openSync(opened, target.flags, target.mode);
  }
  try {
    checkOpened(target, realRoot, opened, fstatSync(fd));
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Reads a whole file through {@link openInside}: its bytes, or an {@link OutsideRootError}
 * when its real location is outside `root`.
 */
export async function readFileInside(root: string, path: string): Promise<Buffer> {
  const handle = await openInside(root, path);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
