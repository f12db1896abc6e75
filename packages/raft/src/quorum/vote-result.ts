export enum VoteResult {
  /** Not enough votes yet to decide. */
  Pending = 1,
  /** The vote is lost: too many rejections. */
  Lost = 2,
  /** A quorum granted the vote. */
  Won = 3,
}

/** Looks up the acknowledged (match) index of a voter; undefined if unknown. */
export type AckedIndexer = (id: bigint) => number | undefined;
