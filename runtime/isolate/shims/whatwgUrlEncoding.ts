// Stands in for whatwg-url's lib/encoding.js, which builds a TextEncoder/TextDecoder from globals at load time:
// in the prelude those globals are not installed yet when the bundle's modules are evaluated.
import { utf8Decode, utf8Encode } from '../encoding.ts';

export function utf8DecodeWithoutBOM(bytes: Uint8Array): string {
  return utf8Decode(bytes);
}
export { utf8Encode };
