/** The voice interaction history (migration 0060): every turn's transcript, intent and timings. */
import type { Database } from '../storage/database';
import type { VoiceInteraction } from '../../../shared/types/voice';

interface Row {
  id: number;
  transcript: string;
  intent: string;
  confidence: number;
  entities: string;
  timings: string;
  source: VoiceInteraction['source'];
  created_at: number;
}

export class VoiceHistory {
  constructor(private readonly db: Database) {}

  add(i: Omit<VoiceInteraction, 'id' | 'createdAt'> & { createdAt?: number }): VoiceInteraction {
    const createdAt = i.createdAt ?? Date.now();
    const info = this.db
      .prepare(
        `INSERT INTO voice_interactions (transcript, intent, confidence, entities, timings, source, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        i.transcript,
        i.intent,
        i.confidence,
        JSON.stringify(i.entities),
        JSON.stringify(i.timings),
        i.source,
        createdAt,
      );
    return { ...i, id: Number(info.lastInsertRowid), createdAt };
  }

  /** Newest first. */
  list(limit = 50): VoiceInteraction[] {
    const rows = this.db
      .prepare(`SELECT * FROM voice_interactions ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(Math.max(1, Math.min(1000, limit))) as Row[];
    return rows.map((r) => ({
      id: r.id,
      transcript: r.transcript,
      intent: r.intent,
      confidence: r.confidence,
      entities: JSON.parse(r.entities) as VoiceInteraction['entities'],
      timings: JSON.parse(r.timings) as VoiceInteraction['timings'],
      source: r.source,
      createdAt: r.created_at,
    }));
  }
}
