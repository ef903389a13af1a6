// A stand-in for quill's own test suite, which the project's CI copies into this folder: the
// rule "headings increase by one level at a time" (quill's MD001), checked on two documents.
import assert from 'node:assert/strict';
import { test } from 'node:test';

function headingJumps(markdown) {
  const jumps = [];
  let previous = 0;
  for (const [index, line] of markdown.split('\n').entries()) {
    const level = /^(#{1,6})\s/.exec(line)?.[1].length;
    if (!level) continue;
    if (previous && level > previous + 1) jumps.push(index + 1);
    previous = level;
  }
  return jumps;
}

test('accepts headings that go down one level at a time', () => {
  assert.deepEqual(headingJumps('# Title\n\n## Part\n\n### Detail\n\n## Next'), []);
});

test('reports a heading that skips a level, by line', () => {
  assert.deepEqual(headingJumps('# Title\n\n### Too deep'), [3]);
});
