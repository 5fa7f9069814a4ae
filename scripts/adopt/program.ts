// `npm run adopt`'s output: a Pulumi TypeScript program of its own (index.ts,
// Pulumi.yaml, package.json, tsconfig.json) declaring what discovery found,
// each resource with the `import` option set to its id (the kind's own id
// function, so it always matches), kept on its host at destroy unless the
// operator flips one constant. What discovery could not adopt is listed at
// the end as comments. Pure: findings in, file texts out.
import { IPVS_REAL_SERVER } from "../../providers/ipvs/realServer";
import { IPVS_SERVICE } from "../../providers/ipvs/service";
import { RealServer, sameKey, VirtualService } from "../../providers/ipvs/model";
import { NAT_RULE } from "../../providers/nat/natRule";
import { ROUTE } from "../../providers/route/route";
import { SYSCTL_SET } from "../../providers/sysctl/sysctlSet";
import { VIP_ALIAS } from "../../providers/vip/vipAlias";
import { ConnectionArgs, targetOf } from "../../providers/transport/types";
import { MANAGED_FILE } from "../../providers/files/managedFile";
import { FilePart, HostFindings } from "./discover";
import { DrShape, findDrClusters } from "./shapes";
import { DR_ARP_SYSCTLS, drDirectorSysctls } from "../../stacks/components/drRealServer";

/** One host as adopt saw it: its inventory name, how it was reached, what was found. */
export interface AdoptedHost {
  name: string;
  /** The address the inventory gives it (what a component forwards to), when it gives one. */
  address?: string;
  connection: ConnectionArgs;
  findings: HostFindings;
}

export interface ProgramOptions {
  /** The generated project's name. */
  project: string;
  /** The inventory the program reads its hosts from (an absolute path). */
  inventory: string;
  /** The npm spec of pulumi-lvs in the program's package.json. */
  packageSpec: string;
  /** The @pulumi/pulumi version to depend on. */
  pulumiVersion: string;
}

/** The name SysctlSet takes for an adopted host's LVS sysctls (its /etc/sysctl.d file once persisted). */
export const ADOPTED_SYSCTL_NAME = "90-lvs-adopted";

const lit = (v: unknown) => JSON.stringify(v);

