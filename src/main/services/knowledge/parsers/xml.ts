import { XMLParser } from 'fast-xml-parser';
import { cleanInline } from './sections';

/** Namespace prefixes dropped, attributes kept under their plain names, repeated elements as arrays. */
const ARRAYS = new Set(['item', 'itemref', 'rootfile', 'title', 'creator']);
export const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

export type XmlNode = Record<string, unknown>;

/** Text of an element that may carry attributes ({ '#text': ..., id: ... }) or be a plain string. */
export function textOf(v: unknown): string {
  if (Array.isArray(v)) return textOf(v[0]);
  if (typeof v === 'string' || typeof v === 'number') return cleanInline(String(v));
  if (v && typeof v === 'object' && '#text' in v) return textOf((v as XmlNode)['#text']);
  return '';
}

export function asArray<T>(v: T | T[] | undefined): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** docProps/core.xml (OOXML) title and creator. */
export function coreProperties(src: string): { title?: string; author?: string } {
  try {
    const doc = xml.parse(src) as XmlNode;
    const cp = (doc.coreProperties ?? {}) as XmlNode;
    const title = textOf(cp.title);
    const author = textOf(cp.creator);
    return { ...(title ? { title } : {}), ...(author ? { author } : {}) };
  } catch {
    return {};
  }
}
