// adopt's discovery of the web tier: nginx sites and tomcat applications
// written by hand. Each file is adopted whole (a ManagedFile with its live
// text, mode and owner), checked before it replaces the live one and applied
// the way the daemon takes a change:
// - an nginx site (a file of /etc/nginx/conf.d/*.conf or sites-enabled/*,
//   a link followed to its file): `nginx -t` on a copy of /etc/nginx holding
//   the new file, then `systemctl reload nginx`. Debian's stock default site,
//   unchanged (its conffile checksum), is the package's and is left alone.
// - tomcat: server.xml when it holds a <Context> (the seed's
//   `<Context docBase=... path="">`; restart, as Tomcat reads it only at
//   start), the context descriptors of Catalina/localhost, and the text files
//   under every absolute docBase they name (JSPs and pages are picked up by
//   Tomcat itself). XML is checked well-formed (python3) before a swap.
// Pure: the parts' shell text, and the parse of their output.
import { quote } from "../../providers/transport/shell";
import { isSafePath } from "../../providers/files/core";
import type { FoundFile } from "./discover";

const FILE = "__FILE__";
const CONFFILES = "__CONFFILES__";
const NGINX = "/etc/nginx";
const TOMCAT = "/etc/tomcat10";
/** At most this many files, each under 64 KiB, are read under one docBase (a docBase is pages, not a data store). */
const DOCBASE_FILES = 50;

/** Prints each file as a `__FILE__ listed real mode owner md5` line and its base64 text. */
function dumpFiles(list: string, real: string): string {
  return (
    `for f in ${list}; do [ -f "$f" ] || continue; r=${real}; ` +
    `echo ${FILE} "$f" "$r" "$(stat -c '%a %U:%G' "$r")" "$(md5sum < "$r" | cut -c1-32)"; base64 -w0 < "$r"; echo; done`
  );
}

/** The nginx part of discovery: the site files, then the stock checksums of nginx-common's conffiles. */
export const NGINX_PART =
  `${dumpFiles(`${NGINX}/conf.d/*.conf ${NGINX}/sites-enabled/*`, '$(readlink -f "$f")')}; ` +
  `echo ${CONFFILES}; dpkg-query -W -f='\${Conffiles}\\n' nginx-common 2>/dev/null || true`;

const CONTEXT_FILES = `${TOMCAT}/server.xml ${TOMCAT}/Catalina/localhost/*.xml`;

/** The tomcat part: server.xml, the context descriptors, and the files under each absolute docBase they name. */
export const TOMCAT_PART = dumpFiles(
  `${CONTEXT_FILES} $(grep -ho 'docBase="/[^"]*"' ${CONTEXT_FILES} 2>/dev/null | cut -d'"' -f2 | sort -u | ` +
    `while read -r d; do find "$d" -maxdepth 3 -type f -size -64k 2>/dev/null | head -${DOCBASE_FILES}; done)`,
  '"$f"',
);

/** A file as the part printed it. */
export interface DumpedFile {
  /** The path discovery listed (a site link, say). */
  listed: string;
  /** The file it is (the link followed). */
  real: string;
  mode: string;
  owner: string;
  md5: string;
  content: Buffer;
}

/** A part's output: its files, and the package's conffile checksums (path -> md5) when it printed them. */
export function parseDump(text: string): { files: DumpedFile[]; conffiles: Map<string, string> } {
  const [dump, conf = ""] = text.split(`${CONFFILES}\n`);
  const lines = dump.split("\n");
  const files: DumpedFile[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i].split(" ");
    if (head[0] !== FILE || head.length !== 6) continue;
    const [, listed, real, mode, owner, md5] = head;
    files.push({ listed, real, mode: mode.padStart(4, "0"), owner, md5, content: Buffer.from(lines[i + 1] ?? "", "base64") });
    i++;
  }
  const conffiles = new Map<string, string>();
  for (const line of conf.split("\n")) {
    const [path, md5] = line.trim().split(/\s+/);
    if (path?.startsWith("/") && /^[0-9a-f]{32}$/.test(md5 ?? "")) conffiles.set(path, md5);
  }
  return { files, conffiles };
}

/** The file's text, when it is UTF-8 text (no NUL, and it round-trips); else undefined (a binary file is not adopted). */
export function textOf(content: Buffer): string | undefined {
  const text = content.toString("utf8");
  return !text.includes("\0") && Buffer.from(text, "utf8").equals(content) ? text : undefined;
}

