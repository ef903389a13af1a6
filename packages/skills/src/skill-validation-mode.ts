/**
 * How strictly a skill is checked.
 *
 * - `default`: what Hermes Agent loads. The Agent Skills specification plus the fields Hermes
 *   writes (`version`, `author`, `platforms`, `environments`, `prerequisites`, `setup`,
 *   `required_environment_variables`, `required_credential_files`, `metadata.hermes.*`), which
 *   are typed and kept, and Hermes' name characters (`.` and `_` too). Other unknown fields are
 *   warnings.
 * - `strict`: the specification only. Any other top-level field is an error (the reference
 *   validator refuses them too), names follow the specification's rule, and non-text
 *   `metadata` values are warnings.
 */
export type SkillValidationMode = 'default' | 'strict';
