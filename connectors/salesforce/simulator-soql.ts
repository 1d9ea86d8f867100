// The small part of SOQL the simulator understands: the shapes the adapter sends and nothing more.
//   SELECT f, g.h FROM Obj [WHERE cond [AND cond]...] [ORDER BY Id] [LIMIT n]
//   cond: path (= | != | > | >= | < | <=) literal  |  path IN (literal, ...)
//   literal: 'text', number, true, false, null, or a dateTime (2024-01-03T10:00:00.000Z, unquoted)
// Anything else (OR, sub-queries, functions, GROUP BY ...) is refused the way Salesforce refuses a query it
// cannot parse: MALFORMED_QUERY.

export type Literal = string | number | boolean | null | Date;

export interface Condition {
  path: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=' | 'IN';
  values: Literal[];
}

export interface ParsedQuery {
  fields: string[];
  object: string;
  where: Condition[];
  limit: number | null;
}

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE',
    message: string,
  ) {
    super(message);
  }
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;
const TOKEN =
  /\s*(?:('(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_.]*)|(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})|-?\d+(?:\.\d+)?)|(!=|>=|<=|=|>|<|\(|\)|,|\*))/y;

function tokenize(soql: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < soql.length) {
    if (/^\s*$/.test(soql.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(soql);
    if (!match) throw malformed(`unexpected token at position ${start}`);
    tokens.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '');
  }
  return tokens;
}

const malformed = (detail: string) => new SoqlError('MALFORMED_QUERY', `MALFORMED_QUERY: ${detail}`);

function literal(token: string | undefined): Literal {
  if (token === undefined) throw malformed('expected a value');
  if (token.startsWith("'")) return token.slice(1, -1).replace(/\\(.)/g, '$1');
  const lower = token.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (DATETIME.test(token)) return new Date(token.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (/^-?\d/.test(token)) return Number(token);
  throw malformed(`unexpected '${token}'`);
}

const isName = (token: string | undefined): token is string =>
  token !== undefined && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(token);

/** Salesforce refuses a longer statement. */
export const MAX_SOQL_LENGTH = 100_000;

export function parseSoql(soql: string): ParsedQuery {
  if (soql.length > MAX_SOQL_LENGTH)
    throw malformed(`SOQL statements cannot be longer than ${MAX_SOQL_LENGTH} characters`);
  const tokens = tokenize(soql);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];
  const keyword = (word: string) => {
    if (peek()?.toUpperCase() !== word) throw malformed(`expected ${word} near '${peek() ?? 'end'}'`);
    at++;
  };

  keyword('SELECT');
  const fields: string[] = [];
  for (;;) {
    const field = next();
    if (!isName(field) || field.toUpperCase() === 'FROM') throw malformed(`unexpected '${field ?? 'end'}'`);
    if (peek() === '(') throw malformed(`functions are not supported ('${field}(')`);
    fields.push(field);
    if (peek() !== ',') break;
    at++;
  }
  keyword('FROM');
  const object = next();
  if (!isName(object) || object.includes('.')) throw malformed(`unexpected '${object ?? 'end'}'`);

  const where: Condition[] = [];
  if (peek()?.toUpperCase() === 'WHERE') {
    at++;
    for (;;) {
      const path = next();
      if (!isName(path)) throw malformed(`unexpected '${path ?? 'end'}'`);
      const op = next()?.toUpperCase();
      if (op === '=' || op === '!=' || op === '>' || op === '>=' || op === '<' || op === '<=')
        where.push({ path, op, values: [literal(next())] });
      else if (op === 'IN') {
        if (next() !== '(') throw malformed('expected ( after IN');
        const values: Literal[] = [];
        for (;;) {
          values.push(literal(next()));
          const separator = next();
          if (separator === ')') break;
          if (separator !== ',') throw malformed('expected , or ) in IN list');
        }
        where.push({ path, op: 'IN', values });
      } else throw malformed(`unsupported operator '${op ?? 'end'}'`);
      if (peek()?.toUpperCase() !== 'AND') break;
      at++;
    }
  }
  if (peek()?.toUpperCase() === 'ORDER') {
    at++;
    keyword('BY');
    if (next() !== 'Id') throw malformed('only ORDER BY Id is supported');
  }
  let limit: number | null = null;
  if (peek()?.toUpperCase() === 'LIMIT') {
    at++;
    const n = literal(next());
    if (typeof n !== 'number') throw malformed('LIMIT needs a number');
    limit = n;
  }
  if (at !== tokens.length) throw malformed(`unexpected '${peek()}'`);
  return { fields, object, where, limit };
}

export type SimRecord = { Id: string } & Record<string, unknown>;

/** Looks up records by object and id, for `Contact.AccountId`-style paths. */
export type Lookup = (object: string, id: string) => SimRecord | undefined;

/** `Account.ParentId` on an AccountContactRelation: follow `AccountId` to the Account, read `ParentId`. */
export function readPath(record: SimRecord, path: string, lookup: Lookup): unknown {
  const dot = path.indexOf('.');
  if (dot < 0) return record[path] ?? null;
  const relation = path.slice(0, dot);
  const targetId = record[`${relation}Id`];
  if (typeof targetId !== 'string') return null;
  const target = lookup(relation, targetId);
  return target ? readPath(target, path.slice(dot + 1), lookup) : null;
}

/** Dates compare as instants (stored `2024-01-03T10:00:00.000+0000`), everything else as it is. */
const comparable = (value: unknown, literal: Literal): unknown =>
  literal instanceof Date && typeof value === 'string'
    ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
    : value;

function matches(record: SimRecord, condition: Condition, lookup: Lookup): boolean {
  const value = readPath(record, condition.path, lookup) ?? null;
  const plain = (literal: Literal) => (literal instanceof Date ? literal.getTime() : literal);
  const equal = (literal: Literal) => comparable(value, literal) === plain(literal);
  if (condition.op === 'IN') return condition.values.some(equal);
  const literal = condition.values[0] ?? null;
  if (condition.op === '=') return equal(literal);
  if (condition.op === '!=') return !equal(literal);
  const left = comparable(value, literal);
  const right = plain(literal);
  if (left === null || right === null || typeof left !== typeof right) return false;
  const [a, b] = [left as number | string, right as number | string];
  if (condition.op === '>') return a > b;
  if (condition.op === '>=') return a >= b;
  if (condition.op === '<') return a < b;
  return a <= b;
}

/** The rows a query selects, shaped as the REST API returns them (related fields nested by relationship). */
export function runQuery(
  query: ParsedQuery,
  records: Iterable<SimRecord>,
  lookup: Lookup,
): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const record of records) {
    if (!query.where.every((c) => matches(record, c, lookup))) continue;
    const row: Record<string, unknown> = { attributes: { type: query.object } };
    for (const field of query.fields) {
      const dot = field.indexOf('.');
      if (dot < 0) {
        row[field] = record[field] ?? null;
        continue;
      }
      const relation = field.slice(0, dot);
      const nested = (row[relation] ?? { attributes: { type: relation } }) as Record<string, unknown>;
      nested[field.slice(dot + 1)] = readPath(record, field, lookup);
      row[relation] = nested;
    }
    rows.push(row);
    if (query.limit !== null && rows.length >= query.limit) break;
  }
  return rows;
}
