import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainInvalidSkillName, isSkillName, MAX_SKILL_NAME_LENGTH } from './skill-name';

describe('skill names', () => {
  it('accepts the examples of the specification', () => {
    for (const name of ['pdf-processing', 'data-analysis', 'code-review', 'a', 'x1-2y'])
      expect(isSkillName(name)).toBe(true);
  });

  it('names the broken rule of the specification (strict mode)', () => {
    const strict = (name: string) => explainInvalidSkillName(name, 'strict')?.code;
    expect(strict('PDF-Processing')).toBe('skill/name-uppercase');
    expect(strict('-pdf')).toBe('skill/name-edge-hyphen');
    expect(strict('pdf-')).toBe('skill/name-edge-hyphen');
    expect(strict('pdf--processing')).toBe('skill/name-consecutive-hyphens');
    expect(strict('pdf_processing')).toBe('skill/name-invalid');
    expect(explainInvalidSkillName('pdf_processing', 'strict')?.message).toContain('Hermes');
    expect(strict('')).toBe('skill/name-empty');
  });

  it("accepts Hermes Agent's names in default mode and names the broken rule", () => {
    for (const name of ['llama.cpp', 'google_workspace', 'pdf--tools', 'pdf-', 'v1.2_beta'])
      expect(isSkillName(name)).toBe(true);
    expect(isSkillName('llama.cpp', 'strict')).toBe(false);
    expect(explainInvalidSkillName('Llama.cpp')?.code).toBe('skill/name-uppercase');
    expect(explainInvalidSkillName('-pdf')?.code).toBe('skill/name-invalid-start');
    expect(explainInvalidSkillName('.hidden')?.code).toBe('skill/name-invalid-start');
    expect(explainInvalidSkillName('..')?.code).toBe('skill/name-invalid-start');
    expect(explainInvalidSkillName('pdf tools')?.code).toBe('skill/name-invalid');
    expect(explainInvalidSkillName('pdf/tools')?.code).toBe('skill/name-invalid');
    expect(explainInvalidSkillName('')?.code).toBe('skill/name-empty');
    expect(explainInvalidSkillName('a'.repeat(MAX_SKILL_NAME_LENGTH + 1))?.code).toBe(
      'skill/name-too-long',
    );
    expect(explainInvalidSkillName('a'.repeat(MAX_SKILL_NAME_LENGTH))).toBeUndefined();
  });

  it('accepts exactly hyphen-joined groups of lowercase letters and digits up to 64 characters', () => {
    const group = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 8 }), (groups) => {
        const name = groups.join('-');
        expect(isSkillName(name, 'strict')).toBe(name.length <= MAX_SKILL_NAME_LENGTH);
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 70 }), (name) => {
        const valid = /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) && name.length <= 64;
        expect(isSkillName(name, 'strict')).toBe(valid);
        const hermes = /^[a-z0-9][a-z0-9._-]*$/.test(name) && name.length <= 64;
        expect(isSkillName(name)).toBe(hermes);
      }),
    );
  });
});
