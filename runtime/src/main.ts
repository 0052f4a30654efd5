/**
 * The runtime sidecar (dist/runtime.cjs): `dev [PATH] [--port N] [--inspect[=PORT]] [--rpc]`.
 * Wiring only: resolve the project, bundle, load the worker into an isolate, serve HTTP, optionally the inspector
 * relay and the JSON-RPC control channel, and shut all of it down in a safe order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildErrorParams, ReloadResult, TriggerParams, TriggerResult } from '../../common/protocol.ts';
import { ProjectError, resolveWorkerProject, type WorkerProject } from '../../common/workerProject.ts';
import type { DispatchResult, ExchangeEnd, WireRequest, WireResponse } from '../isolate/wire.ts';
import { ArgsError, parseDevArgs, type DevArgs } from './args.ts';
import { secretFileCandidates, workerEnv } from './workerEnv.ts';
import { BindingHost } from './bindings/bindingHost.ts';
import { persistenceFor } from './storage/persistence.ts';
import { queueConsumers } from './bindings/queueConsumers.ts';
import type { WorkerIsolateOptions } from './workerIsolate.ts';

/** What a load hands the worker: vars and secrets (copied in) and bindings. */
interface LoadedEnv {
  values: Record<string, unknown>;
  bindings: NonNullable<WorkerIsolateOptions['bindings']>;
}
import { BuildFailure, bundleWorker, type WorkerBundle } from './bundler.ts';
import { ControlChannel, sendToWorker } from './controlChannel.ts';
import { ExchangeLinks } from './exchangeLinks.ts';
import { scheduledTestRoute, toWireEvent, triggerLine, triggerResponse, triggerResult } from './triggers.ts';
import { startHttpServer, type HttpServer } from './httpServer.ts';
import { KEYS_HINT, listenForKeys } from './keys.ts';
import { startInspectorRelay, type InspectorRelay } from './inspectorRelay.ts';
import { acceptsHtml, displayPath, errorPage, protocolLevel, Reporter } from './reporter.ts';
import { requestRecord, RequestTrace } from './requestTrace.ts';
import { BuildStacks, firstLocation } from './stackMapper.ts';
import { uncaughtText, WorkerDiedError, WorkerLoadError } from './workerIsolate.ts';
import { watchFiles } from './watcher.ts';
import { WorkerLimitError, WorkerPool, type WorkerPoolOptions } from './workerPool.ts';

/** isolated-vm crashes on Node >= 20 started without it (upstream README); fail with a message instead. */
function hasNoNodeSnapshot(): boolean {
  return process.execArgv.includes('--no-node-snapshot') || /(^|\s)--no-node-snapshot(\s|$)/.test(process.env.NODE_OPTIONS ?? '');
}

/** A project or build error as the control channel's BuildError: the message and, when known, where. */
function buildErrorParams(err: ProjectError | BuildFailure): BuildErrorParams {
  return { message: err.message, ...(err.file ? { file: err.file } : {}), ...(err.line ? { line: err.line } : {}), ...(err.column ? { column: err.column } : {}) };
}

/** What every request is answered with while the worker failed to load and no earlier build serves. */
interface LoadFailure {
  title: string;
  stack: string;
}


interface Running {
  /** Set once shutdown has begun: later signals and requests to stop wait for the first one. */
  stopping?: boolean;
  server?: HttpServer;
  relay?: InspectorRelay;
  worker?: WorkerPool;
  /** The worker's URL, once Ready has been sent: SendRequest is refused before. */
  readyUrl?: string;
  /** Tells SendRequest which RequestRecord its exchange got. */
  readonly links: ExchangeLinks;
  /** Disposes the worker's isolate while it is still loading (exiting with code running in it would crash). */
  abortLoad?: () => void;
  /** Settles when the worker has loaded or failed to. */
  loading?: Promise<unknown>;
  /** Fires a scheduled or queue event at the worker, once it is ready. */
  trigger?: (params: TriggerParams) => Promise<TriggerResult>;
  /** The bindings' stores (KV, …), open from the first load until exit. */
  bindings?: BindingHost;
  /** Rebuilds and reloads now, after any reload already under way. */
  reload?: (why: string[]) => Promise<ReloadResult>;
}

