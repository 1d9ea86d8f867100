import { seededRandom } from '../src/app/seeded-random.ts';
import { parsePhoneKey } from '../src/core/normalise.ts';
import { DEFAULT_SETTINGS } from '../src/core/settings.ts';
import type { ChildAccount, Contact, Deal, Pipeline, Snapshot } from '../src/core/snapshot.ts';

// A synthetic tenant for benchmarks: every contact has one email; 60% of people have a phone, written in
// mixed national and international formats; about 10% of people are in 2-4 accounts; a deal on 30% of
// contacts; a few junk keys (front-desk phones and info@ addresses). Seeded, so runs compare.

const FIRST = [
  'Ann',
  'Bob',
  'Cara',
  'Dev',
  'Eli',
  'Fay',
  'Gus',
  'Hana',
  'Ivan',
  'Jo',
  'Kim',
  'Lee',
  'Mo',
  'Ned',
];
const LAST = ['Smith', 'Jones', 'Brown', 'Garcia', 'Miller', 'Davis', 'Lopez', 'Wilson', 'Moore', 'Clark'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'example.co'];
const STAGES = [
  'Inquiry',
  'Tour scheduled',
  'Tour completed',
  'Assessment',
  'Deposit',
  'Lease signed',
  'Moving',
];

/** Area codes whose numbers libphonenumber-js calls valid, so most generated phones are real keys. */
function validAreaCodes(): string[] {
  const codes: string[] = [];
  for (let area = 201; area <= 989 && codes.length < 120; area++) {
    if (parsePhoneKey(`${area}5550123`, 'US') && parsePhoneKey(`${area}7340123`, 'US'))
      codes.push(String(area));
  }
  return codes;
}

function formatPhone(digits: string, style: number): string {
  const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)];
  switch (style) {
    case 0:
      return `(${a}) ${b}-${c}`;
    case 1:
      return `${a}-${b}-${c}`;
    case 2:
      return `+1 ${a} ${b} ${c}`;
    case 3:
      return `+1${digits}`;
    default:
      return `${a}.${b}.${c}`;
  }
}

function pipelineFor(account: number): Pipeline {
  const open = 3 + (account % 5);
  const stages = STAGES.slice(0, open).map((label, order) => ({
    id: `s${order}`,
    label,
    order,
    outcome: null,
  }));
  stages.push({ id: 'won', label: 'Moved in', order: open, outcome: 'won' as never });
  stages.push({ id: 'lost', label: 'Lost', order: open + 1, outcome: 'lost' as never });
  return { id: 'p1', stages };
}

export interface TenantShape {
  accounts: number;
  contacts: number;
  seed?: number;
}

export function syntheticTenant({ accounts, contacts, seed = 42 }: TenantShape): Snapshot {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const areas = validAreaCodes();
  const children: ChildAccount[] = Array.from({ length: accounts }, (_, i) => ({
    id: String(1000 + i),
    name: `Community ${i + 1}`,
    country: 'US',
    pipelines: [pipelineFor(i)],
    contacts: [] as Contact[],
    deals: [] as Deal[],
  }));
  const corporate: Contact[] = [];
  const start = Date.UTC(2022, 0, 1);
  let made = 0;
  let person = 0;
  while (made < contacts) {
    person++;
    const shared = random() < 0.1;
    const copies = Math.min(shared ? 2 + Math.floor(random() * 3) : 1, accounts, contacts - made);
    const first = pick(FIRST);
    const last = pick(LAST);
    const email = `${first}.${last}.${person}@${pick(DOMAINS)}`;
    const phone =
      random() < 0.6
        ? `${pick(areas)}${2 + Math.floor(random() * 8)}${String(Math.floor(random() * 1e6)).padStart(6, '0')}`
        : null;
    const firstAccount = Math.floor(random() * accounts);
    // Half the shared people already have a corporate copy from earlier runs.
    if (copies > 1 && random() < 0.5) {
      corporate.push({
        id: String(corporate.length + 1),
        emails: [email],
        phones: [],
        createdAt: new Date(start).toISOString(),
        conversions: 0,
        firstConversionAt: null,
        properties: { firstname: first, lastname: last },
        tags: [],
      });
    }
    for (let copy = 0; copy < copies; copy++) {
      const child = children[(firstAccount + copy * 7) % accounts] as ChildAccount;
      const id = String(made + 1);
      const createdAt = start + Math.floor(random() * 9e10);
      const conversions = Math.floor(random() * 4);
      child.contacts.push({
        id,
        emails: [copy % 2 === 0 ? email : email.toUpperCase()],
        phones: phone ? [formatPhone(phone, Math.floor(random() * 5))] : [],
        createdAt: new Date(createdAt).toISOString(),
        conversions,
        firstConversionAt: conversions > 0 ? new Date(createdAt + 86_400_000).toISOString() : null,
        properties: { firstname: first, lastname: last },
        tags: [],
      });
      if (random() < 0.3) {
        const stages = child.pipelines[0]?.stages ?? [];
        child.deals.push({ id: `d${id}`, pipelineId: 'p1', stageId: pick(stages).id, contactIds: [id] });
      }
      made++;
    }
  }
  // Junk keys: a front-desk phone and an info@ address on many contacts of a few accounts.
  for (let i = 0; i < Math.min(5, accounts); i++) {
    const child = children[i] as ChildAccount;
    child.contacts.slice(0, 20).forEach((contact, n) => {
      if (n % 2 === 0) contact.phones.push(formatPhone(`${areas[i]}5550100`, n % 5));
      else contact.emails.push(`info@community-${i}.example.com`);
    });
  }
  return {
    settings: { ...DEFAULT_SETTINGS, tags: ['multi-location'], copyToCorporate: true },
    children,
    corporate: { id: '1', name: 'Corporate', country: 'US', contacts: corporate },
  };
}
