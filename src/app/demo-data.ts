import type { SnapshotInput } from '../core/index.ts';
import { seededRandom } from './seeded-random.ts';

// The sandbox's demo tenant: a corporate account and five senior-living communities with a few hundred
// residents' families and prospects, realistic deals and conversions, Bob Smith in two communities, and a
// handful of other people who inquired at more than one community. Seeded: every start shows the same data.

type ContactInput = NonNullable<SnapshotInput['children'][number]['contacts']>[number];
type DealInput = NonNullable<SnapshotInput['children'][number]['deals']>[number];

const PIPELINE = {
  id: 'default',
  label: 'Move-in pipeline',
  stages: [
    { id: 'inquiry', label: 'Inquiry', order: 0 },
    { id: 'tour-scheduled', label: 'Tour scheduled', order: 1 },
    { id: 'tour-completed', label: 'Tour completed', order: 2 },
    { id: 'assessment', label: 'Assessment', order: 3 },
    { id: 'deposit', label: 'Deposit paid', order: 4 },
    { id: 'moved-in', label: 'Moved in', order: 5, outcome: 'won' as const },
    { id: 'lost', label: 'Closed lost', order: 6, outcome: 'lost' as const },
  ],
};

export const DEMO_COMMUNITIES = [
  { id: '20001', name: 'Maple Grove' },
  { id: '20002', name: 'Lakeside Terrace' },
  { id: '20003', name: 'Cedar Hills' },
  { id: '20004', name: 'Riverbend Commons' },
  { id: '20005', name: 'Willow Creek' },
];
export const DEMO_CORPORATE = { id: '20000', name: 'Evergreen Senior Living (corporate)' };

const FIRST = [
  'Alice',
  'Brian',
  'Carmen',
  'Derek',
  'Elena',
  'Frank',
  'Grace',
  'Hector',
  'Irene',
  'James',
  'Kara',
];
const MORE_FIRST = ['Luis', 'Maria', 'Nora', 'Oscar', 'Paula', 'Quinn', 'Rosa', 'Samuel', 'Tina', 'Victor'];
const LAST = [
  'Anderson',
  'Baker',
  'Chen',
  'Diaz',
  'Evans',
  'Fischer',
  'Gupta',
  'Hughes',
  'Ibarra',
  'Johnson',
];
const MORE_LAST = ['Kowalski', 'Nguyen', 'Okafor', 'Patel', 'Reyes', 'Schmidt', 'Tanaka', 'Walsh', 'Young'];
const STAGE_IDS = PIPELINE.stages.map((s) => s.id);

function iso(days: number): string {
  return new Date(Date.UTC(2025, 0, 1) + days * 86_400_000).toISOString();
}

export function demoSnapshot(contactsPerCommunity = 70): SnapshotInput {
  const random = seededRandom(2026);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const firsts = [...FIRST, ...MORE_FIRST];
  const lasts = [...LAST, ...MORE_LAST];
  const children = DEMO_COMMUNITIES.map((c) => ({
    ...c,
    country: 'US' as const,
    pipelines: [PIPELINE],
    contacts: [] as ContactInput[],
    deals: [] as DealInput[],
  }));

  let serial = 0;
  const add = (
    community: number,
    person: { first: string; last: string; email: string | null; phone: string | null },
    extra: { stage?: string; conversions?: number; createdDay?: number } = {},
  ) => {
    const child = children[community] as (typeof children)[number];
    const id = String(100 + serial++);
    const conversions = extra.conversions ?? Math.floor(random() * 4);
    const created = extra.createdDay ?? Math.floor(random() * 600);
    child.contacts.push({
      id,
      emails: person.email ? [person.email] : [],
      phones: person.phone ? [person.phone] : [],
      createdAt: iso(created),
      conversions,
      firstConversionAt: conversions > 0 ? iso(created + 1 + Math.floor(random() * 30)) : null,
      properties: { firstname: person.first, lastname: person.last },
      tags: [],
    });
    const stage = extra.stage ?? (random() < 0.35 ? pick(STAGE_IDS) : undefined);
    if (stage) {
      child.deals.push({
        id: `d${id}`,
        pipelineId: PIPELINE.id,
        stageId: stage,
        contactIds: [id],
      });
    }
  };

  // Bob Smith toured Maple Grove and paid a deposit at Lakeside Terrace: Lakeside is his primary community.
  add(
    0,
    { first: 'Bob', last: 'Smith', email: 'bob.smith@example.com', phone: '(212) 555-0142' },
    {
      stage: 'tour-completed',
      conversions: 2,
      createdDay: 40,
    },
  );
  add(
    1,
    { first: 'Bob', last: 'Smith', email: 'Bob.Smith@Example.com', phone: '+1 212-555-0142' },
    {
      stage: 'deposit',
      conversions: 1,
      createdDay: 95,
    },
  );

  // A few more families who inquired at two or three communities, matched by email or by phone.
  for (let i = 0; i < 8; i++) {
    const first = pick(firsts);
    const last = pick(lasts);
    const email = `${first}.${last}.${i}@family.example`.toLowerCase();
    const phone = `(646) 555-01${String(10 + i).padStart(2, '0')}`;
    const communities = [i % 5, (i + 2) % 5, ...(i % 3 === 0 ? [(i + 4) % 5] : [])];
    communities.forEach((community, n) => {
      add(community, {
        first,
        last,
        email: n === 1 && i % 2 === 0 ? null : email,
        phone: n === 0 && i % 2 === 1 ? null : phone,
      });
    });
  }

  // Everyone else is in one community only.
  for (let community = 0; community < children.length; community++) {
    while ((children[community] as (typeof children)[number]).contacts.length < contactsPerCommunity) {
      const first = pick(firsts);
      const last = pick(lasts);
      const n = serial;
      add(community, {
        first,
        last,
        email: random() < 0.9 ? `${first}.${last}${n}@example.org`.toLowerCase() : null,
        phone: random() < 0.6 ? `(718) 555-${String(1000 + (n % 9000)).padStart(4, '0')}` : null,
      });
    }
  }

  return {
    settings: { enabled: true, mode: 'senior-living', copyToCorporate: true, tags: ['multi-community'] },
    children,
    corporate: { ...DEMO_CORPORATE, country: 'US', contacts: [] },
  };
}
