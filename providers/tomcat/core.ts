// TomcatApp's pure core: input checks, the context descriptor's file name and
// content (<Context docBase=... reloadable=... />, as the seed's server.xml
// entry, but as its own file so server.xml stays the package's), and the
// rules for the application's files under docBase. Target: tomcat 10
// (Debian bookworm: descriptors in /etc/tomcat10/Catalina/localhost/).
//
// Paths are words of a strict alphabet (no "..", no leading '/'), and the one
// attribute that reaches the XML is escaped, so no input can add an element or
// break out of an attribute. File contents are data and are not restricted.
import { Checker, CheckFailure, checkConnection, isUnknown, known, show } from "../common/check";
import { checkPathIn, hostPath } from "../common/paths";
import { UNIT, UNIT_RULE } from "../system/core";

export interface TomcatAppSpec {
  /** ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ */
  name: string;
  /** Context path: "" (root), "/shop" or "/a/b": segments of [A-Za-z0-9_.-]. */
  path: string;
  /** Absolute directory, e.g. /srv/tomcat/test: [A-Za-z0-9_./-], no "..", not "/". */
  docBase: string;
  /** Relative path under docBase -> content (e.g. "index.jsp"); at least one. */
  files: Record<string, string>;
  /** Default true (the seed). */
  reloadable?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CONTEXT_PATH = /^(?:\/[A-Za-z0-9_.-]+)*$/;
const DOC_BASE = /^(?:\/[A-Za-z0-9_.-]+)+$/;
const REL_PATH = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

/** Directories a docBase must not be in: the system's own, and Debian's tomcat10 appBase (a docBase there is deployed twice). */
const FORBIDDEN_DOC_BASES: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/proc",
  "/sbin",
  "/sys",
  "/run",
  "/usr/bin",
  "/usr/lib",
  "/usr/sbin",
  "/var/lib/tomcat10/webapps",
];

/** "." and ".." segments are refused everywhere. */
function dotSegment(p: string): boolean {
  return p.split("/").some((s) => s === "." || s === "..");
}

/** The directory the files' paths are checked under: docBase when it is a valid one, else a stand-in. */
function docBaseOf(i: Record<string, unknown>): string {
  const d = i.docBase;
  return typeof d === "string" && DOC_BASE.test(d) && !dotSegment(d) ? d : "/docBase";
}

/** Where a file of the app is written: throws when `file` would leave docBase (defence in depth after the check). */
export function appFilePath(docBase: string, file: string): string {
  return hostPath(docBase, file);
}

function validContextPath(p: unknown): p is string {
  return typeof p === "string" && CONTEXT_PATH.test(p) && !dotSegment(p) && p.length <= 255;
}

export function checkTomcatApp(inputs: Record<string, unknown>): CheckFailure[] {
  const c = new Checker();
  checkConnection(c, inputs.connection);
  checkApp(c, inputs);
  return c.failures;
}

