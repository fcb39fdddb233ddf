/**
 * L2-regularised logistic regression on standardised features, fitted by Newton's method (IRLS) with
 * a backtracking line search. The objective is strictly convex (λ > 0), so the fit is unique and fully
 * deterministic: no random initialisation, no seed, the same rows give the same coefficients.
 *
 *   minimise  -(1/n) Σ [y log p + (1 - y) log(1 - p)] + (λ/2) ‖w‖²,   p = σ(b + w · z),
 *   z = (x - mean) / std   (the intercept b is not penalised)
 */

export interface LogisticModel {
  means: number[];
  stds: number[];
  weights: number[];
  intercept: number;
  lambda: number;
}

export interface FitOptions {
  /** L2 strength on the standardised weights; must be > 0 (keeps the problem well-posed on separable data). */
  lambda: number;
  maxIterations?: number;
  /** Stop when the largest Newton step is below this. */
  tolerance?: number;
}

export interface FitResult {
  model: LogisticModel;
  iterations: number;
  converged: boolean;
  /** Objective value at the solution (mean log loss + penalty). */
  objective: number;
}

export class ModelInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "ModelInputError";
  }
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Column means and population standard deviations (a constant column gets std 1: it then contributes nothing). */
export function standardizer(rows: readonly ArrayLike<number>[]): { means: number[]; stds: number[] } {
  if (rows.length === 0) throw new ModelInputError("cannot standardise an empty set of rows");
  const d = rows[0].length;
  const means = new Array<number>(d).fill(0);
  const stds = new Array<number>(d).fill(0);
  for (const row of rows) for (let j = 0; j < d; j++) means[j] += row[j];
  for (let j = 0; j < d; j++) means[j] /= rows.length;
  for (const row of rows) {
    for (let j = 0; j < d; j++) {
      const dev = row[j] - means[j];
      stds[j] += dev * dev;
    }
  }
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(stds[j] / rows.length);
    stds[j] = sd > 1e-12 * Math.max(1, Math.abs(means[j])) ? sd : 1;
  }
  return { means, stds };
}

/** Solves A x = b for a symmetric positive-definite A (Cholesky); A and b are not modified. */
function solveSpd(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = a.map((row) => row.slice());
  for (let j = 0; j < n; j++) {
    let diag = l[j][j];
    for (let k = 0; k < j; k++) diag -= l[j][k] * l[j][k];
    if (!(diag > 0)) throw new ModelInputError("the Newton system is not positive definite (degenerate features)");
    const root = Math.sqrt(diag);
    l[j][j] = root;
    for (let i = j + 1; i < n; i++) {
      let s = l[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = s / root;
    }
  }
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}

function checkRows(rows: readonly ArrayLike<number>[], labels: ArrayLike<number>): number {
  if (rows.length === 0) throw new ModelInputError("no training rows");
  if (rows.length !== labels.length) throw new ModelInputError(`${rows.length} rows but ${labels.length} labels`);
  const d = rows[0].length;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.length !== d) throw new ModelInputError(`row ${i} has ${row.length} features, expected ${d}`);
    for (let j = 0; j < d; j++) if (!Number.isFinite(row[j])) throw new ModelInputError(`row ${i} feature ${j} is not finite (${row[j]})`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new ModelInputError(`label ${i} must be 0 or 1 (got ${labels[i]})`);
  }
  return d;
}

