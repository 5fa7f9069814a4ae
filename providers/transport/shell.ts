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

/**
 * Command lines longer than this go through stdin: sshd hands a command line to the user's shell as one
 * argument (`$SHELL -c <line>`), and Linux refuses any one argument above 128 KiB (a batch of ~800 IPVS
 * changes). Half of that leaves room for a `sudo -n sh -c '...'` wrapper's quoting.
 */
export const MAX_COMMAND_LINE = 64 * 1024;

/**
 * A short command that runs `script` from its stdin the way sshd would have run it as a command line: written to
 * a private temporary file, run by the user's shell, the file removed, the script's exit status kept.
 */
export const SCRIPT_FROM_STDIN = 'f=$(mktemp) || exit 97; cat > "$f" && "${SHELL:-/bin/sh}" "$f" </dev/null; rc=$?; rm -f "$f"; exit $rc';
