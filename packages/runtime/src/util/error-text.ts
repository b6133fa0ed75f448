// The text of an error with its causes, which is what callers match broker error names against.

/** Flattens an error and its causes/aggregated errors into one searchable string. */
export function errorText(err: unknown): string {
  const seen = new Set<unknown>();
  const parts: string[] = [];
  const walk = (e: unknown): void => {
    if (!e || seen.has(e)) return;
    seen.add(e);
    if (e instanceof Error) {
      parts.push(e.message);
      const rec = e as Error & { errors?: unknown[]; apiId?: string; code?: string };
      if (rec.apiId) parts.push(rec.apiId);
      if (rec.code) parts.push(rec.code);
      if (Array.isArray(rec.errors)) rec.errors.forEach(walk);
      walk(e.cause);
    } else parts.push(String(e));
  };
  walk(err);
  return parts.join(' | ');
}

/** The error's own message (no causes): what a user-facing message quotes. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
