import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, the zlib polynomial) of `data`, continuing from `previous` so a large
 * blob can be checksummed chunk by chunk. node:zlib has had crc32 since Node 20.15.
 */
export function crc32(data: Uint8Array, previous = 0): number {
  return zlibCrc32(data, previous) >>> 0;
}
