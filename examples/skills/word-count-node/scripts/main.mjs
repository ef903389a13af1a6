// Counts lines, words and characters of standard input and prints them as JSON.
let text = '';
for await (const chunk of process.stdin) text += chunk;
const words = text.split(/\s+/).filter(Boolean).length;
const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
console.log(JSON.stringify({ lines, words, characters: [...text].length }));
