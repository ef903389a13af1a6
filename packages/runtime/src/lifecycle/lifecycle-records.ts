/** The ledger record types of a group's life (Annex E, sections 6 and 7), all owner-signed. */
export const LIFECYCLE_RECORD_TYPES = {
  /** The owner paused the group: no member is woken. */
  paused: 'group.paused',
  /** The owner resumed a paused or handed-off group. */
  resumed: 'group.resumed',
  /** The owner dissolved the group: final, every run is refused. */
  dissolved: 'group.dissolved',
  /** A member joined the group. */
  memberJoined: 'member.joined',
  /** A member left the group. */
  memberLeft: 'member.left',
} as const;

/** A group's run state, read from the ledger. */
export type GroupRunState = 'active' | 'paused' | 'dissolved' | 'handed-off';
