/**
 * The runtime sidecar (dist/runtime.cjs): `dev [PATH | -c CONFIG …] [--port N] [--inspect[=PORT]] [--rpc]`.
 * Wiring only: start the worker (or the workers, each a WorkerService), serve HTTP and route each request to its
 * worker, optionally the inspector relay and the JSON-RPC control channel, and shut all of it down in a safe order.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WireRequest, WireResponse } from '../isolate/wire.ts';
import type { WireObjectRequest, WireObjectResponse } from '../isolate/bindings/durableObjects.ts';
import type { WireBindingResult } from '../isolate/hostWire.ts';
import type { ObjectEventResult } from '../isolate/objects.ts';
import { ArgsError, parseDevArgs, type DevArgs } from './args.ts';
import type { ServiceDirectory } from './bindings/bindingHost.ts';
import { ControlChannel, sendToWorker } from './controlChannel.ts';
import { ExchangeLinks } from './exchangeLinks.ts';
import { startHttpServer, type HttpServer } from './httpServer.ts';
import { KEYS_HINT, listenForKeys } from './keys.ts';
import { openSessionsOnDeadIsolates, startInspectorRelay, type InspectorRelay } from './inspectorRelay.ts';
import { Reporter } from './reporter.ts';
import { routeRequest } from './routes.ts';
import { StartFailure, WorkerService } from './workerService.ts';

/** isolated-vm crashes on Node >= 20 started without it (upstream README); fail with a message instead. */
function hasNoNodeSnapshot(): boolean {
  return process.execArgv.includes('--no-node-snapshot') || /(^|\s)--no-node-snapshot(\s|$)/.test(process.env.NODE_OPTIONS ?? '');
}

/**
 * How a service binding's fetch reaches another worker: as a request to this sidecar's own server, marked for that
 * worker with a secret only this process knows (a request from outside can't claim it), so it is that worker's own
 * request — logged and recorded — with the URL the caller gave.
 */
const SERVICE_HEADER = 'x-worker-studio-service';
const SERVICE_URL_HEADER = 'x-worker-studio-url';
const SERVICE_TOKEN_HEADER = 'x-worker-studio-token';
const SERVICE_TOKEN = randomBytes(16).toString('hex');

interface Running {
  /** Set once shutdown has begun: later signals and requests to stop wait for the first one. */
  stopping?: boolean;
  server?: HttpServer;
  relay?: InspectorRelay;
  /** The workers; the first takes the requests no route claims, and is the one the control channel and the debugger are about. */
  services: WorkerService[];
  /** The worker's URL, once Ready has been sent: SendRequest is refused before. */
  readyUrl?: string;
  /** Tells SendRequest which RequestRecord its exchange got. */
  readonly links: ExchangeLinks;
  /** Disposes an isolate while it is still loading (exiting with code running in it would crash). */
  abortLoad?: () => void;
}

const primary = (running: Running): WorkerService | undefined => running.services[0];

/** The other workers, as service bindings reach them. */
function serviceDirectory(running: Running): ServiceDirectory {
  const find = (name: string) => running.services.find((service) => service.name === name);
  const missing = (name: string): WireBindingResult => ({
    ok: false,
    error: { name: 'Error', message: `No worker named "${name}" runs in this sidecar (running: ${running.services.map((s) => s.name).join(', ')}); add its config with -c.` },
  });
  return {
    async fetch(name, request: WireObjectRequest) {
      if (!find(name)) return missing(name);
      if (!running.readyUrl) return { ok: false, error: { name: 'Error', message: 'The sidecar is not serving yet' } };
      const target = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.set(SERVICE_HEADER, name);
      headers.set(SERVICE_URL_HEADER, request.url);
      headers.set(SERVICE_TOKEN_HEADER, SERVICE_TOKEN);
      const response = await fetch(new URL(`${target.pathname}${target.search}`, running.readyUrl), {
        method: request.method,
        headers,
        ...(request.body ? { body: request.body } : {}),
        redirect: 'manual',
      });
      const body = new Uint8Array(await response.arrayBuffer());
      const answer: WireObjectResponse = { status: response.status, statusText: response.statusText, headers: [...response.headers], body };
      return { ok: true, value: answer };
    },
    async rpc(name, entrypoint, method, args) {
      const service = find(name);
      if (!service) return missing(name);
      return service.rpc(entrypoint, method, args);
    },
    async objectEvent(name, event) {
      const service = find(name);
      if (!service) return missing(name) as ObjectEventResult;
      return service.objectEvent(event);
    },
  };
}

