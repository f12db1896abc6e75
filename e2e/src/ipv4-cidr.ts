// IPv4 prefixes, for choosing a netns cluster's subnet that overlaps nothing the host routes.

export interface Ipv4Prefix {
  /** The network address as an unsigned 32-bit number. */
  readonly network: number;
  readonly length: number;
}

function addressValue(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

function mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** `10.1.2.0/24`, or a bare address (a /32); undefined for anything else (`default` included). */
export function parsePrefix(text: string): Ipv4Prefix | undefined {
  const [address, lengthText] = text.split('/');
  const value = addressValue(address ?? '');
  const length = lengthText === undefined ? 32 : Number(lengthText);
  if (value === undefined || !Number.isInteger(length) || length < 0 || length > 32) return undefined;
  return { network: (value & mask(length)) >>> 0, length };
}

/** True when the two prefixes share an address. */
export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  const m = mask(Math.min(a.length, b.length));
  return (a.network & m) >>> 0 === (b.network & m) >>> 0;
}
