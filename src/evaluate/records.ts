import { instanceKey, labelsMatch } from './labels.ts';
import type { AlertObservation, AlertRecord, Notification } from './types.ts';

/** Allowance for clock skew between Prometheus/Alertmanager timestamps and firedrill's clock, ms. */
const SKEW_MS = 250;
/** How far a notification's startsAt may sit from an episode's (upper-bound) firing time and still match, ms. */
const MATCH_MS = 1_000;

type Episode = AlertRecord & { endedAt: number | null; source: NonNullable<AlertRecord['source']> };

/**
 * Pure: one record per alert episode per instance (an instance that fires, resolves and fires again gives two).
 * ALERTS-series episodes are authoritative; poll (API) episodes only fill what the series lacks or stand
 * alone where the series saw nothing. Notifications give `notifiedAt` (the first firing notification at or
 * after firingAt), correct poll-bounded firing/resolve times with Alertmanager's exact startsAt/endsAt, and
 * become records of their own when nothing else saw the episode.
 */
export function buildAlertRecords(
  observations: readonly AlertObservation[],
  notifications: readonly Notification[],
): AlertRecord[] {
  const bySource = {
    series: new Map<string, AlertObservation[]>(),
    api: new Map<string, AlertObservation[]>(),
  };
  for (const observation of observations) {
    const map = observation.source === 'alerts-series' ? bySource.series : bySource.api;
    const key = instanceKey(observation.name, observation.labels);
    const list = map.get(key) ?? [];
    list.push(observation);
    map.set(key, list);
  }

  const episodesByKey = new Map<string, Episode[]>();
  const keys = new Set([...bySource.series.keys(), ...bySource.api.keys()]);
  for (const key of keys) {
    const series = episodesOf(bySource.series.get(key) ?? [], 'alerts-series');
    const api = episodesOf(bySource.api.get(key) ?? [], 'api');
    episodesByKey.set(key, mergeSources(series, api));
  }

  const unmatched = new Map<string, Notification[]>();
  const matched = new Map<Episode, Notification[]>();
  for (const notification of notifications) {
    // Alertmanager's labels carry Prometheus' external labels on top of the rule's: the instance a
    // notification belongs to is the one whose labels it contains (the most specific such instance).
    const key =
      instanceKeyFor(episodesByKey, notification) ?? instanceKey(notification.name, notification.labels);
    const episode = matchNotification(episodesByKey.get(key) ?? [], notification);
    if (episode) {
      const list = matched.get(episode) ?? [];
      list.push(notification);
      matched.set(episode, list);
    } else {
      const list = unmatched.get(key) ?? [];
      list.push(notification);
      unmatched.set(key, list);
    }
  }
  for (const [episode, list] of matched) applyNotifications(episode, list);
  for (const [key, list] of unmatched) {
    const episodes = episodesByKey.get(key) ?? [];
    episodes.push(...notificationEpisodes(list));
    episodesByKey.set(key, episodes);
  }

  return [...episodesByKey.values()]
    .flat()
    .sort((a, b) => startOf(a) - startOf(b) || a.name.localeCompare(b.name))
    .map((episode) => ({ ...episode, labels: { ...episode.labels } }));
}

function startOf(episode: AlertRecord): number {
  return episode.pendingAt ?? episode.firingAt ?? episode.notifiedAt ?? Number.POSITIVE_INFINITY;
}

function endOf(episode: Episode): number {
  return episode.endedAt ?? Number.POSITIVE_INFINITY;
}

/** Replays one source's observations of one instance into episodes. */
function episodesOf(observations: readonly AlertObservation[], source: Episode['source']): Episode[] {
  const sorted = [...observations].sort((a, b) => a.since - b.since); // stable: same-time order kept
  const episodes: Episode[] = [];
  let open: Episode | undefined;
  const close = (at: number) => {
    if (!open) return;
    if (open.firingAt !== null) open.resolvedAt = at;
    open.endedAt = at;
    episodes.push(open);
    open = undefined;
  };
  for (const observation of sorted) {
    const fresh = (): Episode => ({
      name: observation.name,
      labels: observation.labels,
      pendingAt: null,
      firingAt: null,
      notifiedAt: null,
      resolvedAt: null,
      endedAt: null,
      source,
    });
    switch (observation.state) {
      case 'pending':
        if (open && open.firingAt === null) break; // still the same pending spell
        close(observation.since); // a firing episode followed by pending: a new episode began
        open = { ...fresh(), pendingAt: observation.since };
        break;
      case 'firing':
        if (open && open.firingAt !== null) break; // already firing
        if (!open) open = fresh();
        open.firingAt = observation.since;
        break;
      case 'inactive':
        close(observation.since);
        break;
    }
  }
  if (open) episodes.push(open);
  return episodes;
}

