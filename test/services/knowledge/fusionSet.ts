/**
 * A labelled retrieval set on which each leg of hybrid search has its real failure modes, for the
 * fusion test (searchFusion.test.ts). 71 short documents in the shape of a personal and small-office
 * library: families of near-identical documents that differ in one code, name or decision (an
 * embedding places them together; only the exact words tell them apart), and everyday how-to notes
 * that people ask about in other words (BM25 has no shared word to match).
 *
 * 46 queries, written before the fusion was looked at and not changed to suit it, graded 2 (the
 * answer) or 1 (related):
 * - exact: a code, ticket, order number or a rare name alone;
 * - paraphrase: no content word shared with the answer;
 * - mixed: a rare token that several documents share plus what is asked about them in other words,
 *   or a topic and one distinguishing fact; each leg alone ranks a sibling document first.
 */
export const FUSION_DOCS: Record<string, string> = {
  // ---- equipment fault codes: near-duplicates that differ in the code and one detail ----
  'pump-e4012.md':
    '# Circulation pump fault E-4012\n\nThe inlet valve stayed shut while the motor was running, so the pump ran dry. Reset the controller and check the inlet valve actuator before restarting.',
  'pump-e4021.md':
    '# Circulation pump fault E-4021\n\nThe outlet valve stayed shut while the motor was running and pressure built up in the housing. Reset the controller and check the outlet valve actuator before restarting.',
  'pump-e4102.md':
    '# Circulation pump fault E-4102\n\nThe motor drew too much current for more than ten seconds, usually because the impeller is blocked by debris. Isolate the power and clear the impeller.',
  'boiler-b7781.md':
    '# Boiler lockout B-7781\n\nThe flame sensor lost the flame three times in a row. Clean the sensor rod with fine wire wool and inspect the gas supply pressure.',
  'boiler-b7718.md':
    '# Boiler lockout B-7718\n\nThe pilot light went out three times in a row. Check for a draught around the pilot assembly and replace the thermocouple if it is worn.',
  'boiler-b7870.md':
    '# Boiler lockout B-7870\n\nWater pressure fell below 0.5 bar. Top the system up through the filling loop to about 1.5 bar and look for leaks at the radiator valves.',
  'heatpump-hp310.md':
    '# Heat pump code HP-310\n\nThe outdoor unit iced over and the defrost cycle could not clear it. Keep snow away from the unit and make sure the condensate drain is not frozen.',
  'heatpump-hp301.md':
    '# Heat pump code HP-301\n\nThe refrigerant pressure is too high on the outdoor unit, often because leaves block the fins. Clean the coil and check that the fan spins freely.',
  'printer-j220.txt':
    'When the office printer reports paper jam J-220, open the rear tray, pull the torn sheet out slowly and close the tray firmly before printing again.',
  'printer-j202.txt':
    'When the office printer reports paper jam J-202, open the front cassette, pull the crumpled sheet out and fan the stack before putting it back.',
  'router-r0042.txt':
    'Router error R-0042 means the firmware update failed. The status light blinks amber; do not unplug the router until the light turns solid green, then retry the update.',
  'router-r0024.txt':
    'Router error R-0024 means the connection to the provider dropped. The status light blinks red; restart the modem first and then the router.',

  // ---- IT incident tickets ----
  'inc-5531.txt':
    'Ticket INC-5531: a phishing email asked staff to confirm their passwords on a fake login page. Nobody who clicked entered credentials; the sender domain is now blocked.',
  'inc-5513.txt':
    'Ticket INC-5513: a phishing email asked staff to confirm their bank details on a fake payroll page. Two people entered details; payroll froze both accounts.',
  'inc-6020.txt':
    'Ticket INC-6020: a laptop was stolen from an employee car parked at the station. The disk was encrypted; the device was wiped remotely and its certificates revoked.',
  'inc-6102.txt':
    'Ticket INC-6102: the VPN concentrator failed on Monday morning and remote staff could not reach the file server for three hours until the standby unit took over.',
  'inc-6177.txt':
    'Ticket INC-6177: endpoint protection stopped ransomware that arrived as an invoice attachment before it encrypted anything. The machine was reimaged.',
  'inc-6240.txt':
    'Ticket INC-6240: the mail server ran out of disk space and stopped accepting messages overnight. Old logs were archived and an alert was added at eighty percent.',
  'inc-6301.txt':
    'Ticket INC-6301: the badge readers on the second floor rejected every card after a firmware push. Facilities propped the doors and the vendor rolled the update back.',
  'inc-6355.txt':
    'Ticket INC-6355: a spreadsheet with customer addresses was emailed to the wrong recipient. The recipient confirmed deletion and the data protection officer logged the breach.',

  // ---- suppliers and orders ----
  'supplier-halvorsen.txt':
    'Halvorsen Metals supplies the steel brackets under purchase order PO-88213. Invoices are paid within thirty days, and late deliveries earn a two percent discount.',
  'supplier-halvorsen-2019.txt':
    'Until 2019 Halvorsen Metals supplied brackets under purchase order PO-88231 with payment due in sixty days and no penalty for late delivery.',
  'supplier-quimby.txt':
    'Quimby & Daughters cater the staff lunches on Thursdays and the quarterly all-hands. Vegetarian options must be ordered two days ahead.',
  'supplier-okonkwo.txt':
    'Okonkwo Logistics moves our pallets between the warehouse and the port. Their drivers need the loading bay booked before nine in the morning.',
  'supplier-brightwater.txt':
    'Brightwater Facilities cleans the offices every evening and the windows once a month. Report missed rooms to their site supervisor by email.',
  'supplier-tamarind.txt':
    'Tamarind Print Co. printed five thousand product brochures for the spring fair. A reprint costs less if the order is placed before the plates are destroyed in June.',
  'supplier-vasquez.txt':
    'Vasquez-Lindqvist are our outside lawyers for employment contracts. Their hourly rate rises in January; ask for a fixed fee on any review longer than a week.',

  // ---- project notes: the same three subjects for three projects ----
  'kestrel-launch.md':
    '# Kestrel sync, 3 March\n\nThe launch of project Kestrel moves from March to April because the payment provider certification is late.',
  'kestrel-budget.md':
    '# Kestrel sync, 17 March\n\nKestrel spent 80 percent of its money by the end of the quarter; budget code KST-19 covers the contractor until May.',
  'kestrel-team.md':
    '# Kestrel sync, 31 March\n\nKestrel hires a second tester, and Priya moves over from support to write the onboarding guides.',
  'osprey-launch.md':
    '# Osprey sync, 5 May\n\nThe release of project Osprey is scheduled for the ninth of September, after the summer freeze on deployments.',
  'osprey-budget.md':
    '# Osprey sync, 19 May\n\nOsprey asked for another 40,000 euros to license the mapping data; finance approved half of it under code OSP-22.',
  'osprey-team.md':
    '# Osprey sync, 2 June\n\nOsprey brings in two contractors for the mobile app and loses its designer to the marketing team.',
  'merlin-launch.md':
    '# Merlin sync, 8 July\n\nProject Merlin goes live for the first pilot customer on the first of October; everyone else follows in November.',
  'merlin-budget.md':
    '# Merlin sync, 22 July\n\nMerlin stays within its funding so far; the cloud bill is the largest cost and code MRL-07 pays for it.',
  'merlin-team.md':
    '# Merlin sync, 5 August\n\nMerlin hires a data engineer, and Jonas leaves the project to lead the support desk.',

  // ---- people ----
  'dr-solberg.md':
    '# Dr. Ingrid Solberg\n\nDermatologist at the Linden clinic. She removed the mole on my shoulder in February and wants to see the scar again in six months.',
  'dentist-moreau.md':
    '# Dr. Claire Moreau\n\nDentist on Harbour Street. Cleaning every six months; the next check-up is booked for the fourth of November at ten.',
  'plumber-wierzbicki.txt':
    'Tomasz Wierzbicki is the plumber who replaced the water heater. He charges a call-out fee on weekends and answers text messages faster than calls.',
  'coach-adebayo.txt':
    'Coach Adebayo runs the under-twelves football team. Training is on Tuesday and Thursday at half past five, matches on Saturday mornings.',
  'piano-fairweather.txt':
    'Mrs. Fairweather teaches piano on Wednesday afternoons. The grade two exam is in March, and she wants twenty minutes of scales every day.',
  'accountant-chandrasekhar.txt':
    'Ravi Chandrasekhar does the household tax return. He needs the receipts for the home office and the pension statements by the end of November.',

  // ---- everyday notes, asked about in other words ----
  'car-cold-start.txt':
    'On freezing mornings the automobile would not start: the engine cranked slowly and then went silent. A weak accumulator loses much of its capacity in the cold.',
  'sleep-advice.md':
    '# Resting well\n\nKeeping the bedroom dark and cool, avoiding screens late in the evening and going to bed at the same time each night all help people fall asleep faster.',
  'sourdough.md':
    '# Sourdough loaf\n\nMix flour, water, salt and a ripe starter, let the dough ferment overnight, shape it, and bake it in a very hot covered pot for a crisp crust.',
  'garden-pests.md':
    '# Protecting vegetables\n\nAphids cluster on young shoots of beans and roses. Ladybirds eat them, and a spray of soapy water knocks the colonies back without harming bees.',
  'solar-panels.txt':
    'Photovoltaic modules on the roof produce less electricity when dust and pollen build up on the glass. Rinsing them twice a year restores most of the lost output.',
  'marathon.md':
    '# Preparing for 42 km\n\nBuild weekly mileage slowly, include one long run every weekend, and taper during the final two weeks so the legs are fresh on race day.',
  'coffee.txt':
    'For pour-over coffee use water just off the boil, a medium-fine grind and about sixty grams of beans per litre. Bloom the grounds for thirty seconds first.',
  'tax-deadline.txt':
    'Personal tax returns for the year must be filed by the thirty-first of January. Late filing brings an automatic penalty even when no tax is owed.',
  'puppy.md':
    '# Puppy manners\n\nReward the puppy with a treat the moment it sits, keep sessions short, and never punish it for coming back to you when called.',
  'hiking.txt':
    'Before a mountain walk check the forecast, tell someone your route, and carry a map, a head torch, water and an extra warm layer.',
  'battery-recycling.txt':
    'Spent lithium cells should go to a collection point, never the household bin: damaged cells can catch fire in rubbish trucks.',
  'houseplants.md':
    '# Houseplants\n\nMore indoor plants die from too much water than too little. Let the top of the compost dry out between drinks and empty the saucer under the pot.',
  'bike-chain.txt':
    'Wipe the bicycle chain with a rag after wet rides, then put one drop of lubricant on each link and spin the pedals backwards before wiping off the excess.',
  'burns.md':
    '# First aid for burns\n\nCool the burn under running tap water for twenty minutes, remove rings or watches nearby, and cover it loosely with cling film. Never use butter or ice.',
  'retirement.md':
    '# Pension saving\n\nPaying a small share of every salary into a pension early matters more than the amount, because the returns compound over decades.',
  'language.md':
    '# Learning Spanish\n\nTen minutes of vocabulary with spaced repetition every day beats a long session once a week, and speaking with a tutor early builds confidence.',
  'tap.md':
    '# Dripping tap\n\nTurn off the isolation valve under the sink, unscrew the handle and replace the worn washer or cartridge; a single drip wastes thousands of litres a year.',
  'packing.md':
    '# Travelling light\n\nRoll clothes instead of folding them, take one pair of shoes besides the ones you wear, and decant toiletries into small bottles for the cabin bag.',
  'food-waste.md':
    '# Wasting less food\n\nPlan meals before shopping, freeze bread and leftovers in portions, and keep older items at the front of the fridge so they are eaten first.',
  'cast-iron.md':
    '# Cast iron pan care\n\nDry the pan on the hob straight after washing and rub in a thin film of oil, otherwise rust spots appear within days.',
  'moving-house.md':
    '# Moving checklist\n\nBook the van a month ahead, tell the bank and the doctor about the new address, and label every box with the room it goes to.',
  'password-manager.md':
    '# Passwords at home\n\nA password manager creates a different long password for every site; turn on two-step sign-in for email and banking first.',
  'composting.md':
    '# Garden compost\n\nMix green waste such as grass clippings with brown waste such as cardboard and dry leaves, keep the heap moist and turn it every few weeks.',
  'wifi-dead-spots.md':
    '# Weak wireless upstairs\n\nPlace the router high up and away from the microwave; a mesh extender on the landing covers the bedrooms.',
  'bread-machine.md':
    '# Bread machine loaf\n\nPut the water in first, then the flour, and the yeast last in a dip on top so it does not touch the salt; choose the basic programme.',
  'running-injury.md':
    '# Shin splints\n\nPain along the front of the shin after running usually means the mileage went up too quickly. Rest for a week and build back more gently.',
  'espresso.txt':
    'An espresso shot should take about twenty-five seconds: if it runs faster, grind finer; if it drips slowly and tastes bitter, grind coarser.',
  'tax-refund.txt':
    'A tax refund for overpaid income tax usually arrives within eight weeks of filing the return, paid into the account named on the form.',
  'dog-walking.md':
    '# Walking the dog\n\nA young dog needs about five minutes of walking per month of age, twice a day, until it is fully grown.',
};

