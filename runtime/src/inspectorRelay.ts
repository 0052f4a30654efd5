/**
 * `--inspect`: a Chrome DevTools Protocol endpoint for the worker's isolate, on 127.0.0.1 only (the inspector runs
 * arbitrary code). Serves `/json/version` and `/json/list` like Node does, and relays each WebSocket to its own
 * isolate inspector session. isolated-vm reports no default execution context, so the relay marks the worker's
 * context as default and adds its id to the evaluation methods that omit it (VS Code's debug console does).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type ivm from 'isolated-vm';
import { WebSocketServer, type WebSocket } from 'ws';
import { HOST } from './httpServer.ts';

export interface InspectorTarget {
  createInspectorSession(): ivm.InspectorSession;
  readonly url: string;
}

export interface InspectorRelay {
  readonly port: number;
  /** `ws://127.0.0.1:PORT/<id>` */
  readonly webSocketUrl: string;
  /** Disposes every session (which resumes a paused isolate) and stops listening. */
  close(): Promise<void>;
}

/** Methods that evaluate in "the default context" when the client gives no contextId. */
const CONTEXT_METHODS = new Set(['Runtime.evaluate', 'Runtime.compileScript', 'Runtime.globalLexicalScopeNames']);

/** The name isolated-vm gives the inspector for contexts made with `isolate.createContext({ inspector: true })`. */
const WORKER_CONTEXT_NAME = '<isolated-vm>';

const LOCAL_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
}

/** Per-socket message rewriting; exported for unit tests. */
export class ContextDefaults {
  #contextId: number | undefined;

  /** Client → V8: add the default contextId where it matters. */
  toV8(text: string): string {
    if (this.#contextId === undefined || !text.includes('"Runtime.')) return text;
    const message = JSON.parse(text) as CdpMessage;
    if (!message.method || !CONTEXT_METHODS.has(message.method)) return text;
    const params = message.params ?? {};
    if (params.contextId !== undefined || params.executionContextId !== undefined || params.uniqueContextId !== undefined) return text;
    // Runtime.evaluate names it `contextId`; compileScript and globalLexicalScopeNames `executionContextId`.
    if (message.method === 'Runtime.evaluate') params.contextId = this.#contextId;
    else params.executionContextId = this.#contextId;
    return JSON.stringify({ ...message, params });
  }

  /**
   * V8 → client: the worker's context becomes the default. isolated-vm names every context made by createContext
   * `<isolated-vm>`; its internal context (named `default`) runs no user code and must not be picked.
   */
  fromV8(text: string): string {
    if (!text.includes('"Runtime.executionContext')) return text;
    const message = JSON.parse(text) as CdpMessage;
    if (message.method === 'Runtime.executionContextCreated') {
      const context = message.params?.context as { id: number; name?: string; auxData?: Record<string, unknown> } | undefined;
      if (!context) return text;
      const isWorker = context.name === WORKER_CONTEXT_NAME;
      if (isWorker) this.#contextId = context.id;
      context.auxData = { ...context.auxData, isDefault: isWorker };
      return JSON.stringify(message);
    }
    if (message.method === 'Runtime.executionContextDestroyed' && message.params?.executionContextId === this.#contextId) {
      this.#contextId = undefined;
    }
    return text;
  }
}

/** Call ids the relay uses for its own wake-up messages; far above any client's ids, and never forwarded. */
const NUDGE_ID_BASE = 2_000_000_000;
const NUDGE_INTERVAL_MS = 25;

/**
 * Works around a lost wake-up in isolated-vm 7 (src/isolate/inspector.cc): a message dispatched after V8 has sent
 * `Debugger.paused` but before the isolate thread has entered runMessageLoopOnPause is queued as a V8 interrupt that
 * nobody services, so e.g. an `evaluateOnCallFrame` or `resume` sent right on `paused` hangs until the next message.
 * While paused with client requests unanswered, the relay dispatches a harmless message of its own every
 * NUDGE_INTERVAL_MS; once the loop is waiting, that wakes it and it drains the whole queue. Nudge answers are dropped.
 */
export class PauseNudger {
  readonly #dispatch: (message: string) => void;
  readonly #unanswered = new Set<number>();
  #paused = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #next = NUDGE_ID_BASE;

  constructor(dispatch: (message: string) => void) {
    this.#dispatch = dispatch;
  }

