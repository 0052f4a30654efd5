// Instances without affinity, per-request CPU vs wall time, the CPU limit, and eviction on demand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Evict, Instances } from '../../common/protocol.ts';
import { connectRpc, ensureRuntimeBuilt, fixture, spawnDev, startDev } from './helpers.ts';

test.before(() => ensureRuntimeBuilt());

const json = async (url: string) => (await fetch(url)).json() as Promise<{ instanceId: string; count: number }>;

test('two instances with their own globals; two requests in a row never land on the same one', async () => {
  const dev = await startDev([fixture('runtime-instances/index.js'), '--port', '0']);
  try {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await json(dev.url)).instanceId);
    assert.equal(new Set(seen).size, 2, 'both instances served');
    for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], `request ${i} went to the same instance as the one before`);
    await dev.waitFor('stdout', /^GET \/ 200 [\d.]+ms cpu [\d.]+ms wall #1$/m);
    await dev.waitFor('stdout', /^GET \/ 200 [\d.]+ms cpu [\d.]+ms wall #2$/m);
  } finally {
    await dev.stop();
  }
});

test('CPU time counts running code, not waiting: a timer wait is wall time only', async () => {
  const dev = await startDev([fixture('runtime-instances/index.js'), '--port', '0', '--instances', '1']);
  try {
    await fetch(`${dev.url}/wait?ms=300`);
    const wait = await dev.waitFor('stdout', /^GET \/wait\?ms=300 200 ([\d.]+)ms cpu ([\d.]+)ms wall #1$/m);
    assert.ok(Number(wait[1]) < 100, `waiting used ${wait[1]} ms of CPU`);
    assert.ok(Number(wait[2]) >= 300, `wall ${wait[2]} ms`);
    await fetch(`${dev.url}/spin?ms=200`);
    const spin = await dev.waitFor('stdout', /^GET \/spin\?ms=200 200 ([\d.]+)ms cpu ([\d.]+)ms wall #1$/m);
    assert.ok(Number(spin[1]) >= 150, `spinning used only ${spin[1]} ms of CPU`);
  } finally {
    await dev.stop();
  }
});

test('over the CPU limit: 503 naming the limit and the figure, instances evicted, the next request served', { timeout: 30_000 }, async () => {
  const dev = await startDev([fixture('runtime-instances/index.js'), '--port', '0', '--cpu-limit-ms', '50']);
  try {
    const looped = await fetch(`${dev.url}/loop`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(looped.status, 503);
    assert.match(await looped.text(), /more CPU time than the limit of 50 ms \(\d+ ms when it was stopped\)/);
    await dev.waitFor('stderr', /^↻ #1 evicted: The request used more CPU time than the limit of 50 ms/m);
    const next = await fetch(dev.url);
    assert.equal(next.status, 200);
    assert.equal(((await next.json()) as { count: number }).count, 1, 'fresh globals after the eviction');
    assert.equal(dev.child.exitCode, null);
  } finally {
    await dev.stop();
  }
});

test('runaway recursion fails its request (500, the stack overflow named) and the instance keeps serving', async () => {
  const dev = await startDev([fixture('runtime-instances/index.js'), '--port', '0', '--instances', '1']);
  try {
    const before = ((await (await fetch(dev.url)).json()) as { count: number }).count;
    const overflow = await fetch(`${dev.url}/recurse`);
    assert.equal(overflow.status, 500);
    assert.match(await overflow.text(), /RangeError: Maximum call stack size exceeded/);
    const after = await fetch(dev.url);
    assert.equal(after.status, 200);
    assert.equal(((await after.json()) as { count: number }).count, before + 1, 'the same instance, its globals intact');
    assert.equal(dev.child.exitCode, null);
  } finally {
    await dev.stop();
  }
});

test('evict on demand: the `e` key (a line on a pipe) and runtime/evict give fresh globals, logged with the reason', async () => {
  const { child, out } = spawnDev([fixture('runtime-instances/index.js'), '--port', '0', '--instances', '1'], { stdin: 'pipe' });
  try {
    const url = await new Promise<string>((resolve) => child.stdout!.on('data', () => {
      const match = /Ready on (\S+)/.exec(out.stdout);
      if (match) resolve(match[1] as string);
    }));
    await json(url);
    assert.equal((await json(url)).count, 2);
    child.stdin!.write('e\n');
    await new Promise<void>((resolve) => child.stderr!.on('data', () => /↻ #1 evicted: requested/.test(out.stderr) && resolve()));
    assert.equal((await json(url)).count, 1);
  } finally {
    child.kill('SIGTERM');
  }

  const { connection, events, child: rpcChild, exited } = connectRpc([fixture('runtime-instances/index.js'), '--port', '0']);
  try {
    const ready = await events.ready;
    await json(ready.url);
    await json(ready.url);
    assert.deepEqual(await connection.sendRequest(Evict, { instance: 2 }), { evicted: [2] });
    assert.deepEqual(await connection.sendRequest(Evict, {}), { evicted: [1, 2] });
    await assert.rejects(connection.sendRequest(Evict, { instance: 3 }), /there is no instance 3/);
  } finally {
    rpcChild.kill('SIGTERM');
    await exited;
  }
});

test('runtime/instances: what each instance served and its CPU, reset by its eviction (counted), and the shared heap', async () => {
  const { connection, events, request, child, exited } = connectRpc([fixture('runtime-instances/index.js'), '--port', '0']);
  try {
    const ready = await events.ready;
    const fresh = await connection.sendRequest(Instances);
    assert.deepEqual(fresh.instances.map((i) => [i.instance, i.served, i.evictions]), [[1, 0, 0], [2, 0, 0]]);
    assert.ok(fresh.heap && fresh.heap.usedBytes > 0 && fresh.heap.limitBytes >= 128 * 1024 * 1024, `heap ${JSON.stringify(fresh.heap)}`);

    const paths = [1, 2, 3].map((n) => `/spin?ms=60&n=${n}`);
    for (const path of paths) await fetch(ready.url + path);
    // An event counts once its record is out: wait for the three records.
    const records = await Promise.all(paths.map((path) => request(path)));
    const byInstance = (n: number) => records.filter((r) => r.instance === n);
    const after = await connection.sendRequest(Instances);
    for (const stats of after.instances) {
      const served = byInstance(stats.instance);
      assert.equal(stats.served, served.length, `instance ${stats.instance}: ${JSON.stringify(stats)} vs records ${JSON.stringify(served.map((r) => r.instance))}`);
      const cpu = served.reduce((sum, r) => sum + (r.cpuMs ?? 0), 0);
      assert.ok(Math.abs(stats.cpuMs - cpu) < 1, `instance ${stats.instance}: cpuMs ${stats.cpuMs}, its records say ${cpu}`);
      assert.equal(stats.inFlight, 0);
    }
    assert.ok(after.instances.reduce((sum, i) => sum + i.cpuMs, 0) >= 3 * 40, `three 60 ms spins used ${JSON.stringify(after.instances)}`);

    const evicted = await connection.sendRequest(Instances).then(async (before) => {
      await connection.sendRequest(Evict, { instance: 1 });
      return { before, after: await connection.sendRequest(Instances) };
    });
    const one = evicted.after.instances[0]!;
    assert.deepEqual([one.served, one.cpuMs, one.evictions, one.lastEviction], [0, 0, 1, 'requested'], JSON.stringify(one));
    assert.ok(one.createdAt >= evicted.before.instances[0]!.createdAt);
    assert.deepEqual(evicted.after.instances[1], evicted.before.instances[1], 'instance 2 is untouched');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