/** Series episodes win; an overlapping poll episode only fills what the series lacks. */
function mergeSources(series: Episode[], api: Episode[]): Episode[] {
  const merged = [...series];
  for (const polled of api) {
    const overlapping = series.find((s) => startOf(s) <= endOf(polled) && startOf(polled) <= endOf(s));
    if (!overlapping) {
      merged.push(polled);
      continue;
    }
    if (overlapping.firingAt === null && polled.firingAt !== null && overlapping.endedAt === null) {
      overlapping.firingAt = polled.firingAt;
    }
    if (overlapping.endedAt === null && polled.endedAt !== null) {
      overlapping.endedAt = polled.endedAt;
      if (overlapping.firingAt !== null) overlapping.resolvedAt = polled.endedAt;
    }
  }
  return merged;
}

/** The episode a notification belongs to: its startsAt is the firing time Prometheus sent. */
function matchNotification(episodes: readonly Episode[], notification: Notification): Episode | undefined {
  let best: Episode | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const episode of episodes) {
    if (episode.firingAt === null) continue;
    const from = (episode.pendingAt ?? episode.firingAt) - MATCH_MS;
    const to = episode.firingAt + MATCH_MS;
    if (notification.startsAt < from || notification.startsAt > Math.min(to, endOf(episode))) continue;
    const distance = Math.abs(episode.firingAt - notification.startsAt);
    if (distance < bestDistance) {
      best = episode;
      bestDistance = distance;
    }
  }
  return best;
}

function applyNotifications(episode: Episode, notifications: readonly Notification[]) {
  const firing = notifications.filter((n) => n.status === 'firing');
  // Polling only bounds the firing time from above; Alertmanager's startsAt is Prometheus' exact one.
  if (episode.source === 'api' && episode.firingAt !== null) {
    const exact = Math.min(...notifications.map((n) => n.startsAt));
    if (exact < episode.firingAt) episode.firingAt = exact;
  }
  const firingAt = episode.firingAt ?? Number.NEGATIVE_INFINITY;
  const received = firing.map((n) => n.receivedAt).filter((t) => t >= firingAt - SKEW_MS);
  if (received.length > 0) episode.notifiedAt = Math.min(...received);
  const resolved = notifications
    .filter((n) => n.status === 'resolved' && n.endsAt !== null && n.endsAt >= firingAt)
    .map((n) => n.endsAt as number);
  if (resolved.length > 0) {
    const endsAt = Math.min(...resolved);
    if (episode.resolvedAt === null || (episode.source === 'api' && endsAt < episode.resolvedAt)) {
      episode.resolvedAt = endsAt;
      episode.endedAt = endsAt;
    }
  }
}

/** Episodes seen only through Alertmanager: one per distinct startsAt. */
function notificationEpisodes(notifications: readonly Notification[]): Episode[] {
  const byStart = new Map<number, Notification[]>();
  for (const n of notifications) byStart.set(n.startsAt, [...(byStart.get(n.startsAt) ?? []), n]);
  return [...byStart.entries()].map(([startsAt, list]) => {
    const first = list[0] as Notification;
    const episode: Episode = {
      name: first.name,
      labels: first.labels,
      pendingAt: null,
      firingAt: startsAt,
      notifiedAt: null,
      resolvedAt: null,
      endedAt: null,
      source: 'notification',
    };
    applyNotifications(episode, list);
    return episode;
  });
}

/** The key of the observed instance whose name matches and whose labels the notification carries. */
function instanceKeyFor(
  episodesByKey: ReadonlyMap<string, Episode[]>,
  notification: Notification,
): string | undefined {
  let best: { key: string; size: number } | undefined;
  for (const [key, episodes] of episodesByKey) {
    const first = episodes[0];
    if (!first || first.name !== notification.name || !labelsMatch(notification.labels, first.labels))
      continue;
    const size = Object.keys(first.labels).length;
    if (!best || size > best.size) best = { key, size };
  }
  return best?.key;
}
