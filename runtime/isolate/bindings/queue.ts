/**
 * `env.<QUEUE>`: a queue producer (Queue of @cloudflare/workers-types): `send` and `sendBatch`. A body is reduced to its
 * content type's form here — `json` (the default) as JSON would carry it, `text` a string, `bytes` an ArrayBuffer, `v8`
 * anything structured clone takes — and stored by the host (runtime/src/bindings/queueBroker.ts) until the consumer
 * gets it.
 */
import { callBinding } from './call.ts';

const CONTENT_TYPES = ['json', 'text', 'bytes', 'v8'];

interface Outgoing {
  body: unknown;
  contentType: string;
  delaySeconds?: number;
}

function outgoing(body: unknown, options: { contentType?: unknown; delaySeconds?: unknown } | undefined, batchDelay?: unknown): Outgoing {
  const contentType = options?.contentType === undefined ? 'json' : String(options.contentType);
  if (!CONTENT_TYPES.includes(contentType)) throw new TypeError(`Unsupported queue message content type: ${contentType}`);
  let value: unknown;
  switch (contentType) {
    case 'json': {
      const text = JSON.stringify(body);
      if (text === undefined) throw new TypeError('Content Type "json" requires a value that can be serialized as JSON');
      value = JSON.parse(text);
      break;
    }
    case 'text':
      if (typeof body !== 'string') throw new TypeError(`Content Type "text" requires a value of type string, but received: ${typeof body}`);
      value = body;
      break;
    case 'bytes':
      if (body instanceof ArrayBuffer) value = body.slice(0);
      else if (ArrayBuffer.isView(body)) value = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
      else throw new TypeError(`Content Type "bytes" requires a value of type ArrayBuffer or ArrayBufferView, but received: ${typeof body}`);
      break;
    default:
      value = body;
  }
  const delay = options?.delaySeconds ?? batchDelay;
  return { body: value, contentType, ...(delay === undefined ? {} : { delaySeconds: Number(delay) }) };
}

export class Queue {
  readonly #binding: string;

  constructor(binding: string) {
    this.#binding = binding;
  }

  #send(messages: Outgoing[]): Promise<unknown> {
    return callBinding(this.#binding, 'send', [messages]);
  }

  async send(body: unknown, options?: { contentType?: unknown; delaySeconds?: unknown }): Promise<unknown> {
    return this.#send([outgoing(body, options)]);
  }

  async sendBatch(messages: Iterable<{ body: unknown; contentType?: unknown; delaySeconds?: unknown }>, options?: { delaySeconds?: unknown }): Promise<unknown> {
    const list = [...messages];
    if (list.length === 0) throw new TypeError('sendBatch() requires at least one message');
    return this.#send(list.map((message) => outgoing(message.body, message, options?.delaySeconds)));
  }
}
