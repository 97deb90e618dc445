/**
 * The ingest worker's view of the chunker: one tokenizer per embedding model, loaded once, and a
 * function from a parsed document to its chunks.
 */
import type { Chunk, ParsedDocument } from '../../../shared/types/knowledge';
import type { ChunkingOptions } from '../../workers/knowledgeProtocol';
import { chunkDocument, createHfTokenCounter } from './chunker';

export type DocumentChunker = (doc: Pick<ParsedDocument, 'sections'>, options: ChunkingOptions) => Chunk[];

export async function createDocumentChunker(tokenizerPath: string): Promise<DocumentChunker> {
  const tokenizer = createHfTokenCounter(tokenizerPath);
  return (doc, options) =>
    chunkDocument(doc, { tokenizer, maxTokens: options.maxTokens, overlapTokens: options.overlapTokens });
}
