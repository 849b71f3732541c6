import { isIP } from 'node:net';
import { FerryError } from '../errors/ferry-error.js';

/** Where the server listens. */
export interface ListenAddress {
  host: string;
  port: number;
  /** True for 127.0.0.0/8, ::1 and localhost. */
  loopback: boolean;
}

/** The default listen address: loopback only. */
export const DEFAULT_LISTEN = '127.0.0.1:5000';

/**
 * Parses `ADDR:PORT`, `[IPv6]:PORT` or a bare `PORT` (loopback). Port 0 picks a free port.
 * A non-loopback address is only ever used when written out.
 */
export function parseListenAddress(value: string): ListenAddress {
  const text = value.trim();
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (/^\d+$/.test(text)) {
    host = '127.0.0.1';
    portText = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0 || text.indexOf(':') !== colon) throw bad(value);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d+$/.test(portText)) throw bad(value);
  const port = Number(portText);
  if (port > 65535) throw bad(value);
  if (host !== 'localhost' && !isIP(host)) throw bad(value);
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  return { host, port, loopback };
}

function bad(value: string): FerryError {
  return new FerryError('bad-usage', `Listen address "${value}" is not ADDR:PORT (for example 127.0.0.1:5000, 0.0.0.0:5000 or [::1]:5000).`, { subject: value });
}
