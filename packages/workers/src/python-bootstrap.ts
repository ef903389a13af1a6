/**
 * The Python function that installs a seccomp program (given as hex) on the running interpreter
 * through `ctypes`: `prctl(PR_SET_NO_NEW_PRIVS)`, then `prctl(PR_SET_SECCOMP,
 * SECCOMP_MODE_FILTER, &sock_fprog)`. It returns `None`, or why the program could not be
 * installed. Once installed, a filter binds the process and everything it could start for good.
 */
export const PYTHON_SECCOMP_SOURCE = String.raw`
def _karnel_seccomp(program_hex):
    # prctl(PR_SET_NO_NEW_PRIVS) lets an unprivileged process install a filter; then
    # prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sock_fprog). ctypes is unloaded afterwards so
    # that the skill meets the audit hook's refusal if it tries to load it again.
    import ctypes
    program = bytes.fromhex(program_hex)

    class SockFprog(ctypes.Structure):
        _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(38, 1, None, 0, 0) != 0:
        return 'PR_SET_NO_NEW_PRIVS failed: ' + os.strerror(ctypes.get_errno())
    if libc.prctl(22, 2, ctypes.addressof(fprog), 0, 0) != 0:
        return 'PR_SET_SECCOMP failed: ' + os.strerror(ctypes.get_errno())
    del libc, fprog, buffer
    for name in [name for name in sys.modules if name == 'ctypes' or name.startswith('ctypes.') or name == '_ctypes']:
        del sys.modules[name]
    return None

`;

/**
 * The Python function that confines the running interpreter's filesystem access with Landlock
 * (Linux 5.13 and later), through `ctypes`: files and folders under `read` may be read and
 * executed, under `write` also changed, nothing else at all — enforced by the kernel on the
 * resolved path, so `dir_fd`-relative opens, SQLite `ATTACH` and any native code are bound too.
 * Returns `None` once confined, or why it could not be (an older kernel, Landlock disabled).
 * File metadata (`stat`) and sockets are not covered.
 */
export const PYTHON_LANDLOCK_SOURCE = String.raw`
def _karnel_landlock(read_paths, write_paths):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return 'Landlock is not available: ' + os.strerror(ctypes.get_errno())
    file_rights = 1 | 2 | 4  # EXECUTE, WRITE_FILE, READ_FILE
    handled = (1 << 13) - 1  # every right of ABI 1
    if abi >= 2:
        handled |= 1 << 13  # REFER
    if abi >= 3:
        handled |= 1 << 14  # TRUNCATE
        file_rights |= 1 << 14
    read_rights = 1 | 4 | 8  # EXECUTE, READ_FILE, READ_DIR

    class RulesetAttr(ctypes.Structure):
        _fields_ = [('handled_access_fs', ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [('allowed_access', ctypes.c_uint64), ('parent_fd', ctypes.c_int32)]

    attr = RulesetAttr(handled)
    ruleset = libc.syscall(444, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        return 'landlock_create_ruleset failed: ' + os.strerror(ctypes.get_errno())
    try:
        for paths, rights in ((read_paths, read_rights), (write_paths, handled)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = rights if os.path.isdir(path) else rights & file_rights
                    rule = PathBeneath(allowed, fd)
                    if libc.syscall(445, ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                        return 'landlock_add_rule failed for ' + path + ': ' + os.strerror(ctypes.get_errno())
                finally:
                    os.close(fd)
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        if libc.prctl(38, 1, None, 0, 0) != 0:
            return 'PR_SET_NO_NEW_PRIVS failed: ' + os.strerror(ctypes.get_errno())
        if libc.syscall(446, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return 'landlock_restrict_self failed: ' + os.strerror(ctypes.get_errno())
    finally:
        os.close(ruleset)
    return None
`;

/**
 * The script `python3 -I -S` runs first. It reads its configuration from its first argument,
 * lowers its own resource limits, installs the seccomp program of `seccomp-filter.ts` that
 * denies new processes and `execve` (kernel-enforced, in every isolation mode: once installed a
 * filter cannot be removed, and native code is bound by it as much as Python code), installs an
 * audit hook (PEP 578) and then runs the skill's entry as `__main__`. When the filter cannot be
 * installed the script exits with status 126 before any code of the skill runs. With
 * `landlock` (isolation `process`, where no mount namespace confines the files) it first
 * confines its own filesystem access with Landlock where the kernel offers it.
 *
 * The hook refuses: opening files outside the read scope (or for writing outside the write
 * scope), listing folders outside the read scope, creating links, changing files outside the
 * write scope, sockets when the network is off, starting processes (`subprocess`, `os.system`,
 * `os.exec*`, `os.posix_spawn`, `os.fork`, `_posixsubprocess.fork_exec`), signalling other
 * processes, loading `ctypes`, and
 * the garbage collector's object lists, through which the hook's state could be reached.
 *
 * Audit hooks are defence in depth, not a security boundary: CPython's own documentation says so,
 * and native extension code does not raise audit events. With bubblewrap, the namespaces are the
 * boundary and the hook is a second wall; without it, the hook is what enforces the scope.
 */
