/**
 * How the runtime waits for a worker's handler without hiding its exceptions from a debugger. The runtime answers an
 * exception that escapes the handler with a 500 page, so it has to catch it; but a try/catch (or a `.catch`) around
 * the handler's promise is a catcher to V8's catch prediction, and "Pause on uncaught exceptions" would then never
 * stop in a worker. `settle` observes the promise with `finally` (a reaction V8 sees through) and reads its outcome
 * only once it has settled, after V8 has predicted the exception uncaught and paused where the worker threw it.
 * Exceptions the worker catches itself stay caught.
 */

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `run` (an async function: it never throws synchronously) and resolves with how its promise settled. */
export function settle<T>(run: () => Promise<T>): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const pending = run();
    const observed = pending.finally(() => {
      // `observed` rejects as `pending` did: handled here, once the prediction is past.
      observed.catch(() => {});
      pending.then(
        (value) => resolve({ ok: true, value }),
        (error: unknown) => resolve({ ok: false, error }),
      );
    });
  });
}
