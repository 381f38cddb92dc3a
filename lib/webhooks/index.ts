// Public names of the webhooks room, re-exported by lib/index.ts.
export {};
