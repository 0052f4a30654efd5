/**
 * One worker of the sidecar, from its project to its answers: resolve the config, build `env` and its bindings,
 * bundle, load the pool of instances, serve requests (the worker's part of an HTTP exchange: its answer, an error page
 * or a limit's 503, and the record), fire its other events, and reload on a save. A sidecar runs one (`dev PATH`) or
 * several (`dev -c a -c b`, main.ts); each has its own pool, watcher and bindings, and reaches the others through
 * service bindings.
 */
import path from 'node:path';
import type { BuildErrorParams, ReloadResult, TriggerParams, TriggerResult } from '../../common/protocol.ts';
import { ProjectError, resolveWorkerProject, type WorkerProject } from '../../common/workerProject.ts';
import type { DispatchResult, ExchangeEnd, WireRequest, WireResponse } from '../isolate/wire.ts';
import type { ObjectEventResult, WireObjectEvent } from '../isolate/objects.ts';
import type { DevArgs } from './args.ts';
import { BindingHost, type ServiceDirectory } from './bindings/bindingHost.ts';
import { queueConsumers } from './bindings/queueConsumers.ts';
import { BuildFailure, bundleWorker, type WorkerBundle } from './bundler.ts';
import { acceptsHtml, displayPath, errorPage, protocolLevel, type Reporter } from './reporter.ts';
import { requestRecord, RequestTrace } from './requestTrace.ts';
import { routePatterns, type RoutePattern } from './routes.ts';
import { BuildStacks, firstLocation } from './stackMapper.ts';
import { persistenceFor } from './storage/persistence.ts';
import { scheduledTestRoute, toWireEvent, triggerLine, triggerResponse, triggerResult } from './triggers.ts';
import { watchFiles, type ProjectWatcher } from './watcher.ts';
import { secretFileCandidates, workerEnv } from './workerEnv.ts';
import { uncaughtText, WorkerDiedError, WorkerLoadError, type WorkerIsolateOptions } from './workerIsolate.ts';
import { WorkerLimitError, WorkerPool, type WorkerPoolOptions } from './workerPool.ts';

/** What a load hands the worker: vars and secrets (copied in) and bindings. */
interface LoadedEnv {
  values: Record<string, unknown>;
  bindings: NonNullable<WorkerIsolateOptions['bindings']>;
}

/** What every request is answered with while the worker failed to load and no earlier build serves. */
interface LoadFailure {
  title: string;
  stack: string;
}

/** A project or build error as the control channel's BuildError: the message and, when known, where. */
function buildErrorParams(err: ProjectError | BuildFailure): BuildErrorParams {
  return { message: err.message, ...(err.file ? { file: err.file } : {}), ...(err.line ? { line: err.line } : {}), ...(err.column ? { column: err.column } : {}) };
}

/** The worker could not start at all (a project or build error, already reported): the sidecar exits 1. */
export class StartFailure extends Error {}

export interface WorkerServiceOptions {
  /** A folder with a wrangler config, the config itself, or an entry file. */
  target: string;
  args: DevArgs;
  reporter: Reporter;
  prelude: string;
  /** The other workers of the sidecar, for service bindings. */
  services: ServiceDirectory;
  /** Numbers every exchange of the sidecar, whichever worker serves it (records are told apart by it). */
  nextRequestId(): number;
  /** A record is about to be made for `request` (the control channel's SendRequest links its answer to it). */
  onRecorded?(request: WireRequest, id: number): void;
  /** Receives a function that disposes the isolate while the worker still loads (shutdown must not exit under it). */
  onIsolate?(dispose: () => void): void;
}

export class WorkerService {
  readonly #options: WorkerServiceOptions;
  readonly #reporter: Reporter;
  readonly #stacks = new BuildStacks();
  #project!: WorkerProject;
  /** The routes of #project's config, parsed once per project: every request is matched against them. */
  #routes: RoutePattern[] = [];
  #bindings: BindingHost | undefined;
  #loadFailure: LoadFailure | undefined;
  #watcher: ProjectWatcher | undefined;
  #version = 1;
  #reloads: Promise<unknown> = Promise.resolve();
  /** Requests and events wait for it (the first worker with `--inspect-wait`: until a debugger is set up). */
  gate: Promise<void> | undefined;
  worker: WorkerPool | undefined;
  /** Settles when the worker has loaded or failed to. */
  loading: Promise<unknown> | undefined;

