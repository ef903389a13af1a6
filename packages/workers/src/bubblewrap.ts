import { lstatSync, readlinkSync } from 'node:fs';

/** What a bubblewrap sandbox exposes. Paths appear inside at the same absolute paths. */
export interface BubblewrapMounts {
  /** Folders and files mounted read-only: the interpreter, the skill, read scopes. */
  readonly readOnly: readonly string[];
  /** Folders and files mounted read-write: write scopes and the run's scratch folder. */
  readonly readWrite: readonly string[];
  /** Whether the sandbox shares the host's network namespace. */
  readonly network: boolean;
  /** The complete environment inside. */
  readonly env: Readonly<Record<string, string>>;
  /** The working folder inside. */
  readonly cwd: string;
  /**
   * The descriptor bubblewrap reads a seccomp program from (`--seccomp`), installed on the
   * sandboxed program right before bubblewrap executes it.
   */
  readonly seccompFd?: number;
}

const systemFolders = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const baseEtc = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/localtime'];

/**
 * The host paths every sandboxed interpreter may read (shared libraries, the loader's cache,
 * the time zone): what bubblewrap mounts, and what Landlock allows without bubblewrap.
 */
export const SYSTEM_READ_PATHS: readonly string[] = ['/usr', ...systemFolders, ...baseEtc];
const networkEtc = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/nsswitch.conf',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
];

function systemFolderArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const folder of systemFolders) {
    let isLink = false;
    try {
      isLink = lstatSync(folder).isSymbolicLink();
    } catch {
      continue;
    }
    // Merged-/usr systems link /bin, /lib… into /usr; recreate the links rather than mount.
    if (isLink) args.push('--symlink', readlinkSync(folder), folder);
    else args.push('--ro-bind', folder, folder);
  }
  return args;
}

/**
 * The bubblewrap arguments for a run: every namespace unshared (the network too unless
 * `network`), an unprivileged user with no capabilities, a private /proc, /dev and /tmp, and
 * only the listed paths of the host's filesystem, mounted parents first so that a read-only
 * scope inside a writable one stays read-only, and the seccomp program on `seccompFd` when
 * given. Followed by `--` and the command.
 */
export function bubblewrapArgs(mounts: BubblewrapMounts): string[] {
  const args = [
    '--unshare-all',
    '--unshare-user',
    ...(mounts.network ? ['--share-net'] : []),
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--hostname',
    'karnel-sandbox',
    '--die-with-parent',
    // The skill is PID 1 of its namespace, alone: no bubblewrap init beside it, which does not
    // carry the seccomp program and which the skill could otherwise drive through ptrace.
    '--as-pid-1',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--clearenv',
    ...systemFolderArgs(),
  ];
  for (const file of baseEtc) args.push('--ro-bind-try', file, file);
  if (mounts.network) for (const file of networkEtc) args.push('--ro-bind-try', file, file);
  args.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  const binds = [
    ...mounts.readOnly.map((path) => ({ path, writable: false })),
    ...mounts.readWrite.map((path) => ({ path, writable: true })),
  ].sort((left, right) => left.path.split('/').length - right.path.split('/').length);
  for (const bind of binds) args.push(bind.writable ? '--bind' : '--ro-bind', bind.path, bind.path);
  for (const [name, value] of Object.entries(mounts.env)) args.push('--setenv', name, value);
  if (mounts.seccompFd !== undefined) args.push('--seccomp', String(mounts.seccompFd));
  args.push('--chdir', mounts.cwd, '--');
  return args;
}
