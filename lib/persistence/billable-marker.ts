import 'reflect-metadata';

/** Metadata the mixin puts on the classes it builds, so options validation can tell. */
const BILLABLE_MARKER = 'PAYMENTS:BILLABLE';

/** Marks a class built by `SubscriptionMixin`; subclasses inherit the mark. */
export function markBillable(target: object): void {
  Reflect.defineMetadata(BILLABLE_MARKER, true, target);
}

/** True when the class (or a parent) was built by `SubscriptionMixin`. */
export function isBillableEntity(entity: unknown): boolean {
  return typeof entity === 'function' && Reflect.getMetadata(BILLABLE_MARKER, entity) === true;
}
