// Which config values the console must never show: password-typed keys and secret-looking names.
import type { ConfigKeyInfo } from './api.js';

/** What a hidden value is shown as, and what the JSON editor carries in its place. */
export const HIDDEN = '[hidden]';

/** PASSWORD-typed keys, `*.password`, `*.secret*`, `sasl.jaas.config` (also under producer./consumer.override.). */
export function isSecret(name: string, definition?: Pick<ConfigKeyInfo, 'type'> | null): boolean {
  if (definition?.type === 'PASSWORD') return true;
  return /(^|[._-])password$/i.test(name) || /(^|\.)secret/i.test(name) || /(^|\.)sasl\.jaas\.config$/i.test(name);
}

/** A copy of the config safe to show: every secret value replaced by HIDDEN. */
export function masked(config: Record<string, string>, defs: Map<string, ConfigKeyInfo>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) out[k] = isSecret(k, defs.get(k)) ? HIDDEN : v;
  return out;
}

/** Puts the stored value back wherever the user left a secret HIDDEN or empty. */
export function unmasked(
  edited: Record<string, string>,
  original: Record<string, string>,
  defs: Map<string, ConfigKeyInfo>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(edited)) {
    const keep = isSecret(k, defs.get(k)) && (v === HIDDEN || v === '') && original[k] !== undefined;
    out[k] = keep ? original[k]! : v;
  }
  return out;
}
