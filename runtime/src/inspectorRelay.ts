/**
 * `--inspect`: a Chrome DevTools Protocol endpoint for the worker's isolate, on 127.0.0.1 only (the inspector runs
 * arbitrary code). Serves `/json/version` and `/json/list` like Node does, and relays each WebSocket to its own
 * isolate inspector session. isolated-vm reports no default execution context, so the relay marks the worker's
 * context as default and adds its id to the evaluation methods that omit it (VS Code's debug console does).
 *
 * The client's socket outlives the isolate: when the pool replaces its isolate (a CPU or memory limit), the relay
 * closes the session before the isolate goes, tells the client its contexts are gone
 * (`Runtime.executionContextsCleared`), opens a session on the new isolate and replays what the client had set up
 * there (enabled domains, settings, breakpoints by URL and instrumentation breakpoints, under the ids the client
 * knows). The Debug Console's default context is the newest live instance's (the pool says which). While a debugger
 * holds the isolate paused, its evaluations are not counted against the request's CPU limit, and each evaluation
 * gets a time limit of its own (a runaway one is terminated by V8, not the isolate by the pool).
 *
 * isolated-vm 7 constraints behind this (measured): disposing an isolate with a session open deadlocks, and any later
 * call on that session blocks the host; disposing a session destroys its channel at once but V8's end only later on
 * the isolate's thread, so anything V8 sends in between crashes the process ("pure virtual method called"); with the
 * debugger enabled, V8 pauses (reason OOM) before the memory limit instead of letting the isolate die.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type ivm from 'isolated-vm';
import { WebSocketServer, type WebSocket } from 'ws';
import { HOST } from './httpServer.ts';
import { cdpTrafficLog, type CdpDirection } from './cdpTrafficLog.ts';
import { ReleasedScripts } from './releasedScripts.ts';

export type IsolateEvent = 'closing' | 'replaced';

export interface InspectorTarget {
  createInspectorSession(): ivm.InspectorSession;
  readonly url: string;
  /** False once the isolate is disposed: its sessions must not be touched any more. Default: true. */
  readonly inspectable?: boolean;
  /**
   * 'closing': the isolate is to be disposed (still alive): every session on it must be closed first, or isolated-vm
   * deadlocks; the target waits for the promise the watcher returns. 'replaced': a new isolate takes sessions.
   * Returns unwatch.
   */
  watchIsolate?(watcher: (event: IsolateEvent) => Promise<unknown> | undefined): () => void;
  /** The live instances' contexts, numbered in the isolate's creation order (1 = the first), newest last. */
  liveContexts?(): number[];
  /** A debugger paused (or resumed) the isolate: its evaluations meanwhile are no request's CPU time. */
  debuggerPaused?(paused: boolean): void;
  /**
   * After V8's pause before running out of memory, once the relay has closed its sessions (which resumed the
   * isolate): true once the isolate has run something else (the code that neared the limit stopped without it dying),
   * false once it is gone. Without it the relay waits OUT_OF_MEMORY_GRACE_MS instead.
   */
  survivedOutOfMemory?(): Promise<boolean>;
}

export interface InspectorRelay {
  readonly port: number;
  /** `ws://127.0.0.1:PORT/<id>` */
  readonly webSocketUrl: string;
  /**
   * Settles when a debugger has set itself up: its first `Runtime.runIfWaitingForDebugger`, which js-debug and Chrome
   * DevTools send once their breakpoints are set. What `--inspect-wait` holds requests for.
   */
  readonly debuggerReady: Promise<void>;
  /** Disposes every session (which resumes a paused isolate) and stops listening. */
  close(): Promise<void>;
}

/**
 * How long a debugger's evaluation may run (V8 terminates it, not the isolate): a `while (true) {}` typed in the Debug
 * Console would otherwise hang every instance. Added where the client sets no `timeout` of its own.
 */
export const EVALUATION_TIMEOUT_MS = 5000;
const TIMED_METHODS = new Set(['Runtime.evaluate', 'Debugger.evaluateOnCallFrame']);

/** Methods that evaluate in "the default context" when the client gives no contextId. */
const CONTEXT_METHODS = new Set(['Runtime.evaluate', 'Runtime.compileScript', 'Runtime.globalLexicalScopeNames']);

/** The name isolated-vm gives the inspector for contexts made with `isolate.createContext({ inspector: true })`. */
const WORKER_CONTEXT_NAME = '<isolated-vm>';

const LOCAL_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

export interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/**
 * Per-session default context. isolated-vm names every context made by createContext `<isolated-vm>` and reports
 * none as default; its own internal context (named `default`) runs no user code and must not be picked. Released
 * contexts are never reported destroyed (only once collected), so "the newest context" can be a dead instance's (a
 * reload that failed to load, an instance being replaced): with `liveContexts` the default is the newest live one.
 */
export class ContextDefaults {
  readonly #liveContexts: (() => number[]) | undefined;
  /** Worker contexts announced and not destroyed. */
  readonly #workers = new Set<number>();
  #newest: number | undefined;
  /** The last context announced as default: a client may treat its destruction as the target's end (js-debug does). */
  #announced: number | undefined;
  /** Destruction events of the announced default, held until another context is announced. */
  #held: string[] = [];

  constructor(liveContexts?: () => number[]) {
    this.#liveContexts = liveContexts;
  }

  /** The context evaluations without one go to: the newest live instance's. */
  get contextId(): number | undefined {
    const live = this.#liveContexts?.();
    const newest = live?.length ? Math.max(...live) : undefined;
    if (newest !== undefined) {
      // V8 numbers an isolate's inspector contexts 1, 2, 3… in creation order (V8InspectorImpl::contextCreated),
      // and isolated-vm's internal context is the first: the pool's n-th context is n + 1. Trusted unless the
      // session has seen contexts and not that one (not announced yet: fall back to the newest seen).
      const id = newest + 1;
      if (this.#workers.size === 0 || this.#workers.has(id)) return id;
    }
    return this.#newest;
  }

  /** Client → V8: adds the default contextId where it matters; true when the message was changed. */
  toV8(message: CdpMessage): boolean {
    if (!message.method || !CONTEXT_METHODS.has(message.method)) return false;
    const params = message.params ?? {};
    if (params.contextId !== undefined || params.executionContextId !== undefined || params.uniqueContextId !== undefined) return false;
    const contextId = this.contextId;
    if (contextId === undefined) return false;
    // Runtime.evaluate names it `contextId`; compileScript and globalLexicalScopeNames `executionContextId`.
    if (message.method === 'Runtime.evaluate') params.contextId = contextId;
    else params.executionContextId = contextId;
    message.params = params;
    return true;
  }

  /** V8 → client: worker contexts are announced as default; returns the messages to forward (none, one or more). */
  fromV8(text: string): string[] {
    if (!text.includes('"Runtime.executionContext')) return [text];
    const message = JSON.parse(text) as CdpMessage;
    if (message.method === 'Runtime.executionContextCreated') {
      const context = message.params?.context as { id: number; name?: string; auxData?: Record<string, unknown> } | undefined;
      if (!context) return [text];
      const isWorker = context.name === WORKER_CONTEXT_NAME;
      context.auxData = { ...context.auxData, isDefault: isWorker };
      if (!isWorker) return [JSON.stringify(message)];
      this.#workers.add(context.id);
      this.#newest = context.id;
      this.#announced = context.id;
      const held = this.#held;
      this.#held = [];
      return [JSON.stringify(message), ...held];
    }
    if (message.method === 'Runtime.executionContextDestroyed') {
      const id = message.params?.executionContextId as number;
      this.#workers.delete(id);
      if (this.#newest === id) this.#newest = this.#workers.size ? Math.max(...this.#workers) : undefined;
      // js-debug closes the connection when the context it took as default is destroyed: hold that event back.
      if (id === this.#announced) {
        this.#held.push(text);
        return [];
      }
    }
    if (message.method === 'Runtime.executionContextsCleared') {
      this.#workers.clear();
      this.#newest = this.#announced = undefined;
      this.#held = [];
    }
    return [text];
  }
}

/** Call ids the relay uses for its own wake-up messages; far above any client's ids, and never forwarded. */
const NUDGE_ID_BASE = 2_000_000_000;
/** Call ids of the relay's replay requests (below 2^31: V8 call ids are int32). */
const REPLAY_ID_BASE = 2_100_000_000;
const NUDGE_INTERVAL_MS = 25;

/**
 * Works around a lost wake-up in isolated-vm 7 (src/isolate/inspector.cc): a message dispatched after V8 has sent
 * `Debugger.paused` but before the isolate thread has entered runMessageLoopOnPause is queued as a V8 interrupt that
 * nobody services, so e.g. an `evaluateOnCallFrame` or `resume` sent right on `paused` hangs until the next message.
 * So does one dispatched while the isolate still ran, if V8 paused before servicing its interrupt (e.g. the relay's
 * own `disable`s when the pool ends an isolate just as it pauses): every request is tracked until answered, not only
 * those sent while paused. While paused with requests unanswered, the relay dispatches a harmless message of its own
 * every NUDGE_INTERVAL_MS; once the loop is waiting, that wakes it and it drains the whole queue. Nudge answers are
 * dropped.
 */
export class PauseNudger {
  readonly #dispatch: (message: string) => void;
  readonly #unanswered = new Set<number>();
  #paused = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #next = NUDGE_ID_BASE;
  /** Nudges dispatched and not answered yet. */
  #nudges = 0;

  constructor(dispatch: (message: string) => void) {
    this.#dispatch = dispatch;
  }

  /** A request (its call id) about to be dispatched. */
  sent(id: number | undefined): void {
    if (typeof id !== 'number') return;
    this.#unanswered.add(id);
    this.#update();
  }

  /** A V8 response; false when it answers a nudge (not for the client). */
  answered(callId: number): boolean {
    this.#unanswered.delete(callId);
    this.#update();
    const nudge = callId >= NUDGE_ID_BASE && callId < REPLAY_ID_BASE;
    if (nudge && this.#nudges > 0) this.#nudges--;
    return !nudge;
  }

  /** Whether no nudge awaits its answer. */
  get idle(): boolean {
    return this.#nudges === 0;
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
    this.#nudges = 0;
    this.#update();
  }

  #update(): void {
    const needed = this.#paused && this.#unanswered.size > 0;
    if (needed && !this.#timer) {
      this.#timer = setInterval(() => {
        this.#nudges++;
        this.#dispatch(JSON.stringify({ id: this.#next++, method: 'Runtime.getIsolateId' }));
      }, NUDGE_INTERVAL_MS);
    } else if (!needed && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** Domains whose `enable` a new session must get again, in this order. */
const DOMAINS = ['Runtime', 'Debugger', 'Profiler', 'HeapProfiler'];
/** Settings a new session must get again; the last call of each wins. (Ones naming scripts or contexts can't carry over.) */
const SETTINGS = new Set([
  'Debugger.setPauseOnExceptions',
  'Debugger.setAsyncCallStackDepth',
  'Debugger.setBlackboxPatterns',
  'Debugger.setBreakpointsActive',
  'Debugger.setSkipAllPauses',
  'Runtime.setAsyncCallStackDepth',
  'Runtime.setCustomObjectFormatterEnabled',
  'Runtime.setMaxCallStackSizeToCapture',
  'Profiler.setSamplingInterval',
]);
/** Breakpoints that outlive scripts (by URL, instrumentation): replayed, the client's ids kept. */
const REPLAYED_BREAKPOINTS = new Set(['Debugger.setBreakpointByUrl', 'Debugger.setInstrumentationBreakpoint']);
/** Breakpoints on one script or function: gone with the isolate (js-debug sets them again on the new scripts). */
const SCRIPT_BREAKPOINTS = new Set(['Debugger.setBreakpoint', 'Debugger.setBreakpointOnFunctionCall']);

interface Request {
  method: string;
  params: Record<string, unknown>;
}

interface ReplayedBreakpoint extends Request {
  /** The id V8 gave it in the current session (the client's id until a replay says otherwise). */
  v8Id: string;
}

/** What a client set up in its session, to set up again in a new session; and the breakpoint ids across sessions. */
export class SessionState {
  readonly enabled = new Map<string, Record<string, unknown>>();
  readonly settings = new Map<string, Record<string, unknown>>();
  readonly bindings = new Map<string, Record<string, unknown>>();
  /** By the client's id. */
  readonly breakpoints = new Map<string, ReplayedBreakpoint>();
  /** Ids of breakpoints on scripts of the current isolate. */
  #scriptBreakpoints = new Set<string>();
  /** Ids of breakpoints on scripts of an isolate that is gone: removing one is answered by the relay. */
  readonly gone = new Set<string>();
  /** V8 id → client id, where they differ. */
  readonly #clientIds = new Map<string, string>();

  /** Whether `record` cares about answers to `method`. */
  static tracks(method: string): boolean {
    const [domain, command] = method.split('.') as [string, string];
    if ((command === 'enable' || command === 'disable') && DOMAINS.includes(domain)) return true;
    return SETTINGS.has(method) || REPLAYED_BREAKPOINTS.has(method) || SCRIPT_BREAKPOINTS.has(method) || method === 'Debugger.removeBreakpoint' || method === 'Runtime.addBinding' || method === 'Runtime.removeBinding';
  }

  get runtimeEnabled(): boolean {
    return this.enabled.has('Runtime');
  }

  /** A client request V8 answered successfully. */
  record(request: Request, result: Record<string, unknown>): void {
    const { method, params } = request;
    const [domain, command] = method.split('.') as [string, string];
    if (command === 'enable' && DOMAINS.includes(domain)) this.enabled.set(domain, params);
    else if (command === 'disable' && DOMAINS.includes(domain)) {
      this.enabled.delete(domain);
      // V8 forgets a session's breakpoints when its debugger is disabled.
      if (domain === 'Debugger') {
        this.breakpoints.clear();
        this.#clientIds.clear();
        this.#scriptBreakpoints.clear();
      }
    } else if (SETTINGS.has(method)) this.settings.set(method, params);
    else if (method === 'Runtime.addBinding') this.bindings.set(String(params.name), params);
    else if (method === 'Runtime.removeBinding') this.bindings.delete(String(params.name));
    else if (REPLAYED_BREAKPOINTS.has(method) && typeof result.breakpointId === 'string') {
      this.breakpoints.set(result.breakpointId, { method, params, v8Id: result.breakpointId });
    } else if (SCRIPT_BREAKPOINTS.has(method) && typeof result.breakpointId === 'string') {
      this.#scriptBreakpoints.add(result.breakpointId);
      this.gone.delete(result.breakpointId);
    } else if (method === 'Debugger.removeBreakpoint') this.#forget(String(params.breakpointId));
  }

  #forget(clientId: string): void {
    const breakpoint = this.breakpoints.get(clientId);
    if (breakpoint) this.#clientIds.delete(breakpoint.v8Id);
    this.breakpoints.delete(clientId);
    this.#scriptBreakpoints.delete(clientId);
  }

  /** The isolate is gone, and with it every breakpoint on its scripts. */
  isolateGone(): void {
    for (const id of this.#scriptBreakpoints) this.gone.add(id);
    this.#scriptBreakpoints.clear();
  }

  /** What a new session must be sent, in order: enables, settings, bindings, breakpoints (by the client's id). */
  replay(): { request: Request; clientId?: string }[] {
    const list: { request: Request; clientId?: string }[] = [];
    for (const domain of DOMAINS) {
      const params = this.enabled.get(domain);
      if (params) list.push({ request: { method: `${domain}.enable`, params } });
    }
    for (const [method, params] of this.settings) list.push({ request: { method, params } });
    for (const params of this.bindings.values()) list.push({ request: { method: 'Runtime.addBinding', params } });
    for (const [clientId, { method, params }] of this.breakpoints) list.push({ request: { method, params }, clientId });
    return list;
  }

  /** A replayed breakpoint's id in the new session (or its failure: it is dropped). */
  rebound(clientId: string, v8Id: string | undefined): void {
    const breakpoint = this.breakpoints.get(clientId);
    if (!breakpoint) return;
    this.#clientIds.delete(breakpoint.v8Id);
    if (v8Id === undefined) {
      this.breakpoints.delete(clientId);
      return;
    }
    breakpoint.v8Id = v8Id;
    if (v8Id !== clientId) this.#clientIds.set(v8Id, clientId);
  }

  toV8Id(clientId: string): string {
    return this.breakpoints.get(clientId)?.v8Id ?? clientId;
  }

  toClientId(v8Id: string): string {
    return this.#clientIds.get(v8Id) ?? v8Id;
  }

  /** Whether any id differs between the client and V8 (messages carrying ids must then be rewritten). */
  get renamed(): boolean {
    return this.#clientIds.size > 0;
  }
}

export interface ConnectionHooks {
  target: InspectorTarget;
  /** Sends a message to the client (if its socket is still open). */
  send(text: string): void;
  /** V8 paused the isolate before an out-of-memory crash (this connection's session saw it). */
  outOfMemory(connection: DebuggerConnection): void;
  /** The isolate was paused or resumed (as this connection's session saw it). */
  pauseChanged?(): void;
}

const gone = (message: string) => ({ code: -32000, message });
/** WORKER_STUDIO_CDP_LOG (cdpTrafficLog.ts): connections are numbered in the log. */
const trafficLog = cdpTrafficLog();
let connectionsMade = 0;
const ISOLATE_GONE = "The worker's isolate was replaced (it hit a limit); the debugger continues on the new one";

/** How long a session being closed may take to fall quiet before it is disposed anyway. */
const RETIRE_TIMEOUT_MS = 1000;

/**
 * Sessions left open on an isolate that died under them (its memory limit, before the relay could close them): they
 * can never be closed, and isolated-vm deadlocks one of its threads when it frees such an isolate — a thread the
 * process's exit waits for, forever. The sidecar checks this before exiting (main.ts).
 */
let sessionsLeftOnDeadIsolates = 0;

export function openSessionsOnDeadIsolates(): number {
  return sessionsLeftOnDeadIsolates;
}

/**
 * One client socket: relays it to a session on the target's current isolate, and across isolates. Unit-testable with
 * a fake target (inspectorRelay.test.ts).
 *
 * Closing a session safely (`retire`): isolated-vm destroys a session's channel as soon as it is disposed, but V8's
 * end of the session only later, on the isolate's thread; anything V8 sends in between (an answer, an event) crashes
 * the process ("pure virtual method called"). And the isolate must not be disposed with a session open (isolated-vm
 * deadlocks). So a session is disposed only once quiet: its domains disabled and every message to it answered.
 */
export class DebuggerConnection {
  readonly #hooks: ConnectionHooks;
  readonly #log: ((direction: CdpDirection, text: string) => void) | undefined;
  readonly #state = new SessionState();
  #session: ivm.InspectorSession | undefined;
  /** Bumped with each session: callbacks of an earlier session are ignored. */
  #generation = 0;
  #defaults: ContextDefaults;
  #released: ReleasedScripts;
  readonly #nudger: PauseNudger;
  /** Client requests sent to the current session and not answered yet. */
  readonly #inflight = new Map<number, Request>();
  /** The relay's own requests awaiting V8's answer. */
  readonly #own = new Map<number, (message: CdpMessage) => void>();
  #nextOwnId = REPLAY_ID_BASE;
  /** Client messages that arrived while no session could take them; sent to the next one. */
  #queue: CdpMessage[] = [];
  /** Whether the client was last told the isolate is paused. */
  #clientPaused = false;
  #closed = false;
  /** While the session is being closed: settles the retirement (once quiet, or when the session goes otherwise). */
  #retiring: { done: Promise<void>; quiet: () => void; settle: () => void } | undefined;

  constructor(hooks: ConnectionHooks) {
    const number = ++connectionsMade;
    const log = trafficLog && ((direction: CdpDirection, text: string) => trafficLog!(number, direction, text));
    this.#log = log;
    this.#hooks = log
      ? {
          ...hooks,
          send: (text) => {
            log('←client', text);
            hooks.send(text);
          },
        }
      : hooks;
    this.#defaults = new ContextDefaults(this.#liveContexts());
    this.#released = new ReleasedScripts(this.#liveContexts());
    this.#nudger = new PauseNudger((message) => this.#dispatch(message));
  }

  #liveContexts(): (() => number[]) | undefined {
    const target = this.#hooks.target;
    return target.liveContexts ? () => target.liveContexts!() : undefined;
  }

  get attached(): boolean {
    return this.#session !== undefined;
  }

  /** Whether this connection's session last saw the isolate paused. */
  get paused(): boolean {
    return this.#clientPaused;
  }

  #setPaused(paused: boolean): void {
    if (this.#clientPaused === paused) return;
    this.#clientPaused = paused;
    this.#hooks.pauseChanged?.();
  }

  /** Opens the first session; throws when the target refuses one. `now` false (the isolate is going): waits for the next. */
  start(now = true): void {
    if (!now || this.#hooks.target.inspectable === false) return;
    this.#attach(this.#hooks.target.createInspectorSession(), false);
  }

  /** A message from the client. Throws on a malformed frame. */
  fromClient(text: string): void {
    this.#log?.('client→', text);
    if (this.#closed) return;
    const message = JSON.parse(text) as CdpMessage;
    if (typeof message !== 'object' || message === null) throw new Error('a CDP message must be a JSON object');
    if (this.#session && this.#hooks.target.inspectable === false) this.#abandon();
    this.#toV8(message);
  }

  #toV8(message: CdpMessage): void {
    if (!this.#session || this.#retiring) {
      this.#queue.push(message);
      return;
    }
    const { id, method } = message;
    const local = this.#released.answer(message);
    if (local) {
      if (typeof id === 'number') this.#hooks.send(JSON.stringify({ id, ...local }));
      return;
    }
    // Recorded as the client sent it (its breakpoint ids, not V8's).
    if (typeof id === 'number' && method) this.#inflight.set(id, { method, params: { ...(message.params ?? {}) } });
    this.#defaults.toV8(message);
    if (method && TIMED_METHODS.has(method) && message.params?.timeout === undefined) message.params = { ...message.params, timeout: EVALUATION_TIMEOUT_MS };
    if (method === 'Debugger.removeBreakpoint' && typeof message.params?.breakpointId === 'string') {
      const clientId = message.params.breakpointId;
      if (this.#state.gone.delete(clientId)) {
        // A breakpoint on a script of an isolate that is gone: nothing left to remove.
        if (typeof id === 'number') {
          this.#inflight.delete(id);
          this.#hooks.send(JSON.stringify({ id, result: {} }));
        }
        return;
      }
      message.params = { ...message.params, breakpointId: this.#state.toV8Id(clientId) };
    }
    this.#nudger.sent(id);
    this.#dispatch(JSON.stringify(message));
  }

  #dispatch(text: string): void {
    const session = this.#session;
    if (!session) return;
    try {
      session.dispatchProtocolMessage(text);
    } catch {
      // The isolate died under the session (its memory limit): wait for the replacement.
      this.#abandon();
    }
  }

  #request(request: Request, answered: (message: CdpMessage) => void): void {
    const id = this.#nextOwnId++;
    const text = JSON.stringify({ id, method: request.method, params: request.params });
    this.#log?.('client→', `(relay) ${text}`);
    this.#own.set(id, answered);
    this.#nudger.sent(id);
    this.#dispatch(text);
  }

  #attach(session: ivm.InspectorSession, replay: boolean): void {
    this.#session = session;
    const generation = ++this.#generation;
    this.#defaults = new ContextDefaults(this.#liveContexts());
    this.#released = new ReleasedScripts(this.#liveContexts());
    session.onResponse = (callId, text) => {
      if (generation === this.#generation) this.#fromV8Response(callId, text);
    };
    session.onNotification = (text) => {
      if (generation === this.#generation) this.#fromV8Notification(text);
    };
    if (replay) this.#replay();
    const queued = this.#queue;
    this.#queue = [];
    for (const message of queued) this.#toV8(message);
  }

  /** Sets up in a new session what the client had set up in the old one. */
  #replay(): void {
    for (const { request, clientId } of this.#state.replay()) {
      this.#request(request, (response) => {
        if (clientId === undefined) return;
        const result = response.result;
        this.#state.rebound(clientId, typeof result?.breakpointId === 'string' ? result.breakpointId : undefined);
        // Scripts already loaded: tell the client where its breakpoint resolved (later scripts send breakpointResolved).
        for (const location of (result?.locations as unknown[] | undefined) ?? []) {
          this.#hooks.send(JSON.stringify({ method: 'Debugger.breakpointResolved', params: { breakpointId: clientId, location } }));
        }
      });
    }
  }

  #fromV8Response(callId: number, text: string): void {
    if (this.#nudger.answered(callId)) {
      const own = this.#own.get(callId);
      if (own) {
        this.#log?.('v8→', text);
        this.#own.delete(callId);
        own(JSON.parse(text) as CdpMessage);
      } else {
        const request = this.#inflight.get(callId);
        this.#inflight.delete(callId);
        // Only the (small) answers to methods that set state up are parsed.
        if (request && SessionState.tracks(request.method)) {
          const response = JSON.parse(text) as CdpMessage;
          if (response.result) this.#state.record(request, response.result);
        }
        this.#hooks.send(text);
      }
    }
    if (this.#retiring && this.#inflight.size === 0 && this.#own.size === 0 && this.#nudger.idle) this.#retiring.quiet();
  }

  #fromV8Notification(text: string): void {
    this.#log?.('v8→', text);
    if (this.#retiring) {
      // What disabling the domains causes (a resume): the client hears of it from detach.
      this.#nudger.notification(text);
      return;
    }
    let message = text;
    if (text.startsWith('{"method":"Debugger.paused"')) {
      const paused = JSON.parse(text) as CdpMessage;
      if (paused.params?.reason === 'OOM') {
        // V8 stops before an out-of-memory crash. The isolate is about to die at its memory limit, and isolated-vm
        // deadlocks disposing an isolate with a session open: the relay closes its sessions (which resumes it).
        // The client is not shown the pause.
        this.#nudger.notification(text);
        this.#hooks.outOfMemory(this);
        return;
      }
      if (this.#state.renamed && Array.isArray(paused.params?.hitBreakpoints)) {
        paused.params.hitBreakpoints = (paused.params.hitBreakpoints as string[]).map((id) => this.#state.toClientId(id));
        message = JSON.stringify(paused);
      }
      this.#setPaused(true);
    } else if (text.startsWith('{"method":"Debugger.resumed"')) {
      this.#setPaused(false);
    } else if (this.#state.renamed && text.startsWith('{"method":"Debugger.breakpointResolved"')) {
      const resolved = JSON.parse(text) as CdpMessage;
      (resolved.params as Record<string, unknown>).breakpointId = this.#state.toClientId(String(resolved.params?.breakpointId));
      message = JSON.stringify(resolved);
    }
    this.#nudger.notification(text);
    this.#released.fromV8(text);
    for (const out of this.#defaults.fromV8(message)) this.#hooks.send(out);
  }

  /**
   * Closes the session safely (see the class comment) and detaches; settles once it is disposed, or gone otherwise.
   * `keepPaused`: the debugger domain stays on until the disposal, so a paused isolate resumes only then (out of
   * memory: resumed, it dies at once).
   */
  retire(keepPaused: boolean): Promise<void> {
    if (this.#retiring) return this.#retiring.done;
    if (!this.#session) return Promise.resolve();
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const timer = setTimeout(() => this.#retiring?.quiet(), RETIRE_TIMEOUT_MS);
    this.#retiring = {
      done,
      quiet: () => {
        clearTimeout(timer);
        this.detach(this.#hooks.target.inspectable !== false);
      },
      settle: () => {
        clearTimeout(timer);
        settle();
      },
    };
    // Once these are answered V8 sends this session nothing more of its own accord.
    for (const domain of ['Runtime', 'Profiler', 'HeapProfiler', ...(keepPaused ? [] : ['Debugger'])]) {
      this.#request({ method: `${domain}.disable`, params: {} }, () => {});
    }
    return done;
  }

  /**
   * The session is gone or must go now (`dispose`: disposes it; only safe once it is quiet, or when the isolate is
   * running and about to be disposed — 'closing'). The client is told what it lost: pending answers, the pause, the
   * contexts (and with them their scripts).
   */
  detach(dispose: boolean): void {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    this.#generation++;
    this.#nudger.stop();
    if (!dispose) sessionsLeftOnDeadIsolates++;
    if (dispose) {
      try {
        // Also resumes the isolate if it was paused.
        session.dispose();
      } catch {
        // already dead
      }
    }
    this.#own.clear();
    this.#state.isolateGone();
    const retiring = this.#retiring;
    this.#retiring = undefined;
    retiring?.settle();
    if (this.#closed) {
      this.#setPaused(false);
      return;
    }
    for (const id of this.#inflight.keys()) this.#hooks.send(JSON.stringify({ id, error: gone(ISOLATE_GONE) }));
    this.#inflight.clear();
    if (this.#clientPaused) {
      this.#setPaused(false);
      this.#hooks.send(JSON.stringify({ method: 'Debugger.resumed', params: {} }));
    }
    if (this.#state.runtimeEnabled) {
      for (const out of this.#defaults.fromV8(JSON.stringify({ method: 'Runtime.executionContextsCleared', params: {} }))) this.#hooks.send(out);
    }
  }

  /** The session's isolate died under it: never touch the session again (isolated-vm would block on it). */
  #abandon(): void {
    this.detach(false);
  }

  /** A new isolate: a session on it, with the client's state replayed and its queued messages sent. */
  replaced(): void {
    if (this.#closed) return;
    if (this.#session) this.#abandon();
    let session: ivm.InspectorSession;
    try {
      session = this.#hooks.target.createInspectorSession();
    } catch (err) {
      process.stderr.write(`inspector: could not reattach a debugger to the new isolate: ${err instanceof Error ? err.message : String(err)}\n`);
      return;
    }
    this.#attach(session, true);
  }

  /** The client's socket closed: the session is closed (which resumes a paused isolate); settles once it is. */
  close(): Promise<void> {
    if (this.#closed) return this.#retiring?.done ?? Promise.resolve();
    this.#closed = true;
    this.#queue = [];
    if (this.#hooks.target.inspectable === false) {
      this.#abandon();
      return Promise.resolve();
    }
    return this.retire(false);
  }
}

/** Every client connection of a relay, following the target's isolate. */
export class DebuggerConnections {
  readonly #target: InspectorTarget;
  readonly #all = new Set<DebuggerConnection>();
  /** Bumped with each new isolate. */
  #isolates = 0;
  readonly #unwatch: (() => void) | undefined;
  #paused = false;
  /** Sessions of closed sockets still being closed. */
  readonly #closing = new Set<Promise<void>>();
  /** Between 'closing' and 'replaced': new connections wait for the new isolate. */
  #isolateClosing = false;

  constructor(target: InspectorTarget) {
    this.#target = target;
    this.#unwatch = target.watchIsolate?.((event) => this.#isolate(event));
  }

  /** 'closing': every session is closed before the isolate goes (the returned promise). 'replaced': reattach. */
  #isolate(event: IsolateEvent): Promise<unknown> | undefined {
    if (event === 'replaced') {
      this.#isolates++;
      this.#isolateClosing = false;
      for (const connection of this.#all) connection.replaced();
      return undefined;
    }
    this.#isolateClosing = true;
    return Promise.all([...this.#all].map((connection) => connection.retire(false)));
  }

  /** A new client; throws when the target refuses it a session. */
  open(send: (text: string) => void): DebuggerConnection {
    const connection = new DebuggerConnection({ target: this.#target, send, outOfMemory: () => this.#outOfMemory(), pauseChanged: () => this.#pauseChanged() });
    connection.start(!this.#isolateClosing);
    this.#all.add(connection);
    return connection;
  }

  /** The client's socket closed. */
  closed(connection: DebuggerConnection): void {
    const closing = connection.close().then(() => {
      this.#all.delete(connection);
      this.#closing.delete(closing);
      this.#pauseChanged();
    });
    this.#closing.add(closing);
  }

  /** Settles once every closed socket's session is disposed (the isolate must not be disposed before). */
  async stop(): Promise<void> {
    this.#unwatch?.();
    await Promise.all(this.#closing);
  }

  /** The isolate is paused while any session last saw it paused. */
  #pauseChanged(): void {
    const paused = [...this.#all].some((connection) => connection.paused);
    if (paused === this.#paused) return;
    this.#paused = paused;
    this.#target.debuggerPaused?.(paused);
  }

  /**
   * V8 paused the isolate before running out of memory: every session is closed while it stays paused, then it
   * resumes, dies at its memory limit and the pool replaces it. Should it live on after all (its allocations stopped
   * just short of the limit), the connections go back to it. Not on a guess: a session open on the isolate when it
   * dies can never be closed (isolated-vm would block on it), and isolated-vm deadlocks when it finally frees that
   * isolate (at the latest when the process exits). A busy machine can take well over a second to get there.
   */
  #outOfMemory(): void {
    const isolate = this.#isolates;
    void Promise.all([...this.#all].map((connection) => connection.retire(true)))
      .then(() => this.#target.survivedOutOfMemory?.() ?? new Promise<boolean>((resolve) => setTimeout(() => resolve(true), OUT_OF_MEMORY_GRACE_MS).unref()))
      .then((survived) => {
        if (!survived || isolate !== this.#isolates || this.#target.inspectable === false) return;
        for (const connection of this.#all) if (!connection.attached) connection.replaced();
      });
  }
}

/** Without `survivedOutOfMemory`: how long after an out-of-memory pause the relay waits before returning to the isolate. */
const OUT_OF_MEMORY_GRACE_MS = 1000;

export function startInspectorRelay(port: number, target: InspectorTarget, title: string): Promise<InspectorRelay> {
  const id = randomUUID();
  const sockets = new Set<WebSocket>();
  const connections = new DebuggerConnections(target);
  let actualPort = port;
  let debuggerIsReady = false;
  let setDebuggerReady = () => {};
  const debuggerReady = new Promise<void>((resolve) => (setDebuggerReady = resolve));
  /** Whether a client message is the debugger's "set up, go on" (checked cheaply until the first one). */
  const isRunIfWaiting = (text: string) => text.includes('"Runtime.runIfWaitingForDebugger"') && (JSON.parse(text) as CdpMessage).method === 'Runtime.runIfWaitingForDebugger';
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
    let open = true;
    // A malformed frame must cost only this socket, never the sidecar: log one line and close it with 1011.
    const fail = (err: unknown) => {
      if (!open) return;
      open = false;
      process.stderr.write(`inspector: closing a debugger connection: ${err instanceof Error ? err.message : String(err)}\n`);
      ws.close(1011, 'inspector relay error');
    };
    let connection: DebuggerConnection;
    try {
      connection = connections.open((text) => {
        if (open && ws.readyState === ws.OPEN) ws.send(text);
      });
    } catch (err) {
      process.stderr.write(`inspector: refusing a debugger connection: ${err instanceof Error ? err.message : String(err)}\n`);
      ws.close(1011, 'inspector relay error');
      return;
    }
    sockets.add(ws);
    ws.on('message', (data) => {
      if (!open) return;
      try {
        const text = String(data);
        connection.fromClient(text);
        if (!debuggerIsReady && isRunIfWaiting(text)) {
          debuggerIsReady = true;
          setDebuggerReady();
        }
      } catch (err) {
        fail(err);
      }
    });
    ws.on('close', () => {
      open = false;
      sockets.delete(ws);
      connections.closed(connection);
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
        debuggerReady,
        close: async () => {
          const closed = [...sockets].map((ws) => new Promise<void>((done) => {
            ws.once('close', () => done());
            ws.terminate();
          }));
          await Promise.all(closed);
          await connections.stop();
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
