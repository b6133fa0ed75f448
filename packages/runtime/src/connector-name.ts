/** The rule for connector names: the one check REST, the herder and the worker all use. */

/**
 * The longest name in UTF-8 bytes. Kafka Connect has no limit, but a name reaches the Kafka client inside
 * group, client and transactional ids (a string of at most 32,767 bytes: past it the client throws while
 * encoding a request) and every per-connector URL, which HTTP servers refuse past a few KB; 1,024 bytes,
 * percent-encoded, still leaves room for the longest path (`/connectors/<name>/tasks/<n>/restart`).
 */
export const MAX_CONNECTOR_NAME_BYTES = 1024;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ISO control characters are exactly what connector names may not contain
const ISO_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a (trimmed) connector name cannot be used, or null when it can. */
export function connectorNameProblem(name: string): string | null {
  if (!name) return 'Connector name cannot be empty';
  if (!name.isWellFormed()) return 'Connector name contains a lone UTF-16 surrogate, which has no UTF-8 form';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_CONNECTOR_NAME_BYTES)
    return `Connector name is ${bytes} bytes long in UTF-8; the limit is ${MAX_CONNECTOR_NAME_BYTES}`;
  if (ISO_CONTROL.test(name)) return `Connector name ${JSON.stringify(name)} contains ISO control characters`;
  return null;
}
