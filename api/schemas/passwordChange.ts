import { isoDate } from './common';
import { currentPassword, newPassword } from './passwordPolicy';
import { z } from './zod';

export const ChangePassword = z
  .object({ currentPassword, newPassword })
  .openapi('ChangePassword');

export const PasswordChanged = z
  .object({
    passwordChangedAt: isoDate.openapi({ description: 'When the new password was set: its expiry period starts here' }),
    otherSessionsEnded: z.number().int().min(0).openapi({ description: 'How many other sessions of the account were signed out' }),
  })
  .openapi('PasswordChanged');
