/**
 * Load-time rewrites of an ONNX graph that onnxruntime's own optimiser does not make.
 *
 * 1. `dropNanGuards`: PyTorch's exporter guards every attention softmax with `Where(IsNaN(p), 0, p)`:
 *    it only changes a row whose keys are all masked, which a BERT-style encoder never has (its [CLS]
 *    token is never masked). Each guard reads and writes the whole [batch, heads, tokens, tokens]
 *    tensor; on all-MiniLM-L6-v2 dropping the six of them saves ~7% of the CPU time per batch with
 *    outputs equal to the last float bit in practice (min cosine 0.99999998 over 256 SciFact chunks).
 * 2. `int8MatMuls`: a model stored with int8 *weights* (`MatMul(x, Cast(w_int8) * scale)`) is run by
 *    onnxruntime in float32: constant folding turns the weights back into floats at load. Rewritten
 *    into com.microsoft `MatMulNBits` (8 bits), the product is computed in int8: the weights as
 *    stored, the activations quantised per row as they come. See `int8MatMuls`.
 *
 * Only those exact patterns are touched; any other model comes back byte for byte. The protobuf is
 * walked at the level of field boundaries (ModelProto 7 = graph, 8 = opset_import; GraphProto 1 =
 * node, 5 = initializer, 12 = output; NodeProto 1 = input, 2 = output, 3 = name, 4 = op_type,
 * 5 = attribute, 7 = domain; TensorProto 1 = dims, 2 = data_type, 8 = name) and only the nodes and
 * initializers a rewrite changes are re-encoded: every other byte is copied as it is. A protobuf
 * library would decode and re-encode the whole 20-90 MB model and drop the fields its copy of the
 * ONNX schema does not know (the published `onnx-proto` is from 2021), which can change a model
 * silently.
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

interface TensorInfo {
  f: Field;
  name: string;
  dataType: number;
  dims: number[];
}

interface Graph {
  top: Field[];
  graphField: Field & { value: Uint8Array };
  fields: Field[];
  nodes: NodeInfo[];
  producer: Map<string, NodeInfo>;
  /** How many node inputs read each value (graph outputs not counted: see `graphOutputs`). */
  uses: Map<string, number>;
  graphOutputs: Set<string>;
  /** Graph inputs (older models list their initializers here too). */
  graphInputs: Set<string>;
  initializers: Map<string, TensorInfo>;
}

/** What a rewrite changes; everything else is copied byte for byte. */
interface Edit {
  removed: Set<NodeInfo>;
  /** Nodes replaced by new NodeProto bytes. */
  replaced: Map<NodeInfo, Uint8Array>;
  /** Value renames applied to every remaining node's inputs. */
  rename: Map<string, string>;
  /** Initializers replaced by new TensorProto bytes (empty bytes: dropped). */
  tensors: Map<Field, Uint8Array>;
  /** New initializers (TensorProto bytes), appended to the graph. */
  added: Uint8Array[];
  /** Operator sets the new nodes need, added when the model does not import them. */
  opsets: Array<{ domain: string; version: number }>;
}

/** The value of a varint field (wire type 0) of `buf`. */
function varintValue(buf: Uint8Array, f: Field): number {
  return readVarint(buf, readVarint(buf, f.start)[1])[0];
}

const strings = (fs: Field[], n: number): string[] =>
  fs.filter((x) => x.field === n && x.wire === 2).map((x) => text.decode(x.value));

