// SSH connections and sessions counted on the lab hosts themselves: each
// host's sshd logs "Accepted publickey" per connection and "Starting session:"
// per command, file transfer or shell (LogLevel VERBOSE in the lab image).
// The journal is read from the VM through its control sshd, inside each
// host's mount namespace, so counting never adds to the hosts' own figures.
import * as lab from "../lab/lab";
import { countSshd, HostCount } from "./report";

const NAME = /^[a-z0-9-]+$/;

/** Shell that runs journalctl inside host $h (mount namespace of its init). */
function inHost(journalArgs: string): string {
  return (
    `init=$(cat /sys/fs/cgroup/lab-$h/payload/init.scope/cgroup.procs 2>/dev/null | head -n1); ` +
    `[ -n "$init" ] || { echo "ERR $h: no init process (is the host running?)"; continue; }; ` +
    `nsenter -t "$init" -m journalctl -q --no-pager ${journalArgs}`
  );
}

function checkNames(hosts: string[]): void {
  for (const h of hosts) if (!NAME.test(h)) throw new Error(`bench: bad host name "${h}"`);
}

/** Each host's journal cursor now: the point after which the next count starts. */
export function cursors(hosts: string[]): Record<string, string> {
  if (!hosts.length) return {};
  checkNames(hosts);
  const r = lab.vmExec(
    `for h in ${hosts.join(" ")}; do c=$(${inHost("-n1 --show-cursor -o cat")} | sed -n 's/^-- cursor: //p'); echo "$h $c"; done`,
  );
  if (r.code !== 0) throw new Error(`bench: reading the hosts' journal cursors failed: ${r.stderr.trim()}`);
  const out: Record<string, string> = {};
  for (const line of r.stdout.trim().split("\n")) {
    const [h, c] = [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)];
    if (line.startsWith("ERR") || !c) throw new Error(`bench: no journal cursor for ${h || line}: ${line}`);
    out[h] = c;
  }
  return out;
}

/** sshd's connections and sessions on each host since `from` (cursors()). */
export function countSince(from: Record<string, string>): Record<string, HostCount> {
  const hosts = Object.keys(from);
  if (!hosts.length) return {};
  checkNames(hosts);
  const cases = hosts.map((h) => `${h}) c='${from[h].replace(/'/g, "")}' ;;`).join(" ");
  // journald writes asynchronously: a moment lets the last lines land.
  const r = lab.vmExec(
    `sleep 0.5; for h in ${hosts.join(" ")}; do case $h in ${cases} esac; echo "@@ $h"; ${inHost(`--after-cursor="$c" -o cat SYSLOG_IDENTIFIER=sshd`)}; done`,
  );
  if (r.code !== 0) throw new Error(`bench: reading the hosts' sshd logs failed: ${r.stderr.trim()}`);
  const out: Record<string, HostCount> = {};
  for (const part of r.stdout.split(/^@@ /m).slice(1)) {
    const nl = part.indexOf("\n");
    const h = (nl < 0 ? part : part.slice(0, nl)).trim();
    if (part.includes("ERR ")) throw new Error(`bench: ${part.trim()}`);
    out[h] = countSshd(nl < 0 ? "" : part.slice(nl + 1));
  }
  return out;
}