async function run(args: DevArgs, reporter: Reporter, running: Running): Promise<void> {
  let project: WorkerProject;
  let env: LoadedEnv;
  let bundle;
  /**
   * The worker's env for a project: its vars and secrets, and its bindings routed to the sidecar's stores (one
   * BindingHost for the sidecar's life, so data stays put across reloads). Bindings not provided yet are named in a
   * warning (each load).
   */
  const loadEnv = (current: WorkerProject): LoadedEnv => {
    const { values, bindings, unsupported } = workerEnv(current);
    if (unsupported.length) reporter.note(`⚠ not available in Worker Studio yet, left out of env: ${unsupported.join(', ')}`);
    running.bindings ??= new BindingHost(persistenceFor(current.root, args), (line) => reporter.note(line));
    return { values, bindings: { wire: running.bindings.configure(bindings), host: running.bindings } };
  };
  try {
    project = resolveWorkerProject(args.path, { environment: args.environment });
    env = loadEnv(project);
    reporter.status('bundling');
    bundle = await bundleWorker(project.entry, project.root, 1);
  } catch (err) {
    if (err instanceof ProjectError || err instanceof BuildFailure) {
      await reporter.buildError(buildErrorParams(err), err.message);
      return shutdown(1, running);
    }
    throw err;
  }

  const stacks = new BuildStacks();
  stacks.add(bundle.code, bundle.url);
  const mapStack = stacks.map;
  const prelude = readFileSync(path.join(__dirname, 'prelude.js'), 'utf8');
  const poolOptions = (built: WorkerBundle, currentEnv: LoadedEnv): WorkerPoolOptions => ({
    instances: args.instances,
    cpuLimitMs: args.cpuLimitMs,
    memoryLimitMb: args.memoryLimitMb,
    idleEvictMs: args.idleTimeoutS * 1000,
    onEvicted: (instance, reason) => reporter.evicted(instance, reason),
    onIsolate: (dispose) => (running.abortLoad = dispose),
    instance: {
      prelude,
      code: built.code,
      url: built.url,
      env: currentEnv.values,
      bindings: currentEnv.bindings,
      inspector: args.inspectPort !== undefined,
      onLog: (level, message, location, trace) => {
        const mapped = mapStack(message);
        const where = location === undefined ? undefined : mapStack(location);
        reporter.workerLog(level, mapped, where);
        trace?.log(protocolLevel(level), mapped, where);
      },
      onUncaught: (err) => reporter.workerError(err instanceof WorkerDiedError ? `✘ ${err.message}` : mapStack(uncaughtText(err))),
    },
  });
  // A worker that fails to load (its module throws, or it has no handler) does not stop the sidecar: the error is
  // reported, located in the source, and every request is answered with it (500) until a save fixes it (live reload).
  // Only a project or build (esbuild) error at start exits 1: there is no code to run at all.
  let loadFailure: LoadFailure | undefined;
  /** Reports a load error located in the source; what requests are answered with while nothing else serves. */
  const reportLoadFailure = async (err: WorkerLoadError, entry: string): Promise<LoadFailure> => {
    const stack = mapStack(err.stack ?? err.message);
    const location = firstLocation(stack) ?? { file: entry };
    const where = 'line' in location ? `${location.file}:${location.line}:${location.column}` : location.file;
    await reporter.buildError({ message: err.message, ...location }, `✘ ${where}: the worker failed to load: ${stack}`);
    return { title: `The worker failed to load (${displayPath(where)})`, stack: (stack.split('\n')[0] ?? '').includes(err.message) ? stack : `${err.message}\n${stack}` };
  };
  try {
    reporter.status('loading');
    const loading = WorkerPool.create(poolOptions(bundle, env));
    running.loading = loading.catch(() => {});
    running.worker = await loading;
    running.abortLoad = undefined;
  } catch (err) {
    // Shutting down disposed the isolate mid-load: shutdown() exits.
    if (running.stopping) return;
    if (!(err instanceof WorkerLoadError)) throw err;
    loadFailure = await reportLoadFailure(err, project.entry);
  }

  /**
   * Live reload: on a save, rebuild and load the new code; new requests go to it, requests in flight finish on the old.
   * A build or load error is reported (file:line) and the previous code keeps serving.
   */
  let version = 1;
  const reload = async (files: string[]): Promise<ReloadResult> => {
    let built: WorkerBundle;
    let current: WorkerProject;
    let currentEnv: LoadedEnv;
    try {
      current = resolveWorkerProject(args.path, { environment: args.environment });
      currentEnv = loadEnv(current);
      built = await bundleWorker(current.entry, current.root, ++version);
    } catch (err) {
      if (!(err instanceof ProjectError || err instanceof BuildFailure)) throw err;
      await reporter.buildError(buildErrorParams(err), `✘ ${err.message}\n  (still serving the previous build)`);
      return { reloaded: false, error: err.message };
    }
    watcher.update(watchList(built, current));
    stacks.add(built.code, built.url);
    try {
      if (running.worker) await running.worker.reload(built.code, built.url, currentEnv.values, currentEnv.bindings);
      else running.worker = await WorkerPool.create(poolOptions(built, currentEnv));
      loadFailure = undefined;
      reporter.note(`↻ reloaded (${files.map((file) => displayPath(file)).join(', ')})`);
      consumeQueues(current);
      return { reloaded: true };
    } catch (err) {
      if (!(err instanceof WorkerLoadError)) throw err;
      const failure = await reportLoadFailure(err, current.entry);
      // The previous code, if any, keeps serving; otherwise requests get the new error.
      if (running.worker) reporter.note('  (still serving the previous build)');
      else loadFailure = failure;
      return { reloaded: false, error: err.message };
    }
  };
  /** One reload at a time, in order: a save during a reload reloads again after it. */
  let reloads: Promise<unknown> = Promise.resolve();
  running.reload = (why) => {
    const next = reloads.then(() => reload(why));
    reloads = next.catch((err: unknown) => reporter.note(`✘ reload failed: ${err instanceof Error ? err.stack : String(err)}`));
    return next;
  };
  const watchList = (built: WorkerBundle, current: WorkerProject) => [...built.inputs, ...(current.configPath ? [current.configPath] : []), ...secretFileCandidates(current)];
  const watcher = watchFiles(watchList(bundle, project), (files) => void running.reload?.(files).catch(() => {}));

  /** `--inspect-wait`: requests and events wait until a debugger has set its breakpoints (the relay says when). */
  let debuggerSetUp = () => {};
  const debuggerAttached = args.inspectWait && running.worker ? new Promise<void>((resolve) => (debuggerSetUp = resolve)) : undefined;

  /** Runs a scheduled or queue event (control channel, test URL) and logs it like a request. */
  const trigger = async (params: TriggerParams): Promise<TriggerResult> => {
    const worker = running.worker;
    if (!worker) throw new Error((loadFailure as LoadFailure).title);
    await debuggerAttached;
    const event = toWireEvent(params);
    const start = performance.now();
    const result = triggerResult(event, await worker.trigger(event), Math.round((performance.now() - start) * 10) / 10, mapStack);
    if (result.error) reporter.workerError(`✘ ${event.type}: ${result.error}`);
    reporter.note(triggerLine(event, result));
    return result;
  };
  running.trigger = trigger;
  // Durable Objects: a stub's call or a due alarm runs in the current pool's objects context.
  running.bindings?.serveObjects((event) =>
    running.worker ? running.worker.objectEvent(event) : Promise.resolve({ ok: false as const, error: { name: 'Error', message: 'The worker is not running' } }),
  );
  // Queue consumers get their batches through the same path (logged like a trigger); reloads re-read the consumers.
  const consumeQueues = (current: WorkerProject) => running.bindings?.consumeQueues(queueConsumers(current), trigger);
  consumeQueues(project);

  /** Every exchange gets a record (the log line, RequestCompleted) once its response and waitUntil work are done. */
  let nextRequestId = 1;
  const recorded = (request: WireRequest, trace: RequestTrace, outcome: Parameters<typeof requestRecord>[4], served?: Parameters<typeof requestRecord>[5]) => {
    const id = nextRequestId++;
    running.links.recorded(request, id);
    return (end: ExchangeEnd) => void requestRecord(id, request, trace, end, outcome, served).then((record) => reporter.request(record));
  };
  const server = await startHttpServer({
    port: args.port,
    handle: async (request): Promise<WireResponse> => {
      running.links.claim(request);
      const trace = new RequestTrace();
      const worker = running.worker;
      if (!worker) {
        const failure = loadFailure as LoadFailure;
        return { ...errorPage(failure.title, failure.stack, acceptsHtml(request.headers)), onEnd: recorded(request, trace, 'exception') };
      }
      await debuggerAttached;
      const scheduled = scheduledTestRoute(new URL(request.url), args.testScheduled);
      if (scheduled) {
        const answer = triggerResponse(await trigger(scheduled));
        return { ...answer, onEnd: recorded(request, trace, answer.status === 200 ? 'ok' : 'exception') };
      }
      let result, served;
      try {
        ({ result, served } = await worker.dispatch(request, trace));
      } catch (err) {
        if (!(err instanceof WorkerLimitError)) throw err;
        const pathname = new URL(request.url).pathname;
        reporter.workerError(`✘ ${request.method} ${pathname}: ${err.message}`);
        const page = errorPage('The worker exceeded a limit', `${err.message}.\nIn production this request fails the same way. The worker's instances were evicted; the next request starts fresh.`, acceptsHtml(request.headers), 503);
        return { ...page, onEnd: recorded(request, trace, err.limit === 'cpu' ? 'exceededCpu' : 'exceededMemory') };
      }
      if (result.ok) return { ...result.response, onEnd: recorded(request, trace, 'ok', served) };
      return { ...failurePage(request, result), onEnd: recorded(request, trace, 'exception', served) };
    },
    onInternalError: (err) => reporter.note(`✘ internal error: ${err instanceof Error ? err.stack : String(err)}`),
  });
  running.server = server;

  /** The handler threw: the error page, and the same in the log. */
  function failurePage(request: WireRequest, result: Extract<DispatchResult, { ok: false }>): WireResponse {
    const stack = mapStack(result.error.stack);
    const text = stack.startsWith(result.error.message) ? stack : `${result.error.message}\n${stack}`;
    const pathname = new URL(request.url).pathname;
    reporter.workerError(`✘ ${request.method} ${pathname}: ${text}`);
    // In production the request would now go to the origin; locally there is none to go to.
    const passThrough = result.passThrough ? '\n\nThe worker called passThroughOnException(): in production this request would have been sent on to the origin. Worker Studio has no origin to send it to.' : '';
    return errorPage(`Uncaught exception in ${request.method} ${pathname}`, text + passThrough, acceptsHtml(request.headers));
  }

  if (args.inspectPort !== undefined && running.worker) {
    running.relay = await startInspectorRelay(args.inspectPort, running.worker, project.config?.name ?? path.basename(project.entry));
    reporter.note(`Debugger listening on ${running.relay.webSocketUrl}`);
    if (debuggerAttached) {
      reporter.note('Requests wait for a debugger to attach (--inspect-wait)');
      void running.relay.debuggerReady.then(debuggerSetUp);
    }
  } else if (args.inspectPort !== undefined) {
    reporter.note('Debugger not started: the worker failed to load');
  }

  running.readyUrl = server.url;
  reporter.ready({
    url: server.url,
    port: server.port,
    ...(running.relay ? { inspectorPort: running.relay.port } : {}),
    entry: project.entry,
    ...(project.configPath ? { config: project.configPath } : {}),
    handlers: running.worker?.handles ?? [],
  });
}

