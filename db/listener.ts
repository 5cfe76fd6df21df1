import postgres from 'postgres';

/**
 * One dedicated connection that LISTENs on one channel, and tells its owner at once when it drops.
 *
 * Not porsager's `sql.listen()`: that one re-subscribes by itself after a drop, but says nothing when the
 * connection goes, and swallows a failed re-subscription. A cache invalidated by notifications must know the
 * moment it may have missed one (it then stops serving until it listens again), so this connection is ours:
 * porsager's `onclose` says when it drops, and its `onnotify` hook (the one `sql.listen()` itself is built on)
 * hands over each notification.
 *
 * Other processes find the live listeners in `pg_stat_activity` by application name. The connection starts as
 * `connectingName` and takes `listeningName` only once its LISTEN has run, in the same round trip, so a listener
 * that appears under that name will receive every notification committed after it is seen.
 */
export interface ChannelListener {
  /** LISTEN (connecting if needed), then take the listening name. Rejects if the connection fails meanwhile. */
  subscribe(): Promise<void>;
  /** NOTIFY on the channel from this connection. */
  notify(payload: string): Promise<void>;
  end(): Promise<void>;
}

const NAME = /^[a-z0-9/_-]{1,63}$/;

export function createChannelListener(p: {
  databaseUrl: string;
  channel: string;
  connectingName: string;
  listeningName: string;
  onNotify: (payload: string) => void;
  onClose: () => void;
}): ChannelListener {
  for (const n of [p.channel, p.connectingName, p.listeningName]) if (!NAME.test(n)) throw new Error(`not a plain identifier: ${n}`);
  const options = {
    max: 1,
    // Held for as long as the process runs: a lifetime would drop it (and empty the cache) for nothing.
    max_lifetime: null,
    fetch_types: false,
    connection: { application_name: p.connectingName },
    onnotice: () => undefined,
    onclose: () => p.onClose(),
    onnotify: (channel: string, payload: string) => {
      if (channel === p.channel) p.onNotify(payload);
    },
  };
  const sql = postgres(p.databaseUrl, options);
  return {
    async subscribe() {
      await sql.unsafe(`listen "${p.channel}"; set application_name = '${p.listeningName}'`);
    },
    async notify(payload: string) {
      await sql`select pg_notify(${p.channel}, ${payload})`;
    },
    end: () => sql.end({ timeout: 1 }),
  };
}
