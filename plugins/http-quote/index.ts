// Quote of the day from an allow-listed web API, through Nook's http.fetch (the plugin has no
// network of its own). Remembers the last quote with kv so it can answer when offline.
// Output: {"text": "“quote” — author", "cached": bool}.
import { output, fail, jsonString, nookAbort, parseJSON, httpGet, kvGet, kvSet, config, JSONValue, J_ARRAY, J_OBJECT, J_STRING } from "../sdk/nook";

function myAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  nookAbort(message, fileName, line, column);
}

/** {q,a} (zenquotes), {quote,author} or {content,author}; arrays give their first element. */
function pick(v: JSONValue): string {
  let o = v;
  if (o.kind == J_ARRAY) {
    if (o.items.length == 0) return "";
    o = o.items[0];
  }
  if (o.kind != J_OBJECT) return "";
  let q = o.str("q");
  if (q.length == 0) q = o.str("quote");
  if (q.length == 0) q = o.str("content");
  let a = o.str("a");
  if (a.length == 0) a = o.str("author");
  if (q.length == 0) return "";
  return "\u201c" + q + "\u201d" + (a.length > 0 ? " \u2014 " + a : "");
}

export function quote(): i32 {
  const url = config("url", "https://zenquotes.io/api/today");
  const res = httpGet(url);
  if (res.ok) {
    const status = <i32>res.value.num("status");
    const body = parseJSON(res.value.str("body"));
    if (status == 200 && body !== null) {
      const text = pick(body!);
      if (text.length > 0) {
        kvSet("last", text);
        output('{"text":' + jsonString(text) + ',"cached":false}');
        return 0;
      }
    }
    const last = kvGet("last");
    if (last.ok && last.value.kind == J_STRING) {
      output('{"text":' + jsonString(last.value.s) + ',"cached":true}');
      return 0;
    }
    return fail("the quote service answered " + status.toString() + " without a quote");
  }
  const last = kvGet("last");
  if (last.ok && last.value.kind == J_STRING) {
    output('{"text":' + jsonString(last.value.s) + ',"cached":true}');
    return 0;
  }
  return fail(res.error);
}
