/** The seeded PRNG, the readings model, the battery model and the timer heap. */
import { describe, expect, it } from 'vitest';
import { Battery, ENERGY_MODEL, voltsForLevel } from './battery.js';
import { createRandom } from './prng.js';
import { encodeReading, ReadingsModel } from './readings.js';
import { Scheduler, type Timer } from './scheduler.js';
import { percentile } from './stats.js';

describe('createRandom', () => {
  it('gives the same stream for the same seed and different streams for neighbouring seeds', () => {
    const a = createRandom(1);
    const b = createRandom(1);
    const c = createRandom(2);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
    expect(createRandom(1).fork(3).next()).toBe(createRandom(1).fork(3).next());
    expect(createRandom(1).fork(3).next()).not.toBe(createRandom(1).fork(4).next());
  });

  it('chance(p) happens about p of the time, gaussian has about the asked spread', () => {
    const random = createRandom(9);
    let hits = 0;
    let sumSquares = 0;
    for (let i = 0; i < 20_000; i++) {
      if (random.chance(0.1)) hits++;
      sumSquares += random.gaussian(2) ** 2;
    }
    expect(hits / 20_000).toBeGreaterThan(0.09);
    expect(hits / 20_000).toBeLessThan(0.11);
    expect(Math.sqrt(sumSquares / 20_000)).toBeGreaterThan(1.9);
    expect(Math.sqrt(sumSquares / 20_000)).toBeLessThan(2.1);
    expect(random.chance(0)).toBe(false);
  });
});

describe('ReadingsModel', () => {
  it('drifts plausibly around a set point, with sequence numbers and a compact payload', () => {
    const model = new ReadingsModel(createRandom(5));
    const readings = Array.from({ length: 200 }, (_, i) => model.next(i * 60, 3.0));
    expect(readings.map((r) => r.seq)).toEqual(readings.map((_, i) => i + 1));
    for (const r of readings) {
      expect(r.temperature).toBeGreaterThan(10);
      expect(r.temperature).toBeLessThan(32);
      expect(r.humidity).toBeGreaterThanOrEqual(0);
      expect(r.humidity).toBeLessThanOrEqual(100);
      expect(Math.abs(r.batteryVolts - 3.0)).toBeLessThan(0.05);
    }
    const steps = readings.slice(1).map((r, i) => Math.abs(r.temperature - readings[i]!.temperature));
    expect(Math.max(...steps)).toBeLessThan(2); // drift, not jumps
    const payload = encodeReading(readings[0]!);
    expect(JSON.parse(payload.toString())).toEqual({
      seq: 1,
      t: readings[0]!.temperature,
      h: readings[0]!.humidity,
      v: readings[0]!.batteryVolts,
    });
    expect(payload.length).toBeLessThanOrEqual(60 - 7); // fits a ZigBee frame with the PUBLISH header (§7.4)
  });
});

describe('Battery', () => {
  it('charges per packet and octet, and per second awake and asleep', () => {
    const battery = new Battery(0);
    battery.settle(5); // off until power-on: free
    expect(battery.usedJ).toBe(0);
    battery.powerOn(0);
    battery.transmitted(10);
    battery.received(20);
    expect(battery.energy.txJ).toBeCloseTo(ENERGY_MODEL.txPerPacketJ + 10 * ENERGY_MODEL.txPerOctetJ, 12);
    expect(battery.energy.rxJ).toBeCloseTo(ENERGY_MODEL.rxPerPacketJ + 20 * ENERGY_MODEL.rxPerOctetJ, 12);
    battery.setState('asleep', 2); // 2 s awake
    battery.setState('awake', 102); // 100 s asleep
    battery.settle(103); // 1 s awake
    expect(battery.energy.awakeJ).toBeCloseTo(3 * ENERGY_MODEL.awakePerSecondJ, 9);
    expect(battery.energy.asleepJ).toBeCloseTo(100 * ENERGY_MODEL.asleepPerSecondJ, 12);
  });

  it('loses level and voltage as energy is used', () => {
    const battery = new Battery(0, 1); // 1 mAh: 10.8 J
    battery.powerOn(0);
    expect(battery.level).toBe(1);
    expect(battery.volts).toBeCloseTo(3.2);
    battery.settle(60); // 60 s awake ≈ 5.4 J
    expect(battery.level).toBeCloseTo(0.5, 1);
    battery.settle(200);
    expect(battery.level).toBe(0);
    expect(battery.volts).toBe(2.0);
    expect(voltsForLevel(0.9)).toBeCloseTo(3.0);
  });
});

/** Polls until `condition` holds; bounded, and never a timing assertion. */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Scheduler', () => {
  // Due times are absolute (creation time + delay), so the tests compare the order of runs with
  // the order of due times rather than assume how long creating the timers took.
  it('runs timers in due order from one Node timer, skips cancelled ones, survives a throwing callback', async () => {
    const scheduler = new Scheduler();
    const errors: unknown[] = [];
    scheduler.onError = (error) => errors.push(error);
    const ran: Timer[] = [];
    const schedule = (delay: number): Timer => {
      const timer: Timer = scheduler.after(delay, () => ran.push(timer));
      return timer;
    };
    const timers = [schedule(30), schedule(10), schedule(25)];
    const cancelled = schedule(20);
    scheduler.after(20, () => {
      throw new Error('boom');
    });
    scheduler.cancel(cancelled);
    await until(() => ran.length === 3 && errors.length === 1);
    expect(ran).toEqual([...timers].sort((a, b) => a.due - b.due));
    scheduler.close();
    scheduler.after(0, () => ran.push(cancelled));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ran).toHaveLength(3);
  });

  it('drops cancelled timers from the heap and keeps the live ones in order', async () => {
    const scheduler = new Scheduler();
    const ran: Timer[] = [];
    const doomed = Array.from({ length: 20_000 }, () => scheduler.after(60_000, () => {}));
    const live: Timer[] = [];
    for (let i = 5; i > 0; i--) {
      const timer: Timer = scheduler.after(i * 5, () => ran.push(timer));
      live.push(timer);
    }
    for (const timer of doomed) scheduler.cancel(timer);
    expect(scheduler.size).toBeLessThan(10_000);
    await until(() => ran.length === 5);
    expect(ran).toEqual([...live].sort((a, b) => a.due - b.due));
    scheduler.close();
  });

  it('handles thousands of timers', async () => {
    const scheduler = new Scheduler();
    let ran = 0;
    for (let i = 0; i < 20_000; i++) scheduler.after(i % 50, () => ran++);
    await until(() => ran === 20_000);
    expect(ran).toBe(20_000);
    scheduler.close();
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([], 50)).toBeUndefined();
  });
});
