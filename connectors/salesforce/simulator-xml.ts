// Just enough XML for the simulator's SOAP endpoint: parses the envelopes jsforce writes (elements, attributes,
// text, the five entities; no CDATA, comments or processing instructions beyond the declaration) and writes
// answers. Namespace prefixes are dropped from names: `soapenv:Body` is `Body`.

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) =>
    e.startsWith('#x') || e.startsWith('#X')
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : (ENTITIES[e.toLowerCase()] ?? ''),
  );
export const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

export function parseXml(source: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const tag = /<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[^>]*\?>|([^<]+)/g;
  for (const match of source.matchAll(tag)) {
    const [, closing, name, attrText, selfClosing, text] = match;
    const top = stack[stack.length - 1] as XmlNode;
    if (text !== undefined) {
      top.text += unescapeXml(text);
      continue;
    }
    if (!name) continue;
    if (closing) {
      if (stack.length <= 1 || top.name !== localName(name)) throw new SyntaxError(`unexpected </${name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? '').matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
      attrs[a[1] as string] = unescapeXml(a[2] ?? a[3] ?? '');
    const node: XmlNode = { name: localName(name), attrs, children: [], text: '' };
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new SyntaxError('unclosed element');
  return root;
}

export const child = (node: XmlNode | undefined, name: string): XmlNode | undefined =>
  node?.children.find((c) => c.name === name);
export const childrenNamed = (node: XmlNode | undefined, name: string): XmlNode[] =>
  node?.children.filter((c) => c.name === name) ?? [];
/** The text of a child element, trimmed; undefined when there is none. */
export const textOf = (node: XmlNode | undefined, name: string): string | undefined => {
  const found = child(node, name);
  return found ? found.text.trim() : undefined;
};

/** An element from a value: objects become child elements, arrays repeat the element, null is `xsi:nil`. */
export function toXml(name: string, value: unknown, attrs = ''): string {
  if (Array.isArray(value)) return value.map((v) => toXml(name, v, attrs)).join('');
  if (value === null || value === undefined) return `<${name}${attrs} xsi:nil="true"/>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => toXml(k, v))
      .join('');
    return `<${name}${attrs}>${inner}</${name}>`;
  }
  return `<${name}${attrs}>${escapeXml(String(value))}</${name}>`;
}