/** A service binding's request, unmarked, for the worker it names; undefined for any other request. */
function serviceRequest(running: Running, request: WireRequest): { service: WorkerService; request: WireRequest } | undefined {
  const header = (name: string) => request.headers.find(([key]) => key.toLowerCase() === name)?.[1];
  const name = header(SERVICE_HEADER);
  if (name === undefined || header(SERVICE_TOKEN_HEADER) !== SERVICE_TOKEN) return undefined;
  const service = running.services.find((candidate) => candidate.name === name);
  if (!service) return undefined;
  const internal = new Set([SERVICE_HEADER, SERVICE_URL_HEADER, SERVICE_TOKEN_HEADER]);
  return { service, request: { ...request, url: header(SERVICE_URL_HEADER) ?? request.url, headers: request.headers.filter(([key]) => !internal.has(key.toLowerCase())) } };
}

async function run(args: DevArgs, reporter: Reporter, running: Running): Promise<void> {
  const prelude = readFileSync(path.join(__dirname, 'prelude.js'), 'utf8');
  const services = serviceDirectory(running);
  let nextRequestId = 1;
  const targets = args.configs.length ? args.configs : [args.path];
  for (const [index, target] of targets.entries()) {
    try {
      const service = await WorkerService.start({
        target,
        args,
        // The first worker speaks plainly; the others' lines say whose they are.
        reporter: index === 0 ? reporter : reporter.named(path.basename(path.dirname(path.resolve(target)))),
        prelude,
        services,
        nextRequestId: () => nextRequestId++,
        onRecorded: (request, id) => running.links.recorded(request, id),
        onIsolate: (dispose) => (running.abortLoad = dispose),
      });
      running.abortLoad = undefined;
      running.services.push(service);
    } catch (err) {
      // Shutting down disposed an isolate mid-load: shutdown() exits.
      if (running.stopping) return;
      if (err instanceof StartFailure) return shutdown(1, running);
      throw err;
    }
  }
  const main = primary(running) as WorkerService;

  /** `--inspect-wait`: requests and events wait until a debugger has set its breakpoints (the relay says when). */
  let debuggerSetUp = () => {};
  if (args.inspectWait && main.worker) main.gate = new Promise<void>((resolve) => (debuggerSetUp = resolve));

  const server = await startHttpServer({
    port: args.port,
    handle: async (request): Promise<WireResponse> => {
      running.links.claim(request);
      const internal = serviceRequest(running, request);
      if (internal) return internal.service.handle(internal.request);
      const host = request.headers.find(([key]) => key.toLowerCase() === 'host')?.[1];
      const index = routeRequest(running.services.map((service) => service.routes), new URL(request.url), host);
      return (running.services[index] ?? main).handle(request);
    },
    onInternalError: (err) => reporter.note(`✘ internal error: ${err instanceof Error ? err.stack : String(err)}`),
  });
  running.server = server;

  if (args.inspectPort !== undefined && main.worker) {
    running.relay = await startInspectorRelay(args.inspectPort, main.worker, main.name);
    reporter.note(`Debugger listening on ${running.relay.webSocketUrl}`);
    if (main.gate) {
      reporter.note('Requests wait for a debugger to attach (--inspect-wait)');
      void running.relay.debuggerReady.then(debuggerSetUp);
    }
  } else if (args.inspectPort !== undefined) {
    reporter.note('Debugger not started: the worker failed to load');
  }

  running.readyUrl = server.url;
  for (const service of running.services.slice(1)) {
    const routes = service.routes.map((route) => route.pattern);
    reporter.note(`+ ${service.name}: ${routes.length ? `routes ${routes.join(', ')}` : 'no routes (reached by service bindings)'}`);
  }
  reporter.ready({
    url: server.url,
    port: server.port,
    ...(running.relay ? { inspectorPort: running.relay.port } : {}),
    entry: main.project.entry,
    ...(main.project.configPath ? { config: main.project.configPath } : {}),
    handlers: main.worker?.handles ?? [],
  });
}