export interface FusionQuery {
  query: string;
  kind: 'exact' | 'paraphrase' | 'mixed';
  /** Document name -> grade (2 the answer, 1 related). */
  relevant: Record<string, number>;
}

export const FUSION_QUERIES: FusionQuery[] = [
  // ---- exact tokens alone ----
  { query: 'E-4012', kind: 'exact', relevant: { 'pump-e4012.md': 2 } },
  { query: 'E-4021', kind: 'exact', relevant: { 'pump-e4021.md': 2 } },
  { query: 'B-7718', kind: 'exact', relevant: { 'boiler-b7718.md': 2 } },
  { query: 'HP-301', kind: 'exact', relevant: { 'heatpump-hp301.md': 2 } },
  { query: 'R-0024', kind: 'exact', relevant: { 'router-r0024.txt': 2 } },
  { query: 'J-202', kind: 'exact', relevant: { 'printer-j202.txt': 2 } },
  { query: 'INC-6177', kind: 'exact', relevant: { 'inc-6177.txt': 2 } },
  { query: 'INC-5513', kind: 'exact', relevant: { 'inc-5513.txt': 2 } },
  { query: 'PO-88231', kind: 'exact', relevant: { 'supplier-halvorsen-2019.txt': 2 } },
  { query: 'OSP-22', kind: 'exact', relevant: { 'osprey-budget.md': 2 } },
  { query: 'Wierzbicki', kind: 'exact', relevant: { 'plumber-wierzbicki.txt': 2 } },
  { query: 'Okonkwo', kind: 'exact', relevant: { 'supplier-okonkwo.txt': 2 } },

  // ---- paraphrases: no content word in common with the answer ----
  {
    query: 'my vehicle refuses to ignite when it is icy outside',
    kind: 'paraphrase',
    relevant: { 'car-cold-start.txt': 2 },
  },
  { query: 'tips for insomnia', kind: 'paraphrase', relevant: { 'sleep-advice.md': 2 } },
  { query: 'how to teach a young hound to obey', kind: 'paraphrase', relevant: { 'puppy.md': 2 } },
  { query: 'bugs devouring my crops', kind: 'paraphrase', relevant: { 'garden-pests.md': 2 } },
  { query: 'what to pack for a trek in the hills', kind: 'paraphrase', relevant: { 'hiking.txt': 2 } },
  { query: 'skillet getting rusty', kind: 'paraphrase', relevant: { 'cast-iron.md': 2 } },
  { query: 'faucet leaking constantly', kind: 'paraphrase', relevant: { 'tap.md': 2 } },
  {
    query: 'putting money aside for old age',
    kind: 'paraphrase',
    relevant: { 'retirement.md': 2 },
  },
  { query: 'treating a scald from the kettle', kind: 'paraphrase', relevant: { 'burns.md': 2 } },
  {
    query: 'someone walked off with a work computer',
    kind: 'paraphrase',
    relevant: { 'inc-6020.txt': 2 },
  },
  { query: 'overwatered pot plants', kind: 'paraphrase', relevant: { 'houseplants.md': 2 } },
  { query: 'cleaning solar cells', kind: 'paraphrase', relevant: { 'solar-panels.txt': 2 } },

  // ---- mixed: a shared rare token plus what is asked, or a topic plus one distinguishing fact ----
  {
    query: 'when is Osprey going live',
    kind: 'mixed',
    relevant: { 'osprey-launch.md': 2, 'osprey-budget.md': 1, 'osprey-team.md': 1 },
  },
  {
    query: 'how much funding does Merlin have',
    kind: 'mixed',
    relevant: { 'merlin-budget.md': 2, 'merlin-launch.md': 1, 'merlin-team.md': 1 },
  },
  {
    query: 'who is joining Kestrel',
    kind: 'mixed',
    relevant: { 'kestrel-team.md': 2, 'kestrel-launch.md': 1, 'kestrel-budget.md': 1 },
  },
  {
    query: 'Kestrel delayed',
    kind: 'mixed',
    relevant: { 'kestrel-launch.md': 2, 'kestrel-budget.md': 1, 'kestrel-team.md': 1 },
  },
  {
    query: 'Osprey staffing changes',
    kind: 'mixed',
    relevant: { 'osprey-team.md': 2, 'osprey-launch.md': 1, 'osprey-budget.md': 1 },
  },
  {
    query: 'Merlin departure of a colleague',
    kind: 'mixed',
    relevant: { 'merlin-team.md': 2, 'merlin-launch.md': 1, 'merlin-budget.md': 1 },
  },
  {
    query: 'Halvorsen current payment terms',
    kind: 'mixed',
    relevant: { 'supplier-halvorsen.txt': 2, 'supplier-halvorsen-2019.txt': 1 },
  },
  {
    query: 'pump pressure building up, E-4021',
    kind: 'mixed',
    relevant: { 'pump-e4021.md': 2, 'pump-e4012.md': 1 },
  },
  {
    query: 'boiler keeps losing pressure',
    kind: 'mixed',
    relevant: { 'boiler-b7870.md': 2 },
  },
  {
    query: 'heat pump frozen in winter',
    kind: 'mixed',
    relevant: { 'heatpump-hp310.md': 2, 'heatpump-hp301.md': 1 },
  },
  {
    query: 'printer jam in the front drawer',
    kind: 'mixed',
    relevant: { 'printer-j202.txt': 2, 'printer-j220.txt': 1 },
  },
  {
    query: 'router light flashing red',
    kind: 'mixed',
    relevant: { 'router-r0024.txt': 2, 'router-r0042.txt': 1 },
  },
  {
    query: 'phishing that stole bank details',
    kind: 'mixed',
    relevant: { 'inc-5513.txt': 2, 'inc-5531.txt': 1 },
  },
  {
    query: 'INC-6355 personal data sent to the wrong person',
    kind: 'mixed',
    relevant: { 'inc-6355.txt': 2 },
  },
  {
    query: 'remote workers cut off from the file server',
    kind: 'mixed',
    relevant: { 'inc-6102.txt': 2 },
  },
  {
    query: 'Dr. Solberg follow-up appointment for the scar',
    kind: 'mixed',
    relevant: { 'dr-solberg.md': 2 },
  },
  {
    query: 'when does Coach Adebayo hold practice',
    kind: 'mixed',
    relevant: { 'coach-adebayo.txt': 2 },
  },
  {
    query: 'what paperwork does Ravi need for the taxes',
    kind: 'mixed',
    relevant: { 'accountant-chandrasekhar.txt': 2, 'tax-deadline.txt': 1 },
  },
  {
    query: 'Tamarind brochure reprint price',
    kind: 'mixed',
    relevant: { 'supplier-tamarind.txt': 2 },
  },
  {
    query: 'Quimby vegetarian meals',
    kind: 'mixed',
    relevant: { 'supplier-quimby.txt': 2 },
  },
  {
    query: 'coffee tastes bitter and drips slowly',
    kind: 'mixed',
    relevant: { 'espresso.txt': 2, 'coffee.txt': 1 },
  },
  {
    query: 'shin pain after running more',
    kind: 'mixed',
    relevant: { 'running-injury.md': 2, 'marathon.md': 1 },
  },
];
