import { email, isoDate, uuid } from './common';
import { z } from './zod';

export const AccountOverviewEntry = z
  .object({
    id: uuid,
    email: email.openapi({ description: 'The login email' }),
    current: z.boolean().openapi({ description: 'True for the account the request is signed in with' }),
    company: z
      .object({ id: uuid, name: z.string() })
      .nullable()
      .openapi({ description: 'The company the account belongs to, or null' }),
    singleSignOn: z.boolean().openapi({ description: "True when the account signs in through its company's identity provider (BYOIDP)" }),
    status: z.enum(['Active', 'Deactivated']),
    passwordExpiresAt: isoDate
      .nullable()
      .openapi({ description: "When the password expires; null when it never does (SSO, or a company policy of never)" }),
  })
  .openapi('AccountOverviewEntry');

export const AccountOverview = z
  .object({ accounts: z.array(AccountOverviewEntry).openapi({ description: 'Oldest first; deactivated accounts included' }) })
  .openapi('AccountOverview');
