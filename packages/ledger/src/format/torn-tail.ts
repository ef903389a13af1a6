const PREFIX = '{"entry":';

/**
 * Whether `bytes` (the end of a chain file after its last newline) could be what a crash left
 * of an append: a proper prefix of a well-formed line. Appends write one line in one call, so a
 * crash can only leave a prefix of it; anything else at the tail (bytes after a closed object,
 * characters canonical JSON never contains) is damage, and is reported as tampering instead of
 * being dropped.
 */
export function isPlausibleTornTail(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const head = text.slice(0, PREFIX.length);
  if (!PREFIX.startsWith(head)) return false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      else if (char < ' ') return false;
      continue;
    }
    if (depth === 0 && index > 0) return false; // bytes after the line's closing brace
    switch (char) {
      case '"':
        inString = true;
        break;
      case '{':
      case '[':
        depth++;
        break;
      case '}':
      case ']':
        depth--;
        if (depth < 0) return false;
        break;
      default:
        if (!/[,:0-9a-zA-Z.+-]/.test(char)) return false;
    }
  }
  return true;
}
