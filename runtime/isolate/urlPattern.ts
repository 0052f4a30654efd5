/**
 * URLPattern: urlpattern-polyfill (the URL Pattern Standard), which reads the global URL at call time. Construction
 * errors carry workerd's message.
 */
import { URLPattern as Polyfill } from 'urlpattern-polyfill/urlpattern';

type Input = ConstructorParameters<typeof Polyfill>;

export class URLPattern extends Polyfill {
  constructor(...args: Input) {
    try {
      super(...args);
    } catch (err) {
      if (err instanceof TypeError) throw new TypeError('Failed to construct URLPattern');
      throw err;
    }
  }
}
Object.defineProperty(URLPattern, 'name', { value: 'URLPattern' });
