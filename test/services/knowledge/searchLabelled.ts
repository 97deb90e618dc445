/**
 * A small labelled retrieval set for hybrid search: 26 short documents and 27 queries with graded
 * relevance (2 = the answer, 1 = related). Three kinds of query:
 * - exact tokens (error codes, part numbers, ticket ids): BM25 finds them, embeddings blur them;
 * - paraphrases that share no content word with their document: only the vector leg finds them;
 * - ordinary questions that share words and meaning: both legs can.
 */
export const LABELLED_DOCS: Record<string, string> = {
  'pump-errors.md':
    '# Pump fault codes\n\nError E-4012 means the inlet valve stayed closed while the motor was running. Reset the controller and check the valve actuator before restarting.',
  'boiler-codes.md':
    '# Boiler fault codes\n\nCode B-7781 appears when the flame sensor loses the flame three times in a row. Clean the sensor rod and inspect the gas supply.',
  'router-manual.txt':
    'The router status light blinks amber during a firmware update. Do not unplug it until the light turns solid green. Error R-0042 indicates a failed update.',
  'car-cold-start.txt':
    'On freezing mornings the automobile would not start: the engine cranked slowly and then went silent. A weak accumulator loses much of its capacity in the cold.',
  'sleep-advice.md':
    '# Resting well\n\nKeeping the bedroom dark and cool, avoiding screens late in the evening and going to bed at the same time each night all help people fall asleep faster.',
  'bread-recipe.md':
    '# Sourdough loaf\n\nMix flour, water, salt and a ripe starter, let the dough ferment overnight, shape it, and bake it in a very hot covered pot for a crisp crust.',
  'invoice-policy.txt':
    'Supplier invoices must quote the purchase order number, for example PO-88213, and are paid within thirty days of receipt by the accounts team.',
  'security-incident.txt':
    'Ticket INC-5531: a phishing email asked staff to confirm their passwords on a fake login page. Nobody who clicked entered credentials; the sender domain is now blocked.',
  'garden-pests.md':
    '# Protecting vegetables\n\nAphids cluster on young shoots of beans and roses. Ladybirds eat them, and a spray of soapy water knocks the colonies back without harming bees.',
  'solar-panels.txt':
    'Photovoltaic modules on the roof produce less electricity when dust and pollen build up on the glass. Rinsing them twice a year restores most of the lost output.',
  'marathon-training.md':
    '# Preparing for 42 km\n\nBuild weekly mileage slowly, include one long run every weekend, and taper during the final two weeks so the legs are fresh on race day.',
  'coffee-brewing.txt':
    'For pour-over coffee use water just off the boil, a medium-fine grind and about sixty grams of beans per litre. Bloom the grounds for thirty seconds first.',
  'printer-jam.txt':
    'When the office printer reports paper jam J-220, open the rear tray, remove the torn sheet and close the tray firmly before printing again.',
  'tax-deadline.txt':
    'Personal tax returns for the year must be filed by the thirty-first of January. Late filing brings an automatic penalty even when no tax is owed.',
  'dog-training.md':
    '# Puppy manners\n\nReward the puppy with a treat the moment it sits, keep sessions short, and never punish it for coming back to you when called.',
  'http-caching.md':
    '# Caching on the web\n\nRFC 7234 defines how HTTP caches store responses. The Cache-Control header with max-age tells a cache how long a stored response stays fresh.',
  'volcano-facts.txt':
    'Lava from shield volcanoes is runny and flows a long way, which builds broad gentle slopes like those of Mauna Loa in Hawaii.',
  'battery-recycling.txt':
    'Spent lithium cells should go to a collection point, never the household bin: damaged cells can catch fire in rubbish trucks.',
  'meeting-notes.md':
    '# Project sync, 3 March\n\nThe team agreed to move the launch of project Kestrel to April and to hire a second tester. Budget code KST-19 covers the contractor.',
  // Near-duplicates with neighbouring codes: an embedding cannot tell E-4012 from E-4021, BM25 can.
  'pump-errors-outlet.md':
    '# Pump fault codes\n\nError E-4021 means the outlet valve stayed closed while the motor was running. Reset the controller and check the valve actuator before restarting.',
  'boiler-codes-pilot.md':
    '# Boiler fault codes\n\nCode B-7718 appears when the pilot sensor loses the flame three times in a row. Clean the sensor rod and inspect the gas supply.',
  'invoice-policy-2019.txt':
    'Supplier invoices must quote the purchase order number, for example PO-88231, and were paid within sixty days of receipt by the accounts team until 2019.',
  'security-incident-2.txt':
    'Ticket INC-5513: a phishing email asked staff to confirm their passwords on a fake payroll page. Nobody entered credentials; the sender domain is now blocked.',
  'printer-jam-front.txt':
    'When the office printer reports paper jam J-202, open the front tray, remove the torn sheet and close the tray firmly before printing again.',
  'meeting-notes-feb.md':
    '# Project sync, 3 February\n\nThe team agreed to keep the launch of project Kestrel in March and to hire a designer. Budget code KST-91 covers the contractor.',
  'hiking-safety.txt':
    'Before a mountain walk check the forecast, tell someone your route, and carry a map, a head torch, water and an extra warm layer.',
};