/** Order matters: stop taking requests, close inspector sessions, let the loop turn, then dispose the isolates. */
async function shutdown(code: number, running: Running): Promise<never> {
  if (!running.stopping) {
    running.stopping = true;
    try {
      await running.server?.close();
      await running.relay?.close();
      await new Promise((resolve) => setImmediate(resolve));
      if (running.abortLoad) running.abortLoad();
      for (const service of running.services) {
        await service.loading;
        service.dispose();
      }
    } catch (err) {
      process.stderr.write(`worker-studio: error while stopping: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    // exit() would wait forever for the isolated-vm thread stuck freeing an isolate that died with a debugger session
    // open (inspectorRelay.ts): only a signal that cannot be handled ends the process then.
    if (openSessionsOnDeadIsolates() > 0) process.kill(process.pid, 'SIGKILL');
    endWhenIdle(code);
  }
  return new Promise<never>(() => {});
}

/** How long shutdown waits for the event loop to empty before it forces the exit. */
const EXIT_GRACE_MS = 3_000;

/**
 * Ends the process by letting its event loop run empty, not by process.exit(): only then does Node free its environment,
 * where isolated-vm waits for the isolates being freed on its own threads. process.exit() tears the V8 platform down
 * under them — a SIGSEGV in Isolate::Delete when the sidecar stopped while a worker's top-level code ran. A handle
 * left open (a bug) must not keep a stopped sidecar alive: after a grace the exit is forced.
 */
function endWhenIdle(code: number): void {
  process.exitCode = code;
  process.stdin.destroy();
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout');
    process.stderr.write(`worker-studio: still open ${EXIT_GRACE_MS / 1000} s after stopping (${open.join(', ') || 'nothing'}): exiting anyway\n`);
    process.exit(code);
  }, EXIT_GRACE_MS).unref();
}

async function main(): Promise<void> {
  if (!hasNoNodeSnapshot()) {
    process.stderr.write('worker-studio: the runtime must run as `node --no-node-snapshot runtime.cjs …` (isolated-vm needs it)\n');
    process.exit(1);
  }
  let args: DevArgs;
  try {
    args = parseDevArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ArgsError) {
      process.stderr.write(`worker-studio dev: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // In --rpc mode the channel is opened first, so even a build error reaches the extension.
  const channel = args.rpc ? new ControlChannel(process.stdin, process.stdout) : undefined;
  const reporter = new Reporter(channel);
  const running: Running = { services: [], links: new ExchangeLinks() };
  const ready = () => (running.readyUrl === undefined ? undefined : primary(running));
  const notReady = () => Promise.reject(new Error('the worker is not ready'));
  process.on('SIGINT', () => void shutdown(0, running));
  process.on('SIGTERM', () => void shutdown(0, running));
  // The reader of stdout went away (the extension or a pipe died): nobody is listening any more.
  process.stdout.on('error', () => void shutdown(0, running));
  // Listening from the start: stdin closing (the extension died) ends the sidecar even while it bundles or loads.
  channel?.listen({
    sendRequest: (params) => (running.readyUrl === undefined ? Promise.reject(new Error('the worker is not ready')) : sendToWorker(running.readyUrl, params, running.links)),
    trigger: (params) => ready()?.trigger(params) ?? notReady(),
    evict: async (params) => {
      const worker = ready()?.worker;
      if (!worker) throw new Error('the worker is not ready');
      return { evicted: await worker.evict(params.instance ?? 'all', 'requested') };
    },
    // A worker that failed to load has no instances (yet): an empty list, not an error.
    instances: () => primary(running)?.worker?.stats() ?? Promise.resolve({ instances: [] }),
    reload: () => ready()?.reload(['requested']) ?? notReady(),
    stop: () => void shutdown(0, running),
    onClosed: () => void shutdown(0, running),
  });
  await run(args, reporter, running);
  const main = primary(running);
  if (!channel && main?.worker) {
    const worker = main.worker;
    listenForKeys(process.stdin, {
      evict: () => void worker.evict('all', 'requested').catch((err: unknown) => reporter.note(`✘ evict: ${err instanceof Error ? err.message : String(err)}`)),
      // Every worker of the sidecar rebuilds: a key press means "my code changed".
      reload: () => void Promise.all(running.services.map((service) => service.reload(['requested']))).catch(() => {}),
      quit: () => void shutdown(0, running),
    });
    if (process.stdin.isTTY) reporter.note(KEYS_HINT);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker-studio: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
