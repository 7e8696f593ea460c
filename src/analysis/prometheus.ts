// A parser for the Prometheus text exposition format (version 0.0.4), the format the runtime's /metrics
// serves through prom-client. prom-client can write this format but not read it, and the npm parsers for it
// are unmaintained, so this is a small one written against the format's specification:
//
//   # HELP <name> <docstring>          (docstring escapes: \\ and \n)
//   # TYPE <name> <counter|gauge|histogram|summary|untyped>
//   # any other comment
//   <name>{<label>="<value>",...} <value> [<timestamp ms>]
//
// Label values escape \\, \" and \n. Values are Go floats: decimal, scientific, NaN, +Inf, -Inf. A
// trailing comma inside the braces is allowed. Blank lines are ignored. A malformed line makes the whole
// parse fail: a scrape we cannot read is reported as a failed scrape, never half-understood.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name, e.g. modelship_request_duration_seconds_bucket. */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class ExpositionParseError extends Error {
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionParseError';
    this.line = line;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/**
 * Parses an exposition into metric families, keyed by family name. Samples of a histogram (`_bucket`,
 * `_sum`, `_count`) or summary (`_sum`, `_count`) belong to the family their TYPE line declared; a sample
 * with no TYPE line is an untyped family of its own.
 */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s(.*))?$/.exec(line);
      if (!m) continue; // a plain comment
      const [, keyword, name = '', rest = ''] = m;
      if (keyword === 'HELP') {
        family(name).help = unescapeHelp(rest);
      } else {
        const type = rest.trim();
        if (!TYPES.includes(type)) throw new ExpositionParseError(lineNo, `unknown metric type ${JSON.stringify(type)} for ${name}`);
        const f = family(name);
        if (f.samples.length > 0) throw new ExpositionParseError(lineNo, `TYPE for ${name} after its samples`);
        f.type = type as MetricType;
      }
      continue;
    }
    const sample = parseSampleLine(line, lineNo);
    family(familyOf(sample.name, families)).samples.push(sample);
  }
  return families;
}

/** The family a sample belongs to: its own name, or the histogram/summary it is a part of. */
function familyOf(sampleName: string, families: Map<string, MetricFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count', '_created']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const f = families.get(base);
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  return sampleName;
}

function parseSampleLine(line: string, lineNo: number): Sample {
  let pos = 0;
  const nameMatch = METRIC_NAME.exec(line);
  if (!nameMatch) throw new ExpositionParseError(lineNo, `expected a metric name in ${JSON.stringify(line)}`);
  const name = nameMatch[0];
  pos = name.length;
  const labels: Record<string, string> = {};
  pos = skipBlanks(line, pos);
  if (line[pos] === '{') {
    pos = skipBlanks(line, pos + 1);
    while (line[pos] !== '}') {
      const labelMatch = LABEL_NAME.exec(line.slice(pos));
      if (!labelMatch) throw new ExpositionParseError(lineNo, `expected a label name at column ${pos + 1}`);
      const labelName = labelMatch[0];
      pos = skipBlanks(line, pos + labelName.length);
      if (line[pos] !== '=') throw new ExpositionParseError(lineNo, `expected = after label ${labelName}`);
      pos = skipBlanks(line, pos + 1);
      if (line[pos] !== '"') throw new ExpositionParseError(lineNo, `expected a quoted value for label ${labelName}`);
      const { value, end } = readQuoted(line, pos + 1, lineNo);
      if (Object.hasOwn(labels, labelName)) throw new ExpositionParseError(lineNo, `label ${labelName} appears twice`);
      labels[labelName] = value;
      pos = skipBlanks(line, end);
      if (line[pos] === ',') pos = skipBlanks(line, pos + 1);
      else if (line[pos] !== '}') throw new ExpositionParseError(lineNo, `expected , or } after label ${labelName}`);
    }
    pos += 1;
  }
  const rest = line.slice(pos).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new ExpositionParseError(lineNo, `expected a value (and optional timestamp) after ${name}`);
  const value = parseValue(rest[0] ?? '', lineNo);
  const sample: Sample = { name, labels, value };
  if (rest[1] !== undefined) {
    const ts = Number(rest[1]);
    if (!Number.isInteger(ts)) throw new ExpositionParseError(lineNo, `bad timestamp ${JSON.stringify(rest[1])}`);
    sample.timestampMs = ts;
  }
  return sample;
}

function skipBlanks(line: string, pos: number): number {
  while (line[pos] === ' ' || line[pos] === '\t') pos++;
  return pos;
}

function readQuoted(line: string, start: number, lineNo: number): { value: string; end: number } {
  let out = '';
  for (let i = start; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') return { value: out, end: i + 1 };
    if (ch === '\\') {
      const next = line[i + 1];
      if (next === 'n') out += '\n';
      else if (next === '\\' || next === '"') out += next;
      else throw new ExpositionParseError(lineNo, `bad escape \\${next ?? ''} in a label value`);
      i++;
      continue;
    }
    out += ch;
  }
  throw new ExpositionParseError(lineNo, 'unterminated label value');
}

function parseValue(text: string, lineNo: number): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  // Number('') is 0 and Number('0x10') is 16; the format allows neither.
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new ExpositionParseError(lineNo, `bad sample value ${JSON.stringify(text)}`);
  return Number(text);
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}
