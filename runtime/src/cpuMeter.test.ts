import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CpuMeter } from './cpuMeter.ts';

const MS = 1e6;

test('CPU time is the isolate clock, bounded by the CPU the process really spent; paused time is nobody\'s', () => {
  // The isolate's clock (a wall clock while it runs) and the process's CPU clock, both in ns.
  let isolate = 0n;
  let processCpu = 0;
  const meter = new CpuMeter(() => isolate, () => processCpu);
  const job = meter.start();

  // An idle machine: the isolate ran 20 ms and the process spent (at least) as much.
  isolate += 20n * 1_000_000n;
  processCpu += 25 * MS;
  meter.sample();
  assert.deepEqual(job, { ns: 20 * MS, cpuNs: 20 * MS });

  // A busy machine: the isolate's turn took 100 ms, of which the process got 5 ms of CPU.
  isolate += 100n * 1_000_000n;
  processCpu += 5 * MS;
  meter.sample();
  assert.deepEqual(job, { ns: 120 * MS, cpuNs: 25 * MS });

  // Held paused by a debugger: its evaluations are no request's.
  meter.paused = true;
  assert.equal(meter.paused, true);
  isolate += 200n * 1_000_000n;
  processCpu += 200 * MS;
  meter.sample();
  meter.paused = false;
  assert.deepEqual(job, { ns: 120 * MS, cpuNs: 25 * MS });

  // Two requests in flight share what was spent.
  const other = meter.start();
  isolate += 10n * 1_000_000n;
  processCpu += 10 * MS;
  assert.equal(meter.end(other), 5);
  assert.deepEqual(job, { ns: 125 * MS, cpuNs: 30 * MS });
});
