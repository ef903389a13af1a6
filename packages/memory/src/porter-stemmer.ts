/**
 * The Porter stemming algorithm (M. F. Porter, 1980), the same one SQLite's `porter` tokenizer
 * applies, so that the files backend matches word forms the way the SQLite backend does
 * ("connected", "connecting" and "connection" all become "connect").
 *
 * Expects a lowercase ASCII word; other words are returned unchanged.
 */
export function porterStem(word: string): string {
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  w = step1a(w);
  w = step1b(w);
  w = step1c(w);
  w = step2(w);
  w = step3(w);
  w = step4(w);
  w = step5(w);
  return w;
}

function isConsonant(word: string, index: number): boolean {
  const c = word[index];
  if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false;
  if (c === 'y') return index === 0 ? true : !isConsonant(word, index - 1);
  return true;
}

/** The number of vowel-consonant sequences (Porter's m) in `stem`. */
function measure(stem: string): number {
  let count = 0;
  let index = 0;
  const length = stem.length;
  while (index < length && isConsonant(stem, index)) index++;
  while (index < length) {
    while (index < length && !isConsonant(stem, index)) index++;
    if (index >= length) break;
    while (index < length && isConsonant(stem, index)) index++;
    count++;
  }
  return count;
}

function hasVowel(stem: string): boolean {
  for (let index = 0; index < stem.length; index++) if (!isConsonant(stem, index)) return true;
  return false;
}

function endsWithDoubleConsonant(stem: string): boolean {
  const length = stem.length;
  return length >= 2 && stem[length - 1] === stem[length - 2] && isConsonant(stem, length - 1);
}

/** Consonant-vowel-consonant at the end, the last not w, x or y (Porter's *o). */
function endsCvc(stem: string): boolean {
  const length = stem.length;
  if (length < 3) return false;
  if (
    !isConsonant(stem, length - 1) ||
    isConsonant(stem, length - 2) ||
    !isConsonant(stem, length - 3)
  )
    return false;
  const last = stem[length - 1];
  return last !== 'w' && last !== 'x' && last !== 'y';
}

function step1a(w: string): string {
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ies')) return w.slice(0, -2);
  if (w.endsWith('ss')) return w;
  if (w.endsWith('s')) return w.slice(0, -1);
  return w;
}

function step1b(w: string): string {
  if (w.endsWith('eed')) {
    return measure(w.slice(0, -3)) > 0 ? w.slice(0, -1) : w;
  }
  let stem: string | undefined;
  if (w.endsWith('ed') && hasVowel(w.slice(0, -2))) stem = w.slice(0, -2);
  else if (w.endsWith('ing') && hasVowel(w.slice(0, -3))) stem = w.slice(0, -3);
  if (stem === undefined) return w;
  if (stem.endsWith('at') || stem.endsWith('bl') || stem.endsWith('iz')) return `${stem}e`;
  if (endsWithDoubleConsonant(stem)) {
    const last = stem[stem.length - 1];
    if (last !== 'l' && last !== 's' && last !== 'z') return stem.slice(0, -1);
    return stem;
  }
  if (measure(stem) === 1 && endsCvc(stem)) return `${stem}e`;
  return stem;
}

function step1c(w: string): string {
  if (w.endsWith('y') && hasVowel(w.slice(0, -1))) return `${w.slice(0, -1)}i`;
  return w;
}

const step2Suffixes: readonly [string, string][] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['izer', 'ize'],
  ['abli', 'able'],
  ['alli', 'al'],
  ['entli', 'ent'],
  ['eli', 'e'],
  ['ousli', 'ous'],
  ['ization', 'ize'],
  ['ation', 'ate'],
  ['ator', 'ate'],
  ['alism', 'al'],
  ['iveness', 'ive'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['aliti', 'al'],
  ['iviti', 'ive'],
  ['biliti', 'ble'],
];

const step3Suffixes: readonly [string, string][] = [
  ['icate', 'ic'],
  ['ative', ''],
  ['alize', 'al'],
  ['iciti', 'ic'],
  ['ical', 'ic'],
  ['ful', ''],
  ['ness', ''],
];

function replaceSuffix(
  w: string,
  table: readonly [string, string][],
  minimumMeasure: number,
): string {
  for (const [suffix, replacement] of table) {
    if (w.endsWith(suffix)) {
      const stem = w.slice(0, -suffix.length);
      return measure(stem) > minimumMeasure ? stem + replacement : w;
    }
  }
  return w;
}

function step2(w: string): string {
  return replaceSuffix(w, step2Suffixes, 0);
}

function step3(w: string): string {
  return replaceSuffix(w, step3Suffixes, 0);
}

const step4Suffixes = [
  'al',
  'ance',
  'ence',
  'er',
  'ic',
  'able',
  'ible',
  'ant',
  'ement',
  'ment',
  'ent',
  'ion',
  'ou',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
];

function step4(w: string): string {
  // Longest suffix first, as the algorithm's table is ordered by its penultimate letter.
  let match: string | undefined;
  for (const suffix of step4Suffixes) {
    if (w.endsWith(suffix) && (match === undefined || suffix.length > match.length)) match = suffix;
  }
  if (match === undefined) return w;
  const stem = w.slice(0, -match.length);
  if (measure(stem) <= 1) return w;
  if (match === 'ion') {
    const last = stem[stem.length - 1];
    return last === 's' || last === 't' ? stem : w;
  }
  return stem;
}

function step5(w: string): string {
  let result = w;
  if (result.endsWith('e')) {
    const stem = result.slice(0, -1);
    const m = measure(stem);
    if (m > 1 || (m === 1 && !endsCvc(stem))) result = stem;
  }
  if (measure(result) > 1 && endsWithDoubleConsonant(result) && result.endsWith('l'))
    result = result.slice(0, -1);
  return result;
}