/** A resource name: lower case, words joined by '-'. */
function resourceName(...parts: (string | number)[]): string {
  return parts
    .join("-")
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/** A TypeScript identifier from a name. */
function ident(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]+/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** An args object literal: fields in the given order, undefined ones left out; `raw` fields are code, not values. */
function args(fields: [string, unknown][], raw: string[] = []): string {
  const body = fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${raw.includes(k) ? (v as string) : lit(v)}`)
    .join(", ");
  return `{ ${body} }`;
}

function serviceName(host: string, s: VirtualService): string {
  return s.protocol === "fwmark" ? resourceName(host, "fwmark", s.fwmark!) : resourceName(host, s.protocol, s.address!, s.port!);
}

function serviceFields(s: VirtualService): [string, unknown][] {
  const key: [string, unknown][] =
    s.protocol === "fwmark"
      ? [
          ["protocol", "fwmark"],
          ["fwmark", s.fwmark],
          ["family", s.family === "inet6" ? "inet6" : undefined],
        ]
      : [
          ["protocol", s.protocol],
          ["address", s.address],
          ["port", s.port],
        ];
  return [
    ...key,
    ["scheduler", s.scheduler],
    ["schedFlags", s.schedFlags.length ? s.schedFlags : undefined],
    ["persistence", s.persistence],
    ["netmask", s.netmask],
    ["onePacket", s.onePacket || undefined],
  ];
}

function serverFields(rs: RealServer): [string, unknown][] {
  return [
    ["address", rs.address],
    ["port", rs.port],
    ["method", rs.method],
    ["weight", rs.weight],
    ["upperThreshold", rs.upperThreshold || undefined],
    ["lowerThreshold", rs.lowerThreshold || undefined],
    ["tunType", rs.method === "tunnel" ? rs.tunType : undefined],
    ["tunPort", rs.method === "tunnel" ? rs.tunPort : undefined],
  ];
}

/** A template literal's body for the text (backslashes, backticks and `${` escaped). */
function templateText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${");
}

/** The stack config key of a secret found on a host. */
export function secretKey(host: string, secret: string): string {
  return resourceName(host, secret);
}

/** The secrets found on the hosts: stack config key -> value (adopt stores them as stack secrets, never in the program). */
export function foundSecrets(hosts: AdoptedHost[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of hosts)
    for (const f of h.findings.files) for (const p of f.parts) if (typeof p !== "string") out[secretKey(h.name, p.secret)] = p.value;
  return out;
}

/** A file's content as code: a template literal, or pulumi.interpolate with the secrets read from the stack config. */
function contentCode(host: string, parts: FilePart[]): string {
  const secret = parts.some((p) => typeof p !== "string");
  const body = parts
    .map((p) => (typeof p === "string" ? templateText(p) : `\${config.requireSecret(${lit(secretKey(host, p.secret))})}`))
    .join("");
  return `${secret ? "pulumi.interpolate" : ""}\`${body}\``;
}

/** The import ids the program declares, by resource name (adopt's safety net checks the preview against them). */
export type ImportIds = Record<string, string>;

/** One host's block of the program, and the ids it imports. */
function hostBlock(h: AdoptedHost, ids: ImportIds): string[] {
  const f = h.findings;
  const c = ident(h.name);
  const conn = h.connection;
  const lines = [`// ${h.name}: ${targetOf(conn)}`, `const ${c} = hosts.host(${lit(h.name)}).connection;`];
  const declare = (type: string, name: string, fields: [string, unknown][], id: string, raw: string[] = [], deps = "", bind = "") => {
    ids[name] = id;
    const opts = deps ? `adopted(${lit(id)}, [${deps}])` : `adopted(${lit(id)})`;
    lines.push(
      `${bind ? `const ${bind} = ` : ""}new ${type}(${lit(name)}, ${args([["connection", c], ...fields], ["connection", ...raw])}, ${opts});`,
    );
  };
  if (Object.keys(f.sysctls).length) {
    const fields: [string, unknown][] = [
      ["name", ADOPTED_SYSCTL_NAME],
      ["values", f.sysctls],
      ["persist", false],
    ];
    declare(
      "SysctlSet",
      resourceName(h.name, "lvs-sysctls"),
      fields,
      SYSCTL_SET.id!({ connection: conn, name: ADOPTED_SYSCTL_NAME, values: f.sysctls }),
    );
  }
  for (const v of f.vips) {
    const fields: [string, unknown][] = [
      ["address", v.address],
      ["prefix", v.prefix],
      ["interface", v.interface],
      ["label", v.label],
      ["hostRoute", v.hostRoute || undefined],
      ["persist", false],
    ];
    declare("VipAlias", resourceName(h.name, "vip", v.address, v.label ?? v.interface), fields, VIP_ALIAS.id!({ connection: conn, ...v }));
  }
  for (const r of f.routes) {
    const fields: [string, unknown][] = [
      ["destination", r.destination],
      ["via", r.via],
      ["dev", r.dev],
      ["persist", false],
    ];
    declare("Route", resourceName(h.name, "route", r.destination), fields, ROUTE.id!({ connection: conn, ...r }));
  }
  for (const n of f.natRules) {
    const fields = Object.entries(n) as [string, unknown][];
    declare("NatRule", resourceName(h.name, "nat", n.name), [...fields, ["persist", false]], NAT_RULE.id!({ connection: conn, ...n }));
  }
  const fileNames = new Set<string>();
  for (const file of f.files) {
    // Two files of one name on a host (index.jsp under two docBases) get -2, -3, ...
    let name = resourceName(h.name, file.name);
    for (let n = 2; fileNames.has(name); n++) name = resourceName(h.name, file.name, n);
    fileNames.add(name);
    const fields: [string, unknown][] = [
      ["path", file.path],
      ["content", contentCode(h.name, file.parts)],
      ["mode", file.mode],
      ["owner", file.owner],
      ["validate", file.validate],
      ["reload", file.reload],
    ];
    declare("ManagedFile", name, fields, MANAGED_FILE.id!({ connection: conn, path: file.path, content: "" }), ["content"]);
  }
  for (const s of f.services) {
    const name = serviceName(h.name, s);
    const svc = ident(name);
    declare("IpvsService", name, serviceFields(s), IPVS_SERVICE.id!({ connection: conn, ...s }), [], "", svc);
    for (const rs of f.realServers.filter((r) => sameKey(r.service, s)))
      declare(
        "IpvsRealServer",
        resourceName(name, "rs", rs.address, rs.port ?? s.port ?? 0),
        [["service", `${svc}.key`], ...serverFields(rs)],
        IPVS_REAL_SERVER.id!({ connection: conn, ...rs }),
        ["service"],
        svc,
      );
  }
  return lines;
}

/**
 * A DR cluster's block: DrCluster adopting every child (`adopt: true`), live only (`persist: false`), and the ids its
 * children adopt by, under the names the component gives them (its own id functions, so they agree).
 */
function clusterBlock(c: DrShape, hosts: AdoptedHost[], ids: ImportIds): string[] {
  const name = resourceName(c.director, "dr", c.vip, c.port);
  const conn = (host: string) => hosts.find((h) => h.name === host)!.connection;
  const d = conn(c.director);
  const dirSysctls = drDirectorSysctls(c.nic);
  ids[`${name}-director-sysctls`] = SYSCTL_SET.id!({ connection: d, name: "90-lvs-dr", values: dirSysctls });
  const vip = { address: c.vip, prefix: c.vipPrefix, interface: c.nic, label: `${c.nic}:0` };
  ids[`${name}-director-vip`] = VIP_ALIAS.id!({ connection: d, ...vip });
  const key = { protocol: "tcp" as const, address: c.vip, port: c.port };
  ids[`${name}-service`] = IPVS_SERVICE.id!({ connection: d, ...key, scheduler: c.scheduler });
  for (const r of c.realServers) {
    const address = hosts.find((h) => h.name === r.host)!.address!;
    ids[`${name}-${r.host}`] = IPVS_REAL_SERVER.id!({ connection: d, service: key, address, port: c.port, method: "route" });
    ids[`${name}-${r.host}-arp`] = SYSCTL_SET.id!({ connection: conn(r.host), name: "90-lvs-dr-rs", values: DR_ARP_SYSCTLS });
    ids[`${name}-${r.host}-vip`] = VIP_ALIAS.id!({ connection: conn(r.host), address: c.vip, prefix: 32, interface: "lo", label: "lo:0" });
  }
  const servers = c.realServers.map((r) => `{ host: hosts.host(${lit(r.host)}), weight: ${r.weight} }`).join(", ");
  const fields: [string, unknown][] = [
    ["director", `hosts.host(${lit(c.director)})`],
    ["nic", c.nic],
    ["vip", c.vip],
    ["vipPrefix", c.vipPrefix === 32 ? undefined : c.vipPrefix],
    ["port", c.port],
    ["scheduler", c.scheduler],
    ["persistence", c.persistence],
    ["realServers", `[${servers}]`],
    ["persist", false],
    ["adopt", true],
  ];
  return [
    `// A DR cluster, adopted whole: ${c.director} holds ${c.vip} on ${c.nic}:0 and its IPVS service (-g to ${c.realServers.map((r) => r.host).join(", ")},`,
    "// each with the VIP on lo:0 and the ARP sysctls). DrCluster declares exactly what is live; each of its resources adopts its object.",
    `new DrCluster(${lit(name)}, ${args(fields, ["director", "realServers"])}, { retainOnDelete: keepOnDestroy });`,
  ];
}

/** The generated program's files, and the import ids it declares. */
export function renderProgram(hosts: AdoptedHost[], o: ProgramOptions): { files: Record<string, string>; ids: ImportIds } {
  const ids: ImportIds = {};
  const { clusters, rest } = findDrClusters(hosts);
  const blocks = [
    ...clusters.map((c) => clusterBlock(c, hosts, ids).join("\n")),
    ...rest
      .map((h) => hostBlock(h, ids))
      .filter((b) => b.length > 2)
      .map((b) => b.join("\n")),
  ];
  const used = ["IpvsRealServer", "IpvsService", "ManagedFile", "NatRule", "Route", "SysctlSet", "VipAlias"].filter((t) =>
    blocks.some((b) => b.includes(`new ${t}(`)),
  );
  const unmanaged = hosts.flatMap((h) => h.findings.unmanaged.map((u) => `//   ${h.name}: ${u}`));
  const vips = [
    ...new Set(hosts.flatMap((h) => [...h.findings.services.map((s) => s.address), ...h.findings.vips.map((v) => v.address)])),
  ].filter((a): a is string => a !== undefined);
  const index = [
    `// Generated by \`npm run adopt\` from ${hosts.map((h) => h.name).join(", ")}: what pulumi-lvs found live there.`,
    "// Every resource carries the `import` option: the first `up` adopts the live object and changes nothing on the host",
    "// (it refuses, changing nothing, if the object differs). Objects found live only (no boot unit, no sysctl.d file)",
    "// are declared with `persist: false`; set it true (or drop the line) to have them put back at boot. A daemon's",
    "// hand-written config file is declared whole (ManagedFile): an edit is validated, swapped in and reloaded.",
    'import * as pulumi from "@pulumi/pulumi";',
    ...(used.length ? [`import { ${used.join(", ")} } from "pulumi-lvs";`] : []),
    `import { ${clusters.length ? "DrCluster, " : ""}hostsFromConfig } from "pulumi-lvs/components";`,
    "",
    "/** Keep every adopted object on its host at `pulumi destroy` (destroy then only stops managing). false: destroy removes them. */",
    "const keepOnDestroy = true;",
    "",
    "/** The options of an adopted resource: its import id, kept at destroy while keepOnDestroy holds. */",
    "function adopted(id: string, dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions {",
    "  return { import: id, retainOnDelete: keepOnDestroy, dependsOn };",
    "}",
    "",
    "// Hosts and how to reach them: the inventory named by `pulumi-lvs:inventory` (Pulumi.yaml).",
    "const hosts = hostsFromConfig();",
    ...(Object.keys(foundSecrets(hosts)).length
      ? ["// Secrets found in the hosts' files (adopt stored them as this stack's secrets).", "const config = new pulumi.Config();"]
      : []),
    "",
    blocks.join("\n\n"),
    "",
    `export const vips = ${lit(vips)};`,
    "",
    unmanaged.length
      ? ["// Found and left as they are (pulumi-lvs does not manage these; nothing here changes them):", ...unmanaged].join("\n")
      : "// Nothing found that pulumi-lvs cannot manage.",
    "",
  ].join("\n");
  const pulumiYaml = [
    `name: ${o.project}`,
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: true",
    `description: Load balancers adopted by pulumi-lvs from ${hosts.map((h) => h.name).join(", ")}`,
    "config:",
    "  pulumi-lvs:inventory:",
    `    value: ${lit(o.inventory)}`,
    "",
  ].join("\n");
  const pkg = {
    name: o.project,
    private: true,
    main: "index.ts",
    dependencies: { "@pulumi/pulumi": o.pulumiVersion, "pulumi-lvs": o.packageSpec },
    devDependencies: { "@types/node": "^20.19.0", typescript: "^5.0.0" },
  };
  const tsconfig = {
    compilerOptions: {
      strict: true,
      target: "es2020",
      module: "commonjs",
      moduleResolution: "node",
      esModuleInterop: true,
      skipLibCheck: true,
      outDir: "bin",
    },
    files: ["index.ts"],
  };
  return {
    files: {
      "index.ts": index,
      "Pulumi.yaml": pulumiYaml,
      "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
      "tsconfig.json": `${JSON.stringify(tsconfig, null, 2)}\n`,
    },
    ids,
  };
}
