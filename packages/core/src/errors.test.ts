import { describe, expect, it } from 'vitest';
import { createDiagnostic } from './diagnostic';
import {
  InvalidArgumentError,
  LockTimeoutError,
  UnsupportedVersionError,
  ValidationError,
} from './errors';
import { KarnelError } from './karnel-error';

describe('errors', () => {
  it('are recognised by isInstance through the global symbol, even across copies', () => {
    const error = new InvalidArgumentError({ argument: 'prefix', value: 'x', message: 'bad' });
    expect(KarnelError.isInstance(error)).toBe(true);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(ValidationError.isInstance(error)).toBe(false);
    // A structurally identical object from "another copy" of the package: only symbols matter.
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('karnel.error')]: true,
      [Symbol.for('karnel.error.LockTimeoutError')]: true,
    });
    expect(KarnelError.isInstance(foreign)).toBe(true);
    expect(LockTimeoutError.isInstance(foreign)).toBe(true);
    expect(KarnelError.isInstance(new Error('plain'))).toBe(false);
    expect(KarnelError.isInstance(null)).toBe(false);
  });

  it('carry structured fields and readable messages', () => {
    const diagnostics = [
      createDiagnostic({ file: 'a.yaml', line: 3, column: 5, code: 'x/y', message: 'broken' }),
    ];
    const validation = new ValidationError({ diagnostics });
    expect(validation.message).toBe('1 error(s); first: a.yaml:3:5: broken');
    expect(validation.diagnostics).toBe(diagnostics);
    const version = new UnsupportedVersionError({
      version: '9.0',
      supported: ['0.2'],
      what: 'spec',
    });
    expect(version.message).toContain('"9.0"');
    expect(version.name).toBe('UnsupportedVersionError');
    const lock = new LockTimeoutError({ lockPath: '/x.lock', waitedMs: 10, holder: 'pid 1 on h' });
    expect(lock.message).toContain('held by pid 1 on h');
  });
});