/** Order matters: stop taking requests, close inspector sessions, let the loop turn, then dispose the isolate. */
async function shutdown(code: number, running: Running): Promise<never> {
  if (!running.stopping) {
    running.stopping = true;
    try {
      await running.server?.close();
      await running.relay?.close();
      await new Promise((resolve) => setImmediate(resolve));
      running.worker?.dispose();
      if (running.abortLoad) {
        running.abortLoad();
        await running.loading;
      }
      running.bindings?.close();
    } catch (err) {
      process.stderr.write(`worker-studio: error while stopping: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    process.exit(code);
  }
  return new Promise<never>(() => {});
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
  const running: Running = { links: new ExchangeLinks() };
  process.on('SIGINT', () => void shutdown(0, running));
  process.on('SIGTERM', () => void shutdown(0, running));
  // The reader of stdout went away (the extension or a pipe died): nobody is listening any more.
  process.stdout.on('error', () => void shutdown(0, running));
  // Listening from the start: stdin closing (the extension died) ends the sidecar even while it bundles or loads.
  channel?.listen({
    sendRequest: (params) => (running.readyUrl === undefined ? Promise.reject(new Error('the worker is not ready')) : sendToWorker(running.readyUrl, params, running.links)),
    trigger: (params) => (running.readyUrl === undefined || !running.trigger ? Promise.reject(new Error('the worker is not ready')) : running.trigger(params)),
    evict: async (params) => {
      if (running.readyUrl === undefined || !running.worker) throw new Error('the worker is not ready');
      return { evicted: await running.worker.evict(params.instance ?? 'all', 'requested') };
    },
    // A worker that failed to load has no instances (yet): an empty list, not an error.
    instances: () => running.worker?.stats() ?? Promise.resolve({ instances: [] }),
    reload: () => (running.readyUrl === undefined || !running.reload ? Promise.reject(new Error('the worker is not ready')) : running.reload(['requested'])),
    stop: () => void shutdown(0, running),
    onClosed: () => void shutdown(0, running),
  });
  await run(args, reporter, running);
  if (!channel && running.worker) {
    const worker = running.worker;
    listenForKeys(process.stdin, {
      evict: () => void worker.evict('all', 'requested').catch((err: unknown) => reporter.note(`✘ evict: ${err instanceof Error ? err.message : String(err)}`)),
      reload: () => void running.reload?.(['requested']).catch(() => {}),
      quit: () => void shutdown(0, running),
    });
    if (process.stdin.isTTY) reporter.note(KEYS_HINT);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker-studio: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
