// Public names of the access room, re-exported by lib/index.ts.
export {};
