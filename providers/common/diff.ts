// diff() helpers: compare only the properties a resource declares (never
// provider code or bookkeeping outputs), in a stable form, and split them into
// replacements and in-place updates.

/** JSON with sorted object keys, so that key order is never a change. */
export function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

export interface DiffSpec {
  /** Properties whose change replaces the object (its identity). */
  replace: string[];
  /** Properties changed in place. */
  update: string[];
}

/** Which declared properties differ, and which of those replace. Paths may be dotted (connection.host). */
export function changedProps(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  spec: DiffSpec,
): { changed: string[]; replaces: string[] } {
  const get = (o: Record<string, unknown>, p: string): unknown =>
    p.split(".").reduce<unknown>((acc, k) => (acc && typeof acc === "object" ? (acc as Record<string, unknown>)[k] : undefined), o);
  const changed = [...spec.replace, ...spec.update].filter((p) => stable(get(olds, p)) !== stable(get(news, p)));
  return { changed, replaces: changed.filter((p) => spec.replace.includes(p)) };
}

/** The connection fields: which host is the identity; credentials update in place. */
export const CONNECTION_DIFF: DiffSpec = {
  replace: ["connection.host", "connection.port"],
  update: [
    "connection.user",
    "connection.privateKey",
    "connection.privateKeyPath",
    "connection.password",
    "connection.hostKeySha256",
    "connection.jump",
    "connection.sudo",
  ],
};
