import { email, isoDate, uuid } from './common';
import { z } from './zod';

const status = z.enum(['active', 'deactivated']).openapi({ description: 'The account\'s status in the company' });

export const TechnicalContact = z
  .object({
    accountId: uuid,
    email: email.openapi({ description: 'The account\'s login email' }),
    name: z.string().openapi({ description: 'The display name of the account\'s profile', example: 'Ada Lovelace' }),
    status,
  })
  .openapi('TechnicalContact');

export const AppTechnicalContact = z
  .object({
    appId: uuid,
    // A union, not .nullable(): on a registered schema that would make the component itself nullable.
    technicalContact: z.union([TechnicalContact, z.null()]).openapi({ description: '`null`: the app has no technical contact' }),
  })
  .openapi('AppTechnicalContact');

export const SetTechnicalContact = z
  .object({ accountId: uuid.openapi({ description: 'An active member of the app\'s company (not a service account)' }) })
  .openapi('SetTechnicalContact');

const BackupAccessor = z
  .object({
    accountId: uuid,
    email,
    name: z.string(),
    status,
    technicalContact: z.boolean().openapi({ description: 'As the app\'s technical contact, who can always reach its backups' }),
    backupPermission: z.boolean().openapi({ description: 'As a member of the app given the backup permission' }),
  })
  .openapi('BackupAccessor');

export const BackupAccessReport = z
  .object({
    companyId: uuid,
    generatedAt: isoDate.openapi({ description: 'When the report was taken: one snapshot of the whole company' }),
    apps: z
      .array(z.object({
        appId: uuid,
        appName: z.string(),
        licenseType: z.enum(['free', 'licensed']),
        backupAccess: z.array(BackupAccessor).openapi({ description: 'Everyone who can access the app\'s backups, by email; empty: nobody' }),
      }))
      .openapi({ description: 'Every app of the company, by name' }),
  })
  .openapi('BackupAccessReport');
