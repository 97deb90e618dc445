// "On this day": a briefing section listing what the user's own documents say about today's date
// in other years. Input: {"date":"YYYY-MM-DD"}. Output: {"title", "items":[{"text","source"}]}.
import { input, output, fail, jsonString, nookAbort, parseJSON, kbSearch, J_ARRAY } from "../sdk/nook";

function myAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  nookAbort(message, fileName, line, column);
}

const MONTHS: string[] = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

/** The sentence (at most 240 characters) around position `at` of `text`. */
function excerpt(text: string, at: i32): string {
  let start = at;
  while (start > 0 && at - start < 160) {
    const c = text.charCodeAt(start - 1);
    if (c == 46 || c == 10 || c == 33 || c == 63) break;
    start--;
  }
  let end = at;
  while (end < text.length && end - start < 240) {
    const c = text.charCodeAt(end);
    end++;
    if (c == 46 || c == 10 || c == 33 || c == 63) break;
  }
  return text.substring(start, end).trim();
}

export function briefing(): i32 {
  const req = parseJSON(input());
  if (req === null) return fail("input must be JSON: {\"date\":\"YYYY-MM-DD\"}");
  const date = req!.str("date");
  if (date.length != 10) return fail("input needs a date such as 2026-11-21");
  const month = <i32>parseInt(date.substring(5, 7));
  const day = <i32>parseInt(date.substring(8, 10));
  if (month < 1 || month > 12 || day < 1 || day > 31) return fail("bad date " + date);
  const monthName = MONTHS[month - 1];
  const forms: string[] = [
    monthName + " " + day.toString(),
    day.toString() + " " + monthName,
    monthName.substring(0, 3) + " " + day.toString(),
  ];
  const found = kbSearch(monthName + " " + day.toString(), 10);
  if (!found.ok) return fail("kb.search failed: " + found.error);
  let items = "";
  let count = 0;
  if (found.value.kind == J_ARRAY) {
    const hits = found.value.items;
    for (let i = 0; i < hits.length && count < 5; i++) {
      const text = hits[i].str("text");
      const lower = text.toLowerCase();
      let at = -1;
      for (let f = 0; f < forms.length && at < 0; f++) {
        const form = forms[f].toLowerCase();
        let from = 0;
        // Whole-number match only: "November 2" must not match "November 21".
        while (at < 0) {
          const p = lower.indexOf(form, from);
          if (p < 0) break;
          const next = p + form.length < lower.length ? lower.charCodeAt(p + form.length) : 32;
          if (next < 48 || next > 57) at = p;
          else from = p + 1;
        }
      }
      if (at < 0) continue;
      const title = hits[i].str("title");
      const line = (title.length > 0 ? title + ": " : "") + excerpt(text, at);
      if (count > 0) items += ",";
      items += '{"text":' + jsonString(line) + ',"source":' + jsonString(hits[i].str("source")) + "}";
      count++;
    }
  }
  output('{"title":' + jsonString("On this day, " + monthName + " " + day.toString()) + ',"items":[' + items + "]}");
  return 0;
}
