// The Nook plugin SDK for AssemblyScript (on top of @extism/as-pdk). See docs/plugins.md.
//
// Every Nook host function takes one JSON text and answers {"ok":true,"value":...} or
// {"ok":false,"error":"..."}; the wrappers below return that as a HostResult. A function whose
// permission the user did not grant answers ok=false with the reason: pass it on with `fail`.
import { Host, Memory, Config } from "@extism/as-pdk";

@external("extism:host/env", "alloc")
declare function extism_alloc(n: u64): u64;
@external("extism:host/env", "store_u8")
declare function extism_store_u8(a: u64, b: u8): void;
@external("extism:host/env", "error_set")
declare function extism_error_set(a: u64): void;
@external("extism:host/env", "log_error")
declare function extism_log_error(a: u64): void;
@external("extism:host/env", "length")
declare function extism_length(a: u64): u64;

@external("extism:host/user", "kb_search")
declare function host_kb_search(off: u64): u64;
@external("extism:host/user", "notes_add")
declare function host_notes_add(off: u64): u64;
@external("extism:host/user", "notify")
declare function host_notify(off: u64): u64;
@external("extism:host/user", "http_fetch")
declare function host_http_fetch(off: u64): u64;
@external("extism:host/user", "kv_get")
declare function host_kv_get(off: u64): u64;
@external("extism:host/user", "kv_set")
declare function host_kv_set(off: u64): u64;
@external("extism:host/user", "log")
declare function host_log(off: u64): u64;

// ---- memory helpers -------------------------------------------------------------------------

export function writeString(s: string): u64 {
  const b = Uint8Array.wrap(String.UTF8.encode(s));
  const off = extism_alloc(b.length);
  for (let i = 0; i < b.length; i++) extism_store_u8(off + i, b[i]);
  return off;
}

export function readString(off: u64): string {
  if (off == 0) return "";
  return new Memory(off, extism_length(off)).toString();
}

/** The call's input as text. */
export function input(): string {
  return Host.inputString();
}

/** Sets the call's output (UTF-8; Host.outputString mis-sizes non-ASCII text). */
export function output(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}

/** Reports a failure to Nook; `return fail("why")` from an export. */
export function fail(message: string): i32 {
  extism_error_set(writeString(message));
  return 1;
}

/** A value from the plugin's manifest `config`, or `fallback`. */
export function config(key: string, fallback: string): string {
  const v = Config.get(key);
  return v === null ? fallback : v!;
}

/** Use as the module's abort (`--use abort=<entry>/myAbort` calling this): Nook logs why it stopped. */
export function nookAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let m = "abort";
  if (message !== null) m = message!;
  let f = "?";
  if (fileName !== null) f = fileName!;
  extism_log_error(writeString("nook-abort: " + m + " (" + f + ":" + line.toString() + ":" + column.toString() + ")"));
  unreachable();
}

// ---- JSON -----------------------------------------------------------------------------------

export const J_NULL: i32 = 0;
export const J_BOOL: i32 = 1;
export const J_NUMBER: i32 = 2;
export const J_STRING: i32 = 3;
export const J_ARRAY: i32 = 4;
export const J_OBJECT: i32 = 5;

export class JSONValue {
  kind: i32 = J_NULL;
  b: bool = false;
  n: f64 = 0;
  s: string = "";
  items: Array<JSONValue> = [];
  keys: Array<string> = [];
  values: Array<JSONValue> = [];

  get(key: string): JSONValue | null {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.values[i];
    return null;
  }

  /** A string field, or `fallback`. */
  str(key: string, fallback: string = ""): string {
    const v = this.get(key);
    if (v === null) return fallback;
    return v!.kind == J_STRING ? v!.s : fallback;
  }

  num(key: string, fallback: f64 = 0): f64 {
    const v = this.get(key);
    if (v === null) return fallback;
    return v!.kind == J_NUMBER ? v!.n : fallback;
  }
}

