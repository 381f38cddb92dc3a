/** Injection token of the AccessGuard instance (the default or the app's subclass) the decorators use. */
export const ACCESS_GUARD_IMPL = 'PAYMENTS:ACCESS_GUARD_IMPL';
