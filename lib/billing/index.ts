// Public names of the billing room, re-exported by lib/index.ts.
export {};
