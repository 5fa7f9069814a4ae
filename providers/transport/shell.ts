// The one shell-quoting function. Every argument that reaches a remote shell
// goes through quote(); command() joins quoted words.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell so that it stays exactly one word. */
export function quote(word: string): string {
  if (word.includes("\0")) throw new Error("shell words cannot contain NUL bytes");
  if (word !== "" && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * An input handed to a command where the command parses options (systemctl, ip, iptables, arping, apt-get):
 * returned unchanged, or refused when it starts with '-' (it would be read as an option, e.g. systemctl's -H <host>
 * runs on another host). The pure checks refuse these values at preview; this is the last line.
 */
export function notOption(word: string, what: string): string {
  if (word.startsWith("-"))
    throw new Error(`${what} must not start with '-' (the command would read it as an option); got ${JSON.stringify(word)}`);
  return word;
}

/** A command line of quoted words. */
export function command(...words: (string | number)[]): string {
  return words.map((w) => quote(String(w))).join(" ");
}
