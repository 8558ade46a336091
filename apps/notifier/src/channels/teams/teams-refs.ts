/** Where a Teams message lives: `<conversation id>/<activity id>`, each URI-encoded (the delivery's external_ref). */
export interface TeamsMessageRef {
  conversationId: string;
  activityId: string;
}

export function formatTeamsRef(ref: TeamsMessageRef): string {
  return `${encodeURIComponent(ref.conversationId)}/${encodeURIComponent(ref.activityId)}`;
}

export function parseTeamsRef(ref: string): TeamsMessageRef {
  const [conversationId, activityId, ...rest] = ref.split('/');
  if (!conversationId || !activityId || rest.length > 0) throw new Error(`not a Teams message reference: ${ref}`);
  return { conversationId: decodeURIComponent(conversationId), activityId: decodeURIComponent(activityId) };
}

/** A Teams account as votes carry it: `<tenant id>/<aad object id>` (Entra ID ids, lower case). */
export interface TeamsUser {
  tenant: string;
  aadObjectId: string;
}

export function formatTeamsUser(u: TeamsUser): string {
  return `${u.tenant.toLowerCase()}/${u.aadObjectId.toLowerCase()}`;
}
