/** Scales `vector` to unit length (a zero vector stays zero). */
export function normalizeVector(vector: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let index = 0; index < vector.length; index++) sum += vector[index]! * vector[index]!;
  const norm = Math.sqrt(sum);
  const result = new Float32Array(vector.length);
  if (norm === 0) return result;
  for (let index = 0; index < vector.length; index++) result[index] = vector[index]! / norm;
  return result;
}

/** The dot product of two vectors of the same length (their cosine when both are unit length). */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) sum += a[index]! * b[index]!;
  return sum;
}

/** Encodes a float32 vector as base64 (little-endian), four bytes per dimension. */
export function encodeVector(vector: Float32Array): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < vector.length; index++)
    view.setFloat32(index * 4, vector[index]!, true);
  return Buffer.from(bytes).toString('base64');
}

/** Decodes a vector written by {@link encodeVector}. */
export function decodeVector(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(Math.floor(bytes.byteLength / 4));
  for (let index = 0; index < vector.length; index++)
    vector[index] = view.getFloat32(index * 4, true);
  return vector;
}