function checkApp(c: Checker, i: Record<string, unknown>): void {
  if (c.required("name", i.name)) {
    c.word("name", i.name, NAME, "1..64 letters, digits, '_', '-', '.' starting with a letter or digit");
  }

  // path: "" is the root context, so it is required to be present but may be empty.
  if (i.path === undefined || i.path === null) c.fail("path", `path is required: "" for the root context, or like "/shop"`);
  else if (known(i.path)) {
    if (!validContextPath(i.path)) {
      c.fail(
        "path",
        `path must be "" (the root context) or segments like "/shop" or "/a/b" of letters, digits, '_', '-', '.' (no "." or ".." segments, no trailing '/'); got ${show(i.path)}`,
      );
    } else if (i.path.toUpperCase() === "/ROOT") {
      c.fail("path", `path ${show(i.path)} collides with the root context's descriptor ROOT.xml; use "" for the root context`);
    }
  }

  if (c.required("docBase", i.docBase) && known(i.docBase)) {
    const d = i.docBase;
    if (typeof d !== "string" || !DOC_BASE.test(d) || dotSegment(d)) {
      c.fail(
        "docBase",
        `docBase must be an absolute directory like /srv/tomcat/test of letters, digits, '_', '-', '.' and '/' (not "/", no "." or ".." segments, no trailing '/'); got ${show(d)}`,
      );
    } else if (checkPathIn(c, "docBase", d, undefined, "an absolute directory without '..' segments")) {
      const bad = FORBIDDEN_DOC_BASES.find((f) => d === f || d.startsWith(`${f}/`));
      if (bad !== undefined) {
        c.fail(
          "docBase",
          bad === "/var/lib/tomcat10/webapps"
            ? `docBase must not be inside tomcat's appBase ${bad} (tomcat would deploy it twice and ignore docBase); got ${show(d)}`
            : `docBase must not be inside the system directory ${bad} (the application's files are written there); got ${show(d)}`,
        );
      }
    }
  }

  c.bool("reloadable", i.reloadable);

  // unit and contextDir (TomcatApp's own; absent in a spec given to the renderer): the unit is handed to
  // systemctl, the descriptor is written in contextDir.
  c.word("unit", i.unit, UNIT, UNIT_RULE);
  const contextDirRule =
    "an absolute directory like /etc/tomcat10/Catalina/localhost of letters, digits, '_', '-', '.' and '/' (not \"/\", no \".\" or \"..\" segments, no trailing '/')";
  if (c.word("contextDir", i.contextDir, DOC_BASE, contextDirRule)) {
    if (dotSegment(i.contextDir as string)) c.fail("contextDir", `contextDir must be ${contextDirRule}; got ${show(i.contextDir)}`);
    else checkPathIn(c, "contextDir", i.contextDir, undefined, contextDirRule);
  }

  const files = i.files;
  if (isUnknown(files)) return;
  if (!files || typeof files !== "object" || Array.isArray(files) || Object.keys(files).length === 0) {
    c.fail(
      "files",
      `files must be a non-empty map of relative paths to contents, e.g. { "index.jsp": "<% out.println(\\"hello\\"); %>" }; got ${show(files)}`,
    );
    return;
  }
  const entries = Object.entries(files as Record<string, unknown>);
  const good = new Set<string>();
  for (const [k, v] of entries) {
    const p = `files[${JSON.stringify(k)}]`;
    if (!REL_PATH.test(k) || dotSegment(k) || k.length > 255) {
      c.fail(
        p,
        `${p}: a file path must be relative to docBase, segments of letters, digits, '_', '-', '.' separated by '/' (no leading '/', no "." or ".." segments); got ${show(k)}`,
      );
    } else if (checkPathIn(c, p, k, docBaseOf(i), "a file path that stays under docBase")) {
      good.add(k);
    }
    if (known(v) && typeof v !== "string") c.fail(p, `${p} must be the file's content as a string; got ${show(v)}`);
  }
  // A path cannot be both a file and a directory holding other files.
  for (const k of good) {
    const segs = k.split("/");
    for (let n = 1; n < segs.length; n++) {
      const dir = segs.slice(0, n).join("/");
      if (good.has(dir)) {
        c.fail(
          `files[${JSON.stringify(dir)}]`,
          `files[${JSON.stringify(dir)}] is a file, but files[${JSON.stringify(k)}] needs it to be a directory`,
        );
      }
    }
  }
}

/** Tomcat's context descriptor file name for a path: "" -> "ROOT.xml", "/shop" -> "shop.xml", "/a/b" -> "a#b.xml". */
export function contextFileName(path: string): string {
  if (!validContextPath(path)) throw new Error(`invalid tomcat context path ${JSON.stringify(path)}`);
  if (path === "") return "ROOT.xml";
  return `${path.slice(1).split("/").join("#")}.xml`;
}

/** XML attribute value escaping (for a double-quoted attribute). */
export function xmlAttr(s: string): string {
  return s.replace(/[&<>"'\t\n\r]/g, (ch) => {
    switch (ch) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        return `&#${ch.charCodeAt(0)};`;
    }
  });
}

/** Text for an XML comment: "--" is not allowed inside one, nor '-' just before "-->". */
function commentText(s: string): string {
  return s.replace(/-(?=-|$)/g, "- ");
}

/** <Context docBase="..." reloadable="true" /> with XML attribute escaping, plus a managed-by comment. */
export function renderTomcatContext(spec: TomcatAppSpec): string {
  const c = new Checker();
  checkApp(c, spec as unknown as Record<string, unknown>);
  if (c.failures.length > 0) throw new Error(`invalid TomcatApp: ${c.failures.map((f) => f.reason).join("; ")}`);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<!-- ${commentText(`Managed by pulumi-lvs (TomcatApp ${spec.name}, context path "${spec.path}"). Changes here are overwritten.`)} -->`,
    `<Context docBase="${xmlAttr(spec.docBase)}" reloadable="${spec.reloadable === false ? "false" : "true"}" />`,
    "",
  ].join("\n");
}
