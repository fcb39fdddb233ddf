/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4, what prom-client writes and
 * Prometheus scrapes): https://prometheus.io/docs/instrumenting/exposition_formats/. No kept parser
 * package is installed, so this one throws on anything Prometheus would refuse or misread: malformed
 * lines, bad escapes, a TYPE after its samples or twice, samples of one family not together, a sample
 * name that does not belong to its family's type, duplicate series, and histograms whose buckets are
 * not cumulative or whose +Inf bucket differs from _count.
 */
export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);

export class ExpositionError extends Error {
  constructor(lineNo: number, line: string, why: string) {
    super(`line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
  }
}

function parseValue(raw: string): number | undefined {
  // Prometheus reads values with Go's strconv.ParseFloat: Inf/Infinity/NaN in any case (prom-client writes "Nan").
  if (/^\+?inf(inity)?$/i.test(raw)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(raw)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(raw)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

/** `{a="1",b="x\"y"}` → labels; returns the index after the closing brace. */
function parseLabels(line: string, start: number, fail: (why: string) => never): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (line[i] === "}") return { labels, end: i + 1 };
    const nameEnd = line.indexOf("=", i);
    if (nameEnd < 0) fail("label without =");
    const name = line.slice(i, nameEnd).trim();
    if (!LABEL_NAME.test(name)) fail(`bad label name ${JSON.stringify(name)}`);
    if (name in labels) fail(`label ${name} twice`);
    i = nameEnd + 1;
    if (line[i] !== '"') fail("label value not quoted");
    i += 1;
    let value = "";
    for (;;) {
      const c = line[i];
      if (c === undefined) fail("unterminated label value");
      if (c === '"') break;
      if (c === "\\") {
        const e = line[i + 1];
        if (e === "\\") value += "\\";
        else if (e === '"') value += '"';
        else if (e === "n") value += "\n";
        else fail(`bad escape \\${e ?? ""}`);
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    labels[name] = value;
    i += 1;
    if (line[i] === ",") i += 1;
    else if (line[i] !== "}") fail("expected , or } after a label");
  }
}

/** The family a sample name belongs to, given the declared types. */
function familyOf(name: string, types: Map<string, MetricType>): string {
  if (types.has(name) && types.get(name) !== "histogram") return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = types.get(base);
    if (t === "histogram" || (t === "summary" && suffix !== "_bucket")) return base;
  }
  return name;
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const fail = (why: string): never => {
      throw new ExpositionError(lineNo, line, why);
    };
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name, rest = ""] = m;
      if (!METRIC_NAME.test(name)) fail("bad metric name");
      if (keyword === "TYPE") {
        if (!TYPES.has(rest as MetricType)) fail(`unknown type ${rest}`);
        if (types.has(name)) fail("second TYPE line");
        if (families.has(name)) fail("TYPE after the family's samples");
        types.set(name, rest as MetricType);
      } else {
        if (helps.has(name)) fail("second HELP line");
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) fail("bad escape in HELP");
        helps.set(name, rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\"));
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) fail("no metric name");
    const name = nameMatch![0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === "{") ({ labels, end: i } = parseLabels(line, i, fail));
    if (line[i] !== " ") fail("expected a space before the value");
    const parts = line.slice(i + 1).split(" ");
    if (parts.length > 2 || parts[0] === "") fail("expected `value [timestamp]`");
    const value = parseValue(parts[0]);
    if (value === undefined) fail(`bad value ${parts[0]}`);
    const timestamp = parts[1] === undefined ? undefined : /^-?\d+$/.test(parts[1]) ? Number(parts[1]) : fail(`bad timestamp ${parts[1]}`);

    const family = familyOf(name, types);
    const type = types.get(family) ?? "untyped";
    if (family !== current) {
      if (closed.has(family)) fail(`samples of ${family} are not together`);
      if (current) closed.add(current);
      current = family;
    }
    if (type === "histogram") {
      if (name === `${family}_bucket` && !("le" in labels)) fail("a bucket without le");
      if (name !== `${family}_bucket` && "le" in labels) fail("le outside a bucket");
    }
    if (type === "summary" && name === family && !("quantile" in labels)) fail("a summary sample without quantile");
    const key = `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
    if (series.has(key)) fail("duplicate series");
    series.add(key);
    let f = families.get(family);
    if (!f) families.set(family, (f = { name: family, type, help: helps.get(family), samples: [] }));
    f.samples.push({ name, labels, value: value!, ...(timestamp !== undefined ? { timestamp } : {}) });
  });
  // Families declared with no samples yet (a labelled counter nothing has counted) are real families too.
  for (const [name, type] of types) if (!families.has(name)) families.set(name, { name, type, help: helps.get(name), samples: [] });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: Array<{ le: number; value: number }>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name.endsWith("_bucket")) {
      const bound = parseValue(le);
      if (bound === undefined || Number.isNaN(bound)) throw new Error(`${f.name}: bad le ${le}`);
      g.buckets.push({ le: bound, value: s.value });
    } else if (s.name.endsWith("_count")) g.count = s.value;
    else g.sum = s.value;
  }
  for (const [labels, g] of groups) {
    const where = `${f.name}${labels}`;
    const sorted = [...g.buckets].sort((a, b) => a.le - b.le);
    if (sorted.at(-1)?.le !== Number.POSITIVE_INFINITY) throw new Error(`${where}: no le="+Inf" bucket`);
    for (let i = 1; i < sorted.length; i++) if (sorted[i].value < sorted[i - 1].value) throw new Error(`${where}: buckets are not cumulative`);
    if (g.count === undefined || g.sum === undefined) throw new Error(`${where}: _count or _sum missing`);
    if (sorted.at(-1)!.value !== g.count) throw new Error(`${where}: +Inf bucket ${sorted.at(-1)!.value} differs from _count ${g.count}`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`; throws when there is none or several. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const all = [...families.values()].flatMap((f) => f.samples);
  const hits = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${hits.length} samples`);
  return hits[0].value;
}
