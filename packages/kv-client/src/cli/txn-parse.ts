import type { etcdserverpb } from '@coreos-ts/proto';
import { type CompareOperator, compare, op } from '../txn.js';

/** etcdctl's txn syntax: compares, blank line, success ops, blank line, failure ops. */
export interface ParsedTxn {
  compares: etcdserverpb.Compare[];
  success: etcdserverpb.RequestOp[];
  failure: etcdserverpb.RequestOp[];
}

export class TxnSyntaxError extends Error {}

/** Splits a line like a shell would for etcdctl's purposes: spaces separate, double quotes group, \\ escapes. */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inQuotes = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      started = true;
    } else if (ch === '"') {
      inQuotes = !inQuotes;
      started = true;
    } else if (!inQuotes && /\s/.test(ch)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (inQuotes) throw new TxnSyntaxError(`unterminated quote in "${line}"`);
  if (started) args.push(current);
  return args;
}

const COMPARE = /^\s*(\w+)\("((?:[^"\\]|\\.)*)"\)\s*(=|!=|<|>)\s*"((?:[^"\\]|\\.)*)"\s*$/;

export function parseCompare(line: string): etcdserverpb.Compare {
  const match = COMPARE.exec(line);
  if (!match) throw new TxnSyntaxError(`malformed comparison: ${line}`);
  const [, target, rawKey, operator, rawValue] = match;
  const key = (rawKey ?? '').replace(/\\(.)/g, '$1');
  const value = (rawValue ?? '').replace(/\\(.)/g, '$1');
  const opr = operator as CompareOperator;
  const int = (): bigint => {
    if (!/^-?\d+$/.test(value)) throw new TxnSyntaxError(`invalid number "${value}" in: ${line}`);
    return BigInt(value);
  };
  switch (target) {
    case 'ver':
    case 'version':
      return compare.version(key, opr, int());
    case 'c':
    case 'create':
      return compare.createRevision(key, opr, int());
    case 'm':
    case 'mod':
      return compare.modRevision(key, opr, int());
    case 'val':
    case 'value':
      return compare.value(key, opr, value);
    case 'lease':
      return compare.lease(key, opr, BigInt(`0x${value}`));
    default:
      throw new TxnSyntaxError(`malformed comparison target: ${target}`);
  }
}

function flag(args: string[], name: string): boolean {
  return args.includes(`--${name}`) || args.includes(`--${name}=true`);
}

function flagValue(args: string[], name: string): string | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

export function parseRequestOp(line: string): etcdserverpb.RequestOp {
  const args = splitArgs(line);
  const [verb, ...rest] = args;
  const positional = rest.filter((a) => !a.startsWith('--'));
  const key = positional[0];
  if (key === undefined) throw new TxnSyntaxError(`missing key in: ${line}`);
  switch (verb) {
    case 'put': {
      const value = positional[1];
      if (value === undefined) throw new TxnSyntaxError(`put needs a key and a value: ${line}`);
      const lease = flagValue(rest, 'lease');
      return op.put(key, value, { ...(lease ? { lease: BigInt(`0x${lease}`) } : {}), prevKv: flag(rest, 'prev-kv') });
    }
    case 'get': {
      const rangeEnd = positional[1];
      const limit = flagValue(rest, 'limit');
      const revision = flagValue(rest, 'rev');
      return op.get(key, {
        prefix: flag(rest, 'prefix'),
        fromKey: flag(rest, 'from-key'),
        keysOnly: flag(rest, 'keys-only'),
        countOnly: flag(rest, 'count-only'),
        ...(rangeEnd !== undefined ? { rangeEnd } : {}),
        ...(limit ? { limit: BigInt(limit) } : {}),
        ...(revision ? { revision: BigInt(revision) } : {}),
      });
    }
    case 'del':
    case 'delete': {
      const rangeEnd = positional[1];
      return op.delete(key, {
        prefix: flag(rest, 'prefix'),
        fromKey: flag(rest, 'from-key'),
        prevKv: flag(rest, 'prev-kv'),
        ...(rangeEnd !== undefined ? { rangeEnd } : {}),
      });
    }
    default:
      throw new TxnSyntaxError(`unknown request: ${verb ?? ''}`);
  }
}

/** Parses the whole stdin of `txn`: three sections separated by blank lines. */
export function parseTxn(text: string): ParsedTxn {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const sections: string[][] = [[], [], []];
  let section = 0;
  for (const line of lines) {
    if (section > 2) break;
    if (line.trim() === '') {
      section++;
      continue;
    }
    sections[section]!.push(line);
  }
  return {
    compares: sections[0]!.map(parseCompare),
    success: sections[1]!.map(parseRequestOp),
    failure: sections[2]!.map(parseRequestOp),
  };
}
