// Unit converter: "convert 5 km to miles", "72 fahrenheit in celsius", "3 cups to ml".
// Input: the utterance or typed text. Output: {"text": "...", "value": n, "unit": "..."}.
import { input, output, fail, jsonString, nookAbort } from "../sdk/nook";

function myAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  nookAbort(message, fileName, line, column);
}

class Unit {
  constructor(
    public symbol: string,
    public dimension: string,
    public factor: f64,
    public names: string[],
  ) {}
}

// factor: how many base units (m, kg, l) one of this unit is; temperatures are handled apart.
const UNITS: Unit[] = [
  new Unit("mm", "length", 0.001, ["mm", "millimeter", "millimeters", "millimetre", "millimetres"]),
  new Unit("cm", "length", 0.01, ["cm", "centimeter", "centimeters", "centimetre", "centimetres"]),
  new Unit("m", "length", 1, ["m", "meter", "meters", "metre", "metres"]),
  new Unit("km", "length", 1000, ["km", "kms", "kilometer", "kilometers", "kilometre", "kilometres"]),
  new Unit("in", "length", 0.0254, ["in", "inch", "inches"]),
  new Unit("ft", "length", 0.3048, ["ft", "foot", "feet"]),
  new Unit("yd", "length", 0.9144, ["yd", "yard", "yards"]),
  new Unit("mi", "length", 1609.344, ["mi", "mile", "miles"]),
  new Unit("g", "mass", 0.001, ["g", "gram", "grams"]),
  new Unit("kg", "mass", 1, ["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"]),
  new Unit("oz", "mass", 0.028349523125, ["oz", "ounce", "ounces"]),
  new Unit("lb", "mass", 0.45359237, ["lb", "lbs", "pound", "pounds"]),
  new Unit("ml", "volume", 0.001, ["ml", "milliliter", "milliliters", "millilitre", "millilitres"]),
  new Unit("l", "volume", 1, ["l", "liter", "liters", "litre", "litres"]),
  new Unit("cup", "volume", 0.2365882365, ["cup", "cups"]),
  new Unit("gal", "volume", 3.785411784, ["gal", "gallon", "gallons"]),
  new Unit("°C", "temperature", 1, ["c", "celsius", "centigrade", "°c"]),
  new Unit("°F", "temperature", 1, ["f", "fahrenheit", "°f"]),
  new Unit("K", "temperature", 1, ["k", "kelvin", "kelvins"]),
];

function findUnit(word: string): Unit | null {
  for (let i = 0; i < UNITS.length; i++) {
    const names = UNITS[i].names;
    for (let j = 0; j < names.length; j++) if (names[j] == word) return UNITS[i];
  }
  return null;
}

function toKelvin(v: f64, u: Unit): f64 {
  if (u.symbol == "°C") return v + 273.15;
  if (u.symbol == "°F") return ((v - 32) * 5) / 9 + 273.15;
  return v;
}

function fromKelvin(v: f64, u: Unit): f64 {
  if (u.symbol == "°C") return v - 273.15;
  if (u.symbol == "°F") return ((v - 273.15) * 9) / 5 + 32;
  return v;
}

function isNumber(w: string): bool {
  if (w.length == 0) return false;
  let digits = 0;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (!(c == 46 || (c == 45 && i == 0))) return false;
  }
  return digits > 0;
}

/** Rounds to at most 4 decimals and drops trailing zeros. */
function fmt(v: f64): string {
  const r = Math.round(v * 10000) / 10000;
  let s = r.toString();
  if (s.endsWith(".0")) s = s.substring(0, s.length - 2);
  return s;
}

export function convert(): i32 {
  // Normalise: lower case, split "5km" into "5 km", drop punctuation.
  const raw = input().toLowerCase();
  let text = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    const prev = i > 0 ? raw.charCodeAt(i - 1) : 32;
    const isDigit = c >= 48 && c <= 57;
    const prevDigit = prev >= 48 && prev <= 57;
    if (!isDigit && c != 46 && prevDigit && c != 32) text += " ";
    if (c == 44 || c == 63 || c == 33) text += " ";
    else text += String.fromCharCode(c);
  }
  const words = text.split(" ").filter((w: string) => w.length > 0);
  let value: f64 = 0;
  let haveValue = false;
  let from: Unit | null = null;
  let to: Unit | null = null;
  // "how many pounds is 3 kilos": a unit before the number is the target.
  let early: Unit | null = null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!haveValue && isNumber(w)) {
      value = parseFloat(w);
      haveValue = true;
      continue;
    }
    if (w == "degrees" || w == "degree") continue;
    const u = findUnit(w);
    if (u === null) continue;
    const before = i > 0 ? words[i - 1] : "";
    // "in" is the inch only right after the number ("12 in to cm"); otherwise it joins ("72 f in c").
    if (w == "in" && !isNumber(before)) continue;
    // Single letters ("c", "f", "k", "m", "l", "g") count only after the number or after to/in.
    if (w.length == 1 && !(isNumber(before) || before == "to" || before == "in" || before == "into" || before == "degrees"))
      continue;
    if (!haveValue) {
      if (early === null) early = u;
    } else if (from === null) from = u;
    else if (to === null) to = u;
  }
  if (to === null && early !== null) to = early;
  if (!haveValue) return fail("No number found: say something like \"convert 5 km to miles\".");
  if (from === null) return fail("No unit found after the number.");
  if (to === null) return fail("No unit to convert to: say \"... to miles\".");
  const f = from as Unit;
  const t = to as Unit;
  if (f.dimension != t.dimension) return fail("Cannot convert " + f.symbol + " (" + f.dimension + ") to " + t.symbol + " (" + t.dimension + ").");
  let result: f64;
  if (f.dimension == "temperature") result = fromKelvin(toKelvin(value, f), t);
  else result = (value * f.factor) / t.factor;
  const sentence = fmt(value) + " " + f.symbol + " = " + fmt(result) + " " + t.symbol;
  output('{"text":' + jsonString(sentence) + ',"value":' + fmt(result) + ',"unit":' + jsonString(t.symbol) + "}");
  return 0;
}
