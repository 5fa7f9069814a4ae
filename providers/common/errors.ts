// Errors shared by the providers.

/** read() without saved outputs: `pulumi import` by id alone is not supported. */
export function importUnsupported(kind: string, id: string): Error {
  return new Error(
    `${kind} ${id}: reading needs the resource's saved outputs (connection and settings); import by id alone is not supported — declare the resource and run up, which adopts an identical live object`,
  );
}
