/**
 * The `cloudflare:workers` module: the base classes a worker extends (`DurableObject`, `WorkerEntrypoint`,
 * `RpcTarget`, `WorkflowEntrypoint`) and `env`. The prelude keeps them under WORKERS_MODULE_GLOBAL (not enumerable); the
 * host links a one-line module that re-exports them (runtime/src/workerIsolate.ts, CLOUDFLARE_WORKERS_MODULE).
 */

/** Filled with the worker's env when it starts (`import { env } from 'cloudflare:workers'`). */
export const workersEnv: Record<string, unknown> = {};

/** What the classes a worker extends share: the context and the env they are made with. */
class Entrypoint {
  ctx: unknown;
  env: unknown;
  constructor(ctx: unknown, env: unknown) {
    this.ctx = ctx;
    this.env = env;
  }
}

export class DurableObject extends Entrypoint {}
export class WorkerEntrypoint extends Entrypoint {}
export class WorkflowEntrypoint extends Entrypoint {}

export class RpcTarget {}

export const WORKERS_MODULE_GLOBAL = '__workerStudioCloudflareWorkers';

export const workersModule = { DurableObject, WorkerEntrypoint, WorkflowEntrypoint, RpcTarget, env: workersEnv };