/** Fits the model; throws ModelInputError for empty, ragged or non-finite input or labels other than 0/1. */
export function fitLogistic(rows: readonly ArrayLike<number>[], labels: ArrayLike<number>, options: FitOptions): FitResult {
  const { lambda } = options;
  if (!(Number.isFinite(lambda) && lambda > 0)) throw new ModelInputError(`lambda must be a finite number > 0 (got ${lambda})`);
  const d = checkRows(rows, labels);
  const n = rows.length;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-9;
  const { means, stds } = standardizer(rows);
  // Standardised design, row-major in one buffer, with a leading 1 per row for the intercept.
  const width = d + 1;
  const z = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const base = i * width;
    z[base] = 1;
    for (let j = 0; j < d; j++) z[base + j + 1] = (row[j] - means[j]) / stds[j];
  }
  const y = Float64Array.from({ length: n }, (_, i) => labels[i]);
  const linear = (t: ArrayLike<number>, base: number): number => {
    let eta = 0;
    for (let j = 0; j < width; j++) eta += t[j] * z[base + j];
    return eta;
  };
  const objectiveAt = (t: ArrayLike<number>): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const eta = linear(t, i * width);
      // -[y log σ(η) + (1-y) log(1-σ(η))] = softplus(η) - y η
      loss += softplus(eta) - y[i] * eta;
    }
    let penalty = 0;
    for (let j = 1; j < width; j++) penalty += t[j] * t[j];
    return loss / n + (lambda / 2) * penalty;
  };

  const theta = new Float64Array(width);
  const gradient = new Float64Array(width);
  const hessian = new Float64Array(width * width);
  let objective = objectiveAt(theta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i++) {
      const base = i * width;
      const p = sigmoid(linear(theta, base));
      const r = p - y[i];
      const w = p * (1 - p);
      for (let j = 0; j < width; j++) {
        const zj = z[base + j];
        gradient[j] += r * zj;
        const wzj = w * zj;
        const row = j * width;
        for (let k = 0; k <= j; k++) hessian[row + k] += wzj * z[base + k];
      }
    }
    const system: number[][] = [];
    for (let j = 0; j < width; j++) {
      gradient[j] /= n;
      if (j > 0) gradient[j] += lambda * theta[j];
      const line = new Array<number>(width);
      for (let k = 0; k < width; k++) line[k] = (k <= j ? hessian[j * width + k] : hessian[k * width + j]) / n;
      if (j > 0) line[j] += lambda;
      system.push(line);
    }
    // A tiny ridge on the intercept keeps the system solvable when every label is the same.
    system[0][0] += 1e-12;
    const step = solveSpd(system, Array.from(gradient));
    let scale = 1;
    let candidate = theta.map((t, j) => t - step[j]);
    let candidateObjective = objectiveAt(candidate);
    while (candidateObjective > objective + 1e-15 && scale > 1e-6) {
      scale /= 2;
      candidate = theta.map((t, j) => t - scale * step[j]);
      candidateObjective = objectiveAt(candidate);
    }
    let largestStep = 0;
    for (let j = 0; j < width; j++) largestStep = Math.max(largestStep, Math.abs(step[j] * scale));
    theta.set(candidate);
    objective = candidateObjective;
    if (largestStep < tolerance) {
      converged = true;
      break;
    }
  }
  return { model: { means, stds, weights: Array.from(theta.subarray(1)), intercept: theta[0], lambda }, iterations, converged, objective };
}

/** The logit b + Σ w_j z_j of one row. */
export function logit(model: LogisticModel, row: ArrayLike<number>): number {
  let eta = model.intercept;
  for (let j = 0; j < model.weights.length; j++) eta += (model.weights[j] * (row[j] - model.means[j])) / model.stds[j];
  return eta;
}

export function predictProbability(model: LogisticModel, row: ArrayLike<number>): number {
  return sigmoid(logit(model, row));
}

export interface Contribution {
  feature: string;
  /** The raw feature value. */
  value: number;
  /** (value - training mean) / training std */
  standardized: number;
  /** coefficient × standardised value: how far this feature moves the logit (positive = towards "higher"). */
  contribution: number;
}

/** Per-feature contributions to the logit, largest magnitude first; they sum (with the intercept) to the logit. */
export function contributions(model: LogisticModel, row: ArrayLike<number>, names: readonly string[]): Contribution[] {
  const out: Contribution[] = [];
  for (let j = 0; j < model.weights.length; j++) {
    const standardized = (row[j] - model.means[j]) / model.stds[j];
    out.push({ feature: names[j] ?? `x${j}`, value: row[j], standardized, contribution: model.weights[j] * standardized });
  }
  return out.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
}
