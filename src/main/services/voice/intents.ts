/**
 * What the user meant: a hybrid intent recogniser.
 *
 * 1. Exact patterns for app commands ("stop", "open settings", "remind me to ..."): certain and cheap.
 * 2. Otherwise nearest neighbour: the utterance's sentence embedding (query kind) against example
 *    utterances of every intent (embedded once, when an intent is registered), so new phrasings work.
 *    The best cosine similarity is the confidence; below `threshold` the utterance goes to the
 *    assistant (`ask_question`, marked `fallback`).
 * Entities are extracted per intent; dates and times with chrono-node.
 * Plugins add commands with `register({ id, examples, patterns, entities?, handler? })`.
 */
import * as chrono from 'chrono-node';
import { toDisposable, type Disposable } from '../../../shared/lifecycle';

export type Entities = Record<string, string | number | boolean | null>;

export interface IntentDefinition {
  id: string;
  description?: string;
  /** Example utterances for the nearest-neighbour match. */
  examples: string[];
  /** Exact patterns over the normalized utterance (lower case, no sentence punctuation). */
  patterns?: RegExp[];
  entities?: (text: string, now: Date) => Entities;
  /** What to do (app intents are handled by the VoiceService; plugins may bring their own). */
  handler?: (result: IntentResult) => unknown;
}

export interface IntentResult {
  intent: string;
  confidence: number;
  method: 'pattern' | 'similarity' | 'fallback';
  entities: Entities;
  /** The normalized utterance the recogniser saw. */
  text: string;
  /** The example the utterance was nearest to (similarity), or the pattern that matched. */
  matched?: string;
  /** The runner-up intent and its similarity (for diagnostics). */
  alternative?: { intent: string; confidence: number };
}

export const FALLBACK_INTENT = 'ask_question';

export type EmbedFn = (texts: string[]) => Promise<Float32Array[]>;

export interface RecognizerOptions {
  /** Lowest similarity for a nearest-neighbour match (default 0.55). */
  threshold?: number;
}

