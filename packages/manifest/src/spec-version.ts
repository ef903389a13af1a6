/**
 * The Karnel specification versions this package reads. The last one is the version it writes
 * and validates against; older ones are upgraded on read (see {@link upgradeManifest}).
 */
export const SUPPORTED_SPEC_VERSIONS = ['0.1', '0.2'] as const;

/** The specification version new manifests are written with and validated against. */
export const CURRENT_SPEC_VERSION = '0.2';

/** One of {@link SUPPORTED_SPEC_VERSIONS}. */
export type SupportedSpecVersion = (typeof SUPPORTED_SPEC_VERSIONS)[number];

/**
 * What {@link checkSpecVersion} concluded about a declared `karnel_spec_version`.
 *
 * - `current`: the version this package validates against.
 * - `upgradable`: an older supported version; the manifest is upgraded before validation.
 * - `newer-minor`: same major, newer minor than we know: validated as the current version, with
 *   a warning, because fields added later will look unknown.
 * - `unknown-major`: a major version this package cannot read: an error.
 * - `invalid`: not a `MAJOR.MINOR` version string at all: an error.
 */
export type SpecVersionStatus =
  | 'current'
  | 'upgradable'
  | 'newer-minor'
  | 'unknown-major'
  | 'invalid';

/** The result of {@link checkSpecVersion}. */
export interface SpecVersionCheck {
  /** The verdict. */
  readonly status: SpecVersionStatus;
  /** The version as declared, normalised to a string (`undefined` when absent). */
  readonly declared: string | undefined;
  /** Whether the manifest can still be validated (every status except the two errors). */
  readonly readable: boolean;
  /** A sentence for the diagnostic, present unless the version is current. */
  readonly message?: string;
}

const pattern = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

/**
 * Classifies a declared `karnel_spec_version`. Accepts what YAML may have produced: a string
 * (`"0.2"`) or, when the author forgot the quotes, a number (`0.2`).
 *
 * The rule follows semantic versioning as the spec uses it: a different major is unreadable; a
 * newer minor is readable with a warning; an older supported minor is upgraded.
 */
export function checkSpecVersion(version: unknown): SpecVersionCheck {
  const declared =
    typeof version === 'number'
      ? String(version)
      : typeof version === 'string'
        ? version
        : undefined;
  const match = declared === undefined ? null : pattern.exec(declared);
  if (!match) {
    return {
      status: 'invalid',
      declared,
      readable: false,
      message:
        declared === undefined
          ? `"karnel_spec_version" must be a version string such as "${CURRENT_SPEC_VERSION}"`
          : `"${declared}" is not a MAJOR.MINOR version such as "${CURRENT_SPEC_VERSION}"`,
    };
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const [currentMajor, currentMinor] = CURRENT_SPEC_VERSION.split('.').map(Number) as [
    number,
    number,
  ];
  const normalised = `${major}.${minor}`;
  if (major !== currentMajor) {
    return {
      status: 'unknown-major',
      declared,
      readable: false,
      message: `spec version "${declared}" has major version ${major}, which this validator cannot read (supported: ${SUPPORTED_SPEC_VERSIONS.join(', ')})`,
    };
  }
  if (minor > currentMinor) {
    return {
      status: 'newer-minor',
      declared,
      readable: true,
      message: `spec version "${declared}" is newer than ${CURRENT_SPEC_VERSION}, the newest this validator knows; validating as ${CURRENT_SPEC_VERSION}, so fields added since may be reported as unknown`,
    };
  }
  if (normalised === CURRENT_SPEC_VERSION) return { status: 'current', declared, readable: true };
  if ((SUPPORTED_SPEC_VERSIONS as readonly string[]).includes(normalised)) {
    return {
      status: 'upgradable',
      declared,
      readable: true,
      message: `spec version "${declared}" is upgraded to ${CURRENT_SPEC_VERSION} before validation`,
    };
  }
  return {
    status: 'unknown-major',
    declared,
    readable: false,
    message: `spec version "${declared}" is not supported (supported: ${SUPPORTED_SPEC_VERSIONS.join(', ')})`,
  };
}
