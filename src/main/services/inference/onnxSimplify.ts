/**
 * Load-time simplification of an ONNX graph that onnxruntime's own optimiser leaves in place.
 *
 * PyTorch's exporter guards every attention softmax with `Where(IsNaN(p), 0, p)`: it only changes
 * a row whose keys are all masked, which a BERT-style encoder never has (its [CLS] token is never
 * masked). Each guard reads and writes the whole [batch, heads, tokens, tokens] tensor; on
 * all-MiniLM-L6-v2 dropping the six of them saves ~7% of the CPU time per batch with outputs equal
 * to the last float bit in practice (min cosine 0.99999998 over 256 SciFact chunks).
 *
 * Only that exact pattern is touched (the IsNaN feeds nothing else, the Where output is no graph
 * output); any other model comes back byte for byte. The protobuf is walked at the level of field
 * boundaries (ModelProto field 7 = graph; GraphProto field 1 = node, 12 = output; NodeProto 1 = input,
 * 2 = output, 4 = op_type, 7 = domain) and only the guard nodes are cut out: every other byte is
 * copied as it is. A protobuf library would decode and re-encode the whole 20-90 MB model and drop
 * the fields its copy of the ONNX schema does not know (the published `onnx-proto` is from 2021),
 * which can change a model silently.
 */

interface Field {
  field: number;
  wire: number;
  /** Where the field (key included) starts and ends in its message. */
  start: number;
  end: number;
  /** The value's bytes for length-delimited fields. */
  value?: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
  }
}

function writeVarint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, p1] = readVarint(buf, pos);
    const wire = key % 8;
    const field = Math.floor(key / 8);
    pos = p1;
    let value: Uint8Array | undefined;
    if (wire === 0) pos = readVarint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      value = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (pos > buf.length) throw new Error('truncated protobuf field');
    out.push({ field, wire, start, end: pos, value });
  }
  return out;
}

const text = new TextDecoder();
const encoder = new TextEncoder();

function lengthDelimited(field: number, value: Uint8Array): Uint8Array {
  const head: number[] = [];
  writeVarint(field * 8 + 2, head);
  writeVarint(value.length, head);
  const out = new Uint8Array(head.length + value.length);
  out.set(head);
  out.set(value, head.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface NodeInfo {
  f: Field;
  inputs: string[];
  outputs: string[];
  op: string;
  domain: string;
}

/** The model with its softmax NaN guards removed, and how many nodes went. */
export function dropNanGuards(model: Uint8Array): { bytes: Uint8Array; removed: number } {
  const unchanged = { bytes: model, removed: 0 };
  try {
    const top = fields(model);
    const graphField = top.find((f) => f.field === 7 && f.wire === 2);
    if (!graphField?.value) return unchanged;
    const graph = fields(graphField.value);
    const nodes: NodeInfo[] = graph
      .filter((f) => f.field === 1 && f.wire === 2)
      .map((f) => {
        const nf = fields(f.value!);
        const str = (n: number): string[] =>
          nf.filter((x) => x.field === n && x.wire === 2).map((x) => text.decode(x.value));
        return { f, inputs: str(1), outputs: str(2), op: str(4)[0] ?? '', domain: str(7)[0] ?? '' };
      });
    const graphOutputs = new Set(
      graph
        .filter((f) => f.field === 12 && f.wire === 2)
        .flatMap((f) => fields(f.value!).filter((x) => x.field === 1 && x.wire === 2))
        .map((x) => text.decode(x.value)),
    );
    const producer = new Map<string, NodeInfo>();
    const uses = new Map<string, number>();
    for (const n of nodes) {
      for (const o of n.outputs) producer.set(o, n);
      for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
    }
    const removed = new Set<NodeInfo>();
    const rename = new Map<string, string>();
    for (const n of nodes) {
      if (n.op !== 'Where' || n.domain !== '' || n.inputs.length !== 3 || n.outputs.length !== 1) continue;
      const [cond, , kept] = n.inputs as [string, string, string];
      const guard = producer.get(cond);
      if (!guard || guard.op !== 'IsNaN' || guard.domain !== '' || guard.inputs[0] !== kept) continue;
      if (uses.get(cond) !== 1 || graphOutputs.has(n.outputs[0]!)) continue;
      removed.add(n).add(guard);
      rename.set(n.outputs[0]!, kept);
    }
    if (removed.size === 0) return unchanged;
    const resolve = (name: string): string => {
      let r = name;
      while (rename.has(r)) r = rename.get(r)!;
      return r;
    };
    const byField = new Map(nodes.map((n) => [n.f, n]));
    const graphParts: Uint8Array[] = graph.map((f) => {
      const n = byField.get(f);
      if (!n) return graphField.value!.subarray(f.start, f.end);
      if (removed.has(n)) return new Uint8Array(0);
      if (!n.inputs.some((i) => rename.has(i))) return graphField.value!.subarray(f.start, f.end);
      const node = concat(
        fields(f.value!).map((x) =>
          x.field === 1 && x.wire === 2
            ? lengthDelimited(1, encoder.encode(resolve(text.decode(x.value))))
            : f.value!.subarray(x.start, x.end),
        ),
      );
      return lengthDelimited(1, node);
    });
    const newGraph = concat(graphParts);
    const bytes = concat(
      top.map((f) => (f === graphField ? lengthDelimited(7, newGraph) : model.subarray(f.start, f.end))),
    );
    return { bytes, removed: removed.size };
  } catch {
    // Not a protobuf this walker understands: leave it to onnxruntime as it is.
    return unchanged;
  }
}
