/** What a peer answers a member that was removed from the cluster (the member then stops). */
export const REMOVED_MESSAGE = 'the member has been permanently removed from the cluster';
