/** Route handlers for the daily briefing and reminders: thin glue from the contract to the service. */
import type { RouteName } from '../../shared/ipc/channels';
import { AppError } from '../../shared/ipc/result';
import type { BriefingApi } from '../services/briefing/api';
import type { Handlers } from './dispatcher';

type BriefingRoute = Extract<RouteName, `briefing.${string}` | `reminders.${string}`>;

/** `service` is absent in backends that do not build it: every route then answers UNAVAILABLE. */
export function briefingHandlers(service: BriefingApi | undefined): Pick<Handlers, BriefingRoute> {
  const bs = (): BriefingApi => {
    if (!service) throw new AppError('UNAVAILABLE', 'The daily briefing is not running.');
    return service;
  };
  return {
    'briefing.generate': ({ date }) => bs().generate({ ...(date ? { date } : {}), trigger: 'manual' }),
    'briefing.get': (q) => bs().get(q),
    'briefing.list': ({ offset, limit }) => bs().list(offset, limit),
    'briefing.export': ({ id }) => bs().exportMarkdown(id),
    'briefing.speak': async (input) => {
      const r = await bs().speak(input);
      return {
        text: r.text,
        engine: r.engine,
        played: r.played,
        audioUrl: `data:audio/wav;base64,${r.wav.toString('base64')}`,
        totalMs: r.totalMs,
      };
    },
    'reminders.list': (q) => bs().reminders.list(q),
    'reminders.create': (input) => bs().reminders.create(input),
    'reminders.parse': ({ text }) => bs().reminders.parse(text),
    'reminders.update': ({ id, ...patch }) => bs().reminders.update(id, patch),
    'reminders.complete': ({ id, done }) => bs().reminders.complete(id, done),
    'reminders.snooze': ({ id, minutes, until }) =>
      bs().reminders.snooze(id, {
        ...(minutes !== undefined ? { minutes } : {}),
        ...(until !== undefined ? { until } : {}),
      }),
    'reminders.delete': ({ id }) => bs().reminders.delete(id),
    'reminders.restore': ({ id }) => bs().reminders.restore(id),
  };
}
