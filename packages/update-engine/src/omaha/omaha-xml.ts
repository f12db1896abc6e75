// Shared XML helpers for the Omaha codec: escaping for the encoder, a strict parser for the decoders.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export class OmahaXmlError extends Error {
  override readonly name = 'OmahaXmlError';
}

export function escapeXml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** ` name="value"` for each defined attribute, in the given order. */
export function attrs(pairs: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  return pairs
    .filter((p): p is readonly [string, string | number] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

const repeated = new Set(['app', 'event', 'url', 'package', 'action']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  isArray: (name, _path, _leaf, isAttribute) => isAttribute !== true && repeated.has(name),
});

export type XmlNode = { readonly [key: string]: unknown };

export const MAX_OMAHA_XML_BYTES = 1 << 20;

/** Parses an Omaha document and returns its root element (`request` or `response`). */
export function parseOmahaXml(xml: string, root: 'request' | 'response'): XmlNode {
  if (xml.trim() === '') throw new OmahaXmlError('empty document');
  if (xml.length > MAX_OMAHA_XML_BYTES) throw new OmahaXmlError(`document larger than ${MAX_OMAHA_XML_BYTES} bytes`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new OmahaXmlError(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (err) {
    // the validator lets a few truncated documents through (e.g. "<A/") that the parser refuses
    throw new OmahaXmlError(`malformed XML: ${(err as Error).message}`);
  }
  const node = doc[root];
  if (node === undefined || typeof node !== 'object' || node === null) {
    throw new OmahaXmlError(`missing <${root}> root element`);
  }
  return node as XmlNode;
}

export function child(node: XmlNode, name: string): XmlNode | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return {}; // <tag></tag> parses to ''
  return v as XmlNode;
}

export function children(node: XmlNode, name: string): XmlNode[] {
  const v = node[name];
  if (!Array.isArray(v)) return [];
  return v.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : {}));
}

export function attr(node: XmlNode, name: string): string | undefined {
  const v = node[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}

export function intAttr(node: XmlNode, name: string): number | undefined {
  const v = attr(node, name);
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new OmahaXmlError(`attribute ${name}="${v}" is not an integer`);
  return Number(v);
}
