import { MAX_PASSWORD_AGE_DAYS } from '../../libraries/passwordExpiry';
import { DEFAULT_PASSWORD_MAX_AGE_DAYS } from '../../workflows/shared/passwordExpiry';
import { uuid } from './common';
import { z } from './zod';

const maxAgeDays = z
  .number()
  .int()
  .min(1)
  .max(MAX_PASSWORD_AGE_DAYS)
  .nullable()
  .openapi({
    description:
      `Days a password lives after it is set, 1 to ${MAX_PASSWORD_AGE_DAYS}; \`null\`: passwords never expire. ` +
      `A new company starts at ${DEFAULT_PASSWORD_MAX_AGE_DAYS}, the platform default (also the policy of accounts without a company).`,
    example: 90,
  });

export const SetPasswordPolicy = z.object({ maxAgeDays }).openapi('SetCompanyPasswordPolicy');

export const CompanyPasswordPolicy = z
  .object({ companyId: uuid, maxAgeDays })
  .openapi('CompanyPasswordPolicy');