  private constructor(options: WorkerServiceOptions) {
    this.#options = options;
    this.#reporter = options.reporter;
  }

  /** Resolves, bundles and loads the worker; a project or build error is reported and thrown as StartFailure. */
  static async start(options: WorkerServiceOptions): Promise<WorkerService> {
    const service = new WorkerService(options);
    await service.#start();
    return service;
  }

  get project(): WorkerProject {
    return this.#project;
  }

  /** The worker's name: the config's `name`, else its folder's. */
  get name(): string {
    return this.#project.config?.name ?? path.basename(this.#project.root);
  }

  get routes(): RoutePattern[] {
    return this.#routes;
  }

  #adopt(project: WorkerProject): void {
    this.#project = project;
    this.#routes = routePatterns(project.config?.raw);
  }

  #resolve(): WorkerProject {
    return resolveWorkerProject(this.#options.target, { environment: this.#options.args.environment });
  }

  /**
   * The worker's env for a project: its vars and secrets, and its bindings routed to the worker's stores (one
   * BindingHost for the worker's life, so data stays put across reloads). Bindings not provided yet are named.
   */
  #loadEnv(current: WorkerProject): LoadedEnv {
    const { values, bindings, unsupported } = workerEnv(current);
    if (unsupported.length) this.#reporter.note(`⚠ not available in Worker Studio yet, left out of env: ${unsupported.join(', ')}`);
    this.#bindings ??= new BindingHost(persistenceFor(current.root, this.#options.args), (line) => this.#reporter.note(line), this.#options.services);
    return { values, bindings: { wire: this.#bindings.configure(bindings), host: this.#bindings } };
  }

  #poolOptions(built: WorkerBundle, env: LoadedEnv): WorkerPoolOptions {
    const args = this.#options.args;
    const reporter = this.#reporter;
    const mapStack = this.#stacks.map;
    return {
      instances: args.instances,
      cpuLimitMs: args.cpuLimitMs,
      memoryLimitMb: args.memoryLimitMb,
      idleEvictMs: args.idleTimeoutS * 1000,
      onEvicted: (instance, reason) => reporter.evicted(instance, reason),
      ...(this.#options.onIsolate ? { onIsolate: this.#options.onIsolate } : {}),
      instance: {
        prelude: this.#options.prelude,
        code: built.code,
        url: built.url,
        env: env.values,
        bindings: env.bindings,
        inspector: args.inspectPort !== undefined,
        onLog: (level, message, location, trace) => {
          const mapped = mapStack(message);
          const where = location === undefined ? undefined : mapStack(location);
          reporter.workerLog(level, mapped, where);
          trace?.log(protocolLevel(level), mapped, where);
        },
        onUncaught: (err) => reporter.workerError(err instanceof WorkerDiedError ? `✘ ${err.message}` : mapStack(uncaughtText(err))),
      },
    };
  }

  /** Reports a load error located in the source; what requests are answered with while nothing else serves. */
  async #reportLoadFailure(err: WorkerLoadError, entry: string): Promise<LoadFailure> {
    const stack = this.#stacks.map(err.stack ?? err.message);
    const location = firstLocation(stack) ?? { file: entry };
    const where = 'line' in location ? `${location.file}:${location.line}:${location.column}` : location.file;
    await this.#reporter.buildError({ message: err.message, ...location }, `✘ ${where}: the worker failed to load: ${stack}`);
    return { title: `The worker failed to load (${displayPath(where)})`, stack: (stack.split('\n')[0] ?? '').includes(err.message) ? stack : `${err.message}\n${stack}` };
  }

  async #start(): Promise<void> {
    let env: LoadedEnv;
    let bundle: WorkerBundle;
    try {
      this.#adopt(this.#resolve());
      env = this.#loadEnv(this.#project);
      this.#reporter.status('bundling');
      bundle = await bundleWorker(this.#project.entry, this.#project.root, 1);
    } catch (err) {
      if (err instanceof ProjectError || err instanceof BuildFailure) {
        await this.#reporter.buildError(buildErrorParams(err), err.message);
        throw new StartFailure(err.message);
      }
      throw err;
    }
    this.#stacks.add(bundle.code, bundle.url);
    // A worker that fails to load (its module throws, or it has no handler) does not stop the sidecar: the error is
    // reported, located in the source, and every request is answered with it (500) until a save fixes it.
    try {
      this.#reporter.status('loading');
      const loading = WorkerPool.create(this.#poolOptions(bundle, env));
      this.loading = loading.catch(() => {});
      this.worker = await loading;
    } catch (err) {
      if (!(err instanceof WorkerLoadError)) throw err;
      this.#loadFailure = await this.#reportLoadFailure(err, this.#project.entry);
    }
    this.#watcher = watchFiles(this.#watchList(bundle, this.#project), (files) => void this.reload(files).catch(() => {}));
    // Durable Objects: a stub's call or a due alarm runs in the current pool's objects context.
    this.#bindings?.serveObjects((event) =>
      this.worker ? this.worker.objectEvent(event) : Promise.resolve({ ok: false as const, error: { name: 'Error', message: 'The worker is not running' } }),
    );
    this.#consumeQueues(this.#project);
  }

  #watchList(built: WorkerBundle, current: WorkerProject): string[] {
    return [...built.inputs, ...(current.configPath ? [current.configPath] : []), ...secretFileCandidates(current)];
  }

  /** Queue consumers get their batches like a trigger (logged the same way); reloads read them again. */
  #consumeQueues(current: WorkerProject): void {
    this.#bindings?.consumeQueues(queueConsumers(current), (params) => this.trigger(params));
  }

  /** Rebuilds and reloads now, after any reload already under way; answers once the new code serves or failed to. */
  reload(why: string[]): Promise<ReloadResult> {
    const next = this.#reloads.then(() => this.#reload(why));
    this.#reloads = next.catch((err: unknown) => this.#reporter.note(`✘ reload failed: ${err instanceof Error ? err.stack : String(err)}`));
    return next;
  }

  /**
   * Live reload: new requests go to the new code, requests in flight finish on the old. A build or load error is
   * reported (file:line) and the previous code keeps serving.
   */
  async #reload(files: string[]): Promise<ReloadResult> {
    let built: WorkerBundle;
    let current: WorkerProject;
    let env: LoadedEnv;
    try {
      current = this.#resolve();
      env = this.#loadEnv(current);
      built = await bundleWorker(current.entry, current.root, ++this.#version);
    } catch (err) {
      if (!(err instanceof ProjectError || err instanceof BuildFailure)) throw err;
      await this.#reporter.buildError(buildErrorParams(err), `✘ ${err.message}\n  (still serving the previous build)`);
      return { reloaded: false, error: err.message };
    }
    this.#watcher?.update(this.#watchList(built, current));
    this.#stacks.add(built.code, built.url);
    try {
      if (this.worker) await this.worker.reload(built.code, built.url, env.values, env.bindings);
      else this.worker = await WorkerPool.create(this.#poolOptions(built, env));
      this.#adopt(current);
      this.#loadFailure = undefined;
      this.#reporter.note(`↻ reloaded (${files.map((file) => displayPath(file)).join(', ')})`);
      this.#consumeQueues(current);
      return { reloaded: true };
    } catch (err) {
      if (!(err instanceof WorkerLoadError)) throw err;
      const failure = await this.#reportLoadFailure(err, current.entry);
      // The previous code, if any, keeps serving; otherwise requests get the new error.
      if (this.worker) this.#reporter.note('  (still serving the previous build)');
      else this.#loadFailure = failure;
      return { reloaded: false, error: err.message };
    }
  }

  /** Runs a scheduled or queue event (control channel, test URL, queue batch) and logs it like a request. */
  async trigger(params: TriggerParams): Promise<TriggerResult> {
    const worker = this.worker;
    if (!worker) throw new Error((this.#loadFailure as LoadFailure).title);
    await this.gate;
    const event = toWireEvent(params);
    const start = performance.now();
    const result = triggerResult(event, await worker.trigger(event), Math.round((performance.now() - start) * 10) / 10, this.#stacks.map);
    if (result.error) this.#reporter.workerError(`✘ ${event.type}: ${result.error}`);
    this.#reporter.note(triggerLine(event, result));
    return result;
  }

  /** An RPC call from a service binding into this worker's entrypoint. */
  async rpc(entrypoint: string | null, method: string, args: unknown[]): Promise<ObjectEventResult> {
    if (!this.worker) return { ok: false, error: { name: 'Error', message: (this.#loadFailure as LoadFailure).title } };
    await this.gate;
    return this.worker.rpc({ entrypoint, method, args });
  }

  /** An event for one of this worker's Durable Objects, from another worker's binding (`script_name`). */
  objectEvent(event: WireObjectEvent): Promise<ObjectEventResult> {
    if (!this.worker) return Promise.resolve({ ok: false, error: { name: 'Error', message: (this.#loadFailure as LoadFailure).title } });
    return this.worker.objectEvent(event);
  }

  /** Every exchange gets a record (the log line, RequestCompleted) once its response and waitUntil work are done. */
  #recorded(request: WireRequest, trace: RequestTrace, outcome: Parameters<typeof requestRecord>[4], served?: Parameters<typeof requestRecord>[5]) {
    const id = this.#options.nextRequestId();
    this.#options.onRecorded?.(request, id);
    return (end: ExchangeEnd) => void requestRecord(id, request, trace, end, outcome, served).then((record) => this.#reporter.request(record));
  }

  /** The worker's answer to one HTTP exchange (or the error page / 503 instead), with its record. */
  async handle(request: WireRequest): Promise<WireResponse> {
    const trace = new RequestTrace();
    const worker = this.worker;
    if (!worker) {
      const failure = this.#loadFailure as LoadFailure;
      return { ...errorPage(failure.title, failure.stack, acceptsHtml(request.headers)), onEnd: this.#recorded(request, trace, 'exception') };
    }
    await this.gate;
    const scheduled = scheduledTestRoute(new URL(request.url), this.#options.args.testScheduled);
    if (scheduled) {
      const answer = triggerResponse(await this.trigger(scheduled));
      return { ...answer, onEnd: this.#recorded(request, trace, answer.status === 200 ? 'ok' : 'exception') };
    }
    let result, served;
    try {
      ({ result, served } = await worker.dispatch(request, trace));
    } catch (err) {
      if (!(err instanceof WorkerLimitError)) throw err;
      const pathname = new URL(request.url).pathname;
      this.#reporter.workerError(`✘ ${request.method} ${pathname}: ${err.message}`);
      const page = errorPage('The worker exceeded a limit', `${err.message}.\nIn production this request fails the same way. The worker's instances were evicted; the next request starts fresh.`, acceptsHtml(request.headers), 503);
      return { ...page, onEnd: this.#recorded(request, trace, err.limit === 'cpu' ? 'exceededCpu' : 'exceededMemory') };
    }
    if (result.ok) return { ...result.response, onEnd: this.#recorded(request, trace, 'ok', served) };
    return { ...this.#failurePage(request, result), onEnd: this.#recorded(request, trace, 'exception', served) };
  }

  /** The handler threw: the error page, and the same in the log. */
  #failurePage(request: WireRequest, result: Extract<DispatchResult, { ok: false }>): WireResponse {
    const stack = this.#stacks.map(result.error.stack);
    const text = stack.startsWith(result.error.message) ? stack : `${result.error.message}\n${stack}`;
    const pathname = new URL(request.url).pathname;
    this.#reporter.workerError(`✘ ${request.method} ${pathname}: ${text}`);
    // In production the request would now go to the origin; locally there is none to go to.
    const passThrough = result.passThrough ? '\n\nThe worker called passThroughOnException(): in production this request would have been sent on to the origin. Worker Studio has no origin to send it to.' : '';
    return errorPage(`Uncaught exception in ${request.method} ${pathname}`, text + passThrough, acceptsHtml(request.headers));
  }

  /** Stops watching and releases the isolate and the stores (after the server and the inspector are closed). */
  dispose(): void {
    this.#watcher?.close();
    this.worker?.dispose();
    this.#bindings?.close();
  }
}