  /** A client request about to be dispatched. */
  sent(text: string): void {
    if (!this.#paused) return;
    const id = (JSON.parse(text) as CdpMessage).id;
    if (typeof id === 'number') this.#unanswered.add(id);
    this.#update();
  }

  /** A V8 response; false when it answers a nudge (not for the client). */
  answered(callId: number): boolean {
    this.#unanswered.delete(callId);
    this.#update();
    return callId < NUDGE_ID_BASE;
  }

  notification(text: string): void {
    if (text.startsWith('{"method":"Debugger.paused"')) this.#paused = true;
    else if (text.startsWith('{"method":"Debugger.resumed"')) this.#paused = false;
    else return;
    this.#update();
  }

  stop(): void {
    this.#paused = false;
    this.#unanswered.clear();
    this.#update();
  }

  #update(): void {
    const needed = this.#paused && this.#unanswered.size > 0;
    if (needed && !this.#timer) {
      this.#timer = setInterval(() => this.#dispatch(JSON.stringify({ id: this.#next++, method: 'Runtime.getIsolateId' })), NUDGE_INTERVAL_MS);
    } else if (!needed && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

export function startInspectorRelay(port: number, target: InspectorTarget, title: string): Promise<InspectorRelay> {
  const id = randomUUID();
  const sockets = new Set<WebSocket>();
  let actualPort = port;
  const webSocketUrl = () => `ws://${HOST}:${actualPort}/${id}`;

  const server = http.createServer((req, res) => {
    // DNS rebinding guard: a web page could otherwise reach this through a hostname that resolves to 127.0.0.1.
    if (!LOCAL_HOST.test(req.headers.host ?? '')) {
      res.writeHead(403).end('Host must be 127.0.0.1 or localhost\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const json = (value: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(value, null, 2));
    };
    if (path === '/json/version') {
      json({ Browser: 'worker-studio', 'Protocol-Version': '1.3' });
    } else if (path === '/json' || path === '/json/list') {
      json([
        {
          description: 'Worker Studio worker isolate',
          id,
          title,
          type: 'node',
          url: target.url,
          devtoolsFrontendUrl: `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${HOST}:${actualPort}/${id}`,
          webSocketDebuggerUrl: webSocketUrl(),
        },
      ]);
    } else {
      res.writeHead(404).end();
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== `/${id}` || !LOCAL_HOST.test(req.headers.host ?? '')) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => relay(ws));
  });

  function relay(ws: WebSocket): void {
    let session: ivm.InspectorSession;
    try {
      session = target.createInspectorSession();
    } catch (err) {
      process.stderr.write(`inspector: refusing a debugger connection: ${err instanceof Error ? err.message : String(err)}\n`);
      ws.close(1011, 'inspector relay error');
      return;
    }
    sockets.add(ws);
    const defaults = new ContextDefaults();
    let open = true;
    // A malformed frame, or any message once the isolate is gone (dispatchProtocolMessage throws then), must cost
    // only this socket, never the sidecar: log one line and close it with 1011 (internal error).
    const fail = (err: unknown) => {
      if (!open) return;
      open = false;
      process.stderr.write(`inspector: closing a debugger connection: ${err instanceof Error ? err.message : String(err)}\n`);
      ws.close(1011, 'inspector relay error');
    };
    const nudger = new PauseNudger((message) => {
      if (!open) return;
      try {
        session.dispatchProtocolMessage(message);
      } catch (err) {
        fail(err);
      }
    });
    const send = (text: string) => {
      if (open && ws.readyState === ws.OPEN) ws.send(defaults.fromV8(text));
    };
    session.onResponse = (callId, message) => {
      if (nudger.answered(callId)) send(message);
    };
    session.onNotification = (message) => {
      nudger.notification(message);
      send(message);
    };
    ws.on('message', (data) => {
      if (!open) return;
      try {
        const text = defaults.toV8(String(data));
        nudger.sent(text);
        session.dispatchProtocolMessage(text);
      } catch (err) {
        fail(err);
      }
    });
    ws.on('close', () => {
      open = false;
      nudger.stop();
      sockets.delete(ws);
      // Disposing the session resumes the isolate if the client left it paused (and throws once the isolate is gone).
      try {
        session.dispose();
      } catch {
        // the isolate died: nothing left to resume
      }
    });
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      actualPort = (server.address() as AddressInfo).port;
      resolve({
        port: actualPort,
        webSocketUrl: webSocketUrl(),
        close: async () => {
          const closed = [...sockets].map((ws) => new Promise<void>((done) => {
            ws.once('close', () => done());
            ws.terminate();
          }));
          await Promise.all(closed);
          wss.close();
          await new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
        },
      });
    });
  });
}