export interface LabelledQuery {
  query: string;
  kind: 'exact' | 'paraphrase' | 'mixed';
  /** Document name -> grade (2 the answer, 1 related). */
  relevant: Record<string, number>;
}

export const LABELLED_QUERIES: LabelledQuery[] = [
  { query: 'E-4012', kind: 'exact', relevant: { 'pump-errors.md': 2 } },
  { query: 'B-7781', kind: 'exact', relevant: { 'boiler-codes.md': 2 } },
  { query: 'INC-5531', kind: 'exact', relevant: { 'security-incident.txt': 2 } },
  { query: 'PO-88213', kind: 'exact', relevant: { 'invoice-policy.txt': 2 } },
  { query: 'J-220', kind: 'exact', relevant: { 'printer-jam.txt': 2 } },
  { query: 'KST-19', kind: 'exact', relevant: { 'meeting-notes.md': 2 } },
  { query: 'E-4021', kind: 'exact', relevant: { 'pump-errors-outlet.md': 2 } },
  { query: 'INC-5513', kind: 'exact', relevant: { 'security-incident-2.txt': 2 } },
  { query: 'J-202', kind: 'exact', relevant: { 'printer-jam-front.txt': 2 } },
  { query: 'PO-88231', kind: 'exact', relevant: { 'invoice-policy-2019.txt': 2 } },
  {
    query: 'my vehicle refuses to ignite when it is icy outside',
    kind: 'paraphrase',
    relevant: { 'car-cold-start.txt': 2 },
  },
  {
    query: 'tips for insomnia',
    kind: 'paraphrase',
    relevant: { 'sleep-advice.md': 2 },
  },
  { query: 'how to teach a young hound to obey', kind: 'paraphrase', relevant: { 'dog-training.md': 2 } },
  {
    query: 'keeping rooftop sun collectors tidy raises generation',
    kind: 'paraphrase',
    relevant: { 'solar-panels.txt': 2 },
  },
  {
    query: 'bugs devouring my crops',
    kind: 'paraphrase',
    relevant: { 'garden-pests.md': 2 },
  },
  {
    query: 'what to pack for a trek in the hills',
    kind: 'paraphrase',
    relevant: { 'hiking-safety.txt': 2 },
  },
  { query: 'how long does an HTTP cache keep a response', kind: 'mixed', relevant: { 'http-caching.md': 2 } },
  {
    query: 'what does pump error E-4021 mean',
    kind: 'mixed',
    relevant: { 'pump-errors-outlet.md': 2, 'pump-errors.md': 1 },
  },
  {
    query: 'boiler showing B-7718, what should I check',
    kind: 'mixed',
    relevant: { 'boiler-codes-pilot.md': 2, 'boiler-codes.md': 1 },
  },
  {
    query: 'payment terms for order PO-88231',
    kind: 'mixed',
    relevant: { 'invoice-policy-2019.txt': 2, 'invoice-policy.txt': 1 },
  },
  // Versions of the same document that differ in one fact: the words decide, not the topic.
  {
    query: 'invoices paid within thirty days',
    kind: 'mixed',
    relevant: { 'invoice-policy.txt': 2, 'invoice-policy-2019.txt': 1 },
  },
  {
    query: 'Kestrel launch moved to April',
    kind: 'mixed',
    relevant: { 'meeting-notes.md': 2, 'meeting-notes-feb.md': 1 },
  },
  {
    query: 'paper jam, open the rear tray',
    kind: 'mixed',
    relevant: { 'printer-jam.txt': 2, 'printer-jam-front.txt': 1 },
  },
  {
    query: 'phishing with a fake payroll page',
    kind: 'mixed',
    relevant: { 'security-incident-2.txt': 2, 'security-incident.txt': 1 },
  },
  {
    query: 'who was phished in INC-5513',
    kind: 'mixed',
    relevant: { 'security-incident-2.txt': 2, 'security-incident.txt': 1 },
  },
  {
    query: 'router firmware update light',
    kind: 'mixed',
    relevant: { 'router-manual.txt': 2 },
  },
  {
    query: 'disposing of old lithium batteries safely',
    kind: 'mixed',
    relevant: { 'battery-recycling.txt': 2, 'car-cold-start.txt': 0 },
  },
];

/** nDCG@k of a ranked list of document names against graded labels. */
export function ndcgAt(ranked: readonly string[], relevant: Record<string, number>, k = 10): number {
  const gain = (g: number): number => 2 ** g - 1;
  let dcg = 0;
  ranked.slice(0, k).forEach((name, i) => (dcg += gain(relevant[name] ?? 0) / Math.log2(i + 2)));
  const ideal = Object.values(relevant)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((s, g, i) => s + gain(g) / Math.log2(i + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Distinct documents in hit order (a document counts once, at its best chunk). */
export function rankedDocuments(hits: ReadonlyArray<{ citation: { name: string } }>): string[] {
  const out: string[] = [];
  for (const h of hits) if (!out.includes(h.citation.name)) out.push(h.citation.name);
  return out;
}
