import {
  type ConfState,
  decodeConfChange,
  decodeConfChangeV2,
  type Entry,
  EntryType,
  type Message,
  MessageType,
  type Ready,
  StateType,
} from '../../src/index.js';

const dec = new TextDecoder();

export function ids(xs: readonly bigint[]): string {
  return `(${xs.join(' ')})`;
}

export function describeConfState(cs: ConfState): string {
  let s = `voters=${ids(cs.voters)}`;
  if (cs.votersOutgoing.length > 0) s += `&&${ids(cs.votersOutgoing)}`;
  if (cs.learners.length > 0) s += ` learners=${ids(cs.learners)}`;
  if (cs.learnersNext.length > 0) s += ` learners_next=${ids(cs.learnersNext)}`;
  if (cs.autoLeave) s += ' autoleave';
  return s;
}

export function describeEntry(e: Entry): string {
  const head = `${e.term}/${e.index}`;
  if (e.type === EntryType.Normal) return `${head} EntryNormal ${JSON.stringify(dec.decode(e.data))}`;
  if (e.type === EntryType.ConfChange) {
    const cc = decodeConfChange(e.data);
    return `${head} EntryConfChange ${['v', 'r', 'u', 'l'][cc.type]}${cc.nodeId}`;
  }
  const cc = decodeConfChangeV2(e.data);
  const ch = cc.changes.map((c) => `${['v', 'r', 'u', 'l'][c.type]}${c.nodeId}`).join(' ');
  return `${head} EntryConfChangeV2${ch.length > 0 ? ` ${ch}` : ''}${cc.transition > 0 ? ` transition=${cc.transition}` : ''}`;
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${MessageType[m.type]} Term:${m.term}`;
  const t = m.type;
  if (t === MessageType.MsgApp || t === MessageType.MsgVote || t === MessageType.MsgPreVote) {
    s += ` Log:${m.logTerm}/${m.index}`;
  } else if (t === MessageType.MsgAppResp || t === MessageType.MsgReadIndexResp) {
    s += ` Log:${m.logTerm}/${m.index}`;
  }
  if (m.commit > 0) s += ` Commit:${m.commit}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.context.byteLength > 0) s += ` Context:${JSON.stringify(dec.decode(m.context))}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map(describeEntry).join(', ')}]`;
  if (m.snapshot !== undefined) {
    const md = m.snapshot.metadata;
    s += ` Snapshot: Index:${md.index} Term:${md.term} ConfState:${describeConfState(md.confState)}`;
  }
  return s;
}

export function describeReady(rd: Ready): string[] {
  const out: string[] = [];
  if (rd.softState !== undefined) {
    out.push(`State:${StateType[rd.softState.raftState]} Lead:${rd.softState.lead}`);
  }
  if (rd.hardState !== undefined) {
    const h = rd.hardState;
    out.push(`HardState Term:${h.term} Vote:${h.vote} Commit:${h.commit}`);
  }
  if (rd.entries.length > 0) {
    out.push('Entries:');
    for (const e of rd.entries) out.push(describeEntry(e));
  }
  if (rd.snapshot !== undefined) {
    const md = rd.snapshot.metadata;
    out.push(`Snapshot Index:${md.index} Term:${md.term} ConfState:${describeConfState(md.confState)}`);
  }
  if (rd.committedEntries.length > 0) {
    out.push('CommittedEntries:');
    for (const e of rd.committedEntries) out.push(describeEntry(e));
  }
  if (rd.messages.length > 0) {
    out.push('Messages:');
    for (const m of rd.messages) out.push(describeMessage(m));
  }
  if (rd.readStates.length > 0) {
    out.push('ReadStates:');
    for (const r of rd.readStates) out.push(`Index:${r.index} Ctx:${JSON.stringify(dec.decode(r.requestCtx))}`);
  }
  if (rd.mustSync) out.push('MustSync');
  return out;
}
