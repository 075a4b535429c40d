// The request shapes of @syfthub/contracts (what the client and the web app send) against the validators the
// backend applies: every field a client may send is one the backend reads, and (checked by tsc) every value a
// client may send has a type the backend's validator accepts. A renamed or retyped field fails here.
import {
  AdminUserQuery,
  ApiTokenCreate,
  EndpointCreate,
  EndpointUpdate,
  FrontendErrorReport,
  RegisterRequest,
  UserAggregatorInput,
  UserUpdate,
} from '@syfthub/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { endpointCreateSchema, endpointUpdateSchema } from '../src/endpoints/schemas';
import { createBody as aggregatorCreateBody } from '../src/routes/aggregators';
import { createBody as tokenCreateBody } from '../src/routes/auth/api-tokens';
import { registerBody } from '../src/routes/auth/register';
import { frontendReportSchema } from '../src/routes/error-reports';
import { adminUserFilters } from '../src/users/admin-list';
import { userUpdateSchema } from '../src/users/update';

const registerSchema = registerBody(8);

const pairs: [string, z.ZodObject, z.ZodObject | Record<string, unknown>][] = [
  ['EndpointCreate', EndpointCreate, endpointCreateSchema],
  ['EndpointUpdate', EndpointUpdate, endpointUpdateSchema],
  ['RegisterRequest', RegisterRequest, registerSchema],
  ['ApiTokenCreate', ApiTokenCreate, tokenCreateBody],
  ['UserUpdate', UserUpdate, userUpdateSchema],
  ['UserAggregatorInput', UserAggregatorInput, aggregatorCreateBody],
  ['FrontendErrorReport', FrontendErrorReport, frontendReportSchema],
  ['AdminUserQuery', AdminUserQuery, { ...adminUserFilters, page: true, page_size: true }],
];

describe('contract request shapes match the backend validators', () => {
  it.each(pairs)('%s: every field a client sends is one the backend reads', (_name, contract, backend) => {
    const accepted = Object.keys('shape' in backend ? (backend as z.ZodObject).shape : backend);
    expect(Object.keys(contract.shape).filter((key) => !accepted.includes(key))).toEqual([]);
  });

  it('the backend accepts the value types clients send (compile time)', () => {
    expectTypeOf<z.input<typeof EndpointCreate>>().toExtend<z.input<typeof endpointCreateSchema>>();
    expectTypeOf<z.input<typeof EndpointUpdate>>().toExtend<z.input<typeof endpointUpdateSchema>>();
    expectTypeOf<z.input<typeof RegisterRequest>>().toExtend<z.input<typeof registerSchema>>();
    expectTypeOf<z.input<typeof ApiTokenCreate>>().toExtend<z.input<typeof tokenCreateBody>>();
    expectTypeOf<z.input<typeof UserUpdate>>().toExtend<z.input<typeof userUpdateSchema>>();
    expectTypeOf<z.input<typeof UserAggregatorInput>>().toExtend<z.input<typeof aggregatorCreateBody>>();
    expectTypeOf<z.input<typeof FrontendErrorReport>>().toExtend<z.input<typeof frontendReportSchema>>();
  });
});
