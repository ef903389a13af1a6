import { describe, expect, it } from 'vitest';
import { CURRENT_SPEC_VERSION, checkSpecVersion, SUPPORTED_SPEC_VERSIONS } from './spec-version';

describe('checkSpecVersion', () => {
  it('accepts the current version, written as YAML string or (unquoted) number', () => {
    expect(checkSpecVersion(CURRENT_SPEC_VERSION)).toMatchObject({
      status: 'current',
      readable: true,
    });
    expect(checkSpecVersion(0.2)).toMatchObject({ status: 'current', declared: '0.2' });
    expect(checkSpecVersion('0.2.0')).toMatchObject({ status: 'current' });
  });

  it('upgrades every older supported version', () => {
    for (const version of SUPPORTED_SPEC_VERSIONS.filter(
      (version) => version !== CURRENT_SPEC_VERSION,
    )) {
      expect(checkSpecVersion(version)).toMatchObject({ status: 'upgradable', readable: true });
    }
  });

  it('reads a newer minor with a warning and refuses an unknown major', () => {
    expect(checkSpecVersion('0.3')).toMatchObject({ status: 'newer-minor', readable: true });
    expect(checkSpecVersion('0.3').message).toContain('newer than 0.2');
    expect(checkSpecVersion('1.0')).toMatchObject({ status: 'unknown-major', readable: false });
    expect(checkSpecVersion('2.4')).toMatchObject({ status: 'unknown-major', readable: false });
  });

  it('refuses versions that are not MAJOR.MINOR', () => {
    for (const value of [undefined, null, '', 'v0.2', '0', 'latest', {}, ['0.2'], true]) {
      expect(checkSpecVersion(value)).toMatchObject({ status: 'invalid', readable: false });
    }
  });
});
