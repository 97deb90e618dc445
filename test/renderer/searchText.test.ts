import { describe, expect, it } from 'vitest';
import {
  citationText,
  cleanFilters,
  markedTerms,
  markTerms,
} from '../../src/renderer/src/features/search/text';

const joined = (spans: { text: string; mark: boolean }[]) =>
  spans.map((s) => (s.mark ? `[${s.text}]` : s.text)).join('');

describe('markTerms', () => {
  it('marks every occurrence, case-insensitively, and keeps the text whole', () => {
    const text = 'Error E-4012 again: e-4012 is the pump.';
    const spans = markTerms(text, ['e-4012', 'pump']);
    expect(joined(spans)).toBe('Error [E-4012] again: [e-4012] is the [pump].');
    expect(spans.map((s) => s.text).join('')).toBe(text);
  });

  it('treats terms literally: regex characters in a query are no pattern', () => {
    expect(joined(markTerms('Use C++ (or C) for a.b', ['c++', '(or', 'a.b']))).toBe(
      'Use [C++] [(or] C) for [a.b]',
    );
    expect(joined(markTerms('axb', ['a.b']))).toBe('axb');
    expect(joined(markTerms('x*y', ['*']))).toBe('x[*]y');
  });

  it('prefers the longer of two overlapping terms, and copes with nothing to mark', () => {
    expect(joined(markTerms('tomatoes and tomato', ['tomato', 'tomatoes']))).toBe('[tomatoes] and [tomato]');
    expect(markTerms('plain', [])).toEqual([{ text: 'plain', mark: false }]);
    expect(markTerms('plain', [''])).toEqual([{ text: 'plain', mark: false }]);
    expect(markTerms('', ['x'])).toEqual([{ text: '', mark: false }]);
  });

  it('keeps markup as text (it is rendered as text nodes, never parsed)', () => {
    const spans = markTerms('<img src=x onerror=alert(1)> pump', ['pump']);
    expect(spans[0]).toEqual({ text: '<img src=x onerror=alert(1)> ', mark: false });
  });
});

describe('markedTerms', () => {
  it('collects the distinct matched words of a snippet', () => {
    expect(
      markedTerms([
        { text: 'The ', mark: false },
        { text: 'Pump', mark: true },
        { text: ' and the ', mark: false },
        { text: 'pump ', mark: true },
        { text: ' ', mark: true },
        { text: 'E-4012', mark: true },
      ]),
    ).toEqual(['pump', 'e-4012']);
  });
});

describe('cleanFilters', () => {
  it('drops empty fields, and returns undefined when nothing is left', () => {
    expect(cleanFilters({})).toBeUndefined();
    expect(cleanFilters({ fileTypes: [], tags: [], folders: [] })).toBeUndefined();
    expect(cleanFilters({ fileTypes: ['pdf'], tags: [], dateFrom: 0 })).toEqual({
      fileTypes: ['pdf'],
      dateFrom: 0,
    });
  });
});

describe('citationText', () => {
  const citation = {
    documentId: 1,
    name: 'report.pdf',
    title: 'Quarterly report',
    path: '/d/report.pdf',
    format: 'pdf' as const,
    page: 4,
    headingPath: ['Results', 'Errors'],
    chunkOrdinal: 7,
    charStart: 0,
    charEnd: 10,
  };
  it('names the document, the page and the heading path', () => {
    expect(citationText({ citation })).toBe('report.pdf (Quarterly report) · p. 4 · Results › Errors');
    expect(citationText({ citation: { ...citation, title: null, page: null, headingPath: [] } })).toBe(
      'report.pdf',
    );
    expect(citationText({ citation: { ...citation, title: 'report.pdf' } })).toBe(
      'report.pdf · p. 4 · Results › Errors',
    );
  });
});