export const PYTHON_BOOTSTRAP_SOURCE = `
import json, os, resource, sys

${PYTHON_SECCOMP_SOURCE}
${PYTHON_LANDLOCK_SOURCE}
def _karnel_install(config):
    if config.get('landlock'):
        # Best effort: where the kernel has no Landlock, the run is still marked unprotected.
        installation = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.__file__)]
        _karnel_landlock(config['read'] + installation + config['system'] + ['/dev/null', '/dev/urandom'], config['write'] + ['/dev/null'])
    if config.get('seccomp'):
        problem = _karnel_seccomp(config['seccomp'])
        if problem is not None:
            sys.stderr.write('karnel sandbox: the no-process filter could not be installed (' + problem + '); refusing to run\\n')
            sys.stderr.flush()
            os._exit(126)
    memory = config['memoryBytes']
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    real = os.path.realpath
    sep = os.sep
    # The interpreter's own files (the standard library) are readable, so imports work.
    installation = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.__file__)]
    read_roots = tuple(real(p) for p in config['read'] + config['write'] + installation)
    write_roots = tuple(real(p) for p in config['write'])
    network = bool(config['network'])
    own_pid = os.getpid()
    denied_always = frozenset((
        'subprocess.Popen', 'os.system', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.fork',
        'os.forkpty', 'pty.spawn', 'os.startfile', 'ctypes.dlopen', 'ctypes.dlsym',
        'ctypes.cdata', 'ctypes.call_function', 'ctypes.addressof', 'gc.get_objects',
        'gc.get_referrers', 'gc.get_referents', 'os.link', 'os.symlink',
    ))
    socket_events = frozenset((
        'socket.__new__', 'socket.connect', 'socket.bind', 'socket.sendto', 'socket.sendmsg',
        'socket.getaddrinfo', 'socket.gethostbyname', 'socket.gethostbyaddr',
        'socket.gethostbyname_ex', 'socket.getnameinfo',
    ))
    write_events = frozenset((
        'os.remove', 'os.rmdir', 'os.mkdir', 'os.truncate', 'os.chmod', 'os.chown',
        'os.utime', 'os.chflags', 'os.lchflags', 'os.lchmod', 'os.setxattr', 'os.removexattr',
        'shutil.rmtree', 'shutil.chown',
    ))
    read_events = frozenset(('os.listdir', 'os.scandir', 'os.chdir', 'glob.glob', 'os.listxattr', 'os.getxattr'))
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    # _posixsubprocess.fork_exec starts processes in C and raises no audit event of its own.
    # Load it now, replace the function everywhere it is reachable, and refuse any later
    # import of the module (a fresh load of the extension raises an 'import' event).
    import subprocess, _posixsubprocess

    def fork_exec_denied(*args, **kwargs):
        raise PermissionError('karnel sandbox: starting a process is denied')

    _posixsubprocess.fork_exec = fork_exec_denied
    subprocess._fork_exec = fork_exec_denied

    # pidfd_send_signal signals another process without the 'os.kill' audit event.
    import signal, _signal

    def signal_denied(*args, **kwargs):
        raise PermissionError('karnel sandbox: signalling another process is denied')

    for module in (signal, _signal):
        if hasattr(module, 'pidfd_send_signal'):
            module.pidfd_send_signal = signal_denied

    def inside(path, roots):
        if isinstance(path, int):
            return True
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            path = os.fspath(path)
        resolved = real(path)
        for root in roots:
            if resolved == root or resolved.startswith(root + sep) or root == sep:
                return True
        return False

    def refuse(what):
        raise PermissionError('karnel sandbox: ' + what + ' is denied')

    def hook(event, args):
        if event == 'open':
            path, mode, flags = args
            if path is None:
                return
            writing = (isinstance(mode, str) and any(c in mode for c in 'wax+')) or (isinstance(flags, int) and flags & write_flags)
            if writing:
                if not inside(path, write_roots):
                    refuse('writing ' + repr(path))
            elif not inside(path, read_roots):
                refuse('reading ' + repr(path))
        elif event in denied_always:
            refuse(event)
        elif event in socket_events:
            if not network:
                refuse('network access (' + event + ')')
        elif event == 'import':
            name = args[0] or ''
            if name.split('.')[0] in ('ctypes', '_ctypes', 'cffi', '_cffi_backend', '_posixsubprocess'):
                refuse('importing ' + name)
        elif event in write_events:
            if args and not inside(args[0], write_roots):
                refuse(event + ' on ' + repr(args[0]))
        elif event in ('os.rename', 'shutil.move'):
            for path in args[:2]:
                if not inside(path, write_roots):
                    refuse(event + ' on ' + repr(path))
        elif event in ('shutil.copyfile', 'shutil.copytree'):
            if not inside(args[0], read_roots):
                refuse(event + ' from ' + repr(args[0]))
            if not inside(args[1], write_roots):
                refuse(event + ' to ' + repr(args[1]))
        elif event == 'sqlite3.connect':
            database = args[0]
            if isinstance(database, bytes):
                database = os.fsdecode(database)
            if not isinstance(database, str):
                database = os.fspath(database)
            if database not in (':memory:', ''):
                if database.startswith('file:') or not inside(database, write_roots):
                    refuse('opening the database ' + repr(database))
        elif event in read_events:
            if args and args[0] is not None and not inside(args[0], read_roots):
                refuse(event + ' on ' + repr(args[0]))
        elif event in ('os.kill', 'os.killpg', 'signal.pthread_kill'):
            if args and args[0] not in (own_pid, 0):
                refuse('signalling process ' + str(args[0]))

    sys.addaudithook(hook)

def _karnel_main():
    config = json.loads(sys.argv[1])
    entry = config['entry']
    _karnel_install(config)
    sys.argv = [entry] + sys.argv[2:]
    sys.path.insert(0, os.path.dirname(entry))
    import runpy
    try:
        runpy.run_path(entry, run_name='__main__')
    except MemoryError:
        sys.stderr.write('karnel sandbox: MemoryError: the skill went over its memory limit\\n')
        sys.stderr.flush()
        os._exit(137)

_karnel_main()
`;