/**
 * The validator of an nginx file: `nginx -t` on a copy of /etc/nginx (links followed) in which the new file (`%s`)
 * stands at `real` and at each enabled path that leads to it, every `/etc/nginx/` in the copy pointing into it.
 */
export function nginxValidate(real: string, enabled: string[]): string {
  const under = (p: string) => p.startsWith(`${NGINX}/`);
  const places = [...new Set([real, ...enabled].filter(under))].map((p) => p.slice(NGINX.length + 1));
  const copies = places.map((p) => `cp %s "$v"/${quote(p)}`).join(" && ");
  return (
    `v=$(mktemp -d) && cp -rL ${NGINX}/. "$v"/ && ${copies} && ` +
    `grep -rlZ ${NGINX}/ "$v" | xargs -0 -r sed -i "s#${NGINX}/#$v/#g" && nginx -t -q -c "$v"/nginx.conf; ` +
    'rc=$?; rm -rf "$v"; [ $rc = 0 ]'
  );
}

/** Checks that an XML file is well-formed. */
export const XML_VALIDATE = "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' %s";

/** The last path segment, for resource names. */
function base(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** The nginx sites to adopt (one per file, its enabled paths merged), and the lines of what is left alone. */
export function nginxSites(text: string): { files: FoundFile[]; unmanaged: string[] } {
  const { files, conffiles } = parseDump(text);
  const out: FoundFile[] = [];
  const unmanaged: string[] = [];
  const byReal = new Map<string, DumpedFile[]>();
  for (const f of files) byReal.set(f.real, [...(byReal.get(f.real) ?? []), f]);
  for (const [real, same] of byReal) {
    const f = same[0];
    const where = `nginx site ${same.map((s) => s.listed).join(", ")}${same.some((s) => s.listed !== real) ? ` (${real})` : ""}`;
    const content = textOf(f.content);
    if (conffiles.get(real) === f.md5) unmanaged.push(`${where}: Debian's stock file, unchanged; left to the package`);
    else if (!isSafePath(real) || same.some((s) => !isSafePath(s.listed)))
      unmanaged.push(`${where}: a path ManagedFile does not take (spaces or shell characters); not adopted`);
    else if (content === undefined) unmanaged.push(`${where}: not UTF-8 text; not adopted`);
    else
      out.push({
        daemon: "nginx",
        name: `nginx-${base(real)}`,
        path: real,
        parts: [content],
        mode: f.mode,
        owner: f.owner,
        validate: nginxValidate(
          real,
          same.map((s) => s.listed),
        ),
        reload: "systemctl reload nginx",
      });
  }
  return { files: out, unmanaged };
}

/** Attributes whose value is a password (a connector's keystorePass, a realm's password, ...): cut out as secrets. */
export const TOMCAT_SECRETS = /(\b\w*(?:pass|Pass|password|Password)\s*=\s*")([^"]+)/g;

/** The tomcat files to adopt, and the lines of what is left alone. */
export function tomcatApps(
  text: string,
  split: (text: string, name: string) => FoundFile["parts"],
): { files: FoundFile[]; unmanaged: string[] } {
  const { files } = parseDump(text);
  const out: FoundFile[] = [];
  const unmanaged: string[] = [];
  for (const f of files) {
    const content = textOf(f.content);
    const xml = f.real.startsWith(`${TOMCAT}/`);
    const where = `tomcat file ${f.real}`;
    if (f.real === `${TOMCAT}/server.xml` && !/<Context\b/.test(content ?? "")) continue; // no application in it
    if (!isSafePath(f.real)) unmanaged.push(`${where}: a path ManagedFile does not take (spaces or shell characters); not adopted`);
    else if (content === undefined) unmanaged.push(`${where}: not UTF-8 text; not adopted`);
    else {
      const name = `tomcat-${base(f.real)}`;
      out.push({
        daemon: "tomcat",
        name,
        path: f.real,
        parts: xml ? split(content, name) : [content],
        mode: f.mode,
        owner: f.owner,
        ...(xml ? { validate: XML_VALIDATE } : {}),
        ...(f.real === `${TOMCAT}/server.xml` ? { reload: "systemctl restart tomcat10" } : {}),
      });
    }
  }
  return { files: out, unmanaged };
}
