/** Pure helpers of the optimiser panel (heat map, table rows): no React, unit-tested. */
import type { Evaluation } from "../lib/types";

/** The part of a contract Evaluation the heat map reads (the flags may be left out). */
export type EvaluationLike = Pick<Evaluation, "params" | "objective"> & Partial<Pick<Evaluation, "objectiveInfinite" | "tooFewTrades">>;

export interface HeatMap {
  xs: Array<string | number | boolean>;
  ys: Array<string | number | boolean>;
  /** cells[yIndex][xIndex]: the best objective of the sets with those two values (other params may vary); null = no finite value. */
  cells: Array<Array<number | null>>;
  min: number | null;
  max: number | null;
}

const order = (a: string | number | boolean, b: string | number | boolean) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)));

/** The two parameters' values as axes and the best objective per cell. Infinite objectives count as the best cell value seen. */
export function heatMap(evaluations: readonly EvaluationLike[], x: string, y: string): HeatMap {
  const values = (key: string) => [...new Set(evaluations.map((e) => e.params[key] as string | number | boolean).filter((v) => v !== undefined))].sort(order);
  const xs = values(x);
  const ys = values(y);
  const cells = ys.map(() => xs.map((): number | null => null));
  const finite = evaluations.filter((e) => e.objective !== null && Number.isFinite(e.objective));
  const top = finite.length ? Math.max(...finite.map((e) => e.objective!)) : null;
  for (const e of evaluations) {
    const xi = xs.indexOf(e.params[x] as never);
    const yi = ys.indexOf(e.params[y] as never);
    if (xi < 0 || yi < 0) continue;
    const value = e.objectiveInfinite ? top : e.objective;
    if (value === null || !Number.isFinite(value)) continue;
    const cur = cells[yi][xi];
    if (cur === null || value > cur) cells[yi][xi] = value;
  }
  const all = cells.flat().filter((v): v is number => v !== null);
  return { xs, ys, cells, min: all.length ? Math.min(...all) : null, max: all.length ? Math.max(...all) : null };
}

/** 0..1 position of a value between min and max (0.5 when they are equal). */
export function shade(value: number, min: number, max: number): number {
  return max === min ? 0.5 : Math.min(1, Math.max(0, (value - min) / (max - min)));
}

/** Red (worst) → amber → green (best), readable on the dark theme. */
export function heatColor(t: number): string {
  const hue = Math.round(t * 120);
  return `hsl(${hue} 55% ${30 + t * 10}%)`;
}

/** The parameters a search varied (in space order), for the axis pickers. */
export function variedParams(space: ReadonlyArray<{ name: string }>): string[] {
  return space.map((p) => p.name);
}