function parseGraph(model: Uint8Array): Graph | null {
  const top = fields(model);
  const graphField = top.find((f) => f.field === 7 && f.wire === 2);
  if (!graphField?.value) return null;
  const graph = fields(graphField.value);
  const nodes: NodeInfo[] = graph
    .filter((f) => f.field === 1 && f.wire === 2)
    .map((f) => {
      const nf = fields(f.value!);
      return {
        f,
        inputs: strings(nf, 1),
        outputs: strings(nf, 2),
        op: strings(nf, 4)[0] ?? '',
        domain: strings(nf, 7)[0] ?? '',
      };
    });
  const graphOutputs = new Set(
    graph.filter((f) => f.field === 12 && f.wire === 2).flatMap((f) => strings(fields(f.value!), 1)),
  );
  const graphInputs = new Set(
    graph.filter((f) => f.field === 11 && f.wire === 2).flatMap((f) => strings(fields(f.value!), 1)),
  );
  const producer = new Map<string, NodeInfo>();
  const uses = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  }
  const initializers = new Map<string, TensorInfo>();
  for (const f of graph) {
    if (f.field !== 5 || f.wire !== 2) continue;
    const tf = fields(f.value!);
    const dims: number[] = [];
    for (const d of tf.filter((x) => x.field === 1)) {
      if (d.wire === 0) dims.push(varintValue(f.value!, d));
      else if (d.wire === 2)
        for (let p = 0; p < d.value!.length;) {
          const [v, next] = readVarint(d.value!, p);
          dims.push(v);
          p = next;
        }
    }
    const dt = tf.find((x) => x.field === 2 && x.wire === 0);
    const name = strings(tf, 8)[0];
    if (name === undefined) continue;
    initializers.set(name, { f, name, dataType: dt ? varintValue(f.value!, dt) : 0, dims });
  }
  return {
    top,
    graphField: graphField as Graph['graphField'],
    fields: graph,
    nodes,
    producer,
    uses,
    graphOutputs,
    graphInputs,
    initializers,
  };
}

function applyEdit(model: Uint8Array, g: Graph, edit: Edit): Uint8Array {
  const resolve = (name: string): string => {
    let r = name;
    while (edit.rename.has(r)) r = edit.rename.get(r)!;
    return r;
  };
  const byField = new Map(g.nodes.map((n) => [n.f, n]));
  const graphValue = g.graphField.value;
  const graphParts: Uint8Array[] = g.fields.map((f) => {
    const replacedTensor = edit.tensors.get(f);
    if (replacedTensor) return replacedTensor.length ? lengthDelimited(5, replacedTensor) : replacedTensor;
    const n = byField.get(f);
    if (!n) return graphValue.subarray(f.start, f.end);
    if (edit.removed.has(n)) return new Uint8Array(0);
    const replaced = edit.replaced.get(n);
    if (replaced) return lengthDelimited(1, replaced);
    if (!n.inputs.some((i) => edit.rename.has(i))) return graphValue.subarray(f.start, f.end);
    const node = concat(
      fields(f.value!).map((x) =>
        x.field === 1 && x.wire === 2
          ? lengthDelimited(1, encoder.encode(resolve(text.decode(x.value))))
          : f.value!.subarray(x.start, x.end),
      ),
    );
    return lengthDelimited(1, node);
  });
  const imported = new Set(
    g.top.filter((f) => f.field === 8 && f.wire === 2).map((f) => strings(fields(f.value!), 1)[0] ?? ''),
  );
  const opsets = edit.opsets
    .filter((o) => !imported.has(o.domain))
    .map((o) => {
      const version: number[] = [];
      writeVarint(2 * 8, version);
      writeVarint(o.version, version);
      return lengthDelimited(
        8,
        concat([lengthDelimited(1, encoder.encode(o.domain)), Uint8Array.from(version)]),
      );
    });
  return concat([
    ...g.top.map((f) =>
      f === g.graphField
        ? lengthDelimited(7, concat([...graphParts, ...edit.added.map((t) => lengthDelimited(5, t))]))
        : model.subarray(f.start, f.end),
    ),
    ...opsets,
  ]);
}

/** The model with its softmax NaN guards removed, and how many nodes went. */
export function dropNanGuards(model: Uint8Array): { bytes: Uint8Array; removed: number } {
  const unchanged = { bytes: model, removed: 0 };
  try {
    const g = parseGraph(model);
    if (!g) return unchanged;
    const removed = new Set<NodeInfo>();
    const rename = new Map<string, string>();
    for (const n of g.nodes) {
      if (n.op !== 'Where' || n.domain !== '' || n.inputs.length !== 3 || n.outputs.length !== 1) continue;
      const [cond, , kept] = n.inputs as [string, string, string];
      const guard = g.producer.get(cond);
      if (!guard || guard.op !== 'IsNaN' || guard.domain !== '' || guard.inputs[0] !== kept) continue;
      if (g.uses.get(cond) !== 1 || g.graphOutputs.has(n.outputs[0]!)) continue;
      removed.add(n).add(guard);
      rename.set(n.outputs[0]!, kept);
    }
    if (removed.size === 0) return unchanged;
    const bytes = applyEdit(model, g, {
      removed,
      rename,
      replaced: new Map(),
      tensors: new Map(),
      added: [],
      opsets: [],
    });
    return { bytes, removed: removed.size };
  } catch {
    // Not a protobuf this walker understands: leave it to onnxruntime as it is.
    return unchanged;
  }
}

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const ATTRIBUTE_INT = 2;
/** MatMulNBits' block along K: one weight scale and one activation scale per 64 values. */
const BLOCK = 64;