/** Lower case, "a.m." -> "am", sentence punctuation removed (":" kept for times), spaces squeezed. */
export function normalizeUtterance(text: string): string {
  return text
    .toLowerCase()
    .replace(/\b([ap])\.\s?m\.?(?=\s|$)/g, '$1m')
    .replace(/[“”"«»]/g, '')
    .replace(/[.,!?;]+(?=\s|$)/g, '')
    .replace(/(^|\s)[-–—]+(?=\s|$)/g, ' ')
    .replace(/\b(plug|e|sign)-(ins?|mails?|up)\b/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function norm(v: Float32Array): Float32Array {
  const n = Math.sqrt(dot(v, v)) || 1;
  return v.map((x) => x / n);
}

interface Registered {
  def: IntentDefinition;
  vectors?: Float32Array[];
}

export class IntentRecognizer {
  private readonly intents = new Map<string, Registered>();
  private readonly threshold: number;
  private preparing: Promise<void> | null = null;

  constructor(
    private readonly embed: EmbedFn | null,
    options: RecognizerOptions = {},
  ) {
    this.threshold = options.threshold ?? 0.55;
  }

  register(def: IntentDefinition): Disposable {
    if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(def.id)) throw new Error(`invalid intent id "${def.id}"`);
    if (this.intents.has(def.id)) throw new Error(`intent "${def.id}" is already registered`);
    const entry: Registered = { def };
    this.intents.set(def.id, entry);
    return toDisposable(() => {
      if (this.intents.get(def.id) === entry) this.intents.delete(def.id);
    });
  }

  list(): IntentDefinition[] {
    return [...this.intents.values()].map((r) => r.def);
  }

  get(id: string): IntentDefinition | undefined {
    return this.intents.get(id)?.def;
  }

  /**
   * Whisper's initial prompt for a spoken command: what each registered intent does (its description)
   * and the app's screens. Decoding a short utterance on its own, whisper has no context to tell
   * "briefing" from "breathing"; text with the app's words biases it towards them. Plugins' intents
   * take part too. Descriptions, not example utterances, so no phrasing is favoured.
   */
  decoderPrompt(maxChars = 360): string {
    const parts = [...this.intents.values()].flatMap((r) =>
      r.def.description ? [`${r.def.description.replace(/\s*\([^)]*\)/g, '')}.`] : [],
    );
    parts.push(`Screens: ${VIEWS.join(', ')}.`);
    let out = '';
    for (const p of parts) {
      if (out.length + p.length + 1 > maxChars) break;
      out = out ? `${out} ${p}` : p;
    }
    return out;
  }

  /** Embeds the examples of every intent not embedded yet (once; later calls are free). */
  async prepare(): Promise<void> {
    if (!this.embed) return;
    while (this.preparing) await this.preparing;
    const todo = [...this.intents.values()].filter((r) => !r.vectors && r.def.examples.length);
    if (!todo.length) return;
    this.preparing = (async () => {
      const texts = todo.flatMap((r) => r.def.examples.map(normalizeUtterance));
      const vecs = (await this.embed!(texts)).map(norm);
      let at = 0;
      for (const r of todo) {
        r.vectors = vecs.slice(at, at + r.def.examples.length);
        at += r.def.examples.length;
      }
    })().finally(() => (this.preparing = null));
    await this.preparing;
  }

  /** The words that make commands: the screens and the (longer) words of every intent's description. */
  private vocabulary(): Map<string, string> {
    const words = new Set<string>(VIEWS);
    for (const { def } of this.intents.values())
      for (const w of normalizeUtterance(def.description ?? '').split(/[^a-z]+/))
        if (w.length >= 5) words.add(w);
    const byKey = new Map<string, string>();
    for (const w of words) {
      const k = soundKey(w);
      // Two command words that sound alike: neither is snapped to.
      byKey.set(k, byKey.has(k) && byKey.get(k) !== w ? '' : w);
    }
    return byKey;
  }

  async recognize(utterance: string, now = new Date()): Promise<IntentResult> {
    return this.recognizeText(normalizeUtterance(utterance), now, true);
  }

  private async recognizeText(text: string, now: Date, snap: boolean): Promise<IntentResult> {
    const entitiesOf = (id: string): Entities => {
      const def = this.intents.get(id)?.def;
      try {
        return def?.entities?.(text, now) ?? {};
      } catch {
        return {};
      }
    };
    if (!text) return { intent: FALLBACK_INTENT, confidence: 0, method: 'fallback', entities: {}, text };
    for (const { def } of this.intents.values()) {
      const hit = def.patterns?.find((p) => p.test(text));
      if (hit)
        return {
          intent: def.id,
          confidence: 1,
          method: 'pattern',
          entities: entitiesOf(def.id),
          text,
          matched: String(hit),
        };
    }
    // Speech recognition confuses words that sound alike ("briefing" -> "breathing"): a word that
    // sounds like a command word (same sound key) is read as that word, and the patterns tried again.
    if (snap) {
      const vocab = this.vocabulary();
      const snapped = text
        .split(' ')
        .map((w) => (w.length < 5 ? w : vocab.get(soundKey(w)) || w))
        .join(' ');
      if (snapped !== text) {
        const r = await this.recognizeText(snapped, now, false);
        if (r.method === 'pattern') return { ...r, confidence: 0.9 };
      }
    }
    if (this.embed) {
      await this.prepare();
      const [raw] = await this.embed([text]);
      const q = norm(raw!);
      const scores: Array<{ intent: string; score: number; example: string }> = [];
      for (const { def, vectors } of this.intents.values()) {
        if (!vectors?.length) continue;
        let best = -1;
        let bestAt = 0;
        vectors.forEach((v, i) => {
          const s = dot(q, v);
          if (s > best) {
            best = s;
            bestAt = i;
          }
        });
        scores.push({ intent: def.id, score: best, example: def.examples[bestAt]! });
      }
      scores.sort((a, b) => b.score - a.score);
      const top = scores[0];
      const second = scores[1];
      const alternative = second ? { intent: second.intent, confidence: round(second.score) } : undefined;
      if (top && top.score >= this.threshold) {
        return {
          intent: top.intent,
          confidence: round(top.score),
          method: 'similarity',
          entities: entitiesOf(top.intent),
          text,
          matched: top.example,
          ...(alternative ? { alternative } : {}),
        };
      }
      return {
        intent: FALLBACK_INTENT,
        confidence: round(top?.score ?? 0),
        method: 'fallback',
        entities: entitiesOf(FALLBACK_INTENT),
        text,
        ...(top ? { alternative: { intent: top.intent, confidence: round(top.score) } } : {}),
      };
    }
    return {
      intent: FALLBACK_INTENT,
      confidence: 0,
      method: 'fallback',
      entities: entitiesOf(FALLBACK_INTENT),
      text,
    };
  }
}

/**
 * A rough sound key for one English word: consonants only (after the first letter), with the
 * letters that sound alike merged ("th"/"ph"/"v" -> f, "c"/"ck"/"q" -> k, "z" -> s) and doubles
 * collapsed: "breathing" and "briefing" are both "brfng".
 */
export function soundKey(word: string): string {
  const w = word
    .toLowerCase()
    .replace(/[^a-z]/g, '')
    .replace(/th|ph|v/g, 'f')
    .replace(/ck|c|q/g, 'k')
    .replace(/z/g, 's');
  if (!w) return '';
  const rest = w.slice(1).replace(/[aeiouyhw]/g, '');
  return (w[0] + rest).replace(/(.)\1+/g, '$1');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// ---- the built-in intents --------------------------------------------------------------------

export const VIEWS = [
  'home',
  'library',
  'search',
  'voice',
  'briefing',
  'chat',
  'reminders',
  'notes',
  'settings',
  'models',
  'plugins',
] as const;
export type ViewName = (typeof VIEWS)[number];

const VIEW_WORDS: Array<[RegExp, ViewName]> = [
  [/\b(settings|preferences|options)\b/, 'settings'],
  [/\b(librar(y|ies)|knowledge( base)?|documents|files)\b/, 'library'],
  [/\bsearch\b/, 'search'],
  [/\bvoice\b/, 'voice'],
  [/\bbriefing\b/, 'briefing'],
  [/\b(chat|assistant|conversation)\b/, 'chat'],
  [/\breminders?\b/, 'reminders'],
  [/\bnotes\b/, 'notes'],
  [/\bmodels?\b/, 'models'],
  [/\b(plugins?|extensions?)\b/, 'plugins'],
  [/\b(home|dashboard|start page)\b/, 'home'],
];

export function viewOf(text: string): ViewName | null {
  for (const [re, view] of VIEW_WORDS) if (re.test(text)) return view;
  return null;
}

const VIEW_ALTERNATION =
  '(settings|preferences|options|library|libraries|knowledge base|knowledge|documents|files|search|voice|briefing|chat|assistant|reminders|notes|models|plugins|extensions|home|dashboard)';

function stripLead(text: string, leads: RegExp[]): string {
  let t = text;
  for (const re of leads) t = t.replace(re, '');
  return t.trim();
}

/** A reminder's task and time: "remind me to call the dentist on friday at 10" -> task + date. */
export function reminderEntities(text: string, now: Date): Entities {
  const parsed = chrono.parse(text, now, { forwardDate: true });
  const first = parsed[0];
  let task = text;
  if (first) task = task.replace(first.text, ' ');
  task = stripLead(task, [
    /^(please )?(remind me|set (a|an) reminder|add (a|an) reminder|create (a|an) reminder|new reminder|reminder)( for me)?( to| that| about| for)?\s*/,
    /^(don't|do not) let me forget( to)?\s*/,
  ])
    .replace(/\s+(on|at|by|in|for|this|next)\s*$/g, '')
    .replace(/^(to|that|about)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
  let when: string | null = null;
  let hasTime = false;
  if (first) {
    const date = first.start.date();
    hasTime = first.start.isCertain('hour');
    if (!hasTime) date.setHours(9, 0, 0, 0);
    when = date.toISOString();
  }
  return { task: task || null, when, whenText: first?.text ?? null, hasTime };
}

export function noteEntities(text: string): Entities {
  const body = stripLead(text, [
    /^(please )?(take|make|add|create|write|jot down|save)( me)? (a |an )?(new |quick )?note( down)?( that| saying| to say| about)?:?\s*/,
    /^(please )?(note|write|jot) (that|down)( that)?:?\s*/,
    /^new note:?\s*/,
  ]);
  return { text: body || null };
}

export function searchEntities(text: string): Entities {
  const query = stripLead(text, [
    /^(please )?(can you |could you )?(search|find|look up|look for|look through|dig up|pull up)\s+/,
    /^(in |through )?(my |the )?(notes|documents|docs|files|knowledge base|knowledge|library|papers)\s+(for|about|on|regarding|mentioning)\s+/,
    /^(everything|anything|something|notes|documents|files|what i have|what i wrote|my notes|the notes|my documents)\s+(about|on|for|regarding|mentioning)\s+/,
    /^(about|for|on)\s+/,
    /^what (do|did) (my|the) (notes|documents|files) say about\s+/,
  ]);
  return { query: query || null };
}

export const BUILTIN_INTENTS: IntentDefinition[] = [
  {
    id: 'stop_speaking',
    description: 'Stop speaking or reading aloud',
    patterns: [
      /^(ok(ay)? )?(please )?(stop|stop it|stop talking|stop speaking|stop reading|be quiet|quiet|shut up|silence|enough|hush|that's enough|cancel that|never mind|nevermind)( please| now| thanks| thank you)?$/,
      // Nook's only "stop" is its voice: whatever follows a leading "stop" (often misheard) is moot.
      /^(ok(ay)? )?(please )?stop\b/,
    ],
    examples: [
      'stop talking',
      'please be quiet',
      'stop reading that',
      'that is enough thanks',
      'shush',
      'stop the speech',
      'okay stop now',
    ],
  },
  {
    id: 'add_reminder',
    description: 'Add a reminder (with a date and time)',
    patterns: [
      /^(please )?(remind me|set (a|an) reminder|add (a|an) reminder|create (a|an) reminder|new reminder)\b/,
      // Any verb before "a reminder" (set, add, make, schedule, ... or a mishearing of one).
      /^(please )?(\w+ )?(a|an|new) reminder\b/,
      /^(don't|do not) let me forget\b/,
    ],
    examples: [
      'remind me to buy milk tomorrow',
      'set a reminder for the meeting at 3 pm',
      'remind me about the report on monday morning',
      "don't let me forget to water the plants tonight",
      'i need a reminder to pay rent on the first',
      'ping me at five to leave for the station',
      'make sure i remember to call mum on sunday',
    ],
    entities: reminderEntities,
  },
  {
    id: 'add_note',
    description: 'Write a note',
    patterns: [
      /^(please )?(take|make|add|create|write|jot down|save)( me)? (a |an )?(new |quick )?note\b/,
      /^(please )?(note|jot) (that|down)\b/,
      /^write (that|this) down\b/,
      /^(please )?(write|jot) down\b/,
      /^new note\b/,
    ],
    examples: [
      'take a note the wifi password is on the fridge',
      'note that the plumber comes on thursday',
      'write down that i parked on level three',
      'add a note about the book sarah recommended',
      'save this thought the project needs a new name',
      'jot down buy more coffee filters',
      'make a quick note the meeting moved to room b',
    ],
    entities: noteEntities,
  },
  {
    id: 'open_view',
    description: 'Open a screen of the app',
    patterns: [
      new RegExp(
        // The article slot also takes the short words whisper puts there for a synthetic "the"
        // ("open for libraries").
        `^(please )?(open|show|show me|go to|switch to|take me to|bring up|navigate to)( the| my| your| a| for| up)? ${VIEW_ALTERNATION}( (view|screen|page|tab|panel))?$`,
      ),
    ],
    examples: [
      'open settings',
      'go to the library',
      'show me the models page',
      'switch to the chat',
      'take me to my reminders',
      'bring up the voice screen',
      'open the plugins tab',
    ],
    entities: (text) => ({ view: viewOf(text) }),
  },
  {
    id: 'read_briefing',
    description: 'Read the daily briefing aloud',
    patterns: [
      /\b(my|the|today's|todays|daily|morning) briefing\b/,
      /^what('s| is) (on )?(my|the) (agenda|schedule) (for )?today\b/,
      /^(brief me|give me my (daily |morning )?(update|rundown|summary))\b/,
    ],
    examples: [
      "what's on my briefing",
      'read me the briefing',
      'give me my daily briefing',
      'what is on my agenda today',
      'brief me on today',
      'what do i have going on today',
      'catch me up on my day',
      'morning summary please',
    ],
  },
  {
    id: 'search_knowledge',
    description: 'Search the knowledge base',
    patterns: [
      /^(please )?(search|look through|look in)\b/,
      /^(please )?(find|look up|look for|dig up|pull up)\b(?! out\b)/,
      /^where did i (write|put|save|note)\b/,
      /^what (do|did) (my|the) (notes|documents|files) say about\b/,
    ],
    examples: [
      'find my notes about the lisbon trip',
      'search the knowledge base for tax returns',
      'look up the contract with acme',
      'what do my documents say about the warranty',
      'find the pdf about the heat pump installation',
      'search my files for the insurance policy',
      'where did i write about the garden plans',
      'show me documents mentioning the budget',
    ],
    entities: searchEntities,
  },
  {
    id: 'ask_question',
    description: 'Ask the assistant (also the fallback)',
    patterns: [
      /^(please )?(explain|tell me about|why|who|how (do|does|did|can|could|should|long|many|much|far|old|big))\b/,
    ],
    examples: [
      'what is the capital of australia',
      'how do i boil an egg',
      'why is the sky blue',
      'explain how vaccines work',
      'who wrote pride and prejudice',
      'what is the difference between a virus and a bacterium',
      'can you help me write an email to my landlord',
      'how many ounces are in a pound',
    ],
    entities: (text) => ({ question: text }),
  },
];
