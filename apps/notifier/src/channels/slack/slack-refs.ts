/** Where a Slack message lives: `<channel id>/<ts>` (the delivery's external_ref). */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

export function formatMessageRef(ref: SlackMessageRef): string {
  return `${ref.channel}/${ref.ts}`;
}

export function parseMessageRef(ref: string): SlackMessageRef {
  const [channel, ts, ...rest] = ref.split('/');
  if (!channel || !ts || rest.length > 0) throw new Error(`not a Slack message reference: ${ref}`);
  return { channel, ts };
}

/** A Slack account as votes carry it: `<team id>/<user id>` (user ids are unique only per workspace). */
export interface SlackUser {
  team: string;
  user: string;
}

export function formatSlackUser(u: SlackUser): string {
  return `${u.team}/${u.user}`;
}

export function parseSlackUser(channelUser: string): SlackUser | undefined {
  const [team, user, ...rest] = channelUser.split('/');
  return team && user && rest.length === 0 ? { team, user } : undefined;
}