/** The integer attribute `name` of a node, or undefined. */
function intAttribute(n: NodeInfo, name: string): number | undefined {
  for (const a of fields(n.f.value!).filter((x) => x.field === 5 && x.wire === 2)) {
    const af = fields(a.value!);
    if (strings(af, 1)[0] !== name) continue;
    const type = af.find((x) => x.field === 20 && x.wire === 0);
    const i = af.find((x) => x.field === 3 && x.wire === 0);
    if (!i || (type && varintValue(a.value!, type) !== ATTRIBUTE_INT)) return undefined;
    return varintValue(a.value!, i);
  }
  return undefined;
}

function varint(field: number, n: number): Uint8Array {
  const out: number[] = [];
  writeVarint(field * 8, out);
  writeVarint(n, out);
  return Uint8Array.from(out);
}

const stringField = (field: number, s: string): Uint8Array => lengthDelimited(field, encoder.encode(s));

function intAttributeProto(name: string, value: number): Uint8Array {
  return lengthDelimited(5, concat([stringField(1, name), varint(3, value), varint(20, ATTRIBUTE_INT)]));
}

function tensorProto(name: string, dataType: number, dims: number[], raw: Uint8Array): Uint8Array {
  return concat([
    ...dims.map((d) => varint(1, d)),
    varint(2, dataType),
    stringField(8, name),
    lengthDelimited(9, raw),
  ]);
}

/** A tensor's data as bytes when it is stored inline: raw_data, or float_data for floats. */
function tensorBytes(t: TensorInfo): Uint8Array | null {
  const tf = fields(t.f.value!);
  if (tf.some((x) => x.field === 14)) return null; // data_location: external
  const raw = tf.find((x) => x.field === 9 && x.wire === 2);
  if (raw) return raw.value!;
  if (t.dataType !== FLOAT) return null;
  const packed = tf.filter((x) => x.field === 4 && x.wire === 2).map((x) => x.value!);
  const single = tf
    .filter((x) => x.field === 4 && x.wire === 5)
    .map((x) => t.f.value!.subarray(x.end - 4, x.end));
  return packed.length || single.length ? concat([...packed, ...single]) : null;
}

/**
 * Weight-only int8 MatMuls rewritten to run in int8 (see the header), and how many were.
 *
 * A MatMul qualifies when its weight is `Cast(w)` to float of an int8 initializer w [K, N], times a
 * float initializer scale (one per tensor or one per column: [], [1], [N] or [1, N]; symmetric, so
 * no zero point), and neither the Cast nor the Mul feeds anything else. It becomes com.microsoft
 * `MatMulNBits` with 8-bit weights and `accuracy_level` 4: the same int8 weights (stored N-major,
 * offset by its default zero point 128) and their scales, and activations quantised to int8 per row
 * in blocks of 64 along K. Per row, a text's vector does not depend on the other texts of its batch:
 * a per-tensor activation scale (`DynamicQuantizeMatMul`) moved MiniLM's vectors by up to cosine
 * 0.007 between a text embedded alone and in a batch, and by 0.008 from the fp32 model's. Here, on
 * all-MiniLM-L6-v2 int8 and 256 SciFact chunks, the vectors stay within cosine 0.9987 of the fp32
 * model's (mean 0.9991; the float path of the same file: 0.9991 and 0.9994) at 1.34x the float
 * path's throughput on one thread (blocks of 128: 1.39x but 0.9979; of 32: 1.29x). The old weight
 * and scale initializers go when nothing else reads them.
 *
 * Only worth it where the CPU has int8 dot products (see `int8DotProduct` in cpuFeatures.ts).
 */
