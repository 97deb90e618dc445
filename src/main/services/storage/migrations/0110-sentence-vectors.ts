import type { Migration } from './types';

/**
 * Sentence vectors of each chunk, per embedding model, for the extractive answer (issue #6): made at
 * ingest from the chunk's own forward pass (late pooling, see knowledge/sentenceVectors.ts) and
 * written in the same transaction as the chunk's vector, so answering a question runs no model.
 *
 * - One row per chunk and model: `spans` holds [start, end) character offsets of each sentence in
 *   the chunk text (uint32 little-endian pairs), `vectors` count x dimension int8 values, `scales`
 *   one float32 per sentence (row i times scales[i] is the sentence's vector). A chunk whose
 *   sentences could not be pooled has a row with no sentences, so it is not tried again.
 * - Rows go with their chunk (ON DELETE CASCADE): a re-import or purge removes them; a model change
 *   writes the new model's rows beside the old ones and deletes the old model's when it completes,
 *   like `chunk_vectors`. The answer only pairs a query vector with rows of the same model.
 * - Chunks indexed before this migration have no row: the answer ranks their sentences by keywords
 *   (and a few embedded on the spot), and the knowledge service fills the rows in the background.
 */
export const migration: Migration = {
  version: 110,
  name: 'sentence-vectors',
  up(db) {
    db.exec(`
      CREATE TABLE chunk_sentences (
        chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        spans BLOB NOT NULL,
        vectors BLOB NOT NULL,
        scales BLOB NOT NULL,
        CHECK (length(spans) = 2 * length(scales)),
        PRIMARY KEY (chunk_id, model_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX chunk_sentences_by_model ON chunk_sentences(model_id, chunk_id);
    `);
  },
};
