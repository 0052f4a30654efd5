/** `navigator`, as workerd exposes it. (`performance` belongs to timers.ts.) */
export class Navigator {
  get userAgent(): string {
    return 'Cloudflare-Workers';
  }
  get hardwareConcurrency(): number {
    return 1;
  }
  get language(): string {
    return 'en';
  }
  get languages(): string[] {
    return ['en'];
  }
  get [Symbol.toStringTag](): string {
    return 'Navigator';
  }
}

export const navigator = new Navigator();
