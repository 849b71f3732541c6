import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOrThrow } from './tools.js';

/** A certificate and its private key, both PEM files. */
export interface CertPair {
  certFile: string;
  keyFile: string;
}

/** A throwaway certificate authority made with the openssl CLI. */
export interface CertificateAuthority {
  /** PEM certificate of the CA (what clients should trust). */
  caFile: string;
  /** PEM private key of the CA (PKCS#8, EC P-256). */
  caKeyFile: string;
  /**
   * Issues a server/client certificate signed by this CA; `sans` are `IP:1.2.3.4` / `DNS:name`
   * entries (a bare IP or name is accepted and prefixed automatically). Files are `DIR/NAME.crt|key`.
   */
  issue(name: string, sans: string[]): Promise<CertPair>;
}

/** Turns `127.0.0.1` / `localhost` / `IP:…` / `DNS:…` into an openssl subjectAltName entry. */
function sanEntry(san: string): string {
  if (/^(IP|DNS|URI|email):/i.test(san)) return san;
  return /^[\d.]+$|:/.test(san) ? `IP:${san}` : `DNS:${san}`;
}

/** Makes a self-signed certificate with an EC P-256 key in DIR/NAME.crt|key (CA:TRUE, valid 2 days). */
export async function makeSelfSigned(dir: string, name: string, subject = `/CN=${name}`): Promise<CertPair> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await runOrThrow('openssl', [
    'req', '-x509', '-new', '-nodes',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return { certFile, keyFile };
}

/** Creates a CA in `dir` (ca.crt / ca.key) and returns it with an `issue()` for leaf certificates. */
export async function makeCa(dir: string): Promise<CertificateAuthority> {
  const { certFile: caFile, keyFile: caKeyFile } = await makeSelfSigned(dir, 'ca', '/CN=Ferry test CA');
  let serial = 1;
  return {
    caFile,
    caKeyFile,
    async issue(name, sans) {
      const certFile = join(dir, `${name}.crt`);
      const keyFile = join(dir, `${name}.key`);
      const csrFile = join(dir, `${name}.csr`);
      const extFile = join(dir, `${name}.ext`);
      await writeFile(
        extFile,
        [
          'basicConstraints=critical,CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          'extendedKeyUsage=serverAuth,clientAuth',
          `subjectAltName=${sans.map(sanEntry).join(',')}`,
          '',
        ].join('\n'),
      );
      await runOrThrow('openssl', [
        'req', '-new', '-nodes',
        '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${name}`,
      ]);
      await runOrThrow('openssl', [
        'x509', '-req', '-in', csrFile,
        '-CA', caFile, '-CAkey', caKeyFile, '-set_serial', String(Date.now() * 100 + serial++),
        '-days', '2', '-extfile', extFile, '-out', certFile,
      ]);
      return { certFile, keyFile };
    },
  };
}
