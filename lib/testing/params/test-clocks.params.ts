import { S, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

/** `TestHelpers.TestClockCreateParams` */
export const testClockCreate: ParamSchema = { customer: S, expand: S, frozen_time: S, name: S };

/** `TestHelpers.TestClockRetrieveParams` */
export const testClockRetrieve: ParamSchema = { expand: S };

/** `TestHelpers.TestClockAdvanceParams` */
export const testClockAdvance: ParamSchema = { expand: S, frozen_time: S };

/** `TestHelpers.TestClockDeleteParams` */
export const testClockDelete: ParamSchema = {};

/** `TestHelpers.TestClockListParams` */
export const testClockList: ParamSchema = { ending_before: S, expand: S, limit: S, starting_after: S };
