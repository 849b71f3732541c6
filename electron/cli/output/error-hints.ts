import { registryOfSubject, type ErrorHint, type SerializedError } from '../../../shared/errors.js';
import { escapeControl } from '../../../shared/format.js';

/**
 * What the command line advises for each engine hint, naming its own flags and commands (the app words the same
 * hints with its fields and buttons: renderer/components/error-hints.ts). `subject` is the error's subject (an image
 * reference or a registry host), used only where the advice names its registry.
 */
export const CLI_HINTS: Record<ErrorHint, (subject: string | undefined) => string> = {
  'private-ca': () => "Give the registry's CA certificate with --ca-file PEM.",
  'insecure-registry': () => 'To allow plain HTTP (or TLS that is not checked) for that host, pass --insecure-registry HOST[:PORT].',
  'tls-trust': (subject) =>
    `If the registry uses a private CA, pass --ca-file with that CA's PEM file; if you trust it as it is, pass --insecure-registry ${registryOfSubject(subject) ?? 'HOST[:PORT]'}.`,
  'log-in': (subject) => `Log in with "docker login ${registryOfSubject(subject) ?? 'REGISTRY'}" (or podman login), then run the command again.`,
  'include-foreign-layers': () => 'Bundle again with --include-foreign-layers to carry them.',
  referrers: () => 'Bundle it with --referrers so its signatures travel, and sign it with cosign at the source.',
  'sign-as-preparer': () => 'The preparer signs first (ferry bundle --sign-key KEY, or ferry sign DIR --key KEY), then an approver countersigns (ferry approve DIR --key KEY).',
  'sign-inventory': () => 'Sign it on the offline side with ferry inventory --sign-key KEY.',
  repair: () => 'Run ferry verify to see what is damaged, and ferry repair DIR when the bundle has parity.',
  'other-volume': () => 'Give every volume of the set at once (ferry import VOL1 VOL2 …); if the part is lost, ferry repair rebuilds it when the bundle has parity.',
  'cosign-key': () => 'Give the cosign public keys with --cosign-key PUB.',
  'replace-existing': () => 'Choose another folder, or pass --force to replace it.',
  split: () => 'Bundle with --split SIZE for smaller parity parts.',
  'base-bundles': () => 'Give them with --base DIR (every volume of each), or import the delta with --to HOST[:PORT][/PREFIX] into a registry that holds them.',
  'replace-media': () => 'Or pass --force to replace what is there.',
  capacity: () => 'Give --capacity SIZE to say how much of each target to use.',
  resplit: () => 'Split it first: ferry split DIR --size fat32 (parts under 4 GiB) or --size SIZE.',
  'low-speed': () => 'Or lower --low-speed-limit / raise --low-speed-time.',
  'chart-login': () => 'Give the login with --chart-username and --chart-password.',
  'images-folder': () => 'For k3s/k0s, use --to-dir with the node\'s images folder.',
  'fresh-inventory': (subject) => `Make one there with ferry inventory --from ${subject ?? 'HOST[:PORT][/PREFIX]'}, then ferry bundle --have inventory.json.`,
};

/** The command line's advice for a hint, or undefined when there is none (control characters of a subject escaped). */
export function cliAdvice(hint: ErrorHint | undefined, subject?: string): string | undefined {
  return hint === undefined ? undefined : escapeControl(CLI_HINTS[hint](subject));
}

/** An engine message followed by the command line's advice for its hint (the message alone when it has none). */
export function withCliAdvice(message: string, hint: ErrorHint | undefined, subject?: string): string {
  const advice = cliAdvice(hint, subject);
  return advice === undefined ? message : `${message} ${advice}`;
}

/** Anything carrying a hint (a policy violation, a media problem) as `--json` prints it: `hint` kept, the command line's advice added. */
export function withAdviceField<T extends { hint?: ErrorHint; subject?: string }>(item: T): T & { advice?: string } {
  const advice = cliAdvice(item.hint, item.subject);
  return advice === undefined ? item : { ...item, advice };
}

/** An error as `--json` prints it: the serialized error, `hint` kept as a field, and the advice worded for the command line. */
export function cliErrorJson(error: SerializedError): SerializedError & { advice?: string } {
  const advice = cliAdvice(error.hint, error.subject);
  return advice === undefined ? error : { ...error, advice };
}
