/**
 * Battery and radio energy model of a CC2530 / XBee-class 802.15.4 node (2.4 GHz, 250 kbit/s),
 * powered by two AA cells. Energy is counted per transmission (a fixed cost per packet plus a cost
 * per octet), per reception (the same shape), per second awake (MCU on, receiver listening) and per
 * second asleep (MCU in PM2, radio off, RTC running).
 *
 * Constants (datasheet figures, rounded; V = 3.0 V):
 * - TX at 0 dBm ≈ 29 mA, RX ≈ 24 mA (CC2530: 29 / 24 mA; XBee S2C: 33 / 28 mA).
 * - 250 kbit/s → 32 µs per octet on air.
 *   TX per octet = 3.0 V × 29 mA × 32 µs ≈ 2.8 µJ;  RX per octet = 3.0 V × 24 mA × 32 µs ≈ 2.3 µJ.
 * - Per packet: PHY+MAC overhead of 17 octets (preamble, SFD, PHY header, MAC header, FCS), CSMA-CA
 *   back-off, RX/TX turnaround and the wait for the MAC ACK, ≈ 1.5 ms of radio time beyond the payload:
 *   TX per packet ≈ 150 µJ, RX per packet (overhead octets + sending the MAC ACK) ≈ 60 µJ.
 * - Awake: MCU active (≈ 6.5 mA) with the receiver listening (≈ 24 mA) ≈ 30 mA → 90 mW.
 *   This is why a node that never sleeps lasts days, not years.
 * - Asleep: PM2 ≈ 1 µA plus the sensor's standby ≈ 2 µA → 9 µW.
 * - Capacity: 2 × AA alkaline ≈ 2500 mAh at 3.0 V ≈ 27 kJ.
 * The voltage curve is a simple alkaline discharge shape: 3.2 V full, ≈ 2.4 V at 10 %, 2.0 V empty.
 */

export const ENERGY_MODEL = {
  volts: 3.0,
  txPerPacketJ: 150e-6,
  txPerOctetJ: 2.8e-6,
  rxPerPacketJ: 60e-6,
  rxPerOctetJ: 2.3e-6,
  awakePerSecondJ: 0.09,
  asleepPerSecondJ: 9e-6,
  capacityMah: 2500,
} as const;

export type PowerState = 'awake' | 'asleep';

export interface EnergyBreakdown {
  txJ: number;
  rxJ: number;
  awakeJ: number;
  asleepJ: number;
}

export class Battery {
  readonly energy: EnergyBreakdown = { txJ: 0, rxJ: 0, awakeJ: 0, asleepJ: 0 };
  private readonly capacityJ: number;
  /** 'off' until powerOn: a sensor waiting for its start offset draws nothing. */
  private state: PowerState | 'off' = 'off';
  private stateSince: number;

  /** `nowSeconds`: the clock the sensor runs on; `capacityMah` lets a demo drain a small cell. */
  constructor(nowSeconds: number, capacityMah: number = ENERGY_MODEL.capacityMah) {
    this.capacityJ = (capacityMah / 1000) * 3600 * ENERGY_MODEL.volts;
    this.stateSince = nowSeconds;
  }

  /** Power-on at `nowSeconds`: time before it (waiting for the fleet's ramp) costs nothing. */
  powerOn(nowSeconds: number): void {
    this.state = 'awake';
    this.stateSince = nowSeconds;
  }

  transmitted(octets: number): void {
    this.energy.txJ += ENERGY_MODEL.txPerPacketJ + ENERGY_MODEL.txPerOctetJ * octets;
  }

  received(octets: number): void {
    this.energy.rxJ += ENERGY_MODEL.rxPerPacketJ + ENERGY_MODEL.rxPerOctetJ * octets;
  }

  /** Switches between awake and asleep, charging the time spent in the state being left. */
  setState(state: PowerState, nowSeconds: number): void {
    this.settle(nowSeconds);
    this.state = state;
  }

  get powerState(): PowerState | 'off' {
    return this.state;
  }

  /** Charges the time spent in the current state up to `nowSeconds` (call before reading totals). */
  settle(nowSeconds: number): void {
    const elapsed = Math.max(0, nowSeconds - this.stateSince);
    this.stateSince = nowSeconds;
    if (this.state === 'awake') this.energy.awakeJ += elapsed * ENERGY_MODEL.awakePerSecondJ;
    else if (this.state === 'asleep') this.energy.asleepJ += elapsed * ENERGY_MODEL.asleepPerSecondJ;
  }

  get usedJ(): number {
    const e = this.energy;
    return e.txJ + e.rxJ + e.awakeJ + e.asleepJ;
  }

  /** State of charge, 0..1. */
  get level(): number {
    return Math.max(0, 1 - this.usedJ / this.capacityJ);
  }

  /** Terminal voltage for the state of charge (piecewise-linear alkaline curve, 2 cells). */
  get volts(): number {
    return voltsForLevel(this.level);
  }
}

const CURVE: ReadonlyArray<readonly [level: number, volts: number]> = [
  [0, 2.0],
  [0.1, 2.4],
  [0.5, 2.7],
  [0.9, 3.0],
  [1, 3.2],
];

export function voltsForLevel(level: number): number {
  for (let i = 1; i < CURVE.length; i++) {
    const [l1, v1] = CURVE[i]!;
    const [l0, v0] = CURVE[i - 1]!;
    if (level <= l1) return v0 + ((v1 - v0) * (level - l0)) / (l1 - l0);
  }
  return CURVE[CURVE.length - 1]![1];
}

export function addEnergy(into: EnergyBreakdown, from: EnergyBreakdown): void {
  into.txJ += from.txJ;
  into.rxJ += from.rxJ;
  into.awakeJ += from.awakeJ;
  into.asleepJ += from.asleepJ;
}

export function totalEnergy(e: EnergyBreakdown): number {
  return e.txJ + e.rxJ + e.awakeJ + e.asleepJ;
}
