/**
 * URL and URLSearchParams: whatwg-url (jsdom's reference implementation of the WHATWG URL Standard, with tr46 for
 * IDNA/UTS #46 hosts), bundled into the prelude. workerd's parser (ada, `url_standard`) follows the same standard;
 * test/runtime/platform-parity.test.ts compares the two on odd inputs. The only difference seen is the error message,
 * which this subclass aligns ("Invalid URL string.").
 */
/// <reference path="./whatwg-url.d.ts" />
import { URL as WhatwgURL, URLSearchParams } from 'whatwg-url';

export class URL extends WhatwgURL {
  constructor(url: string | URL, base?: string | URL) {
    try {
      if (arguments.length < 2) super(url);
      else super(url, base);
    } catch (err) {
      if (err instanceof TypeError && /^Invalid (URL|base URL)/.test(err.message)) throw new TypeError('Invalid URL string.');
      throw err;
    }
  }
  // whatwg-url's own parse() would build an instance of the base class.
  static override parse(url: string | URL, base?: string | URL): URL | null {
    try {
      return base === undefined ? new URL(url) : new URL(url, base);
    } catch {
      return null;
    }
  }
}
Object.defineProperty(URL, 'name', { value: 'URL' });

export { URLSearchParams };
