/** The actor of every event this service publishes. */
export const POLICY_ACTOR = { kind: 'service', id: 'policy' } as const;
