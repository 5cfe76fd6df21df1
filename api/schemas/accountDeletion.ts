import { DELETION_STEPS } from '../../workflows/shared/accountDeletionContract';
import { isoDate, uuid } from './common';
import { z } from './zod';

export const AccountDeletion = z
  .object({
    id: uuid.openapi({ description: 'The deletion, not the account: it names nothing that outlives the erasure' }),
    status: z.enum(['pending', 'completed']),
    step: z.enum(DELETION_STEPS).openapi({ description: 'The last step done' }),
    profileErased: z
      .boolean()
      .nullable()
      .openapi({ description: 'Once the account is removed: whether it was the profile\'s last, and the profile\'s personal data was erased' }),
    confirmation: z
      .enum(['sent', 'undelivered', 'none'])
      .nullable()
      .openapi({ description: 'Once completed: whether the confirmation email was sent' }),
    requestedAt: isoDate,
    completedAt: isoDate.nullable(),
  })
  .openapi('AccountDeletion');
