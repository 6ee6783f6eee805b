// `--queue redis://[user[:password]@]host[:port][/db]` (or `rediss://` for TLS) turned into ioredis
// options. The password never appears in what we print: `describe` masks it.
import { StudioError } from '../../../shared/contract/errors.js';

export interface RedisConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** Present for rediss://: ioredis then speaks TLS and checks the server's name. */
  readonly tls?: { readonly servername: string };
  /** BullMQ's workers block on Redis; ioredis must not give up on a command after N retries. */
  readonly maxRetriesPerRequest: null;
}

export interface QueueTarget {
  readonly connection: RedisConnectionOptions;
  /** The URL with the password masked, for logs and status lines. */
  readonly display: string;
}

export function parseQueueUrl(raw: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new StudioError('bad_request', `--queue ${maskPassword(raw)}: not a URL (expected redis://host:port[/db] or rediss://…)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new StudioError('bad_request', `--queue: '${u.protocol}' is not redis: or rediss:`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new StudioError('bad_request', '--queue: the URL names no host');
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw new StudioError('bad_request', `--queue: database '${dbText}' is not a number`);
  const db = dbText === '' ? 0 : Number(dbText);
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const connection: RedisConnectionOptions = {
    host,
    port,
    db,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    maxRetriesPerRequest: null,
  };
  return { connection, display: maskPassword(u.href) };
}

/** The URL with any password replaced by ***. */
export function maskPassword(raw: string): string {
  return maskPasswords(raw);
}

/** Every URL password inside a text (an error message may quote any scheme's URL), replaced by ***. */
export function maskPasswords(text: string): string {
  // Greedy up to the last '@' before the path: a password may hold a raw '@' (the URL parser allows it).
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)[^/\s]*@/gi, '$1***@');
}
