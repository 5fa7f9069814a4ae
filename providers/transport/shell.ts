// The one shell-quoting function. Every argument that reaches a remote shell
// goes through quote(); command() joins quoted words.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell so that it stays exactly one word. */
export function quote(word: string): string {
  if (word.includes("\0")) throw new Error("shell words cannot contain NUL bytes");
  if (word !== "" && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line of quoted words. */
export function command(...words: (string | number)[]): string {
  return words.map((w) => quote(String(w))).join(" ");
}
