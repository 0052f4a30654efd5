// Stands in for tr46 in the prelude bundle (see esbuild.mjs): the UTS #46 tables (~270 KB) cost ~2.5 ms per context
// to evaluate, yet an all-ASCII domain without punycode labels maps to its lower case under the options whatwg-url's
// host parser passes (checked for every ASCII code point in test/runtime/platform-parity.test.ts). Anything else loads
// the real tr46 on first use.
'use strict';
let real;
const ASCII = /^[\x00-\x7f]*$/;
const PUNYCODE_LABEL = /(^|[.])xn--/;
exports.toASCII = function toASCII(domain, options) {
  if (ASCII.test(domain)) {
    const lower = domain.toLowerCase();
    if (!PUNYCODE_LABEL.test(lower) && options && !options.useSTD3ASCIIRules && !options.checkHyphens && !options.verifyDNSLength) return lower;
  }
  real ??= require('tr46/index.js');
  return real.toASCII(domain, options);
};
exports.toUnicode = function toUnicode(domain, options) {
  real ??= require('tr46/index.js');
  return real.toUnicode(domain, options);
};
