/**
 * What the host functions reach in a running Nook: `kb.search` is the knowledge base's hybrid search
 * (hits reduced to title, text and where they came from), `notes.add` writes a Markdown note under
 * `<dataDir>/notes/` and indexes it, `notify` is a `system.notice`.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { EventBus } from '../../rpc/eventBus';
import type { KnowledgeService } from '../knowledge/knowledgeService';
import type { HostPorts, KbHit } from './hostFunctions';
import type { SearchHit } from '../../../shared/types/library';

export function hitToKb(h: SearchHit): KbHit {
  const c = h.citation;
  const where =
    c.page !== null
      ? `${c.name}, page ${c.page}`
      : c.headingPath.length
        ? `${c.name} › ${c.headingPath.join(' › ')}`
        : c.name;
  return { title: c.title ?? c.name, text: h.text, source: where };
}

export function pluginPorts(o: {
  knowledge: Pick<KnowledgeService, 'search' | 'import'>;
  events: EventBus;
  notesDir: string;
}): Omit<HostPorts, 'kvGet' | 'kvSet' | 'log'> {
  return {
    kbSearch: async (query, k) => (await o.knowledge.search({ query, k })).hits.map(hitToKb),
    notesAdd: async (note, pluginId) => {
      await fsp.mkdir(o.notesDir, { recursive: true });
      const slug =
        note.title
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '')
          .slice(0, 60) || 'note';
      const file = path.join(o.notesDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${slug}.md`);
      await fsp.writeFile(file, `# ${note.title}\n\n${note.text}\n`, { flag: 'wx' });
      await o.knowledge.import([file], [`plugin:${pluginId}`]);
      return { id: path.basename(file) };
    },
    notify: (notice) => o.events.emit('system.notice', notice),
  };
}