class Parser {
  i: i32 = 0;
  ok: bool = true;
  constructor(public s: string) {}

  ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c == 32 || c == 9 || c == 10 || c == 13) this.i++;
      else break;
    }
  }

  value(): JSONValue {
    this.ws();
    const v = new JSONValue();
    if (this.i >= this.s.length) {
      this.ok = false;
      return v;
    }
    const c = this.s.charCodeAt(this.i);
    if (c == 123) {
      // {
      v.kind = J_OBJECT;
      this.i++;
      this.ws();
      if (this.s.charCodeAt(this.i) == 125) {
        this.i++;
        return v;
      }
      while (this.ok) {
        this.ws();
        if (this.s.charCodeAt(this.i) != 34) {
          this.ok = false;
          break;
        }
        const k = this.string();
        this.ws();
        if (this.s.charCodeAt(this.i) != 58) {
          this.ok = false;
          break;
        }
        this.i++;
        v.keys.push(k);
        v.values.push(this.value());
        this.ws();
        const d = this.s.charCodeAt(this.i++);
        if (d == 125) break;
        if (d != 44) this.ok = false;
      }
    } else if (c == 91) {
      // [
      v.kind = J_ARRAY;
      this.i++;
      this.ws();
      if (this.s.charCodeAt(this.i) == 93) {
        this.i++;
        return v;
      }
      while (this.ok) {
        v.items.push(this.value());
        this.ws();
        const d = this.s.charCodeAt(this.i++);
        if (d == 93) break;
        if (d != 44) this.ok = false;
      }
    } else if (c == 34) {
      v.kind = J_STRING;
      v.s = this.string();
    } else if (this.s.startsWith("true", this.i)) {
      v.kind = J_BOOL;
      v.b = true;
      this.i += 4;
    } else if (this.s.startsWith("false", this.i)) {
      v.kind = J_BOOL;
      this.i += 5;
    } else if (this.s.startsWith("null", this.i)) {
      this.i += 4;
    } else {
      const start = this.i;
      while (this.i < this.s.length) {
        const d = this.s.charCodeAt(this.i);
        if ((d >= 48 && d <= 57) || d == 45 || d == 43 || d == 46 || d == 101 || d == 69) this.i++;
        else break;
      }
      if (start == this.i) this.ok = false;
      v.kind = J_NUMBER;
      v.n = parseFloat(this.s.substring(start, this.i));
    }
    return v;
  }

  string(): string {
    this.i++; // opening quote
    let out = "";
    let start = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c == 34) {
        out += this.s.substring(start, this.i);
        this.i++;
        return out;
      }
      if (c == 92) {
        out += this.s.substring(start, this.i);
        const e = this.s.charCodeAt(this.i + 1);
        this.i += 2;
        if (e == 110) out += "\n";
        else if (e == 116) out += "\t";
        else if (e == 114) out += "\r";
        else if (e == 98) out += "\b";
        else if (e == 102) out += "\f";
        else if (e == 117) {
          out += String.fromCharCode(<i32>parseInt(this.s.substring(this.i, this.i + 4), 16));
          this.i += 4;
        } else out += String.fromCharCode(e);
        start = this.i;
        continue;
      }
      this.i++;
    }
    this.ok = false;
    return out;
  }
}

/** Parses JSON text; null when it is not JSON. */
export function parseJSON(text: string): JSONValue | null {
  const p = new Parser(text);
  const v = p.value();
  p.ws();
  if (!p.ok || p.i != text.length) return null;
  return v;
}

/** A JSON string literal for `s`. */
export function jsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34 || c == 92 || c < 32) {
      out += s.substring(start, i);
      if (c == 34) out += '\\"';
      else if (c == 92) out += "\\\\";
      else if (c == 10) out += "\\n";
      else if (c == 13) out += "\\r";
      else if (c == 9) out += "\\t";
      else {
        const h = c.toString(16);
        out += "\\u" + "0000".substring(h.length) + h;
      }
      start = i + 1;
    }
  }
  return out + s.substring(start) + '"';
}

// ---- host functions -------------------------------------------------------------------------

export class HostResult {
  ok: bool = false;
  value: JSONValue = new JSONValue();
  error: string = "";
}

function answer(off: u64): HostResult {
  const r = new HostResult();
  const v = parseJSON(readString(off));
  if (v === null) {
    r.error = "the host answered something that is not JSON";
    return r;
  }
  const okv = v!.get("ok");
  r.ok = okv !== null && okv!.kind == J_BOOL && okv!.b;
  r.error = v!.str("error", r.ok ? "" : "unknown error");
  const value = v!.get("value");
  if (value !== null) r.value = value!;
  return r;
}

/** Searches the user's knowledge base (permission kb.search): value is [{title, text, source}]. */
export function kbSearch(query: string, k: i32 = 5): HostResult {
  return answer(host_kb_search(writeString('{"query":' + jsonString(query) + ',"k":' + k.toString() + "}")));
}

/** Adds a note to the knowledge base (permission notes.add). */
export function notesAdd(title: string, text: string): HostResult {
  return answer(host_notes_add(writeString('{"title":' + jsonString(title) + ',"text":' + jsonString(text) + "}")));
}

/** Shows a notification (permission notify). */
export function notify(message: string): HostResult {
  return answer(host_notify(writeString('{"message":' + jsonString(message) + "}")));
}

/** GETs a URL on a host the manifest lists (permission http.fetch): value is {status, contentType, body}. */
export function httpGet(url: string): HostResult {
  return answer(host_http_fetch(writeString('{"url":' + jsonString(url) + "}")));
}

/** Reads the plugin's own storage (permission kv): value is a string or null. */
export function kvGet(key: string): HostResult {
  return answer(host_kv_get(writeString('{"key":' + jsonString(key) + "}")));
}

/** Writes the plugin's own storage (permission kv). */
export function kvSet(key: string, value: string): HostResult {
  return answer(host_kv_set(writeString('{"key":' + jsonString(key) + ',"value":' + jsonString(value) + "}")));
}

/** Writes to the plugin's log in Nook (permission log). */
export function log(level: string, message: string): HostResult {
  return answer(host_log(writeString('{"level":' + jsonString(level) + ',"message":' + jsonString(message) + "}")));
}
