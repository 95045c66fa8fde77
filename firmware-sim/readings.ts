/**
 * Readings that look like a real indoor sensor node's: temperature and humidity that drift slowly
 * (a mean-reverting random walk around a per-sensor set point, plus a daily swing), sensor noise,
 * ADC quantisation, and the battery voltage the battery model reports, read through a noisy ADC.
 * Everything comes from a seeded PRNG, so `--seed` makes a run reproducible.
 */
import type { Random } from './prng.js';

export interface Reading {
  /** Sequence number of this report, from 1: lets a subscriber spot gaps and duplicates. */
  seq: number;
  /** °C, 2 decimals (SHT3x-class resolution). */
  temperature: number;
  /** % relative humidity, 1 decimal. */
  humidity: number;
  /** Battery terminal voltage, V, 3 decimals (12-bit ADC on a 3.6 V reference). */
  batteryVolts: number;
}

const DAY_SECONDS = 86_400;
/** How strongly the drift pulls back towards the set point, per second (time constant ≈ 30 min). */
const REVERSION_PER_SECOND = 1 / 1800;
const DRIFT_SD_PER_SQRT_SECOND = 0.01;
const TEMPERATURE_NOISE_SD = 0.08;
const HUMIDITY_NOISE_SD = 0.4;
const ADC_NOISE_SD_VOLTS = 0.004;

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export class ReadingsModel {
  private seq = 0;
  private drift = 0;
  private lastAt: number | undefined;
  private readonly setPoint: number;
  private readonly dailySwing: number;
  private readonly phase: number;
  private readonly humidityBase: number;

  constructor(private readonly random: Random) {
    this.setPoint = random.between(18, 24);
    this.dailySwing = random.between(0.5, 2.5);
    this.phase = random.between(0, 2 * Math.PI);
    this.humidityBase = random.between(35, 60);
  }

  /** A reading at `nowSeconds` (simulation time); `batteryVolts` is the true terminal voltage. */
  next(nowSeconds: number, batteryVolts: number): Reading {
    this.advanceDrift(nowSeconds);
    const daily = this.dailySwing * Math.sin((2 * Math.PI * nowSeconds) / DAY_SECONDS + this.phase);
    const trueTemperature = this.setPoint + daily + this.drift;
    const temperature = trueTemperature + this.random.gaussian(TEMPERATURE_NOISE_SD);
    // Relative humidity falls as the air warms (about 3 %RH per °C near room temperature).
    const humidity =
      this.humidityBase - 3 * (trueTemperature - this.setPoint) + this.random.gaussian(HUMIDITY_NOISE_SD);
    this.seq += 1;
    return {
      seq: this.seq,
      temperature: round(temperature, 2),
      humidity: round(Math.min(100, Math.max(0, humidity)), 1),
      batteryVolts: round(batteryVolts + this.random.gaussian(ADC_NOISE_SD_VOLTS), 3),
    };
  }

  /** Ornstein–Uhlenbeck step over the time since the last reading. */
  private advanceDrift(nowSeconds: number): void {
    const elapsed = this.lastAt === undefined ? 0 : Math.max(0, nowSeconds - this.lastAt);
    this.lastAt = nowSeconds;
    if (elapsed === 0) return;
    const keep = Math.exp(-REVERSION_PER_SECOND * elapsed);
    this.drift = this.drift * keep + this.random.gaussian(DRIFT_SD_PER_SQRT_SECOND * Math.sqrt(elapsed));
  }
}

/** The PUBLISH payload of a reading: compact JSON, small enough for a 60-octet ZigBee frame (§7.4). */
export function encodeReading(reading: Reading): Buffer {
  return Buffer.from(
    `{"seq":${reading.seq},"t":${reading.temperature},"h":${reading.humidity},"v":${reading.batteryVolts}}`,
  );
}
