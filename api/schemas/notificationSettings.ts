import { isoDate, uuid } from './common';
import { z } from './zod';

export const BuzzSettings = z
  .object({
    dailyDigest: z.boolean().openapi({ description: 'Receive the daily Buzz digest. Default: false' }),
    activeThreads: z.boolean().openapi({ description: 'Receive updates for Buzz threads in which I am active. Default: true' }),
  })
  .openapi('BuzzSettings');

export const NotificationSettings = z.object({ buzz: BuzzSettings }).openapi('NotificationSettings');

export const NotificationSettingsPatch = z
  .strictObject({
    buzz: z
      .strictObject({ dailyDigest: z.boolean().optional(), activeThreads: z.boolean().optional() })
      .openapi({ description: 'The flags to change; omitted ones keep their value. Setting a flag to its default forgets the choice.' }),
  })
  .openapi('NotificationSettingsPatch');

export const WatchedApp = z
  .object({
    id: uuid,
    name: z.string(),
    companyId: uuid,
    watchedAt: isoDate,
  })
  .openapi('WatchedApp');

export const WatchedApps = z
  .object({ apps: z.array(WatchedApp).openapi({ description: 'The apps the signed-in account watches, by name' }) })
  .openapi('WatchedApps');

export const AppIdParams = z.object({ appId: uuid.openapi({ param: { name: 'appId', in: 'path' } }) });