export function int8MatMuls(model: Uint8Array): { bytes: Uint8Array; rewritten: number } {
  const unchanged = { bytes: model, rewritten: 0 };
  try {
    const g = parseGraph(model);
    if (!g) return unchanged;
    const edit: Edit = {
      removed: new Set(),
      replaced: new Map(),
      rename: new Map(),
      tensors: new Map(),
      added: [],
      opsets: [],
    };
    const single = (name: string): boolean => g.uses.get(name) === 1 && !g.graphOutputs.has(name);
    const names = new Set([...g.initializers.keys(), ...g.producer.keys(), ...g.graphInputs]);
    const fresh = (base: string): string => {
      let name = base;
      for (let i = 1; names.has(name); i++) name = `${base}.${i}`;
      names.add(name);
      return name;
    };
    const readers = new Map<string, number>();
    for (const n of g.nodes) {
      if (n.op !== 'MatMul' || n.domain !== '' || n.inputs.length !== 2 || n.outputs.length !== 1) continue;
      const [x, b] = n.inputs as [string, string];
      const mul = g.producer.get(b);
      if (!mul || mul.op !== 'Mul' || mul.domain !== '' || mul.inputs.length !== 2 || !single(b)) continue;
      const castIndex = mul.inputs.findIndex((i) => g.producer.get(i)?.op === 'Cast');
      if (castIndex < 0) continue;
      const cast = g.producer.get(mul.inputs[castIndex]!)!;
      const scale = g.initializers.get(mul.inputs[1 - castIndex]!);
      const weight = g.initializers.get(cast.inputs[0] ?? '');
      if (cast.domain !== '' || !single(cast.outputs[0]!) || intAttribute(cast, 'to') !== FLOAT) continue;
      if (!weight || weight.dataType !== INT8 || weight.dims.length !== 2) continue;
      if (!scale || scale.dataType !== FLOAT) continue;
      const [k, cols] = weight.dims as [number, number];
      const perColumn = scale.dims.reduce((a, d) => a * d, 1);
      if (
        perColumn !== 1 &&
        !(perColumn === cols && scale.dims.every((d, i, all) => d === 1 || i === all.length - 1))
      )
        continue;
      const w = tensorBytes(weight);
      const sRaw = tensorBytes(scale);
      if (!w || w.length !== k * cols || !sRaw || sRaw.length !== perColumn * 4) continue;
      const scales = new Float32Array(Uint8Array.from(sRaw).buffer); // a copy: aligned, and never a Buffer's pool

      // B [N, blocks, BLOCK] uint8: w transposed, + 128; the padding past K is 128 (a zero weight).
      const blocks = Math.ceil(k / BLOCK);
      const packed = new Uint8Array(cols * blocks * BLOCK).fill(128);
      for (let r = 0; r < k; r++)
        for (let c = 0; c < cols; c++) packed[c * blocks * BLOCK + r] = (w[r * cols + c]! + 128) & 0xff;
      const blockScales = new Float32Array(cols * blocks);
      for (let c = 0; c < cols; c++)
        blockScales.fill(scales[perColumn === 1 ? 0 : c]!, c * blocks, (c + 1) * blocks);
      const bName = fresh(`${weight.name}.nbits`);
      const sName = fresh(`${scale.name}.nbits`);
      edit.added.push(tensorProto(bName, UINT8, [cols, blocks, BLOCK], packed));
      edit.added.push(tensorProto(sName, FLOAT, [cols * blocks], new Uint8Array(blockScales.buffer)));
      for (const t of [weight.name, scale.name]) readers.set(t, (readers.get(t) ?? 0) + 1);

      edit.removed.add(mul).add(cast);
      edit.replaced.set(
        n,
        concat([
          stringField(1, x),
          stringField(1, bName),
          stringField(1, sName),
          stringField(2, n.outputs[0]!),
          stringField(3, `${n.outputs[0]}/int8`),
          stringField(4, 'MatMulNBits'),
          intAttributeProto('K', k),
          intAttributeProto('N', cols),
          intAttributeProto('bits', 8),
          intAttributeProto('block_size', BLOCK),
          intAttributeProto('accuracy_level', 4),
          stringField(7, 'com.microsoft'),
        ]),
      );
    }
    if (edit.replaced.size === 0) return unchanged;
    // Initializers whose every reader was rewritten away (onnxruntime would drop them with a warning each).
    for (const [name, n] of readers)
      if (n === g.uses.get(name) && !g.graphOutputs.has(name) && !g.graphInputs.has(name))
        edit.tensors.set(g.initializers.get(name)!.f, new Uint8Array(0));
    edit.opsets.push({ domain: 'com.microsoft', version: 1 });
    return { bytes: applyEdit(model, g, edit), rewritten: edit.replaced.size };
  } catch {
    return unchanged;
  }
}
