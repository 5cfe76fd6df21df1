import type { NotificationSettings as Service } from '../../libraries/notificationSettings';
import type { RouteBuilder } from '../route';
import { ErrorSchema } from '../schemas/common';
import { AppIdParams, NotificationSettings, NotificationSettingsPatch, WatchedApp, WatchedApps } from '../schemas/notificationSettings';

const TAGS = ['Notification settings'];
const NOT_FOUND = { description: 'No such app among the apps the signed-in account is a member of (`app.not_found`)', schema: ErrorSchema };

export function notificationSettingsRoutes(api: RouteBuilder, settings: Service): void {
  api.route({
    operationId: 'getNotificationSettings', method: 'get', path: '/v1/notification-settings', tags: TAGS, auth: { scope: 'profile:read' },
    summary: 'The Buzz notification settings',
    description: 'Daily digest (default off) and updates for threads I am active in (default on). Only values changed from the default are stored.',
    responses: { 200: { description: 'The settings, defaults filled in', schema: NotificationSettings } },
    handler: async ({ auth }) => ({ status: 200, body: await settings.get(auth) }),
  });
  api.route({
    operationId: 'updateNotificationSettings', method: 'patch', path: '/v1/notification-settings', tags: TAGS, auth: { scope: 'profile:write' },
    summary: 'Change Buzz notification settings',
    body: NotificationSettingsPatch,
    responses: { 200: { description: 'The settings after the change', schema: NotificationSettings } },
    handler: async ({ auth, body }) => ({ status: 200, body: await settings.update(auth, body) }),
  });
  api.route({
    operationId: 'listWatchedApps', method: 'get', path: '/v1/notification-settings/watched-apps', tags: TAGS, auth: { scope: 'profile:read' },
    summary: 'The apps the signed-in account watches',
    responses: { 200: { description: 'The watched apps', schema: WatchedApps } },
    handler: async ({ auth }) => ({ status: 200, body: await settings.watchedApps(auth) }),
  });
  api.route({
    operationId: 'stopWatchingApp', method: 'delete', path: '/v1/notification-settings/watched-apps/:appId', tags: TAGS, auth: { scope: 'profile:write' },
    summary: 'Stop watching an app',
    params: AppIdParams,
    responses: { 204: { description: 'No longer watched' }, 404: { ...NOT_FOUND, description: 'The account does not watch this app (`app.not_found`)' } },
    handler: async ({ auth, params }) => {
      await settings.stopWatching(auth, params.appId);
      return { status: 204 };
    },
  });
  api.route({
    operationId: 'watchApp', method: 'put', path: '/v1/notification-settings/watched-apps/:appId', tags: TAGS, auth: { scope: 'profile:write' },
    summary: 'Watch an app (again)',
    description: 'Only an app the signed-in account is a member of; watching one already watched changes nothing.',
    params: AppIdParams,
    responses: { 200: { description: 'The app is watched', schema: WatchedApp }, 404: NOT_FOUND },
    handler: async ({ auth, params }) => ({ status: 200, body: await settings.watch(auth, params.appId) }),
  });
}
