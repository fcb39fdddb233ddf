import { Sma } from "./sma";
import { checkVolume, type Indicator } from "./types";

/** Simple moving average of volume; rejects negative volume as well as non-finite input. */
export class VolumeAverage implements Indicator<number, number> {
  readonly name: string;
  readonly warmup: number;
  private readonly sma: Sma;

  constructor(readonly period = 20) {
    this.sma = new Sma(period);
    this.name = `VolumeSMA(${period})`;
    this.warmup = period;
  }

  get count(): number {
    return this.sma.count;
  }
  get isReady(): boolean {
    return this.sma.isReady;
  }
  get value(): number | undefined {
    return this.sma.value;
  }

  update(volume: number): number | undefined {
    checkVolume(this.name, volume);
    return this.sma.update(volume);
  }

  reset(): void {
    this.sma.reset();
  }
}
