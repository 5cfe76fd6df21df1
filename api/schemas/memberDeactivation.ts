import { isoDate, uuid } from './common';
import { z } from './zod';

export const MemberParams = z.object({
  id: uuid.openapi({ param: { name: 'id', in: 'path' }, description: 'The company' }),
  memberId: uuid.openapi({ param: { name: 'memberId', in: 'path' }, description: 'The member\'s `uuid`: its account id' }),
});

const stateFields = {
  accountId: uuid,
  companyId: uuid,
  status: z.enum(['active', 'deactivated']),
  deactivatedAt: isoDate.nullable().openapi({ description: 'Since when it is deactivated; `null` while active' }),
  changed: z.boolean().openapi({ description: '`false`: the member already was in this state, and nothing changed' }),
};

export const MemberState = z.object(stateFields).openapi('MemberState');

const count = z.number().int().min(0);

export const MemberDeactivation = z
  .object({
    ...stateFields,
    revokedCredentials: z
      .object({ sessions: count, apiKeys: count, personalAccessTokens: count })
      .openapi({ description: 'How many live credentials of each kind this call ended' }),
  })
  .openapi('MemberDeactivation');
