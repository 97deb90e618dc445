/**
 * What the user says about memory, recognised without a model: "remember that ...", "forget that",
 * and statements such as "my X is Y" (facts worth keeping even when not asked to).
 */

export type MemoryCommand =
  { kind: 'remember'; fact: string } | { kind: 'forget'; about: string | undefined };

const REMEMBER =
  /^\s*(?:(?:please|hey|ok(?:ay)?|nook)[,\s]+)*(?:remember|note|keep in mind|don't forget)(?:\s+that)?\s*[:,]?\s+(.{3,500}?)\s*[.!]*\s*$/i;
const FORGET =
  /^\s*(?:(?:please|hey|ok(?:ay)?|nook)[,\s]+)*forget\s*(?:(?:that|it|this|about)\b\s*)?(.{0,300}?)\s*[.!]*\s*$/i;
const ABBREV = String.raw`(?:Dr|Mr|Mrs|Ms|St|Prof|Jr|Sr|Mt|No)\.`;
const MY_X_IS_Y = new RegExp(
  String.raw`\bmy\s+([\p{L}\p{N}' -]{2,40}?)\s+(is|are|was|were)\s+((?:${ABBREV}\s*|[^?!.\n]){1,120})`,
  'iu',
);
/** Sentence ends, except after a title such as "Dr." or a single initial. */
const SENTENCE_END = new RegExp(String.raw`(?<=[.!?;])(?<!\b${ABBREV})(?<!\b[A-Z]\.)\s+`);
const QUESTION =
  /\?\s*$|^\s*(?:what|when|where|who|whom|which|why|how|is|are|do|does|did|can|could|should|would|will)\b/i;

export function parseMemoryCommand(text: string): MemoryCommand | undefined {
  const f = FORGET.exec(text);
  if (f) return { kind: 'forget', about: f[1]?.trim() || undefined };
  const r = REMEMBER.exec(text);
  if (r && !/\?\s*$/.test(text)) return { kind: 'remember', fact: r[1]!.trim() };
  return undefined;
}

/** Facts stated in passing ("my X is Y"), from statements only (never from questions). */
export function impliedFacts(text: string): string[] {
  const out: string[] = [];
  for (const sentence of text.split(SENTENCE_END)) {
    if (QUESTION.test(sentence)) continue;
    const m = MY_X_IS_Y.exec(sentence);
    if (m) out.push(`my ${m[1]!.trim()} ${m[2]!.toLowerCase()} ${m[3]!.trim()}`);
  }
  return out;
}
