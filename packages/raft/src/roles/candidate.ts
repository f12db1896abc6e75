import { campaign, poll } from '../election.js';
import { proposalDropped } from '../errors.js';
import { VoteResult } from '../quorum/vote-result.js';
import type { Raft } from '../raft.js';
import { type Message, MessageType, None, StateType } from '../types.js';
import { handleAppendEntries, handleHeartbeat, handleSnapshot } from './follower.js';

/** Candidates and pre-candidates: count votes, yield to any leader of our term. */
export function stepCandidate(r: Raft, m: Message): void {
  const myVoteResp = r.state === StateType.PreCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
  switch (m.type) {
    case MessageType.MsgProp:
      throw proposalDropped('no-leader');
    case MessageType.MsgApp:
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case MessageType.MsgHeartbeat:
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case MessageType.MsgSnap:
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case myVoteResp: {
      const res = poll(r, m.from, m.type, !m.reject);
      if (res === VoteResult.Won) {
        if (r.state === StateType.PreCandidate) campaign(r, 'election');
        else r.becomeLeader();
      } else if (res === VoteResult.Lost) {
        // A pre-vote rejection with a higher term was handled by step() already.
        r.becomeFollower(r.term, None);
      }
      return;
    }
    case MessageType.MsgTimeoutNow:
      r.logger.debug({ id: r.id, term: r.term }, 'ignored MsgTimeoutNow as candidate');
      return;
  }
}
