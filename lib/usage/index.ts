// Public names of the usage room, re-exported by lib/index.ts.
export {};
